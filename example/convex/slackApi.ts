/**
 * The Slack action of this app: `chat.postMessage`
 * (https://api.slack.com/methods/chat.postMessage) with the bot token from
 * the `SLACK_BOT_TOKEN` environment variable.
 *
 * Slack answers HTTP 200 with `ok: false` and an error code for most
 * failures; they are classified for the engine's retries:
 * - `ratelimited` (or HTTP 429): `RetryAfterError`, the next attempt waits
 *   for `Retry-After`;
 * - `internal_error`, `fatal_error`, `service_unavailable`,
 *   `request_timeout`, 5xx answers, network errors: a plain `Error`, retried
 *   with backoff;
 * - a token Slack no longer accepts (`invalid_auth`, `token_revoked`, ...):
 *   `FatalActionError`, which also disables the rule until someone fixes it;
 * - anything else (`channel_not_found`, `not_in_channel`, `msg_too_long`...):
 *   `NonRetryableError`, the action fails at once.
 *
 * Slack has no idempotency key: a retry after a lost answer can post twice.
 */
import {
  FatalActionError,
  NonRetryableError,
  parseRetryAfter,
  RetryAfterError,
  vActionHandlerArgs,
  type RetryBehavior,
} from "convex-rules";
import { v } from "convex/values";
import { internalAction } from "./_generated/server.js";
import { slack } from "./slack.js";

export const SLACK_API_URL = "https://slack.com/api/chat.postMessage";
export const SLACK_RETRY: RetryBehavior = { maxAttempts: 4, initialBackoffMs: 1000, base: 2 };
const DEFAULT_RETRY_AFTER_MS = 30_000;
const RETRIED = new Set(["internal_error", "fatal_error", "service_unavailable", "request_timeout"]);
const BAD_TOKEN = new Set(["invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"]);

/** Convex functions read environment variables from `process.env`. */
declare const process: { env: Record<string, string | undefined> };

export const postMessage = internalAction({
  args: vActionHandlerArgs(slack.actions.post_message.config),
  returns: v.object({ channel: v.string(), ts: v.string() }),
  handler: async (_ctx, { config }) => {
    const token = process.env.SLACK_BOT_TOKEN;
    if (!token) throw new NonRetryableError("SLACK_BOT_TOKEN is not set: npx convex env set SLACK_BOT_TOKEN xoxb-...");
    let response: Response;
    try {
      response = await fetch(SLACK_API_URL, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(config),
      });
    } catch (error) {
      throw new Error(`slack chat.postMessage: network error: ${error instanceof Error ? error.message : String(error)}`);
    }
    const retryAfter = parseRetryAfter(response.headers.get("retry-after")) ?? DEFAULT_RETRY_AFTER_MS;
    if (response.status === 429) throw new RetryAfterError(retryAfter, "slack chat.postMessage: 429 ratelimited");
    if (response.status >= 500) throw new Error(`slack chat.postMessage: ${response.status}`);
    const answer = (await response.json().catch(() => null)) as
      | { ok?: boolean; error?: string; channel?: string; ts?: string }
      | null;
    if (answer?.ok === true && typeof answer.ts === "string") {
      return { channel: answer.channel ?? config.channel, ts: answer.ts };
    }
    const code = answer?.error ?? `HTTP ${response.status}, no answer`;
    const message = `slack chat.postMessage: ${code}`;
    if (code === "ratelimited") throw new RetryAfterError(retryAfter, message);
    if (RETRIED.has(code)) throw new Error(message);
    if (BAD_TOKEN.has(code)) throw new FatalActionError(`${message} (set a valid SLACK_BOT_TOKEN, then enable the rule)`);
    throw new NonRetryableError(message);
  },
});
