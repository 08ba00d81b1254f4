import fc from "fast-check";
import { getConvexSize, type Value } from "convex/values";
import { describe, expect, test } from "vitest";
import { nestedValueArb } from "../testing/jsonArbitrary.js";
import { convexSize, utf8Length } from "./convexSize.js";
import type { StorableValue } from "./storableValue.js";

/** Strings of every kind of code unit: ASCII, 2- and 3-byte, pairs, lone surrogates. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  // Around the 500-unit threshold where Convex switches to TextEncoder.
  fc.string({ unit: "binary", minLength: 495, maxLength: 510 }),
);

const scalar: fc.Arbitrary<StorableValue | undefined> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.bigInt(),
  anyString,
  fc.uint8Array({ maxLength: 20 }).map((bytes) => bytes.slice().buffer),
  fc.constant(undefined),
);

function objectArb(depth: number): fc.Arbitrary<unknown> {
  return fc.dictionary(anyString, nestedValueArb(depth, scalar, objectArb, weights), { maxKeys: 4 });
}
const weights = { scalar: 3, object: 2, array: 2 };
const valueArb = nestedValueArb(4, scalar, objectArb, weights) as fc.Arbitrary<StorableValue>;

describe("convexSize", () => {
  test("equals getConvexSize on arbitrary values", () => {
    fc.assert(
      fc.property(valueArb, (value) => {
        expect(convexSize(value)).toBe(getConvexSize(value as Value));
      }),
      { numRuns: 2000 },
    );
  });

  test.each<[string, StorableValue | undefined]>([
    ["undefined", undefined],
    ["null", null],
    ["false", false],
    ["zero", 0],
    ["-0", -0],
    ["NaN", NaN],
    ["Infinity", -Infinity],
    ["a bigint", 2n ** 63n - 1n],
    ["a negative bigint", -(2n ** 63n)],
    ["an empty string", ""],
    ["unicode", "héllo wörld ✓ 𝄞 😀"],
    ["a lone high surrogate", "a\ud800b"],
    ["a lone low surrogate", "a\udc00b"],
    ["a trailing high surrogate", "ab\ud83d"],
    ["a long string with a lone surrogate", "x".repeat(600) + "\ud800"],
    ["a long unicode string", "😀".repeat(300)],
    ["an empty ArrayBuffer", new ArrayBuffer(0)],
    ["an ArrayBuffer", new Uint8Array([1, 2, 3, 4, 5]).buffer],
    ["an empty array", []],
    ["an empty object", {}],
    ["undefined fields", { a: undefined, b: 1 }],
    ["unicode field names", { "ключ": "значение", "😀": [1n, null] }],
    ["nested", { a: [{ b: [[{ c: "d" }]], e: new ArrayBuffer(3) }], f: { g: { h: true } } }],
    ["a null-prototype object", Object.assign(Object.create(null) as Record<string, StorableValue>, { a: 1 })],
  ])("%s", (_name, value) => {
    expect(convexSize(value)).toBe(getConvexSize(value as Value));
  });

  test("rejects what Convex cannot store, as getConvexSize does", () => {
    for (const value of [new Date(0), new Map(), Symbol("s"), () => 1]) {
      expect(() => getConvexSize(value as unknown as Value)).toThrow("Unsupported value type");
      expect(() => convexSize(value as unknown as StorableValue)).toThrow("Unsupported value type");
    }
  });

  test("utf8Length agrees with TextEncoder on well-formed text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 700 }), (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
    );
  });
});
