/**
 * Feeding monday.com events to the rules engine: the mapping from a webhook
 * envelope to `rules.execute`. (The HTTP endpoint that receives the webhook
 * comes with the monday.com integration work.)
 */
import { ConvexError, v } from "convex/values";
import { mondayColumnTexts, vExecuteResult } from "convex-rules";
import { internalMutation } from "./_generated/server.js";
import { githubTriggerOf } from "./github.js";
import { rules } from "./rules.js";

type MondayTrigger =
  | "status_changed"
  | "column_changed"
  | "item_created"
  | "item_moved"
  | "update_created";

/**
 * The trigger type of a monday.com event, or null when no trigger of the
 * integration handles it. Status columns have `columnType: "color"`.
 */
export function triggerTypeOf(event: { type?: unknown; columnType?: unknown }): MondayTrigger | null {
  if (event.type === "create_pulse") return "item_created";
  if (event.type === "move_pulse_into_group") return "item_moved";
  if (event.type === "create_update") return "update_created";
  if (event.type === "update_column_value") {
    return event.columnType === "color" ? "status_changed" : "column_changed";
  }
  return null;
}

/**
 * Runs the rules of `workspaceId` on one monday.com webhook body
 * (`{ event: {...} }`). Board ids arrive as numbers and rules store them as
 * strings (as monday.com's API returns them), so the event is normalised.
 * `columnText` holds the text of the columns the event carries (see
 * `mondayColumnTexts`): rules migrated from the legacy mondayRules table
 * compare column texts there.
 * A redelivery (same `triggerUuid`) runs nothing twice.
 */
// #region receive
export const receiveMondayEvent = internalMutation({
  args: {
    workspaceId: v.string(),
    /**
     * The webhook body's JSON text: Convex refuses some JSON as a function
     * argument (a "$" field name, more than 64 levels), while
     * `rules.execute` makes any event storable.
     */
    body: v.string(),
  },
  returns: v.array(vExecuteResult),
  handler: async (ctx, args) => {
    const event = (JSON.parse(args.body) as { event?: unknown } | null)?.event;
    if (typeof event !== "object" || event === null || Array.isArray(event)) {
      throw new ConvexError({ code: "BAD_EVENT", message: "body.event: missing or not an object" });
    }
    const fields = event as Record<string, unknown>;
    const triggerType = triggerTypeOf(fields);
    if (!triggerType) return [];
    return await rules.execute(ctx, {
      integrationId: "monday",
      triggerType,
      namespace: args.workspaceId,
      event: { ...fields, boardId: String(fields.boardId), columnText: mondayColumnTexts(fields) },
      ...(typeof fields.triggerUuid === "string" ? { eventId: fields.triggerUuid } : {}),
    });
  },
});
// #endregion receive

/**
 * A verified GitHub delivery (githubWebhook.ts) for the rules of one
 * workspace: its trigger type from the event name and `action`, the
 * delivery id as event id. A payload no trigger handles runs nothing.
 */
// #region receiveGitHub
export const receiveGitHubEvent = internalMutation({
  args: { workspaceId: v.string(), event: v.string(), delivery: v.string(), body: v.string() },
  returns: v.array(vExecuteResult),
  handler: async (ctx, args) => {
    let payload: unknown;
    try {
      payload = JSON.parse(args.body);
    } catch {
      throw new ConvexError({ code: "BAD_EVENT", message: "body: not JSON" });
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      throw new ConvexError({ code: "BAD_EVENT", message: "body: not a JSON object" });
    }
    const triggerType = githubTriggerOf(args.event, payload as { action?: unknown });
    if (!triggerType) return [];
    return await rules.execute(ctx, {
      integrationId: "github",
      triggerType,
      namespace: args.workspaceId,
      event: payload,
      eventId: args.delivery,
    });
  },
});
// #endregion receiveGitHub
