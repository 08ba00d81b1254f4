/// <reference types="vite/client" />
import { afterEach, describe, expect, test, vi } from "vitest";
import { internal } from "../_generated/api.js";
import { BATCH_BUDGET_FRACTION } from "../lib/batches.js";
import { initConvexTest, EXECUTION_DEFAULTS } from "../setup.test.js";

type T = ReturnType<typeof initConvexTest>;
type Seed = { ruleId: string; startTime: number; logs: number };

afterEach(() => {
  vi.useRealTimers();
});

/**
 * Writes per transaction, 40 times tighter than Convex's: a batch (which
 * stops past half of any limit) then deletes at most 200 documents, so a
 * few hundred show several batches. The budget reads the limits from the
 * transaction's metrics: the same code runs under Convex's own.
 */
const TIGHT = { documentsWritten: 400 };
const PER_BATCH = TIGHT.documentsWritten * BATCH_BUDGET_FRACTION;

/** Inserts executions with their logs, one transaction per execution. */
async function seedHistory(t: T, seeds: Seed[]) {
  const ids = [];
  for (const seed of seeds) ids.push(await seedOne(t, seed));
  return ids;
}

async function seedOne(t: T, seed: Seed) {
  return await t.run(async (ctx) => {
    const executionId = await ctx.db.insert("ruleExecutions", {
      ...EXECUTION_DEFAULTS,
      ruleId: seed.ruleId,
      integrationId: "monday",
      triggered: true,
      conditionsMet: true,
      successful: true,
      status: "succeeded",
      startTime: seed.startTime,
      triggerData: {},
    });
    for (let i = 0; i < seed.logs; i++) {
      await ctx.db.insert("ruleExecutionLogs", {
        executionId,
        timestamp: seed.startTime,
        level: "info",
        message: `${i}`,
        component: "action",
      });
    }
    return executionId;
  });
}

async function counts(t: T) {
  return await t.run(async (ctx) => {
    const executions = await ctx.db.query("ruleExecutions").collect();
    return {
      executions: executions.map((e) => `${e.ruleId}@${e.startTime}`),
      newest: executions.length ? executions[executions.length - 1]._creationTime : 0,
      logs: (await ctx.db.query("ruleExecutionLogs").collect()).length,
      scheduled: (await ctx.db.system.query("_scheduled_functions").collect()).length,
    };
  });
}

/** Calls batches by hand (scheduled runs wait for the fake clock) until one says done; returns each batch's result. */
async function runAll(t: T, args: { ruleId: string; upTo: number }) {
  const results: Array<{ deleted: number; done: boolean }> = [];
  for (;;) {
    expect(results.length, "the job never finished").toBeLessThan(100);
    const result = await t.mutation(internal.executions.history.deleteRuleHistory, args);
    results.push(result);
    if (result.done) return results;
  }
}

describe("deleteRuleHistory", () => {
  test("each batch stops at half of a limit and reschedules itself; logs go before their execution", async () => {
    vi.useFakeTimers();
    const t = initConvexTest(TIGHT);
    await seedHistory(t, [
      { ruleId: "r", startTime: 10, logs: 300 },
      { ruleId: "r", startTime: 20, logs: 120 },
      { ruleId: "keep", startTime: 15, logs: 7 },
    ]);
    const args = { ruleId: "r", upTo: (await counts(t)).newest };
    const first = await t.mutation(internal.executions.history.deleteRuleHistory, args);
    expect(first.done).toBe(false);
    expect(first.deleted).toBeLessThanOrEqual(PER_BATCH);
    expect(first.deleted).toBeGreaterThan(PER_BATCH * 0.9);
    // Only logs so far: the execution stays until its last log is gone.
    expect(await counts(t)).toMatchObject({
      executions: ["r@10", "r@20", "keep@15"],
      logs: 427 - first.deleted,
      scheduled: 1,
    });
    const rest = await runAll(t, args);
    const batches = [first, ...rest];
    // 422 documents (420 logs, 2 executions) at most 200 a batch: three batches.
    expect(batches.map((b) => b.done)).toEqual([false, false, true]);
    expect(batches.reduce((sum, b) => sum + b.deleted, 0)).toBe(422);
    for (const batch of batches) expect(batch.deleted).toBeLessThanOrEqual(PER_BATCH);
    // One successor scheduled by each batch that was not the last.
    expect(await counts(t)).toMatchObject({ executions: ["keep@15"], logs: 7, scheduled: 2 });
    expect(await t.mutation(internal.executions.history.deleteRuleHistory, args)).toEqual({ deleted: 0, done: true });
  });

  test("an execution whose logs fill the batch goes in the next one", async () => {
    vi.useFakeTimers();
    const t = initConvexTest(TIGHT);
    await seedHistory(t, [{ ruleId: "r", startTime: 1, logs: 250 }]);
    const args = { ruleId: "r", upTo: (await counts(t)).newest };
    const first = await t.mutation(internal.executions.history.deleteRuleHistory, args);
    expect(first.done).toBe(false);
    const after = await counts(t);
    expect(after.executions).toEqual(["r@1"]);
    expect(after.logs).toBe(250 - first.deleted);
    expect(await runAll(t, args)).toEqual([{ deleted: 250 - first.deleted + 1, done: true }]);
    expect((await counts(t)).executions).toEqual([]);
  });

  test("counts executions without logs against the batch", async () => {
    vi.useFakeTimers();
    const t = initConvexTest(TIGHT);
    await t.run(async (ctx) => {
      for (let i = 0; i < 250; i++) {
        await ctx.db.insert("ruleExecutions", {
          ...EXECUTION_DEFAULTS,
          ruleId: "r",
          integrationId: "monday",
          triggered: true,
          conditionsMet: true,
          successful: true,
          status: "succeeded",
          startTime: i,
          triggerData: {},
        });
      }
    });
    const args = { ruleId: "r", upTo: (await counts(t)).newest };
    const batches = await runAll(t, args);
    expect(batches).toHaveLength(2);
    expect(batches[0].deleted).toBeLessThanOrEqual(PER_BATCH);
    expect(batches[0].deleted + batches[1].deleted).toBe(250);
  });

  test("keeps executions created after `upTo`, even with an earlier start time", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    await seedHistory(t, [{ ruleId: "r", startTime: 99, logs: 2 }]);
    const upTo = (await counts(t)).newest;
    await seedHistory(t, [
      { ruleId: "r", startTime: 100, logs: 3 },
      { ruleId: "r", startTime: 50, logs: 4 },
    ]);
    await t.mutation(internal.executions.history.deleteRuleHistory, { ruleId: "r", upTo });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await counts(t)).toMatchObject({ executions: ["r@100", "r@50"], logs: 7 });
  });

  test("runs to completion through its own scheduling", async () => {
    vi.useFakeTimers();
    const t = initConvexTest(TIGHT);
    await seedHistory(t, [
      { ruleId: "r", startTime: 1, logs: 234 },
      { ruleId: "r", startTime: 2, logs: 234 },
      { ruleId: "other", startTime: 1, logs: 1 },
    ]);
    const upTo = (await counts(t)).newest;
    await t.mutation(internal.executions.history.deleteRuleHistory, { ruleId: "r", upTo });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const after = await counts(t);
    expect(after).toMatchObject({ executions: ["other@1"], logs: 1 });
    // 470 documents at most 200 a batch: the first run and two scheduled ones.
    expect(after.scheduled).toBe(2);
  });
});
