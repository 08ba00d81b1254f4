import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { FIELD_OPERATORS, type Condition, type ConditionInput } from "../shared.js";
import {
  assignConditionIds,
  findConditionProblem,
  flattenConditions,
  idFormatProblem,
  isGroupType,
  isPlainObject,
  nestConditions,
  parseDate,
  parseDateOperand,
  parseWindow,
  pathSyntaxProblem,
  type StoredCondition,
} from "./conditions.js";

const leaf = (config: Record<string, unknown>, id?: string): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type: "field",
  config,
});
const eq = (path = "item.status", value: unknown = "done", id?: string) =>
  leaf({ path, op: "eq", value }, id);
const group = (
  type: "all" | "any" | "not",
  conditions: ConditionInput[],
  id?: string,
): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type,
  config: { conditions },
});

/** A chain of `all` groups whose deepest node (a leaf) is at `depth`. */
function chain(depth: number): ConditionInput[] {
  let list: ConditionInput[] = [eq()];
  for (let d = 1; d < depth; d++) list = [group("all", list)];
  return list;
}

/** The problem of a single field condition with this config. */
const problemOf = (config: Record<string, unknown>) =>
  findConditionProblem([leaf(config)]);

describe("findConditionProblem: trees", () => {
  test("accepts an empty list and a valid mixed tree", () => {
    expect(findConditionProblem([])).toBeNull();
    expect(
      findConditionProblem([
        eq(),
        group("any", [
          eq("a", 1),
          group("not", [leaf({ path: "b", op: "exists" })]),
          leaf({
            path: "items",
            op: "some",
            conditions: [eq("price", 5), leaf({ path: "tags", op: "in", value: ["x"] })],
          }),
        ]),
        { type: "custom_check", config: { anything: [1, 2] } },
      ]),
    ).toBeNull();
  });

  test("groups need config.conditions, an array, and no other field", () => {
    expect(findConditionProblem([{ type: "all", config: {} }])).toEqual({
      field: "conditions[0].config.conditions",
      message: 'a "all" group needs config.conditions, an array of conditions',
    });
    expect(findConditionProblem([{ type: "any", config: null }])?.field).toBe(
      "conditions[0].config.conditions",
    );
    expect(
      findConditionProblem([{ type: "any", config: { conditions: "x" } }])?.field,
    ).toBe("conditions[0].config.conditions");
    expect(
      findConditionProblem([{ type: "all", config: { conditions: [eq()], mode: "x" } }]),
    ).toEqual({ field: "conditions[0].config.mode", message: 'is not a field of a "all" group' });
  });

  test("all/any need at least one child; not needs exactly one", () => {
    expect(findConditionProblem([group("all", [])])).toEqual({
      field: "conditions[0].config.conditions",
      message: 'an "all" group needs at least one condition',
    });
    expect(findConditionProblem([group("any", [])])?.field).toBe(
      "conditions[0].config.conditions",
    );
    expect(findConditionProblem([group("not", [])])).toEqual({
      field: "conditions[0].config.conditions",
      message: 'a "not" group needs exactly one condition, got 0',
    });
    expect(findConditionProblem([group("not", [eq(), eq()])])?.message).toContain("got 2");
    expect(findConditionProblem([group("not", [eq()])])).toBeNull();
  });

  test("reports problems of nested children with their full path", () => {
    const problem = findConditionProblem([
      eq(),
      group("all", [eq(), group("any", [eq(), leaf({ path: "x", op: "bogus", value: 1 })])]),
    ]);
    expect(problem?.field).toBe(
      "conditions[1].config.conditions[1].config.conditions[1].config.op",
    );
  });

  test("allows nesting to depth 10 and refuses 11", () => {
    expect(findConditionProblem(chain(10))).toBeNull();
    const problem = findConditionProblem(chain(11));
    expect(problem?.message).toBe("nests condition groups deeper than 10 levels");
    expect(problem?.field).toBe(
      `conditions${"[0].config.conditions".repeat(10)}`,
    );
  });

  test("every/some subtrees count towards the depth", () => {
    // 9 levels of groups, then an `every` leaf at depth 10 whose children are at 11.
    let list: ConditionInput[] = [
      leaf({ path: "items", op: "every", conditions: [eq("price", 1)] }),
    ];
    for (let d = 1; d < 10; d++) list = [group("all", list)];
    expect(findConditionProblem(list)?.message).toContain("deeper than 10");
  });

  test("allows 50 conditions (groups and leaves) and refuses 51", () => {
    const leaves = (n: number) => Array.from({ length: n }, (_, i) => eq(`f${i}`));
    expect(findConditionProblem(leaves(50))).toBeNull();
    expect(findConditionProblem([group("all", leaves(49))])).toBeNull();
    expect(findConditionProblem(leaves(51))).toEqual({
      field: "conditions",
      message: "has more than 50 conditions (groups and leaves counted)",
    });
    expect(findConditionProblem([group("all", leaves(50))])?.field).toBe("conditions");
    // Children of every/some count too.
    expect(
      findConditionProblem([
        ...leaves(48),
        leaf({ path: "items", op: "some", conditions: [eq(), eq()] }),
      ])?.field,
    ).toBe("conditions");
  });

  test("refuses invalid and duplicate ids anywhere in the tree", () => {
    expect(findConditionProblem([eq("a", 1, "bad id")])?.field).toBe("conditions[0].id");
    expect(findConditionProblem([eq("a", 1, "")])?.field).toBe("conditions[0].id");
    expect(findConditionProblem([eq("a", 1, "x".repeat(129))])?.message).toContain(
      "longer than 128",
    );
    expect(
      findConditionProblem([eq("a", 1, "k"), group("all", [eq("b", 2, "k")])]),
    ).toEqual({
      field: "conditions[1].config.conditions[0].id",
      message: 'duplicate condition id "k"',
    });
    expect(
      findConditionProblem([eq("a", 1, "c1"), eq("b", 2), eq("c", 3, "c2")]),
    ).toBeNull();
  });

  test("needs a non-empty type", () => {
    expect(findConditionProblem([{ type: "", config: {} }])).toEqual({
      field: "conditions[0].type",
      message: "must be a non-empty string",
    });
  });

  test("custom types pass alone, and only declared ones with customTypes", () => {
    const custom: ConditionInput = { type: "is_vip", config: { tier: 2 } };
    expect(findConditionProblem([custom])).toBeNull();
    expect(findConditionProblem([custom], new Set(["is_vip"]))).toBeNull();
    const problem = findConditionProblem([custom], new Set(["other"]));
    expect(problem?.field).toBe("conditions[0].type");
    expect(problem?.message).toContain('unknown condition type "is_vip"');
    expect(problem?.message).toContain("all, any, not, field, other");
    expect(findConditionProblem([{ type: "is_vip", config: [1] }])).toEqual({
      field: "conditions[0].config",
      message: "must be an object",
    });
  });
});

describe("findConditionProblem: field conditions", () => {
  test("config must be an object with known fields only", () => {
    for (const config of [null, "x", [1], 3]) {
      expect(findConditionProblem([{ type: "field", config }])).toEqual({
        field: "conditions[0].config",
        message: "must be an object",
      });
    }
    expect(problemOf({ path: "a", op: "eq", value: 1, extra: 2 })).toEqual({
      field: "conditions[0].config.extra",
      message: "is not a field of a field condition",
    });
  });

  test("path must be a non-empty valid path", () => {
    expect(problemOf({ op: "eq", value: 1 })?.field).toBe("conditions[0].config.path");
    expect(problemOf({ path: "", op: "eq", value: 1 })?.field).toBe(
      "conditions[0].config.path",
    );
    expect(problemOf({ path: 5, op: "eq", value: 1 })?.field).toBe(
      "conditions[0].config.path",
    );
    const problem = problemOf({ path: "a..b", op: "eq", value: 1 });
    expect(problem?.field).toBe("conditions[0].config.path");
    expect(problem?.message).toContain('"a..b" is not a path');
  });

  test("refuses unknown operators, listing the known ones", () => {
    for (const op of ["equals", "", undefined, 1, "EQ"]) {
      const problem = problemOf({ path: "a", op, value: 1 });
      expect(problem?.field).toBe("conditions[0].config.op");
      expect(problem?.message).toContain("unknown operator");
      expect(problem?.message).toContain(FIELD_OPERATORS.join(", "));
    }
  });

  test("accepts a valid config for every operator", () => {
    const valid: Record<string, Record<string, unknown>> = {
      eq: { value: "x" },
      neq: { value: { nested: [1] } },
      in: { value: ["a", "b"] },
      nin: { value: [] },
      contains: { value: "x" },
      not_contains: { value: "x" },
      starts_with: { value: "x" },
      ends_with: { value: "x" },
      matches: { value: "^[a-z]+$" },
      gt: { value: 1 },
      gte: { value: "2024-01-01" },
      lt: { value: 1.5 },
      lte: { value: -3 },
      between: { value: [1, 10] },
      exists: {},
      not_exists: {},
      is_empty: {},
      is_not_empty: {},
      changed: {},
      changed_to: { value: "done" },
      changed_from: { value: "todo" },
      before: { value: "2024-01-01" },
      after: { valuePath: "item.created" },
      within: { value: "7 days" },
      every: { conditions: [eq("price", 1)] },
      some: { conditions: [eq("price", 1)] },
    };
    expect(Object.keys(valid).sort()).toEqual([...FIELD_OPERATORS].sort());
    for (const [op, rest] of Object.entries(valid)) {
      // changed/changed_to/changed_from read value... against previousValue...
      const path = op.startsWith("changed") ? "value.x" : "item.x";
      expect(problemOf({ path, op, ...rest }), op).toBeNull();
    }
    expect(problemOf({ path: "a", op: "within", value: 86_400_000 })).toBeNull();
  });

  test("in/nin need an array", () => {
    for (const op of ["in", "nin"]) {
      for (const value of ["a", 1, { a: 1 }, null]) {
        expect(problemOf({ path: "a", op, value })).toEqual({
          field: "conditions[0].config.value",
          message: `operator "${op}" needs an array of values`,
        });
      }
    }
  });

  test("between needs exactly [low, high]", () => {
    for (const value of [[], [1], [1, 2, 3], 5, "1,2"]) {
      expect(problemOf({ path: "a", op: "between", value })).toEqual({
        field: "conditions[0].config.value",
        message: 'operator "between" needs [low, high]',
      });
    }
    expect(problemOf({ path: "a", op: "between", value: ["a", "z"] })).toBeNull();
  });

  test("matches needs a valid regular expression of at most 256 characters", () => {
    expect(problemOf({ path: "a", op: "matches", value: 1 })?.message).toContain(
      "regular expression string",
    );
    const bad = problemOf({ path: "a", op: "matches", value: "([a-z" });
    expect(bad?.field).toBe("conditions[0].config.value");
    expect(bad?.message).toContain("invalid regular expression");
    expect(problemOf({ path: "a", op: "matches", value: "a".repeat(256) })).toBeNull();
    expect(problemOf({ path: "a", op: "matches", value: "a".repeat(257) })?.message).toContain(
      "longer than 256",
    );
  });

  test("gt/gte/lt/lte need a number or a string; within a window", () => {
    for (const op of ["gt", "gte", "lt", "lte"]) {
      for (const value of [true, null, [1], { a: 1 }]) {
        expect(problemOf({ path: "a", op, value })?.message).toBe(
          `operator "${op}" needs a number or a string`,
        );
      }
    }
    for (const value of [true, null, { days: 7 }]) {
      expect(problemOf({ path: "a", op: "within", value })?.message).toContain(
        'operator "within" needs a window',
      );
    }
  });

  test("operators without a value refuse value and valuePath", () => {
    for (const op of ["exists", "not_exists", "is_empty", "is_not_empty", "changed"]) {
      expect(problemOf({ path: "a", op, value: 1 })).toEqual({
        field: "conditions[0].config.value",
        message: `operator "${op}" takes no value`,
      });
      expect(problemOf({ path: "a", op, valuePath: "b" })?.message).toBe(
        `operator "${op}" takes no value`,
      );
    }
  });

  test("operators with a value need value or valuePath", () => {
    for (const op of ["eq", "in", "between", "matches", "gt", "changed_to", "within"]) {
      expect(problemOf({ path: "a", op })).toEqual({
        field: "conditions[0].config.value",
        message: `operator "${op}" needs a value or a valuePath`,
      });
      // A valuePath replaces the value, and its operand is not checked.
      const path = op === "changed_to" ? "value" : "a";
      expect(problemOf({ path, op, valuePath: "item.other" })).toBeNull();
    }
    // null is a value.
    expect(problemOf({ path: "a", op: "eq", value: null })).toBeNull();
  });

  test("value and valuePath are exclusive; valuePath must be a valid path", () => {
    expect(problemOf({ path: "a", op: "eq", value: 1, valuePath: "b" })).toEqual({
      field: "conditions[0].config.valuePath",
      message: "give either value or valuePath, not both",
    });
    expect(problemOf({ path: "a", op: "eq", valuePath: "" })).toEqual({
      field: "conditions[0].config.valuePath",
      message: "must be a non-empty path",
    });
    expect(problemOf({ path: "a", op: "eq", valuePath: 3 })?.field).toBe(
      "conditions[0].config.valuePath",
    );
    expect(problemOf({ path: "a", op: "eq", valuePath: "b[x]" })?.message).toContain(
      "is not a path",
    );
  });

  test("every/some need non-empty nested conditions, checked recursively", () => {
    for (const op of ["every", "some"]) {
      for (const conditions of [undefined, [], "x"]) {
        expect(problemOf({ path: "items", op, conditions })).toEqual({
          field: "conditions[0].config.conditions",
          message: `operator "${op}" needs config.conditions, applied to each array element`,
        });
      }
      expect(
        problemOf({ path: "items", op, conditions: [leaf({ path: "p", op: "in", value: 1 })] }),
      ).toEqual({
        field: "conditions[0].config.conditions[0].config.value",
        message: 'operator "in" needs an array of values',
      });
    }
  });

  test("only every/some take nested conditions", () => {
    expect(problemOf({ path: "a", op: "eq", value: 1, conditions: [eq()] })).toEqual({
      field: "conditions[0].config.conditions",
      message: 'only "every" and "some" take nested conditions',
    });
  });
});

describe("findConditionProblem: operands", () => {
  test("changed / changed_to / changed_from need a path under value", () => {
    for (const op of ["changed", "changed_to", "changed_from"]) {
      const rest = op === "changed" ? {} : { value: "Done" };
      for (const path of ["value", "value.label.text", "value[0].id"]) {
        expect(problemOf({ path, op, ...rest }), path).toBeNull();
      }
      for (const path of ["item.status", "values.x", "previousValue.text", "valueX", "a.value"]) {
        const problem = problemOf({ path, op, ...rest });
        expect(problem?.field, path).toBe("conditions[0].config.path");
        expect(problem?.message).toContain('the path must start with "value"');
        expect(problem?.message).toContain("previousValue");
      }
    }
  });

  test("starts_with / ends_with need a string; between numbers or strings", () => {
    for (const op of ["starts_with", "ends_with"]) {
      expect(problemOf({ path: "a", op, value: 1 })?.message).toBe(`operator "${op}" needs a string`);
      expect(problemOf({ path: "a", op, value: "" })).toBeNull();
    }
    expect(problemOf({ path: "a", op: "between", value: [1, null] })?.message).toContain(
      "numbers or strings",
    );
    expect(problemOf({ path: "a", op: "between", value: [1, "9"] })).toBeNull();
  });

  test("before / after need a date, absolute or relative", () => {
    for (const op of ["before", "after"]) {
      for (const value of [
        "2024-01-01",
        "2024-01-01T10:00:00Z",
        "2024-01-01 10:00",
        "2024-01-01T10:00:00.123+05:30",
        1763630043.09,
        1_700_000_000_000,
        "now",
        "7 days ago",
        "in 2 hours",
        "1 week ago",
        "in 30 minutes",
        "3d ago",
        "in 1h",
        " Now ",
      ]) {
        expect(problemOf({ path: "a", op, value }), String(value)).toBeNull();
      }
      for (const value of [
        "tomorrow",
        "",
        "7 days",
        "in 2 fortnights",
        "2024-13-01",
        "2024-02-30",
        "01/02/2024",
        "1700000000",
        true,
        null,
        [2024],
        Infinity,
      ]) {
        const problem = problemOf({ path: "a", op, value });
        expect(problem?.field, String(value)).toBe("conditions[0].config.value");
        expect(problem?.message).toContain(`operator "${op}" needs a date`);
      }
    }
  });

  test("within needs a window", () => {
    for (const value of ["7 days", "last 7 days", "next 3 hours", "1 week", "30m", "NEXT 2 D", 0, 5000]) {
      expect(problemOf({ path: "a", op: "within", value }), String(value)).toBeNull();
    }
    for (const value of ["7 days ago", "in 2 hours", "a week", "", "last days", -1, NaN, Infinity]) {
      expect(problemOf({ path: "a", op: "within", value })?.message, String(value)).toContain(
        'operator "within" needs a window such as "7 days", "last 7 days", "next 3 hours" or a number of milliseconds',
      );
    }
  });

  test("matches accepts patterns a backtracking engine stalls on: RE2 runs them in linear time", () => {
    for (const value of [
      ".*.*.*x",
      "a*a*a*b",
      "\\s*\\s*\\s*x$",
      "(a+)+",
      "(a|aa)+",
      "(.*a){20}",
      "^(a+)+$",
      "(x+x+)+y",
      "(\\w+\\s?)+$",
      "(.|\\s)*",
      "(?:a|a?)+",
    ]) {
      expect(problemOf({ path: "a", op: "matches", value }), value).toBeNull();
    }
  });

  test("matches refuses backreferences and lookaround, naming the field", () => {
    for (const value of ["(a)\\1", "(a)(b)\\2", "(?<x>a)\\k<x>", "\\9", "(?=x)", "a(?!x)", "(?<=x)a", "(?<!x)a"]) {
      const problem = problemOf({ path: "a", op: "matches", value });
      expect(problem?.field, value).toBe("conditions[0].config.value");
      expect(problem?.message, value).toContain("may not use backreferences (\\1, \\k<name>) or lookaround");
    }
  });

  test("matches refuses syntax RE2 does not have, and programs over the size cap", () => {
    for (const value of ["\\u0042", "\\cJ", "[^]*", "a**", "x{1001}"]) {
      expect(problemOf({ path: "a", op: "matches", value })?.message, value).toContain(
        "invalid regular expression (RE2 syntax)",
      );
    }
    expect(problemOf({ path: "a", op: "matches", value: ".{998}" })).toBeNull();
    expect(problemOf({ path: "a", op: "matches", value: ".{999}" })?.message).toContain(
      "compiles to 1001 instructions, at most 1000",
    );
  });

  test("matches accepts ordinary expressions", () => {
    for (const value of [
      "^[a-z]+$",
      "^\\d+(\\.\\d+)?$",
      "(foo|bar)+",
      "(?:https?|ftp)://[^ ]+",
      "(\\d{3}-)+\\d{4}",
      "\\(a+\\)+",
      "[(]a+[)]+",
      "a{,5}",
      "\\x41\\x{42}\\n\\t",
      "(?<year>\\d{4})-(?P<month>\\d{2})",
      "(?i)^done$",
      "^\\pL+$",
      "[\\]a-]+",
      "[[:alpha:]]",
      "\\b(cat|dog)s?\\b",
      "",
    ]) {
      expect(problemOf({ path: "a", op: "matches", value }), value).toBeNull();
    }
  });
});

describe("parseDate / parseDateOperand / parseWindow", () => {
  test("parseDate: ISO-8601 strings (UTC without a zone) and epoch numbers", () => {
    expect(parseDate("2024-01-01")).toBe(Date.UTC(2024, 0, 1));
    expect(parseDate("2024-01-01T10:20:30Z")).toBe(Date.UTC(2024, 0, 1, 10, 20, 30));
    expect(parseDate("2024-01-01T10:20:30")).toBe(Date.UTC(2024, 0, 1, 10, 20, 30));
    expect(parseDate("2024-01-01 10:20")).toBe(Date.UTC(2024, 0, 1, 10, 20));
    expect(parseDate("2024-01-01T10:20:30.5Z")).toBe(Date.UTC(2024, 0, 1, 10, 20, 30, 500));
    expect(parseDate("2024-01-01T10:20:30.123456Z")).toBe(Date.UTC(2024, 0, 1, 10, 20, 30, 123));
    expect(parseDate("2024-01-01T10:00:00+02:00")).toBe(Date.UTC(2024, 0, 1, 8));
    expect(parseDate("2024-01-01T10:00:00-0130")).toBe(Date.UTC(2024, 0, 1, 11, 30));
    expect(parseDate("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseDate("0099-01-01")).toBe(new Date("0099-01-01T00:00:00Z").getTime());
    for (const bad of ["2023-02-29", "2024-00-10", "2024-01-32", "2024-01-01T24:00", "2024-01-01T10:60", "2024-1-1", "x", "", "1700000000"]) {
      expect(parseDate(bad), bad).toBeUndefined();
    }
    expect(parseDate(1763630043.09)).toBeCloseTo(1763630043090, 3);
    expect(parseDate(1e11 - 1)).toBe((1e11 - 1) * 1000);
    expect(parseDate(1e11)).toBe(1e11);
    expect(parseDate(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(parseDate(NaN)).toBeUndefined();
    expect(parseDate(null)).toBeUndefined();
    expect(parseDate(new Date(5))).toBe(5);
  });

  test("parseDateOperand: relative dates", () => {
    expect(parseDateOperand("now")).toEqual({ relative: true, offsetMs: 0 });
    expect(parseDateOperand("7 days ago")).toEqual({ relative: true, offsetMs: -7 * 86_400_000 });
    expect(parseDateOperand("in 2 hours")).toEqual({ relative: true, offsetMs: 2 * 3_600_000 });
    expect(parseDateOperand("in 1 minute")).toEqual({ relative: true, offsetMs: 60_000 });
    expect(parseDateOperand("2w ago")).toEqual({ relative: true, offsetMs: -14 * 86_400_000 });
    expect(parseDateOperand("2024-01-01")).toEqual({ relative: false, ms: Date.UTC(2024, 0, 1) });
    for (const bad of ["7 constructor ago", "in 2 toString", "ago", "in", "7 days", "-1 days ago"]) {
      expect(parseDateOperand(bad), bad).toBeUndefined();
    }
  });

  test("parseWindow", () => {
    expect(parseWindow("7 days")).toEqual({ ms: 7 * 86_400_000, future: false });
    expect(parseWindow("last 2 weeks")).toEqual({ ms: 14 * 86_400_000, future: false });
    expect(parseWindow("next 3 hours")).toEqual({ ms: 3 * 3_600_000, future: true });
    expect(parseWindow(1000)).toEqual({ ms: 1000, future: false });
    for (const bad of ["next", "7", "7 years", "7 __proto__", -5, "1 day ago", null]) {
      expect(parseWindow(bad), String(bad)).toBeUndefined();
    }
  });
});

describe("pathSyntaxProblem", () => {
  test("accepts dotted names with [n] indexes", () => {
    for (const path of [
      "a",
      "item.status",
      "items[0].name",
      "matrix[0][12]",
      "column_values.text-1.value",
      "a b.c",
      "x:y",
    ]) {
      expect(pathSyntaxProblem(path), path).toBeNull();
    }
  });

  test("refuses malformed paths", () => {
    for (const path of ["", ".a", "a.", "a..b", "a[", "a[]", "a[x]", "[0]", "a[0]b", "a]", "a.[0]"]) {
      expect(pathSyntaxProblem(path), path).toBe(
        `"${path}" is not a path: use dotted names with [n] indexes, like items[0].name`,
      );
    }
  });
});

describe("idFormatProblem", () => {
  test("accepts letters, digits and _ - . : up to 128 characters", () => {
    for (const id of ["a", "Rule_1", "monday:board-1.item", "x".repeat(128)]) {
      expect(idFormatProblem(id)).toBeNull();
    }
  });

  test("refuses empty, non-string, long and other characters", () => {
    expect(idFormatProblem("")).toBe("must be a non-empty string");
    expect(idFormatProblem(5)).toBe("must be a non-empty string");
    expect(idFormatProblem("x".repeat(129))).toBe("is longer than 128 characters");
    for (const id of ["a b", "a/b", "é", "a#b", "a\n"]) {
      expect(idFormatProblem(id)).toContain("may only contain");
    }
  });
});

describe("assignConditionIds", () => {
  test("numbers conditions depth first from c1", () => {
    const tree = assignConditionIds([
      eq("a"),
      group("all", [eq("b"), group("not", [eq("c")])]),
      leaf({ path: "items", op: "every", conditions: [eq("d")] }),
    ]);
    const ids = flattenConditions(tree).map((n) => n.id);
    expect(ids).toEqual(["c1", "c2", "c3", "c4", "c5", "c6", "c7"]);
    expect(tree[1].config.conditions[1].config.conditions[0].id).toBe("c5");
    expect(tree[2].config.conditions[0].id).toBe("c7");
  });

  test("keeps caller ids and skips them when generating", () => {
    const tree = assignConditionIds([
      eq("a"),
      eq("b", 1, "c1"),
      group("any", [eq("c"), eq("d", 1, "c3")], "my-group"),
    ]);
    expect(flattenConditions(tree).map((n) => n.id)).toEqual([
      "c2",
      "c1",
      "my-group",
      "c4",
      "c3",
    ]);
  });

  test("is deterministic and does not modify its input", () => {
    const input = [eq("a"), group("all", [eq("b"), eq("c", 1, "c2")])];
    const copy = structuredClone(input);
    const first = assignConditionIds(input);
    const second = assignConditionIds(input);
    expect(second).toEqual(first);
    expect(input).toEqual(copy);
    expect(first).not.toBe(input);
  });

  test("leaves the config of custom types alone", () => {
    const custom = { type: "mine", config: { conditions: [{ type: "x", config: {} }] } };
    const [node] = assignConditionIds([custom]);
    expect(node).toEqual({ id: "c1", ...custom });
  });
});

describe("flattenConditions / nestConditions", () => {
  test("stores groups without children, children naming their parent", () => {
    const tree = assignConditionIds([
      group("all", [eq("a"), leaf({ path: "items", op: "some", conditions: [eq("p")] })]),
      eq("b"),
    ]);
    const flat = flattenConditions(tree);
    expect(flat).toEqual([
      { id: "c1", type: "all", config: {} },
      { id: "c2", type: "field", config: { path: "a", op: "eq", value: "done" }, parent: "c1" },
      { id: "c3", type: "field", config: { path: "items", op: "some" }, parent: "c1" },
      { id: "c4", type: "field", config: { path: "p", op: "eq", value: "done" }, parent: "c3" },
      { id: "c5", type: "field", config: { path: "b", op: "eq", value: "done" } },
    ]);
    expect(nestConditions(flat)).toEqual(tree);
  });

  test("a depth-10 tree flattens to configs without nesting", () => {
    const tree = assignConditionIds(chain(10));
    const flat = flattenConditions(tree);
    expect(flat).toHaveLength(10);
    for (const node of flat) {
      expect(JSON.stringify(node.config)).not.toContain("conditions");
    }
    expect(nestConditions(flat)).toEqual(tree);
  });

  test("nestConditions of nothing is nothing", () => {
    expect(nestConditions([])).toEqual([]);
    expect(flattenConditions([])).toEqual([]);
  });

  // Random trees of groups, field leaves (some with every/some subtrees) and
  // custom conditions, some nodes with caller ids.
  const named = fc.boolean();
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  const { node } = fc.letrec<{ node: ConditionInput }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc
        .record({ path: fc.constantFrom("a", "b.c", "items[0].x"), value: scalar, named })
        .map(({ path, value, named }) => ({ ...(named ? { id: "?" } : {}), type: "field", config: { path, op: "eq", value } })),
      fc
        .record({ config: fc.dictionary(fc.constantFrom("k", "tier", "conditions"), scalar), named })
        .map(({ config, named }) => ({ ...(named ? { id: "?" } : {}), type: "custom", config })),
      fc
        .record({
          type: fc.constantFrom("all", "any", "not"),
          children: fc.array(tie("node"), { minLength: 1, maxLength: 4 }),
          named,
        })
        .map(({ type, children, named }) => ({
          ...(named ? { id: "?" } : {}),
          type,
          config: { conditions: type === "not" ? children.slice(0, 1) : children },
        })),
      fc
        .record({
          op: fc.constantFrom("every", "some"),
          children: fc.array(tie("node"), { minLength: 1, maxLength: 3 }),
          named,
        })
        .map(({ op, children, named }) => ({
          ...(named ? { id: "?" } : {}),
          type: "field",
          config: { path: "items", op, conditions: children },
        })),
    ),
  }));
  /** Replaces the placeholder ids with unique caller ids, k1, k2, ... */
  function nameNodes(list: ConditionInput[]): ConditionInput[] {
    let n = 0;
    const visit = (nodes: ConditionInput[]): ConditionInput[] =>
      nodes.map((c) => {
        const id = c.id === undefined ? {} : { id: `k${++n}` };
        const children = c.type !== "custom" ? c.config.conditions : undefined;
        return {
          ...id,
          type: c.type,
          config: Array.isArray(children) ? { ...c.config, conditions: visit(children) } : c.config,
        };
      });
    return visit(list);
  }
  function callerIdsOf(list: ConditionInput[]): string[] {
    return list.flatMap((c) => [
      ...(c.id === undefined ? [] : [c.id]),
      ...(c.type !== "custom" && Array.isArray(c.config.conditions)
        ? callerIdsOf(c.config.conditions)
        : []),
    ]);
  }
  const trees = fc.array(node, { maxLength: 5 }).map(nameNodes);

  test("property: nest(flatten(tree)) is the tree", () => {
    fc.assert(
      fc.property(trees, (input) => {
        const tree: Condition[] = assignConditionIds(input);
        const flat: StoredCondition[] = flattenConditions(tree);
        expect(nestConditions(flat)).toEqual(tree);
        // Ids are unique and every parent is stored before its children.
        const ids = flat.map((n) => n.id);
        expect(new Set(ids).size).toBe(ids.length);
        const seen = new Set<string>();
        for (const n of flat) {
          if (n.parent !== undefined) expect(seen.has(n.parent)).toBe(true);
          if (isGroupType(n.type)) expect(n.config).toEqual({});
          seen.add(n.id);
        }
        // Caller ids are kept.
        for (const id of callerIdsOf(input)) expect(ids).toContain(id);
      }),
      { numRuns: 300 },
    );
  });

  test("property: flattening a nested tree is stable", () => {
    fc.assert(
      fc.property(trees, (input) => {
        const flat = flattenConditions(assignConditionIds(input));
        expect(flattenConditions(assignConditionIds(nestConditions(flat)))).toEqual(flat);
      }),
      { numRuns: 200 },
    );
  });
});

describe("helpers", () => {
  test("isGroupType and isPlainObject", () => {
    expect(["all", "any", "not"].every(isGroupType)).toBe(true);
    expect(isGroupType("field")).toBe(false);
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    for (const value of [null, [], "x", 1, new Date(), new Map()]) {
      expect(isPlainObject(value)).toBe(false);
    }
  });
});
