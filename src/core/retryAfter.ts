/**
 * "Retry after N ms": how an action handler (or the built-in http.request)
 * tells the engine to wait before its next attempt, as an HTTP 429's
 * `Retry-After` asks. The data of the error, how it is read back and how the
 * header is parsed; the error class itself (`RetryAfterError`, a
 * `ConvexError` so that its data crosses function boundaries) is in
 * src/actionErrors.ts, since core code does not depend on Convex. Pure.
 */
import { errorDataOf } from "./errorData.js";

export const RETRY_AFTER_CODE = "RETRY_AFTER";

export type RetryAfterData = {
  code: typeof RETRY_AFTER_CODE;
  /** How long to wait before the next attempt, in milliseconds. */
  retryAfterMs: number;
  message: string;
};

/** The data of a `RetryAfterError`: a wait that is never negative nor NaN. */
export function retryAfterData(retryAfterMs: number, message: string): RetryAfterData {
  return {
    code: RETRY_AFTER_CODE,
    retryAfterMs: Number.isFinite(retryAfterMs) ? Math.max(0, retryAfterMs) : 0,
    message,
  };
}

/**
 * The wait and message of a thrown `RetryAfterError` (also once it crossed
 * a function boundary, where only its data survives), or null.
 */
export function retryAfterOf(error: unknown): { retryAfterMs: number; message: string } | null {
  const data = errorDataOf(error);
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
