/**
 * The monday.com integration: the triggers, conditions and actions rules of
 * this app can use, each with the shape of its config.
 */
import { v } from "convex/values";
import { defineIntegration } from "convex-rules";

export const monday = defineIntegration({
  triggers: {
    /** A status column of a board changed, optionally from one label and/or to one label. */
    status_changed: {
      config: v.object({
        boardId: v.string(),
        columnId: v.string(),
        from: v.optional(v.string()),
        to: v.optional(v.string()),
      }),
      pattern: ({ boardId, columnId, from, to }) => ({
        boardId: [boardId],
        columnId: [columnId],
        ...(to === undefined ? {} : { value: { label: { text: [to] } } }),
        ...(from === undefined ? {} : { previousValue: { label: { text: [from] } } }),
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
    /** An item was moved to a group (monday.com's move_pulse_into_group), optionally one group. */
    item_moved: {
      config: v.object({ boardId: v.string(), groupId: v.optional(v.string()) }),
      pattern: ({ boardId, groupId }) => ({
        boardId: [boardId],
        ...(groupId === undefined ? {} : { destGroupId: [groupId] }),
      }),
    },
    /** An update (a comment) was posted on an item of a board. */
    update_created: {
      config: v.object({ boardId: v.string() }),
      pattern: ({ boardId }) => ({ boardId: [boardId] }),
    },
    /**
     * The date in a date column arrives (schedule trigger), `offsetDays`
     * before (negative) or after it, at `time` ("HH:MM").
     * With `date` (ISO, e.g. a project deadline), the rule fires once by
     * itself: `offsetDays` from it at `time` (default midnight) in
     * `timeZone` (the board's; default "UTC"). Without it, the date is each
     * item's own and the rule fires on `date_arrived` events your app
     * dispatches (for example from a daily cron over its items).
     */
    date_arrived: {
      config: v.object({
        boardId: v.string(),
        columnId: v.string(),
        offsetDays: v.optional(v.number()),
        time: v.optional(v.string()),
        date: v.optional(v.string()),
        timeZone: v.optional(v.string()),
      }),
      schedule: ({ date, offsetDays, time, timeZone = "UTC" }) =>
        date === undefined
          ? undefined
          : {
              once: {
                date,
                timeZone,
                ...(offsetDays === undefined ? {} : { offsetDays }),
                ...(time === undefined ? {} : { at: time }),
              },
            },
    },
    /**
     * Every day, week (on `weekday`, 0 = Sunday; default Monday) or month
     * (on the 1st), at `at` ("HH:MM", default midnight) in `timeZone` (the
     * board's; default "UTC") (schedule trigger).
     */
    every_time_period: {
      config: v.object({
        boardId: v.string(),
        every: v.union(v.literal("day"), v.literal("week"), v.literal("month")),
        at: v.optional(v.string()),
        weekday: v.optional(v.number()),
        timeZone: v.optional(v.string()),
      }),
      schedule: ({ every, at = "00:00", weekday = 1, timeZone = "UTC" }) =>
        every === "day"
          ? { daily: { at, timeZone } }
          : every === "week"
            ? { weekly: { weekday, at, timeZone } }
            : { monthly: { day: 1, at, timeZone } },
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
    /** Move the item to a group of its board. */
    move_to_group: {
      config: v.object({ groupId: v.string() }),
    },
    /** Create an item, on the event's board unless `boardId` is given. */
    create_item: {
      config: v.object({
        boardId: v.optional(v.string()),
        groupId: v.optional(v.string()),
        itemName: v.string(),
      }),
    },
  },
});
