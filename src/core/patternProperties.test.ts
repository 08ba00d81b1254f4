/**
 * Property tests: the compiled matcher and a plain reference reading of the
 * same semantics (written separately: regexes for the string operators,
 * `$or` expanded by hand) agree on random patterns and events that use every
 * operator.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { inCidrRange, parseCidr, parseIpAddress, type CidrRange } from "./cidr.js";
import { isPlainObject } from "./conditions.js";
import { findPatternProblem } from "./pattern.js";
import { compilePattern } from "./patternMatch.js";
import { nestedValueArb } from "../testing/jsonArbitrary.js";

type Obj = Record<string, unknown>;
type Answer = "value" | "missing" | "no";

// ---------------------------------------------------------------------------
// Reference

function reference(pattern: Obj, event: unknown): boolean {
  return refNested(pattern, event) !== "no";
}

/** The pattern object's alternatives: its own fields with one branch of each `$or`. */
function refAlternatives(pattern: Obj): Array<Array<[string, unknown]>> {
  const own = Object.entries(pattern).filter(([key]) => key !== "$or");
  if (!("$or" in pattern)) return [own];
  const out: Array<Array<[string, unknown]>> = [];
  for (const branch of pattern.$or as Obj[]) {
    for (const alt of refAlternatives(branch)) out.push([...own, ...alt]);
  }
  return out;
}

function refAllowsMissing(sub: unknown): boolean {
  if (Array.isArray(sub)) return sub.some((item) => isPlainObject(item) && item.exists === false);
  return refAlternatives(sub as Obj).some((alt) => alt.every(([, s]) => refAllowsMissing(s)));
}

function refField(sub: unknown, object: Obj, key: string): Answer {
  const value = Object.keys(object).includes(key) ? object[key] : undefined;
  return Array.isArray(sub) ? refList(sub, value) : refNested(sub as Obj, value);
}

function refAlt(alt: Array<[string, unknown]>, object: Obj): Answer {
  let sawValue = false;
  for (const [key, sub] of alt) {
    const answer = refField(sub, object, key);
    if (answer === "no") return "no";
    if (answer === "value") sawValue = true;
  }
  return sawValue || alt.length === 0 ? "value" : "missing";
}

function refNested(pattern: Obj, value: unknown): Answer {
  const alts = refAlternatives(pattern);
  const allowsMissing = alts.some((alt) => alt.every(([, s]) => refAllowsMissing(s)));
  const answers: Answer[] = alts.map((alt) => {
    if (isPlainObject(value)) return refAlt(alt, value);
    if (!Array.isArray(value)) return allowsMissing ? "missing" : "no";
    const objects = (value.flat(Infinity) as unknown[]).filter(isPlainObject);
    if (objects.some((o) => refAlt(alt, o) === "value")) return "value";
    const altMissing = alt.every(([, s]) => refAllowsMissing(s));
    return altMissing && objects.every((o) => refAlt(alt, o) !== "no") ? "missing" : "no";
  });
  if (!isPlainObject(value) && !Array.isArray(value)) return allowsMissing ? "missing" : "no";
  return answers.includes("value") ? "value" : answers.includes("missing") ? "missing" : "no";
}

function refList(list: unknown[], value: unknown): Answer {
  const leaves =
    value === undefined || isPlainObject(value)
      ? []
      : (Array.isArray(value) ? (value.flat(Infinity) as unknown[]) : [value]).filter(
          (leaf) => leaf !== undefined && !isPlainObject(leaf),
        );
  if (leaves.length === 0) {
    return list.some((item) => isPlainObject(item) && item.exists === false) ? "missing" : "no";
  }
  return list.some((item) => leaves.some((leaf) => refItem(item, leaf))) ? "value" : "no";
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** A regex source where each character matches its own lower or upper case. */
function caseRegex(text: string): string {
  return Array.from(
    text,
    (ch) => `(?:${escapeRegex(ch.toLowerCase())}|${escapeRegex(ch.toUpperCase())})`,
  ).join("");
}

function wildcardRegex(wildcard: string): string {
  let out = "";
  for (let i = 0; i < wildcard.length; i++) {
    if (wildcard[i] === "\\") out += escapeRegex(wildcard[++i]);
    else if (wildcard[i] === "*") out += "[\\s\\S]*";
    else out += escapeRegex(wildcard[i]);
  }
  return out;
}

function stringTest(op: string, arg: unknown): (s: string) => boolean {
  const source = (() => {
    if (isPlainObject(arg)) {
      const body = caseRegex(arg["equals-ignore-case"] as string);
      return op === "prefix" ? `^${body}` : `${body}$`;
    }
    const text = arg as string;
    if (op === "prefix") return `^${escapeRegex(text)}`;
    if (op === "suffix") return `${escapeRegex(text)}$`;
    if (op === "equals-ignore-case") return `^${caseRegex(text)}$`;
    return `^${wildcardRegex(text)}$`;
  })();
  const regex = new RegExp(source, "u");
  return (s) => regex.test(s);
}

function refItem(item: unknown, leaf: unknown): boolean {
  if (!isPlainObject(item)) {
    if (leaf === item) return true;
    if (typeof item !== "string" || typeof leaf !== "string") return false;
    const [a, b] = [parseIpAddress(item), parseIpAddress(leaf)];
    return a !== null && b !== null && a.join(".") === b.join(".") && a.length === b.length;
  }
  const [op] = Object.keys(item);
  const arg = item[op];
  switch (op) {
    case "exists":
      return arg === true;
    case "prefix":
    case "suffix":
    case "equals-ignore-case":
    case "wildcard":
      return typeof leaf === "string" && stringTest(op, arg)(leaf);
    case "cidr": {
      const address = typeof leaf === "string" ? parseIpAddress(leaf) : null;
      return address !== null && inCidrRange(address, parseCidr(arg as string) as CidrRange);
    }
    case "numeric": {
      if (typeof leaf !== "number") return false;
      const a = arg as Array<string | number>;
      for (let i = 0; i < a.length; i += 2) {
        const b = a[i + 1] as number;
        const ok = {
          "<": leaf < b,
          "<=": leaf <= b,
          "=": leaf === b,
          ">": leaf > b,
          ">=": leaf >= b,
        };
        if (!ok[a[i] as keyof typeof ok]) return false;
      }
      return true;
    }
    case "anything-but": {
      if (isPlainObject(arg)) {
        const [inner] = Object.keys(arg);
        const values = ([] as string[]).concat(arg[inner] as string | string[]);
        return typeof leaf !== "string" || !values.some((v) => stringTest(inner, v)(leaf));
      }
      return !([] as unknown[]).concat(arg).includes(leaf);
    }
    default:
      throw new Error(`unexpected operator ${op}`);
  }
}

// ---------------------------------------------------------------------------
// Generators: small domains, so that matches are common.

const keys = ["a", "b", "c"];
const keyArb = fc.constantFrom(...keys);
const strings = [
  "",
  "a",
  "A",
  "ab",
  "AB",
  "ba",
  "ß",
  "SS",
  "\u03b0",
  "\u03a5\u0308\u0301",
  "x*",
  "10.0.0.1",
  "10.0.1.9",
  "::ffff:a00:1",
  "2001:db8::1",
  "2001:DB8:0::2",
];
const stringArb = fc.constantFrom(...strings);
const numberArb = fc.constantFrom(-1, 0, 1, 2.5, 10);
const scalarArb = fc.oneof(stringArb, numberArb, fc.boolean(), fc.constant(null));

const operatorArb: fc.Arbitrary<unknown> = fc.oneof(
  scalarArb,
  fc.constantFrom({ exists: true }, { exists: false }),
  stringArb.map((s) => ({ prefix: s })),
  stringArb.map((s) => ({ suffix: s })),
  stringArb.map((s) => ({ "equals-ignore-case": s })),
  stringArb.map((s) => ({ prefix: { "equals-ignore-case": s } })),
  stringArb.map((s) => ({ suffix: { "equals-ignore-case": s } })),
  fc.constantFrom("*", "a*", "*b", "a*b", "*a*", "x\\*", "\\\\*").map((w) => ({ wildcard: w })),
  fc.constantFrom("10.0.0.0/24", "10.0.0.0/8", "2001:db8::/32", "::/0").map((c) => ({ cidr: c })),
  fc
    .constantFrom(["<", 1], ["=", 0], [">=", 2.5], [">", -1, "<=", 1], [">=", 0, "<", 10])
    .map((n) => ({ numeric: n })),
  fc
    .oneof(
      stringArb,
      numberArb,
      fc.array(stringArb, { minLength: 1, maxLength: 2 }),
      fc.array(numberArb, { minLength: 1, maxLength: 2 }),
    )
    .map((v) => ({ "anything-but": v })),
  fc
    .tuple(
      fc.constantFrom("prefix", "suffix", "equals-ignore-case", "wildcard"),
      fc.array(fc.constantFrom("a", "A", "b", "ß"), { minLength: 1, maxLength: 2 }),
      fc.boolean(),
    )
    .map(([op, values, single]) => ({ "anything-but": { [op]: single ? values[0] : values } })),
);

function patternArb(depth: number): fc.Arbitrary<Obj> {
  const list = fc.array(operatorArb, { minLength: 1, maxLength: 3 });
  const sub: fc.Arbitrary<unknown> =
    depth === 0
      ? list
      : fc.oneof({ weight: 3, arbitrary: list }, { weight: 1, arbitrary: patternArb(depth - 1) });
  const fields = fc.uniqueArray(fc.tuple(keyArb, sub), {
    minLength: 1,
    maxLength: 2,
    selector: ([k]) => k,
  });
  if (depth === 0) return fields.map(Object.fromEntries);
  return fc
    .tuple(
      fields,
      fc.option(fc.array(patternArb(depth - 1), { minLength: 2, maxLength: 3 }), { freq: 3 }),
    )
    .map(([entries, or]) =>
      or === null ? Object.fromEntries(entries) : { ...Object.fromEntries(entries), $or: or },
    );
}

function eventArb(depth: number): fc.Arbitrary<Obj> {
  const value = nestedValueArb(depth, scalarArb, eventArb, { scalar: 3, object: 2, array: 2 });
  return fc.dictionary(keyArb, value, { minKeys: 1, maxKeys: 3 });
}

describe("compiled matcher and reference agree", () => {
  test("on random patterns with every operator, and random events", () => {
    let matched = 0;
    let total = 0;
    fc.assert(
      fc.property(
        patternArb(2),
        fc.array(eventArb(3), { minLength: 1, maxLength: 4 }),
        (pattern, events) => {
          expect(findPatternProblem(pattern)).toBeNull();
          const compiled = compilePattern(pattern);
          for (const event of events) {
            const expected = reference(pattern, event);
            total++;
            if (expected) matched++;
            expect(compiled(event), JSON.stringify({ pattern, event })).toBe(expected);
          }
        },
      ),
      { numRuns: 600 },
    );
    // neither side of the property is vacuous
    expect(matched).toBeGreaterThan(30);
    expect(total - matched).toBeGreaterThan(30);
  });
});
