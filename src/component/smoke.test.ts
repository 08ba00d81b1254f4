import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { initConvexTest } from "./setup.test.js";

test("create and read a rule", async () => {
  const t = initConvexTest();
  const ruleId = await t.mutation(api.rules.createRule, {
    name: "r",
    integrationId: "monday",
    triggerType: "status_changed",
    triggerConfig: { boardId: "1" },
    conditions: [{ type: "all", config: { conditions: [{ type: "field", config: { path: "a", op: "eq", value: 1 } }] } }],
    actions: [{ type: "notify", config: {} }],
  });
  const rule = await t.query(api.rules.getRule, { ruleId });
  expect(rule?.conditions[0].config.conditions[0].id).toBe("c2");
});
