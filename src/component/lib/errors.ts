import { ConvexError } from "convex/values";
import { LIMITS, type ErrorCode, type ImportError, type RulesErrorData } from "../../shared.js";

/**
 * Throws the package's structured error, `{ code, message, field? }`, plus
 * the per-rule report of a failed import.
 */
export function fail(
  code: ErrorCode,
  message: string,
  field?: string,
  extra?: { errors: ImportError[] },
): never {
  const data: RulesErrorData = { code, message };
  if (field !== undefined) data.field = field;
  if (extra) data.errors = extra.errors;
  throw new ConvexError(data);
}

/** A list query's `limit`: its default when absent, else 1..LIMITS.listLimit. */
export function checkLimit(limit: number | undefined, defaultLimit: number): number {
  if (limit === undefined) return defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.listLimit) {
    fail(
      "INVALID_ARGUMENT",
      `limit: must be an integer from 1 to ${LIMITS.listLimit}, got ${limit}`,
      "limit",
    );
  }
  return limit;
}

/** A readable message for anything thrown, Error or not. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
