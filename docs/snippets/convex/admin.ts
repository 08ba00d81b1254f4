// convex/admin.ts
import { internalMutation, query } from "./_generated/server";
import { rules } from "./rules";

export const configureRetention = internalMutation({
  args: {},
  handler: async (ctx) => {
    // Every namespace of the integration: 7 days, failures 60 days.
    await rules.retention.set(ctx, { integrationId: "monday", days: 7, failedDays: 60 });
    // One noisy rule keeps at most 20 executions per status (null clears a field).
    await rules.retention.set(ctx, {
      integrationId: "monday",
      ruleId: "7fbaff73-55f9-4a11-8bea-62ee7d5ca5c3",
      maxPerOutcome: 20,
    });
  },
});

export const retentionOfRule = query({
  args: {},
  // The values in force for this rule, and the scope each one comes from.
  handler: async (ctx) =>
    await rules.retention.get(ctx, { integrationId: "monday", ruleId: "7fbaff73-55f9-4a11-8bea-62ee7d5ca5c3" }),
});

export const cleanupStatus = query({
  args: {},
  // { running, lastRun, fullCheckRequested }; rules.retention.runCleanup(ctx) starts a run now.
  handler: async (ctx) => await rules.retention.getCleanupStatus(ctx),
});
