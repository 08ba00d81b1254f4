/// <reference types="vite/client" />
// A host app for the engine's tests (engine.test.ts): an integration whose
// action types are this app's own actions and mutations, and whose custom
// condition is one of its queries - the way a real app declares them.
// Named *.test.ts so that no build ships it; vitest does not run it as a
// suite (see vitest.config.ts).
import {
  anyApi,
  componentsGeneric,
  defineSchema,
  defineTable,
  internalActionGeneric,
  internalMutationGeneric,
  internalQueryGeneric,
  mutationGeneric,
  queryGeneric,
  type GenericMutationCtx,
  type GenericDataModel,
} from "convex/server";
import { v } from "convex/values";
import {
  defineIntegration,
  NonRetryableError,
  RetryAfterError,
  Rules,
  vActionHandlerArgs,
  vConditionHandlerArgs,
  type HttpOptions,
  type RuleDraft,
} from "./index.js";
import type { ComponentApi } from "../component/_generated/component.js";

const components = componentsGeneric() as unknown as { rules: ComponentApi };

/**
 * This module's functions, as the app's generated `internal` would name them
 * (untyped here: their types would depend on this very module).
 */
const host = anyApi["engineHost.test"];

export const schema = defineSchema({
  /** Every side effect an action handler had, one row per attempt that got that far. */
  effects: defineTable({
    kind: v.string(),
    executionId: v.string(),
    actionId: v.string(),
    idempotencyKey: v.string(),
    attempt: v.number(),
    config: v.any(),
    ruleId: v.string(),
    ok: v.boolean(),
  }),
  counters: defineTable({ key: v.string(), count: v.number() }).index("by_key", ["key"]),
});

/** Short backoffs: the tests drive them with fake timers anyway. */
const retry = (maxAttempts: number) => ({ maxAttempts, initialBackoffMs: 10, base: 2 });

export const shop = defineIntegration({
  triggers: {
    order_created: {
      config: v.object({ storeId: v.string() }),
      pattern: ({ storeId }) => ({ storeId: [storeId] }),
    },
  },
  conditions: {
    customer_tier: { config: v.object({ tier: v.string() }) },
  },
  actions: {
    ship: { config: v.any() },
    ship_mutation: { config: v.any() },
    charge: { config: v.any() },
    charge_once: { config: v.any() },
    flaky: { config: v.object({ failures: v.number() }) },
    flaky_once: { config: v.object({ failures: v.number() }) },
    fatal: { config: v.any() },
    throw_value: { config: v.any() },
    huge: { config: v.any() },
    reorder: { config: v.any() },
    renamed: { config: v.any() },
    module_removed: { config: v.any() },
    undeclared_handler: { config: v.any() },
    throttled: { config: v.object({ failures: v.number(), waitMs: v.number() }) },
    throttled_once: { config: v.object({ failures: v.number(), waitMs: v.number() }) },
  },
});

export type ShopDraft = RuleDraft<{ shop: typeof shop }>;

/** The policy of the built-in http.request action (http.test.ts). */
export const HTTP_POLICY = {
  allowedHosts: ["hooks.example.com", "*.zapier.com", "api.example.com:8443"],
  retry: retry(3),
} satisfies HttpOptions;

export const rules = new Rules(components.rules, {
  integrations: { shop },
  http: HTTP_POLICY,
  handlers: {
    shop: {
      actions: {
        ship: { action: host.ship },
        ship_mutation: { mutation: host.shipMutation },
        charge: { action: host.charge, retry: retry(3) },
        charge_once: { action: host.charge, retry: false },
        flaky: { action: host.flaky, retry: retry(3) },
        flaky_once: { action: host.flaky, retry: false },
        fatal: { mutation: host.fatal, retry: retry(5) },
        throw_value: { action: host.throwValue, retry: false },
        huge: { action: host.huge },
        reorder: { action: host.reorder },
        // Host functions that no longer exist (renamed or removed since the
        // handle was made): a missing export, and a missing module.
        renamed: { action: host.shipV1, retry: retry(3) },
        module_removed: { mutation: anyApi.removedModule.run, retry: retry(3) },
        throttled: { action: host.throttled, retry: retry(3) },
        throttled_once: { action: host.throttled, retry: false },
        // undeclared_handler: declared as an action type, but no handler.
      },
      conditions: {
        customer_tier: { query: host.customerTier },
      },
    },
  },
});

async function recordEffect(
  ctx: GenericMutationCtx<GenericDataModel>,
  kind: string,
  args: { config: any; rule: { ruleId: string }; execution: EffectArgs["execution"] },
  ok: boolean,
) {
  await ctx.db.insert("effects", {
    kind,
    executionId: args.execution.executionId,
    actionId: args.execution.actionId,
    idempotencyKey: args.execution.idempotencyKey,
    attempt: args.execution.attempt,
    config: args.config,
    ruleId: args.rule.ruleId,
    ok,
  });
}

const vEffectArgs = vActionHandlerArgs(v.any());
type EffectArgs = {
  config: any;
  event: any;
  rule: { ruleId: string; version: number };
  execution: { executionId: string; actionId: string; idempotencyKey: string; attempt: number };
};

// ---- Helpers the action handlers call -------------------------------------

export const record = internalMutationGeneric({
  args: { kind: v.string(), ok: v.boolean(), handlerArgs: v.any() },
  handler: async (ctx, args) => {
    await recordEffect(ctx, args.kind, args.handlerArgs as EffectArgs, args.ok);
  },
});

/** Adds one to the counter `key` and returns its new value. */
export const bump = internalMutationGeneric({
  args: { key: v.string() },
  handler: async (ctx, args): Promise<number> => {
    const row = await ctx.db
      .query("counters")
      .withIndex("by_key", (q) => q.eq("key", args.key))
      .unique();
    if (row) {
      await ctx.db.patch("counters", row._id, { count: row.count + 1 });
      return row.count + 1;
    }
    await ctx.db.insert("counters", { key: args.key, count: 1 });
    return 1;
  },
});

// ---- Action handlers ------------------------------------------------------

/** Succeeds and returns a value later actions can use. */
export const ship = internalActionGeneric({
  args: vEffectArgs,
  handler: async (ctx, args) => {
    await ctx.runMutation(host.record, { kind: "ship", ok: true, handlerArgs: args });
    return {
      id: `shipment-${args.execution.actionId}`,
      received: args.config,
      event: args.event,
      rule: args.rule,
    };
  },
});

/** The same as a mutation. */
export const shipMutation = internalMutationGeneric({
  args: vEffectArgs,
  handler: async (ctx, args) => {
    await recordEffect(ctx, "ship_mutation", args as EffectArgs, true);
    return { id: `m-${args.execution.actionId}`, received: args.config };
  },
});

/** Fails every time with a plain Error (`config.message`, if set). */
export const charge = internalActionGeneric({
  args: vEffectArgs,
  handler: async (ctx, args) => {
    await ctx.runMutation(host.record, { kind: "charge", ok: false, handlerArgs: args });
    const message = (args.config as { message?: string } | null)?.message;
    throw new Error(message ?? `card declined (attempt ${args.execution.attempt})`);
  },
});

/**
 * Fails `config.failures` times per idempotency key, then succeeds. Counts
 * in a host table, so retries and replays of one action share the count.
 */
export const flaky = internalActionGeneric({
  args: vActionHandlerArgs(v.object({ failures: v.number() })),
  handler: async (ctx, args) => {
    const count: number = await ctx.runMutation(host.bump, { key: args.execution.idempotencyKey });
    const ok = count > args.config.failures;
    await ctx.runMutation(host.record, { kind: "flaky", ok, handlerArgs: args });
    if (!ok) throw new Error(`flaky failure #${count}`);
    return { succeededOnCall: count };
  },
});

/** Fails in a way no retry can fix. */
export const fatal = internalMutationGeneric({
  args: vEffectArgs,
  handler: async () => {
    throw new NonRetryableError("account closed: do not retry");
  },
});

/** Throws something that is not an Error. */
export const throwValue = internalActionGeneric({
  args: vEffectArgs,
  handler: async (ctx, args) => {
    await ctx.runMutation(host.record, { kind: "throw_value", ok: false, handlerArgs: args });
    throw { reason: "teapot", status: 418 };
  },
});

/** Returns a 2 MB string nested deeper than a stored document allows. */
export const huge = internalActionGeneric({
  args: vEffectArgs,
  handler: async (ctx, args) => {
    await ctx.runMutation(host.record, { kind: "huge", ok: true, handlerArgs: args });
    let deep: unknown = { bottom: true };
    for (let i = 0; i < 14; i++) deep = { deeper: deep };
    return { blob: "x".repeat(2 * 1024 * 1024), deep };
  },
});

/**
 * Causes a new event of the same trigger, passing `causedBy` as the client
 * asks - like an action that updates a monday.com item, which sends a
 * webhook back.
 */
export const reorder = internalActionGeneric({
  args: vEffectArgs,
  handler: async (ctx, args) => {
    await ctx.runMutation(host.record, { kind: "reorder", ok: true, handlerArgs: args });
    return await rules.execute(ctx, {
      integrationId: "shop",
      triggerType: "order_created",
      event: { ...(args.event as object), orderId: `${(args.event as { orderId: string }).orderId}-again` },
      causedBy: args.execution.executionId,
    });
  },
});

/**
 * Fails `config.failures` times per idempotency key with a RetryAfterError
 * asking for `config.waitMs`, then succeeds.
 */
export const throttled = internalActionGeneric({
  args: vActionHandlerArgs(v.object({ failures: v.number(), waitMs: v.number() })),
  handler: async (ctx, args) => {
    const count: number = await ctx.runMutation(host.bump, { key: args.execution.idempotencyKey });
    const ok = count > args.config.failures;
    await ctx.runMutation(host.record, { kind: "throttled", ok, handlerArgs: args });
    if (!ok) throw new RetryAfterError(args.config.waitMs, `rate limited (call ${count})`);
    return { succeededOnCall: count };
  },
});

// ---- The custom condition ---------------------------------------------------

/** Whether the customer has the configured tier; "explode" throws. */
export const customerTier = internalQueryGeneric({
  args: vConditionHandlerArgs(v.object({ tier: v.string() })),
  handler: async (_ctx, { config, event }) => {
    if (config.tier === "explode") throw new Error("tier service unavailable");
    return (event as { customer?: { tier?: string } }).customer?.tier === config.tier;
  },
});

// ---- The app's own functions calling the client ----------------------------

export const create = mutationGeneric({
  args: { rule: v.any() },
  handler: async (ctx, args) => await rules.create(ctx, args.rule as ShopDraft),
});

export const dispatch = mutationGeneric({
  args: { event: v.any(), eventId: v.optional(v.string()), causedBy: v.optional(v.string()) },
  handler: async (ctx, args) =>
    await rules.execute(ctx, { integrationId: "shop", triggerType: "order_created", ...args }),
});

/** Dispatches, then fails: nothing the dispatch did may survive. */
export const dispatchThenFail = mutationGeneric({
  args: { event: v.any() },
  handler: async (ctx, args) => {
    await rules.execute(ctx, { integrationId: "shop", triggerType: "order_created", event: args.event });
    throw new Error("the app failed after dispatching");
  },
});

/** A webhook body as received: JSON whose field names Convex may refuse. */
export const dispatchJson = mutationGeneric({
  args: { body: v.string() },
  handler: async (ctx, args) =>
    await rules.execute(ctx, {
      integrationId: "shop",
      triggerType: "order_created",
      event: JSON.parse(args.body) as unknown,
    }),
});

/** The same integration, with another http policy or none (http.test.ts). */
const otherClients = {
  strict: new Rules(components.rules, {
    integrations: { shop },
    http: { allowedHosts: ["other.example.com"], allowHttp: true, retry: false },
  }),
  none: new Rules(components.rules, { integrations: { shop } }),
};

export const dispatchWith = mutationGeneric({
  args: { client: v.union(v.literal("strict"), v.literal("none")), event: v.any() },
  handler: async (ctx, args) =>
    await otherClients[args.client].execute(ctx, {
      integrationId: "shop",
      triggerType: "order_created",
      event: args.event,
    }),
});

export const createWith = mutationGeneric({
  args: { client: v.union(v.literal("strict"), v.literal("none")), rule: v.any() },
  handler: async (ctx, args) => await otherClients[args.client].create(ctx, args.rule as ShopDraft),
});

export const replay = mutationGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await rules.executions.replay(ctx, args),
});

export const execution = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await rules.executions.get(ctx, args),
});

export const ruleExecutions = queryGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.executions.listForRule(ctx, args),
});

export const logs = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await rules.executions.getLogs(ctx, args),
});

export const effects = queryGeneric({
  args: {},
  handler: async (ctx) => await ctx.db.query("effects").collect(),
});

/** `rules.testRule` on a saved rule (`ruleId`) or an unsaved draft (`rule`). */
export const testRule = queryGeneric({
  args: { ruleId: v.optional(v.string()), rule: v.optional(v.any()), event: v.any() },
  handler: async (ctx, args) =>
    args.rule !== undefined
      ? await rules.testRule(ctx, { rule: args.rule as ShopDraft, event: args.event })
      : await rules.testRule(ctx, { ruleId: args.ruleId!, event: args.event }),
});
