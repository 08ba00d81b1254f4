/// <reference types="vite/client" />
/**
 * convex-test instances of the component for benchmarks, with Convex's
 * transaction limits enforced, and transaction metrics helpers.
 */
import { convexTest } from "convex-test";
import workpool from "@convex-dev/workpool/test";
import type { GenericMutationCtx, GenericDataModel } from "convex/server";
import schema from "../../src/component/schema.js";

const modules = import.meta.glob([
  "../../src/component/**/*.ts",
  "!../../src/component/**/*.test.ts",
]);

/** The component alone (with its workpool), limits on, as its tests use it. */
export function componentTest() {
  const t = convexTest({ schema, modules, transactionLimits: true });
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
