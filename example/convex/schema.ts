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
});
