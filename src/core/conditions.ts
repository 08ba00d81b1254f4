/**
 * Structure of condition trees: validation, id assignment, and the flat
 * storage form. Pure: no database, no ctx. Evaluation lives in the engine.
 */
import type { Condition, ConditionInput } from "../shared.js";
import { FIELD_CONDITION_TYPE, FIELD_OPERATORS, GROUP_CONDITION_TYPES } from "./conditionTypes.js";
import { LIMITS } from "./limits.js";
import { regexProblem } from "./regex.js";

export type ConditionProblem = { field: string; message: string };

/** A condition node in storage: groups keep no children in `config`. */
export type StoredCondition = {
  id: string;
  type: string;
  config: any;
  parent?: string;
};

const OPERATORS_WITHOUT_VALUE = new Set([
  "exists",
  "not_exists",
  "is_empty",
  "is_not_empty",
  "changed",
]);
const OPERATORS_WITH_LIST = new Set(["in", "nin"]);
const OPERATORS_WITH_SUBTREE = new Set(["every", "some"]);
const FIELD_CONFIG_KEYS = new Set([
  "path",
  "op",
  "value",
  "valuePath",
  "conditions",
]);

export function isGroupType(type: string): boolean {
  return (GROUP_CONDITION_TYPES as readonly string[]).includes(type);
}

/**
 * Checks a condition tree. `customTypes`, when given, is the set of custom
 * condition types the integration declares; any other non-built-in type is
 * then an error. Without it (the component alone), custom types pass and the
 * client is the one that knows the integration's declarations.
 */
export function findConditionProblem(
  conditions: readonly ConditionInput[],
  customTypes?: ReadonlySet<string>,
): ConditionProblem | null {
  let nodes = 0;
  const seen = new Set<string>();
  const visit = (
    list: readonly ConditionInput[],
    base: string,
    depth: number,
  ): ConditionProblem | null => {
    if (depth > LIMITS.conditionDepth) {
      return {
        field: base,
        message: `nests condition groups deeper than ${LIMITS.conditionDepth} levels`,
      };
    }
    for (let i = 0; i < list.length; i++) {
      const node = list[i]!;
      const field = `${base}[${i}]`;
      nodes++;
      if (nodes > LIMITS.conditions) {
        return {
          field: "conditions",
          message: `has more than ${LIMITS.conditions} conditions (groups and leaves counted)`,
        };
      }
      if (node.id !== undefined) {
        const idProblem = idFormatProblem(node.id);
        if (idProblem) return { field: `${field}.id`, message: idProblem };
        if (seen.has(node.id)) {
          return {
            field: `${field}.id`,
            message: `duplicate condition id "${node.id}"`,
          };
        }
        seen.add(node.id);
      }
      if (typeof node.type !== "string" || node.type.length === 0) {
        return { field: `${field}.type`, message: "must be a non-empty string" };
      }
      const problem = isGroupType(node.type)
        ? groupProblem(node, field, depth)
        : node.type === FIELD_CONDITION_TYPE
          ? fieldProblem(node.config, field, depth)
          : customProblem(node, field);
      if (problem) return problem;
    }
    return null;
  };
  const groupProblem = (
    node: ConditionInput,
    field: string,
    depth: number,
  ): ConditionProblem | null => {
    const children = node.config?.conditions;
    if (!isPlainObject(node.config) || !Array.isArray(children)) {
      return {
        field: `${field}.config.conditions`,
        message: `a "${node.type}" group needs config.conditions, an array of conditions`,
      };
    }
    const extra = Object.keys(node.config).filter((k) => k !== "conditions");
    if (extra.length > 0) {
      return {
        field: `${field}.config.${extra[0]}`,
        message: `is not a field of a "${node.type}" group`,
      };
    }
    if (node.type === "not" && children.length !== 1) {
      return {
        field: `${field}.config.conditions`,
        message: `a "not" group needs exactly one condition, got ${children.length}`,
      };
    }
    if (children.length === 0) {
      return {
        field: `${field}.config.conditions`,
        message: `an "${node.type}" group needs at least one condition`,
      };
    }
    return visit(children, `${field}.config.conditions`, depth + 1);
  };
  const fieldProblem = (
    raw: unknown,
    field: string,
    depth: number,
  ): ConditionProblem | null => {
    if (!isPlainObject(raw)) {
      return { field: `${field}.config`, message: "must be an object" };
    }
    const config: Record<string, any> = raw;
    for (const key of Object.keys(config)) {
      if (!FIELD_CONFIG_KEYS.has(key)) {
        return {
          field: `${field}.config.${key}`,
          message: "is not a field of a field condition",
        };
      }
    }
    if (typeof config["path"] !== "string" || config["path"].length === 0) {
      return {
        field: `${field}.config.path`,
        message: "must be a non-empty path such as item.status or items[0].name",
      };
    }
    const pathProblem = pathSyntaxProblem(config["path"]);
    if (pathProblem) return { field: `${field}.config.path`, message: pathProblem };
    const op = config["op"];
    if (!(FIELD_OPERATORS as readonly string[]).includes(op)) {
      return {
        field: `${field}.config.op`,
        message: `unknown operator ${JSON.stringify(op)}; expected one of ${FIELD_OPERATORS.join(", ")}`,
      };
    }
    if (config["valuePath"] !== undefined) {
      if (config["value"] !== undefined) {
        return {
          field: `${field}.config.valuePath`,
          message: "give either value or valuePath, not both",
        };
      }
      const p =
        typeof config["valuePath"] === "string" && config["valuePath"].length > 0
          ? pathSyntaxProblem(config["valuePath"])
          : "must be a non-empty path";
      if (p) return { field: `${field}.config.valuePath`, message: p };
    }
    const hasOperand = config["value"] !== undefined || config["valuePath"] !== undefined;
    if (OPERATORS_WITH_SUBTREE.has(op)) {
      if (!Array.isArray(config["conditions"]) || config["conditions"].length === 0) {
        return {
          field: `${field}.config.conditions`,
          message: `operator "${op}" needs config.conditions, applied to each array element`,
        };
      }
      return visit(config["conditions"], `${field}.config.conditions`, depth + 1);
    }
    if (config["conditions"] !== undefined) {
      return {
        field: `${field}.config.conditions`,
        message: `only "every" and "some" take nested conditions`,
      };
    }
    if (OPERATORS_WITHOUT_VALUE.has(op)) {
      if (hasOperand) {
        return {
          field: `${field}.config.value`,
          message: `operator "${op}" takes no value`,
        };
      }
      return changePathProblem(op, config["path"], `${field}.config.path`);
    }
    if (!hasOperand) {
      return {
        field: `${field}.config.value`,
        message: `operator "${op}" needs a value or a valuePath`,
      };
    }
    if (config["valuePath"] === undefined) {
      const problem = operandProblem(op, config["value"], `${field}.config.value`);
      if (problem) return problem;
    }
    return changePathProblem(op, config["path"], `${field}.config.path`);
  };
  const customProblem = (
    node: ConditionInput,
    field: string,
  ): ConditionProblem | null => {
    if (customTypes && !customTypes.has(node.type)) {
      const known = [
        ...GROUP_CONDITION_TYPES,
        FIELD_CONDITION_TYPE,
        ...customTypes,
      ].join(", ");
      return {
        field: `${field}.type`,
        message: `unknown condition type "${node.type}"; expected one of ${known}`,
      };
    }
    if (!isPlainObject(node.config)) {
      return { field: `${field}.config`, message: "must be an object" };
    }
    return null;
  };
  return visit(conditions, "conditions", 1);
}

function operandProblem(
  op: string,
  value: unknown,
  field: string,
): ConditionProblem | null {
  if (OPERATORS_WITH_LIST.has(op) && !Array.isArray(value)) {
    return { field, message: `operator "${op}" needs an array of values` };
  }
  if (op === "between") {
    if (!Array.isArray(value) || value.length !== 2) {
      return { field, message: `operator "between" needs [low, high]` };
    }
    if (!value.every((bound) => typeof bound === "number" || typeof bound === "string")) {
      return { field, message: `operator "between" needs [low, high], numbers or strings` };
    }
  }
  if (op === "starts_with" || op === "ends_with") {
    if (typeof value !== "string") {
      return { field, message: `operator "${op}" needs a string` };
    }
  }
  if (op === "matches") {
    if (typeof value !== "string") {
      return { field, message: `operator "matches" needs a regular expression string` };
    }
    const problem = regexProblem(value);
    if (problem) return { field, message: problem };
  }
  if (["gt", "gte", "lt", "lte"].includes(op)) {
    if (typeof value !== "number" && typeof value !== "string") {
      return { field, message: `operator "${op}" needs a number or a string` };
    }
  }
  if (op === "before" || op === "after") {
    if (parseDateOperand(value) === undefined) {
      return {
        field,
        message: `operator "${op}" needs a date: an ISO-8601 string like "2024-05-01" or "2024-05-01T12:00:00Z", epoch seconds or milliseconds, "now", "7 days ago" or "in 2 hours", got ${describe(value)}`,
      };
    }
  }
  if (op === "within") {
    if (parseWindow(value) === undefined) {
      return {
        field,
        message: `operator "within" needs a window such as "7 days", "last 7 days", "next 3 hours" or a number of milliseconds, got ${describe(value)}`,
      };
    }
  }
  return null;
}

const CHANGE_OPERATORS = new Set(["changed", "changed_to", "changed_from"]);

/** changed / changed_to / changed_from compare `value...` with `previousValue...`. */
function changePathProblem(
  op: string,
  path: string,
  field: string,
): ConditionProblem | null {
  if (!CHANGE_OPERATORS.has(op)) return null;
  if (path === "value" || path.startsWith("value.") || path.startsWith("value[")) {
    return null;
  }
  return {
    field,
    message: `operator "${op}" compares the event's value with its previousValue: the path must start with "value", like value or value.label.text, and the previous value is read at the same path under previousValue (previousValue.label.text)`,
  };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}

// ---------------------------------------------------------------------------
// Dates and time windows (shared with the evaluator).

const MINUTE = 60_000;
const TIME_UNITS = new Map<string, number>();
for (const [names, ms] of [
  [["m", "minute", "minutes"], MINUTE],
  [["h", "hour", "hours"], 60 * MINUTE],
  [["d", "day", "days"], 24 * 60 * MINUTE],
  [["w", "week", "weeks"], 7 * 24 * 60 * MINUTE],
] as const) {
  for (const name of names) TIME_UNITS.set(name, ms);
}
const RELATIVE_DATE = /^(?:(\d+(?:\.\d+)?)\s*([a-z]+)\s+ago|in\s+(\d+(?:\.\d+)?)\s*([a-z]+))$/;
const WINDOW = /^(?:(last|next)\s+)?(\d+(?:\.\d+)?)\s*([a-z]+)$/;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:\s*([Zz])|\s*([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** Epoch numbers below this are seconds (monday.com's `changedAt`), others milliseconds. */
export const EPOCH_SECONDS_BELOW = 1e11;

/**
 * A date of event data as epoch milliseconds, or undefined: an ISO-8601
 * string (date only, or date and time; without a zone it is UTC) or an epoch
 * number, in seconds below 1e11 and in milliseconds otherwise.
 */
export function parseDate(value: unknown): number | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    return value < EPOCH_SECONDS_BELOW ? value * 1000 : value;
  }
  if (typeof value === "string") return parseIsoDate(value);
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function parseIsoDate(text: string): number | undefined {
  if (text.length > 40) return undefined;
  const m = ISO_DATE.exec(text);
  if (m === null) return undefined;
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : Math.floor(+`0.${m[7]}` * 1000);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (m[9] !== undefined) {
    const zoneHours = +m[10]!;
    const zoneMinutes = m[11] === undefined ? 0 : +m[11];
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offset = (m[9] === "-" ? -1 : 1) * (zoneHours * 60 + zoneMinutes) * MINUTE;
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime() - offset;
}

/** A date operand: a fixed instant, or an offset from the evaluation's `now`. */
export type DateOperand =
  | { relative: false; ms: number }
  | { relative: true; offsetMs: number };

/**
 * The expected side of before/after: what {@link parseDate} accepts, or a
 * date relative to now: "now", "7 days ago", "in 2 hours" (units minute(s),
 * hour(s), day(s), week(s), or m/h/d/w).
 */
export function parseDateOperand(value: unknown): DateOperand | undefined {
  if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    if (text === "now") return { relative: true, offsetMs: 0 };
    const m = RELATIVE_DATE.exec(text);
    if (m !== null) {
      const ago = m[1] !== undefined;
      const unit = TIME_UNITS.get(ago ? m[2]! : m[4]!);
      if (unit === undefined) return undefined;
      const amount = +(ago ? m[1]! : m[3]!) * unit;
      return { relative: true, offsetMs: ago ? -amount : amount };
    }
  }
  const ms = parseDate(value);
  return ms === undefined ? undefined : { relative: false, ms };
}

/** A time window of `within`: the `ms` before now, or after now when `future`. */
export type TimeWindow = { ms: number; future: boolean };

/**
 * The window of `within`: "7 days" or "last 7 days" (the past), "next 3
 * hours" (the future), or a number of milliseconds (the past).
 */
export function parseWindow(value: unknown): TimeWindow | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? { ms: value, future: false } : undefined;
  }
  if (typeof value !== "string") return undefined;
  const m = WINDOW.exec(value.trim().toLowerCase());
  if (m === null) return undefined;
  const unit = TIME_UNITS.get(m[3]!);
  if (unit === undefined) return undefined;
  return { ms: +m[2]! * unit, future: m[1] === "next" };
}

const PATH = /^[^.[\]]+(\[\d+\])*(\.[^.[\]]+(\[\d+\])*)*$/;

/** Paths are dotted with `[n]` indexes: `value.label.text`, `items[0].id`. */
export function pathSyntaxProblem(path: string): string | null {
  return PATH.test(path)
    ? null
    : `"${path}" is not a path: use dotted names with [n] indexes, like items[0].name`;
}

const ID = /^[A-Za-z0-9_.:-]+$/;

export function idFormatProblem(id: unknown): string | null {
  if (typeof id !== "string" || id.length === 0) return "must be a non-empty string";
  if (id.length > LIMITS.idLength) {
    return `is longer than ${LIMITS.idLength} characters`;
  }
  if (!ID.test(id)) {
    return `"${id}" may only contain letters, digits, "_", "-", ".", ":"`;
  }
  return null;
}

/**
 * Gives every condition without an id the next free `c<n>`, depth first, so
 * that the same input always gets the same ids. Returns a new tree.
 */
export function assignConditionIds(
  conditions: readonly ConditionInput[],
): Condition[] {
  const used = new Set<string>();
  collectIds(conditions, used);
  let next = 1;
  const freshId = () => {
    while (used.has(`c${next}`)) next++;
    used.add(`c${next}`);
    return `c${next}`;
  };
  const assign = (list: readonly ConditionInput[]): Condition[] =>
    list.map((node) => {
      const id = node.id ?? freshId();
      const children = childrenOf(node);
      if (!children) return { id, type: node.type, config: node.config };
      return {
        id,
        type: node.type,
        config: { ...node.config, conditions: assign(children) },
      };
    });
  return assign(conditions);
}

function collectIds(list: readonly ConditionInput[], used: Set<string>) {
  for (const node of list) {
    if (node.id !== undefined) used.add(node.id);
    const children = childrenOf(node);
    if (children) collectIds(children, used);
  }
}

/** The nested conditions of a group or an every/some leaf, if any. */
function childrenOf(node: ConditionInput): ConditionInput[] | undefined {
  const nested = node.config?.conditions;
  if (!Array.isArray(nested)) return undefined;
  if (isGroupType(node.type)) return nested;
  if (node.type === FIELD_CONDITION_TYPE) return nested;
  return undefined;
}

/** Flattens a tree (with ids) into storage order: parents before children. */
export function flattenConditions(tree: readonly Condition[]): StoredCondition[] {
  const out: StoredCondition[] = [];
  const visit = (list: readonly Condition[], parent?: string) => {
    for (const node of list) {
      const children = childrenOf(node) as Condition[] | undefined;
      if (!children) {
        out.push(withParent({ id: node.id, type: node.type, config: node.config }, parent));
        continue;
      }
      const { conditions: _children, ...rest } = node.config;
      out.push(withParent({ id: node.id, type: node.type, config: rest }, parent));
      visit(children, node.id);
    }
  };
  visit(tree);
  return out;
}

/** Rebuilds the tree from its flat storage form. */
export function nestConditions(stored: readonly StoredCondition[]): Condition[] {
  const byParent = new Map<string | undefined, StoredCondition[]>();
  for (const node of stored) {
    const list = byParent.get(node.parent);
    if (list) list.push(node);
    else byParent.set(node.parent, [node]);
  }
  const hasChildren = new Set(
    stored.filter((n) => n.parent !== undefined).map((n) => n.parent),
  );
  const build = (parent: string | undefined): Condition[] =>
    (byParent.get(parent) ?? []).map((node) => {
      if (!hasChildren.has(node.id)) {
        return { id: node.id, type: node.type, config: node.config };
      }
      return {
        id: node.id,
        type: node.type,
        config: { ...node.config, conditions: build(node.id) },
      };
    });
  return build(undefined);
}

function withParent(node: StoredCondition, parent?: string): StoredCondition {
  return parent === undefined ? node : { ...node, parent };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
