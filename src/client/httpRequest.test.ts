/// <reference types="vite/client" />
// The built-in http.request action and Retry-After, through the host app of
// engineHost.test.ts: rules created and events dispatched with the client,
// actions run by workpool under fake timers, `fetch` stubbed and every
// request it was asked to make checked.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { afterEach, beforeEach, describe, expect, test, vi, type Mock } from "vitest";
import { register } from "../test.js";
import { MAX_RETRY_AFTER_MS } from "../component/dispatch/actions.js";
import type { Execution, ExecutionLog } from "./index.js";
import { schema, type ShopDraft } from "./engineHost.test.js";
import { rulesErrorOf } from "../testing/errors.js";

const host = anyApi["engineHost.test"] as unknown as ApiFromModules<{
  "engineHost.test": typeof import("./engineHost.test.js");
}>["engineHost.test"];

type T = ReturnType<typeof setup>;
type Action = ShopDraft["actions"][number] & { onError?: "stop" | "continue" };
type FetchCall = { url: string; method: string; headers: Record<string, string>; body?: string; redirect?: string };

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

let fetchMock: Mock<(url: string, init: RequestInit) => Promise<Response>>;

/** Answers each request with the next of `responses` (the last one repeats). */
function answer(...responses: Array<Response | (() => Response | Promise<Response>) | Error>) {
  let call = 0;
  fetchMock.mockImplementation(async () => {
    const next = responses[Math.min(call++, responses.length - 1)];
    if (next instanceof Error) throw next;
    return typeof next === "function" ? await next() : next.clone();
  });
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

function calls(): FetchCall[] {
  return fetchMock.mock.calls.map(([url, init]) => ({
    url,
    method: init.method!,
    headers: headersOf(init.headers),
    ...(init.body === undefined ? {} : { body: init.body as string }),
    ...(init.redirect === undefined ? {} : { redirect: init.redirect }),
  }));
}

beforeEach(() => {
  vi.useFakeTimers();
  fetchMock = vi.fn();
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

async function settle(t: T) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function createRule(t: T, actions: Action[], storeId = "s1"): Promise<string> {
  return await t.mutation(host.create, {
    rule: {
      name: `Rule for ${storeId}`,
      integrationId: "shop",
      triggerType: "order_created",
      triggerConfig: { storeId },
      actions,
    } satisfies ShopDraft,
  });
}

const order = (fields: Record<string, unknown> = {}) => ({
  storeId: "s1",
  orderId: "o-1",
  customer: { name: "Ada", tier: "gold" },
  total: 42,
  items: ["book", "lamp"],
  ...fields,
});

async function run(t: T, event: Record<string, unknown> = order()): Promise<Execution> {
  const results = await t.mutation(host.dispatch, { event });
  expect(results).toHaveLength(1);
  await settle(t);
  return await executionOf(t, results[0].executionId);
}

async function executionOf(t: T, executionId: string): Promise<Execution> {
  const execution = await t.query(host.execution, { executionId });
  expect(execution).not.toBeNull();
  return execution!;
}

async function logsOf(t: T, executionId: string): Promise<ExecutionLog[]> {
  return await t.query(host.logs, { executionId });
}

async function messages(t: T, executionId: string) {
  return (await logsOf(t, executionId)).map((l) => `${l.level} ${l.message}`);
}

/** When each attempt of action a1 started, from the logs. */
async function attemptTimes(t: T, executionId: string) {
  return (await logsOf(t, executionId))
    .filter((l) => /^Action a1 \([^)]+\): attempt \d+$/.test(l.message))
    .map((l) => l.timestamp);
}

const hook = (config: Partial<Extract<Action, { type: "http.request" }>["config"]> = {}): Action => ({
  type: "http.request",
  config: { method: "POST", url: "https://hooks.example.com/orders", ...config },
});

describe("http.request: the request and its result", () => {
  test("sends the templated request, records status, chosen headers and JSON body; later actions use it", async () => {
    const t = setup();
    await createRule(t, [
      {
        type: "http.request",
        config: {
          method: "POST",
          url: "https://hooks.example.com/orders/{{event.orderId}}?store={{event.storeId}}",
          headers: { "X-Store": "{{event.storeId}}", Authorization: "Bearer static-token" },
          body: {
            text: "Order {{event.orderId}} for {{event.customer.name}}",
            total: "{{event.total}}",
            items: "{{event.items}}",
            rule: "{{rule.name}}",
          },
          timeoutMs: 5000,
        },
      },
      { type: "ship", config: { receipt: "{{actions.a1.result.body.id}}", status: "{{actions.a1.result.status}}" } },
    ]);
    answer(
      json({ id: "hook-77", ok: true }, 201, {
        "x-request-id": "req-1",
        "set-cookie": "session=secret",
        server: "nginx",
      }),
    );
    const execution = await run(t);

    expect(calls()).toEqual([
      {
        url: "https://hooks.example.com/orders/o-1?store=s1",
        method: "POST",
        headers: {
          authorization: "Bearer static-token",
          "content-type": "application/json",
          "x-store": "s1",
        },
        body: expect.any(String),
        redirect: "manual",
      },
    ]);
    // Whole-string placeholders keep their types (a number, an array).
    expect(JSON.parse(calls()[0].body!)).toEqual({
      text: "Order o-1 for Ada",
      total: 42,
      items: ["book", "lamp"],
      rule: "Rule for s1",
    });
    expect(execution.status).toBe("succeeded");
    expect(execution.actions[0]).toMatchObject({
      type: "http.request",
      status: "succeeded",
      attempts: 1,
      result: {
        status: 201,
        headers: { "content-type": "application/json", "x-request-id": "req-1" },
        body: { id: "hook-77", ok: true },
      },
    });
    // Headers outside the kept list (cookies, server) are not recorded.
    expect(Object.keys(execution.actions[0].result.headers)).toEqual(["content-type", "x-request-id"]);
    expect(execution.actions[1].result).toMatchObject({ received: { receipt: "hook-77", status: 201 } });
  });

  test("a string body is sent as is; GET sends none; text answers are kept as text", async () => {
    const t = setup();
    await createRule(t, [
      hook({ method: "PUT", body: "plain {{event.orderId}}", headers: { "Content-Type": "text/plain" } }),
      hook({ method: "GET", url: "https://api.example.com:8443/status" }),
      hook({ method: "DELETE", url: "https://hooks.zapier.com/hooks/catch/1/abc" }),
    ]);
    answer(
      new Response("accepted", { status: 200, headers: { "content-type": "text/plain" } }),
      new Response(null, { status: 204 }),
    );
    const execution = await run(t);
    expect(calls().map((c) => [c.method, c.url, c.headers["content-type"] ?? null, c.body ?? null])).toEqual([
      ["PUT", "https://hooks.example.com/orders", "text/plain", "plain o-1"],
      ["GET", "https://api.example.com:8443/status", null, null],
      ["DELETE", "https://hooks.zapier.com/hooks/catch/1/abc", null, null],
    ]);
    expect(execution.actions.map((a) => [a.status, a.result?.status, a.result?.body])).toEqual([
      ["succeeded", 200, "accepted"],
      ["succeeded", 204, null],
      ["succeeded", 204, null],
    ]);
  });

  test("a body over 16 KiB is cut, with bodyTruncated, and not parsed", async () => {
    const t = setup();
    await createRule(t, [hook()]);
    const big = JSON.stringify({ data: "é".repeat(20_000) });
    answer(new Response(big, { headers: { "content-type": "application/json" } }));
    const { actions } = await run(t);
    expect(actions[0].status).toBe("succeeded");
    expect(actions[0].result.bodyTruncated).toBe(true);
    expect(typeof actions[0].result.body).toBe("string");
    expect(new TextEncoder().encode(actions[0].result.body).byteLength).toBeLessThanOrEqual(16 * 1024 + 2);
    expect(actions[0].result.body.startsWith('{"data":"éé')).toBe(true);
  });

  test("a JSON answer with field names Convex refuses is stored sanitized", async () => {
    const t = setup();
    await createRule(t, [hook()]);
    answer(json({ $type: "x", _id: 1, ok: true }));
    const { actions } = await run(t);
    expect(actions[0]).toMatchObject({
      status: "succeeded",
      result: { body: { "x:$type": "x", "x:_id": 1, ok: true } },
    });
  });
});

describe("http.request: failures and retries", () => {
  test("5xx answers are retried with the policy's backoff until one succeeds", async () => {
    const t = setup();
    await createRule(t, [hook()]);
    answer(new Response("bad gateway", { status: 502 }), new Response("down", { status: 500 }), json({ ok: 1 }));
    const execution = await run(t);
    expect(execution.actions[0]).toMatchObject({ status: "succeeded", attempts: 3, result: { body: { ok: 1 } } });
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(await messages(t, execution.executionId)).toEqual([
      'info Rule "Rule for s1" (v1) triggered',
      "info Action a1 (http.request): attempt 1",
      "warn Action a1 (http.request): attempt 1 failed: http.request: POST https://hooks.example.com/orders answered 502: bad gateway",
      "info Action a1 (http.request): attempt 2",
      "warn Action a1 (http.request): attempt 2 failed: http.request: POST https://hooks.example.com/orders answered 500: down",
      "info Action a1 (http.request): attempt 3",
      "info Action a1 (http.request) succeeded after 3 attempt(s)",
      "info Execution succeeded: 1 action(s) ran",
    ]);
  });

  test("network errors and timeouts are retried; the last error is the action's", async () => {
    const t = setup();
    await createRule(t, [hook({ timeoutMs: 50 })]);
    let call = 0;
    fetchMock.mockImplementation((_url, init) => {
      call++;
      if (call === 1) return Promise.reject(new TypeError("fetch failed: ECONNRESET"));
      // Never answers: the action's timeout aborts it.
      return new Promise((_resolve, reject) => {
        init.signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    });
    const execution = await run(t);
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(execution.actions[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      error: "http.request: POST https://hooks.example.com/orders: no complete answer within 50 ms",
    });
    expect(await messages(t, execution.executionId)).toContain(
      "warn Action a1 (http.request): attempt 1 failed: http.request: POST https://hooks.example.com/orders: network error: fetch failed: ECONNRESET",
    );
  });

  test.each([
    [400, "bad request"],
    [401, "unauthorized"],
    [404, "no such hook"],
    [410, "gone"],
  ])("a %i answer fails at once, without retries", async (status, text) => {
    const t = setup();
    await createRule(t, [hook(), { type: "ship", config: {} }]);
    answer(new Response(text, { status }));
    const execution = await run(t);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(execution.actions.map((a) => [a.status, a.attempts])).toEqual([
      ["failed", 1],
      ["skipped", 0],
    ]);
    expect(execution.actions[0].error).toBe(
      `http.request: POST https://hooks.example.com/orders answered ${status}: ${text}`,
    );
  });

  test("a redirect is not followed and fails the action", async () => {
    const t = setup();
    await createRule(t, [hook()]);
    answer(new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }));
    const { actions } = await run(t);
    expect(calls()[0].redirect).toBe("manual");
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(actions[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      error:
        "http.request: POST https://hooks.example.com/orders answered 302 (redirect to http://169.254.169.254/); redirects are not followed: use the final URL",
    });
  });

  test("a 429 waits for its Retry-After before the next attempt", async () => {
    const t = setup();
    await createRule(t, [hook()]);
    answer(new Response("slow down", { status: 429, headers: { "retry-after": "30" } }), json({ ok: true }));
    const execution = await run(t);
    expect(execution.actions[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    const [first, second] = await attemptTimes(t, execution.executionId);
    expect(second - first).toBeGreaterThanOrEqual(30_000);
    expect(await messages(t, execution.executionId)).toContain(
      "warn Action a1 (http.request): attempt 1 failed: http.request: POST https://hooks.example.com/orders answered 429: slow down; next attempt in 30 s (Retry-After)",
    );
  });
});

describe("http.request: the host's policy", () => {
  test("a templated URL is checked once filled in: a host not allowed fails before any request", async () => {
    const t = setup();
    await createRule(t, [hook({ url: "https://{{event.host}}/collect" }), { type: "ship", config: {} }]);
    for (const [host, expected] of [
      ["evil.example.org", 'config.url host "evil.example.org" is not in http.allowedHosts'],
      ["169.254.169.254", 'config.url "169.254.169.254" is a private or local address'],
      ["hooks.example.com.evil.org", 'config.url host "hooks.example.com.evil.org" is not in http.allowedHosts'],
      ["hooks.example.com:9999", 'config.url port 9999 of "hooks.example.com" is not allowed'],
    ]) {
      const execution = await run(t, order({ host, orderId: host }));
      expect(execution.actions[0]).toMatchObject({ status: "failed", attempts: 0 });
      expect(execution.actions[0].error).toContain(`http.request: ${expected}`);
      expect(execution.actions[1].status).toBe("skipped");
    }
    expect(fetchMock).not.toHaveBeenCalled();
  });

  test("a config the templates broke fails before any request", async () => {
    const t = setup();
    await createRule(t, [hook({ headers: { "X-Total": "{{event.total}}" } })]);
    const { actions } = await run(t);
    // A whole-string placeholder keeps the number: not a header value.
    expect(actions[0]).toMatchObject({
      status: "failed",
      attempts: 0,
      error: "http.request: config.headers.X-Total must be a string, got number",
    });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  test("rules are checked against the policy when created", async () => {
    const t = setup();
    const cases: Array<[Action, string, string]> = [
      [hook({ url: "https://evil.example.org/x" }), "actions[0].config.url", 'host "evil.example.org" is not in'],
      [hook({ url: "http://hooks.example.com/x" }), "actions[0].config.url", "set http.allowHttp"],
      [hook({ url: "https://127.0.0.1/x" }), "actions[0].config.url", "private or local"],
      [hook({ method: "GET", body: { a: 1 } }), "actions[0].config.body", "a GET request has no body"],
      [hook({ method: "FETCH" as "GET" }), "actions[0].config.method", "actions[0].config.method"],
      [hook({ timeoutMs: 120_000 }), "actions[0].config.timeoutMs", "from 1 to 60000"],
      [
        { type: "http.request", config: { url: "https://hooks.example.com" } } as unknown as Action,
        "actions[0].config.method",
        "method",
      ],
    ];
    for (const [action, field, message] of cases) {
      const data = await rulesErrorOf(createRule(t, [action]));
      expect({ code: data.code, field: data.field }).toEqual({ code: "INVALID_RULE", field });
      expect(data.message).toContain(message);
    }
    // A client without the http option refuses http.request rules.
    const none = await rulesErrorOf(
      t.mutation(host.createWith, {
        client: "none",
        rule: {
          name: "r",
          integrationId: "shop",
          triggerType: "order_created",
          triggerConfig: { storeId: "s1" },
          actions: [hook()],
        },
      }),
    );
    expect(none).toMatchObject({ code: "INVALID_RULE", field: "actions[0].type" });
    expect(none.message).toContain("needs the http option of the Rules client");
  });

  test("the policy in force at dispatch applies: another client's policy, or none", async () => {
    const t = setup();
    await createRule(t, [hook({ url: "{{event.url}}" })]);
    const dispatch = async (client: "strict" | "none", url: string) => {
      const [result] = await t.mutation(host.dispatchWith, { client, event: order({ url }) });
      await settle(t);
      return await executionOf(t, result.executionId);
    };

    const refused = await dispatch("strict", "https://hooks.example.com/orders");
    expect(refused.actions[0].error).toBe(
      'http.request: config.url host "hooks.example.com" is not in http.allowedHosts (other.example.com)',
    );
    const disabled = await dispatch("none", "https://hooks.example.com/orders");
    expect(disabled.actions[0]).toMatchObject({ status: "failed", attempts: 0 });
    expect(disabled.actions[0].error).toContain(
      'the built-in "http.request" action needs the http option of the Rules client',
    );
    expect(fetchMock).not.toHaveBeenCalled();

    // The strict client allows http: to its host, and never retries.
    answer(new Response("oops", { status: 503 }));
    const strict = await dispatch("strict", "http://other.example.com/hook");
    expect(calls().map((c) => c.url)).toEqual(["http://other.example.com/hook"]);
    expect(strict.actions[0]).toMatchObject({ status: "failed", attempts: 1 });
  });

  test("a replay runs with the policy stored at dispatch, not a client's", async () => {
    const t = setup();
    await createRule(t, [hook()]);
    answer(new Response("down", { status: 500 }));
    const failed = await run(t);
    expect(failed.actions[0]).toMatchObject({ status: "failed", attempts: 3 });

    // `replay` sends no policy: the stored one (hooks.example.com allowed) is used.
    answer(json({ ok: true }));
    await t.mutation(host.replay, { executionId: failed.executionId });
    await settle(t);
    const replayed = await executionOf(t, failed.executionId);
    expect(replayed.status).toBe("succeeded");
    expect(replayed.actions[0]).toMatchObject({ status: "succeeded", attempts: 4 });
    expect(fetchMock).toHaveBeenCalledTimes(4);
  });
});

describe("RetryAfterError from a host action", () => {
  test("each next attempt starts no sooner than the wait asked for; the policy's attempts still count", async () => {
    const t = setup();
    await createRule(t, [{ type: "throttled", config: { failures: 2, waitMs: 45_000 } }]);
    const execution = await run(t);
    expect(execution.actions[0]).toMatchObject({
      status: "succeeded",
      attempts: 3,
      result: { succeededOnCall: 3 },
    });
    const [a1, a2, a3] = await attemptTimes(t, execution.executionId);
    expect(a2 - a1).toBeGreaterThanOrEqual(45_000);
    expect(a3 - a2).toBeGreaterThanOrEqual(45_000);
    expect(await messages(t, execution.executionId)).toEqual([
      'info Rule "Rule for s1" (v1) triggered',
      "info Action a1 (throttled): attempt 1",
      "warn Action a1 (throttled): attempt 1 failed: rate limited (call 1); next attempt in 45 s (Retry-After)",
      "info Action a1 (throttled): attempt 2",
      "warn Action a1 (throttled): attempt 2 failed: rate limited (call 2); next attempt in 45 s (Retry-After)",
      "info Action a1 (throttled): attempt 3",
      "info Action a1 (throttled) succeeded after 3 attempt(s)",
      "info Execution succeeded: 1 action(s) ran",
    ]);
  });

  test("when no attempt is left, the action fails with the handler's message", async () => {
    const t = setup();
    await createRule(t, [
      { type: "throttled", config: { failures: 10, waitMs: 1000 } },
      { type: "throttled_once", config: { failures: 10, waitMs: 1000 } },
    ]);
    const results = await t.mutation(host.dispatch, { event: order() });
    await settle(t);
    const first = await executionOf(t, results[0].executionId);
    expect(first.actions[0]).toMatchObject({ status: "failed", attempts: 3, error: "rate limited (call 3)" });

    await t.mutation(host.create, {
      rule: {
        name: "once",
        integrationId: "shop",
        triggerType: "order_created",
        triggerConfig: { storeId: "s2" },
        actions: [{ type: "throttled_once", config: { failures: 10, waitMs: 1000 } }],
      } satisfies ShopDraft,
    });
    const once = await run(t, order({ storeId: "s2" }));
    expect(once.actions[0]).toMatchObject({ status: "failed", attempts: 1, error: "rate limited (call 1)" });
    expect(await messages(t, once.executionId)).toContain(
      "warn Action a1 (throttled_once): attempt 1 failed: rate limited (call 1)",
    );
  });

  test("a wait longer than 15 minutes is cut to 15 minutes, and the log says so", async () => {
    const t = setup();
    await createRule(t, [{ type: "throttled", config: { failures: 1, waitMs: 6 * 60 * 60 * 1000 } }]);
    const execution = await run(t);
    expect(execution.actions[0]).toMatchObject({ status: "succeeded", attempts: 2 });
    const [a1, a2] = await attemptTimes(t, execution.executionId);
    expect(a2 - a1).toBeGreaterThanOrEqual(MAX_RETRY_AFTER_MS);
    expect(await messages(t, execution.executionId)).toContain(
      "warn Action a1 (throttled): attempt 1 failed: rate limited (call 1); next attempt in 900 s (Retry-After asked 21600 s, capped)",
    );
  });

  test("a replayed action gets its full policy again, counting on from its earlier attempts", async () => {
    const t = setup();
    await createRule(t, [{ type: "throttled", config: { failures: 4, waitMs: 1000 } }]);
    const failed = await run(t);
    expect(failed.actions[0]).toMatchObject({ status: "failed", attempts: 3 });
    await t.mutation(host.replay, { executionId: failed.executionId });
    await settle(t);
    const replayed = await executionOf(t, failed.executionId);
    expect(replayed.actions[0]).toMatchObject({ status: "succeeded", attempts: 5 });
  });
});

test("types: http.request is an action of every integration, its config typed", () => {
  const ok: Action = { type: "http.request", config: { method: "PATCH", url: "https://x", body: [1] } };
  // @ts-expect-error: not a method http.request sends
  const wrong: Action = { type: "http.request", config: { method: "HEAD", url: "https://x" } };
  // @ts-expect-error: a url is required
  const missing: Action = { type: "http.request", config: { method: "GET" } };
  expect([ok, wrong, missing]).toHaveLength(3);
});

test("a non-retryable failure's log line holds its message, not the error's JSON", async () => {
  const t = setup();
  await createRule(t, [hook()]);
  answer(new Response("nope", { status: 403 }));
  const execution = await run(t);
  expect(await messages(t, execution.executionId)).toContain(
    "warn Action a1 (http.request): attempt 1 failed: http.request: POST https://hooks.example.com/orders answered 403: nope",
  );
});
