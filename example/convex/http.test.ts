/// <reference types="vite/client" />
// The monday.com webhook endpoint (http.ts), driven with `t.fetch` and the
// payloads of example/fixtures/monday, signed in the test with jose as
// monday.com signs them (HS256, the app's signing secret). monday.com's API
// is `fetch`, stubbed: the actions the rules run are checked to reach it.
import { convexTest } from "convex-test";
import { drain, register } from "convex-rules/test";
import { SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, test, vi, type Mock } from "vitest";
import { api, internal } from "./_generated/api.js";
import { rules } from "./rules.js";
import schema from "./schema.js";

const modules = import.meta.glob("./**/*.ts");
const fixtures = import.meta.glob<Record<string, any>>("../fixtures/monday/*.json", {
  eager: true,
  import: "default",
});
const fixture = (name: string): Record<string, any> =>
  structuredClone(fixtures[`../fixtures/monday/${name}.json`]);

const SECRET = "monday-signing-secret-for-tests";
const WS = "acme";
const URL_PATH = `/monday/webhook?workspace=${WS}`;

let fetchMock: Mock<(url: string, init: RequestInit) => Promise<Response>>;

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("MONDAY_SIGNING_SECRET", SECRET);
  vi.stubEnv("MONDAY_API_TOKEN", "monday-api-token");
  fetchMock = vi.fn(async () =>
    new Response(JSON.stringify({ data: { create_notification: { text: "ok" } } }), {
      headers: { "content-type": "application/json" },
    }),
  );
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

/**
 * A JWT as monday.com sends it, signed with `secret` (HS256 unless told),
 * its `aud` the webhook's URL (this workspace's unless told; null: none).
 */
async function jwt(
  options: { secret?: string; alg?: string; expiresIn?: string | number; aud?: string | null } = {},
): Promise<string> {
  const signed = new SignJWT({ accountId: 1825529, userId: 61280133, shortLivedToken: "slt" })
    .setProtectedHeader({ alg: options.alg ?? "HS256" })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m");
  const aud = options.aud === undefined ? `https://happy-animal-123.convex.site${URL_PATH}` : options.aud;
  if (aud !== null) signed.setAudience(aud);
  return await signed.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function setup() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  for (const [tokenIdentifier, workspaceId] of [
    ["alice", WS],
    ["bob", "globex"],
  ] as const) {
    await t.mutation(internal.rules.addMember, { tokenIdentifier, workspaceId, role: "admin" });
  }
  const alice = t.withIdentity({ tokenIdentifier: "alice" });
  const bob = t.withIdentity({ tokenIdentifier: "bob" });
  // "When the status becomes Done, notify the owner", in each workspace.
  for (const [who, namespace] of [
    [alice, WS],
    [bob, "globex"],
  ] as const) {
    await who.mutation(api.rules.createRule, {
      id: `notify-when-done-${namespace}`,
      name: "Notify when Done",
      integrationId: "monday",
      namespace,
      triggerType: "status_changed",
      triggerConfig: { boardId: "1771812698", columnId: "status", to: "Done" },
      conditions: [],
      actions: [{ type: "notify", config: { userId: "61280133", text: "{{event.pulseName}} is done" } }],
    });
  }
  return t;
}

type T = Awaited<ReturnType<typeof setup>>;

async function post(
  t: T,
  body: unknown,
  { auth, path = URL_PATH }: { auth?: string | null; path?: string } = {},
) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  // monday.com signs each webhook's requests for its own URL.
  const token = auth === undefined ? await jwt({ aud: `https://happy-animal-123.convex.site${path}` }) : auth;
  if (token !== null) headers.Authorization = token;
  const response = await t.fetch(path, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function executions(t: T, namespace = WS) {
  const page = await t.query((ctx) =>
    rules.executions.list(ctx, {
      integrationId: "monday",
      namespace,
      paginationOpts: { numItems: 100, cursor: null },
    }),
  );
  return page.page;
}

describe("POST /monday/webhook", () => {
  test("echoes monday.com's challenge, with or without a signature, and runs nothing", async () => {
    const t = await setup();
    const challenge = fixture("challenge");
    expect(await post(t, challenge, { auth: null })).toEqual({ status: 200, body: challenge });
    expect(await post(t, challenge)).toEqual({ status: 200, body: challenge });
    expect(await post(t, { challenge: 42 }, { auth: null })).toEqual({
      status: 400,
      body: { error: "challenge: not a string" },
    });
    expect(await executions(t)).toEqual([]);
  });

  test("a signed status change runs the workspace's rules, whose action calls monday.com", async () => {
    const t = await setup();
    const body = fixture("change_status_column_value");
    expect(await post(t, body)).toEqual({
      status: 200,
      body: { ok: true, executions: 1, duplicate: false },
    });
    await drain(t);

    const [execution] = await executions(t);
    expect(execution).toMatchObject({
      ruleId: "notify-when-done-acme",
      namespace: WS,
      triggerType: "status_changed",
      eventId: body.event.triggerUuid,
      status: "succeeded",
      triggerData: { boardId: "1771812698", pulseId: 1772099344, columnType: "color" },
    });
    expect(execution.actions[0]).toMatchObject({
      type: "notify",
      status: "succeeded",
      attempts: 1,
      result: { mutation: "create_notification", replayed: false },
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("https://api.monday.com/v2");
    expect(JSON.parse(init.body as string).variables).toEqual({
      userId: "61280133",
      targetId: "1772099344",
      text: "Ship onboarding emails is done",
    });
    // Workspace globex has the same rule; this URL named acme.
    expect(await executions(t, "globex")).toEqual([]);
  });

  test("a signed create_update (an update posted) runs the board's update_created rules on its text", async () => {
    const t = await setup();
    const alice = t.withIdentity({ tokenIdentifier: "alice" });
    const rule = (id: string, boardId: string, mention: string | null, text: string) =>
      alice.mutation(api.rules.createRule, {
        id,
        name: id,
        integrationId: "monday",
        namespace: WS,
        triggerType: "update_created",
        triggerConfig: { boardId },
        conditions:
          mention === null
            ? []
            : [{ type: "field", config: { path: "columnText.text_body", op: "contains", value: mention } }],
        actions: [{ type: "notify", config: { userId: "61280999", text } }],
      });
    await rule("dana-mentioned", "1771812698", "@Dana", "Mentioned by {{event.userId}}: {{event.textBody}}");
    await rule("sam-mentioned", "1771812698", "@Sam", "Mentioned: {{event.textBody}}");
    // create_update carries no pulseName: this action has nothing to render.
    await rule("item-name", "1771812698", null, "New update on {{event.pulseName}}");
    await rule("other-board", "2001", null, "{{event.textBody}}");

    const body = fixture("create_update");
    // The three rules of the fixture's board are candidates; the other board's is not.
    expect(await post(t, body)).toEqual({ status: 200, body: { ok: true, executions: 3, duplicate: false } });
    await drain(t);

    const byRule = new Map((await executions(t)).map((e) => [e.ruleId as string, e]));
    expect([...byRule.keys()].sort()).toEqual(["dana-mentioned", "item-name", "sam-mentioned"]);
    const text = "Looks good, shipping today. @Dana please review";
    for (const execution of byRule.values()) {
      expect(execution).toMatchObject({
        triggerType: "update_created",
        eventId: body.event.triggerUuid,
        // The envelope's fields, the board as a string, the update's text as column text.
        triggerData: {
          type: "create_update",
          boardId: "1771812698",
          pulseId: 1772099344,
          userId: 61280151,
          updateId: 3301984473,
          textBody: text,
          columnText: { text_body: text },
        },
      });
      expect(execution.triggerData.columnText).toEqual({ text_body: text });
    }
    expect(byRule.get("dana-mentioned")).toMatchObject({ status: "succeeded", conditionsMet: true });
    expect(byRule.get("dana-mentioned")!.actions[0]).toMatchObject({
      type: "notify",
      status: "succeeded",
      config: { userId: "61280999", text: `Mentioned by 61280151: ${text}` },
    });
    expect(byRule.get("sam-mentioned")).toMatchObject({ status: "skipped", conditionsMet: false });
    const missing = byRule.get("item-name")!;
    expect(missing).toMatchObject({ status: "failed", conditionsMet: true });
    expect(missing.actions[0].error).toMatch(/^template: missing value for \{\{event\.pulseName\}\}/);

    // One request reached monday.com: Dana's notification, linked to the item.
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(JSON.parse(fetchMock.mock.calls[0][1].body as string).variables).toEqual({
      userId: "61280999",
      targetId: "1772099344",
      text: `Mentioned by 61280151: ${text}`,
    });
  });

  test("a redelivery of the same triggerUuid runs nothing twice", async () => {
    const t = await setup();
    const body = fixture("change_status_column_value");
    expect((await post(t, body)).body).toEqual({ ok: true, executions: 1, duplicate: false });
    await drain(t);
    // monday.com retries when it got no 200 in time: same triggerUuid, new JWT.
    for (let i = 0; i < 2; i++) {
      expect(await post(t, body, { auth: await jwt() })).toEqual({
        status: 200,
        body: { ok: true, executions: 1, duplicate: true },
      });
    }
    await drain(t);
    expect(await executions(t)).toHaveLength(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  test("the workspace comes from the URL: the other workspace's rules run for its own URL", async () => {
    const t = await setup();
    const body = fixture("change_status_column_value");
    expect((await post(t, body, { path: "/monday/webhook?workspace=globex" })).body).toMatchObject({
      executions: 1,
    });
    expect((await executions(t, "globex")).map((e) => e.ruleId)).toEqual(["notify-when-done-globex"]);
    expect(await executions(t)).toEqual([]);
  });

  test("events no trigger handles, and events no rule matches, answer 200 with nothing run", async () => {
    const t = await setup();
    const deleted = fixture("create_pulse");
    deleted.event.type = "delete_pulse";
    expect(await post(t, deleted)).toEqual({
      status: 200,
      body: { ok: true, executions: 0, duplicate: false },
    });
    expect(await post(t, fixture("change_column_value_numbers"))).toEqual({
      status: 200,
      body: { ok: true, executions: 0, duplicate: false },
    });
    expect(await executions(t)).toEqual([]);
  });

  describe("401 for a missing or bad signature, running nothing", () => {
    test.each<[string, () => Promise<string | null>, string]>([
      ["no Authorization header", async () => null, "missing Authorization header"],
      ["an empty header", async () => "", "missing Authorization header"],
      ["another secret", () => jwt({ secret: "not-the-signing-secret" }), "bad signature"],
      ["an expired token", () => jwt({ expiresIn: Math.floor(Date.now() / 1000) - 3600 }), "expired token"],
      ["HS512", () => jwt({ alg: "HS512" }), "bad signature (HS256 expected)"],
      ["not a JWT", async () => "hello", "invalid token"],
      ["a JWT with no signature", async () => (await jwt()).split(".").slice(0, 2).join(".") + ".", "bad signature"],
      ["no audience", () => jwt({ aud: null }), "token has no audience (aud)"],
      [
        "a token for another workspace's URL, replayed here",
        () => jwt({ aud: "https://happy-animal-123.convex.site/monday/webhook?workspace=globex" }),
        "token is for another endpoint (aud)",
      ],
      [
        "a token for another endpoint of the app",
        () => jwt({ aud: `https://happy-animal-123.convex.site/other/webhook?workspace=${WS}` }),
        "token is for another endpoint (aud)",
      ],
      ["an audience that is not a URL", () => jwt({ aud: "acme" }), "token is for another endpoint (aud)"],
    ])("%s", async (_what, token, error) => {
      const t = await setup();
      const result = await post(t, fixture("change_status_column_value"), { auth: await token() });
      expect(result).toEqual({ status: 401, body: { error } });
      await drain(t);
      expect(await executions(t)).toEqual([]);
      expect(fetchMock).not.toHaveBeenCalled();
    });

    test("a token presented as a Bearer token is accepted", async () => {
      const t = await setup();
      const result = await post(t, fixture("change_status_column_value"), { auth: `Bearer ${await jwt()}` });
      expect(result.status).toBe(200);
    });

    test("without MONDAY_SIGNING_SECRET nothing is accepted (500, so monday.com retries)", async () => {
      const t = await setup();
      vi.stubEnv("MONDAY_SIGNING_SECRET", "");
      const result = await post(t, fixture("change_status_column_value"));
      expect(result).toEqual({
        status: 500,
        body: { error: "MONDAY_SIGNING_SECRET is not set on this deployment" },
      });
      expect(await executions(t)).toEqual([]);
    });
  });

  describe("400 for a malformed body, running nothing", () => {
    const event = () => fixture("change_status_column_value").event;
    test.each<[string, unknown, string]>([
      ["not JSON", "{ event: nope", "body: not JSON"],
      ["an array", [event()], "body: not a JSON object"],
      ["no event", { type: "update_column_value" }, "body.event: missing"],
      ["event not an object", { event: "update_column_value" }, "body.event: not an object"],
      ["a numeric type", { event: { ...event(), type: 7 } }, "event.type: not a string"],
      ["no triggerUuid", { event: { ...event(), triggerUuid: undefined } }, "event.triggerUuid: not a string of 1 to 256 characters"],
      ["a board that is not a number", { event: { ...event(), boardId: "board-1" } }, "event.boardId: not a number"],
      ["a pulseId that is a string", { event: { ...event(), pulseId: "1772099344" } }, "event.pulseId: not a number"],
      ["a columnId that is a number", { event: { ...event(), columnId: 3 } }, "event.columnId: not a string"],
    ])("%s", async (_what, body, error) => {
      const t = await setup();
      expect(await post(t, body)).toEqual({ status: 400, body: { error } });
      expect(await executions(t)).toEqual([]);
    });

    test.each([
      ["/monday/webhook", "missing"],
      ["/monday/webhook?workspace=", "empty"],
      ["/monday/webhook?workspace=a%20b", "with a space"],
    ])("a workspace parameter %s (%s)", async (path) => {
      const t = await setup();
      const result = await post(t, fixture("change_status_column_value"), { path });
      expect(result.status).toBe(400);
      expect(result.body.error).toContain("workspace: missing or invalid query parameter");
    });

    test("an unsigned malformed body gets 401, not 400: nothing is said to strangers", async () => {
      const t = await setup();
      expect((await post(t, "not json", { auth: null })).status).toBe(401);
      expect((await post(t, { event: 1 }, { auth: null })).status).toBe(401);
    });

    test("a body over 1 MiB gets 413", async () => {
      const t = await setup();
      const body = fixture("change_status_column_value");
      body.event.pulseName = "x".repeat(1024 * 1024);
      expect(await post(t, body)).toEqual({ status: 413, body: { error: "body larger than 1048576 bytes" } });
    });
  });

  test("a field name Convex refuses as an argument ($label) still runs the rules, the event stored under a safe name", async () => {
    const t = await setup();
    const body = fixture("change_status_column_value") as { event: Record<string, unknown> };
    const result = await post(t, { event: { ...body.event, extra: { $label: "Done" } } });
    expect(result).toMatchObject({ status: 200, body: { ok: true, executions: 1 } });
    const [execution] = await executions(t);
    const stored = JSON.stringify(execution.triggerData);
    expect(stored).not.toContain('"$label"');
    expect(stored).toContain("label");
  });
});
