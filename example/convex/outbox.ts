/**
 * The monday.com actions of this example. Until the real monday.com API
 * client lands, each action records the request it would send in the
 * `outbox` table, keyed by its idempotency key so a retried action is
 * recorded once.
 */
import { v } from "convex/values";
import { vActionHandlerArgs } from "convex-rules";
import { internalMutation, type MutationCtx } from "./_generated/server.js";

type OutboxRequest = {
  type: string;
  idempotencyKey: string;
  itemId?: number;
  payload: Record<string, string>;
};

async function send(ctx: MutationCtx, request: OutboxRequest) {
  const existing = await ctx.db
    .query("outbox")
    .withIndex("by_idempotency_key", (q) => q.eq("idempotencyKey", request.idempotencyKey))
    .unique();
  if (existing) return { outboxId: existing._id, deduplicated: true };
  const outboxId = await ctx.db.insert("outbox", request);
  return { outboxId, deduplicated: false };
}

const vOutboxResult = v.object({ outboxId: v.id("outbox"), deduplicated: v.boolean() });

function itemIdOf(event: unknown): number | undefined {
  const pulseId = (event as { pulseId?: unknown } | null)?.pulseId;
  return typeof pulseId === "number" ? pulseId : undefined;
}

export const setStatus = internalMutation({
  args: vActionHandlerArgs(v.object({ columnId: v.string(), label: v.string() })),
  returns: vOutboxResult,
  handler: async (ctx, { config, event, execution }) =>
    await send(ctx, {
      type: "set_status",
      idempotencyKey: execution.idempotencyKey,
      itemId: itemIdOf(event),
      payload: config,
    }),
});

export const notify = internalMutation({
  args: vActionHandlerArgs(v.object({ userId: v.string(), text: v.string() })),
  returns: vOutboxResult,
  handler: async (ctx, { config, event, execution }) =>
    await send(ctx, {
      type: "notify",
      idempotencyKey: execution.idempotencyKey,
      itemId: itemIdOf(event),
      payload: config,
    }),
});

export const createUpdate = internalMutation({
  args: vActionHandlerArgs(v.object({ body: v.string() })),
  returns: vOutboxResult,
  handler: async (ctx, { config, event, execution }) =>
    await send(ctx, {
      type: "create_update",
      idempotencyKey: execution.idempotencyKey,
      itemId: itemIdOf(event),
      payload: config,
    }),
});

export const moveToGroup = internalMutation({
  args: vActionHandlerArgs(v.object({ groupId: v.string() })),
  returns: vOutboxResult,
  handler: async (ctx, { config, event, execution }) =>
    await send(ctx, {
      type: "move_to_group",
      idempotencyKey: execution.idempotencyKey,
      itemId: itemIdOf(event),
      payload: config,
    }),
});

export const createItem = internalMutation({
  args: vActionHandlerArgs(
    v.object({ boardId: v.optional(v.string()), groupId: v.optional(v.string()), itemName: v.string() }),
  ),
  returns: vOutboxResult,
  handler: async (ctx, { config, event, execution }) => {
    const boardId = (event as { boardId?: unknown } | null)?.boardId;
    return await send(ctx, {
      type: "create_item",
      idempotencyKey: execution.idempotencyKey,
      // The new item goes to the event's board unless the config names one.
      payload: {
        ...(config.boardId !== undefined
          ? { boardId: config.boardId }
          : boardId === undefined
            ? {}
            : { boardId: String(boardId) }),
        ...(config.groupId === undefined ? {} : { groupId: config.groupId }),
        itemName: config.itemName,
      },
    });
  },
});
