/// <reference types="vite/client" />
import type { TestConvex } from "convex-test";
import type {
  GenericDatabaseReader,
  GenericDataModel,
  GenericSchema,
  SchemaDefinition,
} from "convex/server";
import { vi } from "vitest";
import workpool from "@convex-dev/workpool/test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import schema from "./component/schema.js";
import {
  checkStoredDocument,
  formatViolations,
  type StorageViolation,
} from "./core/storageRules.js";

const modules = import.meta.glob("./component/**/*.ts");

/**
 * Registers the rules component with a convex-test instance of a host app.
 *
 * Also registers the component's own workpool (it runs the actions) under
 * `${name}/workpool`, and its rate limiter (quotas) under `${name}/rateLimiter`.
 *
 * @param t - The test instance, from `convexTest(hostSchema, hostModules)`.
 * @param name - The name the host gives the component in `app.use(rules,
 *   { name })`; "rules" by default.
 */
export function register<
  Schema extends SchemaDefinition<GenericSchema, boolean>,
>(t: TestConvex<Schema>, name: string = "rules") {
  t.registerComponent(name, schema, modules);
  workpool.register(
    t as unknown as TestConvex<SchemaDefinition<GenericSchema, boolean>>,
    `${name}/workpool`,
  );
  rateLimiter.register(
    t as unknown as TestConvex<SchemaDefinition<GenericSchema, boolean>>,
    `${name}/rateLimiter`,
  );
}

export type DrainOptions = {
  /** Stop (throw) after this many timers; 1,000 by default. */
  maxSteps?: number;
  /**
   * Stop, without error, once the clock has moved this many ms since the
   * call: for apps with scheduled rules, which re-arm themselves forever.
   */
  withinMs?: number;
};

/**
 * Runs every scheduled function to completion: the workpool that runs the
 * rules' actions, their retries and completion callbacks, the batch
 * worker, the host's own scheduled functions. Needs `vi.useFakeTimers()`
 * before the test's first call (convex-test schedules on `setTimeout`).
 *
 * It moves the fake clock one timer at a time, and only when nothing is
 * running, so a function always runs at its scheduled time and sees the
 * previous one finished: an execution's duration is what its scheduling
 * took (0 ms for an action that runs at once, its backoff when it retries),
 * and no watchdog fires early. `t.finishAllScheduledFunctions(vi.runAllTimers)`
 * instead fires every timer at once, in flight or not, jumping the clock by
 * minutes and waking the batch worker's monitor ("loop is not running").
 *
 * @returns The number of timers it fired.
 * @example
 * ```ts
 * beforeEach(() => vi.useFakeTimers());
 * afterEach(() => vi.useRealTimers());
 *
 * test("a done item notifies its owner", async () => {
 *   const t = convexTest({ schema, modules, transactionLimits: true });
 *   register(t);
 *   await t.mutation(api.rules.createDoneRule, {});
 *   await t.mutation(api.events.itemDone, { itemId: "1" });
 *   await drain(t);
 *   expect(await t.query(api.rules.lastExecution, {})).toMatchObject({ status: "succeeded" });
 * });
 * ```
 */
export async function drain<Schema extends SchemaDefinition<GenericSchema, boolean>>(
  t: TestConvex<Schema>,
  options: DrainOptions = {},
): Promise<number> {
  if (!vi.isFakeTimers()) {
    throw new Error(
      "drain(t) needs fake timers: call vi.useFakeTimers() before the test's first call (e.g. in beforeEach)",
    );
  }
  const maxSteps = options.maxSteps ?? 1000;
  const deadline = options.withinMs === undefined ? Infinity : Date.now() + options.withinMs;
  for (let step = 0; ; step++) {
    await t.finishInProgressScheduledFunctions();
    if (vi.getTimerCount() === 0 || Date.now() >= deadline) return step;
    if (step === maxSteps) {
      throw new Error(
        `drain(t): scheduled work still pending after ${maxSteps} timers; a function that reschedules itself (a scheduled rule) needs { withinMs }`,
      );
    }
    await vi.advanceTimersToNextTimerAsync();
  }
}

/** A rule of Convex's value model that a stored document breaks. */
export type StoredViolation = { table: string; id: string; violation: StorageViolation };

/**
 * Walks every document of every table of the rules component and lists
 * each one that a real Convex deployment would refuse to store: size over
 * 1 MiB, nesting over 16 levels, arrays over 8,192 items, objects over
 * 1,024 fields, field names empty, non-ASCII or starting with `$` or `_`
 * (see core/storageRules.ts). convex-test does not enforce these rules, so
 * a suite calls this at its end to prove its documents would be stored.
 *
 * @param t - The test instance.
 * @param name - The component's name in a host app ("rules" by default),
 *   or "" in tests where the component is the root app
 *   (`convexTest(schema, modules)`).
 * @example
 * ```ts
 * const t = convexTest(hostSchema, hostModules);
 * register(t);
 * // ... create rules, dispatch events ...
 * expect(await checkStorage(t)).toEqual([]);
 * ```
 */
export async function checkStorage<
  Schema extends SchemaDefinition<GenericSchema, boolean>,
>(t: TestConvex<Schema>, name: string = "rules"): Promise<StoredViolation[]> {
  const { runInComponent } = t as unknown as {
    runInComponent?: (
      componentPath: string,
      handler: (ctx: { db: GenericDatabaseReader<GenericDataModel> }) => Promise<StoredViolation[]>,
    ) => Promise<StoredViolation[]>;
  };
  if (typeof runInComponent !== "function") {
    throw new Error("checkStorage needs convex-test's runInComponent (convex-test >= 0.0.60)");
  }
  // Checked inside the run: returning a refused document from it would
  // already fail (convexToJson), without naming the violation.
  return await runInComponent(name, async (ctx) => {
    const found: StoredViolation[] = [];
    for (const table of Object.keys(schema.tables)) {
      for (const doc of await ctx.db.query(table).collect()) {
        for (const violation of checkStoredDocument(doc)) {
          found.push({ table, id: String(doc["_id"]), violation });
        }
      }
    }
    return found;
  });
}

/**
 * Fails, listing each violation (table, id, field path, rule), when a
 * document of the rules component could not be stored by a real Convex
 * deployment; see {@link checkStorage}.
 *
 * @example
 * ```ts
 * afterEach(async () => await assertStorable(t));
 * ```
 */
export async function assertStorable<
  Schema extends SchemaDefinition<GenericSchema, boolean>,
>(t: TestConvex<Schema>, name: string = "rules"): Promise<void> {
  const violations = await checkStorage(t, name);
  if (violations.length > 0) {
    throw new Error(
      `${violations.length} stored value(s) break Convex's value rules:\n${formatViolations(violations)}`,
    );
  }
}

export default { register, schema, modules, checkStorage, assertStorable, drain };
