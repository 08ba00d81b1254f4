/**
 * The monday.com integration: the triggers, conditions and actions rules of
 * this app can use, each with the shape of its config.
 */
import { v } from "convex/values";
import { defineIntegration } from "convex-rules";

export const monday = defineIntegration({
  triggers: {
    /** A status column of a board changed, optionally to one label. */
    status_changed: {
      config: v.object({
        boardId: v.string(),
        columnId: v.string(),
        to: v.optional(v.string()),
      }),
      pattern: ({ boardId, columnId, to }) => ({
        boardId: [boardId],
        columnId: [columnId],
        ...(to === undefined ? {} : { value: { label: { text: [to] } } }),
      }),
    },
    /** Any column (or one column) of a board changed. */
    column_changed: {
      config: v.object({ boardId: v.string(), columnId: v.optional(v.string()) }),
      pattern: ({ boardId, columnId }) => ({
        boardId: [boardId],
        ...(columnId === undefined ? {} : { columnId: [columnId] }),
      }),
    },
    /** An item was created on a board, optionally in one group. */
    item_created: {
      config: v.object({ boardId: v.string(), groupId: v.optional(v.string()) }),
      pattern: ({ boardId, groupId }) => ({
        boardId: [boardId],
        ...(groupId === undefined ? {} : { groupId: [groupId] }),
      }),
    },
  },
  actions: {
    /** Set a status column of the item to a label. */
    set_status: {
      config: v.object({ columnId: v.string(), label: v.string() }),
    },
    /** Send a monday.com notification to a user. */
    notify: {
      config: v.object({ userId: v.string(), text: v.string() }),
    },
    /** Post an update (a comment) on the item. */
    create_update: {
      config: v.object({ body: v.string() }),
    },
  },
});
