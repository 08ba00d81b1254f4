/**
 * "Retry after N ms": how an action handler (or the built-in http.request)
 * tells the engine to wait before its next attempt, as an HTTP 429's
 * `Retry-After` asks. Built on `ConvexError` data, so it crosses function
 * boundaries (a host action called through a function handle) intact. Pure.
 */
import { ConvexError } from "convex/values";

export const RETRY_AFTER_CODE = "RETRY_AFTER";

export type RetryAfterData = {
  code: typeof RETRY_AFTER_CODE;
  /** How long to wait before the next attempt, in milliseconds. */
  retryAfterMs: number;
  message: string;
};

/**
 * Throw from an action handler to fail this attempt and have the next one
 * start no sooner than `retryAfterMs` from now (at most 15 minutes; longer
 * waits are cut to that). The attempt counts against the action's retry
 * policy like any failure; when no attempt is left, the action fails with
 * `message`.
 *
 * @example
 * ```ts
 * if (response.status === 429) {
 *   const ms = parseRetryAfter(response.headers.get("Retry-After")) ?? 60_000;
 *   throw new RetryAfterError(ms, "rate limited by monday.com");
 * }
 * ```
 */
export class RetryAfterError extends ConvexError<RetryAfterData> {
  constructor(retryAfterMs: number, message: string) {
    super({
      code: RETRY_AFTER_CODE,
      retryAfterMs: Number.isFinite(retryAfterMs) ? Math.max(0, retryAfterMs) : 0,
      message,
    });
    this.name = "RetryAfterError";
  }
}

/**
 * The wait and message of a thrown `RetryAfterError` (also once it crossed
 * a function boundary, where only its data survives), or null.
 */
export function retryAfterOf(error: unknown): { retryAfterMs: number; message: string } | null {
  const data =
    error instanceof ConvexError
      ? (error.data as unknown)
      : typeof error === "object" && error !== null && "data" in error
        ? (error as { data: unknown }).data
        : undefined;
  if (typeof data !== "object" || data === null) return null;
  const { code, retryAfterMs, message } = data as Partial<RetryAfterData>;
  if (code !== RETRY_AFTER_CODE) return null;
  if (typeof retryAfterMs !== "number" || !Number.isFinite(retryAfterMs) || retryAfterMs < 0) {
    return null;
  }
  return { retryAfterMs, message: typeof message === "string" ? message : "retry later" };
}

/**
 * An HTTP `Retry-After` header in milliseconds: delay-seconds ("120") or an
 * HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT", counted from `now`).
 * `undefined` for a missing or unreadable header; never negative.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Only a date with a weekday or month name: `Date.parse` accepts far more.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
