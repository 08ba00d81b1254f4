/// <reference types="vite/client" />
// One error contract for every input that carries a rule: any JSON given to
// create, update, import, testRule or the host functions of `rules.api`
// either succeeds or fails with a coded ConvexError naming its field, and a
// failed call writes nothing.
import { anyApi, type ApiFromModules } from "convex/server";
import { ConvexError } from "convex/values";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { setupHost } from "./setup.test.js";
import schema from "../component/schema.js";
import { ERROR_CODES, type RulesErrorData } from "../shared.js";

const host = anyApi["setup.test"] as unknown as ApiFromModules<{
  "setup.test": typeof import("./setup.test.js");
}>["setup.test"];

/** JSON as text is built from: an object keeps its keys' order and may repeat none. */
type Json = null | boolean | number | string | Json[] | { entries: Array<[string, Json]> };

function isObject(value: Json): value is { entries: Array<[string, Json]> } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The JSON text of `value`; an own `__proto__` key survives it, as in `JSON.parse`. */
function jsonText(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(jsonText).join(",")}]`;
  if (isObject(value)) {
    const seen = new Set<string>();
    const fields = value.entries.filter(([key]) => !seen.has(key) && seen.add(key));
    return `{${fields.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function toJson(value: unknown): Json {
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object" && value !== null) {
    return { entries: Object.entries(value).map(([key, item]) => [key, toJson(item)]) };
  }
  return value as Json;
}

/** `value` with `key` set (replaced, or added last). */
function withField(value: Json, key: string, item: Json): Json {
  if (!isObject(value)) return value;
  const entries = value.entries.filter(([k]) => k !== key);
  return { entries: [...entries, [key, item]] };
}

function field(value: Json, key: string): Json | undefined {
  return isObject(value) ? value.entries.find(([k]) => k === key)?.[1] : undefined;
}

// Names JavaScript or Convex reserve (often: each breaks a different
// layer), names a rule uses, and any others.
const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "_id", "_x", "$x", "$or", "~or", "") },
  { weight: 2, arbitrary: fc.constantFrom("name", "type", "config", "id", "path", "op", "value", "conditions", "label", "repo") },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const scalarArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }),
  fc.constantFrom("push", "add_label", "github", "all", "field", "eq", "a/b", "{{event.x}}"),
);
const { json: jsonArb } = fc.letrec<{ json: Json }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalarArb,
    fc.array(tie("json"), { maxLength: 3 }),
    fc.array(fc.tuple(keyArb, tie("json")), { maxLength: 4 }).map((entries) => ({ entries })),
  ),
}));

const validRule = {
  name: "Label pushes",
  integrationId: "github",
  triggerType: "push",
  triggerConfig: { repo: "acme/web" },
  conditions: [
    { type: "field", config: { path: "ref", op: "eq", value: "main" } },
    { type: "all", config: { conditions: [{ type: "author_in_team", config: { team: "core" } }] } },
  ],
  actions: [{ type: "add_label", config: { label: "pushed" } }],
  metadata: { owner: "web" },
};
const base = toJson(validRule);
const RULE_KEYS = [...Object.keys(validRule), "id", "description", "enabled", "namespace", "priority", "triggerPattern", "schedule"];

/** Something near a rule: a valid one with one part anywhere in it replaced by any JSON. */
const ruleArb: fc.Arbitrary<Json> = fc.oneof(
  jsonArb,
  fc.tuple(fc.oneof(fc.constantFrom(...RULE_KEYS), keyArb), jsonArb).map(([key, item]) => withField(base, key, item)),
  fc.tuple(fc.constantFrom("conditions", "actions"), fc.nat(2), jsonArb).map(([list, index, item]) => {
    const items = [...((field(base, list) as Json[]) ?? [])];
    items[index] = item;
    return withField(base, list, Array.from(items, (entry) => entry ?? null));
  }),
  fc.tuple(fc.constantFrom("conditions", "actions"), fc.constantFrom("type", "config", "id", "onError", "extra"), jsonArb)
    .map(([list, key, item]) => {
      const [first, ...rest] = field(base, list) as Json[];
      return withField(base, list, [withField(first!, key, item), ...rest]);
    }),
  fc.tuple(fc.constantFrom("triggerConfig", "metadata"), keyArb, jsonArb).map(([part, key, item]) =>
    withField(base, part, withField(field(base, part)!, key, item)),
  ),
  fc.tuple(keyArb, jsonArb).map(([key, item]) => {
    const [action] = field(base, "actions") as Json[];
    return withField(base, "actions", [withField(action!, "config", withField(field(action!, "config")!, key, item))]);
  }),
);

/** Whether Convex's own argument encoding could carry it (no `$` names, no `__proto__`). */
function crossesConvex(value: Json): boolean {
  if (Array.isArray(value)) return value.every(crossesConvex);
  if (isObject(value)) {
    return value.entries.every(([key, item]) => !key.startsWith("$") && key !== "__proto__" && crossesConvex(item));
  }
  return true;
}

const setup = () => setupHost(import.meta.glob("./**/*.ts"));
type T = ReturnType<typeof setup>;

/** How many documents each of the component's tables holds. */
async function tableCounts(t: T): Promise<Record<string, number>> {
  const { runInComponent } = t as unknown as {
    runInComponent: <R>(path: string, handler: (ctx: { db: any }) => Promise<R>) => Promise<R>;
  };
  return await runInComponent("rules", async (ctx) => {
    const counts: Record<string, number> = {};
    for (const table of Object.keys(schema.tables)) {
      counts[table] = (await ctx.db.query(table).collect()).length;
    }
    return counts;
  });
}

/** Runs `call`: success, or a coded ConvexError naming its field, with nothing written. */
async function expectContract(t: T, call: () => Promise<unknown>): Promise<void> {
  const before = await tableCounts(t);
  let caught: unknown = null;
  try {
    await call();
    return;
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof ConvexError)) {
    throw new Error(`not a ConvexError: ${String((caught as Error)?.stack ?? caught)}`);
  }
  const data = caught.data as RulesErrorData;
  expect(ERROR_CODES).toContain(data.code);
  expect(typeof data.message).toBe("string");
  if (data.code === "INVALID_RULE" || data.code === "INVALID_ARGUMENT" || data.code === "IMPORT_FAILED") {
    expect(typeof data.field, data.message).toBe("string");
    expect(data.message).toContain(data.field);
  }
  for (const entry of data.errors ?? []) {
    expect(ERROR_CODES).toContain(entry.code);
    expect(typeof entry.field, entry.message).toBe("string");
  }
  expect(await tableCounts(t)).toEqual(before);
}

const RUNS = { numRuns: 100 };

/** The contract holds for `call` on every value `arb` generates. */
async function holdsFor<V>(t: T, arb: fc.Arbitrary<V>, call: (value: V) => Promise<unknown>): Promise<void> {
  await fc.assert(fc.asyncProperty(arb, async (value) => await expectContract(t, () => call(value))), RUNS);
}

describe("a rule parsed from JSON fails with the field it gets wrong", () => {
  const cases: Array<[string, string, string, string, string]> = [
    ["conditions as an object", "conditions", '{"a":1}', "INVALID_RULE", "conditions"],
    ["a null condition", "conditions", "[null]", "INVALID_RULE", "conditions[0]"],
    ["a number for the name", "name", "5", "INVALID_RULE", "name"],
    ["a $-named metadata field", "metadata", '{"$x":1}', "INVALID_RULE", "metadata"],
    ["a __proto__ metadata field", "metadata", '{"__proto__":{"a":1}}', "INVALID_RULE", "metadata"],
    ["a constructor metadata field", "metadata", '{"constructor":1}', "INVALID_RULE", "metadata"],
    ["a prototype field in an action config", "actions", '[{"type":"add_label","config":{"label":"x","prototype":1}}]', "INVALID_RULE", "actions[0].config.prototype"],
    ["a __proto__ field of the rule", "__proto__", '{"name":"x"}', "INVALID_RULE", "__proto__"],
    ["a constructor field of a condition", "conditions", '[{"type":"field","config":{},"constructor":1}]', "INVALID_RULE", "conditions[0].constructor"],
    ["an unknown field", "colour", '"red"', "INVALID_RULE", "colour"],
    ["a number for the actor", "actor", "7", "INVALID_ARGUMENT", "actor"],
  ];
  test.each(cases)("%s", async (_name, key, valueText, code, fieldName) => {
    const t = setup();
    const text = JSON.stringify({ ...validRule, [key]: "<value>" }).replace('"<value>"', valueText);
    const call = t.mutation(host.createFromJson, { text });
    const error = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<RulesErrorData>).data).toMatchObject({ code, field: fieldName });
    expect(await tableCounts(t)).toMatchObject({ rules: 0 });
  });
});

describe("every input that carries a rule keeps the error contract", () => {
  test("rules.create, from any JSON", async () => {
    const t = setup();
    await holdsFor(t, ruleArb, (rule) => t.mutation(host.createFromJson, { text: jsonText(rule) }));
  });

  test("rules.update, from any JSON", async () => {
    const t = setup();
    const ruleId = await t.mutation(host.create, { rule: validRule });
    const patchArb = fc.oneof(
      jsonArb,
      ruleArb.map((rule) => withField(withField(rule, "integrationId", "github"), "ruleId", ruleId)),
      fc.tuple(fc.constantFrom("ruleId", "expectedVersion", "integrationId", "actor"), jsonArb).map(([key, item]) =>
        withField(toJson({ ruleId, integrationId: "github", name: "Renamed" }), key, item),
      ),
    );
    await holdsFor(t, patchArb, (patch) => t.mutation(host.updateFromJson, { text: jsonText(patch) }));
  });

  test("rules.import, from any JSON", async () => {
    const t = setup();
    const argsArb = fc.oneof(
      jsonArb,
      fc.array(ruleArb, { maxLength: 3 }).map((rules) => toJsonArgs(rules)),
      fc.tuple(keyArb, jsonArb).map(([key, item]) => withField(toJsonArgs([base]), key, item)),
    );
    await holdsFor(t, argsArb, (args) => t.mutation(host.importFromJson, { text: jsonText(args) }));
  });

  test("rules.testRule, from any JSON", async () => {
    const t = setup();
    const argsArb = fc.oneof(
      jsonArb,
      fc.tuple(ruleArb, jsonArb).map(([rule, event]) => ({ entries: [["rule", rule], ["event", event]] }) as Json),
      fc.tuple(keyArb, jsonArb).map(([key, item]) =>
        withField({ entries: [["rule", base], ["event", { entries: [] }]] }, key, item),
      ),
    );
    await holdsFor(t, argsArb, (args) => t.query(host.testRuleFromJson, { text: jsonText(args) }));
  });

  test("rules.api's createRule, updateRule and importRules, from any Convex value", async () => {
    const t = setup();
    const alice = t.withIdentity({ subject: "" });
    const ruleId = await t.mutation(host.create, { rule: validRule });
    const argsArb = ruleArb.filter((rule) => isObject(rule) && crossesConvex(rule));
    await fc.assert(
      fc.asyncProperty(argsArb, async (rule) => {
        const args = JSON.parse(jsonText(rule));
        await expectContract(t, () => alice.mutation(host.createRule, args));
        await expectContract(t, () => alice.mutation(host.updateRule, { ...args, ruleId }));
        await expectContract(t, () => alice.mutation(host.apiImportRules, { rules: [args] }));
      }),
      RUNS,
    );
  });
});

function toJsonArgs(rules: Json[]): Json {
  return { entries: [["rules", rules]] };
}
