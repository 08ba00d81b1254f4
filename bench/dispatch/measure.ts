/**
 * Measuring one dispatch inside a convex-test transaction, from its
 * transaction metrics (documents and bytes read and written; never time).
 *
 * - `measureExecute` runs the real `engine.execute` mutation, nested in a
 *   `t.run` transaction through `ctx.runMutation`: convex-test folds a nested
 *   call's usage into its parent's metrics, so the difference before/after is
 *   exactly what `execute` read and wrote (including the workpool calls it
 *   makes to queue actions).
 * - `measureLookup` calls `findCandidates`, the part of `execute` that finds
 *   the candidate rules, alone.
 * - `measureBaseline` is the seed design's dispatch: every rule of the
 *   integration through the `by_integration` index, filtered in memory.
 */
import { api } from "../../src/component/_generated/api.js";
import type { Doc } from "../../src/component/_generated/dataModel.js";
import { findCandidates } from "../../src/component/rules/routes.js";
import { matchPattern } from "../../src/core/patternMatch.js";
import type { ExecuteResult } from "../../src/shared.js";
import { metricsDiff, metricsNow, type ComponentTest, type Metrics } from "../lib/convex.js";
import { HANDLERS, NAMESPACE, TRIGGER_TYPE, ruleInput, statusEvent } from "./workload.js";

export type Scope = { integrationId: string; namespace: string; triggerType: string };

export function scopeOf(integrationId: string): Scope {
  return { integrationId, namespace: NAMESPACE, triggerType: TRIGGER_TYPE };
}

export async function measureExecute(
  t: ComponentTest,
  scope: Scope,
  event: Record<string, unknown>,
  eventId: string,
): Promise<{ metrics: Metrics; results: ExecuteResult[] }> {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    const results = await ctx.runMutation(api.dispatch.engine.execute, {
      integrationId: scope.integrationId,
      namespace: scope.namespace,
      triggerType: scope.triggerType,
      event,
      eventId,
      handlers: HANDLERS,
    });
    return { metrics: metricsDiff(await metricsNow(ctx), before), results };
  });
}

/**
 * The first event a deployment dispatches also initialises workpool (its
 * settings and its loop's worker): a one-time cost. One event on an
 * integration of its own, before measuring, puts the instance in the steady
 * state; returns what that first `execute` cost.
 */
export async function warmUp(t: ComponentTest): Promise<Metrics> {
  const input = ruleInput("bench-warmup", 1, 0);
  await t.mutation(api.rules.createRule, input);
  const event = statusEvent(1, true, "bench-warmup");
  const { metrics, results } = await measureExecute(t, scopeOf(input.integrationId), event, event.triggerUuid);
  if (results.length !== 1 || results[0].status !== "running") {
    throw new Error(`warm-up event: expected one running execution, got ${JSON.stringify(results)}`);
  }
  return metrics;
}

/** A board id no seeded rule's pattern names. */
export const UNUSED_BOARD = 999_999_999;

/**
 * The first event of an integration also creates its trigger-activity row
 * (health): one event on a board without rules puts the integration in the
 * steady state, so that every measured event sees it.
 */
export async function primeIntegration(t: ComponentTest, integrationId: string): Promise<void> {
  const prime = statusEvent(UNUSED_BOARD, true, `bench-prime-${integrationId}`);
  const primed = await measureExecute(t, scopeOf(integrationId), prime, prime.triggerUuid);
  if (primed.results.length !== 0) throw new Error(`no rule is on board ${UNUSED_BOARD}, got ${JSON.stringify(primed.results)}`);
}

/** Rule ids in the order they would run. */
function runOrder(rules: Array<{ id: string; priority: number; createdAt: number }>): string[] {
  return [...rules]
    .sort((a, b) => a.priority - b.priority || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => r.id);
}

function matches(pattern: unknown, event: unknown): boolean {
  try {
    return matchPattern((pattern ?? undefined) as object | undefined, event);
  } catch {
    return false;
  }
}

export async function measureLookup(
  t: ComponentTest,
  scope: Scope,
  event: Record<string, unknown>,
): Promise<{ metrics: Metrics; ruleIds: string[] }> {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    const routes = await findCandidates(ctx, scope, event);
    const metrics = metricsDiff(await metricsNow(ctx), before);
    const matched = routes.filter((r) => matches(r.triggerPattern, event));
    return {
      metrics,
      ruleIds: runOrder(matched.map((r) => ({ id: r.ruleId, priority: r.priority, createdAt: r.ruleCreatedAt }))),
    };
  });
}

export type BaselineResult = {
  metrics: Metrics;
  /** Null when the scan broke a Convex limit. */
  ruleIds: string[] | null;
  /** Which limit the scan broke, when it did. */
  limit?: "documents read" | "bytes read" | "other";
  limitError?: string;
};

const LIMIT_ERROR = /This is a Convex limit/;

export async function measureBaseline(
  t: ComponentTest,
  scope: Scope,
  event: Record<string, unknown>,
): Promise<BaselineResult> {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    let rules: Doc<"rules">[];
    try {
      rules = await ctx.db
        .query("rules")
        .withIndex("by_integration", (q) => q.eq("integrationId", scope.integrationId))
        .collect();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!LIMIT_ERROR.test(message)) throw error;
      const limit = /Read too much data/.test(message)
        ? ("bytes read" as const)
        : /Scanned too many documents/.test(message)
          ? ("documents read" as const)
          : ("other" as const);
      return { metrics: metricsDiff(await metricsNow(ctx), before), ruleIds: null, limit, limitError: message };
    }
    const metrics = metricsDiff(await metricsNow(ctx), before);
    const matched = rules.filter(
      (r) =>
        r.enabled &&
        r.namespace === scope.namespace &&
        r.triggerType === scope.triggerType &&
        matches(r.triggerPattern, event),
    );
    return { metrics, ruleIds: runOrder(matched) };
  });
}
