/**
 * Tests for one item of a leaf list (an exact value or an operator object
 * other than `exists`) against one leaf of the event: a string, number,
 * boolean or null. Items are validated by `pattern.ts` first. Pure: no
 * database, no ctx.
 */
import { inCidrRange, parseCidr, parseIpAddress, sameIpAddress, type CidrRange } from "./cidr.js";
import { isPlainObject } from "./conditions.js";
import {
  caseForms,
  endsWithIgnoringCase,
  equalsIgnoringCase,
  startsWithIgnoringCase,
} from "./ignoreCase.js";
import { compileNumeric } from "./numericPattern.js";
import { compileWildcard } from "./wildcard.js";

/** A test of one event leaf. */
export type LeafTest = (leaf: unknown) => boolean;

/** A test of one string leaf. */
type StringTest = (text: string) => boolean;

/** Compiles one validated leaf-list item (not `exists`) into a test. */
export function compileLeafItem(item: unknown): LeafTest {
  if (!isPlainObject(item)) return compileExact(item);
  const op = Object.keys(item)[0]!;
  const arg = item[op];
  switch (op) {
    case "prefix":
    case "suffix":
    case "equals-ignore-case":
    case "wildcard":
      return onStrings(compileStringOperator(op, arg));
    case "cidr": {
      const range = parseCidr(arg as string) as CidrRange;
      return onStrings((text) => {
        const address = parseIpAddress(text);
        return address !== null && inCidrRange(address, range);
      });
    }
    case "anything-but":
      return compileAnythingBut(arg);
    case "numeric":
      return compileNumeric(arg as Array<string | number>);
    default:
      throw new Error(`Unsupported pattern operator "${op}"`);
  }
}

function onStrings(test: StringTest): LeafTest {
  return (leaf) => typeof leaf === "string" && test(leaf);
}

/** An exact value; a string that is an IP address matches every spelling of it. */
function compileExact(value: unknown): LeafTest {
  const address = typeof value === "string" ? parseIpAddress(value) : null;
  if (address === null) return (leaf) => leaf === value;
  return (leaf) => {
    if (leaf === value) return true;
    if (typeof leaf !== "string") return false;
    const other = parseIpAddress(leaf);
    return other !== null && sameIpAddress(address, other);
  };
}

/** `prefix`, `suffix` (each maybe `{"equals-ignore-case": ...}`), `equals-ignore-case`, `wildcard`. */
function compileStringOperator(op: string, arg: unknown): StringTest {
  if (isPlainObject(arg)) {
    const forms = caseForms(arg["equals-ignore-case"] as string);
    return op === "prefix"
      ? (text) => startsWithIgnoringCase(forms, text)
      : (text) => endsWithIgnoringCase(forms, text);
  }
  const pattern = arg as string;
  switch (op) {
    case "prefix":
      return (text) => text.startsWith(pattern);
    case "suffix":
      return (text) => text.endsWith(pattern);
    case "equals-ignore-case": {
      const forms = caseForms(pattern);
      return (text) => equalsIgnoringCase(forms, text);
    }
    default:
      return compileWildcard(pattern);
  }
}

function isLeaf(value: unknown): boolean {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  );
}

/**
 * `anything-but`: a leaf not among the values, or for the operator forms, a
 * leaf that is not a string matching one of them (other types always match).
 */
function compileAnythingBut(arg: unknown): LeafTest {
  if (isPlainObject(arg)) {
    const op = Object.keys(arg)[0]!;
    const values = Array.isArray(arg[op]) ? (arg[op] as string[]) : [arg[op] as string];
    const tests = values.map((value) => compileStringOperator(op, value));
    return (leaf) =>
      isLeaf(leaf) && !(typeof leaf === "string" && tests.some((test) => test(leaf)));
  }
  // Set membership is SameValueZero: like ===, as NaN is never listed.
  const excluded = new Set<unknown>(Array.isArray(arg) ? arg : [arg]);
  return (leaf) => isLeaf(leaf) && !excluded.has(leaf);
}
