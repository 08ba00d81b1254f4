/// <reference types="vite/client" />
import type { FunctionArgs } from "convex/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api.js";
import type { Id } from "./_generated/dataModel.js";
import { initConvexTest, EXECUTION_DEFAULTS } from "./setup.test.js";
import type {
  ConditionInput,
  ErrorCode,
  RuleExport,
  RuleInput,
  RulesErrorData,
} from "../shared.js";
import { expectRulesError } from "../testing/errors.js";
import { nesting } from "../testing/nesting.js";

type T = ReturnType<typeof initConvexTest>;

afterEach(() => {
  vi.useRealTimers();
});

const eq = (path = "item.status", value: unknown = "done", id?: string): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type: "field",
  config: { path, op: "eq", value },
});
const group = (
  type: "all" | "any" | "not",
  conditions: ConditionInput[],
  id?: string,
): ConditionInput => ({ ...(id === undefined ? {} : { id }), type, config: { conditions } });

function ruleInput(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    name: "Notify when done",
    integrationId: "monday",
    triggerType: "status_changed",
    triggerConfig: { boardId: "1" },
    conditions: [eq()],
    actions: [{ type: "notify", config: { channel: "#ops" } }],
    ...overrides,
  };
}

/** A chain of `all` groups whose deepest node (a leaf) is at `depth`. */
function chain(depth: number): ConditionInput[] {
  let list: ConditionInput[] = [eq()];
  for (let d = 1; d < depth; d++) list = [group("all", list)];
  return list;
}

/** An object nesting `levels` levels deep: deep(1) = { a: 1 }. */
function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** Every document the component stores, and every scheduled function. */
async function everything(t: T) {
  return await t.run(async (ctx) => ({
    rules: await ctx.db.query("rules").collect(),
    executions: await ctx.db.query("ruleExecutions").collect(),
    logs: await ctx.db.query("ruleExecutionLogs").collect(),
    scheduled: await ctx.db.system.query("_scheduled_functions").collect(),
  }));
}

/** Runs `call`, which must fail with `code` at `field`, and checks nothing changed. */
async function expectRejectedWithoutWrites(
  t: T,
  call: () => Promise<unknown>,
  code: ErrorCode,
  field?: string,
): Promise<RulesErrorData> {
  const before = await everything(t);
  const data = await expectRulesError(call(), code, field);
  expect(await everything(t)).toEqual(before);
  return data;
}

async function createRule(t: T, overrides: Partial<RuleInput> = {}) {
  return await t.mutation(api.rules.createRule, ruleInput(overrides));
}

async function storedRules(t: T) {
  return await t.run(async (ctx) => await ctx.db.query("rules").collect());
}

describe("createRule", () => {
  test("applies defaults and returns the rule as read", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    const rule = await t.query(api.rules.getRule, { ruleId });
    expect(rule).toMatchObject({
      ruleId,
      name: "Notify when done",
      enabled: true,
      namespace: "",
      priority: 0,
      version: 1,
      integrationId: "monday",
      triggerType: "status_changed",
      triggerConfig: { boardId: "1" },
      conditions: [{ id: "c1", type: "field", config: { path: "item.status", op: "eq", value: "done" } }],
      actions: [{ id: "a1", type: "notify", config: { channel: "#ops" } }],
    });
    expect(rule!.createdAt).toBe(rule!.updatedAt);
    expect(rule).not.toHaveProperty("description");
    expect(rule).not.toHaveProperty("triggerPattern");
    expect(rule).not.toHaveProperty("metadata");
  });

  test("keeps the optional fields it is given", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      description: "about",
      enabled: false,
      namespace: "tenant-1",
      priority: 7,
      triggerPattern: { detail: { status: ["done"] } },
      metadata: { owner: "ann" },
    });
    expect(await t.query(api.rules.getRule, { ruleId })).toMatchObject({
      description: "about",
      enabled: false,
      namespace: "tenant-1",
      priority: 7,
      triggerPattern: { detail: { status: ["done"] } },
      metadata: { owner: "ann" },
    });
  });

  test("generates a distinct id when none is given", async () => {
    const t = initConvexTest();
    const first = await createRule(t);
    const second = await createRule(t);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
    expect((await storedRules(t)).map((r) => r.id)).toEqual([first, second]);
  });

  test("uses the given id", async () => {
    const t = initConvexTest();
    expect(await createRule(t, { id: "monday:rule-1" })).toBe("monday:rule-1");
    expect((await t.query(api.rules.getRule, { ruleId: "monday:rule-1" }))?.name).toBe(
      "Notify when done",
    );
  });

  test("refuses an id that exists, even in another integration, writing nothing", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "r1" });
    await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { id: "r1", name: "other", integrationId: "github" }),
      "DUPLICATE_RULE_ID",
      "id",
    );
  });

  test("refuses ids with invalid characters or length, writing nothing", async () => {
    const t = initConvexTest();
    for (const id of ["", "a b", "a/b", "é", "x".repeat(129)]) {
      await expectRejectedWithoutWrites(t, () => createRule(t, { id }), "INVALID_RULE", "id");
    }
    expect(await storedRules(t)).toEqual([]);
  });

  test("generates unique condition ids c1.. depth first and action ids a1..", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      conditions: [eq("a"), group("any", [eq("b"), group("not", [eq("c")])]), eq("d")],
      actions: [
        { type: "notify", config: {} },
        { type: "webhook", config: {} },
        { type: "notify", config: {} },
      ],
    });
    const rule = (await t.query(api.rules.getRule, { ruleId }))!;
    expect(rule.conditions.map((c) => c.id)).toEqual(["c1", "c2", "c6"]);
    expect(rule.conditions[1].config.conditions.map((c: { id: string }) => c.id)).toEqual([
      "c3",
      "c4",
    ]);
    expect(rule.conditions[1].config.conditions[1].config.conditions[0].id).toBe("c5");
    expect(rule.actions.map((a) => a.id)).toEqual(["a1", "a2", "a3"]);
    // Stored flat, parents first, every id unique.
    const [doc] = await storedRules(t);
    expect(doc.conditions.map((c) => [c.id, c.parent])).toEqual([
      ["c1", undefined],
      ["c2", undefined],
      ["c3", "c2"],
      ["c4", "c2"],
      ["c5", "c4"],
      ["c6", undefined],
    ]);
  });

  test("keeps caller ids; generated ids skip them", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      conditions: [eq("a"), eq("b", 1, "c1"), group("all", [eq("c"), eq("d", 1, "c3")], "g")],
      actions: [
        { type: "x", config: {} },
        { id: "a1", type: "y", config: {} },
        { id: "send-mail", type: "z", config: {} },
        { type: "w", config: {} },
      ],
    });
    const [doc] = await storedRules(t);
    expect(doc.conditions.map((c) => c.id)).toEqual(["c2", "c1", "g", "c4", "c3"]);
    const rule = (await t.query(api.rules.getRule, { ruleId }))!;
    expect(rule.actions.map((a) => a.id)).toEqual(["a2", "a1", "send-mail", "a3"]);
  });

  test("refuses duplicate condition ids and duplicate action ids", async () => {
    const t = initConvexTest();
    await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { conditions: [eq("a", 1, "x"), group("all", [eq("b", 1, "x")])] }),
      "INVALID_RULE",
      "conditions[1].config.conditions[0].id",
    );
    await expectRejectedWithoutWrites(
      t,
      () =>
        createRule(t, {
          actions: [
            { id: "a1", type: "x", config: {} },
            { id: "a1", type: "y", config: {} },
          ],
        }),
      "INVALID_RULE",
      "actions[1].id",
    );
  });

  test("refuses an empty, blank or over-long name", async () => {
    const t = initConvexTest();
    for (const name of ["", "   \t ", "x".repeat(201)]) {
      await expectRejectedWithoutWrites(t, () => createRule(t, { name }), "INVALID_RULE", "name");
    }
    await createRule(t, { name: "x".repeat(200) });
    expect(await storedRules(t)).toHaveLength(1);
  });

  test("refuses an unknown condition operator", async () => {
    const t = initConvexTest();
    const data = await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { conditions: [group("all", [{ type: "field", config: { path: "a", op: "like", value: 1 } }])] }),
      "INVALID_RULE",
      "conditions[0].config.conditions[0].config.op",
    );
    expect(data.message).toContain('unknown operator "like"');
  });

  test("refuses a not group with 0 or 2 children", async () => {
    const t = initConvexTest();
    for (const children of [[], [eq(), eq()]]) {
      await expectRejectedWithoutWrites(
        t,
        () => createRule(t, { conditions: [group("not", children)] }),
        "INVALID_RULE",
        "conditions[0].config.conditions",
      );
    }
  });

  test("refuses condition nesting deeper than 10", async () => {
    const t = initConvexTest();
    const data = await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { conditions: chain(11) }),
      "INVALID_RULE",
      `conditions${"[0].config.conditions".repeat(10)}`,
    );
    expect(data.message).toContain("deeper than 10 levels");
  });

  test("stores a depth-10 tree within 16 levels and reads it back unchanged", async () => {
    const t = initConvexTest();
    const conditions = chain(10);
    // Leaves with nested values at the deepest level, and an every subtree.
    conditions[0].config.conditions.push({
      type: "field",
      config: { path: "items", op: "every", conditions: [eq("price", deep(12))] },
    });
    const ruleId = await createRule(t, { conditions });
    const rule = (await t.query(api.rules.getRule, { ruleId }))!;
    // The same tree, with ids c1.. in depth-first order.
    let n = 0;
    const withIds = (list: ConditionInput[]): ConditionInput[] =>
      list.map((c) => {
        const id = `c${++n}`;
        return Array.isArray(c.config.conditions)
          ? { id, type: c.type, config: { ...c.config, conditions: withIds(c.config.conditions) } }
          : { id, type: c.type, config: c.config };
      });
    expect(rule.conditions).toEqual(withIds(conditions));
    const [doc] = await storedRules(t);
    expect(doc.conditions).toHaveLength(12);
    expect(nesting(doc)).toBeLessThanOrEqual(16);
    // The same tree stored nested would break Convex's limit.
    expect(nesting({ conditions: rule.conditions })).toBeGreaterThan(16);
  });

  test("allows 50 conditions and refuses 51", async () => {
    const t = initConvexTest();
    const leaves = (n: number) => Array.from({ length: n }, (_, i) => eq(`f${i}`));
    await createRule(t, { conditions: [group("all", leaves(49))] });
    await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { conditions: [group("all", leaves(50))] }),
      "INVALID_RULE",
      "conditions",
    );
    await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { conditions: leaves(51) }),
      "INVALID_RULE",
      "conditions",
    );
  });

  test("allows 20 actions and refuses 21", async () => {
    const t = initConvexTest();
    const actions = (n: number) => Array.from({ length: n }, () => ({ type: "notify", config: {} }));
    await createRule(t, { actions: actions(20) });
    const data = await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { actions: actions(21) }),
      "INVALID_RULE",
      "actions",
    );
    expect(data.message).toContain("more than 20 actions");
  });

  test("refuses config field names starting with _ or empty, in every config", async () => {
    const t = initConvexTest();
    const cases: Array<[Partial<RuleInput>, string, string]> = [
      [{ triggerConfig: { _secret: 1 } }, "triggerConfig", '"_secret"'],
      [{ triggerConfig: { a: { b: [{ "": 1 }] } } }, "triggerConfig.a.b[0]", "must not be empty"],
      [{ metadata: { _owner: "x" } }, "metadata", '"_owner"'],
      [{ actions: [{ type: "send", config: { _to: "x" } }] }, "actions[0].config", '"_to"'],
      [
        { conditions: [eq("a", { _v: 1 })] },
        "conditions(c1).config.value",
        '"_v"',
      ],
      [
        { conditions: [{ type: "custom", id: "k", config: { "": 2 } }] },
        "conditions(k).config",
        "must not be empty",
      ],
    ];
    for (const [overrides, field, fragment] of cases) {
      const data = await expectRejectedWithoutWrites(
        t,
        () => createRule(t, overrides),
        "INVALID_RULE",
        field,
      );
      expect(data.message).toContain(fragment);
    }
  });

  test("field names starting with $ or non-ASCII never reach the database", async () => {
    // Convex refuses them when serializing the arguments, before the
    // component runs (findUnstorable covers them for other callers).
    const t = initConvexTest();
    for (const overrides of [
      { triggerConfig: { $set: 1 } },
      { triggerConfig: { "naïve": 1 } },
      { actions: [{ type: "send", config: { a: { $b: 1 } } }] },
      { metadata: { "日本": 1 } },
    ]) {
      const before = await everything(t);
      await expect(createRule(t, overrides)).rejects.toThrow(/Field name/);
      expect(await everything(t)).toEqual(before);
    }
  });

  test("refuses configs nesting over 16 levels in the document", async () => {
    const t = initConvexTest();
    await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { triggerConfig: deep(16) }),
      "INVALID_RULE",
      `triggerConfig${".a".repeat(15)}`,
    );
    await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { actions: [{ type: "x", config: deep(14) }] }),
      "INVALID_RULE",
      `actions[0].config${".a".repeat(13)}`,
    );
    await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { conditions: [eq("a", deep(13))] }),
      "INVALID_RULE",
      `conditions(c1).config.value${".a".repeat(12)}`,
    );
    // The deepest allowed ones are stored, and stay within 16 levels.
    await createRule(t, {
      triggerConfig: deep(15),
      metadata: deep(15),
      actions: [{ type: "x", config: deep(13) }],
      conditions: [eq("a", deep(12))],
    });
    const [doc] = await storedRules(t);
    expect(nesting(doc)).toBe(16);
  });

  test("refuses a config over 1 MiB, and a rule over 1 MiB", async () => {
    const t = initConvexTest();
    const data = await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { actions: [{ type: "send", config: { body: "x".repeat(1_100_000) } }] }),
      "INVALID_RULE",
      "actions[0].config",
    );
    expect(data.message).toContain("over Convex's limit of 1048576 bytes");
    await expectRejectedWithoutWrites(
      t,
      () =>
        createRule(t, {
          actions: Array.from({ length: 20 }, () => ({ type: "send", config: { body: "x".repeat(60_000) } })),
        }),
      "INVALID_RULE",
      "rule",
    );
  });

  test("refuses invalid trigger patterns and stores a valid complex one", async () => {
    const t = initConvexTest();
    const cases: Array<[unknown, string]> = [
      [{ detail: { status: [{ regex: "x" }] } }, "triggerPattern.detail.status[0].regex"],
      [{ detail: { priority: [{ numeric: [">", "1"] }] } }, "triggerPattern.detail.priority[0].numeric"],
      [{ detail: { priority: [{ numeric: ["!", 1] }] } }, "triggerPattern.detail.priority[0].numeric"],
      [{ detail: { status: [] } }, "triggerPattern.detail.status"],
      [{ detail: "done" }, "triggerPattern.detail"],
      [["done"], "triggerPattern"],
      [{}, "triggerPattern"],
    ];
    for (const [triggerPattern, field] of cases) {
      await expectRejectedWithoutWrites(
        t,
        () => createRule(t, { triggerPattern }),
        "INVALID_RULE",
        field,
      );
    }
    const triggerPattern = {
      source: ["monday"],
      detail: {
        boardId: [123, 456],
        status: [{ prefix: "Done" }, { "equals-ignore-case": "complete" }, null],
        priority: [{ numeric: [">", 0, "<=", 5] }],
        label: [{ "anything-but": ["spam"] }],
        assignee: [{ exists: true }],
        title: [{ wildcard: "*urgent*" }, { suffix: "!" }],
      },
    };
    const ruleId = await createRule(t, { triggerPattern });
    expect((await t.query(api.rules.getRule, { ruleId }))?.triggerPattern).toEqual(triggerPattern);
  });

  test("refuses a bad regular expression for matches", async () => {
    const t = initConvexTest();
    const data = await expectRejectedWithoutWrites(
      t,
      () => createRule(t, { conditions: [{ type: "field", config: { path: "a", op: "matches", value: "(unclosed" } }] }),
      "INVALID_RULE",
      "conditions[0].config.value",
    );
    expect(data.message).toContain("invalid regular expression");
  });

  test("refuses backreferences and lookaround, which RE2 cannot run, naming the field", async () => {
    const t = initConvexTest();
    const matches = (value: string): ConditionInput => ({ type: "field", config: { path: "a", op: "matches", value } });
    for (const value of ["(a)\\1", "(?=x)", "(?<=x)a", "(?<!x)a"]) {
      const data = await expectRejectedWithoutWrites(
        t,
        () => createRule(t, { conditions: [eq(), group("any", [eq(), matches(value)])] }),
        "INVALID_RULE",
        "conditions[1].config.conditions[1].config.value",
      );
      expect(data.message, value).toContain("may not use backreferences (\\1, \\k<name>) or lookaround");
    }
    // The patterns that stall a backtracking engine are saved: RE2 runs them in linear time.
    await createRule(t, { conditions: [matches(".*.*.*x"), matches("a*a*a*b"), matches("\\s*\\s*\\s*x$")] });
    expect(await storedRules(t)).toHaveLength(1);
  });

  test("refuses other invalid fields with their name", async () => {
    const t = initConvexTest();
    const cases: Array<[Partial<RuleInput>, string]> = [
      [{ description: "x".repeat(2001) }, "description"],
      [{ integrationId: "" }, "integrationId"],
      [{ namespace: "a b" }, "namespace"],
      [{ priority: Number.POSITIVE_INFINITY }, "priority"],
      [{ triggerType: "has space" }, "triggerType"],
      [{ conditions: [{ type: "field", config: { path: "a", op: "in", value: "x" } }] }, "conditions[0].config.value"],
      [{ conditions: [{ type: "field", config: { path: "a", op: "between", value: [1] } }] }, "conditions[0].config.value"],
      [{ conditions: [{ type: "field", config: { path: "a", op: "eq", value: 1, valuePath: "b" } }] }, "conditions[0].config.valuePath"],
      [{ conditions: [{ type: "field", config: { path: "a", op: "exists", value: 1 } }] }, "conditions[0].config.value"],
      [{ conditions: [{ type: "field", config: { path: "items", op: "some" } }] }, "conditions[0].config.conditions"],
      [{ conditions: [{ type: "field", config: { path: "a..b", op: "eq", value: 1 } }] }, "conditions[0].config.path"],
      [{ actions: [{ type: "", config: {} }] }, "actions[0].type"],
    ];
    for (const [overrides, field] of cases) {
      await expectRejectedWithoutWrites(t, () => createRule(t, overrides), "INVALID_RULE", field);
    }
  });
});

describe("updateRule", () => {
  test("changes the given fields, keeps the others and bumps the version", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      description: "d",
      metadata: { m: 1 },
      triggerPattern: { a: ["x"] },
      priority: 3,
    });
    const created = (await t.query(api.rules.getRule, { ruleId }))!;
    vi.advanceTimersByTime(1000);
    const updated = await t.mutation(api.rules.updateRule, { ruleId, name: "Renamed", priority: 4 });
    expect(updated).toEqual({
      ...created,
      name: "Renamed",
      priority: 4,
      version: 2,
      updatedAt: created.createdAt + 1000,
    });
    expect(await t.query(api.rules.getRule, { ruleId })).toEqual(updated);
  });

  test("a patch that changes nothing keeps the version and updatedAt", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const ruleId = await createRule(t, { description: "d" });
    const before = await everything(t);
    vi.advanceTimersByTime(1000);
    const same = await t.mutation(api.rules.updateRule, {
      ruleId,
      name: "Notify when done",
      description: "d",
      conditions: [eq()],
      actions: [{ type: "notify", config: { channel: "#ops" } }],
    });
    expect(same.version).toBe(1);
    expect(same.updatedAt).toBe(same.createdAt);
    expect((await t.mutation(api.rules.updateRule, { ruleId })).version).toBe(1);
    // Clearing a field that is not set changes nothing either.
    expect((await t.mutation(api.rules.updateRule, { ruleId, metadata: null })).version).toBe(1);
    expect(await everything(t)).toEqual(before);
  });

  test("null clears description, metadata and triggerPattern", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      description: "d",
      metadata: { m: 1 },
      triggerPattern: { a: ["x"] },
    });
    const updated = await t.mutation(api.rules.updateRule, {
      ruleId,
      description: null,
      metadata: null,
      triggerPattern: null,
    });
    expect(updated.version).toBe(2);
    for (const rule of [updated, await t.query(api.rules.getRule, { ruleId })]) {
      expect(rule).not.toHaveProperty("description");
      expect(rule).not.toHaveProperty("metadata");
      expect(rule).not.toHaveProperty("triggerPattern");
    }
    const [doc] = await storedRules(t);
    expect(Object.keys(doc)).not.toContain("description");
  });

  test("triggerConfig may be set to null like on creation", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    const updated = await t.mutation(api.rules.updateRule, { ruleId, triggerConfig: null });
    expect(updated.triggerConfig).toBeNull();
    expect(updated.version).toBe(2);
    const created = await createRule(t, { triggerConfig: null });
    expect((await t.query(api.rules.getRule, { ruleId: created }))?.triggerConfig).toBeNull();
  });

  test("replacing conditions and actions assigns fresh ids", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    const updated = await t.mutation(api.rules.updateRule, {
      ruleId,
      conditions: [group("any", [eq("a"), eq("b")])],
      actions: [{ id: "keep", type: "x", config: {} }, { type: "y", config: {} }],
    });
    expect(updated.conditions[0].id).toBe("c1");
    expect(updated.conditions[0].config.conditions.map((c: { id: string }) => c.id)).toEqual(["c2", "c3"]);
    expect(updated.actions.map((a) => a.id)).toEqual(["keep", "a1"]);
  });

  test("expectedVersion: stale fails with VERSION_CONFLICT, current succeeds", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    await t.mutation(api.rules.updateRule, { ruleId, name: "v2" });
    const data = await expectRejectedWithoutWrites(
      t,
      () => t.mutation(api.rules.updateRule, { ruleId, expectedVersion: 1, name: "stale" }),
      "VERSION_CONFLICT",
      "expectedVersion",
    );
    expect(data.message).toContain("version 2");
    const updated = await t.mutation(api.rules.updateRule, { ruleId, expectedVersion: 2, name: "v3" });
    expect(updated).toMatchObject({ name: "v3", version: 3 });
  });

  test("fails with RULE_NOT_FOUND for a missing rule", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "exists" });
    await expectRejectedWithoutWrites(
      t,
      () => t.mutation(api.rules.updateRule, { ruleId: "missing", name: "x" }),
      "RULE_NOT_FOUND",
      "ruleId",
    );
  });

  test("integrationId, when given, must be the rule's", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    await expectRejectedWithoutWrites(
      t,
      () => t.mutation(api.rules.updateRule, { ruleId, integrationId: "github", name: "x" }),
      "INVALID_ARGUMENT",
      "integrationId",
    );
    const updated = await t.mutation(api.rules.updateRule, { ruleId, integrationId: "monday", name: "x" });
    expect(updated).toMatchObject({ name: "x", integrationId: "monday", version: 2 });
  });

  test("an invalid patch fails with INVALID_RULE and writes nothing", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    const patches: Array<[Omit<FunctionArgs<typeof api.rules.updateRule>, "ruleId">, string]> = [
      [{ name: " " }, "name"],
      [{ conditions: [group("not", [])] }, "conditions[0].config.conditions"],
      [{ actions: Array.from({ length: 21 }, () => ({ type: "x", config: {} })) }, "actions"],
      [{ triggerPattern: { a: [] } }, "triggerPattern.a"],
      [{ triggerConfig: { _x: 1 } }, "triggerConfig"],
      [{ priority: Number.NaN }, "priority"],
      [{ triggerType: "" }, "triggerType"],
    ];
    for (const [patch, field] of patches) {
      await expectRejectedWithoutWrites(
        t,
        () => t.mutation(api.rules.updateRule, { ruleId, ...patch }),
        "INVALID_RULE",
        field,
      );
    }
    expect((await t.query(api.rules.getRule, { ruleId }))?.version).toBe(1);
  });
});

describe("enableRule / disableRule", () => {
  test("toggle the flag, with a new version only on change", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    const version = async () => (await t.query(api.rules.getRule, { ruleId }))!;
    await t.mutation(api.rules.enableRule, { ruleId });
    expect(await version()).toMatchObject({ enabled: true, version: 1 });
    await t.mutation(api.rules.disableRule, { ruleId });
    expect(await version()).toMatchObject({ enabled: false, version: 2 });
    const before = await everything(t);
    await t.mutation(api.rules.disableRule, { ruleId, expectedVersion: 2 });
    expect(await everything(t)).toEqual(before);
    await t.mutation(api.rules.enableRule, { ruleId, expectedVersion: 2 });
    expect(await version()).toMatchObject({ enabled: true, version: 3 });
  });

  test("fail with VERSION_CONFLICT on a stale expectedVersion", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t);
    await t.mutation(api.rules.disableRule, { ruleId });
    await expectRejectedWithoutWrites(
      t,
      () => t.mutation(api.rules.enableRule, { ruleId, expectedVersion: 1 }),
      "VERSION_CONFLICT",
      "expectedVersion",
    );
    // Even when nothing would change.
    await expectRejectedWithoutWrites(
      t,
      () => t.mutation(api.rules.disableRule, { ruleId, expectedVersion: 1 }),
      "VERSION_CONFLICT",
      "expectedVersion",
    );
  });

  test("fail with RULE_NOT_FOUND for a missing rule", async () => {
    const t = initConvexTest();
    for (const fn of [api.rules.enableRule, api.rules.disableRule]) {
      await expectRejectedWithoutWrites(
        t,
        () => t.mutation(fn, { ruleId: "missing" }),
        "RULE_NOT_FOUND",
        "ruleId",
      );
    }
  });
});

describe("deleteRule", () => {
  type Seed = { ruleId: string; startTime: number; logs: number };

  /** Inserts executions with their logs in one transaction. */
  async function seedHistory(t: T, seeds: Seed[]): Promise<Id<"ruleExecutions">[]> {
    return await t.run(async (ctx) => {
      const ids: Id<"ruleExecutions">[] = [];
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
          endTime: seed.startTime + 5,
          triggerData: { item: 1 },
        });
        ids.push(executionId);
        for (let i = 0; i < seed.logs; i++) {
          await ctx.db.insert("ruleExecutionLogs", {
            executionId,
            timestamp: seed.startTime + i,
            level: "info",
            message: `log ${i}`,
            component: "action",
          });
        }
      }
      return ids;
    });
  }

  test("removes the rule at once and its history in background batches", async () => {
    vi.useFakeTimers();
    // Writes 40 times tighter than Convex's: a background batch (which stops
    // past half of any limit) deletes at most 200 documents.
    const t = initConvexTest({ documentsWritten: 400 });
    await createRule(t, { id: "doomed" });
    await createRule(t, { id: "other" });
    const now = Date.now();
    // One transaction each, within the tight limit.
    await seedHistory(t, [{ ruleId: "doomed", startTime: now - 3000, logs: 240 }]);
    await seedHistory(t, [{ ruleId: "doomed", startTime: now - 2000, logs: 180 }]);
    await seedHistory(t, [
      { ruleId: "doomed", startTime: now - 1000, logs: 80 },
      { ruleId: "doomed", startTime: now - 500, logs: 0 },
      { ruleId: "other", startTime: now - 2500, logs: 30 },
    ]);
    const otherBefore = (await everything(t)).executions.filter((e) => e.ruleId === "other");

    await t.mutation(api.rules.deleteRule, { ruleId: "doomed" });
    expect(await t.query(api.rules.getRule, { ruleId: "doomed" })).toBeNull();
    // The history is still there until the background job runs.
    expect((await everything(t)).logs).toHaveLength(530);

    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const after = await everything(t);
    expect(after.rules.map((r) => r.id)).toEqual(["other"]);
    expect(after.executions).toEqual(otherBefore);
    expect(after.logs).toHaveLength(30);
    expect(after.logs.every((l) => l.executionId === otherBefore[0]._id)).toBe(true);
    // 504 documents at most 200 per batch: three runs, all finished.
    const runs = after.scheduled.filter((s) => s.name.includes("deleteRuleHistory"));
    expect(runs).toHaveLength(3);
    expect(runs.every((s) => s.state.kind === "success")).toBe(true);
  });

  test("keeps the history of a new rule created with the same id", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    await createRule(t, { id: "reused" });
    const deletedAt = Date.now();
    await seedHistory(t, [{ ruleId: "reused", startTime: deletedAt - 100, logs: 5 }]);
    await t.mutation(api.rules.deleteRule, { ruleId: "reused" });
    vi.advanceTimersByTime(10);
    await createRule(t, { id: "reused", name: "Second life" });
    const [newExecution] = await seedHistory(t, [
      { ruleId: "reused", startTime: deletedAt + 10, logs: 3 },
    ]);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const after = await everything(t);
    expect(after.rules.map((r) => r.name)).toEqual(["Second life"]);
    expect(after.executions.map((e) => e._id)).toEqual([newExecution]);
    expect(after.logs).toHaveLength(3);
  });

  test("fails with RULE_NOT_FOUND for a missing rule, scheduling nothing", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "kept" });
    await expectRejectedWithoutWrites(
      t,
      () => t.mutation(api.rules.deleteRule, { ruleId: "missing" }),
      "RULE_NOT_FOUND",
      "ruleId",
    );
  });
});

describe("reading rules", () => {
  test("getRule returns null for a missing rule", async () => {
    const t = initConvexTest();
    expect(await t.query(api.rules.getRule, { ruleId: "nope" })).toBeNull();
    await createRule(t, { id: "yes" });
    expect(await t.query(api.rules.getRule, { ruleId: "nope" })).toBeNull();
  });

  test("getRulesByIntegration stays in one integration and namespace", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "m1" });
    await createRule(t, { id: "m2", enabled: false });
    await createRule(t, { id: "t1", namespace: "tenant-1" });
    await createRule(t, { id: "t2", namespace: "tenant-2" });
    await createRule(t, { id: "g1", integrationId: "github" });
    await createRule(t, { id: "m3" });
    const ids = async (args: { integrationId: string; namespace?: string; enabled?: boolean; limit?: number }) =>
      (await t.query(api.rules.getRulesByIntegration, args)).map((r) => r.ruleId);
    expect(await ids({ integrationId: "monday" })).toEqual(["m1", "m2", "m3"]);
    expect(await ids({ integrationId: "monday", namespace: "" })).toEqual(["m1", "m2", "m3"]);
    expect(await ids({ integrationId: "monday", namespace: "tenant-1" })).toEqual(["t1"]);
    expect(await ids({ integrationId: "monday", namespace: "tenant-3" })).toEqual([]);
    expect(await ids({ integrationId: "github" })).toEqual(["g1"]);
    expect(await ids({ integrationId: "monday", enabled: true })).toEqual(["m1", "m3"]);
    expect(await ids({ integrationId: "monday", enabled: false })).toEqual(["m2"]);
    expect(await ids({ integrationId: "monday", namespace: "tenant-2", enabled: false })).toEqual([]);
    expect(await ids({ integrationId: "monday", limit: 2 })).toEqual(["m1", "m2"]);
    expect(await ids({ integrationId: "monday", enabled: true, limit: 1 })).toEqual(["m1"]);
  });

  test("getRulesByIntegration returns 100 by default and at most 1000", async () => {
    const t = initConvexTest();
    const rules = Array.from({ length: 105 }, (_, i) => ruleInput({ id: `r${i}` }));
    await t.mutation(api.rules.importRules, { rules });
    const list = await t.query(api.rules.getRulesByIntegration, { integrationId: "monday" });
    expect(list.map((r) => r.ruleId)).toEqual(rules.slice(0, 100).map((r) => r.id));
    expect(
      await t.query(api.rules.getRulesByIntegration, { integrationId: "monday", limit: 1000 }),
    ).toHaveLength(105);
  });

  test("getRulesByIntegration refuses a limit outside 1..1000", async () => {
    const t = initConvexTest();
    for (const limit of [0, -1, 1001, 1.5, Number.NaN]) {
      const data = await expectRulesError(
        t.query(api.rules.getRulesByIntegration, { integrationId: "monday", limit }),
        "INVALID_ARGUMENT",
        "limit",
      );
      expect(data.message).toContain("from 1 to 1000");
    }
  });

  test("listRules pages through one scope exactly once, oldest first", async () => {
    const t = initConvexTest();
    const expected: string[] = [];
    // Interleave rules of the scope with rules of other scopes.
    for (let i = 0; i < 25; i++) {
      expected.push(await createRule(t, { id: `mine-${i}`, namespace: "ns" }));
      await createRule(t, { id: `theirs-${i}`, namespace: i % 2 ? "other" : "" });
      if (i % 5 === 0) await createRule(t, { id: `gh-${i}`, integrationId: "github", namespace: "ns" });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const result: { page: Array<{ ruleId: string; namespace: string; integrationId: string }>; isDone: boolean; continueCursor: string } =
        await t.query(api.rules.listRules, {
          integrationId: "monday",
          namespace: "ns",
          paginationOpts: { numItems: 10, cursor },
        });
      pages++;
      expect(result.page.length).toBeLessThanOrEqual(10);
      for (const rule of result.page) {
        expect(rule.namespace).toBe("ns");
        expect(rule.integrationId).toBe("monday");
        seen.push(rule.ruleId);
      }
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBeGreaterThanOrEqual(3);
    // The default namespace is "".
    const first = await t.query(api.rules.listRules, {
      integrationId: "monday",
      paginationOpts: { numItems: 100, cursor: null },
    });
    expect(first.page.map((r) => r.ruleId)).toEqual(
      Array.from({ length: 25 }, (_, i) => `theirs-${i}`).filter((_, i) => i % 2 === 0),
    );
  });

  test("listRules with `enabled` pages through only enabled (or only disabled) rules of the scope, oldest first", async () => {
    const t = initConvexTest();
    for (let i = 0; i < 12; i++) {
      await createRule(t, { id: `r-${i}`, namespace: "ns", enabled: i % 3 !== 0 });
      await createRule(t, { id: `other-${i}`, namespace: "other", enabled: true });
    }
    const all = async (enabled: boolean) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThan(10);
        const result: { page: Array<{ ruleId: string; enabled: boolean }>; isDone: boolean; continueCursor: string } =
          await t.query(api.rules.listRules, { integrationId: "monday", namespace: "ns", enabled, paginationOpts: { numItems: 3, cursor } });
        expect(result.page.every((r) => r.enabled === enabled)).toBe(true);
        ids.push(...result.page.map((r) => r.ruleId));
        if (result.isDone) return ids;
        cursor = result.continueCursor;
      }
    };
    const ids = Array.from({ length: 12 }, (_, i) => `r-${i}`);
    expect(await all(true)).toEqual(ids.filter((_, i) => i % 3 !== 0));
    expect(await all(false)).toEqual(ids.filter((_, i) => i % 3 === 0));
  });
});

describe("importRules", () => {
  test("creates, updates and leaves unchanged rules", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "same" });
    await createRule(t, { id: "changed" });
    const result = await t.mutation(api.rules.importRules, {
      rules: [
        ruleInput({ id: "same" }),
        ruleInput({ id: "changed", name: "New name" }),
        ruleInput({ id: "new-1" }),
        ruleInput({ name: "no id" }),
      ],
    });
    expect(result).toMatchObject({ created: 2, updated: 1, unchanged: 1 });
    expect(result.ruleIds.slice(0, 3)).toEqual(["same", "changed", "new-1"]);
    expect(result.ruleIds[3]).toMatch(/^[0-9a-f-]{36}$/);
    const byId = Object.fromEntries((await storedRules(t)).map((r) => [r.id, r]));
    expect(byId.same.version).toBe(1);
    expect(byId.changed).toMatchObject({ name: "New name", version: 2 });
    expect(byId["new-1"].version).toBe(1);
    expect(byId[result.ruleIds[3]].name).toBe("no id");
  });

  test("is all or nothing, reporting every invalid rule", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "existing" });
    const data = await expectRejectedWithoutWrites(
      t,
      () =>
        t.mutation(api.rules.importRules, {
          rules: [
            ruleInput({ id: "ok-1" }),
            ruleInput({ id: "bad-name", name: "" }),
            ruleInput({ id: "existing", name: "would update" }),
            ruleInput({ id: "bad id" }),
            ruleInput({ conditions: [group("not", [])] }),
            ruleInput({ id: "ok-2" }),
          ],
        }),
      "IMPORT_FAILED",
      "rules",
    );
    expect(data.message).toContain("3 of 6 rules are invalid");
    expect(data.message).toContain("rules[1]: name: must not be empty");
    expect(data.errors).toEqual([
      { index: 1, id: "bad-name", code: "INVALID_RULE", field: "name", message: "name: must not be empty" },
      expect.objectContaining({ index: 3, id: "bad id", code: "INVALID_RULE", field: "id" }),
      expect.objectContaining({ index: 4, code: "INVALID_RULE", field: "conditions[0].config.conditions" }),
    ]);
    expect(data.errors![2]).not.toHaveProperty("id");
    for (const error of data.errors!) expect(error.message).toContain(error.field!);
  });

  test("refuses an id given twice in one import", async () => {
    const t = initConvexTest();
    const data = await expectRejectedWithoutWrites(
      t,
      () =>
        t.mutation(api.rules.importRules, {
          rules: [ruleInput({ id: "a" }), ruleInput({ id: "b" }), ruleInput({ id: "a", name: "again" })],
        }),
      "IMPORT_FAILED",
      "rules",
    );
    expect(data.errors).toEqual([
      {
        index: 2,
        id: "a",
        code: "DUPLICATE_RULE_ID",
        field: "id",
        message: 'id: "a" appears more than once in this import',
      },
    ]);
  });

  test("never moves a rule to another integration or namespace", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "scoped", namespace: "tenant-1" });
    for (const overrides of [{ namespace: "tenant-2" }, { namespace: "tenant-1", integrationId: "github" }, {}]) {
      const data = await expectRejectedWithoutWrites(
        t,
        () => t.mutation(api.rules.importRules, { rules: [ruleInput({ id: "scoped", ...overrides })] }),
        "IMPORT_FAILED",
        "rules",
      );
      expect(data.errors).toEqual([
        expect.objectContaining({ index: 0, id: "scoped", code: "DUPLICATE_RULE_ID", field: "id" }),
      ]);
      expect(data.errors![0].message).toContain("belongs to another integration or namespace");
    }
  });

  test("refuses more than 500 rules", async () => {
    const t = initConvexTest();
    const rules = Array.from({ length: 501 }, (_, i) => ruleInput({ id: `r${i}` }));
    const data = await expectRejectedWithoutWrites(
      t,
      () => t.mutation(api.rules.importRules, { rules }),
      "INVALID_ARGUMENT",
      "rules",
    );
    expect(data.message).toContain("at most 500 rules per call, got 501");
  });

  test("imports 500 rules in one call within the transaction limits", async () => {
    const t = initConvexTest();
    const rules = Array.from({ length: 500 }, (_, i) =>
      ruleInput({
        id: `bulk-${i}`,
        conditions: [group("all", [eq("a", i), eq("b", i), group("not", [eq("c")])])],
        actions: [
          { type: "notify", config: { text: `rule ${i}` } },
          { type: "webhook", config: { url: "https://example.com" } },
        ],
      }),
    );
    expect(await t.mutation(api.rules.importRules, { rules })).toMatchObject({
      created: 500,
      updated: 0,
      unchanged: 0,
    });
    // Again: every rule is read and compared.
    expect(await t.mutation(api.rules.importRules, { rules })).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 500,
    });
    expect(await storedRules(t)).toHaveLength(500);
  });

  test("export then import of a whole scope changes nothing", async () => {
    const t = initConvexTest();
    const scope = { integrationId: "monday", namespace: "tenant-1" };
    const variety: Array<Partial<RuleInput>> = [
      {},
      { description: "described", priority: -2, enabled: false },
      { triggerPattern: { detail: { status: [{ prefix: "Do" }], n: [{ numeric: [">", 1] }] } } },
      { metadata: { owner: "ann", tags: ["a", "b"] } },
      { conditions: chain(10) },
      {
        conditions: [
          eq("x", 1, "custom-id"),
          { type: "field", config: { path: "items", op: "every", conditions: [eq("p"), group("any", [eq("q"), eq("r")])] } },
          { type: "my_check", config: { conditions: [{ free: "form" }] } },
        ],
        actions: [{ id: "first", type: "x", config: {} }, { type: "y", config: { n: null } }],
      },
      { triggerConfig: null, conditions: [] , actions: [] },
    ];
    for (let i = 0; i < 25; i++) {
      await createRule(t, { ...scope, id: `rule-${i}`, ...variety[i % variety.length] });
    }
    await createRule(t, { id: "elsewhere" });
    const before = await storedRules(t);

    const exported: RuleExport[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: { page: RuleExport[]; isDone: boolean; continueCursor: string } = await t.query(
        api.rules.exportRules,
        { ...scope, paginationOpts: { numItems: 10, cursor } },
      );
      exported.push(...page.page);
      if (page.isDone) break;
      cursor = page.continueCursor;
    }
    expect(exported.map((r) => r.id)).toEqual(Array.from({ length: 25 }, (_, i) => `rule-${i}`));
    expect(exported.every((r) => r.conditions.every((c) => typeof c.id === "string"))).toBe(true);

    const result = await t.mutation(api.rules.importRules, { rules: exported });
    expect(result).toEqual({
      created: 0,
      updated: 0,
      unchanged: 25,
      ruleIds: exported.map((r) => r.id),
    });
    expect(await storedRules(t)).toEqual(before);
  });
});
