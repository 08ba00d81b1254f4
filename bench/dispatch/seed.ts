/**
 * Seeds rules fast: `rules` documents, their `ruleRoutes` rows and one
 * `routingPaths` row per field set are inserted directly in a few big transactions
 * (createRule per rule would make convex-test scan its tables 100,000
 * times), built with the component's own validation and `routesOf`, and
 * checked afterwards against what `createRule` writes.
 */
import { expect } from "vitest";
import { api } from "../../src/component/_generated/api.js";
import type { Doc } from "../../src/component/_generated/dataModel.js";
import { routesOf } from "../../src/component/rules/routes.js";
import { fieldsOfRoutePath } from "../../src/core/routing.js";
import { validateRuleDefinition } from "../../src/core/ruleValidation.js";
import type { RuleInput } from "../../src/shared.js";
import { componentTest, metricsNow, type ComponentTest, type Metrics } from "../lib/convex.js";
import { freezeClock, holdScheduledFunctions } from "../lib/timers.js";

type RuleDoc = Omit<Doc<"rules">, "_id" | "_creationTime">;
type RouteRow = Omit<Doc<"ruleRoutes">, "_id" | "_creationTime">;
type PathRow = Omit<Doc<"routingPaths">, "_id" | "_creationTime">;

/** Documents one seeding transaction writes at most (Convex allows 16,000). */
const MAX_WRITES_PER_BATCH = 12_000;
/** Rules per seeding transaction: each costs one `db.get` (Convex allows 4,096 index ranges). */
const MAX_RULES_PER_BATCH = 4_000;

/** The `routingPaths` row `syncRoutes` inserts when a route's field set first appears. */
export function pathRowOf(route: RouteRow & { routePath: string }): PathRow {
  const fields = fieldsOfRoutePath(route.routePath);
  return {
    integrationId: route.integrationId,
    namespace: route.namespace,
    triggerType: route.triggerType,
    path: route.routePath,
    ...(fields.length > 1 ? { fields } : {}),
  };
}

/** The rule document createRule stores for `input` (validated the same way). */
export function ruleDocOf(input: RuleInput, createdAt: number): RuleDoc {
  const { id, ...definitionInput } = input;
  const result = validateRuleDefinition(definitionInput);
  if (!result.ok) throw new Error(`invalid benchmark rule ${id}: ${result.problem.message}`);
  return { id: id as string, ...result.value, version: 1, createdAt, updatedAt: createdAt };
}

/**
 * The route rows `syncRoutes` writes for an enabled rule. Their
 * `ruleCreatedAt` (run order after priority) is the rule document's
 * `_creationTime`, known once the rule is inserted.
 */
export function routeRowsOf(rule: RuleDoc, ruleCreatedAt: number): RouteRow[] {
  if (!rule.enabled) return [];
  return routesOf(rule).map((route) => ({
    ruleId: rule.id,
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
  }));
}

export type SeedReport = {
  rules: number;
  routes: number;
  transactions: number;
  /** The largest seeding transaction, to show it stays within Convex's limits. */
  largest: Metrics;
};

/**
 * Inserts `inputs` (consumed lazily) in transactions of at most
 * `maxWrites` documents (MAX_WRITES_PER_BATCH unless the instance runs with
 * tighter limits), then the routing paths, once each.
 */
export async function seedRules(
  t: ComponentTest,
  inputs: Iterable<RuleInput>,
  maxWrites = MAX_WRITES_PER_BATCH,
): Promise<SeedReport> {
  const maxRules = Math.min(MAX_RULES_PER_BATCH, maxWrites / 2);
  const report: SeedReport = {
    rules: 0,
    routes: 0,
    transactions: 0,
    largest: { documentsRead: 0, bytesRead: 0, documentsWritten: 0, bytesWritten: 0, databaseQueries: 0 },
  };
  const paths = new Map<string, PathRow>();
  // Creation times in the past, one millisecond apart: never equal to the
  // documents' _creationTime, so the check below sees which one routes copy.
  const base = Date.now() - 1_000_000;
  let batch: RuleDoc[] = [];
  let batchWrites = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    batchWrites = 0;
    const metrics = await t.run(async (ctx) => {
      for (const rule of rows) {
        const _id = await ctx.db.insert("rules", rule);
        const stored = await ctx.db.get("rules", _id);
        for (const route of routeRowsOf(rule, stored!._creationTime)) {
          await ctx.db.insert("ruleRoutes", route);
        }
      }
      return await metricsNow(ctx);
    });
    report.transactions++;
    if (metrics.documentsWritten > report.largest.documentsWritten) report.largest = metrics;
  };

  for (const input of inputs) {
    const rule = ruleDocOf(input, base + report.rules);
    const routes = routeRowsOf(rule, 0);
    for (const route of routes) {
      if (route.routePath === undefined) continue;
      const row = pathRowOf({ ...route, routePath: route.routePath });
      paths.set(JSON.stringify([row.integrationId, row.namespace, row.triggerType, row.path]), row);
    }
    if (batchWrites + 1 + routes.length > maxWrites || batch.length >= maxRules) {
      await flush();
    }
    batch.push(rule);
    batchWrites += 1 + routes.length;
    report.rules++;
    report.routes += routes.length;
  }
  await flush();
  await t.run(async (ctx) => {
    for (const row of paths.values()) await ctx.db.insert("routingPaths", row);
  });
  report.transactions++;
  return report;
}

function withoutSystemFields<T extends { _id: unknown; _creationTime: unknown }>(doc: T) {
  const { _id, _creationTime, ...rest } = doc;
  return rest;
}

/** A stored rule and its routes, minus ids and creation times. */
async function storedRule(t: ComponentTest, ruleId: string) {
  return await t.run(async (ctx) => {
    const rule = await ctx.db
      .query("rules")
      .withIndex("by_rule_id", (q) => q.eq("id", ruleId))
      .unique();
    const routes = await ctx.db
      .query("ruleRoutes")
      .withIndex("by_rule", (q) => q.eq("ruleId", ruleId))
      .collect();
    if (!rule) throw new Error(`rule ${ruleId} was not seeded`);
    const { createdAt: _c, updatedAt: _u, ...ruleFields } = withoutSystemFields(rule);
    return {
      rule: ruleFields,
      routes: routes.map((route) => {
        // Times differ between instances; which time the route copies must not.
        const { ruleCreatedAt, ...fields } = withoutSystemFields(route);
        const copies =
          ruleCreatedAt === rule._creationTime
            ? "rule._creationTime"
            : ruleCreatedAt === rule.createdAt
              ? "rule.createdAt"
              : "something else";
        return { ...fields, ruleCreatedAt: copies };
      }),
    };
  });
}

async function routingPathsOf(t: ComponentTest, integrationId: string, namespace: string, triggerType: string) {
  return await t.run(async (ctx) => {
    const rows = await ctx.db
      .query("routingPaths")
      .withIndex("by_trigger", (q) =>
        q.eq("integrationId", integrationId).eq("namespace", namespace).eq("triggerType", triggerType),
      )
      .collect();
    return rows.map(({ _id, _creationTime, ...fields }) => fields);
  });
}

/**
 * Checks seeded rules against the real API: each sample is created with
 * `createRule` in a fresh instance, and its rule document, route rows and
 * routing path must equal the seeded ones (ids and times aside). Also checks
 * that each of `integrationIds` has exactly the routing path rows of its
 * samples (every seeded rule of the benchmarks has the same field set).
 */
export async function verifySeed(t: ComponentTest, samples: RuleInput[], integrationIds: string[]): Promise<void> {
  const createdPaths = new Map<string, unknown[]>();
  for (const input of samples) {
    const fresh = componentTest();
    // With the clock frozen and a rule created before, the sample's
    // _creationTime (bumped past the previous insert's) differs from its
    // createdAt (the clock): the comparison tells which one routes copy.
    freezeClock(Date.now());
    let ruleId: string;
    try {
      await fresh.mutation(api.rules.createRule, { ...input, id: `${input.id}.other`, integrationId: "bench-verify-other" });
      ruleId = await fresh.mutation(api.rules.createRule, input);
    } finally {
      holdScheduledFunctions();
    }
    expect(ruleId).toBe(input.id);
    const created = await storedRule(fresh, ruleId);
    const seeded = await storedRule(t, ruleId);
    expect(seeded, `seeded rule ${ruleId} differs from createRule's`).toEqual(created);
    expect(created.routes.length).toBeGreaterThan(0);
    const paths = await routingPathsOf(fresh, input.integrationId, "", input.triggerType);
    const routed = new Set(created.routes.flatMap((r) => (r.routePath === undefined ? [] : [r.routePath])));
    expect(paths.map((p) => p.path)).toEqual([...routed]);
    createdPaths.set(input.integrationId, paths);
  }
  for (const integrationId of integrationIds) {
    const seeded = await routingPathsOf(t, integrationId, "", samples[0].triggerType);
    expect(seeded, `routingPaths of ${integrationId}`).toEqual(createdPaths.get(integrationId));
  }
}
