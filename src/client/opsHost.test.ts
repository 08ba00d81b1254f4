/// <reference types="vite/client" />
// A host app for the "operating rules in production" tests (health, rule
// history, quotas, logging): one integration whose actions succeed, fail on
// request or fail fatally, and several Rules clients with different
// auto-disable and logLevel options - the way a real app configures them.
// Named *.test.ts so that no build ships it; vitest does not run it as a
// suite (see vitest.config.ts).
import {
  anyApi,
  componentsGeneric,
  defineSchema,
  defineTable,
  internalActionGeneric,
  mutationGeneric,
  queryGeneric,
} from "convex/server";
import { v } from "convex/values";
import {
  defineIntegration,
  FatalActionError,
  Rules,
  vActionHandlerArgs,
  type RuleDraft,
  type RulesOptions,
} from "./index.js";
import type { ComponentApi } from "../component/_generated/component.js";

const components = componentsGeneric() as unknown as { rules: ComponentApi };
const host = anyApi["opsHost.test"];

export const schema = defineSchema({
  /** One row per attempt of an action handler. */
  effects: defineTable({
    kind: v.string(),
    executionId: v.string(),
    actionId: v.string(),
    ruleId: v.string(),
    ok: v.boolean(),
  }),
});

const ops = defineIntegration({
  triggers: {
    job: {
      config: v.object({ queue: v.string() }),
      pattern: ({ queue }) => ({ queue: [queue] }),
    },
    other: { config: v.object({}) },
  },
  actions: {
    /** Fails when the event says `fail: true`, else succeeds. */
    work: { config: v.any() },
    /** Throws a FatalActionError (monday.com's severity 6000). */
    fatal: { config: v.any() },
  },
});

export type OpsDraft = RuleDraft<{ ops: typeof ops }>;

const handlers = {
  ops: {
    actions: {
      work: { action: host.work, retry: false as const },
      fatal: { action: host.fatal, retry: { maxAttempts: 3, initialBackoffMs: 10, base: 2 } },
    },
  },
};

function client(options: Omit<RulesOptions<{ ops: typeof ops }>, "integrations" | "handlers">) {
  return new Rules(components.rules, { integrations: { ops }, handlers, ...options });
}

/** The clients the tests choose from, by name. */
export const clients = {
  /** Defaults: 5 failures in a row disable a rule, fatal errors at once, no logLevel (console WARN, stored logs INFO). */
  default: client({}),
  /** Three failures in a row. */
  three: client({ autoDisable: { consecutiveFailures: 3 } }),
  /** Never disables a rule. */
  never: client({ autoDisable: false }),
  /** Fatal errors fail the action but leave the rule enabled. */
  noFatal: client({ autoDisable: { onFatal: false } }),
  debug: client({ logLevel: "DEBUG" }),
  info: client({ logLevel: "INFO" }),
  warn: client({ logLevel: "WARN" }),
  error: client({ logLevel: "ERROR" }),
};
const vClient = v.union(...Object.keys(clients).map((name) => v.literal(name)));
type ClientName = keyof typeof clients;
const pick = (name: string | undefined) => clients[(name ?? "default") as ClientName];

// ---- Action handlers ------------------------------------------------------

export const record = mutationGeneric({
  args: { kind: v.string(), executionId: v.string(), actionId: v.string(), ruleId: v.string(), ok: v.boolean() },
  handler: async (ctx, args) => {
    await ctx.db.insert("effects", args);
  },
});

export const work = internalActionGeneric({
  args: vActionHandlerArgs(v.any()),
  handler: async (ctx, args) => {
    const fail = (args.event as { fail?: boolean } | null)?.fail === true;
    await ctx.runMutation(host.record, {
      kind: "work",
      executionId: args.execution.executionId,
      actionId: args.execution.actionId,
      ruleId: args.rule.ruleId,
      ok: !fail,
    });
    if (fail) throw new Error("the job failed");
    return { done: true };
  },
});

export const fatal = internalActionGeneric({
  args: vActionHandlerArgs(v.any()),
  handler: async (ctx, args) => {
    await ctx.runMutation(host.record, {
      kind: "fatal",
      executionId: args.execution.executionId,
      actionId: args.execution.actionId,
      ruleId: args.rule.ruleId,
      ok: false,
    });
    throw new FatalActionError("board deleted", { code: "6000" });
  },
});

// ---- What the tests call --------------------------------------------------

export const create = mutationGeneric({
  args: { rule: v.any(), actor: v.optional(v.string()) },
  handler: async (ctx, args) =>
    await clients.default.create(ctx, { ...(args.rule as OpsDraft), ...(args.actor === undefined ? {} : { actor: args.actor }) }),
});

export const update = mutationGeneric({
  args: { patch: v.any(), actor: v.optional(v.string()) },
  handler: async (ctx, args) =>
    await clients.default.update(ctx, { ...args.patch, ...(args.actor === undefined ? {} : { actor: args.actor }) }),
});

export const enable = mutationGeneric({
  args: { ruleId: v.string(), actor: v.optional(v.string()) },
  handler: async (ctx, args) => await clients.default.enable(ctx, args),
});

export const rule = queryGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await clients.default.get(ctx, args),
});

export const dispatch = mutationGeneric({
  args: {
    client: v.optional(vClient),
    triggerType: v.optional(v.union(v.literal("job"), v.literal("other"))),
    event: v.any(),
    namespace: v.optional(v.string()),
    eventId: v.optional(v.string()),
  },
  handler: async (ctx, args) =>
    await pick(args.client).execute(ctx, {
      integrationId: "ops",
      triggerType: args.triggerType ?? "job",
      event: args.event,
      ...(args.namespace === undefined ? {} : { namespace: args.namespace }),
      ...(args.eventId === undefined ? {} : { eventId: args.eventId }),
    }),
});

export const replay = mutationGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await clients.default.executions.replay(ctx, args),
});

export const execution = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await clients.default.executions.get(ctx, args),
});

export const logs = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await clients.default.executions.getLogs(ctx, args),
});

export const effects = queryGeneric({
  args: {},
  handler: async (ctx) => await ctx.db.query("effects").collect(),
});

export const health = queryGeneric({
  args: {
    namespace: v.optional(v.string()),
    failedWithinMs: v.optional(v.number()),
    idleDays: v.optional(v.number()),
    limit: v.optional(v.number()),
    cursor: v.optional(v.union(v.string(), v.null())),
  },
  handler: async (ctx, args) => await clients.default.health.getReport(ctx, { integrationId: "ops", ...args }),
});

export const listVersions = queryGeneric({
  args: { ruleId: v.string(), numItems: v.number(), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, args) =>
    await clients.default.versions.list(ctx, {
      ruleId: args.ruleId,
      paginationOpts: { numItems: args.numItems, cursor: args.cursor },
    }),
});

export const getVersion = queryGeneric({
  args: { ruleId: v.string(), version: v.number() },
  handler: async (ctx, args) => await clients.default.versions.get(ctx, args),
});

export const rollback = mutationGeneric({
  args: { ruleId: v.string(), version: v.number(), expectedVersion: v.optional(v.number()), actor: v.optional(v.string()) },
  handler: async (ctx, args) => await clients.default.versions.rollback(ctx, args),
});

export const executionVersion = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await clients.default.versions.getForExecution(ctx, args),
});

export const setQuota = mutationGeneric({
  args: {
    namespace: v.optional(v.string()),
    perMinute: v.optional(v.number()),
    perHour: v.optional(v.number()),
    perMonth: v.optional(v.number()),
    whenExceeded: v.optional(v.union(v.literal("reject"), v.literal("wait"))),
  },
  handler: async (ctx, args) => await clients.default.quotas.set(ctx, { integrationId: "ops", ...args }),
});

export const removeQuota = mutationGeneric({
  args: { namespace: v.optional(v.string()) },
  handler: async (ctx, args) => await clients.default.quotas.remove(ctx, { integrationId: "ops", ...args }),
});

export const quotaUsage = queryGeneric({
  args: { namespace: v.optional(v.string()) },
  handler: async (ctx, args) => await clients.default.quotas.getUsage(ctx, { integrationId: "ops", ...args }),
});

export const disable = mutationGeneric({
  args: { client: vClient, ruleId: v.string() },
  handler: async (ctx, args) => await pick(args.client).disable(ctx, { ruleId: args.ruleId }),
});

export const enableWith = mutationGeneric({
  args: { client: vClient, ruleId: v.string() },
  handler: async (ctx, args) => await pick(args.client).enable(ctx, { ruleId: args.ruleId }),
});

export const savedLogLevel = queryGeneric({
  args: {},
  handler: async (ctx) => await clients.default.getSavedLogLevel(ctx),
});
