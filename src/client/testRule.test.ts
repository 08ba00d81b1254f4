/// <reference types="vite/client" />
// rules.testRule through a host app: a saved or unsaved rule against a
// sample event, with the integration's declarations and custom condition
// handlers, writing nothing and running no action.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { ConvexError } from "convex/values";
import { expect, test } from "vitest";
import { register } from "../test.js";
import { schema, type ShopDraft } from "./engineHost.test.js";

const host = anyApi["engineHost.test"] as unknown as ApiFromModules<{
  "engineHost.test": typeof import("./engineHost.test.js");
}>["engineHost.test"];

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

const draft: ShopDraft = {
  name: "Ship gold orders",
  integrationId: "shop",
  triggerType: "order_created",
  triggerConfig: { storeId: "s1" },
  conditions: [
    { id: "big", type: "field", config: { path: "total", op: "gt", value: 100 } },
    { id: "gold", type: "customer_tier", config: { tier: "gold" } },
  ],
  actions: [{ id: "ship", type: "ship", config: { to: "{{event.customer.name}}" } }],
};
const event = { storeId: "s1", total: 250, customer: { name: "Ada", tier: "gold" } };

async function scheduledAndExecutions(t: ReturnType<typeof setup>) {
  return await t.run(async (ctx) => ({
    scheduled: (await ctx.db.system.query("_scheduled_functions").collect()).length,
    effects: (await ctx.db.query("effects").collect()).length,
  }));
}

test("an unsaved draft: its derived pattern, conditions (custom ones through the host) and rendered actions", async () => {
  const t = setup();
  const report = await t.query(host.testRule, { rule: draft, event });
  expect(report).toMatchObject({ patternMatched: true, conditionsMet: true, wouldRun: true });
  expect(report.actions).toEqual([expect.objectContaining({ id: "ship", type: "ship", config: { to: "Ada" } })]);
  const gold = report.explanation.find((e: { id?: string }) => e.id === "gold");
  expect(gold).toMatchObject({ result: true });

  // Another store: the pattern derived from triggerConfig does not match.
  const elsewhere = await t.query(host.testRule, { rule: draft, event: { ...event, storeId: "s2" } });
  expect(elsewhere).toMatchObject({ patternMatched: false, wouldRun: false });
  // A silver customer: the custom condition answers false.
  const silver = await t.query(host.testRule, { rule: draft, event: { ...event, customer: { name: "Bo", tier: "silver" } } });
  expect(silver).toMatchObject({ patternMatched: true, conditionsMet: false, wouldRun: false });
  expect(await scheduledAndExecutions(t)).toEqual({ scheduled: 0, effects: 0 });
});

test("a saved rule by its id gives the same report, and nothing is written", async () => {
  const t = setup();
  const ruleId = await t.mutation(host.create, { rule: draft });
  const before = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
  const report = await t.query(host.testRule, { ruleId, event });
  expect(report).toMatchObject({ patternMatched: true, conditionsMet: true, wouldRun: true });
  expect(report.actions[0].config).toEqual({ to: "Ada" });
  const after = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
  expect(after).toEqual(before);
  expect(await t.query(host.ruleExecutions, { ruleId })).toEqual([]);
});

test("an undeclared type in a draft is INVALID_RULE, naming the field", async () => {
  const t = setup();
  const bad = { ...draft, actions: [{ type: "teleport", config: {} }] };
  const error = await t.query(host.testRule, { rule: bad, event }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConvexError);
  expect((error as ConvexError<{ code: string; field?: string }>).data).toMatchObject({
    code: "INVALID_RULE",
    field: expect.stringMatching(/^actions/),
  });
});
