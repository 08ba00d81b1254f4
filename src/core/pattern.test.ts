import { describe, expect, test } from "vitest";
import { PATTERN_OPERATORS, findPatternProblem } from "./pattern.js";

/** A pattern nesting objects `levels` deep: nested(1) = { a: ["x"] }. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: ["x"] };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe("findPatternProblem", () => {
  test("accepts a complex pattern using every operator", () => {
    expect(
      findPatternProblem({
        source: ["monday", "github"],
        detail: {
          board: { id: [123, 456] },
          status: [
            "done",
            null,
            true,
            { prefix: "stuck" },
            { suffix: "-x" },
            { "equals-ignore-case": "DONE" },
            { wildcard: "in*progress" },
            { prefix: { "equals-ignore-case": "st" } },
            { suffix: { "equals-ignore-case": "-X" } },
          ],
          priority: [{ numeric: [">", 0, "<=", 5] }, { numeric: ["=", 10] }],
          label: [
            { "anything-but": ["spam", "test"] },
            { "anything-but": "x" },
            { "anything-but": { prefix: ["tmp-", "old-"] } },
            { "anything-but": { wildcard: "*-draft" } },
          ],
          ip: [{ cidr: "10.0.0.0/24" }, { cidr: "2001:db8::/64" }],
          $or: [{ a: ["1"] }, { b: { $or: [{ c: [1] }, { d: [2] }] } }],
          assignee: [{ exists: true }],
          archived: [{ exists: false }],
          deep: { er: { still: ["ok"] } },
        },
      }),
    ).toBeNull();
  });

  test("must be a non-empty object", () => {
    for (const pattern of [null, undefined, "x", 1, ["a"], new Date()]) {
      expect(findPatternProblem(pattern)).toEqual({
        field: "triggerPattern",
        message: "must be an object whose fields mirror the event",
      });
    }
    expect(findPatternProblem({})).toEqual({
      field: "triggerPattern",
      message: "must constrain at least one field",
    });
    expect(findPatternProblem({ a: {} })?.field).toBe("triggerPattern.a");
  });

  test("uses the given field name", () => {
    expect(findPatternProblem({ a: "x" }, "p")?.field).toBe("p.a");
  });

  test("a leaf is a list or a nested pattern", () => {
    for (const leaf of ["done", 1, true, null]) {
      expect(findPatternProblem({ detail: { status: leaf } })).toEqual({
        field: "triggerPattern.detail.status",
        message: "must be a list of allowed values or a nested pattern object",
      });
    }
  });

  test("a list allows at least one value", () => {
    expect(findPatternProblem({ detail: { status: [] } })).toEqual({
      field: "triggerPattern.detail.status",
      message: "must allow at least one value",
    });
  });

  test("list items are exact values or operator objects", () => {
    for (const item of [Number.NaN, Number.POSITIVE_INFINITY, ["nested"], undefined]) {
      expect(findPatternProblem({ s: ["ok", item] })).toEqual({
        field: "triggerPattern.s[1]",
        message: "must be a string, number, boolean, null or an operator object",
      });
    }
  });

  test("an operator object has exactly one operator", () => {
    expect(findPatternProblem({ s: [{}] })).toEqual({
      field: "triggerPattern.s[0]",
      message: "an operator object has exactly one operator",
    });
    expect(findPatternProblem({ s: [{ prefix: "a", suffix: "b" }] })?.field).toBe(
      "triggerPattern.s[0]",
    );
  });

  test("refuses unknown operators, listing the known ones", () => {
    const problem = findPatternProblem({
      detail: { s: ["a", { regex: "x" }] },
    });
    expect(problem?.field).toBe("triggerPattern.detail.s[1].regex");
    expect(problem?.message).toBe(
      `unknown pattern operator "regex"; expected one of ${PATTERN_OPERATORS.join(", ")}`,
    );
  });

  test("exists needs a boolean", () => {
    for (const arg of ["true", 1, null]) {
      expect(findPatternProblem({ s: [{ exists: arg }] })).toEqual({
        field: "triggerPattern.s[0].exists",
        message: '"exists" needs true or false',
      });
    }
  });

  test("string operators need a string", () => {
    for (const op of ["equals-ignore-case", "wildcard"]) {
      for (const arg of [1, null, ["a"], { a: 1 }]) {
        expect(findPatternProblem({ s: [{ [op]: arg }] })).toEqual({
          field: `triggerPattern.s[0].${op}`,
          message: `"${op}" needs a string`,
        });
      }
    }
    for (const op of ["prefix", "suffix"]) {
      for (const arg of [1, null, ["a"]]) {
        expect(findPatternProblem({ s: [{ [op]: arg }] })).toEqual({
          field: `triggerPattern.s[0].${op}`,
          message: `"${op}" needs a string or {"equals-ignore-case": string}`,
        });
      }
    }
  });

  test("prefix and suffix take equals-ignore-case, and nothing else", () => {
    for (const op of ["prefix", "suffix"]) {
      expect(findPatternProblem({ s: [{ [op]: { "equals-ignore-case": "ab" } }] })).toBeNull();
      for (const arg of [{ wildcard: "a" }, { "equals-ignore-case": "a", x: 1 }, {}]) {
        expect(findPatternProblem({ s: [{ [op]: arg }] })).toEqual({
          field: `triggerPattern.s[0].${op}`,
          message: `"${op}" holds a string or {"equals-ignore-case": string}, nothing else`,
        });
      }
      expect(findPatternProblem({ s: [{ [op]: { "equals-ignore-case": 1 } }] })).toEqual({
        field: `triggerPattern.s[0].${op}.equals-ignore-case`,
        message: `"equals-ignore-case" needs a string`,
      });
    }
  });

  test("wildcard: no two stars in a row, backslash only before * or \\", () => {
    for (const ok of ["a*b*c", "*", "", "a\\*b", "a\\\\b", "\\**"]) {
      expect(findPatternProblem({ s: [{ wildcard: ok }] }), ok).toBeNull();
    }
    for (const bad of ["a**b", "**"]) {
      expect(findPatternProblem({ s: [{ wildcard: bad }] })).toEqual({
        field: "triggerPattern.s[0].wildcard",
        message: `"wildcard" may not have two "*" in a row`,
      });
    }
    for (const bad of ["a\\b", "a\\", "\\n"]) {
      expect(findPatternProblem({ s: [{ wildcard: bad }] })).toEqual({
        field: "triggerPattern.s[0].wildcard",
        message: `"wildcard" allows a backslash only before "*" or "\\" (to match a literal star or backslash)`,
      });
    }
  });

  test("cidr: an IPv4 or IPv6 block as EventBridge reads it", () => {
    for (const ok of [
      "10.0.0.0/24",
      "2001:db8::/64",
      "1.2.3.4/8",
      "10.0.0.0/0",
      "::/0",
      "10.0.0.0/08",
      "10.0.0.0/+8",
      "::ffff:a00:0/8",
    ]) {
      expect(findPatternProblem({ ip: [{ cidr: ok }] }), ok).toBeNull();
    }
    const problem = (cidr: unknown) => findPatternProblem({ ip: [{ cidr }] });
    expect(problem(1)).toEqual({
      field: "triggerPattern.ip[0].cidr",
      message: `"cidr" needs a string like "10.0.0.0/24" or "2001:db8::/64"`,
    });
    const reasons: Array<[string, string]> = [
      ["10.0.0.0", "needs exactly one '/', like 10.0.0.0/24"],
      ["a/b/c", "needs exactly one '/', like 10.0.0.0/24"],
      ["10.0.0.0/ 8", "needs whole mask bits after the '/'"],
      ["10.0.0.0/x", "needs whole mask bits after the '/'"],
      ["256.0.0.0/8", `"256.0.0.0" is not an IPv4 or IPv6 address`],
      ["::ffff:1.2.3.4/8", `"::ffff:1.2.3.4" is not an IPv4 or IPv6 address`],
      ["1::2::3/8", `"1::2::3" is not an IPv4 or IPv6 address`],
      ["10.0.0.0/32", "an IPv4 mask has 0 to 31 bits"],
      ["10.0.0.0/-1", "an IPv4 mask has 0 to 31 bits"],
      ["::ffff:a00:0/104", "an IPv4 mask has 0 to 31 bits"],
      ["2001:db8::/128", "an IPv6 mask has 0 to 127 bits"],
    ];
    for (const [cidr, reason] of reasons) {
      expect(problem(cidr), cidr).toEqual({
        field: "triggerPattern.ip[0].cidr",
        message: `"cidr" needs an IPv4 or IPv6 block like "10.0.0.0/24": ${reason}`,
      });
    }
  });

  test("anything-but: strings or numbers, not mixed, or one string operator", () => {
    for (const arg of [
      "x",
      5,
      ["a", "b"],
      [1, 2.5],
      { prefix: "a" },
      { suffix: ["a", "b"] },
      { wildcard: "a*" },
      { "equals-ignore-case": ["A"] },
    ]) {
      expect(findPatternProblem({ s: [{ "anything-but": arg }] }), JSON.stringify(arg)).toBeNull();
    }
    const problem = (arg: unknown) => findPatternProblem({ s: [{ "anything-but": arg }] });
    const at = "triggerPattern.s[0].anything-but";
    expect(problem([])).toEqual({
      field: at,
      message: `"anything-but" needs at least one value`,
    });
    for (const arg of [[null], [true], ["a", ["b"]], [{ a: 1 }]]) {
      expect(problem(arg)).toEqual({
        field: at,
        message: `"anything-but" lists strings or numbers only; EventBridge allows no null, boolean, object or list there`,
      });
    }
    expect(problem(["a", 1])).toEqual({
      field: at,
      message: `"anything-but" lists either all strings or all numbers, not both`,
    });
    for (const arg of [null, true, Number.NaN]) {
      expect(problem(arg)?.message).toBe(
        `"anything-but" needs a string, a number, a list of either, or one of {"prefix": ...}, {"suffix": ...}, {"equals-ignore-case": ...}, {"wildcard": ...}`,
      );
    }
    for (const arg of [{ numeric: [">", 1] }, { prefix: "a", suffix: "b" }, {}]) {
      expect(problem(arg)).toEqual({
        field: at,
        message: `"anything-but" holds one of prefix, suffix, equals-ignore-case, wildcard as an operator, nothing else`,
      });
    }
    for (const arg of [{ prefix: 1 }, { suffix: [] }, { wildcard: ["a", 1] }]) {
      const [op] = Object.keys(arg);
      expect(problem(arg)).toEqual({
        field: `${at}.${op}`,
        message: `"anything-but" with "${op}" needs a string or a non-empty list of strings`,
      });
    }
    for (const op of ["prefix", "suffix"]) {
      expect(problem({ [op]: ["a", ""] })).toEqual({
        field: `${at}.${op}`,
        message: `"anything-but" with "${op}" needs non-empty strings`,
      });
    }
    expect(problem({ wildcard: ["a", "b**"] })?.message).toBe(
      `"wildcard" may not have two "*" in a row`,
    );
  });

  test("numeric: one comparison, or a lower bound then an upper bound", () => {
    for (const arg of [
      [">", 0],
      [">=", -1.5, "<", 2],
      ["=", 3],
      ["<=", 0],
      [">", 0, "<=", 5],
    ]) {
      expect(findPatternProblem({ n: [{ numeric: arg }] })).toBeNull();
    }
    const shape = `"numeric" needs ["=", n], one bound like [">", 0], or a lower then an upper bound like [">", 0, "<=", 5]`;
    for (const arg of [
      [],
      [">"],
      [">", 0, "<"],
      [">", 0, "<", 1, "=", 2],
      ["!=", 1],
      ["gt", 1],
      [">", "1"],
      [">", Number.POSITIVE_INFINITY],
      [">", Number.NaN],
      [">", 0, "<", "5"],
      [0, ">"],
      "> 0",
      ["<", 10, ">", 0],
      [">", 0, ">", 1],
      ["<", 5, "<", 6],
      ["=", 5, "<", 6],
      [">", 0, "=", 1],
    ]) {
      expect(findPatternProblem({ n: [{ numeric: arg }] }), JSON.stringify(arg)).toEqual({
        field: "triggerPattern.n[0].numeric",
        message: shape,
      });
    }
    for (const arg of [
      [">", 5, "<", 5],
      [">=", 5, "<=", 5],
      [">", 6, "<", 5],
    ]) {
      expect(findPatternProblem({ n: [{ numeric: arg }] })).toEqual({
        field: "triggerPattern.n[0].numeric",
        message: `"numeric" needs its lower bound below its upper bound`,
      });
    }
  });

  test("$or: a list of at least two pattern objects, at any level", () => {
    expect(findPatternProblem({ $or: [{ a: ["1"] }, { b: ["2"] }] })).toBeNull();
    expect(
      findPatternProblem({
        x: ["1"],
        d: { $or: [{ a: ["1"] }, { b: { $or: [{ c: [1] }, { e: [2] }] } }] },
      }),
    ).toBeNull();
    const message = `"$or" needs a list of at least two pattern objects`;
    expect(findPatternProblem({ $or: [{ a: ["1"] }] })).toEqual({
      field: "triggerPattern.$or",
      message,
    });
    expect(findPatternProblem({ $or: { a: ["1"] } })).toEqual({
      field: "triggerPattern.$or",
      message,
    });
    expect(findPatternProblem({ d: { $or: [{ a: ["1"] }, ["x"]] } })).toEqual({
      field: "triggerPattern.d.$or[1]",
      message,
    });
    expect(findPatternProblem({ $or: [{ a: ["1"] }, {}] })).toEqual({
      field: "triggerPattern.$or[1]",
      message: "must constrain at least one field",
    });
    expect(findPatternProblem({ $or: [{ a: ["1"] }, { b: [] }] })?.field).toBe(
      "triggerPattern.$or[1].b",
    );
  });

  test("inside $or, operator names are not field names", () => {
    expect(findPatternProblem({ prefix: ["x"] })).toBeNull();
    for (const name of ["prefix", "numeric", "exactly", "cidr", "<=", "regex"]) {
      expect(findPatternProblem({ $or: [{ a: ["1"] }, { b: { [name]: ["x"] } }] })).toEqual({
        field: `triggerPattern.$or[1].b.${name}`,
        message: `"${name}" is an operator name, which EventBridge does not allow as a field name inside "$or"`,
      });
    }
  });

  test("allows 10 levels of nesting and refuses 11", () => {
    expect(findPatternProblem(nested(10))).toBeNull();
    const problem = findPatternProblem(nested(11));
    expect(problem?.message).toBe("nests deeper than 10 levels");
    expect(problem?.field).toBe(`triggerPattern${".a".repeat(10)}`);
  });

  test("reports the first problem in field order", () => {
    expect(findPatternProblem({ a: ["ok"], b: [], c: [{ bogus: 1 }] })?.field).toBe(
      "triggerPattern.b",
    );
  });
});
