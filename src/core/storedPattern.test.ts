import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { fieldNameProblem } from "./storable.js";
import { fromStoredPattern, toStoredPattern } from "./storedPattern.js";

/** Field names that exercise the escape: `$or`, `~`-names, `__proto__`, plain ones. */
const nameArb = fc.oneof(
  fc.constantFrom("$or", "~or", "~~or", "~", "~~", "~x", "a", "b", "x:$or", "__proto__"),
  fc.string({ maxLength: 4 }),
);

const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { weight: 3, arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)) },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(nameArb, tie("value"), { maxKeys: 3 }) },
  ),
})).value;

function names(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) names(item, out);
  else if (value !== null && typeof value === "object") {
    for (const [name, item] of Object.entries(value)) {
      out.push(name);
      names(item, out);
    }
  }
  return out;
}

describe("stored patterns", () => {
  test("$or is stored as ~or and a name starting with ~ gets a second one", () => {
    const pattern = { $or: [{ a: [1] }, { "~b": [{ prefix: "x" }], c: { "~or": ["y"] } }] };
    expect(toStoredPattern(pattern)).toEqual({
      "~or": [{ a: [1] }, { "~~b": [{ prefix: "x" }], c: { "~~or": ["y"] } }],
    });
    expect(fromStoredPattern(toStoredPattern(pattern))).toEqual(pattern);
  });

  test("a pattern without $or or ~ names is stored as the same object", () => {
    const pattern = { board: [1], event: { columnId: ["status"], value: [{ prefix: "D" }] } };
    expect(toStoredPattern(pattern)).toBe(pattern);
    expect(fromStoredPattern(pattern)).toBe(pattern);
  });

  test("a __proto__ field stays a field", () => {
    const pattern = JSON.parse('{"__proto__": ["x"], "$or": [{"a": [1]}, {"b": [2]}]}') as object;
    const stored = toStoredPattern(pattern);
    expect(Object.keys(stored)).toEqual(["__proto__", "~or"]);
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
  });

  test("decoding inverts encoding, and the stored names never start with $", () => {
    fc.assert(
      fc.property(valueArb, (pattern) => {
        const stored = toStoredPattern(pattern);
        expect(fromStoredPattern(stored)).toEqual(pattern);
        for (const name of names(stored)) expect(name.startsWith("$")).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test("$or's stored name is one Convex accepts", () => {
    expect(fieldNameProblem("~or")).toBeNull();
  });
});
