import { getConvexSize, type Value } from "convex/values";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  DEFAULT_SANITIZE_MAX_BYTES,
  sanitizeForStorage,
  type SanitizeOptions,
  type SanitizeResult,
} from "./sanitize.js";
import { findUnstorable } from "./storable.js";
import { checkStoredDocument } from "./storageRules.js";

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Rules findUnstorable does not check but Convex enforces: well-formed
 * unicode, bigints within 64 bits, no undefined inside arrays, field names
 * of at most 1,024 characters (convexToJson).
 */
function extraProblem(value: unknown, path = "x"): string | null {
  if (typeof value === "string") {
    return LONE_SURROGATE.test(value) ? `${path} has an unpaired surrogate` : null;
  }
  if (typeof value === "bigint") {
    return value < -(2n ** 63n) || value >= 2n ** 63n ? `${path} is out of int64 range` : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (value[i] === undefined) return `${path}[${i}] is undefined`;
      const p = extraProblem(value[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.length > 1024) return `${path} has a field name over 1024 characters`;
      if (LONE_SURROGATE.test(k)) return `${path} has a key with an unpaired surrogate`;
      const p = extraProblem(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

/** Sanitizes and asserts the result can be stored under the given options. */
function sanitize(value: unknown, options: SanitizeOptions = {}): SanitizeResult {
  return expectStorable(sanitizeForStorage(value, options), options);
}

function expectStorable(result: SanitizeResult, options: SanitizeOptions = {}): SanitizeResult {
  const depthOffset = options.depthOffset ?? 0;
  const maxBytes = options.maxBytes ?? DEFAULT_SANITIZE_MAX_BYTES;
  expect(findUnstorable(result.value, { path: "x", depthOffset })).toBeNull();
  expect(extraProblem(result.value)).toBeNull();
  expect(getConvexSize(result.value)).toBeLessThanOrEqual(maxBytes);
  expect(result.sanitized).toBe(result.notes.length > 0);
  expect(result.notes.length).toBeLessThanOrEqual(20);
  for (const note of result.notes) expect(LONE_SURROGATE.test(note)).toBe(false);
  return result;
}

function nest(levels: number, leaf: unknown = "leaf"): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** Levels of objects/arrays in `value`, counting the value itself. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, c) => Math.max(max, depthOf(c)), 0);
}

describe("sanitizeForStorage: storable values pass through", () => {
  test.each([
    ["null", null],
    ["string", "text"],
    ["empty string", ""],
    ["unicode", "héllo 😀 中文"],
    ["number", 1.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["-0", -0],
    ["boolean", true],
    ["bigint", 123n],
    ["int64 bounds", [-(2n ** 63n), 2n ** 63n - 1n]],
    ["bytes", new ArrayBuffer(4)],
    ["object", { a: [1, "b", { c: null }], d: { e: true }, "%x y": 1, "a:b": 2 }],
    ["null-prototype object", Object.assign(Object.create(null), { a: 1 })],
    ["16 levels", nest(16)],
  ])("%s comes back as the same value, unsanitized", (_name, value) => {
    const result = sanitize(value);
    expect(result).toEqual({ value, sanitized: false, notes: [] });
    expect(Object.is(result.value, value)).toBe(true);
  });

  test("undefined object fields are fine as they are", () => {
    const value = { a: 1, b: undefined };
    const result = sanitize(value);
    expect(result.sanitized).toBe(false);
    expect(result.value).toBe(value);
  });

  test("a large valid payload is returned without copying", () => {
    const value = Array.from({ length: 8192 }, (_, i) => ({ id: i, name: `item ${i}` }));
    const result = sanitize(value, { maxBytes: 1024 * 1024 });
    expect(result.value).toBe(value);
    expect(result.sanitized).toBe(false);
  });

  test("the input is never mutated", () => {
    const value = {
      _id: "1",
      list: [undefined, 1, () => 1],
      deep: nest(20),
      big: "x".repeat(3000),
      nested: { $type: "a", keep: { fine: true } },
    };
    const before = { ...value, list: [...value.list], nested: structuredClone(value.nested) };
    const result = sanitize(value);
    expect(value).toEqual(before);
    expect((result.value as any).nested.keep).toBe(value.nested.keep);
  });
});

describe("sanitizeForStorage: field names", () => {
  test("$type, _id, empty and non-ASCII names are renamed", () => {
    const result = sanitize({
      $type: "a",
      _id: "b",
      "": "c",
      é: "d",
      "tab\there": "e",
      "del\x7f": "f",
      "50%é": "g",
      ok: "h",
    });
    expect(result.value).toEqual({
      "x:$type": "a",
      "x:_id": "b",
      "x:": "c",
      "x:%C3%A9": "d",
      "x:tab%09here": "e",
      "x:del%7F": "f",
      "x:50%25%C3%A9": "g",
      ok: "h",
    });
    expect(result.sanitized).toBe(true);
    expect(result.notes).toContain('renamed field "_id" to "x:_id"');
  });

  test("renamed fields keep their position", () => {
    const result = sanitize({ a: 1, _b: 2, c: 3 });
    expect(Object.keys(result.value as object)).toEqual(["a", "x:_b", "c"]);
  });

  test("a renamed field never overwrites another field", () => {
    const result = sanitize({ "x:_id": "existing", _id: "renamed", "x:_id~2": "also" });
    expect(result.value).toEqual({ "x:_id": "existing", "x:_id~3": "renamed", "x:_id~2": "also" });
  });

  test("names that encode alike get numeric suffixes", () => {
    const result = sanitize({ "\ud800": 1, "\udc00": 2, "\ufffd": 3 });
    expect(result.value).toEqual({
      "x:%EF%BF%BD": 1,
      "x:%EF%BF%BD~2": 2,
      "x:%EF%BF%BD~3": 3,
    });
  });

  test("field names over 1,024 characters are shortened, still distinct", () => {
    const long = "k".repeat(1025);
    const longer = "k".repeat(5000);
    const result = sanitize({ [long]: 1, [longer]: 2, ["é".repeat(600)]: 3, ["k".repeat(1024)]: 4 });
    const keys = Object.keys(result.value as object);
    expect(keys).toHaveLength(4);
    expect(keys[0]).toBe(`x:${"k".repeat(998)}...`);
    expect(keys[1]).toBe(`x:${"k".repeat(998)}...~2`);
    expect(keys[2]).toMatch(/^x:(%C3%A9)+\.\.\.$/);
    expect(keys[3]).toBe("k".repeat(1024));
    expect(Object.values(result.value as object)).toEqual([1, 2, 3, 4]);
  });

  test("undefined fields with refused names are dropped", () => {
    const result = sanitize({ "": undefined, _a: undefined, b: 1 });
    expect(result.value).toEqual({ b: 1 });
    expect(Object.keys(result.value as object)).toEqual(["b"]);
  });

  test("nested renames are located in the notes", () => {
    const result = sanitize({ user: { profile: [{ _id: 1 }] } });
    expect(result.value).toEqual({ user: { profile: [{ "x:_id": 1 }] } });
    expect(result.notes).toEqual(['renamed field "_id" to "x:_id" at user.profile[0]']);
  });

  test("an own __proto__ key (from JSON.parse) is renamed, never used as a prototype", () => {
    const input = JSON.parse(
      '{"__proto__": {"polluted": true}, "a": {"__proto__": {"isAdmin": true}}, "constructor": {"prototype": 1}}',
    );
    const result = sanitize(input);
    const out = result.value as Record<string, any>;
    expect(out).toEqual({
      "x:__proto__": { polluted: true },
      a: { "x:__proto__": { isAdmin: true } },
      constructor: { prototype: 1 },
    });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(out.a)).toBe(Object.prototype);
    expect(out.polluted).toBeUndefined();
    expect(({} as any).polluted).toBeUndefined();
    expect(({} as any).isAdmin).toBeUndefined();
  });
});

describe("sanitizeForStorage: shape limits", () => {
  test("20 levels of nesting are cut at 16", () => {
    const result = sanitize(nest(20));
    expect(depthOf(result.value)).toBe(16);
    let inner: any = result.value;
    for (let i = 0; i < 16; i++) inner = inner.a;
    expect(inner).toBe("[truncated: nested deeper than 16 levels]");
    expect(result.notes).toEqual([
      `cut an object nested deeper than 16 levels at ${Array(16).fill("a").join(".")}`,
    ]);
  });

  test.each([0, 1, 3, 10, 15, 16, 20])("depthOffset %i leaves room for the levels above", (depthOffset) => {
    const result = sanitize(nest(20), { depthOffset });
    expect(depthOf(result.value)).toBe(Math.max(0, 16 - depthOffset));
    if (depthOffset >= 16) {
      expect(result.value).toBe("[truncated: nested deeper than 0 levels]");
    }
  });

  test("deep arrays are cut too", () => {
    let value: unknown = [1];
    for (let i = 0; i < 30; i++) value = [value];
    const result = sanitize(value, { depthOffset: 2 });
    expect(depthOf(result.value)).toBe(14);
    expect(result.notes[0]).toMatch(/^cut an array nested deeper than 14 levels/);
  });

  test("a 100,000-level payload is handled without recursing through it", () => {
    const value = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(depthOf(sanitize(value).value)).toBe(16);
  });

  test("arrays of 10,000 items keep the first 8,192", () => {
    const value = Array.from({ length: 10_000 }, (_, i) => i);
    const result = sanitize(value);
    expect(result.value).toEqual(value.slice(0, 8192));
    expect(result.notes).toEqual(["kept the first 8192 of 10000 items"]);
    expect(value).toHaveLength(10_000);
  });

  test("objects over 1,024 fields keep the first 1,024", () => {
    const value = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i]));
    const result = sanitize({ wide: value });
    const wide = (result.value as any).wide;
    expect(Object.keys(wide)).toHaveLength(1024);
    expect(wide.k1023).toBe(1023);
    expect(wide.k1024).toBeUndefined();
    expect(result.notes).toEqual(["kept the first 1024 of 1500 fields at wide"]);
  });

  test("exactly 8,192 items and 1,024 fields are fine", () => {
    const value = {
      list: Array.from({ length: 8192 }, () => 0),
      wide: Object.fromEntries(Array.from({ length: 1024 }, (_, i) => [`k${i}`, i])),
    };
    expect(sanitize(value, { maxBytes: 1024 * 1024 }).sanitized).toBe(false);
  });
});

describe("sanitizeForStorage: values", () => {
  test("NaN, Infinity, -0 and bigints are kept", () => {
    const value = { nan: Number.NaN, inf: Infinity, ninf: -Infinity, zero: -0, big: 2n ** 60n };
    const result = sanitize(value);
    expect(result.value).toBe(value);
    expect(Object.is((result.value as any).zero, -0)).toBe(true);
  });

  test("bigints outside 64 bits become strings", () => {
    const result = sanitize({ huge: 2n ** 64n, small: -(2n ** 63n) - 1n });
    expect(result.value).toEqual({
      huge: "18446744073709551616",
      small: "-9223372036854775809",
    });
  });

  test("undefined in arrays becomes null, functions and symbols are dropped", () => {
    // eslint-disable-next-line no-sparse-arrays
    const list = [undefined, 1, () => 2, Symbol("s"), , "end"];
    const result = sanitize({ list, fn: () => 1, sym: Symbol("x"), keep: 1, gone: undefined });
    expect(result.value).toEqual({ list: [null, 1, null, null, null, "end"], keep: 1 });
    expect(Object.keys(result.value as object)).toEqual(["list", "keep"]);
    expect(result.notes).toContain('dropped field "fn" holding a function');
    expect(result.notes).toContain("replaced a function with null at list[2]");
  });

  test("undefined or a function at the top becomes null", () => {
    expect(sanitize(undefined)).toEqual({
      value: null,
      sanitized: true,
      notes: ["replaced undefined with null"],
    });
    expect(sanitize(() => 1).value).toBeNull();
  });

  test("non-plain objects become their JSON or String() form", () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
    }
    class Named {
      toString() {
        return "named!";
      }
    }
    const bytes = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    const result = sanitize({
      date: new Date(0),
      badDate: new Date(Number.NaN),
      map: new Map<unknown, unknown>([["a", 1], [2, { _b: 3 }]]),
      set: new Set([1, "two"]),
      point: new Point(1, 2),
      named: new Named(),
      error: new Error("boom"),
      regex: /a+/g,
      bytes,
      boxed: new String("s"),
    });
    const out = result.value as Record<string, unknown>;
    expect(out).toMatchObject({
      date: "1970-01-01T00:00:00.000Z",
      badDate: null,
      map: { a: 1, "2": { "x:_b": 3 } },
      set: [1, "two"],
      point: { x: 1, y: 2 },
      named: "named!",
      error: "Error: boom",
      regex: "/a+/g",
      boxed: "s",
    });
    expect(out.bytes).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(out.bytes as ArrayBuffer)]).toEqual([2, 3]);
    expect(result.notes).toContain("converted a Date to a string at date");
  });

  test("objects that throw when read become null or a message", () => {
    const throwing = {
      toJSON() {
        throw new Error("no");
      },
    };
    Object.setPrototypeOf(throwing, { custom: true });
    expect(sanitize({ t: throwing }).value).toEqual({ t: null });
    const keys = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("no keys");
        },
      },
    );
    expect(sanitize(keys).value).toBe("[unreadable value: no keys]");
  });

  test("a field or item whose getter throws becomes a message; the rest is kept", () => {
    const getter = Object.defineProperty({ before: 1 }, "bad", {
      enumerable: true,
      get() {
        throw new Error("trap");
      },
    });
    Object.assign(getter, { after: 2 });
    const list = new Proxy([1, 2, 3], {
      get(target, key, receiver) {
        if (key === "1") throw new TypeError("item 1 is gone");
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const result = sanitize({ boardId: "b1", getter, list });
    expect(result.value).toEqual({
      boardId: "b1",
      getter: { before: 1, bad: "[unreadable value: trap]", after: 2 },
      list: [1, "[unreadable value: item 1 is gone]", 3],
    });
    expect(result.notes).toEqual([
      "replaced a value that could not be read with a message at getter.bad",
      "replaced a value that could not be read with a message at list[1]",
    ]);
  });

  test("boxed primitives become the primitive", () => {
    const result = sanitize({
      n: new Number(5),
      b: new Boolean(false),
      big: Object(2n ** 70n) as object,
    });
    expect(result.value).toEqual({ n: 5, b: false, big: "1180591620717411303424" });
  });

  test("a toJSON that returns the object itself does not loop", () => {
    class Loop {
      toJSON() {
        return this;
      }
    }
    expect(sanitize({ l: new Loop() }).value).toEqual({ l: "[object Object]" });
  });

  test("unpaired surrogates become U+FFFD; pairs are kept", () => {
    const result = sanitize({ s: "a\ud800b", t: "\udfff", ok: "😀" });
    expect(result.value).toEqual({ s: "a\ufffdb", t: "\ufffd", ok: "😀" });
    expect(result.sanitized).toBe(true);
  });
});

/** An object whose fields are getters counting every read into `reads.count`. */
function counted(fields: Record<string, () => unknown>, reads: { count: number }): object {
  const out = {};
  for (const [name, get] of Object.entries(fields)) {
    Object.defineProperty(out, name, {
      enumerable: true,
      get() {
        reads.count++;
        return get();
      },
    });
  }
  return out;
}

describe("sanitizeForStorage: cycles and shared values", () => {
  test("a self reference becomes a marker; the other fields are kept", () => {
    const value: Record<string, unknown> = { name: "c", count: 2 };
    value.self = value;
    const result = sanitize(value);
    expect(result.value).toEqual({ name: "c", count: 2, self: "[cycle: refers back to the root]" });
    expect(result.notes).toEqual([
      "replaced a reference back to an enclosing value (a cycle) with a marker at self",
    ]);
    expect(value.self).toBe(value);
  });

  test("a mutual cycle is cut where it closes, naming the enclosing value", () => {
    const a: Record<string, unknown> = { name: "a" };
    const b: Record<string, unknown> = { name: "b", a };
    a.b = b;
    expect(sanitize({ id: 1, a }).value).toEqual({
      id: 1,
      a: { name: "a", b: { name: "b", a: "[cycle: refers back to a]" } },
    });
    // Entered from b, the same pair is cut at the other end.
    expect(sanitize(b).value).toEqual({
      name: "b",
      a: { name: "a", b: "[cycle: refers back to the root]" },
    });
  });

  test("cycles inside arrays: items pointing back at their parent, an array containing itself", () => {
    const board: Record<string, unknown> = { boardId: "b1" };
    board.items = [1, 2, 3].map((id) => ({ id, parent: board }));
    board.self = board;
    const list: unknown[] = ["first"];
    list.push(list, { up: list });
    const result = sanitize({ board, list });
    expect(result.value).toEqual({
      board: {
        boardId: "b1",
        items: [1, 2, 3].map((id) => ({ id, parent: "[cycle: refers back to board]" })),
        self: "[cycle: refers back to board]",
      },
      list: ["first", "[cycle: refers back to list]", { up: "[cycle: refers back to list]" }],
    });
    expect(result.notes).toContain(
      "replaced a reference back to an enclosing value (a cycle) with a marker at board.items[2].parent",
    );
    expect(result.notes).toContain(
      "replaced a reference back to an enclosing value (a cycle) with a marker at list[1]",
    );
  });

  test("the marker names the enclosing value by its stored (renamed) path", () => {
    const meta: Record<string, unknown> = { kind: "m" };
    meta.back = meta;
    expect(sanitize({ _meta: meta }).value).toEqual({
      "x:_meta": { kind: "m", back: '[cycle: refers back to ["x:_meta"]]' },
    });
  });

  test("cycles through Maps and class instances are cut too", () => {
    const map = new Map<string, unknown>([["name", "m"]]);
    map.set("self", map);
    class Node {
      name = "n";
      me: Node = this;
    }
    expect(sanitize({ map, node: new Node() }).value).toEqual({
      map: { name: "m", self: "[cycle: refers back to map]" },
      node: { name: "n", me: "[cycle: refers back to node]" },
    });
  });

  test("a toJSON that returns a fresh object holding itself is cut at the first repeat", () => {
    class Fresh {
      toJSON() {
        return { again: this };
      }
    }
    expect(sanitize(new Fresh()).value).toEqual({ again: "[cycle: refers back to the root]" });
  });

  test("an object reached twice without a cycle is kept both times, as it is", () => {
    const shared = { id: 7, tags: ["a"] };
    const value = { first: shared, second: shared, list: [shared, { deeper: shared }] };
    const result = sanitize(value);
    expect(result).toEqual({ value, sanitized: false, notes: [] });
    expect(result.value).toBe(value);
  });

  test("a shared object that needs changes is changed the same way everywhere", () => {
    const shared = { _id: 1 };
    expect(sanitize({ a: shared, b: [shared] }).value).toEqual({
      a: { "x:_id": 1 },
      b: [{ "x:_id": 1 }],
    });
  });

  test("a diamond doubling at each of 60 levels stops once the byte budget is spent", () => {
    const reads = { count: 0 };
    let node: unknown = "leaf";
    for (let i = 0; i < 60; i++) {
      const next = node;
      node = counted({ left: () => next, right: () => next }, reads);
    }
    const maxBytes = 4096;
    const result = sanitizeForStorage(node, { maxBytes });
    // Each field read adds at least 4 bytes (a name and a value): reading
    // stops just past the budget. Without the bound, the 16 levels kept
    // would mean 2^17 reads.
    expect(reads.count).toBeLessThan(maxBytes / 2);
    expectStorable(result, { maxBytes });
    expect(result.notes).toContainEqual(
      expect.stringMatching(/^stopped reading: over 4096 bytes even with every string shortened at (left|right)/),
    );
    expect(result.value).toMatchObject({ truncated: true });
  });

  test("a diamond of 60 levels, each node listing the next 8 times, is bounded by the default budget", () => {
    const reads = { count: 0 };
    let node: unknown = 1;
    for (let i = 0; i < 60; i++) {
      const next = node;
      node = counted(Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`n${k}`, () => next])), reads);
    }
    const result = sanitizeForStorage(node);
    // 8^16 reads without the bound.
    expect(reads.count).toBeLessThan(DEFAULT_SANITIZE_MAX_BYTES / 2);
    expectStorable(result);
  });

  test("one long string shared by many objects is not read past 16 times the budget", () => {
    const reads = { count: 0 };
    const text = "x".repeat(100_000);
    const items = Array.from({ length: 100 }, (_, i) => counted({ text: () => text, n: () => i }, reads));
    const result = sanitizeForStorage({ items }, { maxBytes: 100_000 });
    // The 16th text passes 1.6 MB. The walk reads each field once, and
    // shortening the strings reads the kept ones twice more (they are kept
    // as they are, getters included).
    expect(reads.count).toBeLessThanOrEqual(3 * 2 * 16);
    expectStorable(result, { maxBytes: 100_000 });
    expect(result.notes[0]).toBe("stopped reading after 1600000 bytes at items[15]");
    const kept = (result.value as { items: { text: string; n?: number }[] }).items;
    expect(kept).toHaveLength(16);
    expect(kept[14]).toMatchObject({ n: 14, text: expect.stringMatching(/^x+\.\.\.\[truncated \d+ chars\]$/) });
    expect(kept[15]).not.toHaveProperty("n");
  });

  test("a 10,000-deep linked chain is cut at 16 levels without recursing through it", () => {
    const head: Record<string, unknown> = { value: 0 };
    let tail = head;
    for (let i = 1; i < 10_000; i++) {
      const next = { value: i };
      tail.next = next;
      tail = next;
    }
    const chain = sanitize(head);
    expect(depthOf(chain.value)).toBe(16);
    expect(chain.notes).toEqual([expect.stringMatching(/^cut an object nested deeper than 16 levels at next/)]);
    // Closed into a ring, the cycle lies beyond the depth kept: the same cut.
    tail.next = head;
    expect(sanitize(head).value).toEqual(chain.value);
  });
});

describe("sanitizeForStorage: size", () => {
  test("a 2 MB string is shortened, keeping its start", () => {
    const big = "abc".repeat(700_000);
    const result = sanitize({ body: big, id: 7 });
    const body = (result.value as any).body as string;
    expect(big.startsWith(body.slice(0, body.indexOf("...[truncated")))).toBe(true);
    expect(body).toMatch(/\.\.\.\[truncated \d+ chars\]$/);
    expect(body.length).toBeGreaterThan(200_000);
    expect((result.value as any).id).toBe(7);
    expect(result.notes).toEqual([
      "shortened 1 long string to " + /to (\d+) characters/.exec(result.notes[0])![1] +
        " characters to fit in 262144 bytes",
    ]);
  });

  test("fields after a string 30 times the budget are still read and kept", () => {
    const result = sanitize({ blob: "x".repeat(2 * 1024 * 1024), deep: nest(3), id: 7 }, { maxBytes: 64 * 1024 });
    expect(result.value).toMatchObject({ deep: nest(3), id: 7 });
    expect((result.value as { blob: string }).blob).toMatch(/^x+\.\.\.\[truncated \d+ chars\]$/);
    expect(result.notes).toHaveLength(1);
  });

  test("the longest strings are shortened first", () => {
    const result = sanitize(
      { long: "L".repeat(5000), medium: "M".repeat(800), short: "S".repeat(100) },
      { maxBytes: 3000 },
    );
    const out = result.value as Record<string, string>;
    expect(out.short).toBe("S".repeat(100));
    expect(out.long).toMatch(/^L+\.\.\.\[truncated \d+ chars\]$/);
    expect(out.long.length).toBeLessThan(5000);
    expect(getConvexSize(out)).toBeGreaterThan(2900);
  });

  test("a string that exactly fits is kept; one more byte and it is shortened", () => {
    const fits = "a".repeat(998); // 2 + 998 bytes
    expect(sanitize(fits, { maxBytes: 1000 }).value).toBe(fits);
    const over = sanitize(`${fits}a`, { maxBytes: 1000 });
    expect(over.value).not.toBe(`${fits}a`);
    expect(over.sanitized).toBe(true);
  });

  test("multi-byte text and surrogate pairs are never split", () => {
    const result = sanitize("😀".repeat(10_000), { maxBytes: 1000 });
    const text = result.value as string;
    expect(text).toMatch(/^(😀)+\.\.\.\[truncated \d+ chars\]$/u);
  });

  test("too big even with short strings: a preview replaces the value", () => {
    const value = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`${"k".repeat(300)}${i}`, i]),
    );
    const result = sanitize(value);
    const out = result.value as { truncated: boolean; preview: string; originalBytes: number };
    expect(out.truncated).toBe(true);
    // Reading stopped once nothing could make the value fit: a lower bound.
    expect(out.originalBytes).toBeGreaterThan(DEFAULT_SANITIZE_MAX_BYTES);
    expect(out.originalBytes).toBeLessThan(getConvexSize(value));
    expect(out.preview.length).toBeLessThanOrEqual(1024);
    expect(out.preview.startsWith('{"kkkk')).toBe(true);
    expect(result.notes).toEqual([
      "stopped reading: over 262144 bytes even with every string shortened",
      `replaced the value (over ${out.originalBytes} bytes) with a preview: it does not fit in 262144 bytes`,
    ]);
  });

  test("tiny budgets still give a storable result", () => {
    for (const maxBytes of [1, 10, 40, 60, 100, 500]) {
      const result = sanitize({ a: "x".repeat(1000), b: Array(100).fill(1) }, { maxBytes });
      expect(getConvexSize(result.value)).toBeLessThanOrEqual(maxBytes);
    }
    const noLevels = sanitize({ a: "x".repeat(1000) }, { maxBytes: 100, depthOffset: 16 });
    expect(typeof noLevels.value).toBe("string");
  });

  test("maxBytes is capped at Convex's 1 MiB", () => {
    const result = sanitize("x".repeat(2 * 1024 * 1024), { maxBytes: 10 * 1024 * 1024 });
    expect(getConvexSize(result.value)).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe("sanitizeForStorage: notes", () => {
  test("at most 20 notes, the rest counted", () => {
    const value = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`_k${i}`, i]));
    const result = sanitize(value);
    expect(Object.keys(result.value as object)).toHaveLength(100);
    expect(result.notes).toHaveLength(19);
    expect(result.notes.at(-1)).toBe("and 82 more changes");
  });

  test("hostile names in notes are quoted and shortened", () => {
    const name = `_${"\n".repeat(100)}`;
    const result = sanitize({ [name]: 1 });
    expect(result.notes[0].length).toBeLessThan(300);
    expect(result.notes[0]).toContain("\\n");
  });
});

describe("sanitizeForStorage: properties", () => {
  const unicodeKey = fc.string({ unit: "binary", maxLength: 6 });
  const hostile = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ unit: "binary" }),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, undefined, null),
      fc.array(tie("value"), { maxLength: 5 }),
      fc.dictionary(unicodeKey, tie("value"), { maxKeys: 5 }),
    ),
  })).value;

  test("the result is always storable", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), hostile),
        fc.integer({ min: 0, max: 18 }),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 3000 })),
        (value, depthOffset, maxBytes) => {
          sanitize(value, { depthOffset, maxBytes });
        },
      ),
      { numRuns: 1500 },
    );
  });

  test("deep random values are always storable", () => {
    const deep = fc
      .tuple(fc.integer({ min: 10, max: 40 }), fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }))
      .map(([levels, kinds]) => {
        let value: unknown = "leaf";
        for (let i = 0; i < levels; i++) value = kinds[i] ? [value] : { "_k é": value };
        return value;
      });
    fc.assert(
      fc.property(deep, fc.integer({ min: 0, max: 16 }), (value, depthOffset) => {
        sanitize(value, { depthOffset });
      }),
    );
  });

  test("storable values come back as they are", () => {
    const key = fc.stringMatching(/^[A-Za-z0-9][\x20-\x7e]{0,8}$/);
    const storable = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string({ unit: "grapheme" }),
        fc.double(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 5 }),
        fc.dictionary(key, tie("value"), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.oneof(storable, fc.jsonValue()), (value) => {
        fc.pre(findUnstorable(value, { path: "x" }) === null && extraProblem(value) === null);
        const result = sanitize(value);
        expect(result.sanitized).toBe(false);
        expect(result.notes).toEqual([]);
        expect(result.value).toEqual(value);
        expect(Object.is(result.value, value)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  /** Object graphs of up to 6 nodes with random links: shared, back and self references. */
  const graph = fc
    .record({
      kinds: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
      links: fc.array(
        fc.record({
          from: fc.nat(5),
          to: fc.nat(5),
          name: fc.constantFrom("a", "b", "_id", "$ref", "", "é"),
        }),
        { maxLength: 12 },
      ),
      leaves: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 6 }),
    })
    .map(({ kinds, links, leaves }) => {
      const nodes: (unknown[] | Record<string, unknown>)[] = kinds.map((isArray) => (isArray ? [] : {}));
      const add = (node: unknown[] | Record<string, unknown>, name: string, item: unknown) => {
        if (Array.isArray(node)) node.push(item);
        else node[`${name}${Object.keys(node).length}`] = item;
      };
      leaves.forEach((leaf, i) => add(nodes[i % nodes.length], "leaf", leaf));
      let acyclic = true;
      for (const { from, to, name } of links) {
        const f = from % nodes.length;
        const t = to % nodes.length;
        if (t <= f) acyclic = false;
        add(nodes[f], name, nodes[t]);
      }
      return { root: nodes[0], acyclic };
    });

  test("object graphs with cycles and sharing always give a storable value", () => {
    fc.assert(
      fc.property(
        graph,
        fc.integer({ min: 0, max: 15 }),
        fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 3000 })),
        ({ root }, depthOffset, maxBytes) => {
          const result = expectStorable(sanitizeForStorage(root, { depthOffset, maxBytes }), {
            depthOffset,
            maxBytes,
          });
          // The storage checker of stored documents: the value one level down.
          const stored = sanitizeForStorage(root, { depthOffset: 1, maxBytes }).value;
          expect(checkStoredDocument({ data: stored })).toEqual([]);
          expect(sanitizeForStorage(result.value, { depthOffset, maxBytes }).sanitized).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("a graph without a cycle gets no cycle marker", () => {
    fc.assert(
      fc.property(graph, ({ root, acyclic }) => {
        fc.pre(acyclic);
        const json = JSON.stringify(sanitizeForStorage(root).value);
        expect(json).not.toContain("[cycle:");
      }),
      { numRuns: 500 },
    );
  });

  test("sanitizing twice changes nothing more", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const once = sanitizeForStorage(value).value;
        const twice = sanitizeForStorage(once);
        expect(twice.sanitized).toBe(false);
        expect(twice.value).toBe(once as Value);
      }),
      { numRuns: 500 },
    );
  });
});
