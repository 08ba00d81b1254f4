/**
 * Stored events (`ruleEvents`): one document per dispatched event, shared by
 * all of its executions, their logs and their action runs.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";

/** The event an execution ran for, as stored (null when it is gone). */
export async function eventDataOf(
  ctx: QueryCtx,
  execution: Pick<Doc<"ruleExecutions">, "eventRef" | "triggerData">,
): Promise<unknown> {
  if (execution.eventRef === undefined) return execution.triggerData ?? null;
  const event = await ctx.db.get("ruleEvents", execution.eventRef);
  return event?.data ?? null;
}

/**
 * Deletes the event once no execution refers to it: called after deleting
 * an execution, so that an event lives exactly as long as its executions.
 */
export async function deleteEventIfUnused(
  ctx: MutationCtx,
  eventRef: Id<"ruleEvents"> | undefined,
): Promise<boolean> {
  if (eventRef === undefined) return false;
  const other = await ctx.db
    .query("ruleExecutions")
    .withIndex("by_event_ref", (q) => q.eq("eventRef", eventRef))
    .first();
  if (other) return false;
  const event = await ctx.db.get("ruleEvents", eventRef);
  if (!event) return false;
  await ctx.db.delete("ruleEvents", eventRef);
  return true;
}
