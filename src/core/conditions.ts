/**
 * Structure of condition trees: validation, id assignment, and the flat
 * storage form. Pure: no database, no ctx. Evaluation lives in the engine.
 */
import {
  FIELD_CONDITION_TYPE,
  FIELD_OPERATORS,
  GROUP_CONDITION_TYPES,
  LIMITS,
  type Condition,
  type ConditionInput,
} from "../shared.js";

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
      const node = list[i];
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
    if (typeof config.path !== "string" || config.path.length === 0) {
      return {
        field: `${field}.config.path`,
        message: "must be a non-empty path such as item.status or items[0].name",
      };
    }
    const pathProblem = pathSyntaxProblem(config.path);
    if (pathProblem) return { field: `${field}.config.path`, message: pathProblem };
    const op = config.op;
    if (!(FIELD_OPERATORS as readonly string[]).includes(op)) {
      return {
        field: `${field}.config.op`,
        message: `unknown operator ${JSON.stringify(op)}; expected one of ${FIELD_OPERATORS.join(", ")}`,
      };
    }
    if (config.valuePath !== undefined) {
      if (config.value !== undefined) {
        return {
          field: `${field}.config.valuePath`,
          message: "give either value or valuePath, not both",
        };
      }
      const p =
        typeof config.valuePath === "string" && config.valuePath.length > 0
          ? pathSyntaxProblem(config.valuePath)
          : "must be a non-empty path";
      if (p) return { field: `${field}.config.valuePath`, message: p };
    }
    const hasOperand = config.value !== undefined || config.valuePath !== undefined;
    if (OPERATORS_WITH_SUBTREE.has(op)) {
      if (!Array.isArray(config.conditions) || config.conditions.length === 0) {
        return {
          field: `${field}.config.conditions`,
          message: `operator "${op}" needs config.conditions, applied to each array element`,
        };
      }
      return visit(config.conditions, `${field}.config.conditions`, depth + 1);
    }
    if (config.conditions !== undefined) {
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
      return changePathProblem(op, config.path, `${field}.config.path`);
    }
    if (!hasOperand) {
      return {
        field: `${field}.config.value`,
        message: `operator "${op}" needs a value or a valuePath`,
      };
    }
    if (config.valuePath === undefined) {
      const problem = operandProblem(op, config.value, `${field}.config.value`);
      if (problem) return problem;
    }
    return changePathProblem(op, config.path, `${field}.config.path`);
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
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  const ms = m[7] === undefined ? 0 : Math.floor(+`0.${m[7]}` * 1000);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (m[9] !== undefined) {
    const zoneHours = +m[10];
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
      const unit = TIME_UNITS.get(ago ? m[2] : m[4]);
      if (unit === undefined) return undefined;
      const amount = +(ago ? m[1] : m[3]) * unit;
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
  const unit = TIME_UNITS.get(m[3]);
  if (unit === undefined) return undefined;
  return { ms: +m[2] * unit, future: m[1] === "next" };
}

// ---------------------------------------------------------------------------
// Regular expressions: syntax, length, and catastrophic backtracking.

/**
 * Why `source` may not be the regular expression of `matches`, or null: it
 * must compile (no flags), be at most LIMITS.regexLength long, and be safe
 * from catastrophic backtracking (see {@link regexSafetyProblem}).
 */
export function regexProblem(source: string): string | null {
  if (source.length > LIMITS.regexLength) {
    return `regular expression is longer than ${LIMITS.regexLength} characters`;
  }
  try {
    new RegExp(source);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
  return regexSafetyProblem(source);
}

/** Code unit ranges [low, high], sorted and disjoint. */
type CharSet = ReadonlyArray<readonly [number, number]>;
type RegexTerm = { atom: RegexAtom; min: number; max: number };
type RegexAtom =
  | { kind: "chars"; set: CharSet }
  | { kind: "assertion" }
  | { kind: "group"; alternatives: RegexTerm[][]; lookaround: boolean };

const MAX_CODE = 0xffff;
const EMPTY_SET: CharSet = [];
const ANY_SET: CharSet = [[0, MAX_CODE]];
const DIGIT_SET: CharSet = [[48, 57]];
const WORD_SET: CharSet = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const SPACE_SET: CharSet = [
  [9, 13],
  [32, 32],
  [160, 160],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];
const CLASS_ESCAPES: Record<string, CharSet> = {
  d: DIGIT_SET,
  D: complement(DIGIT_SET),
  w: WORD_SET,
  W: complement(WORD_SET),
  s: SPACE_SET,
  S: complement(SPACE_SET),
};
const CONTROL_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, v: 11, f: 12 };

class RegexRejected extends Error {}

const NESTED_QUANTIFIER =
  "regular expression is prone to catastrophic backtracking: a repeated group contains a quantifier, like (a+)+ or (.*a){20}; rewrite it without nested quantifiers";
const AMBIGUOUS_ALTERNATION =
  "regular expression is prone to catastrophic backtracking: a repeated group has alternatives that can match the same text, like (a|aa)+; make the alternatives start differently";
const BACKREFERENCE =
  "regular expressions may not use backreferences (\\1, \\k<name>): they can take exponential time";

/**
 * Why a (syntactically valid, flagless) regular expression could backtrack
 * catastrophically, or null. A small parser over the source (groups,
 * escapes, character classes, quantifiers) refuses:
 * - a group repeated more than once (`+`, `*`, `{n,m}` with m > 1, `{n}`
 *   with n > 1) that contains a variable quantifier (star height above 1):
 *   `(a+)+`, `(a*)*`, `(.*a){20}`, `(a?){30}`; fixed counts like `(\d{3}-)+`
 *   pass;
 * - a repeated group holding an alternation whose alternatives can start
 *   with the same character or match the empty string: `(a|aa)+`, `(\w|\d)*`,
 *   `(a|)+`; `(foo|bar)+` passes;
 * - backreferences, `\1` to `\9` and `\k<name>`.
 * Polynomial backtracking between sibling quantifiers (`.*.*.*x`) is not
 * detected: the evaluator caps inputs at 10,000 characters instead.
 */
export function regexSafetyProblem(source: string): string | null {
  let alternatives: RegexTerm[][];
  try {
    alternatives = new RegexParser(source).parse();
  } catch (error) {
    if (error instanceof RegexRejected) return error.message;
    throw error;
  }
  return repetitionProblem(alternatives);
}

function repetitionProblem(alternatives: RegexTerm[][]): string | null {
  for (const sequence of alternatives) {
    for (const term of sequence) {
      if (term.atom.kind !== "group") continue;
      if (term.max > 1) {
        if (hasVariableQuantifier(term.atom.alternatives)) return NESTED_QUANTIFIER;
        if (hasAmbiguousAlternation(term.atom.alternatives)) return AMBIGUOUS_ALTERNATION;
      }
      const inner = repetitionProblem(term.atom.alternatives);
      if (inner) return inner;
    }
  }
  return null;
}

function hasVariableQuantifier(alternatives: RegexTerm[][]): boolean {
  return alternatives.some((sequence) =>
    sequence.some(
      (term) =>
        term.min !== term.max ||
        (term.atom.kind === "group" && hasVariableQuantifier(term.atom.alternatives)),
    ),
  );
}

function hasAmbiguousAlternation(alternatives: RegexTerm[][]): boolean {
  if (alternatives.length > 1) {
    const firsts = alternatives.map(firstOfSequence);
    for (let i = 0; i < firsts.length; i++) {
      if (firsts[i].nullable) return true;
      for (let j = i + 1; j < firsts.length; j++) {
        if (intersects(firsts[i].set, firsts[j].set)) return true;
      }
    }
  }
  return alternatives.some((sequence) =>
    sequence.some(
      (term) => term.atom.kind === "group" && hasAmbiguousAlternation(term.atom.alternatives),
    ),
  );
}

type First = { set: CharSet; nullable: boolean };

/** The characters a sequence can start with, and whether it can match "". */
function firstOfSequence(sequence: RegexTerm[]): First {
  let set = EMPTY_SET;
  for (const term of sequence) {
    const first = firstOfAtom(term.atom);
    set = union(set, first.set);
    if (!first.nullable && term.min > 0) return { set, nullable: false };
  }
  return { set, nullable: true };
}

function firstOfAtom(atom: RegexAtom): First {
  if (atom.kind === "chars") return { set: atom.set, nullable: false };
  if (atom.kind === "assertion" || atom.lookaround) return { set: EMPTY_SET, nullable: true };
  let set = EMPTY_SET;
  let nullable = false;
  for (const sequence of atom.alternatives) {
    const first = firstOfSequence(sequence);
    set = union(set, first.set);
    nullable ||= first.nullable;
  }
  return { set, nullable };
}

class RegexParser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): RegexTerm[][] {
    return this.alternation();
  }

  private alternation(): RegexTerm[][] {
    const alternatives = [this.sequence()];
    while (this.src[this.i] === "|") {
      this.i++;
      alternatives.push(this.sequence());
    }
    return alternatives;
  }

  private sequence(): RegexTerm[] {
    const terms: RegexTerm[] = [];
    while (this.i < this.src.length && this.src[this.i] !== "|" && this.src[this.i] !== ")") {
      const atom = this.atom();
      const quantifier = this.quantifier();
      terms.push({ atom, min: quantifier?.min ?? 1, max: quantifier?.max ?? 1 });
    }
    return terms;
  }

  private quantifier(): { min: number; max: number } | null {
    const c = this.src[this.i];
    let result: { min: number; max: number } | null = null;
    if (c === "*") result = { min: 0, max: Infinity };
    else if (c === "+") result = { min: 1, max: Infinity };
    else if (c === "?") result = { min: 0, max: 1 };
    if (result !== null) {
      this.i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) return null; // a literal "{"
      this.i += m[0].length;
      const min = +m[1];
      result = { min, max: m[2] === undefined ? min : m[3] === "" ? Infinity : +m[3] };
    } else {
      return null;
    }
    if (this.src[this.i] === "?") this.i++; // lazy
    return result;
  }

  private atom(): RegexAtom {
    const c = this.src[this.i++];
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return { kind: "chars", set: this.characterClass() };
      case "\\":
        return this.escape();
      case ".":
        return { kind: "chars", set: ANY_SET };
      case "^":
      case "$":
        return { kind: "assertion" };
      default:
        return { kind: "chars", set: single(c.charCodeAt(0)) };
    }
  }

  private group(): RegexAtom {
    const src = this.src;
    let lookaround = false;
    if (src[this.i] === "?") {
      if (src.startsWith("?:", this.i)) {
        this.i += 2;
      } else if (src.startsWith("?=", this.i) || src.startsWith("?!", this.i)) {
        this.i += 2;
        lookaround = true;
      } else if (src.startsWith("?<=", this.i) || src.startsWith("?<!", this.i)) {
        this.i += 3;
        lookaround = true;
      } else {
        // A named group: (?<name>...)
        const close = src.indexOf(">", this.i);
        this.i = close < 0 ? src.length : close + 1;
      }
    }
    const alternatives = this.alternation();
    this.i++; // ")"
    return { kind: "group", alternatives, lookaround };
  }

  /** After a backslash outside a class. */
  private escape(): RegexAtom {
    const c = this.src[this.i];
    if (c === "b" || c === "B") {
      this.i++;
      return { kind: "assertion" };
    }
    if (c >= "1" && c <= "9") throw new RegexRejected(BACKREFERENCE);
    if (c === "k" && this.src[this.i + 1] === "<") throw new RegexRejected(BACKREFERENCE);
    return { kind: "chars", set: this.escapedSet() };
  }

  /** The characters of an escape (after the backslash) valid in and out of classes. */
  private escapedSet(): CharSet {
    const src = this.src;
    const c = src[this.i++];
    if (c === undefined) return single(92);
    const classSet = CLASS_ESCAPES[c];
    if (classSet !== undefined) return classSet;
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined) return single(control);
    if (c === "0") return single(0);
    if (c === "c" && /[A-Za-z]/.test(src[this.i] ?? "")) {
      return single(src.charCodeAt(this.i++) % 32);
    }
    const hex = c === "x" ? 2 : c === "u" ? 4 : 0;
    if (hex > 0 && new RegExp(`^[0-9A-Fa-f]{${hex}}`).test(src.slice(this.i))) {
      const code = parseInt(src.slice(this.i, this.i + hex), 16);
      this.i += hex;
      return single(code);
    }
    return single(c.charCodeAt(0));
  }

  /** After "[": the set of a character class, up to its "]". */
  private characterClass(): CharSet {
    const src = this.src;
    const negated = src[this.i] === "^";
    if (negated) this.i++;
    let set = EMPTY_SET;
    while (this.i < src.length && src[this.i] !== "]") {
      const low = this.classAtom();
      if (
        low.length === 1 &&
        low[0][0] === low[0][1] &&
        src[this.i] === "-" &&
        this.i + 1 < src.length &&
        src[this.i + 1] !== "]"
      ) {
        this.i++;
        const high = this.classAtom();
        if (high.length === 1 && high[0][0] === high[0][1]) {
          set = union(set, [[low[0][0], Math.max(low[0][0], high[0][0])]]);
          continue;
        }
        set = union(union(union(set, low), single(45)), high);
        continue;
      }
      set = union(set, low);
    }
    this.i++; // "]"
    return negated ? complement(set) : set;
  }

  private classAtom(): CharSet {
    const c = this.src[this.i++];
    if (c !== "\\") return single(c.charCodeAt(0));
    if (this.src[this.i] === "b") {
      this.i++;
      return single(8);
    }
    return this.escapedSet();
  }
}

function single(code: number): CharSet {
  return [[code, code]];
}

function union(a: CharSet, b: CharSet): CharSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [low, high] of all) {
    const last = out[out.length - 1];
    if (last !== undefined && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else out.push([low, high]);
  }
  return out;
}

function complement(set: CharSet): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [low, high] of set) {
    if (low > next) out.push([next, low - 1]);
    next = high + 1;
  }
  if (next <= MAX_CODE) out.push([next, MAX_CODE]);
  return out;
}

function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i][1] < b[j][0]) i++;
    else if (b[j][1] < a[i][0]) j++;
    else return true;
  }
  return false;
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
