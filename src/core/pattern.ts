/**
 * Trigger patterns in the language of AWS EventBridge event patterns: nested
 * fields mirror the event, a leaf is a list of allowed values or operator
 * objects, and `"$or": [pattern, pattern, ...]` at any level holds when one
 * of its patterns does. This module checks their shape, refusing what
 * EventBridge refuses. Pure: no database, no ctx.
 */
import { parseCidr } from "./cidr.js";
import { isPlainObject } from "./conditions.js";
import { numericProblem } from "./numericPattern.js";
import { wildcardProblem } from "./wildcard.js";

export type PatternProblem = { field: string; message: string };

/** Operators a pattern list may hold, besides exact values. */
export const PATTERN_OPERATORS = [
  "prefix",
  "suffix",
  "equals-ignore-case",
  "wildcard",
  "anything-but",
  "numeric",
  "exists",
  "cidr",
] as const;

/** The key whose list of patterns ORs them together. */
export const OR_KEY = "$or";

/** Operators `anything-but` may hold instead of plain values. */
export const ANYTHING_BUT_OPERATORS = [
  "prefix",
  "suffix",
  "equals-ignore-case",
  "wildcard",
] as const;

/**
 * Names EventBridge reserves inside `$or`: a field of that name there would
 * read as an operator.
 */
const RESERVED_IN_OR = new Set([
  "exactly",
  ...PATTERN_OPERATORS,
  "=",
  "<",
  "<=",
  ">",
  ">=",
  "regex",
  "not-wildcard",
  "not-equals-ignore-case",
  "date-after",
  "date-on-or-after",
  "date-before",
  "date-on-or-before",
  "in-date-range",
  "ip-address-in-range",
  "ip-address-not-in-range",
]);

const MAX_PATTERN_DEPTH = 10;

/** Why `pattern` is not a valid trigger pattern, or null. */
export function findPatternProblem(
  pattern: unknown,
  field = "triggerPattern",
): PatternProblem | null {
  if (!isPlainObject(pattern)) {
    return {
      field,
      message: "must be an object whose fields mirror the event",
    };
  }
  return objectProblem(pattern, field, 1, false);
}

function objectProblem(
  pattern: Record<string, unknown>,
  field: string,
  depth: number,
  insideOr: boolean,
): PatternProblem | null {
  if (depth > MAX_PATTERN_DEPTH) {
    return { field, message: `nests deeper than ${MAX_PATTERN_DEPTH} levels` };
  }
  const keys = Object.keys(pattern);
  if (keys.length === 0) {
    return { field, message: "must constrain at least one field" };
  }
  for (const key of keys) {
    const value = pattern[key];
    const path = `${field}.${key}`;
    if (key === OR_KEY) {
      const problem = orProblem(value, path, depth);
      if (problem) return problem;
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      return {
        field: path,
        message: `"${key}" is an operator name, which EventBridge does not allow as a field name inside "$or"`,
      };
    }
    if (Array.isArray(value)) {
      const problem = listProblem(value, path);
      if (problem) return problem;
    } else if (isPlainObject(value)) {
      const problem = objectProblem(value, path, depth + 1, insideOr);
      if (problem) return problem;
    } else {
      return {
        field: path,
        message: "must be a list of allowed values or a nested pattern object",
      };
    }
  }
  return null;
}

function orProblem(value: unknown, field: string, depth: number): PatternProblem | null {
  const message = `"$or" needs a list of at least two pattern objects`;
  if (!Array.isArray(value) || value.length < 2) return { field, message };
  for (let i = 0; i < value.length; i++) {
    const branch = value[i];
    const path = `${field}[${i}]`;
    if (!isPlainObject(branch)) return { field: path, message };
    const problem = objectProblem(branch, path, depth + 1, true);
    if (problem) return problem;
  }
  return null;
}

function listProblem(list: unknown[], field: string): PatternProblem | null {
  if (list.length === 0) {
    return { field, message: "must allow at least one value" };
  }
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const path = `${field}[${i}]`;
    if (isExactValue(item)) continue;
    if (!isPlainObject(item)) {
      return {
        field: path,
        message: "must be a string, number, boolean, null or an operator object",
      };
    }
    const problem = operatorProblem(item, path);
    if (problem) return problem;
  }
  return null;
}

function isExactValue(value: unknown): boolean {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    isFiniteNumber(value)
  );
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function operatorProblem(item: Record<string, unknown>, field: string): PatternProblem | null {
  const keys = Object.keys(item);
  if (keys.length !== 1) {
    return { field, message: "an operator object has exactly one operator" };
  }
  const op = keys[0]!;
  const arg = item[op];
  const at = `${field}.${op}`;
  switch (op) {
    case "prefix":
    case "suffix":
      return isPlainObject(arg)
        ? ignoreCaseProblem(op, arg, at)
        : stringProblem(op, arg, at, `a string or {"equals-ignore-case": string}`);
    case "equals-ignore-case":
      return stringProblem(op, arg, at, "a string");
    case "wildcard":
      return (
        stringProblem(op, arg, at, "a string") ?? textProblem(wildcardProblem(arg as string), at)
      );
    case "cidr": {
      const problem = stringProblem(op, arg, at, `a string like "10.0.0.0/24" or "2001:db8::/64"`);
      if (problem) return problem;
      const range = parseCidr(arg as string);
      return typeof range === "string"
        ? {
            field: at,
            message: `"cidr" needs an IPv4 or IPv6 block like "10.0.0.0/24": ${range}`,
          }
        : null;
    }
    case "exists":
      return typeof arg === "boolean"
        ? null
        : { field: at, message: `"exists" needs true or false` };
    case "anything-but":
      return anythingButProblem(arg, at);
    case "numeric":
      return textProblem(numericProblem(arg), at);
    default:
      return {
        field: at,
        message: `unknown pattern operator "${op}"; expected one of ${PATTERN_OPERATORS.join(", ")}`,
      };
  }
}

function stringProblem(
  op: string,
  arg: unknown,
  field: string,
  wanted: string,
): PatternProblem | null {
  return typeof arg === "string" ? null : { field, message: `"${op}" needs ${wanted}` };
}

function textProblem(message: string | null, field: string): PatternProblem | null {
  return message === null ? null : { field, message };
}

/** `{"prefix": {"equals-ignore-case": "ab"}}` and the same for suffix. */
function ignoreCaseProblem(
  op: string,
  arg: Record<string, unknown>,
  field: string,
): PatternProblem | null {
  const keys = Object.keys(arg);
  if (keys.length !== 1 || keys[0] !== "equals-ignore-case") {
    return {
      field,
      message: `"${op}" holds a string or {"equals-ignore-case": string}, nothing else`,
    };
  }
  return stringProblem(
    "equals-ignore-case",
    arg["equals-ignore-case"],
    `${field}.equals-ignore-case`,
    "a string",
  );
}

function anythingButProblem(arg: unknown, field: string): PatternProblem | null {
  if (typeof arg === "string" || isFiniteNumber(arg)) return null;
  if (Array.isArray(arg)) {
    if (arg.length === 0) return { field, message: `"anything-but" needs at least one value` };
    if (!arg.every((value) => typeof value === "string" || isFiniteNumber(value))) {
      return {
        field,
        message: `"anything-but" lists strings or numbers only; EventBridge allows no null, boolean, object or list there`,
      };
    }
    const strings = arg.filter((value) => typeof value === "string").length;
    if (strings !== 0 && strings !== arg.length) {
      return {
        field,
        message: `"anything-but" lists either all strings or all numbers, not both`,
      };
    }
    return null;
  }
  if (isPlainObject(arg)) return anythingButOperatorProblem(arg, field);
  return {
    field,
    message: `"anything-but" needs a string, a number, a list of either, or one of ${ANYTHING_BUT_OPERATORS.map((op) => `{"${op}": ...}`).join(", ")}`,
  };
}

/** `{"anything-but": {"prefix": "a"}}` and the like, with one value or a list. */
function anythingButOperatorProblem(
  arg: Record<string, unknown>,
  field: string,
): PatternProblem | null {
  const keys = Object.keys(arg);
  const op = keys[0];
  if (keys.length !== 1 || op === undefined || !(ANYTHING_BUT_OPERATORS as readonly string[]).includes(op)) {
    return {
      field,
      message: `"anything-but" holds one of ${ANYTHING_BUT_OPERATORS.join(", ")} as an operator, nothing else`,
    };
  }
  const at = `${field}.${op}`;
  const values = Array.isArray(arg[op]) ? (arg[op] as unknown[]) : [arg[op]];
  if (values.length === 0 || !values.every((value) => typeof value === "string")) {
    return {
      field: at,
      message: `"anything-but" with "${op}" needs a string or a non-empty list of strings`,
    };
  }
  for (const value of values as string[]) {
    if ((op === "prefix" || op === "suffix") && value === "") {
      return {
        field: at,
        message: `"anything-but" with "${op}" needs non-empty strings`,
      };
    }
    if (op === "wildcard") {
      const problem = textProblem(wildcardProblem(value), at);
      if (problem) return problem;
    }
  }
  return null;
}
