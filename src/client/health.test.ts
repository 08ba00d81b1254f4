/// <reference types="vite/client" />
// Auto-disable and rule health, through a host app
// (opsHost.test.ts): failing actions run by workpool, fake timers for the
// clock, the rule, its versions, its logs and the console checked as a user
// would see them.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { register } from "../test.js";
import { schema, type OpsDraft } from "./opsHost.test.js";

const host = anyApi["opsHost.test"] as unknown as ApiFromModules<{
  "opsHost.test": typeof import("./opsHost.test.js");
}>["opsHost.test"];

type T = ReturnType<typeof setup>;
type ClientName = "default" | "three" | "never" | "noFatal";

const DAY = 24 * 60 * 60 * 1000;
const START = Date.UTC(2026, 0, 5, 9, 0, 0);

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

async function settle(t: T) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function createRule(
  t: T,
  queue: string,
  actionType: "work" | "fatal" = "work",
  extra: { conditions?: OpsDraft["conditions"] } = {},
) {
  return await t.mutation(host.create, {
    rule: {
      name: `Rule ${queue}`,
      integrationId: "ops",
      triggerType: "job",
      triggerConfig: { queue },
      actions: [{ type: actionType, config: {} }],
      ...extra,
    } satisfies OpsDraft,
  });
}

/** Dispatches one event, runs its actions, and returns the execution. */
async function run(t: T, queue: string, fail: boolean, client: ClientName = "default") {
  const results = await t.mutation(host.dispatch, { client, event: { queue, fail } });
  expect(results).toHaveLength(1);
  await settle(t);
  const execution = await t.query(host.execution, { executionId: results[0].executionId });
  return execution!;
}

async function ruleOf(t: T, ruleId: string) {
  return (await t.query(host.rule, { ruleId }))!;
}

/**
 * The component's JSON lines written to console.warn whose event is
 * `event` (workpool, a child component, writes plain-text lines there too,
 * such as its recovery notes, depending on timing).
 */
function consoleEvents(spy: { mock: { calls: unknown[][] } }, event: string) {
  return spy.mock.calls
    .map((call) => String(call[0]))
    .filter((line) => line.startsWith('{"component":"rules"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === event);
}

describe("auto-disable after consecutive failures", () => {
  test("the Kth failure in a row disables the rule, recording why and when, in its log, versions and the console", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = setup();
    const ruleId = await createRule(t, "q");

    for (let i = 1; i <= 2; i++) {
      expect((await run(t, "q", true, "three")).status).toBe("failed");
      expect((await ruleOf(t, ruleId)).enabled).toBe(true);
    }
    const third = await run(t, "q", true, "three");
    expect(third.status).toBe("failed");
    const rule = await ruleOf(t, ruleId);
    expect(rule).toMatchObject({
      enabled: false,
      autoDisabled: true,
      disabledReason: "3 consecutive failed executions",
      version: 2,
    });
    // Disabled in the completion of the third execution, at the clock's time then.
    expect(rule.disabledAt).toBeGreaterThanOrEqual(third.endTime!);
    expect(rule.disabledAt).toBeLessThanOrEqual(Date.now());

    const logs = await t.query(host.logs, { executionId: third.executionId });
    expect(logs.at(-1)).toMatchObject({
      level: "error",
      message: 'Rule "Rule q" disabled automatically: 3 consecutive failed executions',
      data: { ruleId, kind: "consecutive_failures", version: 2 },
    });
    const [line] = consoleEvents(warn, "rule.auto_disabled");
    expect(line).toEqual({
      component: "rules",
      level: "WARN",
      event: "rule.auto_disabled",
      integrationId: "ops",
      namespace: "",
      ruleId,
      executionId: third.executionId,
      kind: "consecutive_failures",
      reason: "3 consecutive failed executions",
    });

    // The change is a version of its own, by the auto-disable.
    const version = await t.query(host.getVersion, { ruleId, version: 2 });
    expect(version).toMatchObject({ actor: "rules:auto-disable", operation: "disable", changes: ["enabled"] });
    // Its routes are gone: the next event runs nothing.
    expect(await t.mutation(host.dispatch, { client: "three", event: { queue: "q", fail: true } })).toEqual([]);
  });

  test("a success resets the streak; skipped executions neither count nor reset it", async () => {
    const t = setup();
    const ruleId = await createRule(t, "q", "work", {
      conditions: [{ type: "field", config: { path: "skip", op: "neq", value: true } }],
    });
    await run(t, "q", true, "three");
    await run(t, "q", true, "three");
    expect((await run(t, "q", false, "three")).status).toBe("succeeded");
    await run(t, "q", true, "three");
    await run(t, "q", true, "three");
    expect((await ruleOf(t, ruleId)).enabled).toBe(true);
    // A skipped execution (conditions not met) between two failures.
    const results = await t.mutation(host.dispatch, { client: "three", event: { queue: "q", skip: true } });
    expect(results[0].status).toBe("skipped");
    expect((await ruleOf(t, ruleId)).enabled).toBe(true);
    await run(t, "q", true, "three");
    expect(await ruleOf(t, ruleId)).toMatchObject({ enabled: false, autoDisabled: true });
  });

  test("the default is 5 failures in a row; `autoDisable: false` never disables", async () => {
    const t = setup();
    const byDefault = await createRule(t, "d");
    const never = await createRule(t, "n");
    for (let i = 1; i <= 4; i++) await run(t, "d", true, "default");
    expect((await ruleOf(t, byDefault)).enabled).toBe(true);
    await run(t, "d", true, "default");
    expect(await ruleOf(t, byDefault)).toMatchObject({
      enabled: false,
      disabledReason: "5 consecutive failed executions",
    });

    for (let i = 1; i <= 7; i++) await run(t, "n", true, "never");
    expect((await ruleOf(t, never)).enabled).toBe(true);
    expect((await ruleOf(t, never)).autoDisabled).toBeUndefined();
  });

  test("enabling the rule again clears the marks and starts a new streak", async () => {
    const t = setup();
    const ruleId = await createRule(t, "q");
    for (let i = 1; i <= 3; i++) await run(t, "q", true, "three");
    expect((await ruleOf(t, ruleId)).enabled).toBe(false);

    await t.mutation(host.enable, { ruleId });
    const enabled = await ruleOf(t, ruleId);
    expect(enabled.enabled).toBe(true);
    expect(enabled.autoDisabled).toBeUndefined();
    expect(enabled.disabledReason).toBeUndefined();
    expect(enabled.disabledAt).toBeUndefined();
    // The failures before the new version do not count.
    await run(t, "q", true, "three");
    await run(t, "q", true, "three");
    expect((await ruleOf(t, ruleId)).enabled).toBe(true);
    await run(t, "q", true, "three");
    expect((await ruleOf(t, ruleId)).enabled).toBe(false);
  });
});

describe("auto-disable on a fatal error", () => {
  test("a FatalActionError is not retried and disables the rule at once", async () => {
    const t = setup();
    const ruleId = await createRule(t, "f", "fatal");
    const execution = await run(t, "f", false);

    expect(execution.status).toBe("failed");
    expect(execution.actions[0]).toMatchObject({ status: "failed", attempts: 1, error: "fatal: board deleted" });
    // Its handler allows 3 attempts: only one ran.
    expect((await t.query(host.effects, {})).filter((e) => e.kind === "fatal")).toHaveLength(1);
    const rule = await ruleOf(t, ruleId);
    expect(rule).toMatchObject({
      enabled: false,
      autoDisabled: true,
      disabledReason: "fatal error in action a1 (fatal): board deleted",
    });
    expect(rule.disabledAt).toBe(execution.endTime);
    const logs = await t.query(host.logs, { executionId: execution.executionId });
    expect(logs.map((l) => `${l.level} ${l.message}`)).toEqual(
      expect.arrayContaining([
        "error Action a1 (fatal) failed with a fatal error after 1 attempt(s): board deleted",
        'error Rule "Rule f" disabled automatically: fatal error in action a1 (fatal): board deleted',
      ]),
    );
    expect(logs.find((l) => l.message.startsWith("Action a1 (fatal) failed"))?.data).toEqual({ code: "6000" });
  });

  test("with `autoDisable: { onFatal: false }` the action fails without a retry but the rule stays enabled", async () => {
    const t = setup();
    const ruleId = await createRule(t, "f", "fatal");
    const execution = await run(t, "f", false, "noFatal");
    expect(execution.status).toBe("failed");
    expect(execution.actions[0].attempts).toBe(1);
    expect(await ruleOf(t, ruleId)).toMatchObject({ enabled: true, version: 1 });
  });
});

describe("getRuleHealth", () => {
  test("lists rules that failed recently, were auto-disabled, or stayed idle while their events kept coming", async () => {
    const t = setup();
    const failing = await createRule(t, "failing");
    const disabled = await createRule(t, "fatal", "fatal");
    const idle = await createRule(t, "idle");
    const healthy = await createRule(t, "healthy");
    // A rule whose trigger type sees no events: quiet, but not idle.
    const quiet = await t.mutation(host.create, {
      rule: { name: "Quiet", integrationId: "ops", triggerType: "other", triggerConfig: {}, actions: [] },
    });

    await run(t, "failing", true, "never");
    await run(t, "fatal", false);
    await run(t, "healthy", false);

    let report = await t.query(host.health, {});
    expect(report.isDone).toBe(true);
    expect(report.scanned).toBe(5);
    const problems = () => Object.fromEntries(report.rules.map((r) => [r.ruleId, r.problems]));
    // The fatal execution failed too.
    expect(problems()).toEqual({ [failing]: ["failing"], [disabled]: ["failing", "auto_disabled"] });
    const failingRow = report.rules.find((r) => r.ruleId === failing)!;
    expect(failingRow).toMatchObject({ failed: 1, consecutiveFailures: 1, enabled: true });
    expect(failingRow.lastError).toContain("the job failed");
    expect(report.rules.find((r) => r.ruleId === disabled)).toMatchObject({
      enabled: false,
      autoDisabled: true,
      disabledReason: "fatal error in action a1 (fatal): board deleted",
      disabledAt: expect.any(Number),
    });

    // Eight days pass; events of type "job" keep arriving every day, but
    // none for queue "idle" (and "healthy" keeps running).
    for (let day = 1; day <= 8; day++) {
      vi.setSystemTime(START + day * DAY);
      await run(t, "healthy", false);
    }
    report = await t.query(host.health, {});
    // The failure is older than 24 hours; the auto-disabled rule stays listed.
    expect(problems()).toEqual({
      [disabled]: ["auto_disabled"],
      [failing]: ["idle"],
      [idle]: ["idle"],
    });
    expect(report.rules.find((r) => r.ruleId === idle)).toMatchObject({
      triggerType: "job",
      lastEventAt: expect.any(Number),
    });
    expect(report.rules.find((r) => r.ruleId === idle)!.lastRunAt).toBeUndefined();
    expect(report.rules.some((r) => r.ruleId === quiet || r.ruleId === healthy)).toBe(false);

    // Windows are arguments: idle after 10 days, failures of the last 9 days.
    report = await t.query(host.health, { idleDays: 10, failedWithinMs: 9 * DAY });
    expect(problems()).toEqual({ [disabled]: ["failing", "auto_disabled"], [failing]: ["failing"] });
  });

  test("pages through the rules with `limit` and `cursor`; bad arguments fail naming the field", async () => {
    const t = setup();
    const ids = [];
    for (const queue of ["a", "b", "c"]) {
      ids.push(await createRule(t, queue));
      await run(t, queue, true, "never");
    }
    const first = await t.query(host.health, { limit: 2 });
    expect(first).toMatchObject({ scanned: 2, isDone: false });
    expect(first.rules.map((r) => r.ruleId)).toEqual(ids.slice(0, 2));
    const second = await t.query(host.health, { limit: 2, cursor: first.continueCursor });
    expect(second).toMatchObject({ scanned: 1, isDone: true, continueCursor: null });
    expect(second.rules.map((r) => r.ruleId)).toEqual([ids[2]]);

    for (const [args, field] of [
      [{ idleDays: 0 }, "idleDays"],
      [{ failedWithinMs: -1 }, "failedWithinMs"],
      [{ cursor: "not a cursor" }, "cursor"],
    ] as const) {
      await expect(t.query(host.health, args)).rejects.toMatchObject({
        data: { code: "INVALID_ARGUMENT", field },
      });
    }
  });
});
