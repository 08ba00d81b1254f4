/// <reference types="vite/client" />
// The GitHub integration end to end: deliveries posted to POST /github/webhook
// (githubWebhook.ts) with the published example payloads of
// @octokit/webhooks-examples, signed as GitHub signs them
// (@octokit/webhooks-methods), run the workspace's rules, whose actions reach
// GitHub's REST API and Slack's Web API (`fetch`, stubbed).
import { sign } from "@octokit/webhooks-methods";
import WebhookDefinitions from "@octokit/webhooks-examples";
import { convexTest } from "convex-test";
import { drain, register } from "convex-rules/test";
import { afterEach, beforeEach, describe, expect, test, vi, type Mock } from "vitest";
import { internal } from "./_generated/api.js";
import { githubTriggerOf } from "./github.js";
import { webhookSecretFor } from "./githubWebhook.js";
import { rules } from "./rules.js";
import schema from "./schema.js";

const modules = import.meta.glob("./**/*.ts");

const DEPLOYMENT_SECRET = "github-webhook-secret-for-tests";
const WS = "acme";
const REPO = "Codertocat/Hello-World";
/** The repository of the published workflow runs that succeeded. */
const ORG_REPO = "octo-org/octo-repo";
const EVENTS = ["issues", "pull_request", "push", "workflow_run"] as const;

/** Every published example of the event types the integration handles. */
const published = EVENTS.flatMap((event) =>
  WebhookDefinitions.find((definition) => definition.name === event)!.examples.map((payload, index) => ({
    event,
    index,
    payload: payload as unknown as Record<string, any>,
  })),
);

let fetchMock: Mock<(url: string, init: RequestInit) => Promise<Response>>;
/** Answers GitHub's and Slack's APIs as they answer a success. */
const success = async (url: string) =>
  url.startsWith("https://slack.com/")
    ? Response.json({ ok: true, channel: "C024BE91L", ts: "1503435956.000247" })
    : Response.json({ html_url: "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-1" }, { status: 201 });

beforeEach(() => {
  vi.useFakeTimers();
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", DEPLOYMENT_SECRET);
  vi.stubEnv("GITHUB_TOKEN", "github-token");
  vi.stubEnv("SLACK_BOT_TOKEN", "xoxb-slack-token");
  fetchMock = vi.fn(success);
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

const slackPost = (text: string) => ({ type: "slack_post_message" as const, config: { channel: "#dev", text } });

async function setup() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  const create = (rule: Parameters<typeof rules.create>[1]) => t.mutation(async (ctx) => await rules.create(ctx, rule));
  const base = { integrationId: "github", namespace: WS } as const;
  await create({
    ...base,
    id: "welcome-issues",
    name: "Thank and announce new issues",
    triggerType: "issue_opened",
    triggerConfig: { repo: REPO },
    actions: [
      { type: "comment_on_issue", config: { body: "Thanks for reporting {{event.issue.title}}!" } },
      slackPost("New issue: {{event.issue.title}} {{event.issue.html_url}}"),
    ],
  });
  await create({
    ...base,
    id: "triage-bugs",
    name: "Bugs go to triage",
    triggerType: "issue_labeled",
    triggerConfig: { repo: REPO, label: "bug" },
    actions: [{ type: "add_labels", config: { labels: ["triage"] } }],
  });
  await create({
    ...base,
    id: "review-prs",
    name: "Ask for a review",
    triggerType: "pull_request_opened",
    triggerConfig: { repo: REPO, base: "master" },
    actions: [{ type: "comment_on_issue", config: { body: "Thanks! A maintainer will review it." } }],
  });
  await create({
    ...base,
    id: "announce-merges",
    name: "Announce merges",
    triggerType: "pull_request_merged",
    triggerConfig: { repo: REPO, base: "master" },
    actions: [slackPost("Merged: {{event.pull_request.title}}")],
  });
  await create({
    ...base,
    id: "announce-pushes",
    name: "Announce pushes to ma*",
    triggerType: "push",
    triggerConfig: { repo: REPO, branch: "ma*" },
    actions: [slackPost("{{event.pusher.name}} pushed to {{event.ref}}")],
  });
  await create({
    ...base,
    id: "green-builds",
    name: "Announce green builds",
    triggerType: "workflow_run_completed",
    triggerConfig: { repo: ORG_REPO, conclusion: "success" },
    actions: [slackPost("Build {{event.workflow_run.id}} passed")],
  });
  return t;
}
type T = Awaited<ReturnType<typeof setup>>;

let deliveries = 0;
// #region deliver
async function deliver(
  t: T,
  event: string,
  payload: unknown,
  options: { workspace?: string; signFor?: string; signature?: string | null; delivery?: string } = {},
) {
  const body = JSON.stringify(payload);
  const workspace = options.workspace ?? WS;
  const secret = await webhookSecretFor(DEPLOYMENT_SECRET, options.signFor ?? workspace);
  const signature = options.signature === undefined ? await sign(secret, body) : options.signature;
  const delivery = options.delivery ?? `72d3162e-cc78-11e3-81ab-4c9367dc${String(deliveries++).padStart(4, "0")}`;
  const response = await t.fetch(`/github/webhook?workspace=${workspace}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": delivery,
      ...(signature === null ? {} : { "x-hub-signature-256": signature }),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, delivery };
}
// #endregion deliver

async function executions(t: T) {
  const page = await t.query(async (ctx) =>
    await rules.executions.list(ctx, { integrationId: "github", namespace: WS, paginationOpts: { numItems: 200, cursor: null } }),
  );
  return page.page;
}

/** The rules a published payload should run, decided from the payload alone. */
function expectedRules(event: string, payload: Record<string, any>): string[] {
  if (event === "workflow_run") {
    const green = payload.repository?.full_name === ORG_REPO && payload.action === "completed" && payload.workflow_run.conclusion === "success";
    return green ? ["green-builds"] : [];
  }
  if (payload.repository?.full_name !== REPO) return [];
  if (event === "issues" && payload.action === "opened") return ["welcome-issues"];
  if (event === "issues" && payload.action === "labeled" && payload.label?.name === "bug") return ["triage-bugs"];
  if (event === "pull_request" && payload.action === "opened" && payload.pull_request.base.ref === "master") return ["review-prs"];
  if (event === "pull_request" && payload.action === "closed" && payload.pull_request.merged) return ["announce-merges"];
  if (event === "push" && /^refs\/heads\/ma/.test(payload.ref)) return ["announce-pushes"];
  return [];
}

const requestsTo = (prefix: string) => fetchMock.mock.calls.filter(([url]) => String(url).startsWith(prefix));

describe("GitHub webhooks, on the published example payloads", () => {
  test("every published issues, pull_request, push and workflow_run example is accepted and runs exactly its rules", async () => {
    const t = await setup();
    expect(published.length).toBeGreaterThanOrEqual(70);
    const expected = new Map<string, string[]>();
    for (const { event, payload } of published) {
      const { status, body, delivery } = await deliver(t, event, payload);
      expect(status, `${event}/${payload.action}`).toBe(200);
      const ruleIds = expectedRules(event, payload);
      expect(body.executions, `${event}/${payload.action}`).toBe(ruleIds.length);
      if (ruleIds.length > 0) expected.set(delivery, ruleIds);
    }
    await drain(t);

    const recorded = await executions(t);
    // One record per rule a delivery ran, none lost, each finished.
    expect(recorded.map((e) => [e.eventId, e.ruleId]).sort()).toEqual(
      [...expected].flatMap(([delivery, ruleIds]) => ruleIds.map((ruleId) => [delivery, ruleId])).sort(),
    );
    expect(recorded.filter((e) => e.status !== "succeeded")).toEqual([]);
    const ran = (ruleId: string) => recorded.filter((e) => e.ruleId === ruleId).length;
    expect(ran("welcome-issues")).toBe(published.filter((p) => p.event === "issues" && p.payload.action === "opened" && p.payload.repository.full_name === REPO).length);
    expect(ran("triage-bugs")).toBeGreaterThan(0);
    expect(ran("review-prs")).toBeGreaterThan(0);
    expect(ran("announce-pushes")).toBe(2); // the two pushes to refs/heads/master; tags do not match
    expect(ran("green-builds")).toBe(2); // octo-org's two successful runs; the failed and requested ones do not match

    // Each action reached its API once per execution that ran it.
    const github = requestsTo("https://api.github.com/");
    expect(github).toHaveLength(ran("welcome-issues") + ran("triage-bugs") + ran("review-prs"));
    expect(new Set(github.map(([url]) => url))).toEqual(
      new Set(["https://api.github.com/repos/Codertocat/Hello-World/issues/1/comments", "https://api.github.com/repos/Codertocat/Hello-World/issues/1/labels", "https://api.github.com/repos/Codertocat/Hello-World/issues/2/comments"]),
    );
    expect(requestsTo("https://slack.com/")).toHaveLength(ran("welcome-issues") + ran("announce-pushes") + ran("green-builds"));
    const [issue] = published.filter((p) => p.event === "issues" && p.payload.action === "opened");
    const slackBodies = requestsTo("https://slack.com/").map(([, init]) => JSON.parse(String(init.body)));
    expect(slackBodies).toContainEqual({ channel: "#dev", text: `New issue: ${issue!.payload.issue.title} ${issue!.payload.issue.html_url}` });
  });

  test("a merged pull request (a published closed one, merged) runs the merge rule, whose Slack post a GitHub event caused", async () => {
    const t = await setup();
    const closed = published.find((p) => p.event === "pull_request" && p.payload.action === "closed")!.payload;
    expect(githubTriggerOf("pull_request", closed)).toBeNull(); // published: closed without merging
    const merged = { ...closed, pull_request: { ...closed.pull_request, merged: true } };
    expect((await deliver(t, "pull_request", merged)).body).toMatchObject({ ok: true, executions: 1 });
    await drain(t);
    const [execution] = await executions(t);
    expect(execution).toMatchObject({ ruleId: "announce-merges", status: "succeeded" });
    expect(execution!.actions[0]).toMatchObject({ type: "slack_post_message", result: { ts: "1503435956.000247" } });
    expect(JSON.parse(String(requestsTo("https://slack.com/")[0]![1].body))).toEqual({
      channel: "#dev",
      text: `Merged: ${closed.pull_request.title}`,
    });
  });

  test("a missing, wrong or other workspace's signature is refused with 401 and runs nothing", async () => {
    const t = await setup();
    // The secret an admin gives GitHub for a workspace's webhook.
    expect(await t.action(internal.githubWebhook.webhookSecret, { workspaceId: WS })).toBe(
      await webhookSecretFor(DEPLOYMENT_SECRET, WS),
    );
    const issue = published.find((p) => p.event === "issues" && p.payload.action === "opened")!.payload;
    expect((await deliver(t, "issues", issue, { signature: null })).status).toBe(401);
    expect((await deliver(t, "issues", issue, { signature: "sha256=" + "0".repeat(64) })).status).toBe(401);
    expect((await deliver(t, "issues", issue, { signature: "not a signature" })).status).toBe(401);
    // Signed for globex's webhook, replayed against acme's URL.
    expect((await deliver(t, "issues", issue, { signFor: "globex" })).status).toBe(401);
    await drain(t);
    expect(await executions(t)).toEqual([]);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  test("a redelivery (same X-GitHub-Delivery) runs nothing twice; ping and unhandled events run nothing", async () => {
    const t = await setup();
    const issue = published.find((p) => p.event === "issues" && p.payload.action === "opened")!.payload;
    const first = await deliver(t, "issues", issue);
    expect(first.body).toMatchObject({ executions: 1, duplicate: false });
    expect((await deliver(t, "issues", issue, { delivery: first.delivery })).body).toMatchObject({ duplicate: true });
    expect((await deliver(t, "ping", { zen: "Design for failure.", hook_id: 1 })).body).toEqual({ ok: true, executions: 0, duplicate: false });
    expect((await deliver(t, "star", { action: "created", repository: issue.repository })).body).toMatchObject({ executions: 0 });
    expect((await deliver(t, "issues", "not an object")).status).toBe(400);
    await drain(t);
    expect(await executions(t)).toHaveLength(1);
  });
});

describe("GitHub and Slack API errors", () => {
  const issue = () => published.find((p) => p.event === "issues" && p.payload.action === "opened")!.payload;

  test("GitHub: a 5xx is retried; a secondary rate limit waits for Retry-After; a 404 fails at once", async () => {
    const t = await setup();
    const answers = [
      new Response("bad gateway", { status: 502 }),
      Response.json({ message: "You have exceeded a secondary rate limit" }, { status: 403, headers: { "retry-after": "30" } }),
    ];
    fetchMock.mockImplementation(async (url) => (String(url).startsWith("https://api.github.com/") && answers.length > 0 ? answers.shift()! : success(url)));
    await deliver(t, "issues", issue());
    await drain(t);
    const [execution] = await executions(t);
    expect(execution!.actions[0]).toMatchObject({ type: "comment_on_issue", status: "succeeded", attempts: 3 });
    const logs = await t.query(async (ctx) => await rules.executions.getLogs(ctx, { executionId: execution!.executionId }));
    expect(logs.map((l) => l.message)).toContain(
      "Action a1 (comment_on_issue): attempt 2 failed: GitHub POST /repos/Codertocat/Hello-World/issues/1/comments: 403 You have exceeded a secondary rate limit; next attempt in 30 s (Retry-After)",
    );

    fetchMock.mockImplementation(async (url) =>
      String(url).startsWith("https://api.github.com/") ? Response.json({ message: "Not Found" }, { status: 404 }) : success(url),
    );
    await deliver(t, "issues", issue());
    await drain(t);
    const failed = (await executions(t)).find((e) => e.executionId !== execution!.executionId)!;
    expect(failed).toMatchObject({ status: "failed", error: "action a1 (comment_on_issue) failed: GitHub POST /repos/Codertocat/Hello-World/issues/1/comments: 404 Not Found" });
    expect(failed.actions.map((a) => [a.status, a.attempts])).toEqual([["failed", 1], ["skipped", 0]]);
  });

  test("Slack: ratelimited waits for Retry-After; channel_not_found fails at once; a revoked token disables the rule", async () => {
    const t = await setup();
    const slackAnswers = [Response.json({ ok: false, error: "ratelimited" }, { headers: { "retry-after": "20" } })];
    fetchMock.mockImplementation(async (url) => (String(url).startsWith("https://slack.com/") && slackAnswers.length > 0 ? slackAnswers.shift()! : success(url)));
    await deliver(t, "issues", issue());
    await drain(t);
    const [first] = await executions(t);
    expect(first!.actions[1]).toMatchObject({ type: "slack_post_message", status: "succeeded", attempts: 2 });
    expect(first!.actions[1]!.endedAt! - first!.actions[1]!.startedAt!).toBeGreaterThanOrEqual(20_000);

    const slackError = (error: string) =>
      fetchMock.mockImplementation(async (url) => (String(url).startsWith("https://slack.com/") ? Response.json({ ok: false, error }) : success(url)));
    slackError("channel_not_found");
    await deliver(t, "issues", issue());
    await drain(t);
    const notFound = (await executions(t))[0]!;
    expect(notFound).toMatchObject({ status: "failed", error: "action a2 (slack_post_message) failed: slack chat.postMessage: channel_not_found" });
    expect(notFound.actions[1]).toMatchObject({ attempts: 1 });

    slackError("token_revoked");
    await deliver(t, "issues", issue());
    await drain(t);
    const rule = await t.query(async (ctx) => await rules.get(ctx, { ruleId: "welcome-issues" }));
    expect(rule).toMatchObject({ enabled: false, autoDisabled: true });
    expect(rule!.disabledReason).toContain("token_revoked");
  });
});
