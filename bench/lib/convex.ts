/// <reference types="vite/client" />
/**
 * convex-test instances of the component for benchmarks, with Convex's
 * transaction limits enforced, and transaction metrics helpers.
 */
import { convexTest } from "convex-test";
import workpool from "@convex-dev/workpool/test";
import type { GenericMutationCtx, GenericDataModel } from "convex/server";
import schema from "../../src/component/schema.js";
import { CONVEX_LIMITS, SCHEDULING_LIMITS } from "../../src/component/lib/transactionLimits.js";

export type Modules = Record<string, () => Promise<Record<string, unknown>>>;

const modules = import.meta.glob<Record<string, unknown>>([
  "../../src/component/**/*.ts",
  "!../../src/component/**/*.test.ts",
]);

/** The key of a component module in the modules map, e.g. "engine". */
export function moduleKey(name: string): string {
  return `../../src/component/${name}.ts`;
}

type Limit = keyof typeof CONVEX_LIMITS | keyof typeof SCHEDULING_LIMITS;
export type Limits = Record<Limit, number>;

/** Convex's limits per transaction, and the scheduling ones. */
export const FULL_LIMITS: Limits = { ...CONVEX_LIMITS, ...SCHEDULING_LIMITS };

/**
 * Half of every limit: a convex-test instance with these fails any
 * transaction that uses more than 50% of one of Convex's limits.
 */
export const HALF_LIMITS = Object.fromEntries(
  Object.entries(FULL_LIMITS).map(([metric, limit]) => [metric, limit / 2]),
) as Limits;

/**
 * The component alone (with its workpool), limits on, as its tests use it:
 * Convex's own limits unless `limits` says otherwise; `wrap` may replace
 * modules (to observe a function without changing it).
 */
export function componentTest(options: { limits?: Limits; wrap?: (modules: Modules) => Modules } = {}) {
  const t = convexTest({
    schema,
    modules: options.wrap ? options.wrap({ ...modules }) : modules,
    transactionLimits: options.limits ?? true,
  });
  workpool.register(t, "workpool");
  return t;
}
export type ComponentTest = ReturnType<typeof componentTest>;

/** Documents and bytes read and written (and index ranges) in a transaction. */
export type Metrics = {
  documentsRead: number;
  bytesRead: number;
  documentsWritten: number;
  bytesWritten: number;
  databaseQueries: number;
};

type MetaCtx = Pick<GenericMutationCtx<GenericDataModel>, "meta">;

/** The current transaction's usage so far (convex-test counts exactly). */
export async function metricsNow(ctx: MetaCtx): Promise<Metrics> {
  const m = await ctx.meta.getTransactionMetrics();
  return {
    documentsRead: m.documentsRead.used,
    bytesRead: m.bytesRead.used,
    documentsWritten: m.documentsWritten.used,
    bytesWritten: m.bytesWritten.used,
    databaseQueries: m.databaseQueries.used,
  };
}

/** The largest share of one of Convex's limits a transaction used, and which. */
export type Share = { share: number; metric: string; used: number; limit: number };

/**
 * The largest share of any of Convex's own limits (not the instance's,
 * which may be tighter) the current transaction has used so far.
 */
export async function largestShare(ctx: MetaCtx): Promise<Share> {
  const metrics = (await ctx.meta.getTransactionMetrics()) as unknown as Record<string, { used: number } | undefined>;
  let largest: Share = { share: 0, metric: "documentsRead", used: 0, limit: FULL_LIMITS.documentsRead };
  for (const [metric, limit] of Object.entries(FULL_LIMITS)) {
    const used = metrics[metric]?.used ?? 0;
    if (used / limit > largest.share) largest = { share: used / limit, metric, used, limit };
  }
  return largest;
}

export function metricsDiff(after: Metrics, before: Metrics): Metrics {
  return {
    documentsRead: after.documentsRead - before.documentsRead,
    bytesRead: after.bytesRead - before.bytesRead,
    documentsWritten: after.documentsWritten - before.documentsWritten,
    bytesWritten: after.bytesWritten - before.bytesWritten,
    databaseQueries: after.databaseQueries - before.databaseQueries,
  };
}

/** Wall-clock seconds of the benchmark itself (never a database figure). */
export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await work();
  return [result, (Date.now() - started) / 1000];
}
