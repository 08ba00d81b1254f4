import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compilePattern } from "./patternMatch.js";
import { fieldNameProblem } from "./storable.js";
import { STORED_OR_KEY, findOrSpellingClash, fromStoredPattern, toStoredPattern } from "./storedPattern.js";

const nameArb = fc.oneof(fc.constantFrom("$or", "a", "b", "x:$or", "__proto__", "~x"), fc.string({ maxLength: 4 }));

const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { weight: 3, arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)) },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(nameArb, tie("value"), { maxKeys: 3 }).filter((o) => !Object.hasOwn(o, STORED_OR_KEY)),
    },
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
  test("$or is written ~or at every level, and back", () => {
    const pattern = { $or: [{ a: [1] }, { c: { $or: [{ d: ["y"] }, { e: ["z"] }] } }] };
    const stored = { "~or": [{ a: [1] }, { c: { "~or": [{ d: ["y"] }, { e: ["z"] }] } }] };
    expect(toStoredPattern(pattern)).toEqual(stored);
    expect(fromStoredPattern(stored)).toEqual(pattern);
  });

  test("a pattern without $or is the same object", () => {
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

  test("decoding inverts encoding, and no $or is left", () => {
    fc.assert(
      fc.property(valueArb, (pattern) => {
        const stored = toStoredPattern(pattern);
        expect(fromStoredPattern(stored)).toEqual(pattern);
        expect(names(stored)).not.toContain("$or");
      }),
      { numRuns: 300 },
    );
  });

  test("~or is a name Convex accepts, and the matcher reads it as $or", () => {
    expect(fieldNameProblem(STORED_OR_KEY)).toBeNull();
    for (const pattern of [{ "~or": [{ a: [1] }, { b: [2] }] }, { $or: [{ a: [1] }, { b: [2] }] }]) {
      const matches = compilePattern(pattern);
      expect([matches({ a: 1 }), matches({ b: 2 }), matches({ a: 2, b: 1 })]).toEqual([true, true, false]);
    }
  });

  test("$or and ~or side by side are found", () => {
    expect(findOrSpellingClash({ a: { $or: [{ b: [1] }, { c: [2] }], "~or": [{ d: [1] }, { e: [2] }] } })).toBe(
      "triggerPattern.a",
    );
    expect(findOrSpellingClash({ $or: [{ b: [1] }, { c: [2] }] })).toBeNull();
  });
});
