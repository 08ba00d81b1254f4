import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { convexToJson, type Value } from "convex/values";
import { sameValue } from "./sameValue.js";

const bytes = (...values: number[]) => new Uint8Array(values).buffer;

describe("sameValue", () => {
  test("tells apart what Convex stores apart", () => {
    expect(sameValue(NaN, NaN)).toBe(true);
    expect(sameValue(0, -0)).toBe(false);
    expect(sameValue(1n, 1)).toBe(false);
    expect(sameValue(1n, 1n)).toBe(true);
    expect(sameValue("1", 1)).toBe(false);
    expect(sameValue(null, undefined)).toBe(false);
    expect(sameValue([1, 2], [1, 2])).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
    expect(sameValue([1], { 0: 1 })).toBe(false);
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(sameValue(bytes(1, 2), bytes(1, 2))).toBe(true);
    expect(sameValue(bytes(1, 2), bytes(1, 3))).toBe(false);
    expect(sameValue(bytes(1), [1])).toBe(false);
  });

  test("agrees with comparing the JSON of the values", () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.integer({ min: -3, max: 3 }),
        fc.constantFrom(NaN, -0, 0.5),
        fc.bigInt({ min: -2n, max: 2n }),
        fc.constantFrom("a", "b", ""),
        fc.boolean(),
        fc.constant(null),
      ),
      node: fc.oneof(
        { depthSize: "small" },
        tie("leaf"),
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom("x", "y", "z"), tie("node"), { maxKeys: 3 }),
      ),
    })).node;
    const key = (v: unknown) => {
      const sort = (x: unknown): unknown =>
        Array.isArray(x)
          ? x.map(sort)
          : typeof x === "object" && x !== null
            ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, y]) => [k, sort(y)]))
            : x;
      return JSON.stringify(sort(convexToJson(v as Value)));
    };
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameValue(a, b)).toBe(key(a) === key(b));
        expect(sameValue(a, structuredClone(a))).toBe(true);
      }),
    );
  });
});
