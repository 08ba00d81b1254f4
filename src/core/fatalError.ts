/**
 * Fatal action errors: how an action handler says "this rule cannot work
 * any more" (a revoked token, a deleted board, monday.com's severity 6000),
 * so that the engine neither retries it nor runs the rule again: the rule is
 * disabled at once. The data of the error and how it is read back; the
 * error class itself (`FatalActionError`, a `ConvexError` so that its data
 * crosses function boundaries) is in src/actionErrors.ts, since core code
 * does not depend on Convex. Pure.
 */
import { errorDataOf } from "./errorData.js";

export type FatalActionErrorData = {
  fatal: true;
  message: string;
  /** The handler's own code for the cause, such as "6000" or "TOKEN_REVOKED". */
  code?: string;
};

/** The data of a `FatalActionError`. */
export function fatalErrorData(message: string, options: { code?: string } = {}): FatalActionErrorData {
  return { fatal: true, message, ...(options.code === undefined ? {} : { code: options.code }) };
}

/**
 * The message of a thrown `FatalActionError` (also once it crossed a
 * function boundary, where only its data survives), or null.
 */
export function fatalErrorOf(error: unknown): { message: string; code?: string } | null {
  const data = errorDataOf(error);
  if (typeof data !== "object" || data === null) return null;
  const { fatal, message, code } = data as Partial<FatalActionErrorData>;
  if (fatal !== true) return null;
  return {
    message: typeof message === "string" && message.length > 0 ? message : "fatal error",
    ...(typeof code === "string" ? { code } : {}),
  };
}

/**
 * What an attempt that failed fatally returns to workpool (as a success, so
 * that workpool does not retry it): the completion fails the action and
 * disables the rule.
 */
export const FATAL_MARKER = "convex-rules:fatal";

export function fatalMarker(fatal: { message: string; code?: string }) {
  return { [FATAL_MARKER]: fatal };
}

/** The fatal error an attempt returned as its marker, or null. */
export function fatalMarkerOf(value: unknown): { message: string; code?: string } | null {
  if (typeof value !== "object" || value === null || !(FATAL_MARKER in value)) return null;
  const marker = (value as Record<string, unknown>)[FATAL_MARKER] as { message?: unknown; code?: unknown };
  if (typeof marker?.message !== "string") return null;
  return { message: marker.message, ...(typeof marker.code === "string" ? { code: marker.code } : {}) };
}
