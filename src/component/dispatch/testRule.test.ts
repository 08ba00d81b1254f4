/// <reference types="vite/client" />
/** testRule: a saved or unsaved rule against a sample event, with no side effect. */
import type { FunctionArgs } from "convex/server";
import { describe, expect, test } from "vitest";
import { api } from "../_generated/api.js";
import schema from "../schema.js";
import { initConvexTest } from "../setup.test.js";
import type { ConditionInput, RuleInput } from "../../shared.js";
import { expectRulesError } from "../../testing/errors.js";

type T = ReturnType<typeof initConvexTest>;
type TestRuleArgs = FunctionArgs<typeof api.dispatch.testRule.testRule>;

const eq = (path: string, value: unknown, id?: string): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type: "field",
  config: { path, op: "eq", value },
});

function ruleInput(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    name: "Notify on done",
    integrationId: "monday",
    triggerType: "status_changed",
    triggerConfig: { boardId: 1 },
    triggerPattern: { boardId: [1] },
    conditions: [eq("value.label.text", "Done", "done"), eq("pulseName", "Launch", "name")],
    actions: [
      {
        id: "a1",
        type: "notify",
        config: {
          channel: "#ops",
          text: "{{event.pulseName}} is {{event.value.label.text}} ({{rule.name}} v{{rule.version}})",
          boardId: "{{event.boardId}}",
          people: ["{{event.people[0].name}}", "fixed"],
        },
      },
      { id: "a2", type: "notify", config: { text: "{{event.missing.field}}" } },
      { id: "a3", type: "webhook", config: { body: { url: "{{actions.a1.result.url}}" } } },
      { id: "a4", type: "webhook", config: { body: "no placeholders", n: 5 } },
    ],
    ...overrides,
  };
}

const EVENT = {
  boardId: 1,
  pulseName: "Launch",
  value: { label: { text: "Done" } },
  people: [{ name: "Ann" }],
};

/** Every table of the component, and every scheduled function. */
async function everything(t: T) {
  return await t.run(async (ctx) => {
    const tables: Record<string, unknown[]> = {};
    for (const table of Object.keys(schema.tables) as Array<keyof typeof schema.tables>) {
      tables[table] = await ctx.db.query(table).collect();
    }
    return { ...tables, scheduled: await ctx.db.system.query("_scheduled_functions").collect() };
  });
}

/** Runs testRule and checks that nothing at all was written or scheduled. */
async function testRule(t: T, args: TestRuleArgs) {
  const before = await everything(t);
  const result = await t.query(api.dispatch.testRule.testRule, args);
  expect(await everything(t)).toEqual(before);
  return result;
}

describe("testRule", () => {
  test("a saved rule: pattern, explanation and rendered actions, writing nothing", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput({ id: "saved" }));
    await t.mutation(api.rules.updateRule, { ruleId, name: "Notify on done!" });
    const result = await testRule(t, { ruleId, event: EVENT });
    expect(result).toEqual({
      patternMatched: true,
      conditionsMet: true,
      wouldRun: true,
      explanation: [
        { id: "done", type: "field", op: "eq", path: "value.label.text", result: true, actual: "Done", expected: "Done" },
        { id: "name", type: "field", op: "eq", path: "pulseName", result: true, actual: "Launch", expected: "Launch" },
      ],
      actions: [
        {
          id: "a1",
          type: "notify",
          config: {
            channel: "#ops",
            text: "Launch is Done (Notify on done! v2)",
            // A value that is exactly one placeholder keeps its type.
            boardId: 1,
            people: ["Ann", "fixed"],
          },
        },
        { id: "a2", type: "notify", error: "missing value for {{event.missing.field}} at config.text" },
        {
          id: "a3",
          type: "webhook",
          error:
            "missing value for {{actions.a1.result.url}} at config.body.url (results of earlier actions exist only in a real run)",
        },
        { id: "a4", type: "webhook", config: { body: "no placeholders", n: 5 } },
      ],
    });
    // No execution, no log: the rule's history is still empty.
    expect(await t.query(api.executions.queries.getRuleExecutions, { ruleId })).toEqual([]);
  });

  test("an event the pattern or the conditions reject: why it would not run", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput());
    const otherBoard = await testRule(t, { ruleId, event: { ...EVENT, boardId: 2 } });
    expect(otherBoard).toMatchObject({ patternMatched: false, conditionsMet: true, wouldRun: false });
    const stuck = await testRule(t, { ruleId, event: { ...EVENT, value: { label: { text: "Stuck" } } } });
    expect(stuck).toMatchObject({ patternMatched: true, conditionsMet: false, wouldRun: false });
    expect(stuck.explanation).toEqual([
      { id: "done", type: "field", op: "eq", path: "value.label.text", result: false, actual: "Stuck", expected: "Done" },
      { id: "name", type: "field", op: "eq", path: "pulseName", result: "skipped" },
    ]);
    // Actions are rendered all the same, for the editor to preview.
    expect(stuck.actions[0].config.text).toBe("Launch is Stuck (Notify on done v1)");
  });

  test("an unsaved rule is validated and evaluated like a saved one", async () => {
    const t = initConvexTest();
    const rule = ruleInput({
      conditions: [
        {
          id: "g",
          type: "any",
          config: { conditions: [eq("pulseName", "Other", "other"), { id: "recent", type: "field", config: { path: "at", op: "within", value: "last 7 days" } }] },
        },
      ],
      actions: [{ type: "notify", config: { text: "{{rule.id}}/{{rule.name}}/{{rule.version}}" } }],
    });
    const now = Date.UTC(2024, 5, 10);
    const recent = await testRule(t, { rule, event: { ...EVENT, at: "2024-06-08T00:00:00Z" }, now });
    expect(recent).toMatchObject({ patternMatched: true, conditionsMet: true, wouldRun: true });
    expect(recent.explanation).toEqual([
      { id: "g", type: "any", result: true },
      { id: "other", parent: "g", type: "field", op: "eq", path: "pulseName", result: false, actual: "Launch", expected: "Other" },
      { id: "recent", parent: "g", type: "field", op: "within", path: "at", result: true, actual: "2024-06-08T00:00:00Z", expected: "last 7 days" },
    ]);
    // Generated action ids, and the placeholder id of an unsaved rule.
    expect(recent.actions).toEqual([{ id: "a1", type: "notify", config: { text: "(unsaved)/Notify on done/0" } }]);
    const old = await testRule(t, { rule, event: { ...EVENT, at: "2024-05-01T00:00:00Z" }, now });
    expect(old.conditionsMet).toBe(false);
    // With its own id, rule.id is that id.
    const withId = await testRule(t, { rule: { ...rule, id: "draft-1" }, event: EVENT, now });
    expect(withId.actions[0].config.text).toBe("draft-1/Notify on done/0");
    expect(await t.query(api.rules.getRule, { ruleId: "draft-1" })).toBeNull();
  });

  test("a rule without pattern or conditions would run on any event", async () => {
    const t = initConvexTest();
    const rule = ruleInput({ triggerPattern: undefined, conditions: [], actions: [] });
    for (const event of [{}, null, [1, 2], "text"]) {
      expect(await testRule(t, { rule, event })).toEqual({
        patternMatched: true,
        conditionsMet: true,
        wouldRun: true,
        explanation: [],
        actions: [],
      });
    }
  });

  test("custom conditions without a handler are reported, not thrown", async () => {
    const t = initConvexTest();
    const rule = ruleInput({ conditions: [{ id: "vip", type: "is_vip", config: { tier: "gold" } }] });
    const result = await testRule(t, { rule, event: EVENT });
    expect(result.conditionsMet).toBe(false);
    expect(result.explanation).toEqual([
      { id: "vip", type: "is_vip", result: "error", error: 'no handler declared for custom condition type "is_vip"' },
    ]);
  });

  test("any event is accepted: refused field names, deep values, big arrays", async () => {
    const t = initConvexTest();
    let deep: unknown = { leaf: "x" };
    for (let i = 0; i < 20; i++) deep = { a: deep };
    const event = { ...EVENT, _id: "fake", "": 1, deep, list: Array.from({ length: 10_000 }, (_, i) => i) };
    const rule = ruleInput({
      conditions: [{ id: "l", type: "field", config: { path: "list", op: "is_not_empty" } }],
      actions: [{ type: "x", config: { value: "{{event._id}}", deep: "{{event.deep}}" } }],
    });
    const result = await testRule(t, { rule, event });
    expect(result.wouldRun).toBe(true);
    expect(result.actions[0].config.value).toBe("fake");
    expect(result.actions[0].config.deep).toEqual(deep);
  });

  test("RULE_NOT_FOUND, INVALID_RULE and INVALID_ARGUMENT", async () => {
    const t = initConvexTest();
    await t.mutation(api.rules.createRule, ruleInput({ id: "saved" }));
    await expectRulesError(t.query(api.dispatch.testRule.testRule, { ruleId: "missing", event: {} }), "RULE_NOT_FOUND", "ruleId");
    const badOperator = await expectRulesError(
      t.query(api.dispatch.testRule.testRule, {
        rule: ruleInput({ conditions: [{ type: "field", config: { path: "a", op: "like", value: 1 } }] }),
        event: {},
      }),
      "INVALID_RULE",
      "conditions[0].config.op",
    );
    expect(badOperator.message).toContain('unknown operator "like"');
    await expectRulesError(
      t.query(api.dispatch.testRule.testRule, { rule: ruleInput({ triggerPattern: { boardId: 1 } }), event: {} }),
      "INVALID_RULE",
      "triggerPattern.boardId",
    );
    await expectRulesError(
      t.query(api.dispatch.testRule.testRule, { rule: ruleInput({ name: " " }), event: {} }),
      "INVALID_RULE",
      "name",
    );
    await expectRulesError(t.query(api.dispatch.testRule.testRule, { event: {} }), "INVALID_ARGUMENT", "rule");
    await expectRulesError(
      t.query(api.dispatch.testRule.testRule, { ruleId: "saved", rule: ruleInput(), event: {} }),
      "INVALID_ARGUMENT",
      "rule",
    );
  });
});
