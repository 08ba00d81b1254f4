/// <reference types="vite/client" />
/**
 * A cyclic event sent straight to `engine.execute` (not through the client,
 * which sanitizes it first: src/client/faults.test.ts). No Convex function
 * argument can hold a cycle: the call is refused at the argument boundary,
 * before the engine runs, and nothing is stored.
 */
import { describe, expect, test } from "vitest";
import { api } from "../_generated/api.js";
import { initConvexTest } from "../setup.test.js";
import { sanitizeForStorage } from "../../core/sanitize.js";

function cyclicEvent(): Record<string, unknown> {
  const event: Record<string, unknown> = { boardId: "b1" };
  event.items = [1, 2, 3].map((id) => ({ id, parent: event }));
  event.self = event;
  return event;
}

describe("engine.execute with a cyclic event", () => {
  test("the call is refused at the argument boundary and records nothing; sanitized, it runs", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, {
      name: "On board b1",
      integrationId: "monday",
      triggerType: "status_changed",
      triggerConfig: {},
      conditions: [{ type: "field", config: { path: "boardId", op: "eq", value: "b1" } }],
      actions: [],
    });
    const args = { integrationId: "monday", triggerType: "status_changed" };
    // convex-test's argument check (hasPendingValues) recurses through the
    // cycle before the handler, as Convex's convexToJson does when a host
    // function passes it to ctx.runMutation (src/client/faults.test.ts).
    await expect(t.mutation(api.dispatch.engine.execute, { ...args, event: cyclicEvent() })).rejects.toThrow(
      "Maximum call stack size exceeded",
    );
    expect(await t.run(async (ctx) => await ctx.db.query("ruleExecutions").collect())).toEqual([]);

    const event = sanitizeForStorage(cyclicEvent()).value;
    expect(await t.mutation(api.dispatch.engine.execute, { ...args, event })).toEqual([
      expect.objectContaining({ ruleId, status: "succeeded" }),
    ]);
  });
});
