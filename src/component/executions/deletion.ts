/**
 * Deleting an execution with its logs (and its event, once no execution
 * refers to it), within a background batch's budget. The logs go first and
 * the execution last, so a batch that stops in the middle of a long log
 * leaves a consistent state: the execution is still there, and the next
 * batch finishes it.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { drain, type Budget } from "../lib/batches.js";
import { deleteEventIfUnused } from "./events.js";

/** What deleting executions removed. */
export type Deleted = { executions: number; logs: number; events: number };

export const noneDeleted = (): Deleted => ({ executions: 0, logs: 0, events: 0 });

/**
 * Deletes an execution's logs, then the execution and its event if unused,
 * counting into `deleted`. False when the budget ran out first.
 */
export async function deleteExecution(
  ctx: MutationCtx,
  budget: Budget,
  execution: Doc<"ruleExecutions">,
  deleted: Deleted,
): Promise<boolean> {
  const logsDone = await drain(
    budget,
    "delete",
    (k) =>
      ctx.db
        .query("ruleExecutionLogs")
        .withIndex("by_execution", (q) => q.eq("executionId", execution._id))
        .take(k),
    async (line) => {
      await ctx.db.delete("ruleExecutionLogs", line._id);
      deleted.logs++;
      return true;
    },
  );
  if (!logsDone) return false;
  await ctx.db.delete("ruleExecutions", execution._id);
  deleted.executions++;
  // One more small read, within the margin every batch keeps.
  if (await deleteEventIfUnused(ctx, execution.eventRef)) deleted.events++;
  return true;
}
