/**
 * Dispatch's index: keeps `ruleRoutes` and `routingPaths` in step with the
 * rules, and streams an event's candidate rules, in run order, by index
 * lookups only.
 *
 * Rule changes write only the route rows of the rule itself (and a
 * `routingPaths` row the first time its field set appears), so a rule edit
 * never writes a document that dispatches of other routes read.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import { internalMutation, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import { fromStoredPattern } from "../../core/storedPattern.js";
import {
  chooseRoutings,
  eventKeysFor,
  fieldsOfRoutePath,
  MAX_ROUTE_VALUES,
  WILDCARD_ROUTE,
} from "../../core/routing.js";

export { MAX_ROUTE_VALUES, WILDCARD_ROUTE } from "../../core/routing.js";

/**
 * The most field sets one trigger type routes on. A rule whose field set
 * would be one more routes on the first of its fields that already has a
 * set of its own, else as a wildcard: every event reads every set's keys.
 */
export const MAX_ROUTING_PATHS = 100;
/**
 * The most index lookups (route keys) one event makes. Beyond them, the
 * remaining field sets are read whole (one range each).
 */
export const MAX_EVENT_LOOKUPS = 1000;

type Scope = { integrationId: string; namespace: string; triggerType: string };
type Route = { routeKey: string; routePath?: string };

/** The route rows an enabled rule needs: one per value combination, or "*". */
export function routesOf(rule: Pick<Doc<"rules">, "triggerPattern">): Route[] {
  const routings = chooseRoutings(fromStoredPattern(rule.triggerPattern ?? undefined));
  if (routings.length === 0) return [{ routeKey: WILDCARD_ROUTE }];
  return routings.flatMap((routing) => routing.keys.map((routeKey) => ({ routeKey, routePath: routing.routePath })));
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
  for (const route of existing) await ctx.db.delete("ruleRoutes", route._id);
  // A rule with a schedule fires on its schedule only (schedules.ts), never
  // on events: it has no routes.
  const active = rule !== null && rule.enabled && rule.schedule === undefined;
  const routes = active ? await routesWithinPathCaps(ctx, rule, routesOf(rule)) : [];
  const kept = new Set(routes.map((r) => r.routePath));
  for (const path of new Set(existing.map((r) => r.routePath))) {
    if (path !== undefined && !kept.has(path)) await prunePathLater(ctx, existing[0]!, path);
  }
  if (!active) return;
  // Run order is priority, then creation. `createdAt` is the same for every
  // rule of one import (one transaction, one clock reading), so routes keep
  // the document's own `_creationTime`, which orders the inserts of one
  // transaction too. Read from the database: callers may pass a document
  // built in memory.
  const stored = await ctx.db.get("rules", rule._id);
  const ruleCreatedAt = stored?._creationTime ?? rule._creationTime;
  for (const route of routes) {
    await ctx.db.insert("ruleRoutes", {
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
    });
  }
}

/**
 * `routes` of every field set (several for a rule routed by its `$or`
 * alternatives), each as `routesWithinPathCap` keeps it; the wildcard
 * alone when one of them falls back to it.
 */
async function routesWithinPathCaps(ctx: MutationCtx, scope: Scope, routes: Route[]): Promise<Route[]> {
  const byPath = new Map<string | undefined, Route[]>();
  for (const route of routes) {
    const group = byPath.get(route.routePath);
    if (group) group.push(route);
    else byPath.set(route.routePath, [route]);
  }
  if (byPath.size === 1) return await routesWithinPathCap(ctx, scope, routes);
  const kept: Route[] = [];
  for (const group of byPath.values()) {
    const within = await routesWithinPathCap(ctx, scope, group);
    if (within.some((route) => route.routeKey === WILDCARD_ROUTE)) return [{ routeKey: WILDCARD_ROUTE }];
    kept.push(...within);
  }
  // Two field sets may fall back to the same single field.
  return [...new Map(kept.map((route) => [route.routeKey, route])).values()];
}

/**
 * `routes` of one field set, with it registered in `routingPaths` (inserted
 * when new). At the cap of field sets, a new set is replaced by the rule's
 * widest single-field set already registered, else the wildcard.
 */
async function routesWithinPathCap(ctx: MutationCtx, scope: Scope, routes: Route[]): Promise<Route[]> {
  const path = routes[0]!.routePath;
  if (path === undefined) return routes;
  if (await pathRow(ctx, scope, path)) return routes;
  const registered = await ctx.db
    .query("routingPaths")
    .withIndex("by_trigger", (q) =>
      q.eq("integrationId", scope.integrationId).eq("namespace", scope.namespace).eq("triggerType", scope.triggerType),
    )
    .take(MAX_ROUTING_PATHS);
  const fields = fieldsOfRoutePath(path);
  if (registered.length < MAX_ROUTING_PATHS) {
    await ctx.db.insert("routingPaths", {
      integrationId: scope.integrationId,
      namespace: scope.namespace,
      triggerType: scope.triggerType,
      path,
      ...(fields.length > 1 ? { fields } : {}),
    });
    return routes;
  }
  // Every combination key names its field values in order; a single-field
  // fallback keeps the keys of one field.
  const single = fields.length > 1 ? fields.find((field) => registered.some((row) => row.path === field)) : undefined;
  if (single === undefined) return [{ routeKey: WILDCARD_ROUTE }];
  const index = fields.indexOf(single);
  const keys = new Set(
    routes.map((route) => {
      const values = JSON.parse(route.routeKey.slice(path.length + 1)) as unknown[];
      return `${single}=${JSON.stringify(values[index])}`;
    }),
  );
  return [...keys].map((routeKey) => ({ routeKey, routePath: single }));
}

async function pathRow(ctx: QueryCtx, scope: Scope, path: string) {
  return await ctx.db
    .query("routingPaths")
    .withIndex("by_trigger", (q) =>
      q
        .eq("integrationId", scope.integrationId)
        .eq("namespace", scope.namespace)
        .eq("triggerType", scope.triggerType)
        .eq("path", path),
    )
    .unique();
}

/** Whether any route of the field set is left. */
async function pathInUse(ctx: QueryCtx, scope: Scope, path: string): Promise<boolean> {
  const route = await ctx.db
    .query("ruleRoutes")
    .withIndex("by_route_path", (q) =>
      q
        .eq("integrationId", scope.integrationId)
        .eq("namespace", scope.namespace)
        .eq("triggerType", scope.triggerType)
        .eq("routePath", path),
    )
    .first();
  return route !== null;
}

/**
 * Schedules the removal of a field set the rule no longer routes on, when
 * no other route uses it. Removal is a separate transaction: only it writes
 * the row every dispatch of the trigger type reads, and only once.
 */
async function prunePathLater(ctx: MutationCtx, scope: Scope, path: string) {
  if (await pathInUse(ctx, scope, path)) return;
  await ctx.scheduler.runAfter(0, internal.rules.routes.prunePath, {
    integrationId: scope.integrationId,
    namespace: scope.namespace,
    triggerType: scope.triggerType,
    path,
  });
}

/** Removes a routing path no route uses (any more). */
export const prunePath = internalMutation({
  args: { integrationId: v.string(), namespace: v.string(), triggerType: v.string(), path: v.string() },
  returns: v.boolean(),
  handler: async (ctx, args) => {
    if (await pathInUse(ctx, args, args.path)) return false;
    const row = await pathRow(ctx, args, args.path);
    if (!row) return false;
    await ctx.db.delete("routingPaths", row._id);
    return true;
  },
});

/** Where a dispatch continues: after this route in run order. */
export type RunCursor = { priority: number; ruleCreatedAt: number; ruleId: string };
export const vRunCursor = v.object({ priority: v.number(), ruleCreatedAt: v.number(), ruleId: v.string() });

type Lookup = { index: "by_route"; routeKey: string } | { index: "by_route_path"; routePath: string };

/**
 * The index lookups that find every route that can match `event`: the
 * wildcard, each field set's keys for the event's values, and whole field
 * sets where the event has too many values to look each up.
 */
export async function lookupsFor(ctx: QueryCtx, scope: Scope, event: unknown): Promise<Lookup[]> {
  const paths = await ctx.db
    .query("routingPaths")
    .withIndex("by_trigger", (q) =>
      q.eq("integrationId", scope.integrationId).eq("namespace", scope.namespace).eq("triggerType", scope.triggerType),
    )
    // Rows beyond the cap exist only if written by earlier versions; read
    // them too rather than miss their rules.
    .take(2 * MAX_ROUTING_PATHS);
  const lookups: Lookup[] = [{ index: "by_route", routeKey: WILDCARD_ROUTE }];
  let keyed = 0;
  for (const row of paths) {
    const keys = eventKeysFor(event, row.fields ?? fieldsOfRoutePath(row.path));
    if (keys === null || keyed + keys.length > MAX_EVENT_LOOKUPS) {
      lookups.push({ index: "by_route_path", routePath: row.path });
      continue;
    }
    keyed += keys.length;
    for (const routeKey of keys) lookups.push({ index: "by_route", routeKey });
  }
  return lookups;
}

function compareRun(a: RunCursor, b: RunCursor): number {
  return (
    a.priority - b.priority ||
    a.ruleCreatedAt - b.ruleCreatedAt ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}

/**
 * The routes of one lookup in run order, from `after` on (ties with it
 * included: the caller skips what it has seen).
 */
async function* lookupRoutes(
  ctx: QueryCtx,
  scope: Scope,
  lookup: Lookup,
  after: RunCursor | null,
): AsyncGenerator<Doc<"ruleRoutes">> {
  const table = ctx.db.query("ruleRoutes");
  const { integrationId, namespace, triggerType } = scope;
  if (lookup.index === "by_route") {
    const { routeKey } = lookup;
    if (after === null) {
      yield* table.withIndex("by_route", (q) =>
        q.eq("integrationId", integrationId).eq("namespace", namespace).eq("triggerType", triggerType).eq("routeKey", routeKey),
      );
      return;
    }
    yield* table.withIndex("by_route", (q) =>
      q
        .eq("integrationId", integrationId)
        .eq("namespace", namespace)
        .eq("triggerType", triggerType)
        .eq("routeKey", routeKey)
        .eq("priority", after.priority)
        .gte("ruleCreatedAt", after.ruleCreatedAt),
    );
    yield* table.withIndex("by_route", (q) =>
      q
        .eq("integrationId", integrationId)
        .eq("namespace", namespace)
        .eq("triggerType", triggerType)
        .eq("routeKey", routeKey)
        .gt("priority", after.priority),
    );
    return;
  }
  const { routePath } = lookup;
  if (after === null) {
    yield* table.withIndex("by_route_path", (q) =>
      q.eq("integrationId", integrationId).eq("namespace", namespace).eq("triggerType", triggerType).eq("routePath", routePath),
    );
    return;
  }
  yield* table.withIndex("by_route_path", (q) =>
    q
      .eq("integrationId", integrationId)
      .eq("namespace", namespace)
      .eq("triggerType", triggerType)
      .eq("routePath", routePath)
      .eq("priority", after.priority)
      .gte("ruleCreatedAt", after.ruleCreatedAt),
  );
  yield* table.withIndex("by_route_path", (q) =>
    q
      .eq("integrationId", integrationId)
      .eq("namespace", namespace)
      .eq("triggerType", triggerType)
      .eq("routePath", routePath)
      .gt("priority", after.priority),
  );
}

/**
 * Every route that can match `event`, one per rule, in run order (priority,
 * then creation, then rule id), strictly after `after`. Routes are read
 * lazily: a caller that stops early has read only what it consumed plus the
 * head of each lookup.
 */
export async function* candidates(
  ctx: QueryCtx,
  scope: Scope,
  event: unknown,
  after: RunCursor | null = null,
): AsyncGenerator<Doc<"ruleRoutes">> {
  const lookups = await lookupsFor(ctx, scope, event);
  const iterators = lookups.map((lookup) => lookupRoutes(ctx, scope, lookup, after));
  const heads = await Promise.all(iterators.map(nextAfter));
  let last: RunCursor | null = after;
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head && (best < 0 || compareRun(head, heads[best]!) < 0)) best = i;
    }
    if (best < 0) return;
    const route = heads[best]!;
    heads[best] = await nextAfter(iterators[best]!);
    // A rule routed on several keys the event has appears once per key.
    if (last !== null && compareRun(route, last) <= 0) continue;
    last = route;
    yield route;
  }

  async function nextAfter(iterator: AsyncGenerator<Doc<"ruleRoutes">>): Promise<Doc<"ruleRoutes"> | null> {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return null;
      if (after === null || compareRun(next.value, after) > 0) return next.value;
    }
  }
}

/** Every candidate of `event` at once (tests and benchmarks; dispatch streams them). */
export async function findCandidates(ctx: QueryCtx, scope: Scope, event: unknown): Promise<Doc<"ruleRoutes">[]> {
  const found: Doc<"ruleRoutes">[] = [];
  for await (const route of candidates(ctx, scope, event)) found.push(route);
  return found;
}
