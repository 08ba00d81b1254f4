// #region integration
import { defineIntegration, Rules, vActionHandlerArgs, vExecution } from "convex-rules";
import { v } from "convex/values";
import { components, internal } from "./_generated/api.js";
import { internalMutation, mutation, query } from "./_generated/server.js";

/** What rules of the "shop" integration can react to and do. */
export const shop = defineIntegration({
  triggers: {
    order_placed: {
      config: v.object({ storeId: v.string() }),
      // The event fields a rule's trigger matches: only the orders of its store.
      pattern: ({ storeId }) => ({ storeId: [storeId] }),
    },
  },
  actions: {
    notify: { config: v.object({ channel: v.string(), text: v.string() }) },
  },
});
// #endregion integration

// #region client
/** The rules engine. The explicit type keeps `internal` from depending on itself. */
export const rules: Rules<{ shop: typeof shop }> = new Rules(components.rules, {
  integrations: { shop },
  handlers: {
    shop: { actions: { notify: { mutation: internal.rules.notify } } },
  },
});

/** The `notify` action: a host function, run durably with retries. */
export const notify = internalMutation({
  args: vActionHandlerArgs(shop.actions.notify.config),
  returns: v.null(),
  handler: async (ctx, { config }) => {
    await ctx.db.insert("notifications", { channel: config.channel, text: config.text });
    return null;
  },
});
// #endregion client

// #region create
export const createBigOrderRule = mutation({
  args: { storeId: v.string(), minTotal: v.number() },
  returns: v.string(),
  handler: async (ctx, { storeId, minTotal }) =>
    await rules.create(ctx, {
      name: `Orders over ${minTotal}`,
      integrationId: "shop",
      triggerType: "order_placed",
      triggerConfig: { storeId },
      conditions: [{ type: "field", config: { path: "total", op: "gte", value: minTotal } }],
      actions: [
        { type: "notify", config: { channel: "#sales", text: "Order {{event.orderId}}: {{event.total}}" } },
      ],
    }),
});
// #endregion create

// #region execute
export const placeOrder = mutation({
  args: { storeId: v.string(), orderId: v.string(), total: v.number() },
  returns: v.number(),
  handler: async (ctx, order) => {
    // ... store the order, then let the rules react to it.
    const results = await rules.execute(ctx, {
      integrationId: "shop",
      triggerType: "order_placed",
      event: order,
      // Idempotency: the same order id never runs a rule twice.
      eventId: order.orderId,
    });
    return results.length;
  },
});
// #endregion execute

// #region history
export const recentExecutions = query({
  args: { ruleId: v.string() },
  returns: v.array(vExecution),
  handler: async (ctx, { ruleId }) => await rules.executions.listForRule(ctx, { ruleId, limit: 10 }),
});
// #endregion history
