/**
 * The README's usage snippets, as code that compiles against the package
 * and the quick start's app (quickstart/convex): each `#region` is one
 * snippet, checked by scripts/snippets.mjs.
 */
import {
  defineIntegration,
  NonRetryableError,
  parseRetryAfter,
  RetryAfterError,
  vActionHandlerArgs,
  vImportResult,
  vRule,
  vRuleExport,
  type RulesOperation,
} from "convex-rules";
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { ConvexError, v } from "convex/values";
import { internalAction, mutation, query, type QueryCtx } from "../../quickstart/convex/_generated/server.js";
import { rules } from "../../quickstart/convex/rules.js";

// #region declare
export const github = defineIntegration({
  triggers: {
    pull_request_opened: {
      description: "A pull request was opened, optionally against one branch",
      config: v.object({ repo: v.string(), base: v.optional(v.string()) }),
      pattern: ({ repo, base }) => ({
        repository: { full_name: [repo] },
        ...(base === undefined ? {} : { pull_request: { base: { ref: [base] } } }),
      }),
    },
    weekly_digest: {
      config: v.object({ repo: v.string(), weekday: v.number(), at: v.string() }),
      // Fires by itself, on this schedule, with no event.
      schedule: ({ weekday, at }) => ({ weekly: { weekday, at, timeZone: "Europe/Paris" } }),
    },
  },
  conditions: {
    // A custom condition type: a query of your app answers it.
    author_in_team: { config: v.object({ team: v.string() }) },
  },
  actions: {
    add_label: { config: v.object({ label: v.string() }) },
  },
});
// #endregion declare

export const intro = mutation({
  args: { storeId: v.string(), orderId: v.string(), total: v.number() },
  returns: v.null(),
  handler: async (ctx, order) => {
    // #region intro
    await rules.create(ctx, {
      name: "Orders over 100",
      integrationId: "shop",
      triggerType: "order_placed",
      triggerConfig: { storeId: "s1" },
      conditions: [{ type: "field", config: { path: "total", op: "gte", value: 100 } }],
      actions: [{ type: "notify", config: { channel: "#sales", text: "Order {{event.orderId}}" } }],
    });

    await rules.execute(ctx, { integrationId: "shop", triggerType: "order_placed", event: order });
    // #endregion intro
    return null;
  },
});

export const examples = mutation({
  args: { ruleId: v.string() },
  returns: v.null(),
  handler: async (ctx, { ruleId }) => {
    // #region update
    const rule = await rules.update(ctx, {
      ruleId,
      expectedVersion: 1, // VERSION_CONFLICT if someone changed it since you read version 1
      name: "Orders over 500",
      integrationId: "shop", // needed to change the trigger, conditions or actions
      conditions: [{ type: "field", config: { path: "total", op: "gte", value: 500 } }],
      actor: "user:alice", // kept with the new version (rules.versions.list)
    });
    // #endregion update

    // #region lifecycle
    await rules.disable(ctx, { ruleId, expectedVersion: rule.version });
    await rules.enable(ctx, { ruleId });
    await rules.remove(ctx, { ruleId }); // its history is deleted in the background
    // #endregion lifecycle

    // #region testRule
    const report = await rules.testRule(ctx, {
      rule: {
        name: "Draft",
        integrationId: "shop",
        triggerType: "order_placed",
        triggerConfig: { storeId: "s1" },
        conditions: [{ type: "field", config: { path: "total", op: "gt", value: 100 } }],
        actions: [{ type: "notify", config: { channel: "#sales", text: "{{event.orderId}}" } }],
      },
      event: { storeId: "s1", orderId: "o-9", total: 80 },
    });
    // { patternMatched: true, conditionsMet: false, wouldRun: false, explanation: [...], actions: [...] }
    // #endregion testRule
    if (report.wouldRun) throw new Error("unreachable");
    return null;
  },
});

// #region list
export const enabledRules = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vRule),
  handler: async (ctx, { paginationOpts }) =>
    await rules.list(ctx, { integrationId: "shop", enabled: true, paginationOpts }),
});
// #endregion list

export const exportRules = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vRuleExport),
  handler: async (ctx, { paginationOpts }) =>
    await rules.export(ctx, { integrationId: "shop", paginationOpts }),
});

// #region importExport
/** Rules from a file: any JSON. A malformed rule fails with its index and field. */
export const importRules = mutation({
  args: { json: v.string() },
  returns: vImportResult,
  handler: async (ctx, { json }) => await rules.import(ctx, { rules: JSON.parse(json) }),
});
// #endregion importExport

// #region api
async function authorize(ctx: QueryCtx, operation: RulesOperation) {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw new ConvexError({ code: "UNAUTHORIZED", message: "sign in first" });
  // The tenant of the rule: the caller may only touch their own.
  const namespace = "namespace" in operation ? operation.namespace : operation.rule?.namespace;
  if (namespace !== undefined && namespace !== identity.subject) {
    throw new ConvexError({ code: "UNAUTHORIZED", message: "not your rules" });
  }
}

export const { createRule, getRule, listRules, updateRule, deleteRule, enableRule, disableRule } =
  rules.api({ auth: authorize });
// #endregion api

const SLACK_TOKEN = "xoxb-...";

// #region handler
export const postToSlack = internalAction({
  args: vActionHandlerArgs(v.object({ channel: v.string(), text: v.string() })),
  returns: v.null(),
  handler: async (_ctx, { config, execution }) => {
    const response = await fetch("https://slack.com/api/chat.postMessage", {
      method: "POST",
      headers: {
        authorization: `Bearer ${SLACK_TOKEN}`,
        "content-type": "application/json",
        // Stable across retries and replays: the request is applied once.
        "idempotency-key": execution.idempotencyKey,
      },
      body: JSON.stringify(config),
    });
    if (response.status === 429) {
      const waitMs = parseRetryAfter(response.headers.get("retry-after")) ?? 30_000;
      throw new RetryAfterError(waitMs, "Slack is rate limiting"); // the next attempt waits that long
    }
    if (response.status >= 400 && response.status < 500) {
      throw new NonRetryableError(`Slack refused the message: ${response.status}`); // no retry
    }
    if (!response.ok) throw new Error(`Slack: ${response.status}`); // retried with backoff
    return null;
  },
});
// #endregion handler

export const replayFailure = mutation({
  args: { executionId: v.string() },
  returns: v.array(v.string()),
  // Re-runs the failed actions (and the ones they stopped); succeeded ones never run again.
  handler: async (ctx, args) => (await rules.executions.replay(ctx, args)).replayed,
});
