/** Deleting a rule's executions and their logs, in background batches (batches.ts). */
import { v } from "convex/values";
import { internal } from "../_generated/api.js";
import { internalMutation } from "../_generated/server.js";
import { drain, runBatch } from "../lib/batches.js";
import { deleteExecution, noneDeleted } from "./deletion.js";

/**
 * Deletes the executions of `ruleId` created up to `upTo` (a
 * `_creationTime`), with their logs, then schedules itself again until none
 * is left. The bound is the newest execution when the rule was deleted, so a
 * new rule that reuses the id keeps its own history, whatever the clock says.
 * `deleted` counts the executions and log lines this batch deleted.
 */
export const deleteRuleHistory = internalMutation({
  args: { ruleId: v.string(), upTo: v.number() },
  returns: v.object({ deleted: v.number(), done: v.boolean() }),
  // Typed: the handler schedules itself, so its type cannot be inferred from its own reference.
  handler: async (ctx, args): Promise<{ deleted: number; done: boolean }> => {
    const deleted = noneDeleted();
    const done = await runBatch(ctx, internal.executions.history.deleteRuleHistory, args, async (budget) =>
      await drain(
        budget,
        "execution",
        (k) =>
          ctx.db
            .query("ruleExecutions")
            .withIndex("by_rule", (q) => q.eq("ruleId", args.ruleId).lte("_creationTime", args.upTo))
            .take(k),
        async (execution) => await deleteExecution(ctx, budget, execution, deleted),
      ),
    );
    return { deleted: deleted.executions + deleted.logs, done };
  },
});
