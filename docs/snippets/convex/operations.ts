// Snippets of docs/operations.md, compiled as a module of the example app.
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server.js";
import { rules } from "./rules.js";

// #region stats
export const ruleStats = query({
  args: { ruleId: v.string() },
  handler: async (ctx, { ruleId }) => {
    const stats = await rules.health.getStats(ctx, { ruleId });
    // { runs: 1250, succeeded: 1200, failed: 40, skipped: 10, averageDurationMs: 850, ... }
    return stats;
  },
});
// #endregion stats

// #region health
export const health = query({
  args: { accountId: v.string() },
  handler: async (ctx, { accountId }) => {
    const report = await rules.health.getReport(ctx, { integrationId: "monday", namespace: accountId, idleDays: 3 });
    return report.rules.map((r) => ({ name: r.name, problems: r.problems, why: r.disabledReason ?? r.lastError }));
  },
});
// #endregion health

// #region history
export const renameRule = mutation({
  args: { ruleId: v.string(), name: v.string() },
  handler: async (ctx, { ruleId, name }) => {
    const user = await ctx.auth.getUserIdentity();
    if (!user) throw new Error("Not signed in");
    await rules.update(ctx, { ruleId, name, actor: user.email ?? user.subject });
  },
});

export const history = query({
  args: { ruleId: v.string(), paginationOpts: paginationOptsValidator },
  // Newest first: { version, changedAt, actor, operation, changes: ["name"], rule: {...} }
  handler: async (ctx, args) => await rules.versions.list(ctx, args),
});

export const undo = mutation({
  args: { ruleId: v.string(), version: v.number(), expectedVersion: v.number() },
  handler: async (ctx, args) => {
    const user = await ctx.auth.getUserIdentity();
    if (!user) throw new Error("Not signed in");
    return await rules.versions.rollback(ctx, { ...args, actor: user.email ?? user.subject });
  },
});

export const whatRan = query({
  args: { executionId: v.string() },
  handler: async (ctx, { executionId }) => ({
    execution: await rules.executions.get(ctx, { executionId }),
    ruleAsItRan: await rules.versions.getForExecution(ctx, { executionId }),
  }),
});
// #endregion history

// #region quotas
export const setPlan = internalMutation({
  args: { accountId: v.string() },
  handler: async (ctx, { accountId }) => {
    await rules.quotas.set(ctx, { integrationId: "monday", perMonth: 25_000, perMinute: 100 });
    await rules.quotas.set(ctx, { integrationId: "monday", namespace: accountId, perMonth: 250_000, whenExceeded: "wait" });
    // { quota, inherited, windows: [{ window: "month", limit, used, remaining, windowStart, windowEnd }, ...] }
    return await rules.quotas.getUsage(ctx, { integrationId: "monday", namespace: accountId });
  },
});
// #endregion quotas
