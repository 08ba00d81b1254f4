/// <reference types="vite/client" />
// The monday.com actions (mondayApi.ts) with `fetch` stubbed: the exact
// requests they send, how each kind of failure is classified, and how the
// rules engine retries them (fake timers drive workpool).
import { convexTest } from "convex-test";
import { drain, register } from "convex-rules/test";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi, type Mock } from "vitest";
import { api, internal } from "./_generated/api.js";
import {
  CREATE_ITEM,
  CREATE_UPDATE,
  MONDAY_API_VERSION,
  MOVE_TO_GROUP,
  NOTIFY,
  SET_STATUS,
} from "./mondayApi.js";
import { rules } from "./rules.js";
import schema from "./schema.js";

const modules = import.meta.glob("./**/*.ts");
const fixtures = import.meta.glob<Record<string, any>>("../fixtures/monday/*.json", {
  eager: true,
  import: "default",
});
const statusEvent = () =>
  structuredClone(fixtures["../fixtures/monday/change_status_column_value.json"]);

const TOKEN = "monday-api-token";
const WS = "acme";

let fetchMock: Mock<(url: string, init: RequestInit) => Promise<Response>>;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("MONDAY_API_TOKEN", TOKEN);
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json", ...headers } });

/** Answers each request with the next of `responses` (the last one repeats). */
function answer(...responses: Array<Response | Error | (() => Promise<Response>)>) {
  let call = 0;
  fetchMock.mockImplementation(async () => {
    const next = responses[Math.min(call++, responses.length - 1)];
    if (next instanceof Error) throw next;
    return typeof next === "function" ? await next() : next.clone();
  });
}

function requests() {
  return fetchMock.mock.calls.map(([url, init]) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    return { url, method: init.method, headers, body: JSON.parse(init.body as string) };
  });
}

function setup() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  return t;
}

type T = ReturnType<typeof setup>;

/** Handler args as the engine passes them. */
const handlerArgs = <C>(config: C, event: unknown = statusEvent().event) => ({
  config,
  event,
  rule: { ruleId: "r1", version: 1 },
  execution: {
    executionId: "exec-1",
    actionId: "a1",
    idempotencyKey: "exec-1:a1",
    attempt: 1,
  },
});

type Outcome =
  | { kind: "ok"; value: unknown }
  | { kind: "non-retryable"; message: string }
  | { kind: "retry-after"; ms: number; message: string }
  | { kind: "retry"; message: string };

/** How an action's promise settled, as the engine will read it. */
async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { kind: "ok", value: await promise };
  } catch (error) {
    if (error instanceof ConvexError) {
      const data = error.data as Record<string, any>;
      if (data.__convexWorkpoolNonRetryable) return { kind: "non-retryable", message: data.message };
      if (data.code === "RETRY_AFTER") return { kind: "retry-after", ms: data.retryAfterMs, message: data.message };
      throw error;
    }
    return { kind: "retry", message: (error as Error).message };
  }
}

const setStatus = (t: T, event?: unknown) =>
  outcome(t.action(internal.mondayApi.setStatus, handlerArgs({ columnId: "status", label: "Stuck" }, event)));

describe("the requests sent to monday.com", () => {
  const headers = {
    authorization: TOKEN,
    "content-type": "application/json",
    "api-version": MONDAY_API_VERSION,
    "idempotency-key": "exec-1:a1",
  };

  test.each([
    {
      action: "setStatus",
      config: { columnId: "status", label: "Stuck" },
      data: { change_simple_column_value: { id: "1772099344" } },
      query: SET_STATUS,
      variables: { boardId: "1771812698", itemId: "1772099344", columnId: "status", value: "Stuck" },
      result: { mutation: "change_simple_column_value", id: "1772099344", replayed: false },
    },
    {
      action: "notify",
      config: { userId: "61280133", text: "Ship onboarding emails is done" },
      data: { create_notification: { text: "Ship onboarding emails is done" } },
      query: NOTIFY,
      variables: { userId: "61280133", targetId: "1772099344", text: "Ship onboarding emails is done" },
      result: { mutation: "create_notification", replayed: false },
    },
    {
      action: "createUpdate",
      config: { body: "Shipped!" },
      data: { create_update: { id: "3301984473" } },
      query: CREATE_UPDATE,
      variables: { itemId: "1772099344", body: "Shipped!" },
      result: { mutation: "create_update", id: "3301984473", replayed: false },
    },
    {
      action: "createItem",
      config: { groupId: "new_group", itemName: "Follow up" },
      data: { create_item: { id: "1772200000" } },
      query: CREATE_ITEM,
      variables: { boardId: "1771812698", groupId: "new_group", itemName: "Follow up" },
      result: { mutation: "create_item", id: "1772200000", replayed: false },
    },
    {
      action: "createItem",
      config: { boardId: "999", itemName: "Elsewhere" },
      data: { create_item: { id: "1772200001" } },
      query: CREATE_ITEM,
      variables: { boardId: "999", itemName: "Elsewhere" },
      result: { mutation: "create_item", id: "1772200001", replayed: false },
    },
    {
      action: "moveToGroup",
      config: { groupId: "done" },
      data: { move_item_to_group: { id: "1772099344" } },
      query: MOVE_TO_GROUP,
      variables: { itemId: "1772099344", groupId: "done" },
      result: { mutation: "move_item_to_group", id: "1772099344", replayed: false },
    },
  ] as const)("$action $config", async ({ action, config, data, query, variables, result }) => {
    const t = setup();
    answer(json({ data, extensions: { request_id: "req-1" } }));
    const ran = await outcome(t.action(internal.mondayApi[action] as any, handlerArgs(config)));
    expect(ran).toEqual({ kind: "ok", value: result });
    expect(requests()).toEqual([
      { url: "https://api.monday.com/v2", method: "POST", headers, body: { query, variables } },
    ]);
  });

  test("an answer from monday.com's idempotency cache is reported as replayed", async () => {
    const t = setup();
    answer(json({ data: { create_update: { id: "1" } } }, 200, { "Idempotency-Replayed": "true" }));
    const ran = await outcome(t.action(internal.mondayApi.createUpdate, handlerArgs({ body: "x" })));
    expect(ran).toEqual({ kind: "ok", value: { mutation: "create_update", id: "1", replayed: true } });
  });

  test("the mutations are the GraphQL monday.com documents", () => {
    expect(SET_STATUS).toContain(
      "change_simple_column_value(board_id: $boardId, item_id: $itemId, column_id: $columnId, value: $value)",
    );
    expect(NOTIFY).toContain("create_notification(user_id: $userId, target_id: $targetId, text: $text, target_type: Project)");
    expect(CREATE_UPDATE).toContain("create_update(item_id: $itemId, body: $body)");
    expect(CREATE_ITEM).toContain("create_item(board_id: $boardId, group_id: $groupId, item_name: $itemName)");
    expect(MOVE_TO_GROUP).toContain("move_item_to_group(item_id: $itemId, group_id: $groupId)");
  });
});

describe("how failures are classified", () => {
  test.each<[string, () => Response | Error, Outcome]>([
    [
      "401",
      () => json({ errors: [{ message: "Not Authenticated" }] }, 401),
      { kind: "non-retryable", message: "monday.com change_simple_column_value: 401 Not Authenticated" },
    ],
    [
      "403 with a text body",
      () => new Response("Forbidden", { status: 403 }),
      { kind: "non-retryable", message: "monday.com change_simple_column_value: 403 Forbidden" },
    ],
    [
      "400 (a malformed query)",
      () => json({ errors: [{ message: "Parse error on \"}\"", extensions: { code: "GRAPHQL_PARSE_FAILED" } }] }, 400),
      {
        kind: "non-retryable",
        message: 'monday.com change_simple_column_value: 400 GRAPHQL_PARSE_FAILED: Parse error on "}"',
      },
    ],
    [
      "429 with Retry-After",
      () => json({ errors: [{ message: "Rate Limit Exceeded" }] }, 429, { "Retry-After": "17" }),
      { kind: "retry-after", ms: 17_000, message: "monday.com change_simple_column_value: 429 Rate Limit Exceeded" },
    ],
    [
      "429 with retry_in_seconds only",
      () =>
        json(
          { errors: [{ message: "Complexity budget exhausted", extensions: { code: "COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds: 9 } }] },
          429,
        ),
      {
        kind: "retry-after",
        ms: 9000,
        message: "monday.com change_simple_column_value: 429 COMPLEXITY_BUDGET_EXHAUSTED: Complexity budget exhausted",
      },
    ],
    [
      "429 saying nothing of when",
      () => new Response("", { status: 429 }),
      { kind: "retry-after", ms: 60_000, message: "monday.com change_simple_column_value: 429 (empty answer)" },
    ],
    [
      "409 (the same Idempotency-Key in flight)",
      () => json({ errors: [{ message: "Request in progress" }] }, 409, { "Retry-After": "2" }),
      { kind: "retry-after", ms: 2000, message: "monday.com change_simple_column_value: 409 Request in progress" },
    ],
    [
      "500",
      () => new Response("Internal Server Error", { status: 500 }),
      { kind: "retry", message: "monday.com change_simple_column_value: 500 Internal Server Error" },
    ],
    [
      "503",
      () => new Response("", { status: 503 }),
      { kind: "retry", message: "monday.com change_simple_column_value: 503 (empty answer)" },
    ],
    [
      "a network error",
      () => new TypeError("fetch failed"),
      { kind: "retry", message: "monday.com change_simple_column_value: network error: fetch failed" },
    ],
    [
      "200 that is not JSON",
      () => new Response("<html>gateway</html>", { status: 200 }),
      {
        kind: "retry",
        message: "monday.com change_simple_column_value: 200: the answer is not the JSON expected: <html>gateway</html>",
      },
    ],
    [
      "200 with COMPLEXITY_BUDGET_EXHAUSTED",
      () =>
        json({
          errors: [
            { message: "Complexity budget exhausted", extensions: { code: "COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds: 7 } },
          ],
        }),
      {
        kind: "retry-after",
        ms: 7000,
        message: "monday.com change_simple_column_value: COMPLEXITY_BUDGET_EXHAUSTED: Complexity budget exhausted",
      },
    ],
    [
      "200 with the older ComplexityException format",
      () =>
        json({
          error_code: "ComplexityException",
          status_code: 429,
          error_message: "Complexity budget exhausted, query cost 30001 budget remaining 19986 out of 1000000 reset in 3 seconds",
          errors: ["Complexity budget exhausted, query cost 30001 budget remaining 19986 out of 1000000 reset in 3 seconds"],
        }),
      {
        kind: "retry-after",
        ms: 3000,
        message:
          "monday.com change_simple_column_value: ComplexityException: Complexity budget exhausted, query cost 30001 budget remaining 19986 out of 1000000 reset in 3 seconds; Complexity budget exhausted, query cost 30001 budget remaining 19986 out of 1000000 reset in 3 seconds",
      },
    ],
    [
      "200 with a minute rate limit and a Retry-After header",
      () => json({ errors: [{ message: "Rate limit exceeded", extensions: { code: "RATE_LIMIT_EXCEEDED" } }] }, 200, { "Retry-After": "31" }),
      { kind: "retry-after", ms: 31_000, message: "monday.com change_simple_column_value: RATE_LIMIT_EXCEEDED: Rate limit exceeded" },
    ],
    [
      "200 with an internal error",
      () => json({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR", status_code: 500 } }] }),
      { kind: "retry", message: "monday.com change_simple_column_value: INTERNAL_SERVER_ERROR: Internal server error" },
    ],
    [
      "200 with an unknown item",
      () =>
        json({
          data: { change_simple_column_value: null },
          errors: [{ message: "Item not found in board", extensions: { code: "ResourceNotFoundException", status_code: 404 } }],
        }),
      { kind: "non-retryable", message: "monday.com change_simple_column_value: ResourceNotFoundException: Item not found in board" },
    ],
    [
      "200 with a bad column value",
      () =>
        json({
          errors: [{ message: "This status label doesn't exist", extensions: { code: "ColumnValueException" } }],
        }),
      { kind: "non-retryable", message: "monday.com change_simple_column_value: ColumnValueException: This status label doesn't exist" },
    ],
    [
      "200 with a permission error",
      () => json({ errors: [{ message: "User unauthorized to perform action", extensions: { code: "UserUnauthorizedException", status_code: 403 } }] }),
      {
        kind: "non-retryable",
        message: "monday.com change_simple_column_value: UserUnauthorizedException: User unauthorized to perform action",
      },
    ],
    [
      "200 with the daily limit reached",
      () => json({ errors: [{ message: "Daily limit exceeded", extensions: { code: "DAILY_LIMIT_EXCEEDED" } }] }),
      {
        kind: "non-retryable",
        message:
          "monday.com change_simple_column_value: DAILY_LIMIT_EXCEEDED: Daily limit exceeded (the daily limit resets at midnight UTC: replay the execution then)",
      },
    ],
  ])("%s", async (_what, response, expected) => {
    const t = setup();
    answer(response());
    expect(await setStatus(t)).toEqual(expected);
  });

  test("a request with no answer within 20 s is abandoned, and retried", async () => {
    const t = setup();
    fetchMock.mockImplementation(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        }),
    );
    const pending = setStatus(t);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await pending).toEqual({
      kind: "retry",
      message: "monday.com change_simple_column_value: no answer within 20 s",
    });
  });

  test("without MONDAY_API_TOKEN, or without an item, nothing is sent and nothing is retried", async () => {
    const t = setup();
    vi.stubEnv("MONDAY_API_TOKEN", "");
    expect(await setStatus(t)).toEqual({
      kind: "non-retryable",
      message: "MONDAY_API_TOKEN is not set: npx convex env set MONDAY_API_TOKEN <your monday.com API token>",
    });
    vi.stubEnv("MONDAY_API_TOKEN", TOKEN);
    const { pulseId: _pulseId, ...noItem } = statusEvent().event;
    expect(await setStatus(t, noItem)).toEqual({
      kind: "non-retryable",
      message: "set_status: the event has no item (pulseId) to act on",
    });
    expect(
      await outcome(t.action(internal.mondayApi.createItem, handlerArgs({ itemName: "x" }, { pulseId: 1 }))),
    ).toEqual({ kind: "non-retryable", message: "create_item: no boardId in the config, and the event has none" });
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe("through the rules engine", () => {
  async function dispatch(t: T, actions: Array<{ type: string; config: unknown }>) {
    await t.mutation(internal.rules.addMember, { tokenIdentifier: "alice", workspaceId: WS, role: "admin" });
    await t.withIdentity({ tokenIdentifier: "alice" }).mutation(api.rules.createRule, {
      name: "When Done",
      integrationId: "monday",
      namespace: WS,
      triggerType: "status_changed",
      triggerConfig: { boardId: "1771812698", columnId: "status", to: "Done" },
      conditions: [],
      actions,
    });
    const [result] = await t.mutation(internal.events.receiveMondayEvent, {
      workspaceId: WS,
      body: JSON.stringify(statusEvent()),
    });
    await drain(t);
    const execution = await t.query((ctx) => rules.executions.get(ctx, { executionId: result.executionId }));
    const logs = await t.query((ctx) => rules.executions.getLogs(ctx, { executionId: result.executionId }));
    return { execution: execution!, logs, key: `${result.executionId}:a1` };
  }

  test("a 429 waits for Retry-After, and the retry carries the same Idempotency-Key", async () => {
    const t = setup();
    answer(
      json({ errors: [{ message: "Rate Limit Exceeded" }] }, 429, { "Retry-After": "40" }),
      json({ data: { create_update: { id: "42" } } }),
    );
    const { execution, logs, key } = await dispatch(t, [{ type: "create_update", config: { body: "Done!" } }]);
    expect(execution.actions[0]).toMatchObject({
      status: "succeeded",
      attempts: 2,
      result: { mutation: "create_update", id: "42" },
    });
    expect(requests().map((r) => r.headers["idempotency-key"])).toEqual([key, key]);
    const attempts = logs.filter((l) => /attempt \d+$/.test(l.message)).map((l) => l.timestamp);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(40_000);
    expect(logs.map((l) => l.message)).toContain(
      "Action a1 (create_update): attempt 1 failed: monday.com create_update: 429 Rate Limit Exceeded; next attempt in 40 s (Retry-After)",
    );
  });

  test("5xx answers are retried with the actions' backoff, 5 attempts in all, then the action fails", async () => {
    const t = setup();
    answer(new Response("Bad Gateway", { status: 502 }));
    const { execution, key } = await dispatch(t, [
      { type: "set_status", config: { columnId: "status", label: "Stuck" } },
      { type: "notify", config: { userId: "1", text: "never sent" } },
    ]);
    expect(fetchMock).toHaveBeenCalledTimes(5);
    expect(new Set(requests().map((r) => r.headers["idempotency-key"]))).toEqual(new Set([key]));
    expect(execution).toMatchObject({
      status: "failed",
      error: "action a1 (set_status) failed: monday.com change_simple_column_value: 502 Bad Gateway",
    });
    expect(execution.actions.map((a) => [a.status, a.attempts])).toEqual([
      ["failed", 5],
      ["skipped", 0],
    ]);
  });

  test("a 4xx fails the action at once; a later retryable error does not matter", async () => {
    const t = setup();
    answer(json({ errors: [{ message: "Not Authenticated" }] }, 401), new Response("", { status: 500 }));
    const { execution } = await dispatch(t, [{ type: "move_to_group", config: { groupId: "done" } }]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(execution.actions[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "monday.com move_item_to_group: 401 Not Authenticated",
    });
  });

  test("actions chain: an item created by one action is named by the next", async () => {
    const t = setup();
    answer(json({ data: { create_item: { id: "555" } } }), json({ data: { create_update: { id: "9" } } }));
    const { execution } = await dispatch(t, [
      { type: "create_item", config: { itemName: "Follow up on {{event.pulseName}}", groupId: "topics" } },
      { type: "notify", config: { userId: "61280133", text: "Created item {{actions.a1.result.id}}" } },
    ]);
    expect(execution.status).toBe("succeeded");
    expect(requests().map((r) => r.body.variables)).toEqual([
      { boardId: "1771812698", groupId: "topics", itemName: "Follow up on Ship onboarding emails" },
      { userId: "61280133", targetId: "1772099344", text: "Created item 555" },
    ]);
  });
});
