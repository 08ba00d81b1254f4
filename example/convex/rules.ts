/**
 * Rule management for this app: typed helpers used by the app's own code,
 * and the ready-made API exposed to signed-in workspace admins.
 */
import { ConvexError, v } from "convex/values";
import { Rules, vRule, type RulesOperation } from "convex-rules";
import { components, internal } from "./_generated/api.js";
import {
  internalMutation,
  mutation,
  query,
  type QueryCtx,
} from "./_generated/server.js";
import { github } from "./github.js";
import { GITHUB_RETRY } from "./githubApi.js";
import { monday } from "./monday.js";
import { MONDAY_RETRY } from "./mondayApi.js";
import { slack } from "./slack.js";
import { SLACK_RETRY } from "./slackApi.js";

/** The integrations of this app: rules of each are typed by its declarations. */
type Integrations = { monday: typeof monday; github: typeof github; slack: typeof slack };

/**
 * The rules engine of this app. The explicit type keeps the app's generated
 * `api` (referenced by the handlers) from depending on itself.
 */
export const rules: Rules<Integrations> = new Rules(components.rules, {
  integrations: { monday, github, slack },
  handlers: {
    monday: {
      // Convex actions calling monday.com's GraphQL API (mondayApi.ts).
      actions: {
        set_status: { action: internal.mondayApi.setStatus, retry: MONDAY_RETRY },
        notify: { action: internal.mondayApi.notify, retry: MONDAY_RETRY },
        create_update: { action: internal.mondayApi.createUpdate, retry: MONDAY_RETRY },
        move_to_group: { action: internal.mondayApi.moveToGroup, retry: MONDAY_RETRY },
        create_item: { action: internal.mondayApi.createItem, retry: MONDAY_RETRY },
      },
    },
    // #region handlers
    github: {
      actions: {
        comment_on_issue: { action: internal.githubApi.commentOnIssue, retry: GITHUB_RETRY },
        add_labels: { action: internal.githubApi.addLabels, retry: GITHUB_RETRY },
        // Slack's action, declared under github too: Slack's handler runs it.
        slack_post_message: { action: internal.slackApi.postMessage, retry: SLACK_RETRY },
      },
    },
    slack: {
      actions: { post_message: { action: internal.slackApi.postMessage, retry: SLACK_RETRY } },
    },
    // #endregion handlers
  },
  // The built-in http.request action (legacy webhook rules migrate to it)
  // may only call these hosts.
  http: { allowedHosts: ["hooks.example.com"] },
});

/** What viewers may do: read rules and their executions. */
const READS = new Set<RulesOperation["name"]>([
  "getRule",
  "listRules",
  "exportRules",
  "listExecutions",
  "listRuleExecutions",
  "getExecution",
  "getExecutionLogs",
]);

/** The caller's workspace membership; throws when signed out or unknown. */
export async function requireMember(ctx: QueryCtx) {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) {
    throw new ConvexError({ code: "UNAUTHORIZED", message: "sign in first" });
  }
  const member = await ctx.db
    .query("members")
    .withIndex("by_token", (q) => q.eq("tokenIdentifier", identity.tokenIdentifier))
    .unique();
  if (!member) {
    throw new ConvexError({ code: "UNAUTHORIZED", message: "not a member of any workspace" });
  }
  return member;
}

/**
 * Lets admins manage the rules of their own workspace, and viewers read
 * them and their history. The rule's namespace is the workspace.
 */
export async function authorize(ctx: QueryCtx, operation: RulesOperation) {
  const member = await requireMember(ctx);
  const namespace =
    "namespace" in operation ? operation.namespace : operation.rule?.namespace;
  if (namespace !== undefined && namespace !== member.workspaceId) {
    throw new ConvexError({ code: "UNAUTHORIZED", message: "not your workspace" });
  }
  if (!READS.has(operation.name) && member.role !== "admin") {
    throw new ConvexError({ code: "UNAUTHORIZED", message: "admins only" });
  }
}

export const {
  createRule,
  getRule,
  listRules,
  updateRule,
  deleteRule,
  enableRule,
  disableRule,
  importRules,
  exportRules,
  // The history, for convex-rules/react (example/web shows it).
  listExecutions,
  listRuleExecutions,
  getExecution,
  getExecutionLogs,
} = rules.api({ auth: authorize });

/** Creates "when a status becomes <to>, notify <userId>" on a board. */
export const createStatusRule = mutation({
  args: {
    name: v.string(),
    boardId: v.string(),
    columnId: v.string(),
    to: v.string(),
    notifyUserId: v.string(),
  },
  returns: v.string(),
  handler: async (ctx, args) => {
    const member = await requireMember(ctx);
    await authorize(ctx, {
      name: "createRule",
      integrationId: "monday",
      namespace: member.workspaceId,
    });
    return await rules.create(ctx, {
      name: args.name,
      integrationId: "monday",
      namespace: member.workspaceId,
      triggerType: "status_changed",
      triggerConfig: { boardId: args.boardId, columnId: args.columnId, to: args.to },
      actions: [
        {
          type: "notify",
          config: { userId: args.notifyUserId, text: `{{event.pulseName}} is ${args.to}` },
        },
      ],
    });
  },
});

/** The enabled monday.com rules of the caller's workspace (the first 100). */
export const listActiveRules = query({
  args: {},
  returns: v.array(vRule),
  handler: async (ctx) => {
    const member = await requireMember(ctx);
    const { page } = await rules.list(ctx, {
      integrationId: "monday",
      namespace: member.workspaceId,
      enabled: true,
      paginationOpts: { numItems: 100, cursor: null },
    });
    return page;
  },
});

/** Renames a rule, refusing if someone else changed it since `version`. */
export const renameRule = mutation({
  args: { ruleId: v.string(), name: v.string(), version: v.number() },
  returns: v.number(),
  handler: async (ctx, args) => {
    const rule = await rules.get(ctx, { ruleId: args.ruleId });
    await authorize(ctx, { name: "updateRule", ruleId: args.ruleId, rule });
    const updated = await rules.update(ctx, {
      ruleId: args.ruleId,
      expectedVersion: args.version,
      name: args.name,
    });
    return updated.version;
  },
});

/** Deletes a rule of the caller's workspace. */
export const removeRule = mutation({
  args: { ruleId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const rule = await rules.get(ctx, { ruleId: args.ruleId });
    await authorize(ctx, { name: "deleteRule", ruleId: args.ruleId, rule });
    await rules.remove(ctx, { ruleId: args.ruleId });
    return null;
  },
});

/**
 * Adds a member to a workspace. Internal: the app's onboarding (or the
 * dashboard) calls it, never a browser.
 */
export const addMember = internalMutation({
  args: {
    tokenIdentifier: v.string(),
    workspaceId: v.string(),
    role: v.union(v.literal("admin"), v.literal("viewer")),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    await ctx.db.insert("members", args);
    return null;
  },
});
