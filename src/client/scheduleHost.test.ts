/// <reference types="vite/client" />
// A host app for the schedule tests (schedules.test.ts): an integration
// whose triggers derive schedules from their config, with action and
// custom-condition handlers of this app - the way a real app declares them.
// Named *.test.ts so that no build ships it; vitest does not run it as a
// suite (see vitest.config.ts).
import {
  anyApi,
  componentsGeneric,
  defineSchema,
  defineTable,
  internalMutationGeneric,
  internalQueryGeneric,
  mutationGeneric,
  queryGeneric,
} from "convex/server";
import { v } from "convex/values";
import {
  defineIntegration,
  Rules,
  vActionHandlerArgs,
  vConditionHandlerArgs,
  type RuleDraft,
  type RulePatch,
  type ScheduleSpec,
} from "./index.js";
import type { ComponentApi } from "../component/_generated/component.js";

const components = componentsGeneric() as unknown as { rules: ComponentApi };

/** This module's functions, as the app's generated `internal` would name them. */
const host = anyApi["scheduleHost.test"];

export const schema = defineSchema({
  /** What each action handler was asked to do. */
  sent: defineTable({
    kind: v.string(),
    ruleId: v.string(),
    idempotencyKey: v.string(),
    config: v.any(),
    event: v.any(),
  }),
});

const vEvery = v.union(v.literal("day"), v.literal("week"), v.literal("month"));

export const board = defineIntegration({
  triggers: {
    /** Recurring: every day, week (on `weekday`) or month (on the 1st). */
    every_time_period: {
      config: v.object({
        boardId: v.string(),
        every: vEvery,
        at: v.optional(v.string()),
        weekday: v.optional(v.number()),
        timeZone: v.optional(v.string()),
      }),
      schedule: ({ every, at = "09:00", weekday = 1, timeZone = "UTC" }): ScheduleSpec =>
        every === "day"
          ? { daily: { at, timeZone } }
          : every === "week"
            ? { weekly: { weekday, at, timeZone } }
            : { monthly: { day: 1, at, timeZone } },
    },
    /** A date arrives: `offsetDays` from `date`, at `time`. No date: no schedule. */
    date_arrived: {
      config: v.object({
        boardId: v.string(),
        date: v.optional(v.string()),
        offsetDays: v.optional(v.number()),
        time: v.optional(v.string()),
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
    /** An event trigger: fires on events only. */
    item_created: {
      config: v.object({ boardId: v.string() }),
      pattern: ({ boardId }) => ({ boardId: [boardId] }),
    },
  },
  conditions: {
    /** Answered by a host query: whether the slot's local day is a workday. */
    is_workday: { config: v.object({}) },
  },
  actions: {
    post: { config: v.object({ text: v.string() }) },
  },
});

export type BoardDraft = RuleDraft<{ board: typeof board }>;
export type BoardPatch = RulePatch<{ board: typeof board }>;

export const rules = new Rules(components.rules, {
  integrations: { board },
  handlers: {
    board: {
      actions: { post: { mutation: host.post } },
      conditions: { is_workday: { query: host.isWorkday } },
    },
  },
});

export const post = internalMutationGeneric({
  args: vActionHandlerArgs(v.object({ text: v.string() })),
  handler: async (ctx, args) => {
    await ctx.db.insert("sent", {
      kind: "post",
      ruleId: args.rule.ruleId,
      idempotencyKey: args.execution.idempotencyKey,
      config: args.config,
      event: args.event,
    });
    return { posted: args.config.text };
  },
});

export const isWorkday = internalQueryGeneric({
  args: vConditionHandlerArgs(v.object({})),
  handler: async (_ctx, { event }) => {
    const weekday = (event as { localWeekday?: number }).localWeekday;
    return weekday !== undefined && weekday >= 1 && weekday <= 5;
  },
});

export const create = mutationGeneric({
  args: { rule: v.any() },
  handler: async (ctx, args) => await rules.create(ctx, args.rule as BoardDraft),
});
export const update = mutationGeneric({
  args: { patch: v.any() },
  handler: async (ctx, args) => await rules.update(ctx, args.patch as BoardPatch),
});
export const enable = mutationGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.enable(ctx, args),
});
export const disable = mutationGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.disable(ctx, args),
});
export const importRules = mutationGeneric({
  args: { rules: v.any() },
  handler: async (ctx, args) => await rules.import(ctx, { rules: args.rules }),
});
export const schedule = queryGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.getSchedule(ctx, args),
});
export const get = queryGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.get(ctx, args),
});
export const ruleExecutions = queryGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.executions.listForRule(ctx, args),
});
export const sent = queryGeneric({
  args: {},
  handler: async (ctx) => await ctx.db.query("sent").collect(),
});
/** Creates a rule through the component directly, bypassing the client (no handlers sent). */
export const createRaw = mutationGeneric({
  args: { rule: v.any() },
  handler: async (ctx, args) => await ctx.runMutation(components.rules.rules.createRule, args.rule),
});
