import { getConvexSize } from "convex/values";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { checkStoredDocument, formatViolations } from "./storageRules.js";
import { findUnstorable } from "./storable.js";

const doc = (fields: Record<string, unknown>) => ({ _id: "abc", _creationTime: 1, ...fields });

/** `levels` nested objects around a leaf: `nest(2)` is `{ a: { a: "leaf" } }`. */
function nest(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe("checkStoredDocument", () => {
  test("a document within every limit has no violation, system fields included", () => {
    expect(
      checkStoredDocument(
        doc({ name: "x", n: 1.5, big: 5n, ok: true, none: null, bytes: new ArrayBuffer(4), list: [1, "a", { b: 2 }] }),
      ),
    ).toEqual([]);
  });

  test("lists every violation with its path and rule, not only the first", () => {
    const violations = checkStoredDocument(
      doc({
        event: { $type: 1, _id: "x", "": 2, "é": 3, ok: { "a b": 1 } },
        list: [{ _creationTime: 1 }],
      }),
    );
    expect(violations.map((v) => [v.path, v.rule])).toEqual([
      ["event", "field-name"],
      ["event", "field-name"],
      ["event", "field-name"],
      ["event", "field-name"],
      ["list[0]", "field-name"],
    ]);
    expect(violations.map((v) => v.message)).toEqual([
      'field name "$type" starts with "$"',
      'field name "_id" starts with "_"',
      "field names must not be empty",
      'field name "é" has non-ASCII or control characters',
      'field name "_creationTime" starts with "_"',
    ]);
  });

  test("system field names are accepted at the top level only", () => {
    expect(checkStoredDocument({ _id: "a", _creationTime: 2 })).toEqual([]);
    expect(checkStoredDocument({ _other: 1 })).toEqual([
      { path: "", rule: "field-name", message: 'field name "_other" starts with "_"' },
    ]);
    expect(checkStoredDocument(doc({ inner: { _id: "x" } }))[0]).toMatchObject({ path: "inner", rule: "field-name" });
  });

  test("nesting: the document is level 1, 16 levels pass, 17 fail", () => {
    expect(checkStoredDocument(doc({ v: nest(15) }))).toEqual([]);
    const violations = checkStoredDocument(doc({ v: nest(16) }));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ rule: "depth", path: `v${".a".repeat(15)}` });
    let arrays: unknown = 1;
    for (let i = 0; i < 16; i++) arrays = [arrays];
    expect(checkStoredDocument(doc({ v: arrays }))[0]).toMatchObject({ rule: "depth" });
  });

  test("array length, object width and document size", () => {
    expect(checkStoredDocument(doc({ a: new Array(8192).fill(0) }))).toEqual([]);
    expect(checkStoredDocument(doc({ a: new Array(8193).fill(0) }))).toEqual([
      { path: "a", rule: "array-length", message: "array has 8193 items, over Convex's 8192" },
    ]);
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    expect(checkStoredDocument(doc({ o: wide(1024) }))).toEqual([]);
    expect(checkStoredDocument(doc({ o: wide(1025) }))[0]).toMatchObject({ path: "o", rule: "object-fields" });
    const big = doc({ s: "x".repeat(1024 * 1024) });
    expect(getConvexSize(big)).toBeGreaterThan(1024 * 1024);
    expect(checkStoredDocument(big)).toEqual([
      { path: "", rule: "size", message: expect.stringMatching(/^document is \d+ bytes, over Convex's limit of 1048576 bytes$/) },
    ]);
  });

  test("other values a deployment refuses", () => {
    const violations = checkStoredDocument(
      doc({
        s: "a\uD800b",
        i: 2n ** 63n,
        u: [1, undefined],
        f: () => 1,
        d: new Date(0),
        long: { ["k".repeat(1025)]: 1 },
      }),
    );
    expect(violations.map((v) => `${v.path} ${v.rule}`)).toEqual([
      "s string",
      "i int64",
      "u[1] value-type",
      "f value-type",
      "d value-type",
      "long field-name",
    ]);
  });

  test("agrees with findUnstorable on the rules both check", () => {
    const key = fc.oneof(fc.constantFrom("a", "b", "$x", "_y", "", "é", "ok"), fc.string({ maxLength: 3 }));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)),
        fc.array(tie("tree"), { maxLength: 3 }),
        fc.dictionary(key, tie("tree"), { maxKeys: 3 }),
      ),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 4 }), (fields) => {
        const inner = findUnstorable(fields, { path: "doc" }) === null;
        expect(checkStoredDocument(fields).length === 0).toBe(inner);
      }),
    );
  });

  test("formatViolations prints one line per violation", () => {
    expect(
      formatViolations([
        { table: "rules", id: "r1", violation: { path: "", rule: "size", message: "too big" } },
        { table: "logs", id: "l1", violation: { path: "data.x", rule: "depth", message: "deep" } },
      ]),
    ).toBe("rules r1 (document): size: too big\nlogs l1 data.x: depth: deep");
  });
});
