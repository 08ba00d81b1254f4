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
          ],
          priority: [{ numeric: [">", 0, "<=", 5] }, { numeric: ["=", 10] }],
          label: [{ "anything-but": ["spam", "test"] }, { "anything-but": "x" }],
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
    const problem = findPatternProblem({ detail: { s: ["a", { regex: "x" }] } });
    expect(problem?.field).toBe("triggerPattern.detail.s[1].regex");
    expect(problem?.message).toBe(
      `unknown pattern operator "regex"; expected one of ${PATTERN_OPERATORS.join(", ")}`,
    );
  });

  test("string operators need a string", () => {
    for (const op of ["prefix", "suffix", "equals-ignore-case", "wildcard"]) {
      for (const arg of [1, null, ["a"], { a: 1 }]) {
        expect(findPatternProblem({ s: [{ [op]: arg }] })).toEqual({
          field: `triggerPattern.s[0].${op}`,
          message: `"${op}" needs a string`,
        });
      }
    }
  });

  test("exists needs a boolean", () => {
    for (const arg of ["true", 1, null]) {
      expect(findPatternProblem({ s: [{ exists: arg }] })).toEqual({
        field: "triggerPattern.s[0].exists",
        message: '"exists" needs true or false',
      });
    }
  });

  test("anything-but needs a value or a non-empty list of values", () => {
    expect(findPatternProblem({ s: [{ "anything-but": null }] })).toBeNull();
    expect(findPatternProblem({ s: [{ "anything-but": [1, "a", false] }] })).toBeNull();
    for (const arg of [[], [{ prefix: "a" }], { a: 1 }, ["a", ["b"]]]) {
      expect(findPatternProblem({ s: [{ "anything-but": arg }] })?.field).toBe(
        "triggerPattern.s[0].anything-but",
      );
    }
  });

  test("numeric needs one or two comparisons with finite numbers", () => {
    for (const arg of [[">", 0], [">=", -1.5, "<", 2], ["=", 3], ["<=", 0]]) {
      expect(findPatternProblem({ n: [{ numeric: arg }] })).toBeNull();
    }
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
    ]) {
      expect(findPatternProblem({ n: [{ numeric: arg }] }), JSON.stringify(arg)).toEqual({
        field: "triggerPattern.n[0].numeric",
        message: `"numeric" needs one or two comparisons, like [">", 0, "<=", 5]`,
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
    expect(
      findPatternProblem({ a: ["ok"], b: [], c: [{ bogus: 1 }] })?.field,
    ).toBe("triggerPattern.b");
  });
});
