/// <reference types="vite/client" />
/**
 * Stats per rule (stats.ts): runs, outcomes, last run / success / failure,
 * average duration, read by one query; and the contention test: the
 * documents each execution of a burst on one rule writes, recorded
 * transaction by transaction, share nothing.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ConvexError } from "convex/values";
import { api, internal } from "../_generated/api.js";
import schema from "../schema.js";
import { EXECUTION_DEFAULTS, initConvexTest } from "../setup.test.js";
import { emptyCounters, foldExecution, pingRollup, ROLLUP_INTERVAL_MS, toRuleStats } from "./stats.js";
import type { ConditionInput, RulesErrorData } from "../../shared.js";

type T = ReturnType<typeof initConvexTest>;
const NOW = Date.UTC(2026, 5, 1, 12);

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

const okCondition: ConditionInput = { type: "field", config: { path: "ok", op: "eq", value: true } };

async function createRule(t: T, id: string, triggerType = "status_changed") {
  await t.mutation(api.rules.createRule, {
    id,
    name: id,
    integrationId: "monday",
    triggerType,
    triggerConfig: {},
    conditions: [okCondition],
    actions: [],
  });
}

async function execute(t: T, ok: boolean, eventId: string, stats?: boolean) {
  return await t.mutation(api.dispatch.engine.execute, {
    integrationId: "monday",
    triggerType: "status_changed",
    event: { ok },
    eventId,
    ...(stats === undefined ? {} : { options: { monitoring: { stats } } }),
  });
}

/** A failed execution as a completion writes it (finishedTs at commit, the rollup woken). */
async function finishFailed(t: T, ruleId: string, startTime: number, durationMs: number, error: string) {
  await t.run(async (ctx) => {
    await ctx.db.insert("ruleExecutions", {
      ...EXECUTION_DEFAULTS,
      ruleName: ruleId,
      ruleId,
      integrationId: "monday",
      status: "failed",
      triggered: true,
      conditionsMet: true,
      successful: false,
      startTime,
      endTime: startTime + durationMs,
      error,
      triggerData: {},
      finishedTs: ctx.db.vars.commitTs,
    });
    await pingRollup(ctx);
  });
}

/** Runs the rollup loop until it goes idle (it reschedules itself every 2 s). */
async function settle(t: T) {
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(1000));
}

describe("foldExecution", () => {
  test("counts outcomes, keeps the latest times and the failures in a row, averages durations", () => {
    let c = emptyCounters();
    c = foldExecution(c, { status: "succeeded", startTime: 100, endTime: 150 });
    c = foldExecution(c, { status: "failed", startTime: 200, endTime: 230, error: "boom" });
    c = foldExecution(c, { status: "failed", startTime: 300, endTime: 400, error: "again" });
    c = foldExecution(c, { status: "skipped", startTime: 500, endTime: 500 });
    c = foldExecution(c, { status: "loop_blocked", startTime: 600, endTime: 600 });
    c = foldExecution(c, { status: "rate_limited", startTime: 700, endTime: 700 });
    expect(toRuleStats("r", c, true)).toEqual({
      ruleId: "r",
      runs: 6,
      succeeded: 1,
      failed: 2,
      skipped: 1,
      loopBlocked: 1,
      other: 1,
      consecutiveFailures: 2,
      lastRunAt: 700,
      lastSuccessAt: 150,
      lastFailureAt: 400,
      lastError: "again",
      // Succeeded and failed only: (50 + 30 + 100) / 3.
      averageDurationMs: 60,
      complete: true,
    });
    c = foldExecution(c, { status: "succeeded", startTime: 800, endTime: 810 });
    expect(c.consecutiveFailures).toBe(0);
  });
});

describe("getRuleStats", () => {
  test("runs, succeeded, failed, skipped, last times and average duration, before and after the rollup", async () => {
    const t = initConvexTest();
    await createRule(t, "r");
    await createRule(t, "quiet", "item_created");
    await execute(t, true, "e1");
    vi.advanceTimersByTime(10);
    await execute(t, false, "e2");
    vi.advanceTimersByTime(10);
    await execute(t, true, "e3");
    const lastSuccess = Date.now();
    await finishFailed(t, "r", NOW + 30, 40, "the webhook answered 500");
    const expected = {
      ruleId: "r",
      runs: 4,
      succeeded: 2,
      failed: 1,
      skipped: 1,
      loopBlocked: 0,
      other: 0,
      consecutiveFailures: 1,
      lastRunAt: NOW + 30,
      lastSuccessAt: lastSuccess,
      lastFailureAt: NOW + 70,
      lastError: "the webhook answered 500",
      // Successes end when they start (no actions): (0 + 0 + 40) / 3.
      averageDurationMs: 40 / 3,
      complete: true,
    };
    // Before the rollup runs: the stats document is absent, the tail is read.
    expect(await t.query(api.executions.stats.getRuleStats, { ruleId: "r" })).toEqual(expected);
    await settle(t);
    const folded = await t.run(async (ctx) => await ctx.db.query("ruleStats").collect());
    expect(folded.map((s) => [s.ruleId, s.runs])).toEqual([["r", 4]]);
    // After: the same figures, from one document.
    const read = await t.run(async (ctx) => {
      const before = await ctx.meta.getTransactionMetrics();
      const stats = await ctx.runQuery(api.executions.stats.getRuleStats, { ruleId: "r" });
      const after = await ctx.meta.getTransactionMetrics();
      return { stats, documentsRead: after.documentsRead.used - before.documentsRead.used };
    });
    expect(read.stats).toEqual(expected);
    // The rollup state, the rule and its stats document; no execution.
    expect(read.documentsRead).toBeLessThanOrEqual(3);

    expect(await t.query(api.executions.stats.getRulesStats, { ruleIds: ["r", "quiet", "missing"] })).toEqual([
      expected,
      { ruleId: "quiet", runs: 0, succeeded: 0, failed: 0, skipped: 0, loopBlocked: 0, other: 0, consecutiveFailures: 0, complete: true },
      null,
    ]);
    expect(await t.query(api.executions.stats.getRuleStats, { ruleId: "missing" })).toBeNull();
    const error = await t.query(api.executions.stats.getRulesStats, { ruleIds: Array.from({ length: 101 }, (_, i) => `r${i}`) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<RulesErrorData>).data).toMatchObject({ code: "INVALID_ARGUMENT", field: "ruleIds" });
  });

  test("executions dispatched with stats off are not counted", async () => {
    const t = initConvexTest();
    await createRule(t, "r");
    await execute(t, true, "on");
    await execute(t, true, "off", false);
    await settle(t);
    expect((await t.query(api.executions.stats.getRuleStats, { ruleId: "r" }))?.runs).toBe(1);
  });

  test("a rule deleted and created again with the same id starts over", async () => {
    const t = initConvexTest();
    await createRule(t, "r");
    await execute(t, true, "a");
    await settle(t);
    await t.mutation(api.rules.deleteRule, { ruleId: "r" });
    await createRule(t, "r");
    expect((await t.query(api.executions.stats.getRuleStats, { ruleId: "r" }))?.runs).toBe(0);
    await execute(t, false, "b");
    await settle(t);
    expect(await t.query(api.executions.stats.getRuleStats, { ruleId: "r" })).toMatchObject({ runs: 1, skipped: 1, succeeded: 0 });
  });
});

describe("no hot document", () => {
  /** Every document of the component, as id -> its stored value. */
  async function snapshot(t: T): Promise<Map<string, string>> {
    const entries = await t.run(async (ctx) => {
      const docs: Array<[string, string]> = [];
      for (const table of Object.keys(schema.tables) as Array<keyof typeof schema.tables>) {
        for (const doc of await ctx.db.query(table).collect()) {
          docs.push([`${table}:${doc._id}`, JSON.stringify(doc, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))]);
        }
      }
      return docs;
    });
    return new Map(entries);
  }

  /** Executions in the burst: four rollup runs among them, a quarter skipped. */
  const BURST = 40;

  /** Documents inserted, changed or deleted between two snapshots. */
  function written(before: Map<string, string>, after: Map<string, string>): string[] {
    const out: string[] = [];
    for (const [id, value] of after) if (before.get(id) !== value) out.push(id);
    for (const id of before.keys()) if (!after.has(id)) out.push(id);
    return out;
  }

  test(`${BURST} executions of one rule: no document is written by two of them`, async () => {
    const t = initConvexTest();
    await createRule(t, "busy");
    // Warm up: the first event of a trigger type notes its activity
    // (health.ts, at most once a minute) and the first finished execution
    // wakes the rollup loop: one-time writes, before the burst.
    await execute(t, true, "warm-up");
    await t.finishInProgressScheduledFunctions();

    const writers = new Map<string, number[]>();
    const rollupWrites = new Set<string>();
    let current = await snapshot(t);
    for (let i = 0; i < BURST; i++) {
      const [result] = await execute(t, i % 4 !== 3, `burst-${i}`);
      expect(result.ruleId).toBe("busy");
      const next = await snapshot(t);
      for (const id of written(current, next)) writers.set(id, [...(writers.get(id) ?? []), i]);
      current = next;
      if (i % 10 === 9) {
        // The rollup loop's next run, between executions (its writes are its own).
        vi.advanceTimersByTime(ROLLUP_INTERVAL_MS);
        await t.finishInProgressScheduledFunctions();
        const after = await snapshot(t);
        for (const id of written(current, after)) rollupWrites.add(id);
        current = after;
      }
    }
    const shared = [...writers].filter(([, by]) => by.length > 1);
    expect(shared, "documents written by more than one execution").toEqual([]);
    // Each execution wrote its own documents only: its execution, its log
    // lines (two when it ran, none when skipped), its delivery id, its event.
    const tables = new Set([...writers.keys()].map((id) => id.split(":")[0]));
    expect([...tables].sort()).toEqual(["processedEvents", "ruleEvents", "ruleExecutionLogs", "ruleExecutions"]);
    expect(writers.size).toBe(30 * 5 + 10 * 3);
    // The rollup wrote the stats (and its own state), which no execution touched.
    const rollupTables = new Set([...rollupWrites].map((id) => id.split(":")[0]));
    expect(rollupTables.has("ruleStats")).toBe(true);
    expect([...rollupWrites].some((id) => writers.has(id))).toBe(false);
    // And the counts are right.
    await settle(t);
    expect(await t.query(api.executions.stats.getRuleStats, { ruleId: "busy" })).toMatchObject({
      runs: BURST + 1,
      succeeded: 31,
      skipped: 10,
      complete: true,
    });
  });

  test("the rollup never reads an execution that finishes after its snapshot", async () => {
    const t = initConvexTest();
    await createRule(t, "r");
    await execute(t, true, "a");
    const status = await t.run(async (ctx) => await ctx.db.query("statsStatus").first());
    // The rollup bounds its scan by its own snapshot timestamp: an
    // execution that commits later is left for the next run.
    const result = await t.mutation(internal.executions.stats.rollup, { generation: status!.generation });
    expect(result.folded).toBe(1);
    await execute(t, true, "b");
    const [stateBefore] = await t.run(async (ctx) => await ctx.db.query("statsRollup").collect());
    const b = await t.run(async (ctx) =>
      (await ctx.db.query("ruleExecutions").collect()).find((e) => e.eventId === "b"),
    );
    expect((b!.finishedTs as bigint) > stateBefore.cursorTs!).toBe(true);
    expect((await t.mutation(internal.executions.stats.rollup, { generation: status!.generation })).folded).toBe(1);
  });
});
