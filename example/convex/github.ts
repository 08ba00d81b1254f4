/**
 * The GitHub integration of this app: what rules can react to (webhook
 * deliveries, https://docs.github.com/en/webhooks/webhook-events-and-payloads)
 * and do (githubApi.ts), declared the same way as monday.ts. Nothing in the
 * rules component knows GitHub: the declarations, the payload mapping and
 * the actions are all the app's.
 */
import type { WebhookEventName } from "@octokit/webhooks-types";
import { defineIntegration } from "convex-rules";
import { v } from "convex/values";
import { slack } from "./slack.js";

const vRepo = v.string(); // "owner/name", as in `repository.full_name`

// #region declare
export const github = defineIntegration({
  triggers: {
    issue_opened: {
      description: "An issue was opened in a repository",
      config: v.object({ repo: vRepo }),
      pattern: ({ repo }) => ({ repository: { full_name: [repo] } }),
    },
    issue_labeled: {
      description: "An issue got a label",
      config: v.object({ repo: vRepo, label: v.string() }),
      pattern: ({ repo, label }) => ({ repository: { full_name: [repo] }, label: { name: [label] } }),
    },
    pull_request_opened: {
      description: "A pull request was opened, optionally against one base branch",
      config: v.object({ repo: vRepo, base: v.optional(v.string()) }),
      pattern: ({ repo, base }) => ({
        repository: { full_name: [repo] },
        ...(base === undefined ? {} : { pull_request: { base: { ref: [base] } } }),
      }),
    },
    pull_request_merged: {
      description: "A pull request was merged, optionally into one base branch",
      config: v.object({ repo: vRepo, base: v.optional(v.string()) }),
      pattern: ({ repo, base }) => ({
        repository: { full_name: [repo] },
        pull_request: { merged: [true], ...(base === undefined ? {} : { base: { ref: [base] } }) },
      }),
    },
    push: {
      description: 'Commits were pushed to a branch; "release/*" matches every release branch',
      config: v.object({ repo: vRepo, branch: v.string() }),
      pattern: ({ repo, branch }) => ({
        repository: { full_name: [repo] },
        ref: [{ wildcard: `refs/heads/${branch}` }],
      }),
    },
    workflow_run_completed: {
      description: "A GitHub Actions workflow run finished, optionally with one conclusion",
      config: v.object({
        repo: vRepo,
        conclusion: v.optional(
          v.union(v.literal("success"), v.literal("failure"), v.literal("cancelled"), v.literal("timed_out")),
        ),
      }),
      pattern: ({ repo, conclusion }) => ({
        repository: { full_name: [repo] },
        ...(conclusion === undefined ? {} : { workflow_run: { conclusion: [conclusion] } }),
      }),
    },
  },
  actions: {
    /** A comment on the event's issue or pull request. */
    comment_on_issue: { config: v.object({ body: v.string() }) },
    /** Labels added to the event's issue or pull request. */
    add_labels: { config: v.object({ labels: v.array(v.string()) }) },
    // A Slack action in GitHub rules: the same declaration under this
    // integration, run by Slack's handler (rules.ts).
    slack_post_message: slack.actions.post_message,
  },
});
// #endregion declare

export type GitHubTrigger = keyof typeof github.triggers;

// #region map
/**
 * The trigger type of a delivery, from its `X-GitHub-Event` header and the
 * payload's `action`; null when no trigger handles it (it runs nothing).
 */
export function githubTriggerOf(event: WebhookEventName | string, payload: { action?: unknown; pull_request?: unknown }): GitHubTrigger | null {
  const action = payload.action;
  switch (event) {
    case "issues":
      return action === "opened" ? "issue_opened" : action === "labeled" ? "issue_labeled" : null;
    case "pull_request": {
      if (action === "opened") return "pull_request_opened";
      const merged = (payload.pull_request as { merged?: unknown } | undefined)?.merged === true;
      return action === "closed" && merged ? "pull_request_merged" : null;
    }
    case "push":
      return "push";
    case "workflow_run":
      return action === "completed" ? "workflow_run_completed" : null;
    default:
      return null;
  }
}
// #endregion map
