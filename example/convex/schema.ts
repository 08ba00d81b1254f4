import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  /**
   * Who may manage the rules of which workspace. A workspace is a rules
   * namespace: each customer's rules are invisible to the others.
   */
  members: defineTable({
    tokenIdentifier: v.string(),
    workspaceId: v.string(),
    role: v.union(v.literal("admin"), v.literal("viewer")),
  }).index("by_token", ["tokenIdentifier"]),

  /** Requests the monday.com actions would send (see outbox.ts). */
  outbox: defineTable({
    type: v.string(),
    idempotencyKey: v.string(),
    itemId: v.optional(v.number()),
    payload: v.record(v.string(), v.string()),
  }).index("by_idempotency_key", ["idempotencyKey"]),
});
