import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { pathSyntaxProblem } from "./conditions.js";
import {
  getPath,
  parsePath,
  resolvePath,
  tryParsePath,
  type PathSegment,
} from "./paths.js";

/** Writes segments back as a path: ["a", 0, "b"] -> "a[0].b". */
function format(segments: readonly PathSegment[]): string {
  return segments
    .map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join("");
}

const name = fc.string({ minLength: 1, maxLength: 8, unit: "grapheme" })
  .filter((s) => !/[.[\]]/.test(s));
const segmentsArb = fc
  .tuple(name, fc.array(fc.oneof(name, fc.nat({ max: 1000 })), { maxLength: 6 }))
  .map(([first, rest]) => [first, ...rest] as PathSegment[]);

describe("parsePath", () => {
  test("splits names and indexes", () => {
    expect(parsePath("a")).toEqual(["a"]);
    expect(parsePath("a.b[0].c")).toEqual(["a", "b", 0, "c"]);
    expect(parsePath("items[0][12].name")).toEqual(["items", 0, 12, "name"]);
    expect(parsePath("event.pulseName")).toEqual(["event", "pulseName"]);
    expect(parsePath("a[007]")).toEqual(["a", 7]);
  });

  test("names may hold any character but . [ ]", () => {
    expect(parsePath("a b.c-d.$e._f.é.0")).toEqual(["a b", "c-d", "$e", "_f", "é", "0"]);
    expect(parsePath("{x}")).toEqual(["{x}"]);
  });

  test.each([
    "",
    ".",
    "a.",
    ".a",
    "a..b",
    "[0]",
    "a[]",
    "a[x]",
    "a[-1]",
    "a[1.5]",
    "a[0",
    "a]",
    "a[0]b",
    "a.[0]",
    "a[0]]",
  ])("rejects %j, naming it", (path) => {
    expect(() => parsePath(path)).toThrow(Error);
    expect(() => parsePath(path)).toThrow(`"${path}" is not a path`);
    expect(tryParsePath(path)).toBeNull();
  });

  test("caches: the same frozen array comes back", () => {
    const first = parsePath("cache.me[1]");
    expect(parsePath("cache.me[1]")).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  test("the cache stays bounded and still answers after being cleared", () => {
    const first = parsePath("bounded.first");
    for (let i = 0; i < 10_001; i++) parsePath(`p${i}.x`);
    const again = parsePath("bounded.first");
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
  });

  test("very long paths parse correctly without being cached", () => {
    const path = Array.from({ length: 300 }, (_, i) => `k${i}`).join(".");
    expect(parsePath(path)).toHaveLength(300);
    expect(parsePath(path)).not.toBe(parsePath(path));
  });

  test("property: accepts exactly what pathSyntaxProblem accepts", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc.stringMatching(/^[a-c.[\]0-9]{0,10}$/),
          segmentsArb.map(format),
        ),
        (path) => {
          expect(tryParsePath(path) !== null).toBe(pathSyntaxProblem(path) === null);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("property: format then parse gives the segments back", () => {
    fc.assert(
      fc.property(segmentsArb, (segments) => {
        expect(parsePath(format(segments))).toEqual(segments);
      }),
    );
  });
});

describe("getPath", () => {
  const data = {
    event: { pulseName: "Task", count: 0, flag: false, none: null },
    items: [{ name: "first" }, { name: "second" }],
    nested: [[1, 2], [3]],
    gone: undefined,
  };

  test("reads object fields and array indexes", () => {
    expect(getPath(data, ["event", "pulseName"])).toEqual({ found: true, value: "Task" });
    expect(getPath(data, ["items", 1, "name"])).toEqual({ found: true, value: "second" });
    expect(getPath(data, ["nested", 0, 1])).toEqual({ found: true, value: 2 });
    expect(getPath(data, ["items"])).toEqual({ found: true, value: data.items });
  });

  test("an empty path is the root itself", () => {
    expect(getPath(data, [])).toEqual({ found: true, value: data });
    expect(getPath(undefined, [])).toEqual({ found: false });
  });

  test("falsy values are found", () => {
    expect(getPath(data, ["event", "count"])).toEqual({ found: true, value: 0 });
    expect(getPath(data, ["event", "flag"])).toEqual({ found: true, value: false });
    expect(getPath(data, ["event", "none"])).toEqual({ found: true, value: null });
  });

  test("undefined values and missing fields are not found", () => {
    expect(getPath(data, ["gone"])).toEqual({ found: false });
    expect(getPath(data, ["missing"])).toEqual({ found: false });
    expect(getPath(data, ["event", "pulseName", "length"])).toEqual({ found: false });
    expect(getPath(data, ["event", "none", "x"])).toEqual({ found: false });
    expect(getPath([undefined], [0])).toEqual({ found: false });
    // eslint-disable-next-line no-sparse-arrays
    expect(getPath([1, , 3], [1])).toEqual({ found: false });
  });

  test("indexes must be in range integers on arrays", () => {
    expect(getPath(data, ["items", 2])).toEqual({ found: false });
    expect(getPath(data, ["items", -1])).toEqual({ found: false });
    expect(getPath(data, ["items", 0.5])).toEqual({ found: false });
    expect(getPath(data, ["items", Number.NaN])).toEqual({ found: false });
  });

  test("a string segment on an array and a number on an object never resolve", () => {
    expect(getPath(data, ["items", "0"])).toEqual({ found: false });
    expect(getPath(data, ["items", "length"])).toEqual({ found: false });
    expect(getPath({ 0: "zero" }, [0])).toEqual({ found: false });
    expect(getPath({ 0: "zero" }, ["0"])).toEqual({ found: true, value: "zero" });
    expect(getPath("text", [0])).toEqual({ found: false });
    expect(getPath("text", ["length"])).toEqual({ found: false });
  });

  test("no prototype is ever reached", () => {
    for (const key of ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]) {
      expect(getPath({}, [key])).toEqual({ found: false });
      expect(getPath(data, ["event", key])).toEqual({ found: false });
    }
    expect(getPath({}, ["constructor", "constructor"])).toEqual({ found: false });
    expect(getPath(() => 1, ["name"])).toEqual({ found: false });
  });

  test("forbidden names stay unreachable even as own properties", () => {
    const own = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2, "prototype": 3}');
    expect(getPath(own, ["__proto__"])).toEqual({ found: false });
    expect(getPath(own, ["__proto__", "x"])).toEqual({ found: false });
    expect(getPath(own, ["constructor"])).toEqual({ found: false });
    expect(getPath(own, ["prototype"])).toEqual({ found: false });
  });

  test("only plain objects are read", () => {
    const nullProto = Object.assign(Object.create(null), { a: 1 });
    expect(getPath(nullProto, ["a"])).toEqual({ found: true, value: 1 });
    class Box {
      a = 1;
    }
    expect(getPath(new Box(), ["a"])).toEqual({ found: false });
    expect(getPath(new Map([["a", 1]]), ["a"])).toEqual({ found: false });
    expect(getPath(new Date(0), ["getTime"])).toEqual({ found: false });
  });

  test("property: agrees with a plain own-property walk on JSON data", () => {
    const reference = (root: unknown, segments: readonly PathSegment[]) => {
      let current = root;
      for (const s of segments) {
        if (typeof s === "number") {
          if (!Array.isArray(current) || s >= current.length) return { found: false };
          current = current[s];
        } else {
          if (current === null || typeof current !== "object" || Array.isArray(current)) {
            return { found: false };
          }
          if (["__proto__", "constructor", "prototype"].includes(s)) return { found: false };
          if (!Object.keys(current).includes(s)) return { found: false };
          current = (current as Record<string, unknown>)[s];
        }
      }
      return current === undefined ? { found: false } : { found: true, value: current };
    };
    const key = fc.constantFrom("a", "b", "0", "__proto__", "constructor", "toString");
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.integer(),
        fc.string({ maxLength: 3 }),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(key, tie("value"), { maxKeys: 4 }),
      ),
    })).value;
    const segs = fc.array(fc.oneof(key, fc.nat({ max: 3 })), { maxLength: 4 });
    fc.assert(
      fc.property(json, segs, (root, segments) => {
        expect(getPath(root, segments)).toEqual(reference(root, segments));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("resolvePath", () => {
  test("parses then reads", () => {
    const root = { actions: { a1: { result: { id: "42" } } }, list: [{ v: 1 }] };
    expect(resolvePath(root, "actions.a1.result.id")).toEqual({ found: true, value: "42" });
    expect(resolvePath(root, "list[0].v")).toEqual({ found: true, value: 1 });
    expect(resolvePath(root, "list[1].v")).toEqual({ found: false });
    expect(resolvePath(root, "constructor.constructor")).toEqual({ found: false });
  });

  test("throws on invalid syntax", () => {
    expect(() => resolvePath({}, "a..b")).toThrow('"a..b" is not a path');
  });
});
