/**
 * The errors an action handler throws to steer the engine. They are
 * `ConvexError`s so that their data crosses function boundaries (a host
 * action called through a function handle) intact; what the data means, and
 * how the engine reads it back, is in src/core (retryAfter.ts,
 * fatalError.ts), which does not depend on Convex.
 */
import { ConvexError } from "convex/values";
import { fatalErrorData, type FatalActionErrorData } from "./core/fatalError.js";
import { retryAfterData, type RetryAfterData } from "./core/retryAfter.js";

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
    super(retryAfterData(retryAfterMs, message));
    this.name = "RetryAfterError";
  }
}

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
    super(fatalErrorData(message, options));
    this.name = "FatalActionError";
  }
}
