/**
 * The built-in `http.request` action: a request to a URL the host allowed,
 * made by the component itself (no host handler), like "Webhooks by
 * Zapier". Workpool runs it like any action: retried on network errors,
 * timeouts and 5xx answers, failed at once on other 4xx answers, retried
 * after the server's Retry-After on 429.
 */
import { v } from "convex/values";
import { NonRetryableError } from "@convex-dev/workpool";
import { internalAction } from "../_generated/server.js";
import { HTTP_REQUEST_ACTION, vHttpPolicy, type HttpPolicy } from "../../shared.js";
import {
  checkRequestUrl,
  HTTP_LIMITS,
  httpRequestConfigProblem,
  type HttpMethod,
} from "../../core/httpPolicy.js";
import { parseRetryAfter } from "../../core/retryAfter.js";
import { RetryAfterError } from "../../actionErrors.js";
import { sanitizeForStorage } from "../../core/sanitize.js";
import { runAttempt } from "./actions.js";

/** The response headers kept in the result (when the response has them). */
export const RESULT_HEADERS = [
  "content-type",
  "content-length",
  "location",
  "retry-after",
  "etag",
  "last-modified",
  "x-request-id",
] as const;

/** What a successful `http.request` records as its result. */
export type HttpRequestResult = {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the response says it is JSON (and was not cut), else text; null when empty. */
  body: unknown;
  /** Set when the body was longer than 16 KiB: `body` is its first 16 KiB, as text. */
  bodyTruncated?: true;
};

/** One attempt of an `http.request` action, through workpool (see `enqueueRuns`). */
export const run = internalAction({
  args: {
    executionId: v.id("ruleExecutions"),
    actionIndex: v.number(),
    /** The action's config with its templates filled in. */
    config: v.any(),
    /** The policy in force when the execution was dispatched. */
    http: vHttpPolicy,
    attemptLimit: v.optional(v.number()),
  },
  returns: v.any(),
  handler: async (ctx, args): Promise<unknown> =>
    await runAttempt(ctx, args, async () => await performHttpRequest(args.config, args.http)),
});

/**
 * Makes the request. Throws `NonRetryableError` for what no retry can fix
 * (a config or URL the policy refuses, a 4xx answer, a redirect),
 * `RetryAfterError` for a 429 (or 503) with a Retry-After header, and a
 * plain `Error` (retried with the action's backoff) for network errors,
 * timeouts and other 5xx answers.
 */
export async function performHttpRequest(
  config: unknown,
  policy: HttpPolicy,
): Promise<HttpRequestResult> {
  const problem = httpRequestConfigProblem(config);
  if (problem) {
    throw new NonRetryableError(
      `${HTTP_REQUEST_ACTION}: config${problem.field ? `.${problem.field}` : ""} ${problem.message}`,
    );
  }
  const { method, url, headers, body, timeoutMs } = config as {
    method: HttpMethod;
    url: string;
    headers?: Record<string, string>;
    body?: unknown;
    timeoutMs?: number;
  };
  const checked = checkRequestUrl(url, policy);
  if (!checked.ok) throw new NonRetryableError(`${HTTP_REQUEST_ACTION}: config.url ${checked.message}`);
  const target = `${method} ${checked.url.origin}${checked.url.pathname}`;

  const requestHeaders = new Headers(headers ?? {});
  let requestBody: string | undefined;
  if (body !== undefined) {
    if (typeof body === "string") {
      requestBody = body;
    } else {
      requestBody = JSON.stringify(body);
      if (!requestHeaders.has("content-type")) requestHeaders.set("content-type", "application/json");
    }
  }

  const limit = timeoutMs ?? HTTP_LIMITS.defaultTimeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limit);
  let response: Response;
  let text: string;
  let truncated: boolean;
  try {
    try {
      response = await fetch(checked.url.href, {
        method,
        headers: requestHeaders,
        ...(requestBody === undefined ? {} : { body: requestBody }),
        // An allowed host must not send the request on to one that is not.
        redirect: "manual",
        signal: controller.signal,
      });
      ({ text, truncated } = await readCapped(response, HTTP_LIMITS.responseBodyBytes));
    } catch (error) {
      if (controller.signal.aborted) {
        throw new Error(`${HTTP_REQUEST_ACTION}: ${target}: no complete answer within ${limit} ms`);
      }
      throw new Error(
        `${HTTP_REQUEST_ACTION}: ${target}: network error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  } finally {
    clearTimeout(timer);
  }

  const status = response.status;
  const answered = `${HTTP_REQUEST_ACTION}: ${target} answered ${status}`;
  const snippet = text.trim() === "" ? "" : `: ${text.trim().slice(0, 300)}`;
  if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
    const location = response.headers.get("location");
    throw new NonRetryableError(
      `${answered}${location ? ` (redirect to ${location})` : " (a redirect)"}; redirects are not followed: use the final URL`,
    );
  }
  if (status === 429 || status === 503) {
    const wait = parseRetryAfter(response.headers.get("retry-after"));
    if (wait !== undefined) throw new RetryAfterError(wait, `${answered}${snippet}`);
    throw new Error(`${answered}${snippet}`);
  }
  if (status === 408) throw new Error(`${answered}${snippet}`);
  if (status >= 400 && status < 500) throw new NonRetryableError(`${answered}${snippet}`);
  if (status < 200 || status >= 300) throw new Error(`${answered}${snippet}`);

  const kept: Record<string, string> = {};
  for (const name of RESULT_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) kept[name] = value;
  }
  let parsed: unknown = text === "" ? null : text;
  if (!truncated && text !== "" && /\bjson\b/i.test(response.headers.get("content-type") ?? "")) {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // Not the JSON it claims to be: keep the text.
    }
  }
  // Outside data: make it a value Convex can pass on and store.
  const storable = sanitizeForStorage(parsed, {
    maxBytes: HTTP_LIMITS.responseBodyBytes * 2,
    depthOffset: 4,
  });
  return {
    status,
    headers: kept,
    body: storable.value,
    ...(truncated ? { bodyTruncated: true as const } : {}),
  };
}

/** The body as text, at most `cap` bytes of it; stops reading past that. */
async function readCapped(
  response: Response,
  cap: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (kept + value.byteLength > cap) {
      chunks.push(value.subarray(0, cap - kept));
      kept = cap;
      truncated = true;
      // Not awaited: the rest of the body is not wanted, and a cancel may
      // wait on a tee'd branch nobody reads.
      reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    kept += value.byteLength;
  }
  const bytes = new Uint8Array(kept);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // A character cut in half at the cap becomes U+FFFD.
  return { text: new TextDecoder().decode(bytes), truncated };
}
