/// <reference types="vite/client" />
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api.js";
import type { Id } from "./_generated/dataModel.js";
import { initConvexTest, EXECUTION_DEFAULTS } from "./setup.test.js";
import { expectRulesError } from "../testing/errors.js";

type T = ReturnType<typeof initConvexTest>;

/** Two executions; the first gets `count` logs with decreasing timestamps. */
async function seed(t: T, count: number) {
  return await t.run(async (ctx) => {
    const execution = (ruleId: string) =>
      ctx.db.insert("ruleExecutions", {
        ...EXECUTION_DEFAULTS,
        ruleId,
        integrationId: "monday",
        triggered: true,
        conditionsMet: true,
        successful: false,
        status: "failed",
        startTime: 1000,
        triggerData: {},
        error: "boom",
      });
    const first = await execution("r1");
    const second = await execution("r2");
    const levels = ["info", "warn", "error"] as const;
    const components = ["trigger", "condition", "action"] as const;
    for (let i = 0; i < count; i++) {
      await ctx.db.insert("ruleExecutionLogs", {
        executionId: first,
        // Written in this order, although the clock says otherwise.
        timestamp: 10_000 - i,
        level: levels[i % 3],
        message: `step ${i}`,
        component: components[i % 3],
        ...(i % 2 === 0 ? { componentId: `c${i}`, data: { i, nested: { ok: true } } } : {}),
      });
      if (i % 4 === 0) {
        await ctx.db.insert("ruleExecutionLogs", {
          executionId: second,
          timestamp: i,
          level: "info",
          message: `other ${i}`,
          component: "action",
        });
      }
    }
    const ruleDoc = await ctx.db.insert("rules", {
      id: "r1",
      name: "r",
      enabled: true,
      integrationId: "monday",
      namespace: "",
      priority: 0,
      version: 1,
      triggerType: "t",
      triggerConfig: {},
      conditions: [],
      actions: [],
      createdAt: 0,
      updatedAt: 0,
    });
    return { first, second, ruleDoc };
  });
}

describe("getExecutionLogs", () => {
  test("returns one execution's logs in the order they were written", async () => {
    const t = initConvexTest();
    const { first, second } = await seed(t, 12);
    const logs = await t.query(api.logs.getExecutionLogs, { executionId: first });
    expect(logs.map((l) => l.message)).toEqual(
      Array.from({ length: 12 }, (_, i) => `step ${i}`),
    );
    expect(logs[0]).toEqual({
      executionId: first,
      timestamp: 10_000,
      level: "info",
      message: "step 0",
      component: "trigger",
      componentId: "c0",
      data: { i: 0, nested: { ok: true } },
    });
    expect(logs[1]).toEqual({
      executionId: first,
      timestamp: 9_999,
      level: "warn",
      message: "step 1",
      component: "condition",
    });
    const other = await t.query(api.logs.getExecutionLogs, { executionId: second });
    expect(other.map((l) => l.message)).toEqual(["other 0", "other 4", "other 8"]);
  });

  test("returns an empty list for an execution without logs", async () => {
    const t = initConvexTest();
    const executionId = await t.run(
      async (ctx) =>
        await ctx.db.insert("ruleExecutions", {
          ...EXECUTION_DEFAULTS,
          ruleId: "r",
          integrationId: "monday",
          triggered: false,
          conditionsMet: false,
          successful: false,
          status: "running",
          startTime: 1,
          triggerData: null,
        }),
    );
    expect(await t.query(api.logs.getExecutionLogs, { executionId })).toEqual([]);
    // Also once the execution itself is gone.
    await t.run(async (ctx) => await ctx.db.delete("ruleExecutions", executionId));
    expect(await t.query(api.logs.getExecutionLogs, { executionId })).toEqual([]);
  });

  test("returns 500 logs by default, and `limit` of them when given", async () => {
    const t = initConvexTest();
    const { first } = await seed(t, 1001);
    const all = await t.query(api.logs.getExecutionLogs, { executionId: first });
    expect(all).toHaveLength(500);
    expect(all[499].message).toBe("step 499");
    const three = await t.query(api.logs.getExecutionLogs, { executionId: first, limit: 3 });
    expect(three.map((l) => l.message)).toEqual(["step 0", "step 1", "step 2"]);
    const most = await t.query(api.logs.getExecutionLogs, { executionId: first, limit: 1000 });
    expect(most).toHaveLength(1000);
    expect(most[999].message).toBe("step 999");
  });

  test("refuses a limit outside 1..1000", async () => {
    const t = initConvexTest();
    const { first } = await seed(t, 1);
    for (const limit of [0, 1001, 1.5, -3]) {
      await expectRulesError(
        t.query(api.logs.getExecutionLogs, { executionId: first, limit }),
        "INVALID_ARGUMENT",
        "limit",
      );
    }
  });

  test("refuses a string that is not an execution id", async () => {
    const t = initConvexTest();
    const { ruleDoc, first } = await seed(t, 1);
    const cases: string[] = ["", "not-an-id", ruleDoc as string, `${first as string}x`];
    for (const executionId of cases) {
      const data = await expectRulesError(
        t.query(api.logs.getExecutionLogs, { executionId }),
        "INVALID_ARGUMENT",
        "executionId",
      );
      expect(data.message).toContain("is not an execution id");
    }
    // A log's own id is not an execution id either.
    const logId: Id<"ruleExecutionLogs"> = await t.run(
      async (ctx) => (await ctx.db.query("ruleExecutionLogs").first())!._id,
    );
    await expectRulesError(
      t.query(api.logs.getExecutionLogs, { executionId: logId }),
      "INVALID_ARGUMENT",
      "executionId",
    );
  });
});
