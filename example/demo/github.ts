/**
 * The GitHub part of `npm run demo`: the workspace's GitHub rules, a few of
 * the published example deliveries of @octokit/webhooks-examples posted to
 * POST /github/webhook with GitHub's signature (and one without), and the
 * Slack messages the rules posted because of them. GitHub's and Slack's
 * APIs are fakes (`fetch` is stubbed by demo.ts): nothing leaves the machine.
 */
import { sign } from "@octokit/webhooks-methods";
import WebhookDefinitions from "@octokit/webhooks-examples";
import type { TestConvex } from "convex-test";
import type { RuleDraft } from "convex-rules";
import { drain } from "convex-rules/test";
import type { github } from "../convex/github.js";
import { webhookSecretFor } from "../convex/githubWebhook.js";
import { rules } from "../convex/rules.js";
import type schema from "../convex/schema.js";
import { renderTable } from "./table.js";

export const GITHUB_DEMO_SECRET = "demo-github-webhook-secret";

type Draft = RuleDraft<{ github: typeof github }>;

/** One request the actions sent to GitHub's or Slack's API (to the demo's fakes). */
export type ApiRequest = { url: string; body: Record<string, unknown> };

/** One line of the GitHub table. */
export type GitHubDemoRow = { delivery: string; http: number; rule: string; status: string; actions: string };

const slackPost = (text: string) => ({ type: "slack_post_message" as const, config: { channel: "#dev", text } });

function rulesOf(namespace: string): Array<Draft & { id: string }> {
  const base = { integrationId: "github", namespace } as const;
  return [
    {
      ...base,
      id: "welcome-issues",
      name: "Thank and announce new issues",
      triggerType: "issue_opened",
      triggerConfig: { repo: "Codertocat/Hello-World" },
      actions: [
        { type: "comment_on_issue", config: { body: "Thanks for reporting this!" } },
        slackPost("New issue #{{event.issue.number}}: {{event.issue.title}}"),
      ],
    },
    {
      ...base,
      id: "announce-merges",
      name: "Announce merges to master",
      triggerType: "pull_request_merged",
      triggerConfig: { repo: "Codertocat/Hello-World", base: "master" },
      actions: [slackPost("Merged #{{event.number}}: {{event.pull_request.title}}")],
    },
    {
      ...base,
      id: "green-builds",
      name: "Announce green builds",
      triggerType: "workflow_run_completed",
      triggerConfig: { repo: "octo-org/octo-repo", conclusion: "success" },
      actions: [slackPost("Workflow {{event.workflow.name}} #{{event.workflow_run.run_number}} passed on {{event.workflow_run.head_branch}}")],
    },
  ];
}

/** A published example payload: the first of `event` whose `action` and fields fit. */
function example(event: string, fits: (payload: Record<string, any>) => boolean): Record<string, any> {
  const found = WebhookDefinitions.find((definition) => definition.name === event)?.examples.find((payload) =>
    fits(payload as unknown as Record<string, any>),
  );
  if (!found) throw new Error(`no published ${event} example fits`);
  return structuredClone(found) as unknown as Record<string, any>;
}

export async function githubScenario(
  t: TestConvex<typeof schema>,
  workspace: string,
  print: (line: string) => void,
  sent: ApiRequest[],
): Promise<{ rows: GitHubDemoRow[]; slack: ApiRequest[]; github: ApiRequest[] }> {
  const drafts = rulesOf(workspace);
  for (const rule of drafts) await t.mutation(async (ctx) => await rules.create(ctx, rule));
  const secret = await webhookSecretFor(GITHUB_DEMO_SECRET, workspace);

  const closed = example("pull_request", (p) => p.action === "closed");
  const deliveries: Array<{ label: string; event: string; payload: unknown; signed?: false }> = [
    { label: "issues/opened", event: "issues", payload: example("issues", (p) => p.action === "opened") },
    { label: "pull_request/closed (not merged)", event: "pull_request", payload: closed },
    {
      label: "pull_request/closed, merged",
      event: "pull_request",
      payload: { ...closed, pull_request: { ...closed.pull_request, merged: true } },
    },
    {
      label: "workflow_run/completed",
      event: "workflow_run",
      payload: example("workflow_run", (p) => p.action === "completed" && p.workflow_run.conclusion === "success"),
    },
    { label: "push (a tag)", event: "push", payload: example("push", (p) => p.ref.startsWith("refs/tags/")) },
    {
      label: "issues/opened, unsigned",
      event: "issues",
      payload: example("issues", (p) => p.action === "opened"),
      signed: false,
    },
  ];

  const rows: GitHubDemoRow[] = [];
  for (const [index, { label, event, payload, signed }] of deliveries.entries()) {
    const body = JSON.stringify(payload);
    const delivery = `d3f0c0de-0000-4000-8000-00000000000${index}`;
    const response = await t.fetch(`/github/webhook?workspace=${workspace}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": delivery,
        ...(signed === false ? {} : { "x-hub-signature-256": await sign(secret, body) }),
      },
      body,
    });
    await drain(t);
    const recorded = await t.query(async (ctx) =>
      (await rules.executions.list(ctx, { integrationId: "github", namespace: workspace, paginationOpts: { numItems: 50, cursor: null } })).page.filter(
        (execution) => execution.eventId === delivery,
      ),
    );
    if (recorded.length === 0) {
      const why = response.status === 401 ? "refused: no X-Hub-Signature-256" : "no rule matched";
      rows.push({ delivery: label, http: response.status, rule: "-", status: "-", actions: why });
    }
    for (const execution of recorded) {
      rows.push({
        delivery: label,
        http: response.status,
        rule: drafts.find((rule) => rule.id === execution.ruleId)?.name ?? execution.ruleId,
        status: execution.status,
        actions: execution.actions.map((a) => `${a.id} ${a.type} [${a.status === "succeeded" ? "ok" : a.status}]`).join("\n"),
      });
    }
  }

  print("");
  print(`GitHub: ${drafts.length} rules of workspace "${workspace}", ${deliveries.length} deliveries of published example payloads (POST /github/webhook):`);
  for (const line of renderTable(
    [
      { title: "Delivery", width: 24 },
      { title: "HTTP", width: 4 },
      { title: "Rule", width: 26 },
      { title: "Status", width: 9 },
      { title: "Actions", width: 32 },
    ],
    rows.map((row, i) => [
      i > 0 && rows[i - 1]!.delivery === row.delivery ? "" : row.delivery,
      String(row.http),
      row.rule,
      row.status,
      row.actions,
    ]),
  )) {
    print(line);
  }
  const slack = sent.filter((request) => request.url.startsWith("https://slack.com/"));
  const githubRequests = sent.filter((request) => request.url.startsWith("https://api.github.com/"));
  print("");
  print(`Slack: ${slack.length} messages the GitHub events caused (chat.postMessage, to a fake):`);
  for (const request of slack) print(`  ${String(request.body.channel)}  ${String(request.body.text)}`);
  print(`GitHub API: ${githubRequests.length} request(s): ${githubRequests.map((r) => `POST ${new URL(r.url).pathname}`).join(", ")}`);
  return { rows, slack, github: githubRequests };
}
