/**
 * Our condition trees in the other engines' own formats. Only what the
 * workload uses is translated (all / any / not; eq, in, gt, gte, lt, lte,
 * starts_with, contains on an array); anything else throws, so a workload
 * change cannot silently compare different rules.
 *
 * json-rules-engine: a top-level field is a fact of its own (`engine.run`
 * turns each key of the event into a fact); a nested field is its top-level
 * fact plus a JSONPath (`{ fact: "user", path: "$.role" }`), the engine's
 * documented way. It has no string-prefix operator: the benchmark adds one,
 * `startsWith` (see {@link STARTS_WITH}).
 *
 * json-logic-js: `var` reads dotted paths itself; eq is `===` (strict, like
 * ours), prefix is the built-in `substr` compared with `===`, array
 * membership is `in` with the array second.
 */
import type { RulesLogic } from "json-logic-js";
import type { NestedCondition, TopLevelCondition } from "json-rules-engine";
import type { Condition } from "../../src/shared.js";

/** The custom operator json-rules-engine needs for `starts_with`. */
export const STARTS_WITH = {
  name: "startsWith",
  evaluate: (factValue: unknown, prefix: unknown) =>
    typeof factValue === "string" && typeof prefix === "string" && factValue.startsWith(prefix),
};

const JRE_OPERATORS: Record<string, string> = {
  eq: "equal",
  in: "in",
  gt: "greaterThan",
  gte: "greaterThanInclusive",
  lt: "lessThan",
  lte: "lessThanInclusive",
  starts_with: STARTS_WITH.name,
  contains: "contains",
};

function unsupported(node: Condition): never {
  throw new Error(`translation: condition ${JSON.stringify(node)} is not supported`);
}

function jreNode(node: Condition): NestedCondition {
  switch (node.type) {
    case "all":
      return { all: node.config.conditions.map(jreNode) };
    case "any":
      return { any: node.config.conditions.map(jreNode) };
    case "not":
      return { not: jreNode(node.config.conditions[0]) };
    case "field": {
      const { path, op, value } = node.config as { path: string; op: string; value: unknown };
      const operator = JRE_OPERATORS[op];
      if (operator === undefined || /\[/.test(path)) unsupported(node);
      const [fact, ...rest] = path.split(".");
      return rest.length === 0
        ? { fact, operator, value: value as never }
        : { fact, path: `$.${rest.join(".")}`, operator, value: value as never };
    }
    default:
      unsupported(node);
  }
}

/** The `conditions` of a json-rules-engine rule: our top-level list is an `all`. */
export function toJsonRulesEngine(conditions: Condition[]): TopLevelCondition {
  return { all: conditions.map(jreNode) };
}

function logicNode(node: Condition): RulesLogic {
  switch (node.type) {
    case "all":
      return { and: node.config.conditions.map(logicNode) };
    case "any":
      return { or: node.config.conditions.map(logicNode) };
    case "not":
      return { "!": [logicNode(node.config.conditions[0])] };
    case "field": {
      const { path, op, value } = node.config as { path: string; op: string; value: any };
      const v = { var: path };
      switch (op) {
        case "eq":
          return { "===": [v, value] };
        case "in":
          return { in: [v, value] };
        case "gt":
          return { ">": [v, value] };
        case "gte":
          return { ">=": [v, value] };
        case "lt":
          return { "<": [v, value] };
        case "lte":
          return { "<=": [v, value] };
        case "starts_with":
          return { "===": [{ substr: [v, 0, (value as string).length] }, value] };
        case "contains":
          return { in: [value, v] };
        default:
          unsupported(node);
      }
      break;
    }
    default:
      unsupported(node);
  }
}

/** A json-logic rule: our top-level list is an `and`. */
export function toJsonLogic(conditions: Condition[]): RulesLogic {
  return { and: conditions.map(logicNode) };
}
