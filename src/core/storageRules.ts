/**
 * Checks a whole stored document against the real Convex backend's value
 * rules, listing every violation (not only the first, as `findUnstorable`
 * does for values about to be written). convex-test stores documents that a
 * deployment would refuse, so test suites run this over every document the
 * component wrote (see `checkStorage` in src/test.ts). Pure: no database.
 */
import { convexSize } from "./convexSize.js";
import { CONVEX_VALUE_LIMITS, fieldNameProblem } from "./storable.js";
import type { StorableValue } from "./storableValue.js";

/** Which rule a value breaks. */
export type StorageRule =
  | "size"
  | "depth"
  | "array-length"
  | "object-fields"
  | "field-name"
  | "value-type"
  | "string"
  | "int64";

export type StorageViolation = {
  /** Where in the document, e.g. `actions[0].result.deep`; "" for the document. */
  path: string;
  rule: StorageRule;
  message: string;
};

/** System fields a stored document has at its top level, and only there. */
export const SYSTEM_FIELDS: readonly string[] = ["_id", "_creationTime"];

/** Longest field name `convexToJson` accepts. */
export const MAX_FIELD_NAME_LENGTH = 1024;

/** Stop listing after this many violations in one document. */
const MAX_VIOLATIONS = 100;
const LONE_SURROGATE = /\p{Cs}/u;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/**
 * Every rule of Convex's value model a stored document breaks: size at
 * most 1 MiB, at most 16 levels of nesting (the document is level 1), arrays of
 * at most 8,192 items, objects of at most 1,024 fields, field names
 * non-empty, printable ASCII, at most 1,024 characters, not starting with
 * `$` or `_` (except `_id` and `_creationTime` at the top level), strings
 * without unpaired surrogates, bigints within 64 bits, and only Convex
 * value types (no undefined in arrays, functions, class instances).
 *
 * @example
 * ```ts
 * checkStoredDocument({ _id: "x", _creationTime: 1, data: { $type: 1 } });
 * // [{ path: "data", rule: "field-name", message: 'field name "$type" starts with "$"' }]
 * ```
 */
export function checkStoredDocument(doc: Record<string, unknown>): StorageViolation[] {
  const out: StorageViolation[] = [];
  walk(doc, "", 0, out, true);
  if (out.length < MAX_VIOLATIONS) {
    let size: number | null = null;
    try {
      size = convexSize(doc as StorableValue);
    } catch {
      // A value convexSize cannot measure was reported by the walk.
    }
    if (size !== null && size > CONVEX_VALUE_LIMITS.maxSizeBytes) {
      out.push({
        path: "",
        rule: "size",
        message: `document is ${size} bytes, over Convex's limit of ${CONVEX_VALUE_LIMITS.maxSizeBytes} bytes`,
      });
    }
  }
  return out;
}

/** One line per violation: `table id path: rule: message`. */
export function formatViolations(
  violations: { table: string; id: string; violation: StorageViolation }[],
): string {
  return violations
    .map(
      ({ table, id, violation }) =>
        `${table} ${id} ${violation.path || "(document)"}: ${violation.rule}: ${violation.message}`,
    )
    .join("\n");
}

function walk(
  value: unknown,
  path: string,
  depth: number,
  out: StorageViolation[],
  top = false,
): void {
  if (out.length >= MAX_VIOLATIONS) return;
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) {
        out.push({ path, rule: "string", message: "string has an unpaired surrogate (invalid unicode)" });
      }
      return;
    case "number":
    case "boolean":
      return;
    case "bigint":
      if (value < MIN_INT64 || value > MAX_INT64) {
        out.push({ path, rule: "int64", message: "bigint is outside the 64-bit range" });
      }
      return;
    case "object":
      break;
    default:
      out.push({ path, rule: "value-type", message: `${typeof value} is not a Convex value` });
      return;
  }
  if (value === null || value instanceof ArrayBuffer) return;
  if (depth + 1 > CONVEX_VALUE_LIMITS.maxDepth) {
    out.push({
      path,
      rule: "depth",
      message: `nested deeper than Convex's ${CONVEX_VALUE_LIMITS.maxDepth} levels`,
    });
    return;
  }
  if (Array.isArray(value)) {
    if (value.length > CONVEX_VALUE_LIMITS.maxArrayLength) {
      out.push({
        path,
        rule: "array-length",
        message: `array has ${value.length} items, over Convex's ${CONVEX_VALUE_LIMITS.maxArrayLength}`,
      });
    }
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) {
        out.push({ path: `${path}[${i}]`, rule: "value-type", message: "undefined inside an array" });
      } else {
        walk(item, `${path}[${i}]`, depth + 1, out);
      }
    }
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    out.push({ path, rule: "value-type", message: "not a plain object" });
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined);
  if (keys.length > CONVEX_VALUE_LIMITS.maxObjectFields) {
    out.push({
      path,
      rule: "object-fields",
      message: `object has ${keys.length} fields, over Convex's ${CONVEX_VALUE_LIMITS.maxObjectFields}`,
    });
  }
  for (const key of keys) {
    const problem = top && SYSTEM_FIELDS.includes(key) ? null : nameProblem(key);
    if (problem) out.push({ path, rule: "field-name", message: problem });
    walk(record[key], path ? `${path}.${key}` : key, depth + 1, out);
  }
}

function nameProblem(name: string): string | null {
  const problem = fieldNameProblem(name);
  if (problem) return problem;
  if (name.length > MAX_FIELD_NAME_LENGTH) {
    return `field name is ${name.length} characters, over ${MAX_FIELD_NAME_LENGTH}`;
  }
  return null;
}
