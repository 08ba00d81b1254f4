// #region test
/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { drain, register } from "convex-rules/test";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api.js";
import schema from "./schema.js";

const modules = import.meta.glob("./**/*.ts");

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

test("a big order notifies #sales; a small one is skipped, and the history says why", async () => {
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  const ruleId = await t.mutation(api.rules.createBigOrderRule, { storeId: "s1", minTotal: 100 });

  await t.mutation(api.rules.placeOrder, { storeId: "s1", orderId: "o-1", total: 250 });
  await t.mutation(api.rules.placeOrder, { storeId: "s1", orderId: "o-2", total: 20 });
  await drain(t); // runs the actions (fake timers drive the component's workpool)

  const notifications = await t.run(async (ctx) => await ctx.db.query("notifications").collect());
  expect(notifications.map(({ channel, text }) => ({ channel, text }))).toEqual([
    { channel: "#sales", text: "Order o-1: 250" },
  ]);

  const [small, big] = await t.query(api.rules.recentExecutions, { ruleId }); // newest first
  expect(big).toMatchObject({ status: "succeeded", actions: [{ type: "notify", status: "succeeded" }] });
  expect(small).toMatchObject({ status: "skipped" });
  // Why: condition c1 (total >= 100) saw 20.
  expect(small!.explanation).toEqual([
    { id: "c1", type: "field", path: "total", op: "gte", expected: 100, actual: 20, result: false },
  ]);
});
// #endregion test
