/// <reference types="vite/client" />
/**
 * The storage checker (`checkStorage` / `assertStorable` of src/test.ts):
 * it reads every table of the component and reports what convex-test
 * stored but a real deployment would refuse.
 */
import { describe, expect, test } from "vitest";
import { initConvexTest, EXECUTION_DEFAULTS } from "./setup.test.js";
import { assertStorable, checkStorage } from "../test.js";

function nest(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { d: value };
  return value;
}

/** An execution row written directly, bypassing the engine's sanitizing. */
const execution = (triggerData: unknown) => ({
  ...EXECUTION_DEFAULTS,
  ruleId: "r1",
  integrationId: "monday",
  triggered: true,
  conditionsMet: true,
  successful: true,
  status: "succeeded" as const,
  startTime: 0,
  triggerData,
});

describe("checkStorage", () => {
  test("an empty component has no violation", async () => {
    const t = initConvexTest();
    expect(await checkStorage(t, "")).toEqual([]);
    await assertStorable(t, "");
  });

  // ($-prefixed and non-ASCII names are refused by convex-test itself, at insert.)
  test("reports each refused value with its table, id, path and rule", async () => {
    const t = initConvexTest();
    const [good, bad] = await t.run(async (ctx) => [
      await ctx.db.insert("ruleExecutions", execution({ fine: "yes" })),
      await ctx.db.insert(
        "ruleExecutions",
        execution({ _type: "x", deep: nest(20), list: new Array(9000).fill(0), "": 1 }),
      ),
    ]);
    const logId = await t.run(async (ctx) =>
      ctx.db.insert("ruleExecutionLogs", {
        executionId: good,
        timestamp: 0,
        level: "info",
        message: "m",
        component: "trigger",
        data: { "": 1 },
      }),
    );
    const violations = await checkStorage(t, "");
    expect(violations.map((v) => [v.table, v.id, v.violation.path, v.violation.rule])).toEqual([
      // Stored objects keep their fields sorted: "", "_type", "deep", "list".
      ["ruleExecutions", bad, "triggerData", "field-name"],
      ["ruleExecutions", bad, "triggerData", "field-name"],
      ["ruleExecutions", bad, `triggerData.deep${".d".repeat(14)}`, "depth"],
      ["ruleExecutions", bad, "triggerData.list", "array-length"],
      ["ruleExecutionLogs", logId, "data", "field-name"],
    ]);
    const error = await assertStorable(t, "").then(() => null, (e: unknown) => e as Error);
    expect(error?.message.split("\n")).toEqual([
      "5 stored value(s) break Convex's value rules:",
      `ruleExecutions ${bad} triggerData: field-name: field names must not be empty`,
      `ruleExecutions ${bad} triggerData: field-name: field name "_type" starts with "_"`,
      `ruleExecutions ${bad} triggerData.deep${".d".repeat(14)}: depth: nested deeper than Convex's 16 levels`,
      `ruleExecutions ${bad} triggerData.list: array-length: array has 9000 items, over Convex's 8192`,
      `ruleExecutionLogs ${logId} data: field-name: field names must not be empty`,
    ]);
  });

  test("finds a document over 1 MiB", async () => {
    const t = initConvexTest();
    const id = await t.run(async (ctx) =>
      ctx.db.insert("ruleExecutions", execution({ a: "x".repeat(600_000), b: "y".repeat(600_000) })),
    );
    expect(await checkStorage(t, "")).toEqual([
      { table: "ruleExecutions", id, violation: { path: "", rule: "size", message: expect.stringContaining("over Convex's limit") } },
    ]);
  });
});
