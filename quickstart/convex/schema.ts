// #region schema
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  // What the rules' `notify` action writes.
  notifications: defineTable({ channel: v.string(), text: v.string() }),
});
// #endregion schema
