import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  hasPlaceholders,
  placeholderPaths,
  renderTemplate,
  templateProblem,
} from "./template.js";

const context = {
  event: {
    pulseName: "Launch",
    count: 3,
    price: 9.5,
    done: false,
    none: null,
    big: 12n,
    tags: ["a", "b"],
    owner: { id: 7, name: "Ada" },
    items: [{ name: "first" }, { name: "second" }],
  },
  rule: { name: "Notify" },
  actions: { a1: { result: { id: "msg_1" } } },
};

function rendered(value: unknown, ctx: Record<string, unknown> = context): unknown {
  const result = renderTemplate(value, ctx);
  if (!result.ok) throw new Error(`unexpected failure: ${result.error} at ${result.field}`);
  return result.value;
}

describe("renderTemplate: substitution", () => {
  test("replaces placeholders inside text", () => {
    expect(rendered("Item {{event.pulseName}} by {{ event.owner.name }}")).toBe(
      "Item Launch by Ada",
    );
    expect(rendered("{{rule.name}}: {{actions.a1.result.id}}")).toBe("Notify: msg_1");
    expect(rendered("second is {{event.items[1].name}}")).toBe("second is second");
  });

  test("a string that is exactly one placeholder keeps the raw value", () => {
    expect(rendered("{{event.count}}")).toBe(3);
    expect(rendered("{{ event.price }}")).toBe(9.5);
    expect(rendered("{{event.done}}")).toBe(false);
    expect(rendered("{{event.none}}")).toBeNull();
    expect(rendered("{{event.big}}")).toBe(12n);
    expect(rendered("{{event.owner}}")).toBe(context.event.owner);
    expect(rendered("{{event.tags}}")).toBe(context.event.tags);
  });

  test("values inside text are written as text", () => {
    expect(rendered("n={{event.count}}")).toBe("n=3");
    expect(rendered("{{event.done}}!")).toBe("false!");
    expect(rendered("[{{event.none}}]")).toBe("[null]");
    expect(rendered("{{event.big}} ")).toBe("12 ");
    expect(rendered("owner {{event.owner}}")).toBe('owner {"id":7,"name":"Ada"}');
    expect(rendered("tags {{event.tags}}")).toBe('tags ["a","b"]');
    expect(rendered("{{event.count}}{{event.count}}")).toBe("33");
    expect(rendered(" {{event.count}}")).toBe(" 3");
  });

  test("substituted values are never rendered again", () => {
    const ctx = { evil: "{{rule.name}}", rule: { name: "R" } };
    expect(rendered("x {{evil}}", ctx)).toBe("x {{rule.name}}");
    expect(rendered("{{evil}}", ctx)).toBe("{{rule.name}}");
  });

  test("bigints inside objects are written as strings", () => {
    expect(rendered("v {{x}}", { x: { n: 5n, list: [1n] } })).toBe('v {"n":"5","list":["1"]}');
  });

  test("walks objects and arrays but never templates keys", () => {
    const config = {
      "{{event.pulseName}}": "{{rule.name}}",
      body: { text: "Hi {{event.owner.name}}", count: "{{event.count}}" },
      items: ["{{event.tags}}", 1, true, null, "plain"],
    };
    expect(rendered(config)).toEqual({
      "{{event.pulseName}}": "Notify",
      body: { text: "Hi Ada", count: 3 },
      items: [["a", "b"], 1, true, null, "plain"],
    });
  });

  test("non-string leaves pass through", () => {
    for (const v of [1, true, null, undefined, 5n, Number.NaN]) {
      expect(rendered(v)).toBe(v);
    }
  });

  test("text without placeholders comes back identical", () => {
    for (const text of [
      "",
      "plain",
      "{{ no close",
      "}} only close",
      "{ {x} }",
      "{x}}",
      "a } } {",
    ]) {
      expect(rendered(text)).toBe(text);
    }
  });

  test("unchanged parts keep their references; the input is never mutated", () => {
    const config = {
      untouched: { deep: ["a", { b: 1 }] },
      changed: { text: "{{rule.name}}" },
    };
    const snapshot = structuredClone(config);
    const out = rendered(config) as typeof config;
    expect(config).toEqual(snapshot);
    expect(out).not.toBe(config);
    expect(out.untouched).toBe(config.untouched);
    expect(out.changed).toEqual({ text: "Notify" });
    const plain = { a: ["x", { y: "z" }] };
    expect(rendered(plain)).toBe(plain);
  });

  test("an own __proto__ key is copied as a plain field, not a prototype", () => {
    const config = JSON.parse('{"__proto__": {"polluted": "yes"}, "t": "{{rule.name}}"}');
    const out = rendered(config) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__", "t"]);
    expect((out as { polluted?: string }).polluted).toBeUndefined();
    expect(({} as { polluted?: string }).polluted).toBeUndefined();
  });

  test("class instances and other non-plain objects are left alone", () => {
    const date = new Date(0);
    expect(rendered({ when: date, t: "{{rule.name}}" })).toEqual({ when: date, t: "Notify" });
  });
});

describe("renderTemplate: errors", () => {
  test("a missing value is an error naming the field", () => {
    expect(renderTemplate({ body: "Hi {{event.x}}" }, context)).toEqual({
      ok: false,
      field: "body",
      error: "missing value for {{event.x}}",
    });
    expect(
      renderTemplate({ items: ["a", "b", { text: "{{ event.nope }}" }] }, context),
    ).toEqual({ ok: false, field: "items[2].text", error: "missing value for {{event.nope}}" });
    expect(renderTemplate("{{event.items[5].name}}", context)).toEqual({
      ok: false,
      field: "",
      error: "missing value for {{event.items[5].name}}",
    });
  });

  test("an undefined value counts as missing", () => {
    expect(renderTemplate("{{a}}", { a: undefined })).toMatchObject({ ok: false });
  });

  test("prototype members are never reachable", () => {
    for (const path of [
      "constructor",
      "__proto__",
      "event.constructor",
      "event.__proto__.x",
      "toString",
      "event.pulseName.length",
      "event.tags.length",
    ]) {
      expect(renderTemplate(`{{${path}}}`, context)).toEqual({
        ok: false,
        field: "",
        error: `missing value for {{${path}}}`,
      });
    }
  });

  test.each([
    "{{ 1+1 }}",
    "{{constructor.constructor('x')()}}",
    "{{}}",
    "{{   }}",
    "{{a..b}}",
    "{{[0]}}",
    "{{a b}}",
    "{{{{x}}}}",
    "{{ process.exit() }}",
    "{{ `x` }}",
    "x {{ a; b }} y",
  ])("%j is not a path and is refused", (text) => {
    const result = renderTemplate({ t: text }, { a: 1, b: 2, x: 3 });
    expect(result).toMatchObject({ ok: false, field: "t" });
    expect(!result.ok && result.error).toContain("is not a path");
  });

  test("the first error wins", () => {
    expect(renderTemplate({ a: "{{x}}", b: "{{y}}" }, {})).toMatchObject({ field: "a" });
  });

  test("a value that cannot be written as text is an error, not a throw", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(renderTemplate("see {{c}}", { c: cyclic })).toEqual({
      ok: false,
      field: "",
      error: "cannot write {{c}} as text",
    });
  });
});

describe("hasPlaceholders / placeholderPaths / templateProblem", () => {
  const config = {
    subject: "{{rule.name}} for {{ event.pulseName }}",
    body: ["{{event.items[0].name}}", { x: "{{rule.name}}" }],
    bad: "{{ 1+1 }}",
    plain: "hello {{",
  };

  test("hasPlaceholders", () => {
    expect(hasPlaceholders(config)).toBe(true);
    expect(hasPlaceholders("{{x}}")).toBe(true);
    expect(hasPlaceholders("{{ 1+1 }}")).toBe(true);
    expect(hasPlaceholders({ a: ["plain", 1, { b: "{{ no close" }] })).toBe(false);
    expect(hasPlaceholders({ "{{key}}": "v" })).toBe(false);
    expect(hasPlaceholders(null)).toBe(false);
  });

  test("placeholderPaths lists every valid path once, in order", () => {
    expect(placeholderPaths(config)).toEqual([
      "rule.name",
      "event.pulseName",
      "event.items[0].name",
    ]);
    expect(placeholderPaths("nothing")).toEqual([]);
  });

  test("templateProblem reports the first invalid placeholder", () => {
    expect(templateProblem(config)).toEqual({
      field: "bad",
      error: expect.stringContaining("{{1+1}} is not a path"),
    });
    expect(templateProblem({ a: "{{ok.path[1]}}" })).toBeNull();
  });
});

describe("renderTemplate: properties", () => {
  const noPlaceholder = fc.string({ unit: "binary" }).filter((s) => {
    const open = s.indexOf("{{");
    return open === -1 || s.indexOf("}}", open + 2) === -1;
  });

  test("text without placeholders renders to itself", () => {
    fc.assert(
      fc.property(noPlaceholder, (text) => {
        expect(renderTemplate(text, context)).toEqual({ ok: true, value: text });
      }),
      { numRuns: 1000 },
    );
  });

  test("never throws on hostile strings and contexts", () => {
    const hostilePiece = fc.constantFrom(
      "{{",
      "}}",
      "{",
      "}",
      "{{{{x}}}}",
      "__proto__",
      "constructor",
      "prototype",
      ".",
      "[0]",
      "[",
      "]",
      " ",
      "(",
      ")",
      "'",
      "é",
      "\u0000",
      "\ud800",
      "😀",
      "event",
      "x",
    );
    const hostile = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.array(hostilePiece, { maxLength: 12 }).map((p) => p.join("")),
    );
    const ctx = fc.oneof(
      fc.constant(context as Record<string, unknown>),
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.constant(JSON.parse('{"__proto__": {"x": 1}, "x": {"__proto__": 2}}')),
    );
    fc.assert(
      fc.property(
        fc.oneof(hostile, fc.dictionary(hostile, hostile), fc.array(hostile)),
        ctx,
        (template, c) => {
          const result = renderTemplate(template, c);
          if (!result.ok) {
            expect(typeof result.error).toBe("string");
            expect(typeof result.field).toBe("string");
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("output is only template text and context values", () => {
    // Literal pieces that cannot form or break a placeholder.
    const piece = fc
      .string({ maxLength: 6 })
      .filter((s) => !s.includes("{{") && !s.includes("}}") && !s.endsWith("{") && !s.startsWith("}"));
    const key = fc.constantFrom("a", "b", "c");
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const asText = (v: unknown) =>
      typeof v === "string" ? v : v !== null && typeof v === "object" ? JSON.stringify(v) : String(v);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(piece, key), { maxLength: 5 }),
        piece,
        fc.record({ a: value, b: value, c: value }),
        fc.boolean(),
        (parts, tail, ctx, spaced) => {
          const template =
            parts.map(([p, k]) => (spaced ? `${p}{{ ${k} }}` : `${p}{{${k}}}`)).join("") + tail;
          const expected = parts.map(([p, k]) => p + asText(ctx[k])).join("") + tail;
          const result = renderTemplate(template, ctx);
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          const whole = parts.length === 1 && parts[0][0] === "" && tail === "";
          if (whole) expect(result.value).toBe(ctx[parts[0][1]]);
          else expect(result.value).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("placeholderPaths names exactly the paths rendering looks up", () => {
    const key = fc.constantFrom("a", "b", "c", "d");
    fc.assert(
      fc.property(fc.array(key, { maxLength: 6 }), (keys) => {
        const template = keys.map((k) => `<{{${k}}}>`);
        const paths = placeholderPaths(template);
        expect(paths).toEqual([...new Set(keys)]);
        const ctx = Object.fromEntries(paths.map((p) => [p, p.toUpperCase()]));
        expect(renderTemplate(template, ctx)).toEqual({
          ok: true,
          value: keys.map((k) => `<${k.toUpperCase()}>`),
        });
      }),
    );
  });
});
