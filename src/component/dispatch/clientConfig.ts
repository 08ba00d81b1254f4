/**
 * What the client sends with each call that manages rules or dispatches an
 * event, stored when it changed (the way workpool stores its config): an
 * integration's handlers, which scheduled fires use since no client call is
 * in flight then, and the log level of work that runs without a client
 * (the retention cron). A deploy that renames a handler is picked up by the
 * next call; nothing needs registering by hand.
 */
import type { MutationCtx } from "../_generated/server.js";
import type { ClientConfig, Handlers } from "../../shared.js";
import { sameValue } from "../../core/sameValue.js";
import { HTTP_REQUEST_ACTION } from "../../shared.js";
import { storeLogLevel } from "../lib/logging.js";
import { builtinHandlerFor } from "./actions.js";
import { checkHandlers } from "./engine.js";

/**
 * Checks `config` and stores what changed: the handlers of the
 * integrations in `integrationIds` that it holds, and the log level.
 * Fails with `INVALID_ARGUMENT` naming the field when a handler is not a
 * function handle. Call it before the call's own writes.
 */
export async function storeClientConfig(
  ctx: MutationCtx,
  integrationIds: Iterable<string>,
  config: ClientConfig | undefined,
): Promise<void> {
  if (config === undefined) return;
  for (const integrationId of new Set(integrationIds)) {
    const handlers = config.handlers?.[integrationId];
    if (handlers === undefined) continue;
    const at = `config.handlers.${integrationId}`;
    checkHandlers(handlers, at);
    // The built-in http.request policy, checked now rather than at a fire.
    builtinHandlerFor(HTTP_REQUEST_ACTION, handlers, at);
    await storeHandlers(ctx, integrationId, handlers);
  }
  await storeLogLevel(ctx, config.logLevel);
}

async function storeHandlers(ctx: MutationCtx, integrationId: string, handlers: Handlers): Promise<void> {
  const existing = await ctx.db
    .query("integrationHandlers")
    .withIndex("by_integration", (q) => q.eq("integrationId", integrationId))
    .unique();
  if (existing && sameValue(existing.handlers, handlers)) return;
  const row = { integrationId, handlers, updatedAt: Date.now() };
  if (existing) await ctx.db.replace("integrationHandlers", existing._id, row);
  else await ctx.db.insert("integrationHandlers", row);
}
