/**
 * Fatal action errors: how an action handler says "this rule cannot work
 * any more" (a revoked token, a deleted board, monday.com's severity 6000),
 * so that the engine neither retries it nor runs the rule again: the rule is
 * disabled at once. Built on `ConvexError` data, so it crosses function
 * boundaries (a host action called through a function handle) intact. Pure.
 */
import { ConvexError } from "convex/values";

export type FatalActionErrorData = {
  fatal: true;
  message: string;
  /** The handler's own code for the cause, such as "6000" or "TOKEN_REVOKED". */
  code?: string;
};

/**
 * Throw from an action handler when retrying cannot help and the rule should
 * stop running: the action fails without a retry and the rule is disabled
 * (`disabledReason` names the action and `message`), unless the client's
 * `autoDisable.onFatal` is false.
 *
 * @example
 * ```ts
 * if (body.error_code === "UserUnauthorizedException") {
 *   throw new FatalActionError("monday.com token revoked", { code: "401" });
 * }
 * ```
 */
export class FatalActionError extends ConvexError<FatalActionErrorData> {
  constructor(message: string, options: { code?: string } = {}) {
    super({ fatal: true, message, ...(options.code === undefined ? {} : { code: options.code }) });
    this.name = "FatalActionError";
  }
}

/**
 * The message of a thrown `FatalActionError` (also once it crossed a
 * function boundary, where only its data survives), or null.
 */
export function fatalErrorOf(error: unknown): { message: string; code?: string } | null {
  const data =
    error instanceof ConvexError
      ? (error.data as unknown)
      : typeof error === "object" && error !== null && "data" in error
        ? (error as { data: unknown }).data
        : undefined;
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
