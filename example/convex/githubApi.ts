/**
 * The GitHub actions of this app, through GitHub's REST API
 * (https://docs.github.com/en/rest) with a token from the `GITHUB_TOKEN`
 * environment variable (a fine-grained token or an installation token with
 * issues and pull requests write access).
 *
 * Both act on the issue or pull request of the event that ran the rule
 * (`repository.full_name` and `issue.number` or `pull_request.number`).
 * Errors are classified for the engine's retries:
 * - 5xx answers and network errors: a plain `Error`, retried with backoff;
 * - 429, and 403 with `Retry-After` or `x-ratelimit-remaining: 0` (GitHub's
 *   primary and secondary rate limits): `RetryAfterError`, the next attempt
 *   waits for `Retry-After` or the limit's reset time;
 * - any other 4xx (no such issue, no permission, invalid label): a
 *   `NonRetryableError`, the action fails at once.
 */
import { NonRetryableError, parseRetryAfter, RetryAfterError, vActionHandlerArgs, type RetryBehavior } from "convex-rules";
import { v } from "convex/values";
import { internalAction } from "./_generated/server.js";
import { github } from "./github.js";

export const GITHUB_API_URL = "https://api.github.com";
export const GITHUB_RETRY: RetryBehavior = { maxAttempts: 5, initialBackoffMs: 2000, base: 2 };
/** Used when a rate limit says nothing of when to come back (GitHub asks for at least a minute). */
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Convex functions read environment variables from `process.env`. */
declare const process: { env: Record<string, string | undefined> };

const vGitHubResult = v.object({ url: v.string() });

/** The issue or pull request an event is about: `owner/name` and its number. */
export function issueOf(event: unknown): { repo: string; number: number } {
  const { repository, issue, pull_request } = (event ?? {}) as {
    repository?: { full_name?: unknown };
    issue?: { number?: unknown };
    pull_request?: { number?: unknown };
  };
  const repo = repository?.full_name;
  const number = issue?.number ?? pull_request?.number;
  if (typeof repo !== "string" || typeof number !== "number") {
    throw new NonRetryableError("the event is not about an issue or a pull request of a repository");
  }
  return { repo, number };
}

/** Sends one REST request; returns its JSON answer. Throws as classified above. */
export async function githubRequest(method: "POST", path: string, body: unknown): Promise<Record<string, unknown>> {
  const token = process.env.GITHUB_TOKEN;
  if (!token) throw new NonRetryableError("GITHUB_TOKEN is not set: npx convex env set GITHUB_TOKEN <token>");
  let response: Response;
  try {
    response = await fetch(`${GITHUB_API_URL}${path}`, {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "user-agent": "convex-rules-example",
        "x-github-api-version": "2022-11-28",
      },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`GitHub ${method} ${path}: network error: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  const message = `GitHub ${method} ${path}: ${response.status} ${messageOf(text)}`;
  const status = response.status;
  if (status === 429 || (status === 403 && isRateLimited(response.headers))) {
    throw new RetryAfterError(waitOf(response.headers), message);
  }
  if (status >= 500) throw new Error(message);
  if (status >= 400) throw new NonRetryableError(message);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`GitHub ${method} ${path}: the answer is not JSON`);
  }
}

function isRateLimited(headers: Headers): boolean {
  return headers.get("retry-after") !== null || headers.get("x-ratelimit-remaining") === "0";
}

/** `Retry-After`, else the rate limit's reset time (epoch seconds), else a minute. */
function waitOf(headers: Headers): number {
  const retryAfter = parseRetryAfter(headers.get("retry-after"));
  if (retryAfter !== undefined) return retryAfter;
  const reset = Number(headers.get("x-ratelimit-reset"));
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : DEFAULT_RETRY_AFTER_MS;
}

function messageOf(text: string): string {
  try {
    const { message } = JSON.parse(text) as { message?: unknown };
    if (typeof message === "string") return message;
  } catch {
    // Not JSON: the text itself, shortened.
  }
  return text.trim().slice(0, 200) || "(empty answer)";
}

// #region act
export const commentOnIssue = internalAction({
  args: vActionHandlerArgs(github.actions.comment_on_issue.config),
  returns: vGitHubResult,
  handler: async (_ctx, { config, event }) => {
    const { repo, number } = issueOf(event);
    const answer = await githubRequest("POST", `/repos/${repo}/issues/${number}/comments`, { body: config.body });
    return { url: String(answer.html_url ?? answer.url ?? "") };
  },
});
// #endregion act

export const addLabels = internalAction({
  args: vActionHandlerArgs(github.actions.add_labels.config),
  returns: vGitHubResult,
  handler: async (_ctx, { config, event }) => {
    const { repo, number } = issueOf(event);
    await githubRequest("POST", `/repos/${repo}/issues/${number}/labels`, { labels: config.labels });
    return { url: `https://github.com/${repo}/issues/${number}` };
  },
});
