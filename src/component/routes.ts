/**
 * Dispatch's index: keeps `ruleRoutes` and `routingPaths` in step with the
 * rules, and finds an event's candidate rules by index lookups only.
 */
import type { Doc } from "./_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "./_generated/server.js";
import {
  chooseRoute,
  eventRouteKeys,
  MAX_EVENT_ROUTE_KEYS,
  routeKey,
} from "../core/patternMatch.js";

/** The route key of rules with no exact-valued pattern field. */
export const WILDCARD_ROUTE = "*";
/**
 * A rule whose routing field allows more values than this is routed as a
 * wildcard instead: one route row per value would make every change to the
 * rule rewrite that many rows.
 */
export const MAX_ROUTE_VALUES = 50;
/** Longer routing values are not indexed (index keys stay small). */
const MAX_ROUTE_KEY_LENGTH = 512;

type Route = { routeKey: string; routePath?: string };

/** The route rows an enabled rule needs: one per allowed value, or "*". */
export function routesOf(rule: Pick<Doc<"rules">, "triggerPattern">): Route[] {
  const choice = chooseRoute(rule.triggerPattern ?? undefined);
  if (!choice || choice.values.length > MAX_ROUTE_VALUES) {
    return [{ routeKey: WILDCARD_ROUTE }];
  }
  const keys = [...new Set(choice.values.map((value) => routeKey(choice.path, value)))];
  if (keys.some((key) => key.length > MAX_ROUTE_KEY_LENGTH)) {
    return [{ routeKey: WILDCARD_ROUTE }];
  }
  return keys.map((key) => ({ routeKey: key, routePath: choice.path }));
}

/**
 * Makes the routes of `ruleId` match `rule` (null when deleted): an enabled
 * rule has its route rows with a snapshot of what dispatch needs; a disabled,
 * deleted or scheduled one has none.
 */
export async function syncRoutes(
  ctx: MutationCtx,
  ruleId: string,
  rule: Doc<"rules"> | null,
  /** `created`: the rule was inserted in this transaction, so it has no routes yet. */
  options: { created?: boolean } = {},
): Promise<void> {
  const existing =
    options.created === true
      ? []
      : await ctx.db
          .query("ruleRoutes")
          .withIndex("by_rule", (q) => q.eq("ruleId", ruleId))
          .take(MAX_ROUTE_VALUES + 1);
  for (const route of existing) {
    await ctx.db.delete("ruleRoutes", route._id);
    if (route.routePath !== undefined) await countPath(ctx, route, -1);
  }
  // A rule with a schedule fires on its schedule only (schedules.ts), never
  // on events: it has no routes.
  if (!rule || !rule.enabled || rule.schedule !== undefined) return;
  // Run order is priority, then creation. `createdAt` is the same for every
  // rule of one import (one transaction, one clock reading), so routes keep
  // the document's own `_creationTime`, which orders the inserts of one
  // transaction too. Read from the database: callers may pass a document
  // built in memory.
  const stored = await ctx.db.get("rules", rule._id);
  const ruleCreatedAt = stored?._creationTime ?? rule._creationTime;
  for (const route of routesOf(rule)) {
    const row = {
      ruleId,
      integrationId: rule.integrationId,
      namespace: rule.namespace,
      triggerType: rule.triggerType,
      ...route,
      priority: rule.priority,
      ruleCreatedAt,
      name: rule.name,
      version: rule.version,
      conditions: rule.conditions,
      actions: rule.actions,
      ...(rule.triggerPattern === undefined ? {} : { triggerPattern: rule.triggerPattern }),
    };
    await ctx.db.insert("ruleRoutes", row);
    if (route.routePath !== undefined) await countPath(ctx, { ...rule, routePath: route.routePath }, 1);
  }
}

async function countPath(
  ctx: MutationCtx,
  scope: { integrationId: string; namespace: string; triggerType: string; routePath?: string },
  delta: 1 | -1,
) {
  const path = scope.routePath as string;
  const row = await ctx.db
    .query("routingPaths")
    .withIndex("by_trigger", (q) =>
      q
        .eq("integrationId", scope.integrationId)
        .eq("namespace", scope.namespace)
        .eq("triggerType", scope.triggerType)
        .eq("path", path),
    )
    .unique();
  if (!row) {
    if (delta > 0) {
      await ctx.db.insert("routingPaths", {
        integrationId: scope.integrationId,
        namespace: scope.namespace,
        triggerType: scope.triggerType,
        path,
        routes: 1,
      });
    }
    return;
  }
  if (row.routes + delta <= 0) await ctx.db.delete("routingPaths", row._id);
  else await ctx.db.patch("routingPaths", row._id, { routes: row.routes + delta });
}

/** At most this many route rows are read for one event. */
export const MAX_CANDIDATE_ROUTES = 2000;

/**
 * The route rows of every enabled rule of this trigger type that can match
 * `event`, one per rule, in run order: priority, then creation. Reads the
 * routing paths of the trigger type, then one index range per value the
 * event has at each path, plus the wildcard range.
 */
export async function findCandidates(
  ctx: QueryCtx,
  scope: { integrationId: string; namespace: string; triggerType: string },
  event: unknown,
): Promise<Doc<"ruleRoutes">[]> {
  const paths = await ctx.db
    .query("routingPaths")
    .withIndex("by_trigger", (q) =>
      q
        .eq("integrationId", scope.integrationId)
        .eq("namespace", scope.namespace)
        .eq("triggerType", scope.triggerType),
    )
    .take(100);
  const keys = [WILDCARD_ROUTE];
  // An event with more distinct values at a path than eventRouteKeys looks
  // up could match a rule routed on a value beyond them: every route of
  // that path is then read instead (one range).
  const scanned: string[] = [];
  for (const { path } of paths) {
    const pathKeys = eventRouteKeys(event, path);
    if (pathKeys.length >= MAX_EVENT_ROUTE_KEYS) scanned.push(path);
    else keys.push(...pathKeys);
  }
  const byRule = new Map<string, Doc<"ruleRoutes">>();
  for (const key of new Set(keys)) {
    const remaining = MAX_CANDIDATE_ROUTES - byRule.size;
    if (remaining <= 0) break;
    const routes = await ctx.db
      .query("ruleRoutes")
      .withIndex("by_route", (q) =>
        q
          .eq("integrationId", scope.integrationId)
          .eq("namespace", scope.namespace)
          .eq("triggerType", scope.triggerType)
          .eq("routeKey", key),
      )
      .take(remaining);
    for (const route of routes) byRule.set(route.ruleId, route);
  }
  for (const path of scanned) {
    const remaining = MAX_CANDIDATE_ROUTES - byRule.size;
    if (remaining <= 0) break;
    // Keys of `path` are `${path}=<json>`: all of them sort between
    // `${path}=` and `${path}>` ("=" and ">" are adjacent in ASCII).
    const routes = await ctx.db
      .query("ruleRoutes")
      .withIndex("by_route", (q) =>
        q
          .eq("integrationId", scope.integrationId)
          .eq("namespace", scope.namespace)
          .eq("triggerType", scope.triggerType)
          .gte("routeKey", `${path}=`)
          .lt("routeKey", `${path}>`),
      )
      .take(remaining);
    for (const route of routes) {
      if (route.routePath === path) byRule.set(route.ruleId, route);
    }
  }
  return [...byRule.values()].sort(
    (a, b) =>
      a.priority - b.priority ||
      a.ruleCreatedAt - b.ruleCreatedAt ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0),
  );
}
