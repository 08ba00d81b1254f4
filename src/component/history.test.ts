/// <reference types="vite/client" />
import { afterEach, describe, expect, test, vi } from "vitest";
import { internal } from "./_generated/api.js";
import { HISTORY_DELETE_BATCH } from "./history.js";
import { initConvexTest, EXECUTION_DEFAULTS } from "./setup.test.js";

type T = ReturnType<typeof initConvexTest>;
type Seed = { ruleId: string; startTime: number; logs: number };

afterEach(() => {
  vi.useRealTimers();
});

/** Inserts executions with their logs in one transaction. */
async function seedHistory(t: T, seeds: Seed[]) {
  return await t.run(async (ctx) => {
    const ids = [];
    for (const seed of seeds) {
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
      ids.push(executionId);
      for (let i = 0; i < seed.logs; i++) {
        await ctx.db.insert("ruleExecutionLogs", {
          executionId,
          timestamp: seed.startTime,
          level: "info",
          message: `${i}`,
          component: "action",
        });
      }
    }
    return ids;
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

describe("deleteRuleHistory", () => {
  test("deletes at most one batch per run and reschedules itself", async () => {
    // Scheduled runs wait for the fake clock: each run here is called by hand.
    vi.useFakeTimers();
    expect(HISTORY_DELETE_BATCH).toBe(1000);
    const t = initConvexTest();
    await seedHistory(t, [
      { ruleId: "r", startTime: 10, logs: 1500 },
      { ruleId: "r", startTime: 20, logs: 600 },
      { ruleId: "keep", startTime: 15, logs: 7 },
    ]);
    const args = { ruleId: "r", upTo: (await counts(t)).newest };
    // 1,000 of the first execution's 1,500 logs.
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 1000,
      done: false,
    });
    expect(await counts(t)).toMatchObject({
      executions: ["r@10", "r@20", "keep@15"],
      logs: 1107,
      scheduled: 1,
    });
    // 500 logs + the execution, then 499 of the second's 600 logs.
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 1000,
      done: false,
    });
    expect(await counts(t)).toMatchObject({ executions: ["r@20", "keep@15"], logs: 108 });
    // The remaining 101 logs + the execution; nothing is left.
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 102,
      done: true,
    });
    expect(await counts(t)).toMatchObject({ executions: ["keep@15"], logs: 7, scheduled: 2 });
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 0,
      done: true,
    });
  });

  test("an execution whose logs fill the batch exactly goes in the next run", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    await seedHistory(t, [{ ruleId: "r", startTime: 1, logs: 1000 }]);
    const args = { ruleId: "r", upTo: (await counts(t)).newest };
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 1000,
      done: false,
    });
    expect(await counts(t)).toMatchObject({ executions: ["r@1"], logs: 0 });
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 1,
      done: true,
    });
    expect((await counts(t)).executions).toEqual([]);
  });

  test("counts executions without logs against the batch", { timeout: 30_000 }, async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    await seedHistory(
      t,
      Array.from({ length: 1005 }, (_, i) => ({ ruleId: "r", startTime: i, logs: 0 })),
    );
    const args = { ruleId: "r", upTo: (await counts(t)).newest };
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 1000,
      done: false,
    });
    expect(await t.mutation(internal.history.deleteRuleHistory, args)).toEqual({
      deleted: 5,
      done: true,
    });
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
    await t.mutation(internal.history.deleteRuleHistory, { ruleId: "r", upTo });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await counts(t)).toMatchObject({ executions: ["r@100", "r@50"], logs: 7 });
  });

  test("runs to completion through its own scheduling", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    await seedHistory(t, [
      { ruleId: "r", startTime: 1, logs: 1234 },
      { ruleId: "r", startTime: 2, logs: 1234 },
      { ruleId: "other", startTime: 1, logs: 1 },
    ]);
    const upTo = (await counts(t)).newest;
    await t.mutation(internal.history.deleteRuleHistory, { ruleId: "r", upTo });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const after = await counts(t);
    expect(after).toMatchObject({ executions: ["other@1"], logs: 1 });
    // 2,470 documents: the first run and two scheduled ones.
    expect(after.scheduled).toBe(2);
  });
});
