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

  /**
   * The legacy rules of the first, monday.com-only version of the rules
   * system. Migrated into the rules component by migration.ts; never
   * modified by it.
   */
  mondayRules: defineTable({
    name: v.string(),
    boardId: v.string(),
    enabled: v.boolean(),
    triggerType: v.string(),
    triggerColumnId: v.optional(v.string()),
    triggerValue: v.optional(v.any()),
    conditions: v.optional(
      v.array(
        v.object({
          columnId: v.string(),
          operator: v.string(),
          value: v.optional(v.any()),
        }),
      ),
    ),
    actionType: v.string(),
    actionConfig: v.any(),
    extraActions: v.optional(v.array(v.object({ type: v.string(), config: v.any() }))),
    createdBy: v.optional(v.string()),
    lastRunAt: v.optional(v.number()),
    runCount: v.optional(v.number()),
    createdAt: v.number(),
    updatedAt: v.optional(v.number()),
  }).index("by_board", ["boardId"]),
});
