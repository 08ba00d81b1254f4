/**
 * Checks a value against the real Convex backend's value rules, which
 * convex-test does not enforce: field names, nesting depth, array length,
 * object width and size. Pure: no database, no ctx.
 */
import { convexSize } from "./convexSize.js";
import type { StorableValue } from "./storableValue.js";

/** Limits of one Convex value (https://docs.convex.dev/production/state/limits). */
export const CONVEX_VALUE_LIMITS = {
  maxDepth: 16,
  maxArrayLength: 8192,
  maxObjectFields: 1024,
  maxSizeBytes: 1024 * 1024,
} as const;

export type StorableProblem = { path: string; message: string };

export type StorableOptions = {
  /** Name of the value, prefixed to every reported path. */
  path: string;
  /**
   * Nesting levels above this value in the stored document: a config stored
   * at `rules.conditions[i].config` starts at depth 3.
   */
  depthOffset?: number;
  /** Field names refused besides Convex's own rules, with the reason. */
  refusedNames?: ReadonlyMap<string, string>;
};

const FIELD_NAME = /^[\x20-\x7e]+$/;

/** The first rule of Convex's value model that `value` breaks, or null. */
export function findUnstorable(
  value: unknown,
  options: StorableOptions,
): StorableProblem | null {
  const problem = walk(value, options.path, options.depthOffset ?? 0, options.refusedNames);
  if (problem) return problem;
  const size = convexSize(value as StorableValue);
  if (size > CONVEX_VALUE_LIMITS.maxSizeBytes) {
    return {
      path: options.path,
      message: `is ${size} bytes, over Convex's limit of ${CONVEX_VALUE_LIMITS.maxSizeBytes} bytes`,
    };
  }
  return null;
}

/** Why a field name is refused by Convex, or null when it is accepted. */
export function fieldNameProblem(name: string): string | null {
  if (name.length === 0) return "field names must not be empty";
  if (name.startsWith("$")) return `field name "${name}" starts with "$"`;
  if (name.startsWith("_")) return `field name "${name}" starts with "_"`;
  if (!FIELD_NAME.test(name)) {
    return `field name "${printable(name)}" has non-ASCII or control characters`;
  }
  return null;
}

function walk(
  value: unknown,
  path: string,
  depth: number,
  refusedNames: ReadonlyMap<string, string> | undefined,
): StorableProblem | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
      return null;
    case "object":
      break;
    default:
      return { path, message: `has a ${typeof value}, which Convex cannot store` };
  }
  // Bytes are a leaf, like a string: they add no level of nesting.
  if (value instanceof ArrayBuffer) return null;
  if (depth + 1 > CONVEX_VALUE_LIMITS.maxDepth) {
    return {
      path,
      message: `nests deeper than Convex's ${CONVEX_VALUE_LIMITS.maxDepth} levels`,
    };
  }
  if (Array.isArray(value)) {
    if (value.length > CONVEX_VALUE_LIMITS.maxArrayLength) {
      return {
        path,
        message: `has ${value.length} items, over Convex's limit of ${CONVEX_VALUE_LIMITS.maxArrayLength}`,
      };
    }
    for (let i = 0; i < value.length; i++) {
      const problem = walk(value[i], `${path}[${i}]`, depth + 1, refusedNames);
      if (problem) return problem;
    }
    return null;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    return { path, message: "is not a plain object" };
  }
  const keys = Object.keys(value);
  if (keys.length > CONVEX_VALUE_LIMITS.maxObjectFields) {
    return {
      path,
      message: `has ${keys.length} fields, over Convex's limit of ${CONVEX_VALUE_LIMITS.maxObjectFields}`,
    };
  }
  for (const key of keys) {
    const nameProblem = fieldNameProblem(key);
    if (nameProblem) return { path, message: nameProblem };
    const refused = refusedNames?.get(key);
    if (refused !== undefined) return { path, message: `field name "${key}" ${refused}` };
    const problem = walk(
      (value as Record<string, unknown>)[key],
      `${path}.${key}`,
      depth + 1,
      refusedNames,
    );
    if (problem) return problem;
  }
  return null;
}

function printable(name: string): string {
  return name.length > 40 ? `${name.slice(0, 40)}...` : name;
}
