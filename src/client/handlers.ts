/**
 * Turning an integration's declared host functions into function handles the
 * component can call back, and the validators those functions declare.
 */
import { createFunctionHandle, type FunctionReference } from "convex/server";
import { v, type GenericValidator } from "convex/values";
import type { Handlers, HttpPolicy, RetryBehavior } from "../shared.js";
import type { ActionHandler, ConditionHandler } from "./integrations.js";

/**
 * The args of an action handler with config validator `config`.
 *
 * @example
 * ```ts
 * export const notify = internalAction({
 *   args: vActionHandlerArgs(v.object({ userId: v.string(), text: v.string() })),
 *   handler: async (ctx, { config, execution }) => {
 *     // ... call monday.com with execution.idempotencyKey
 *   },
 * });
 * ```
 */
export function vActionHandlerArgs<V extends GenericValidator>(config: V) {
  return {
    config,
    /** The event that triggered the rule (sanitized if it broke Convex's value rules). */
    event: v.any(),
    rule: v.object({ ruleId: v.string(), version: v.number() }),
    execution: v.object({
      executionId: v.string(),
      actionId: v.string(),
      /** Stable across retries and replays of this action of this execution. */
      idempotencyKey: v.string(),
      attempt: v.number(),
    }),
  };
}

/**
 * The args of a custom condition's host query.
 *
 * @example
 * ```ts
 * export const authorInTeam = internalQuery({
 *   args: vConditionHandlerArgs(v.object({ team: v.string() })),
 *   returns: v.boolean(),
 *   handler: async (ctx, { config, event }) => isInTeam(ctx, event.user, config.team),
 * });
 * ```
 */
export function vConditionHandlerArgs<V extends GenericValidator>(config: V) {
  return { config, event: v.any() };
}

/** `retry: false`: the first failure is final. */
const NO_RETRY: RetryBehavior = { maxAttempts: 1, initialBackoffMs: 0, base: 1 };

/** Function handles are stable for a deployment: create each once. */
const handleCache = new WeakMap<object, Promise<string>>();

function handleFor(ref: FunctionReference<any, any>): Promise<string> {
  let handle = handleCache.get(ref);
  if (!handle) {
    handle = createFunctionHandle(ref);
    handleCache.set(ref, handle);
  }
  return handle;
}

/**
 * The client's `http` option: the policy of the built-in `http.request`
 * action (see `RulesOptions.http`).
 */
export type HttpOptions = HttpPolicy & {
  /** Retries of a failed request; `false` never retries. Default: `defaultRetry`, else 3 attempts. */
  retry?: RetryBehavior | false;
};

/**
 * The handles of an integration's declared handlers, as the component takes
 * them; with `http`, the built-in `http.request` action is enabled with
 * that policy.
 */
export async function handlesOf(
  handlers:
    | {
        actions?: Record<string, ActionHandler | undefined>;
        conditions?: Record<string, ConditionHandler | undefined>;
      }
    | undefined,
  defaultRetry: RetryBehavior | undefined,
  http?: HttpOptions,
): Promise<Handlers> {
  const handles: Handlers = { actions: {}, conditions: {} };
  if (http) {
    const retry = http.retry === false ? NO_RETRY : (http.retry ?? defaultRetry);
    handles.http = {
      allowedHosts: [...http.allowedHosts],
      ...(http.allowHttp === undefined ? {} : { allowHttp: http.allowHttp }),
      ...(retry === undefined ? {} : { retry }),
    };
  }
  for (const [type, action] of Object.entries(handlers?.actions ?? {})) {
    if (!action) continue;
    // `false` is sent as one attempt in all, not as `null`: the engine fills
    // a missing or null policy with its default, which retries.
    const retry = action.retry === false ? NO_RETRY : (action.retry ?? defaultRetry);
    handles.actions[type] = {
      handle: await handleFor("action" in action ? action.action : action.mutation),
      kind: "action" in action ? "action" : "mutation",
      ...(retry === undefined ? {} : { retry }),
    };
  }
  for (const [type, condition] of Object.entries(handlers?.conditions ?? {})) {
    if (!condition) continue;
    handles.conditions[type] = { handle: await handleFor(condition.query) };
  }
  return handles;
}
