/// <reference types="vite/client" />
/**
 * Hostile inputs at the component's boundary: rule
 * configs with prototype-polluting keys, and ids that are not rule ids
 * (ids of other tables, of another namespace's rule documents) passed as
 * `ruleId`. Each ends in a clear error or a safe record, and every stored
 * document passes the storage checker.
 */
import { describe, expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { initConvexTest, ruleInput } from "./setup.test.js";
import { checkStorage } from "../test.js";
import type { Rule, RuleInput } from "../shared.js";
import { rulesErrorOf } from "../testing/errors.js";

type T = ReturnType<typeof initConvexTest>;

describe("prototype-polluting keys in rule configs", () => {
  // JSON.parse makes "__proto__" an own field, as a request body would.
  const proto = () => JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>;

  // Called directly, the component never sees a "__proto__" field: Convex's
  // own serialization of arguments (convexToJson assigns fields one by one)
  // turns it into the prototype of a throwaway copy, which JSON leaves out,
  // and no prototype is touched. Through the client it is refused before
  // that, with its path (client/errorContract.test.ts).
  test.each([
    ["triggerConfig", () => ({ triggerConfig: proto() }), (r: Rule) => r.triggerConfig],
    ["metadata", () => ({ metadata: { nested: proto() } }), (r: Rule) => (r.metadata as { nested: unknown }).nested],
    [
      "a condition's config",
      () => ({ conditions: [{ type: "field", config: { path: "a", op: "eq", value: proto() } }] }),
      (r: Rule) => (r.conditions[0].config as { value: unknown }).value,
    ],
    ["an action's config", () => ({ actions: [{ type: "notify", config: proto() }] }), (r: Rule) => r.actions[0].config],
  ])("__proto__ in %s is dropped before it is stored; nothing is polluted", async (_name, overrides, pick) => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput(overrides() as Partial<RuleInput>));
    const rule = (await t.query(api.rules.getRule, { ruleId }))!;
    const stored = pick(rule) as Record<string, unknown>;
    expect(stored).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(stored)).toEqual(["ok"]);
    expect(stored.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await checkStorage(t, "")).toEqual([]);
  });

  test.each([
    ["triggerConfig", (config: object) => ({ triggerConfig: config }), "triggerConfig"],
    ["metadata", (config: object) => ({ metadata: { nested: config } }), "metadata.nested"],
    ["an action's config", (config: object) => ({ actions: [{ type: "notify", config }] }), "actions[0].config"],
    [
      "a condition's config",
      (config: object) => ({ conditions: [{ type: "field", config: { path: "a", op: "eq", value: config } }] }),
      "conditions(c1).config.value",
    ],
  ])("constructor and prototype keys in %s are refused with the path, like _x; nothing is written", async (_name, overrides, field) => {
    const t = initConvexTest();
    for (const key of ["constructor", "prototype"]) {
      const data = await rulesErrorOf(
        t.mutation(api.rules.createRule, ruleInput(overrides({ [key]: { polluted: true } }) as Partial<RuleInput>)),
      );
      expect(data).toMatchObject({ code: "INVALID_RULE", field });
      expect(data.message).toContain(`"${key}" is reserved`);
    }
    expect(await t.run(async (ctx) => await ctx.db.query("rules").collect())).toEqual([]);
  });

  test("a condition path through constructor never reaches Object's prototype", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput({
      conditions: [{ type: "field", config: { path: "constructor.name", op: "eq", value: "Object" } }],
    }));
    // The event has no own "constructor" field, so the condition is not met.
    const [result] = await t.mutation(api.dispatch.engine.execute, {
      integrationId: "monday",
      triggerType: "status_changed",
      event: { status: "done" },
    });
    expect(result).toMatchObject({ ruleId, status: "skipped" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await checkStorage(t, "")).toEqual([]);
  });
});

describe("ids that are not rule ids, passed as ruleId", () => {
  /** Two namespaces with a rule and an execution each; the ids of everything. */
  async function twoNamespaces(t: T) {
    const mine = await t.mutation(api.rules.createRule, ruleInput({ id: "mine", namespace: "tenant-a" }));
    const theirs = await t.mutation(api.rules.createRule, ruleInput({ id: "theirs", namespace: "tenant-b" }));
    const [execution] = await t.mutation(api.dispatch.engine.execute, {
      integrationId: "monday",
      triggerType: "status_changed",
      namespace: "tenant-b",
      event: {},
    });
    const theirDocId = await t.run(async (ctx) =>
      (await ctx.db.query("rules").withIndex("by_rule_id", (q) => q.eq("id", theirs)).unique())!._id,
    );
    return { mine, theirs, executionId: execution.executionId, theirDocId: String(theirDocId) };
  }

  test("a document id of another table or of another namespace's rule finds nothing and changes nothing", async () => {
    const t = initConvexTest();
    const { theirs, executionId, theirDocId } = await twoNamespaces(t);
    const before = await t.run(async (ctx) => await ctx.db.query("rules").collect());

    for (const foreign of [executionId, theirDocId, "", "../theirs", "theirs ", "THEIRS"]) {
      expect(await t.query(api.rules.getRule, { ruleId: foreign })).toBeNull();
      expect(await t.query(api.executions.queries.getRuleExecutions, { ruleId: foreign })).toEqual([]);
      const update = await rulesErrorOf(t.mutation(api.rules.updateRule, { ruleId: foreign, name: "hijacked" }));
      expect(update).toMatchObject({ code: "RULE_NOT_FOUND", field: "ruleId" });
      expect(update.message).toBe(`ruleId: no rule with id "${foreign}"`);
      const remove = await rulesErrorOf(t.mutation(api.rules.deleteRule, { ruleId: foreign }));
      expect(remove).toMatchObject({ code: "RULE_NOT_FOUND", field: "ruleId" });
    }
    expect(await t.run(async (ctx) => await ctx.db.query("rules").collect())).toEqual(before);
    // The other namespace's own rule is untouched and still runs.
    expect((await t.query(api.rules.getRule, { ruleId: theirs }))?.name).toBe("A rule");
    expect(await t.query(api.executions.queries.getRuleExecutions, { ruleId: theirs })).toHaveLength(1);
    expect(await checkStorage(t, "")).toEqual([]);
  });

  test("a rule's document id passed as an executionId is a clear INVALID_ARGUMENT", async () => {
    const t = initConvexTest();
    const { executionId, theirDocId } = await twoNamespaces(t);
    const data = await rulesErrorOf(t.query(api.executions.queries.getExecution, { executionId: theirDocId }));
    expect(data).toEqual({
      code: "INVALID_ARGUMENT",
      field: "executionId",
      message: `executionId: "${theirDocId}" is not an execution id`,
    });
    expect(await t.query(api.executions.queries.getExecution, { executionId })).toMatchObject({ namespace: "tenant-b" });
  });
});
