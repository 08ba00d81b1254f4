import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { isPlainObject } from "./conditions.js";
import { findPatternProblem } from "./pattern.js";
import { nestedValueArb } from "../testing/jsonArbitrary.js";
import {
  MAX_EVENT_ROUTE_KEYS,
  PATTERN_CACHE_LIMIT,
  chooseRoute,
  compilePattern,
  eventRouteKeys,
  matchPattern,
  routeKey,
} from "./patternMatch.js";

type Json = unknown;
type Obj = Record<string, unknown>;

/** Match through both the compiled and the cached path, which must agree. */
function matches(pattern: object, event: unknown): boolean {
  const compiled = compilePattern(pattern)(event);
  expect(matchPattern(pattern, event)).toBe(compiled);
  return compiled;
}

const statusChange = {
  event: {
    type: "update_column_value",
    boardId: 1771812698,
    pulseId: 42,
    columnId: "status",
    value: { label: { text: "Done", index: 1 } },
    previousValue: { label: { text: "Working on it", index: 0 } },
    tags: ["urgent", "backend"],
  },
};

describe("exact values", () => {
  test("monday.com status change", () => {
    const done = {
      event: {
        boardId: [1771812698],
        columnId: ["status"],
        value: { label: { text: ["Done"] } },
      },
    };
    expect(matches(done, statusChange)).toBe(true);
    expect(matches({ event: { value: { label: { text: ["Stuck"] } } } }, statusChange)).toBe(false);
    expect(matches({ event: { boardId: ["1771812698"] } }, statusChange)).toBe(false);
    expect(matches({ event: { boardId: [1, 1771812698] } }, statusChange)).toBe(true);
    // a field the event lacks
    expect(matches({ event: { groupId: ["topics"] } }, statusChange)).toBe(false);
    // a nested pattern where the event has a scalar
    expect(matches({ event: { columnId: { id: ["status"] } } }, statusChange)).toBe(false);
  });

  test("strict equality: numbers, strings, booleans, null", () => {
    expect(matches({ a: [5] }, { a: 5 })).toBe(true);
    expect(matches({ a: [5] }, { a: "5" })).toBe(false);
    expect(matches({ a: ["5"] }, { a: 5 })).toBe(false);
    expect(matches({ a: [true] }, { a: true })).toBe(true);
    expect(matches({ a: [true] }, { a: "true" })).toBe(false);
    expect(matches({ a: [null] }, { a: null })).toBe(true);
    expect(matches({ a: [null] }, {})).toBe(false);
    expect(matches({ a: [null] }, { a: "null" })).toBe(false);
    expect(matches({ a: [0] }, { a: false })).toBe(false);
    expect(matches({ a: [""] }, { a: "" })).toBe(true);
  });

  test("an object at a leaf never equals an exact value", () => {
    expect(matches({ a: ["x"] }, { a: { x: "x" } })).toBe(false);
    expect(matches({ a: [null] }, { a: {} })).toBe(false);
    expect(matches({ a: ["x"] }, { a: [{ x: "x" }] })).toBe(false);
  });

  test("arrays in the event: any element matching any item", () => {
    expect(matches({ tags: ["urgent"] }, { tags: ["low", "urgent"] })).toBe(true);
    expect(matches({ tags: ["a", "b"] }, { tags: ["c", "b"] })).toBe(true);
    expect(matches({ tags: ["urgent"] }, { tags: ["low"] })).toBe(false);
    expect(matches({ tags: ["urgent"] }, { tags: [] })).toBe(false);
    expect(matches({ tags: ["x"] }, { tags: [["y", ["x"]]] })).toBe(true); // flattened
    expect(matches({ event: { tags: ["backend"] } }, statusChange)).toBe(true);
  });

  test("several fields AND together, list items OR together", () => {
    const pattern = { a: ["x", "y"], b: [1] };
    expect(matches(pattern, { a: "y", b: 1 })).toBe(true);
    expect(matches(pattern, { a: "y", b: 2 })).toBe(false);
    expect(matches(pattern, { a: "z", b: 1 })).toBe(false);
    expect(matches(pattern, { a: "x" })).toBe(false);
  });
});

describe("nested objects and arrays of objects", () => {
  test("a nested pattern needs an object", () => {
    const pattern = { item: { status: ["done"] } };
    expect(matches(pattern, { item: { status: "done" } })).toBe(true);
    expect(matches(pattern, { item: "done" })).toBe(false);
    expect(matches(pattern, { item: null })).toBe(false);
    expect(matches(pattern, {})).toBe(false);
    expect(matches(pattern, { status: "done" })).toBe(false);
  });

  test("an array of objects matches when one element matches all fields", () => {
    const pattern = { items: { status: ["done"], owner: ["ann"] } };
    expect(
      matches(pattern, {
        items: [
          { status: "open", owner: "ann" },
          { status: "done", owner: "ann" },
        ],
      }),
    ).toBe(true);
    // the fields must hold in the same element
    expect(
      matches(pattern, {
        items: [
          { status: "open", owner: "ann" },
          { status: "done", owner: "bob" },
        ],
      }),
    ).toBe(false);
    expect(matches(pattern, { items: [] })).toBe(false);
    expect(matches(pattern, { items: ["done", 1, null] })).toBe(false);
    expect(matches(pattern, { items: [[{ status: "done", owner: "ann" }]] })).toBe(true);
  });

  test("deep nesting through arrays at several levels", () => {
    const pattern = { a: { b: { c: [3] } } };
    expect(matches(pattern, { a: [{ b: [{ c: 1 }, { c: [2, 3] }] }] })).toBe(true);
    expect(matches(pattern, { a: [{ b: [{ c: 1 }] }, { b: { c: 2 } }] })).toBe(false);
  });

  test("the event itself may be an array of objects; scalars and null match nothing", () => {
    expect(matches({ a: [1] }, [{ a: 2 }, { a: 1 }])).toBe(true);
    expect(matches({ a: [1] }, null)).toBe(false);
    expect(matches({ a: [1] }, "a")).toBe(false);
    expect(matches({ a: [1] }, undefined)).toBe(false);
  });

  test("non-plain objects are not traversed", () => {
    class Box {
      a = 1;
    }
    expect(matches({ x: { a: [1] } }, { x: new Box() })).toBe(false);
    expect(matches({ x: { a: [1] } }, { x: { a: 1 } })).toBe(true);
    expect(matches({ x: { a: [1] } }, { x: Object.assign(Object.create(null), { a: 1 }) })).toBe(
      true,
    );
  });
});

describe("string operators", () => {
  test("prefix", () => {
    expect(matches({ s: [{ prefix: "in " }] }, { s: "in progress" })).toBe(true);
    expect(matches({ s: [{ prefix: "in " }] }, { s: "done" })).toBe(false);
    expect(matches({ s: [{ prefix: "" }] }, { s: "" })).toBe(true);
    expect(matches({ s: [{ prefix: "1" }] }, { s: 12 })).toBe(false);
    expect(matches({ s: [{ prefix: "a" }] }, {})).toBe(false);
    expect(matches({ s: [{ prefix: "a" }] }, { s: ["x", "ab"] })).toBe(true);
    expect(matches({ s: [{ prefix: "a" }] }, { s: { a: "a" } })).toBe(false);
  });

  test("suffix", () => {
    expect(matches({ f: [{ suffix: ".png" }] }, { f: "cat.png" })).toBe(true);
    expect(matches({ f: [{ suffix: ".png" }] }, { f: "cat.PNG" })).toBe(false);
    expect(matches({ f: [{ suffix: "5" }] }, { f: 5 })).toBe(false);
    expect(matches({ f: [{ suffix: "x" }] }, { f: null })).toBe(false);
    expect(matches({ f: [{ suffix: "x" }] }, { f: ["a", "bx"] })).toBe(true);
  });

  test("equals-ignore-case", () => {
    const pattern = { s: [{ "equals-ignore-case": "DONE" }] };
    expect(matches(pattern, { s: "done" })).toBe(true);
    expect(matches(pattern, { s: "DoNe" })).toBe(true);
    expect(matches(pattern, { s: "done!" })).toBe(false);
    expect(matches(pattern, { s: true })).toBe(false);
    expect(matches(pattern, {})).toBe(false);
    expect(matches(pattern, { s: ["no", "Done"] })).toBe(true);
  });

  test("wildcard", () => {
    const w = (wildcard: string, s: unknown) => matches({ s: [{ wildcard }] }, { s });
    expect(w("in*progress", "in progress")).toBe(true);
    expect(w("in*progress", "inprogress")).toBe(true);
    expect(w("in*progress", "in progress!")).toBe(false);
    expect(w("*.png", "a.b.png")).toBe(true);
    expect(w("*.png", "apng")).toBe(false); // "." is literal
    expect(w("a*b*c", "abc")).toBe(true);
    expect(w("a*b*c", "axxbyyc")).toBe(true);
    expect(w("a*b*c", "acb")).toBe(false);
    expect(w("a*b*c*d", "abcbd")).toBe(true); // the leftmost "b" leaves room for "c"
    expect(w("*b*c*", "xcbxc")).toBe(true);
    expect(w("*b*c*", "cb")).toBe(false);
    expect(w("a*bb*bb*c", "abbbc")).toBe(false); // middle segments may not overlap
    expect(w("ab*ba", "aba")).toBe(false); // prefix and suffix may not overlap
    expect(w("ab*ba", "abba")).toBe(true);
    expect(w("*", "")).toBe(true);
    expect(w("exact", "exact")).toBe(true);
    expect(w("exact", "exactly")).toBe(false);
    expect(w("(a+)+$[", "(a+)+$[")).toBe(true); // regex specials are literal
    expect(w("a\\*b", "a*b")).toBe(true); // escaped star
    expect(w("a\\*b", "axb")).toBe(false);
    expect(w("a\\\\*", "a\\xyz")).toBe(true); // escaped backslash, then a star
    expect(w("*", 5)).toBe(false);
    expect(w("*", null)).toBe(false);
    expect(matches({ s: [{ wildcard: "*" }] }, {})).toBe(false);
    expect(w("b*", ["a", "bc"])).toBe(true);
  });

  test("a hostile wildcard input stays fast", () => {
    const pattern = { s: [{ wildcard: "*a*a*a*a*a*a*a*a*a*a*b" }] };
    const hostile = "a".repeat(200_000);
    const start = performance.now();
    expect(matches(pattern, { s: hostile })).toBe(false);
    expect(
      matches({ s: [{ wildcard: "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c" }] }, { s: hostile }),
    ).toBe(false);
    expect(matches(pattern, { s: `${hostile}b` })).toBe(true);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe("anything-but", () => {
  test("a single value or a list", () => {
    expect(matches({ s: [{ "anything-but": "done" }] }, { s: "open" })).toBe(true);
    expect(matches({ s: [{ "anything-but": "done" }] }, { s: "done" })).toBe(false);
    expect(matches({ s: [{ "anything-but": ["a", "b"] }] }, { s: "b" })).toBe(false);
    expect(matches({ s: [{ "anything-but": ["a", "b"] }] }, { s: "c" })).toBe(true);
    expect(matches({ n: [{ "anything-but": [1, 2] }] }, { n: 3 })).toBe(true);
    expect(matches({ n: [{ "anything-but": [1, 2] }] }, { n: 2 })).toBe(false);
  });

  test('strict types: 5 is anything but "5"; null can be excluded', () => {
    expect(matches({ n: [{ "anything-but": "5" }] }, { n: 5 })).toBe(true);
    expect(matches({ n: [{ "anything-but": 5 }] }, { n: "5" })).toBe(true);
    expect(matches({ n: [{ "anything-but": "x" }] }, { n: null })).toBe(true);
    expect(matches({ n: [{ "anything-but": 5 }] }, { n: true })).toBe(true);
  });

  test("a missing field or an object never matches", () => {
    expect(matches({ s: [{ "anything-but": "done" }] }, {})).toBe(false);
    expect(matches({ s: [{ "anything-but": "done" }] }, { s: undefined })).toBe(false);
    expect(matches({ s: [{ "anything-but": "done" }] }, { s: { a: 1 } })).toBe(false);
  });

  test("arrays: matches when some element is outside the list", () => {
    const pattern = { tags: [{ "anything-but": ["spam", "test"] }] };
    expect(matches(pattern, { tags: ["spam", "urgent"] })).toBe(true);
    expect(matches(pattern, { tags: ["spam", "test"] })).toBe(false);
    expect(matches(pattern, { tags: ["spam"] })).toBe(false);
    expect(matches(pattern, { tags: [] })).toBe(false);
    expect(matches(pattern, { tags: [{ x: 1 }] })).toBe(false);
  });
});

describe("numeric", () => {
  test("ranges", () => {
    const pattern = { p: [{ numeric: [">", 0, "<=", 5] }] };
    expect(matches(pattern, { p: 0 })).toBe(false);
    expect(matches(pattern, { p: 0.5 })).toBe(true);
    expect(matches(pattern, { p: 5 })).toBe(true);
    expect(matches(pattern, { p: 5.01 })).toBe(false);
    expect(matches(pattern, { p: -3 })).toBe(false);
  });

  test("each comparison operator", () => {
    const n = (op: string, bound: number, value: unknown) =>
      matches({ p: [{ numeric: [op, bound] }] }, { p: value });
    expect(n("<", 3, 2)).toBe(true);
    expect(n("<", 3, 3)).toBe(false);
    expect(n("<=", 3, 3)).toBe(true);
    expect(n("<=", 3, 4)).toBe(false);
    expect(n("=", 3, 3)).toBe(true);
    expect(n("=", 3, 3.0001)).toBe(false);
    expect(n(">=", 3, 3)).toBe(true);
    expect(n(">=", 3, 2)).toBe(false);
    expect(n(">", 3, 4)).toBe(true);
    expect(n(">", 3, 3)).toBe(false);
  });

  test("numbers only: not numeric strings, booleans, null, missing or non-finite", () => {
    const pattern = { p: [{ numeric: [">=", 0] }] };
    expect(matches(pattern, { p: "3" })).toBe(false);
    expect(matches(pattern, { p: true })).toBe(false);
    expect(matches(pattern, { p: null })).toBe(false);
    expect(matches(pattern, {})).toBe(false);
    expect(matches(pattern, { p: Number.POSITIVE_INFINITY })).toBe(false);
    expect(matches(pattern, { p: Number.NaN })).toBe(false);
    expect(matches(pattern, { p: [-1, "2", 7] })).toBe(true);
    expect(matches(pattern, { p: [-1, "2"] })).toBe(false);
  });

  test("several ranges OR together", () => {
    const pattern = { p: [{ numeric: ["<", 0] }, { numeric: ["=", 10] }] };
    expect(matches(pattern, { p: -1 })).toBe(true);
    expect(matches(pattern, { p: 10 })).toBe(true);
    expect(matches(pattern, { p: 5 })).toBe(false);
  });
});

describe("exists", () => {
  test("exists: true matches a field with a leaf (a scalar, null included)", () => {
    const pattern = { a: [{ exists: true }] };
    for (const a of ["x", 0, false, null, [1], [null], [[1]], [{ b: 1 }, 2]]) {
      expect(matches(pattern, { a })).toBe(true);
    }
    for (const a of [undefined, [], {}, { b: 1 }, [{ b: 1 }], [[]]]) {
      expect(matches(pattern, { a })).toBe(false);
    }
    expect(matches(pattern, {})).toBe(false);
  });

  test("exists: false matches a field without a leaf: missing, an object, []", () => {
    const pattern = { a: [{ exists: false }] };
    expect(matches(pattern, {})).toBe(true);
    expect(matches(pattern, { b: 1 })).toBe(true);
    for (const a of [undefined, [], {}, { b: 1 }, { b: null }, [{ b: 1 }], [[]]]) {
      expect(matches(pattern, { a })).toBe(true);
    }
    for (const a of ["x", 0, false, null, [1], [null]]) {
      expect(matches(pattern, { a })).toBe(false);
    }
  });

  test("exists: false ORed with values", () => {
    const pattern = { a: ["x", { exists: false }] };
    expect(matches(pattern, {})).toBe(true);
    expect(matches(pattern, { a: "x" })).toBe(true);
    expect(matches(pattern, { a: "y" })).toBe(false);
  });

  test("exists: false below a missing or non-object parent: the leaf is missing", () => {
    const pattern = { a: { b: [{ exists: false }] } };
    expect(matches(pattern, {})).toBe(true);
    expect(matches(pattern, { a: null })).toBe(true);
    expect(matches(pattern, { a: 5 })).toBe(true);
    expect(matches(pattern, { a: [] })).toBe(true);
    expect(matches(pattern, { a: {} })).toBe(true);
    expect(matches(pattern, { a: { b: null } })).toBe(false);
    expect(matches(pattern, { a: { b: {} } })).toBe(true);
    expect(matches(pattern, { a: [{ b: 1 }] })).toBe(false);
    // missing only when no element has it
    expect(matches(pattern, { a: [{ b: 1 }, { c: 1 }] })).toBe(false);
    expect(matches(pattern, { a: [{ c: 1 }, { c: 2 }] })).toBe(true);
    // with a sibling that matches a value, that element decides
    const sibling = { a: { b: [{ exists: false }], c: [1] } };
    expect(matches(sibling, { a: [{ b: 1, c: 1 }, { c: 1 }] })).toBe(true);
    expect(matches(sibling, { a: [{ b: 1, c: 1 }, { c: 2 }] })).toBe(false);
    // a sibling leaf that needs a value still requires the parent
    const both = { a: { b: [{ exists: false }], c: ["x"] } };
    expect(matches(both, {})).toBe(false);
    expect(matches(both, { a: { c: "x" } })).toBe(true);
  });

  test("exists on a nested path", () => {
    expect(matches({ event: { value: { label: [{ exists: true }] } } }, statusChange)).toBe(false);
    expect(matches({ event: { value: { label: [{ exists: false }] } } }, statusChange)).toBe(true);
    expect(
      matches({ event: { value: { label: { text: [{ exists: true }] } } } }, statusChange),
    ).toBe(true);
    expect(matches({ event: { value: { color: [{ exists: true }] } } }, statusChange)).toBe(false);
    expect(matches({ event: { value: { color: [{ exists: false }] } } }, statusChange)).toBe(true);
  });
});

describe("cidr and IP addresses", () => {
  test("IPv4 and IPv6 blocks", () => {
    const v4 = { ip: [{ cidr: "10.0.0.0/24" }] };
    expect(matches(v4, { ip: "10.0.0.0" })).toBe(true);
    expect(matches(v4, { ip: "10.0.0.255" })).toBe(true);
    expect(matches(v4, { ip: "10.0.1.0" })).toBe(false);
    expect(matches(v4, { ip: "010.0.0.7" })).toBe(true); // decimal despite the zero
    expect(matches(v4, { ip: "::ffff:a00:7" })).toBe(true); // IPv4-mapped
    expect(matches(v4, { ip: "::ffff:10.0.0.7" })).toBe(false); // not an address to EventBridge
    expect(matches(v4, { ip: "10.0.0.7 " })).toBe(false);
    expect(matches(v4, { ip: ["x", "10.0.0.9"] })).toBe(true);
    expect(matches(v4, { ip: 167772167 })).toBe(false);
    const v6 = { ip: [{ cidr: "2001:db8::/64" }] };
    expect(matches(v6, { ip: "2001:DB8::1" })).toBe(true);
    expect(matches(v6, { ip: "2001:db8:0:0:ffff:ffff:ffff:ffff" })).toBe(true);
    expect(matches(v6, { ip: "2001:db8:0:1::" })).toBe(false);
    expect(matches(v6, { ip: "10.0.0.1" })).toBe(false);
    expect(matches({ ip: [{ cidr: "1.2.3.4/8" }] }, { ip: "1.200.0.0" })).toBe(true);
  });

  test("an exact address matches other spellings of it", () => {
    expect(matches({ ip: ["10.0.0.1"] }, { ip: "::ffff:a00:1" })).toBe(true);
    expect(matches({ ip: ["2001:db8::1"] }, { ip: "2001:DB8:0::1" })).toBe(true);
    expect(matches({ ip: ["2001:db8::1"] }, { ip: "2001:db8::2" })).toBe(false);
    // anything-but compares text
    expect(matches({ ip: [{ "anything-but": "10.0.0.1" }] }, { ip: "::ffff:a00:1" })).toBe(true);
  });
});

describe("equals-ignore-case per character", () => {
  test("each pattern character matches its own lower or upper case", () => {
    const eq = (pattern: string, s: string) =>
      matches({ s: [{ "equals-ignore-case": pattern }] }, { s });
    expect(eq("ΰ", "ΰ")).toBe(true);
    expect(eq("\u03b0", "\u03a5\u0308\u0301")).toBe(true); // the upper case of ΰ is three characters
    expect(eq("\u03a5\u0308\u0301", "\u03b0")).toBe(false); // but those three are not ΰ
    expect(eq("ß", "SS")).toBe(true);
    expect(eq("SS", "ß")).toBe(false);
    expect(eq("aBc", "AbC")).toBe(true);
  });

  test("prefix and suffix with equals-ignore-case", () => {
    const pre = (p: string, s: unknown) =>
      matches({ s: [{ prefix: { "equals-ignore-case": p } }] }, { s });
    const suf = (p: string, s: unknown) =>
      matches({ s: [{ suffix: { "equals-ignore-case": p } }] }, { s });
    expect(pre("ab", "ABc")).toBe(true);
    expect(pre("ab", "xab")).toBe(false);
    expect(pre("\u0390x", "\u0399\u0308\u0301X!")).toBe(true); // ΐ
    expect(pre("", "x")).toBe(true);
    expect(pre("a", 1)).toBe(false);
    expect(suf(".PNG", "cat.png")).toBe(true);
    expect(suf("\u1fc6", "x\u0397\u0342")).toBe(true); // ῆ
    expect(suf("ab", "abx")).toBe(false);
  });
});

describe("anything-but with operators", () => {
  test("prefix, suffix, wildcard and equals-ignore-case, one value or a list", () => {
    const ab = (arg: unknown, s: unknown) => matches({ s: [{ "anything-but": arg }] }, { s });
    expect(ab({ prefix: "tmp-" }, "tmp-1")).toBe(false);
    expect(ab({ prefix: "tmp-" }, "prod")).toBe(true);
    expect(ab({ prefix: ["a", "b"] }, "bc")).toBe(false);
    expect(ab({ prefix: ["a", "b"] }, "cb")).toBe(true);
    expect(ab({ suffix: [".png", ".jpg"] }, "x.jpg")).toBe(false);
    expect(ab({ suffix: [".png", ".jpg"] }, "x.gif")).toBe(true);
    expect(ab({ wildcard: "*-draft" }, "a-draft")).toBe(false);
    expect(ab({ wildcard: ["*-draft", "tmp*"] }, "tmp1")).toBe(false);
    expect(ab({ wildcard: ["*-draft", "tmp*"] }, "final")).toBe(true);
    expect(ab({ "equals-ignore-case": ["DONE", "open"] }, "Done")).toBe(false);
    expect(ab({ "equals-ignore-case": ["DONE", "open"] }, "closed")).toBe(true);
  });

  test("leaves that are not strings always match; no leaf never does", () => {
    const ab = (s: unknown) => matches({ s: [{ "anything-but": { prefix: "a" } }] }, { s });
    for (const s of [5, null, true, ["ab", 1]]) expect(ab(s)).toBe(true);
    for (const s of [undefined, [], {}, ["ab"], [{ x: "b" }]]) expect(ab(s)).toBe(false);
  });
});

describe("$or", () => {
  test("at the top level, beside other fields", () => {
    const pattern = {
      source: ["aws.cloudwatch"],
      $or: [{ metric: ["CPU"] }, { namespace: ["AWS/EC2"], type: ["T"] }],
    };
    expect(matches(pattern, { source: "aws.cloudwatch", metric: "CPU" })).toBe(true);
    expect(
      matches(pattern, {
        source: "aws.cloudwatch",
        namespace: "AWS/EC2",
        type: "T",
      }),
    ).toBe(true);
    expect(matches(pattern, { source: "aws.cloudwatch", namespace: "AWS/EC2" })).toBe(false);
    expect(matches(pattern, { source: "other", metric: "CPU" })).toBe(false);
  });

  test("nested, and inside arrays of objects (one element for all)", () => {
    const pattern = {
      items: {
        kind: ["a"],
        $or: [{ n: [{ numeric: [">", 5] }] }, { tag: [{ prefix: "x" }] }],
      },
    };
    expect(matches(pattern, { items: [{ kind: "a", n: 9 }] })).toBe(true);
    expect(matches(pattern, { items: [{ kind: "a", tag: "xy" }] })).toBe(true);
    expect(matches(pattern, { items: [{ kind: "a" }, { n: 9 }] })).toBe(false);
    const deep = {
      $or: [{ a: { $or: [{ b: ["1"] }, { c: ["2"] }] } }, { d: [{ exists: true }] }],
    };
    expect(matches(deep, { a: { c: "2" } })).toBe(true);
    expect(matches(deep, { d: 0 })).toBe(true);
    expect(matches(deep, { a: { b: "2" } })).toBe(false);
  });

  test("routing ignores $or branches: only fields outside $or route", () => {
    expect(chooseRoute({ $or: [{ a: ["1"] }, { b: ["2"] }] })).toBeNull();
    expect(chooseRoute({ t: ["x", "y"], $or: [{ a: ["1"] }, { b: ["2"] }] })).toEqual({
      path: "t",
      values: ["x", "y"],
    });
    expect(chooseRoute({ d: { $or: [{ a: ["1"] }, { b: ["2"] }] } })).toBeNull();
  });

  test("lists holding an IP address do not route (other spellings match)", () => {
    expect(chooseRoute({ ip: ["10.0.0.1"] })).toBeNull();
    expect(chooseRoute({ ip: ["10.0.0.1"], t: ["a", "b"] })).toEqual({
      path: "t",
      values: ["a", "b"],
    });
  });
});

describe("own properties only", () => {
  test("inherited properties of the event are missing", () => {
    expect(matches({ constructor: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ toString: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ toString: [{ exists: false }] }, {})).toBe(true);
    expect(matches({ a: { constructor: { name: ["Object"] } } }, { a: {} })).toBe(false);
    expect(matches({ hasOwnProperty: [{ exists: false }] }, { a: 1 })).toBe(true);
    expect(matches({ a: { length: [0] } }, { a: [] })).toBe(false);
  });

  test("__proto__ and constructor as ordinary keys", () => {
    const pattern = JSON.parse('{"__proto__": ["x"], "constructor": {"name": ["y"]}}');
    expect(Object.keys(pattern)).toEqual(["__proto__", "constructor"]);
    expect(findPatternProblem(pattern)).toBeNull();
    expect(matches(pattern, JSON.parse('{"__proto__": "x", "constructor": {"name": "y"}}'))).toBe(
      true,
    );
    expect(matches(pattern, JSON.parse('{"__proto__": "z", "constructor": {"name": "y"}}'))).toBe(
      false,
    );
    expect(matches(pattern, { constructor: { name: "y" } })).toBe(false);
    const protoOnly = JSON.parse('{"__proto__": [{"exists": true}]}');
    expect(matches(protoOnly, {})).toBe(false);
    expect(matches(protoOnly, JSON.parse('{"__proto__": null}'))).toBe(true);
  });
});

describe("compilePattern and matchPattern", () => {
  test("undefined matches every event", () => {
    expect(matchPattern(undefined, { a: 1 })).toBe(true);
    expect(matchPattern(undefined, null)).toBe(true);
  });

  test("invalid patterns throw", () => {
    expect(() => compilePattern({})).toThrow(/Invalid trigger pattern/);
    expect(() => compilePattern({ a: [{ bogus: 1 }] })).toThrow(/unknown pattern operator/);
    expect(() => compilePattern({ a: "x" })).toThrow(/must be a list/);
    expect(() => matchPattern({ a: [] }, {})).toThrow(/at least one value/);
  });

  test("a compiled matcher is reusable", () => {
    const matcher = compilePattern({
      a: [{ prefix: "x" }],
      b: { c: [{ numeric: [">", 1] }] },
    });
    expect(matcher({ a: "xy", b: { c: 2 } })).toBe(true);
    expect(matcher({ a: "xy", b: { c: 1 } })).toBe(false);
    expect(matcher({ a: "y", b: { c: 2 } })).toBe(false);
  });

  test("the cache stays correct past its limit", () => {
    for (let i = 0; i < PATTERN_CACHE_LIMIT + 50; i++) {
      expect(matchPattern({ n: [i] }, { n: i })).toBe(true);
    }
    expect(matchPattern({ n: [0] }, { n: 1 })).toBe(false);
    // equal JSON text, different objects: the same cached result
    expect(matchPattern({ n: [7] }, { n: 7 })).toBe(true);
  });
});

describe("chooseRoute", () => {
  test("the monday.com pattern routes on its most selective exact list", () => {
    expect(
      chooseRoute({
        event: {
          boardId: [1771812698],
          columnId: ["status"],
          value: { label: { text: ["Done", "Stuck"] } },
        },
      }),
    ).toEqual({ path: "event.boardId", values: [1771812698] });
    expect(chooseRoute({ event: { value: { label: { text: ["Done"] } } } })).toEqual({
      path: "event.value.label.text",
      values: ["Done"],
    });
  });

  test("fewest values, then fewest segments, then lexicographic path", () => {
    expect(chooseRoute({ a: ["x", "y"], b: { c: ["z"] } })).toEqual({
      path: "b.c",
      values: ["z"],
    });
    expect(chooseRoute({ z: { c: ["x"] }, b: ["y"] })).toEqual({
      path: "b",
      values: ["y"],
    });
    expect(chooseRoute({ b: [1], a: [2] })).toEqual({ path: "a", values: [2] });
    expect(chooseRoute({ x: { b: [1] }, a: { z: [2] } })).toEqual({
      path: "a.z",
      values: [2],
    });
    expect(chooseRoute({ a: ["x", "x", "y"], b: ["p", "q", "r"] })).toEqual({
      path: "a",
      values: ["x", "y"],
    });
  });

  test("lists with operators are never chosen", () => {
    expect(chooseRoute({ a: ["x", { prefix: "y" }], b: [1, 2, 3] })).toEqual({
      path: "b",
      values: [1, 2, 3],
    });
    expect(chooseRoute({ a: [{ exists: true }], b: { c: [{ numeric: [">", 1] }] } })).toBeNull();
    expect(chooseRoute({ a: [{ "anything-but": "x" }] })).toBeNull();
  });

  test("null, boolean and number values; no pattern", () => {
    expect(chooseRoute({ a: [null, true] })).toEqual({
      path: "a",
      values: [null, true],
    });
    expect(chooseRoute(undefined)).toBeNull();
  });

  test("keys containing a dot are skipped: the path could not name them", () => {
    expect(chooseRoute({ "a.b": ["x"] })).toBeNull();
    expect(chooseRoute({ "a.b": { c: ["x"] }, d: ["y", "z"] })).toEqual({
      path: "d",
      values: ["y", "z"],
    });
  });

  test("__proto__ is an ordinary key", () => {
    expect(chooseRoute(JSON.parse('{"__proto__": {"a": ["x"]}}'))).toEqual({
      path: "__proto__.a",
      values: ["x"],
    });
  });
});

describe("routeKey and eventRouteKeys", () => {
  test("routeKey distinguishes types", () => {
    expect(routeKey("a", 5)).toBe("a=5");
    expect(routeKey("a", "5")).toBe('a="5"');
    expect(routeKey("a", null)).toBe("a=null");
    expect(routeKey("a", "null")).toBe('a="null"');
    expect(routeKey("a", true)).not.toBe(routeKey("a", "true"));
    expect(routeKey("a", Number.POSITIVE_INFINITY)).not.toBe(routeKey("a", null));
  });

  test("routeKey is unambiguous across paths with = and quotes", () => {
    const paths = ["a", "a=", 'a="', "a=1", 'a="x', 'a="x\\', "a=null"];
    const values = ["", "x", '"', "=", '="x"', "\\", 1, null, true, "1=2"];
    const keys = new Map<string, string>();
    for (const path of paths) {
      for (const value of values) {
        const key = routeKey(path, value);
        const id = JSON.stringify([path, value]);
        expect(keys.get(key) ?? id).toBe(id);
        keys.set(key, id);
      }
    }
  });

  test("the monday.com event", () => {
    expect(eventRouteKeys(statusChange, "event.boardId")).toEqual(["event.boardId=1771812698"]);
    expect(eventRouteKeys(statusChange, "event.value.label.text")).toEqual([
      'event.value.label.text="Done"',
    ]);
    expect(eventRouteKeys(statusChange, "event.tags")).toEqual([
      'event.tags="urgent"',
      'event.tags="backend"',
    ]);
  });

  test("arrays of objects, nested arrays, deduplication", () => {
    const event = {
      items: [{ s: "a" }, { s: ["b", "a", ["c"]] }, [{ s: "d" }], "x", null],
    };
    expect(eventRouteKeys(event, "items.s")).toEqual([
      'items.s="a"',
      'items.s="b"',
      'items.s="c"',
      'items.s="d"',
    ]);
    expect(eventRouteKeys([{ a: 1 }, { a: 2 }], "a")).toEqual(["a=1", "a=2"]);
  });

  test("objects, missing paths and non-JSON scalars give no keys", () => {
    expect(eventRouteKeys({ a: { b: 1 } }, "a")).toEqual([]);
    expect(eventRouteKeys({ a: [{ b: 1 }] }, "a")).toEqual([]);
    expect(eventRouteKeys({ a: 1 }, "b")).toEqual([]);
    expect(eventRouteKeys({ a: 1 }, "a.b")).toEqual([]);
    expect(eventRouteKeys(null, "a")).toEqual([]);
    expect(eventRouteKeys({ a: undefined }, "a")).toEqual([]);
    expect(eventRouteKeys({ a: [Number.NaN, Number.POSITIVE_INFINITY, 10n] }, "a")).toEqual([]);
    expect(eventRouteKeys({}, "constructor")).toEqual([]);
    expect(eventRouteKeys({ a: {} }, "a.toString")).toEqual([]);
  });

  test(`at most ${MAX_EVENT_ROUTE_KEYS} keys`, () => {
    const many = Array.from({ length: 500 }, (_, i) => i);
    const keys = eventRouteKeys({ a: many }, "a");
    expect(keys).toHaveLength(MAX_EVENT_ROUTE_KEYS);
    expect(keys[0]).toBe("a=0");
    const objects = many.map((i) => ({ b: [i, i + 1000] }));
    expect(eventRouteKeys({ a: objects }, "a.b")).toHaveLength(MAX_EVENT_ROUTE_KEYS);
  });
});

// ---------------------------------------------------------------------------
// Property tests

/** Builds an object from entries, so "__proto__" becomes an own key. */
const fromEntries = (entries: Array<[string, unknown]>): Obj => Object.fromEntries(entries);

const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "c", "id", "value") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("__proto__", "constructor", "toString", "x.y", ""),
  },
);
const stringArb = fc.oneof(
  fc.constantFrom("", "a", "A", "x", "Done", "1", "*", "\\", "a*b", "ß", "İ"),
  fc.string({
    maxLength: 6,
    unit: fc.constantFrom("a", "b", "A", "*", "\\", ".", "é"),
  }),
  fc.string({ maxLength: 8 }),
);
const numberArb = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const scalarArb: fc.Arbitrary<Json> = fc.oneof(
  stringArb,
  numberArb,
  fc.boolean(),
  fc.constant(null),
);

function valueArb(depth: number): fc.Arbitrary<Json> {
  return nestedValueArb(depth, scalarArb, objectArb, { scalar: 3, object: 2, array: 1 });
}

function objectArb(depth: number): fc.Arbitrary<Obj> {
  return fc.array(fc.tuple(keyArb, valueArb(depth)), { maxLength: 4 }).map(fromEntries);
}

const eventArb = fc
  .array(fc.tuple(keyArb, valueArb(3)), { minLength: 1, maxLength: 5 })
  .map(fromEntries);

type Gen = fc.GeneratorValue;

/** Operator items that match the scalar `s` (exact values when `exactOnly`). */
function matchingItem(s: Json, g: Gen, exactOnly: boolean): unknown {
  const items: unknown[] = [s];
  // Exact values half of the time, so that many patterns can be routed.
  if (!exactOnly && g(fc.boolean)) {
    items.push({ exists: true });
    // anything-but lists all strings or all numbers; other types always pass.
    const other =
      typeof s === "number" ? [123456.5, -0.25].filter((x) => x !== s) : ["\u0000not", "\u0000no"];
    items.push({
      "anything-but": other.slice(0, g(fc.integer, { min: 1, max: other.length })),
    });
    if (typeof s === "string") {
      const cut = g(fc.integer, { min: 0, max: s.length });
      items.push({ prefix: s.slice(0, cut) }, { suffix: s.slice(cut) });
      if (s.toUpperCase().toLowerCase() === s.toLowerCase()) {
        items.push({ "equals-ignore-case": s.toUpperCase() });
      }
      // A wildcard: escape the literal stars and backslashes, then replace
      // one or two random ranges by `*`.
      const [i1, i2, i3, i4] = g(fc.array, fc.integer({ min: 0, max: s.length }), {
        minLength: 4,
        maxLength: 4,
      }).sort((x, y) => x - y);
      const escape = (t: string) => t.replace(/[\\*]/g, "\\$&");
      // (a middle star needs a literal before it: "**" is refused)
      const middle = i3 > i2 && g(fc.boolean) ? `${escape(s.slice(i2, i3))}*` : "";
      items.push({
        wildcard: `${escape(s.slice(0, i1))}*${middle}${escape(s.slice(i4))}`,
      });
    }
    if (typeof s === "number") {
      items.push({ numeric: ["=", s] });
      // A lower bound strictly below s, alone and with s as the upper bound.
      const below = s - Math.abs(s) - 1;
      if (s > -1e300) items.push({ numeric: [">", below] }, { numeric: [">", below, "<=", s] });
    }
  }
  return items[g(fc.integer, { min: 0, max: items.length - 1 })];
}

/** Items that are valid but unlikely to match: ORed in as decoys. */
const decoyArb = fc.oneof(
  scalarArb,
  fc.record({ prefix: stringArb }),
  fc.record({
    "anything-but": fc.oneof(stringArb, fc.integer({ min: -5, max: 5 })),
  }),
  fc.record({
    numeric: fc.tuple(fc.constantFrom("<", ">", "="), fc.integer({ min: -5, max: 5 })),
  }),
  fc.constant({ exists: false }),
);

type Derive = { exactOnly: boolean; throughArrays: boolean; decoys: boolean };

/**
 * A pattern the event matches: a random subset of the object's fields, each
 * constrained by something its value satisfies. Undefined when nothing was
 * picked.
 */
function deriveObject(object: Obj, g: Gen, options: Derive, depth = 1): Obj | undefined {
  const entries: Array<[string, unknown]> = [];
  for (const key of Object.keys(object)) {
    if (!g(fc.boolean)) continue;
    const sub = deriveValue(object[key], g, options, depth);
    if (sub !== undefined) entries.push([key, sub]);
  }
  return entries.length > 0 ? fromEntries(entries) : undefined;
}

function deriveValue(value: Json, g: Gen, options: Derive, depth: number): unknown {
  const { exactOnly, throughArrays, decoys } = options;
  const leaf = (item: unknown): unknown[] => {
    if (!decoys || !g(fc.boolean)) return [item];
    const list = [item, ...g(fc.array, decoyArb, { minLength: 1, maxLength: 2 })];
    return g(fc.shuffledSubarray, list, { minLength: list.length });
  };
  if (isPlainObject(value)) {
    // An object has no leaf of its own: it is constrained only through its fields.
    return depth < 9 ? deriveObject(value, g, options, depth + 1) : undefined;
  }
  if (Array.isArray(value)) {
    if (!throughArrays) return undefined;
    const elements = value.flat(Infinity) as Json[];
    if (elements.length === 0) return undefined;
    const element = elements[g(fc.integer, { min: 0, max: elements.length - 1 })];
    if (isPlainObject(element)) {
      return depth < 9 ? deriveObject(element, g, options, depth + 1) : undefined;
    }
    return leaf(matchingItem(element, g, exactOnly));
  }
  return leaf(matchingItem(value, g, exactOnly));
}

/** Random patterns and events over small domains, so they often match. */
const smallKey = fc.constantFrom("a", "b", "x.y");
const smallScalar = fc.constantFrom<Json>(1, 2, "1", "a", "ab", true, null);
function smallValue(depth: number): fc.Arbitrary<Json> {
  if (depth === 0) return smallScalar;
  return fc.oneof(
    { weight: 3, arbitrary: smallScalar },
    { weight: 2, arbitrary: smallObject(depth - 1) },
    { weight: 1, arbitrary: fc.array(smallValue(depth - 1), { maxLength: 3 }) },
  );
}
function smallObject(depth: number): fc.Arbitrary<Obj> {
  const value = smallValue(depth);
  return fc.record({ a: value, b: value, "x.y": value }, { requiredKeys: ["a"] });
}
const smallItem = fc.oneof(
  { weight: 4, arbitrary: smallScalar },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>({ exists: true }, { exists: false }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      "anything-but": fc.constantFrom<Json>(1, 2, "1", "a", "ab"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      { prefix: "a" },
      { wildcard: "*b" },
      { wildcard: "*b*a*" },
      { wildcard: "a*b*" },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>({ numeric: [">", 1] }, { numeric: ["<=", 1] }),
  },
);
function smallPattern(depth: number): fc.Arbitrary<Obj> {
  const sub: fc.Arbitrary<unknown> =
    depth === 0
      ? fc.array(smallItem, { minLength: 1, maxLength: 3 })
      : fc.oneof(
          {
            weight: 3,
            arbitrary: fc.array(smallItem, { minLength: 1, maxLength: 3 }),
          },
          { weight: 1, arbitrary: smallPattern(depth - 1) },
        );
  return fc
    .uniqueArray(fc.tuple(smallKey, sub), {
      minLength: 1,
      maxLength: 3,
      selector: ([k]) => k,
    })
    .map(fromEntries);
}
const smallPair = fc.tuple(
  smallPattern(2),
  fc.oneof({ weight: 4, arbitrary: smallObject(3) }, { weight: 1, arbitrary: smallValue(3) }),
);

/** A derived pattern (matching) or a random small one (often not). */
const pairArb = fc.oneof(
  fc.record({ event: eventArb, g: fc.gen(), exactOnly: fc.boolean() }),
  fc.record({ event: smallObject(3), g: fc.gen(), exactOnly: fc.boolean() }),
  smallPair,
);

function resolvePair(pair: PairInput): [Obj, Json] {
  if (Array.isArray(pair)) return pair;
  const { event, g, exactOnly } = pair;
  const pattern = deriveObject(event, g, {
    exactOnly,
    throughArrays: true,
    decoys: true,
  });
  return [pattern ?? { a: [{ exists: true }] }, event];
}
type PairInput = [Obj, Json] | { event: Obj; g: Gen; exactOnly: boolean };

function clone(value: Json): Json {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) {
    return fromEntries(Object.keys(value).map((k) => [k, clone(value[k])]));
  }
  return value;
}

describe("properties", () => {
  test("(a) a pattern derived from an event matches it", () => {
    fc.assert(
      fc.property(eventArb, fc.gen(), fc.boolean(), (event, g, exactOnly) => {
        const pattern = deriveObject(event, g, {
          exactOnly,
          throughArrays: true,
          decoys: true,
        });
        fc.pre(pattern !== undefined);
        expect(findPatternProblem(pattern)).toBeNull();
        expect(matchPattern(pattern, event)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  test("(b) changing one constrained exact value stops the match", () => {
    fc.assert(
      fc.property(eventArb, fc.gen(), (event, g) => {
        const pattern = deriveObject(event, g, {
          exactOnly: true,
          throughArrays: false,
          decoys: false,
        });
        fc.pre(pattern !== undefined);
        // Paths of the constrained scalar leaves that have another value of their type.
        const leaves: string[][] = [];
        const walk = (node: Obj, value: Obj, path: string[]) => {
          for (const key of Object.keys(node)) {
            const sub = node[key];
            if (isPlainObject(sub)) walk(sub, value[key] as Obj, [...path, key]);
            else if (value[key] !== null) leaves.push([...path, key]);
          }
        };
        walk(pattern, event, []);
        fc.pre(leaves.length > 0);
        const path = leaves[g(fc.integer, { min: 0, max: leaves.length - 1 })];
        const changed = clone(event) as Obj;
        let parent = changed;
        for (const key of path.slice(0, -1)) parent = parent[key] as Obj;
        const last = path[path.length - 1];
        const old = parent[last];
        const replacement =
          typeof old === "string"
            ? `${old}~`
            : typeof old === "number"
              ? old === 0
                ? 1
                : old / 2
              : !old;
        expect(replacement).not.toBe(old);
        Object.defineProperty(parent, last, {
          value: replacement,
          enumerable: true,
        });
        expect(matchPattern(pattern, event)).toBe(true);
        expect(matchPattern(pattern, changed)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  test.each([
    ["patterns derived from events", pairArb.filter((pair) => !Array.isArray(pair)), 1500, 200],
    ["random small patterns and events", smallPair, 4000, 15],
  ] as const)(
    "(c) routing never misses a rule the matcher accepts: %s",
    (_, arb, numRuns, least) => {
      let routedMatches = 0;
      fc.assert(
        fc.property(arb as fc.Arbitrary<PairInput>, (pair) => {
          const [pattern, event] = resolvePair(pair);
          const route = chooseRoute(pattern);
          if (route === null || !matchPattern(pattern, event)) return;
          routedMatches++;
          const keys = new Set(eventRouteKeys(event, route.path));
          expect(keys.size).toBeLessThan(MAX_EVENT_ROUTE_KEYS);
          expect(route.values.some((v) => keys.has(routeKey(route.path, v)))).toBe(true);
        }),
        { numRuns },
      );
      // the property was not vacuous
      expect(routedMatches).toBeGreaterThan(least);
    },
  );
});
