import { describe, expect, test } from "vitest";
import {
  CONVEX_VALUE_LIMITS,
  fieldNameProblem,
  findUnstorable,
} from "./storable.js";

/** An object nesting `levels` levels deep: deepObject(1) = { a: 1 }. */
function deepObject(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** An array nesting `levels` levels deep: deepArray(1) = [1]. */
function deepArray(levels: number): unknown[] {
  let value: unknown[] = [1];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

describe("findUnstorable", () => {
  test("accepts every kind of Convex value", () => {
    const values: unknown[] = [
      null,
      undefined,
      "text",
      "",
      0,
      -1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      true,
      false,
      123n,
      new ArrayBuffer(8),
      [],
      {},
      Object.create(null),
      { a: [1, "b", { c: null }], d: { e: true } },
    ];
    for (const value of values) {
      expect(findUnstorable(value, { path: "v" })).toBeNull();
    }
  });

  test("refuses functions and symbols, naming the path", () => {
    expect(findUnstorable(() => 1, { path: "cfg" })).toEqual({
      path: "cfg",
      message: "has a function, which Convex cannot store",
    });
    expect(findUnstorable({ a: [1, { fn() {} }] }, { path: "cfg" })).toEqual({
      path: "cfg.a[1].fn",
      message: "has a function, which Convex cannot store",
    });
    const problem = findUnstorable({ s: Symbol("x") }, { path: "cfg" });
    expect(problem?.path).toBe("cfg.s");
    expect(problem?.message).toContain("symbol");
  });

  test("refuses objects that are not plain", () => {
    class Thing {
      x = 1;
    }
    for (const value of [new Date(0), new Map(), new Set(), new Thing(), /re/]) {
      expect(findUnstorable({ inner: value }, { path: "cfg" })).toEqual({
        path: "cfg.inner",
        message: "is not a plain object",
      });
    }
  });

  test("allows 16 levels of objects and refuses 17", () => {
    expect(CONVEX_VALUE_LIMITS.maxDepth).toBe(16);
    expect(findUnstorable(deepObject(16), { path: "v" })).toBeNull();
    const problem = findUnstorable(deepObject(17), { path: "v" });
    expect(problem?.message).toContain("16 levels");
    // The 17th level is the innermost object.
    expect(problem?.path).toBe(`v${".a".repeat(16)}`);
  });

  test("counts arrays as levels too", () => {
    expect(findUnstorable(deepArray(16), { path: "v" })).toBeNull();
    const problem = findUnstorable(deepArray(17), { path: "v" });
    expect(problem?.path).toBe(`v${"[0]".repeat(16)}`);
    expect(problem?.message).toContain("nests deeper");
  });

  test("leaves do not count as a level", () => {
    // 16 levels of objects whose innermost field is a string, number or bytes.
    let value: Record<string, unknown> = {
      leaf: "x",
      n: 1,
      b: true,
      big: 1n,
      nothing: null,
      bytes: new ArrayBuffer(4),
    };
    for (let i = 1; i < 16; i++) value = { a: value };
    expect(findUnstorable(value, { path: "v" })).toBeNull();
    for (const leaf of ["x", 1, new ArrayBuffer(1)]) {
      expect(findUnstorable(leaf, { path: "v", depthOffset: 16 })).toBeNull();
    }
  });

  test("depthOffset counts the levels above the value", () => {
    expect(findUnstorable(deepObject(15), { path: "v", depthOffset: 1 })).toBeNull();
    expect(findUnstorable(deepObject(16), { path: "v", depthOffset: 1 })).not.toBeNull();
    expect(findUnstorable(deepObject(13), { path: "v", depthOffset: 3 })).toBeNull();
    expect(findUnstorable(deepObject(14), { path: "v", depthOffset: 3 })).not.toBeNull();
    // A scalar never breaks the depth rule, whatever the offset.
    expect(findUnstorable("x", { path: "v", depthOffset: 16 })).toBeNull();
    // An empty object at level 17 does.
    expect(findUnstorable({}, { path: "v", depthOffset: 16 })).toEqual({
      path: "v",
      message: "nests deeper than Convex's 16 levels",
    });
  });

  test("allows arrays of 8192 items and refuses 8193", () => {
    expect(CONVEX_VALUE_LIMITS.maxArrayLength).toBe(8192);
    expect(findUnstorable(new Array(8192).fill(0), { path: "list" })).toBeNull();
    const problem = findUnstorable({ list: new Array(8193).fill(0) }, { path: "cfg" });
    expect(problem?.path).toBe("cfg.list");
    expect(problem?.message).toContain("8193 items");
    expect(problem?.message).toContain("8192");
  });

  test("allows objects of 1024 fields and refuses 1025", () => {
    const wide = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    expect(findUnstorable(wide(1024), { path: "cfg" })).toBeNull();
    const problem = findUnstorable({ inner: wide(1025) }, { path: "cfg" });
    expect(problem?.path).toBe("cfg.inner");
    expect(problem?.message).toContain("1025 fields");
    expect(problem?.message).toContain("1024");
  });

  test("refuses field names Convex refuses, naming the object", () => {
    for (const [name, fragment] of [
      ["$op", 'starts with "$"'],
      ["_id", 'starts with "_"'],
      ["", "must not be empty"],
      ["héllo", "non-ASCII"],
      ["tab\there", "control"],
    ] as const) {
      const problem = findUnstorable({ outer: { [name]: 1 } }, { path: "cfg" });
      expect(problem?.path).toBe("cfg.outer");
      expect(problem?.message).toContain(fragment);
    }
  });

  test("refuses values over 1 MiB after the structural checks pass", () => {
    const limit = CONVEX_VALUE_LIMITS.maxSizeBytes;
    expect(limit).toBe(1024 * 1024);
    // An object { s: "..." } costs 1 + (1 + 1) + (2 + length) + 1 bytes.
    const overhead = 6;
    expect(findUnstorable({ s: "x".repeat(limit - overhead) }, { path: "cfg" })).toBeNull();
    const problem = findUnstorable({ s: "x".repeat(limit - overhead + 1) }, { path: "cfg" });
    expect(problem).toEqual({
      path: "cfg",
      message: `is ${limit + 1} bytes, over Convex's limit of ${limit} bytes`,
    });
    // A structural problem is reported before the size.
    const both = findUnstorable({ s: "x".repeat(limit), _bad: 1 }, { path: "cfg" });
    expect(both?.message).toContain('"_bad"');
  });

  test("reports the first problem in field order", () => {
    const problem = findUnstorable({ a: { ok: 1 }, b: [0, { _x: 1 }], c: () => 1 }, { path: "p" });
    expect(problem?.path).toBe("p.b[1]");
    expect(problem?.message).toContain("_x");
  });
});

describe("fieldNameProblem", () => {
  test("accepts printable ASCII names", () => {
    for (const name of ["a", "A1", "with space", "kebab-case", "dot.ted", "~tilde", "a$", "a_"]) {
      expect(fieldNameProblem(name)).toBeNull();
    }
  });

  test("refuses empty, $-, _-prefixed, non-ASCII and control-character names", () => {
    expect(fieldNameProblem("")).toBe("field names must not be empty");
    expect(fieldNameProblem("$set")).toBe('field name "$set" starts with "$"');
    expect(fieldNameProblem("_creationTime")).toBe(
      'field name "_creationTime" starts with "_"',
    );
    for (const name of ["naïve", "日本", "emoji😀", "new\nline", "del\x7f", "nul\0"]) {
      expect(fieldNameProblem(name)).toContain("non-ASCII or control characters");
    }
  });

  test("shortens long names in the message", () => {
    const name = `${"x".repeat(50)}é`;
    const message = fieldNameProblem(name);
    expect(message).toContain(`"${"x".repeat(40)}..."`);
    expect(message).not.toContain("é");
  });
});
