import { describe, expect, test } from "vitest";
import { getConvexSize, type Value } from "convex/values";
import type { ConditionInput } from "../shared.js";
import {
  RULE_DOCUMENT_RESERVE_BYTES,
  assignActionIds,
  validateRuleDefinition,
  validateRuleId,
  type RuleDefinition,
  type RuleDefinitionInput,
  type RuleProblem,
} from "./ruleValidation.js";
import { nesting } from "../testing/nesting.js";

const eq = (path = "item.status", id?: string): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type: "field",
  config: { path, op: "eq", value: "done" },
});

function input(overrides: Partial<RuleDefinitionInput> = {}): RuleDefinitionInput {
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

function valid(overrides: Partial<RuleDefinitionInput> = {}): RuleDefinition {
  const result = validateRuleDefinition(input(overrides));
  if (!result.ok) throw new Error(`unexpected problem: ${result.problem.message}`);
  return result.value;
}

/** The problem of an invalid input; checks the code and that the message names the field. */
function problem(overrides: Partial<RuleDefinitionInput>): RuleProblem {
  const result = validateRuleDefinition(input(overrides));
  if (result.ok) throw new Error("expected a problem");
  expect(result.problem.code).toBe("INVALID_RULE");
  expect(result.problem.message.startsWith(`${result.problem.field}: `)).toBe(true);
  return result.problem;
}

/** An object nesting `levels` levels deep: deep(1) = { a: 1 }. */
function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe("validateRuleDefinition", () => {
  test("fills in defaults and ids", () => {
    expect(valid()).toEqual({
      name: "Notify when done",
      enabled: true,
      integrationId: "monday",
      namespace: "",
      priority: 0,
      triggerType: "status_changed",
      triggerConfig: { boardId: "1" },
      conditions: [{ id: "c1", type: "field", config: { path: "item.status", op: "eq", value: "done" } }],
      actions: [{ id: "a1", type: "notify", config: { channel: "#ops" } }],
    });
    const value = valid();
    expect("description" in value).toBe(false);
    expect("triggerPattern" in value).toBe(false);
    expect("metadata" in value).toBe(false);
  });

  test("keeps the given optional fields", () => {
    const value = valid({
      description: "d",
      enabled: false,
      namespace: "tenant-1",
      priority: -5,
      triggerPattern: { detail: { status: ["done"] } },
      metadata: { owner: "me" },
    });
    expect(value).toMatchObject({
      description: "d",
      enabled: false,
      namespace: "tenant-1",
      priority: -5,
      triggerPattern: { detail: { status: ["done"] } },
      metadata: { owner: "me" },
    });
  });

  test("stores condition trees flat", () => {
    const value = valid({
      conditions: [{ type: "all", config: { conditions: [eq("a"), eq("b")] } }],
    });
    expect(value.conditions.map((c) => [c.id, c.parent])).toEqual([
      ["c1", undefined],
      ["c2", "c1"],
      ["c3", "c1"],
    ]);
  });

  test("name must be non-empty and at most 200 characters", () => {
    expect(problem({ name: "" })).toMatchObject({ field: "name", message: "name: must not be empty" });
    expect(problem({ name: "  \t\n " }).field).toBe("name");
    expect(problem({ name: 5 as unknown as string }).field).toBe("name");
    expect(problem({ name: "x".repeat(201) })).toMatchObject({
      field: "name",
      message: "name: is longer than 200 characters",
    });
    expect(valid({ name: "x".repeat(200) }).name).toHaveLength(200);
  });

  test("description is at most 2000 characters", () => {
    expect(valid({ description: "x".repeat(2000) }).description).toHaveLength(2000);
    expect(problem({ description: "x".repeat(2001) }).field).toBe("description");
    expect(problem({ description: 3 as unknown as string }).field).toBe("description");
  });

  test("integrationId, triggerType and namespace are ids", () => {
    expect(problem({ integrationId: "" }).field).toBe("integrationId");
    expect(problem({ integrationId: "mon day" }).field).toBe("integrationId");
    expect(problem({ triggerType: "" }).field).toBe("triggerType");
    expect(problem({ triggerType: "x".repeat(129) }).field).toBe("triggerType");
    expect(problem({ namespace: "a/b" }).field).toBe("namespace");
    expect(valid({ namespace: "" }).namespace).toBe("");
  });

  test("priority is a finite number", () => {
    for (const priority of [Number.NaN, Number.POSITIVE_INFINITY, "1" as unknown as number]) {
      expect(problem({ priority })).toMatchObject({
        field: "priority",
        message: "priority: must be a finite number",
      });
    }
  });

  test("triggerConfig and metadata must be storable, counted from their level", () => {
    // triggerConfig is at level 2 of the document: 15 more levels are allowed.
    expect(valid({ triggerConfig: deep(15) })).toBeTruthy();
    expect(problem({ triggerConfig: deep(16) })).toMatchObject({
      field: `triggerConfig${".a".repeat(15)}`,
    });
    expect(valid({ metadata: deep(15) })).toBeTruthy();
    expect(problem({ metadata: deep(16) }).field).toBe(`metadata${".a".repeat(15)}`);
    const underscore = problem({ triggerConfig: { ok: { _hidden: 1 } } });
    expect(underscore.field).toBe("triggerConfig.ok");
    expect(underscore.message).toContain('"_hidden"');
    expect(problem({ metadata: { $x: 1 } }).message).toContain('"$x"');
    expect(problem({ metadata: { "": 1 } }).message).toContain("must not be empty");
    expect(problem({ metadata: { "ü": 1 } }).message).toContain("non-ASCII");
  });

  test("a condition's or action's config may nest 13 levels, not 14", () => {
    // document > conditions > entry > config: the config is at level 4.
    const leafWith = (value: unknown): ConditionInput => ({
      type: "field",
      config: { path: "a", op: "eq", value },
    });
    expect(valid({ conditions: [leafWith(deep(12))] })).toBeTruthy();
    expect(problem({ conditions: [leafWith(deep(13))] }).field).toBe(
      `conditions(c1).config.value${".a".repeat(12)}`,
    );
    expect(valid({ actions: [{ type: "x", config: deep(13) }] })).toBeTruthy();
    expect(problem({ actions: [{ type: "x", config: deep(14) }] }).field).toBe(
      `actions[0].config${".a".repeat(13)}`,
    );
  });

  test("a depth-10 condition tree stays within Convex's 16 levels when stored", () => {
    let list: ConditionInput[] = [eq()];
    for (let d = 1; d < 10; d++) list = [{ type: "any", config: { conditions: list } }];
    const value = valid({ conditions: list });
    expect(value.conditions).toHaveLength(10);
    // The whole stored document: the definition is level 1.
    expect(nesting(value)).toBeLessThanOrEqual(16);
    // Deep nodes in a nested tree nest no deeper than top-level ones.
    expect(nesting(value)).toBe(nesting(valid()));
  });

  test("reports condition problems with their path", () => {
    expect(
      problem({ conditions: [eq(), { type: "not", config: { conditions: [] } }] }),
    ).toMatchObject({ field: "conditions[1].config.conditions" });
    expect(problem({ conditions: [{ type: "field", config: { path: "a", op: "nope" } }] }).field).toBe(
      "conditions[0].config.op",
    );
  });

  test("customConditionTypes restricts custom types", () => {
    const conditions = [{ type: "vip", config: {} }];
    expect(validateRuleDefinition(input({ conditions })).ok).toBe(true);
    expect(
      validateRuleDefinition(input({ conditions }), { customConditionTypes: new Set(["vip"]) }).ok,
    ).toBe(true);
    const result = validateRuleDefinition(input({ conditions }), {
      customConditionTypes: new Set(["other"]),
    });
    expect(result.ok ? null : result.problem.field).toBe("conditions[0].type");
  });

  test("allows 20 actions and refuses 21", () => {
    const actions = (n: number) => Array.from({ length: n }, () => ({ type: "notify", config: {} }));
    expect(valid({ actions: actions(20) }).actions.map((a) => a.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `a${i + 1}`),
    );
    expect(problem({ actions: actions(21) })).toMatchObject({
      field: "actions",
      message: "actions: has more than 20 actions",
    });
  });

  test("action ids are valid and unique; types are ids", () => {
    expect(
      problem({ actions: [{ id: "x", type: "a", config: {} }, { id: "x", type: "b", config: {} }] }),
    ).toMatchObject({ field: "actions[1].id", message: 'actions[1].id: duplicate action id "x"' });
    expect(problem({ actions: [{ id: "a b", type: "a", config: {} }] }).field).toBe("actions[0].id");
    expect(problem({ actions: [{ type: "", config: {} }] }).field).toBe("actions[0].type");
    expect(problem({ actions: [{ type: "a", config: { f: () => 1 } }] }).field).toBe(
      "actions[0].config.f",
    );
  });

  test("checks fields in a fixed order and reports the first problem", () => {
    expect(problem({ name: "", triggerType: "", actions: [] }).field).toBe("name");
    expect(problem({ triggerType: "", conditions: [{ type: "", config: {} }] }).field).toBe(
      "triggerType",
    );
  });

  test("refuses a rule over 1 MiB even when every part is under it", () => {
    // 20 actions of 60 KB each: 1.2 MB in all.
    const actions = Array.from({ length: 20 }, () => ({
      type: "send",
      config: { body: "x".repeat(60_000) },
    }));
    const result = problem({ actions });
    expect(result.field).toBe("rule");
    expect(result.message).toMatch(
      /^rule: is \d+ bytes; a rule may hold at most 1047552 bytes to fit Convex's 1 MiB document limit$/,
    );
    // 16 of them fit.
    const ok = valid({ actions: actions.slice(0, 16) });
    expect(getConvexSize(ok as unknown as Value)).toBeLessThan(1024 * 1024);
  });

  test("a single config over 1 MiB is reported at its own path", () => {
    expect(
      problem({ actions: [{ type: "send", config: { body: "x".repeat(1024 * 1024) } }] }).field,
    ).toBe("actions[0].config");
    expect(problem({ triggerConfig: { body: "x".repeat(1024 * 1024) } }).field).toBe(
      "triggerConfig",
    );
  });

  test("checks the trigger pattern's shape, then its storability", () => {
    expect(valid({ triggerPattern: { a: [{ prefix: "x" }] } }).triggerPattern).toEqual({
      a: [{ prefix: "x" }],
    });
    expect(problem({ triggerPattern: { a: [{ nope: 1 }] } }).field).toBe("triggerPattern.a[0].nope");
    expect(problem({ triggerPattern: { a: ["x", { prefix: "y" }], _b: ["z"] } }).field).toBe(
      "triggerPattern",
    );
  });
});

describe("assignActionIds", () => {
  test("numbers actions in order, keeping and skipping caller ids", () => {
    expect(
      assignActionIds([
        { type: "x", config: 1 },
        { id: "a1", type: "y", config: 2 },
        { type: "z", config: 3 },
        { id: "a3", type: "w", config: 4 },
        { type: "v", config: 5 },
      ]).map((a) => a.id),
    ).toEqual(["a2", "a1", "a4", "a3", "a5"]);
  });

  test("is deterministic", () => {
    const actions = [{ type: "x", config: {} }, { type: "y", config: {} }];
    expect(assignActionIds(actions)).toEqual(assignActionIds(actions));
  });
});

describe("validateRuleId", () => {
  test("accepts ids and refuses bad ones with field id", () => {
    expect(validateRuleId("rule-1:x.y_z")).toBeNull();
    for (const id of ["", "a b", "a/b", "x".repeat(129), 1]) {
      const result = validateRuleId(id);
      expect(result?.code).toBe("INVALID_RULE");
      expect(result?.field).toBe("id");
      expect(result?.message.startsWith("id: ")).toBe(true);
    }
  });

  test("keeps room for the id, version and timestamps below 1 MiB", () => {
    expect(RULE_DOCUMENT_RESERVE_BYTES).toBe(1024);
    const sized = (bytes: number) => {
      const base = validateRuleDefinition({ ...input(), actions: [{ type: "a", config: { s: "" } }] });
      if (!base.ok) throw new Error("base rule must be valid");
      const baseSize = getConvexSize(base.value as unknown as Value);
      return validateRuleDefinition({
        ...input(),
        actions: [{ type: "a", config: { s: "x".repeat(bytes - baseSize) } }],
      });
    };
    expect(sized(1024 * 1024 - 1024).ok).toBe(true);
    const over = sized(1024 * 1024 - 1023);
    expect(over.ok).toBe(false);
    // Within 1 MiB, yet too big once the id and timestamps are added.
    expect(!over.ok && over.problem.field).toBe("rule");
  });
});
