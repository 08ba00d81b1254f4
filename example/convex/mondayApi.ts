/**
 * The monday.com actions of this app: Convex actions that call monday.com's
 * GraphQL API (https://api.monday.com/v2) with `fetch`, with the API token
 * from the `MONDAY_API_TOKEN` environment variable.
 *
 * Every request carries `Idempotency-Key: <execution.idempotencyKey>`, which
 * is the same on every retry and replay of one action of one execution:
 * monday.com answers a repeated key from its cache (for 30 minutes) instead
 * of applying the mutation again.
 *
 * Errors are classified for the engine's retries:
 * - 4xx answers (but 409 and 429), GraphQL errors about the request itself
 *   (unknown item, bad column value, missing permission), a missing token or
 *   a missing item id: `NonRetryableError`, the action fails at once;
 * - 429, 409 (a concurrent request with the same key) and rate-limit or
 *   complexity errors in a 200 answer: `RetryAfterError`, the next attempt
 *   waits for `Retry-After` / `retry_in_seconds`;
 * - 5xx answers, network errors, timeouts, unreadable answers: a plain
 *   `Error`, retried with the action type's backoff.
 */
import { v, type Infer } from "convex/values";
import {
  NonRetryableError,
  parseRetryAfter,
  RetryAfterError,
  vActionHandlerArgs,
  type RetryBehavior,
} from "convex-rules";
import { internalAction } from "./_generated/server.js";

export const MONDAY_API_URL = "https://api.monday.com/v2";
/** The API version the mutations below were written against. */
export const MONDAY_API_VERSION = "2025-07";
/** A request that takes longer is abandoned (and retried). */
export const MONDAY_TIMEOUT_MS = 20_000;
/** Retries of the monday.com actions (see rules.ts). */
export const MONDAY_RETRY: RetryBehavior = { maxAttempts: 5, initialBackoffMs: 2000, base: 2 };

/** Error codes monday.com uses for limits that lift by themselves: retried later. */
const RETRY_LATER_CODES = new Set([
  "COMPLEXITY_BUDGET_EXHAUSTED",
  "ComplexityException",
  "RATE_LIMIT_EXCEEDED",
  "Rate Limit Exceeded",
  "IP_RATE_LIMIT_EXCEEDED",
  "FIELD_MINUTE_RATE_LIMIT_EXCEEDED",
  "maxConcurrencyExceeded",
  "MAX_CONCURRENCY_EXCEEDED",
]);
/** Server-side failures reported in a 200 answer: retried with backoff. */
const RETRY_CODES = new Set(["INTERNAL_SERVER_ERROR", "InternalServerError"]);
/** Used when a rate-limit error says nothing of when to come back. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** What every monday.com action returns: the id monday.com answered with. */
export const vMondayResult = v.object({
  mutation: v.string(),
  /** The id of the item, update or notification concerned, as monday.com answered it. */
  id: v.optional(v.string()),
  /** True when monday.com answered from its idempotency cache (a retried request). */
  replayed: v.boolean(),
});
export type MondayResult = Infer<typeof vMondayResult>;

type GraphqlError = {
  message?: string;
  extensions?: { code?: string; status_code?: number; retry_in_seconds?: number };
};

/** A monday.com answer: GraphQL `data` and `errors`, or the older top-level error format. */
type MondayAnswer = {
  data?: Record<string, unknown> | null;
  errors?: GraphqlError[] | string[];
  error_code?: string;
  error_message?: string;
  status_code?: number;
};

/** Convex functions read environment variables from `process.env`. */
declare const process: { env: Record<string, string | undefined> };

/**
 * Sends one GraphQL mutation to monday.com and returns its `data`. Throws
 * as classified in this module's comment.
 */
export async function mondayRequest(
  mutation: string,
  query: string,
  variables: Record<string, unknown>,
  idempotencyKey: string,
): Promise<{ data: Record<string, unknown>; replayed: boolean }> {
  const token = process.env.MONDAY_API_TOKEN;
  if (!token) {
    throw new NonRetryableError(
      "MONDAY_API_TOKEN is not set: npx convex env set MONDAY_API_TOKEN <your monday.com API token>",
    );
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), MONDAY_TIMEOUT_MS);
  let response: Response;
  let text: string;
  try {
    response = await fetch(MONDAY_API_URL, {
      method: "POST",
      headers: {
        Authorization: token,
        "Content-Type": "application/json",
        "API-Version": MONDAY_API_VERSION,
        "Idempotency-Key": idempotencyKey,
      },
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
    text = await response.text();
  } catch (error) {
    throw new Error(
      controller.signal.aborted
        ? `monday.com ${mutation}: no answer within ${MONDAY_TIMEOUT_MS / 1000} s`
        : `monday.com ${mutation}: network error: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }

  let body: MondayAnswer | null = null;
  try {
    body = JSON.parse(text) as MondayAnswer | null;
  } catch {
    // Classified below by status.
  }
  const status = response.status;
  const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
  const described = describeErrors(body) ?? (text.trim().slice(0, 300) || "(empty answer)");
  const prefix = `monday.com ${mutation}: ${status}`;

  if (status === 429 || status === 409) {
    // 409: a request with the same Idempotency-Key is still in flight.
    const wait = retryAfter ?? retryInSeconds(body) ?? DEFAULT_RETRY_AFTER_MS;
    throw new RetryAfterError(wait, `${prefix} ${described}`);
  }
  if (status >= 500) throw new Error(`${prefix} ${described}`);
  if (status >= 400) throw new NonRetryableError(`${prefix} ${described}`);
  if (status < 200 || status >= 300 || body === null || typeof body !== "object") {
    throw new Error(`${prefix}: the answer is not the JSON expected: ${text.slice(0, 200)}`);
  }

  const errors = graphqlErrors(body);
  if (errors.length > 0) {
    const codes = errors.map((e) => e.extensions?.code ?? "");
    const message = `monday.com ${mutation}: ${described}`;
    if (codes.some((code) => RETRY_LATER_CODES.has(code))) {
      throw new RetryAfterError(
        retryInSeconds(body) ?? retryAfter ?? DEFAULT_RETRY_AFTER_MS,
        message,
      );
    }
    if (
      codes.some((code) => RETRY_CODES.has(code)) ||
      errors.some((e) => (e.extensions?.status_code ?? 0) >= 500)
    ) {
      throw new Error(message);
    }
    if (codes.includes("DAILY_LIMIT_EXCEEDED")) {
      throw new NonRetryableError(
        `${message} (the daily limit resets at midnight UTC: replay the execution then)`,
      );
    }
    throw new NonRetryableError(message);
  }
  if (!body.data || typeof body.data !== "object") {
    throw new Error(`monday.com ${mutation}: the answer has no data: ${text.slice(0, 200)}`);
  }
  return { data: body.data, replayed: response.headers.get("Idempotency-Replayed") === "true" };
}

/** Both of monday.com's error formats, as a list of GraphQL errors. */
function graphqlErrors(body: MondayAnswer): GraphqlError[] {
  const list = (body.errors ?? []).map((e) => (typeof e === "string" ? { message: e } : e));
  if (body.error_code !== undefined || body.error_message !== undefined) {
    // The older, top-level format (e.g. ComplexityException).
    list.unshift({
      message: body.error_message,
      extensions: { code: body.error_code, status_code: body.status_code },
    });
  }
  return list;
}

function describeErrors(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const errors = graphqlErrors(body as MondayAnswer);
  if (errors.length === 0) return undefined;
  return errors
    .slice(0, 3)
    .map((e) => `${e.extensions?.code ? `${e.extensions.code}: ` : ""}${e.message ?? "error"}`)
    .join("; ");
}

/** `retry_in_seconds` of an error, or the "reset in N seconds" of an older message, in ms. */
function retryInSeconds(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  for (const error of graphqlErrors(body as MondayAnswer)) {
    const seconds = error.extensions?.retry_in_seconds;
    if (typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const reset = /reset in (\d+) seconds?/i.exec(error.message ?? "");
    if (reset) return Number(reset[1]) * 1000;
  }
  return undefined;
}

/** The item (pulse) and board of the event that triggered the rule. */
function itemOf(event: unknown, action: string): { itemId: string; boardId?: string } {
  const { pulseId, boardId } = (event ?? {}) as { pulseId?: unknown; boardId?: unknown };
  if (typeof pulseId !== "number" && typeof pulseId !== "string") {
    throw new NonRetryableError(`${action}: the event has no item (pulseId) to act on`);
  }
  return {
    itemId: String(pulseId),
    ...(typeof boardId === "number" || typeof boardId === "string" ? { boardId: String(boardId) } : {}),
  };
}

function idOf(data: Record<string, unknown>, field: string): string | undefined {
  const value = (data[field] as { id?: unknown } | null | undefined)?.id;
  return value === undefined || value === null ? undefined : String(value);
}

export const SET_STATUS = `mutation ($boardId: ID!, $itemId: ID!, $columnId: String!, $value: String!) {
  change_simple_column_value(board_id: $boardId, item_id: $itemId, column_id: $columnId, value: $value) { id }
}`;

/** Sets a status column of the event's item to a label (by its text). */
export const setStatus = internalAction({
  args: vActionHandlerArgs(v.object({ columnId: v.string(), label: v.string() })),
  returns: vMondayResult,
  handler: async (_ctx, { config, event, execution }): Promise<MondayResult> => {
    const { itemId, boardId } = itemOf(event, "set_status");
    if (boardId === undefined) throw new NonRetryableError("set_status: the event has no boardId");
    const { data, replayed } = await mondayRequest(
      "change_simple_column_value",
      SET_STATUS,
      { boardId, itemId, columnId: config.columnId, value: config.label },
      execution.idempotencyKey,
    );
    return { mutation: "change_simple_column_value", id: idOf(data, "change_simple_column_value"), replayed };
  },
});

export const NOTIFY = `mutation ($userId: ID!, $targetId: ID!, $text: String!) {
  create_notification(user_id: $userId, target_id: $targetId, text: $text, target_type: Project) { text }
}`;

/** Sends a notification to a user, linked to the event's item (or its board). */
export const notify = internalAction({
  args: vActionHandlerArgs(v.object({ userId: v.string(), text: v.string() })),
  returns: vMondayResult,
  handler: async (_ctx, { config, event, execution }): Promise<MondayResult> => {
    const { pulseId, boardId } = (event ?? {}) as { pulseId?: unknown; boardId?: unknown };
    const target = pulseId ?? boardId;
    if (typeof target !== "number" && typeof target !== "string") {
      throw new NonRetryableError("notify: the event has no item or board to link the notification to");
    }
    const { replayed } = await mondayRequest(
      "create_notification",
      NOTIFY,
      { userId: config.userId, targetId: String(target), text: config.text },
      execution.idempotencyKey,
    );
    return { mutation: "create_notification", replayed };
  },
});

export const CREATE_UPDATE = `mutation ($itemId: ID!, $body: String!) {
  create_update(item_id: $itemId, body: $body) { id }
}`;

/** Posts an update (a comment) on the event's item. */
export const createUpdate = internalAction({
  args: vActionHandlerArgs(v.object({ body: v.string() })),
  returns: vMondayResult,
  handler: async (_ctx, { config, event, execution }): Promise<MondayResult> => {
    const { itemId } = itemOf(event, "create_update");
    const { data, replayed } = await mondayRequest(
      "create_update",
      CREATE_UPDATE,
      { itemId, body: config.body },
      execution.idempotencyKey,
    );
    return { mutation: "create_update", id: idOf(data, "create_update"), replayed };
  },
});

export const CREATE_ITEM = `mutation ($boardId: ID!, $groupId: String, $itemName: String!) {
  create_item(board_id: $boardId, group_id: $groupId, item_name: $itemName) { id }
}`;

/** Creates an item, on the event's board unless the config names one. */
export const createItem = internalAction({
  args: vActionHandlerArgs(
    v.object({ boardId: v.optional(v.string()), groupId: v.optional(v.string()), itemName: v.string() }),
  ),
  returns: vMondayResult,
  handler: async (_ctx, { config, event, execution }): Promise<MondayResult> => {
    const eventBoard = (event as { boardId?: unknown } | null)?.boardId;
    const boardId =
      config.boardId ??
      (typeof eventBoard === "number" || typeof eventBoard === "string" ? String(eventBoard) : undefined);
    if (boardId === undefined) {
      throw new NonRetryableError("create_item: no boardId in the config, and the event has none");
    }
    const { data, replayed } = await mondayRequest(
      "create_item",
      CREATE_ITEM,
      { boardId, itemName: config.itemName, ...(config.groupId === undefined ? {} : { groupId: config.groupId }) },
      execution.idempotencyKey,
    );
    return { mutation: "create_item", id: idOf(data, "create_item"), replayed };
  },
});

export const MOVE_TO_GROUP = `mutation ($itemId: ID!, $groupId: String!) {
  move_item_to_group(item_id: $itemId, group_id: $groupId) { id }
}`;

/** Moves the event's item to a group of its board. */
export const moveToGroup = internalAction({
  args: vActionHandlerArgs(v.object({ groupId: v.string() })),
  returns: vMondayResult,
  handler: async (_ctx, { config, event, execution }): Promise<MondayResult> => {
    const { itemId } = itemOf(event, "move_to_group");
    const { data, replayed } = await mondayRequest(
      "move_item_to_group",
      MOVE_TO_GROUP,
      { itemId, groupId: config.groupId },
      execution.idempotencyKey,
    );
    return { mutation: "move_item_to_group", id: idOf(data, "move_item_to_group"), replayed };
  },
});
