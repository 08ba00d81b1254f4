/** Deleting a rule's executions and their logs, in bounded batches. */
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { deleteEventIfUnused } from "./events.js";
import { usedShare } from "./transactionLimits.js";
import { internalMutation } from "./_generated/server.js";

/**
 * Documents deleted per transaction: far below the 16,000-write limit, and
 * each execution costs two index ranges, far below the 4,096-range limit.
 */
export const HISTORY_DELETE_BATCH = 1000;

/**
 * Deletes the executions of `ruleId` created up to `upTo` (a
 * `_creationTime`), with their logs, then schedules itself again until none
 * is left. The bound is the newest execution when the rule was deleted, so a
 * new rule that reuses the id keeps its own history, whatever the clock says.
 */
export const deleteRuleHistory = internalMutation({
  args: { ruleId: v.string(), upTo: v.number() },
  returns: v.object({ deleted: v.number(), done: v.boolean() }),
  handler: async (ctx, args) => {
    let budget = HISTORY_DELETE_BATCH;
    let deleted = 0;
    // Events (up to 900 KiB each) go with their last execution: the batch
    // also stops at half of any transaction limit.
    while (budget > 0 && (await usedShare(ctx)) < 0.5) {
      const execution = await ctx.db
        .query("ruleExecutions")
        .withIndex("by_rule", (q) =>
          q.eq("ruleId", args.ruleId).lte("_creationTime", args.upTo),
        )
        .first();
      if (!execution) return { deleted, done: true };
      const logs = await ctx.db
        .query("ruleExecutionLogs")
        .withIndex("by_execution", (q) => q.eq("executionId", execution._id))
        .take(budget);
      for (const log of logs) await ctx.db.delete("ruleExecutionLogs", log._id);
      budget -= logs.length;
      deleted += logs.length;
      // Out of budget with logs possibly left: the execution goes next time.
      if (budget === 0) break;
      await ctx.db.delete("ruleExecutions", execution._id);
      await deleteEventIfUnused(ctx, execution.eventRef);
      budget--;
      deleted++;
    }
    await ctx.scheduler.runAfter(0, internal.history.deleteRuleHistory, args);
    return { deleted, done: false };
  },
});
