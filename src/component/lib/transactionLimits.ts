/** Convex's limits per transaction, and how much of them a transaction has used. */
import type { QueryCtx } from "../_generated/server.js";

/** Convex's limits per transaction, used when the metrics do not tell them. */
export const CONVEX_LIMITS = {
  documentsRead: 32_000,
  bytesRead: 16 * 1024 * 1024,
  databaseQueries: 4_096,
  documentsWritten: 16_000,
  bytesWritten: 16 * 1024 * 1024,
} as const;
export type Metric = keyof typeof CONVEX_LIMITS;
export const METRICS = Object.keys(CONVEX_LIMITS) as Metric[];
export type Figures = Record<Metric, number>;

/** Limits `usedShare` also watches: what a transaction may schedule. */
export const SCHEDULING_LIMITS = {
  functionsScheduled: 1_000,
  scheduledFunctionArgsBytes: 16 * 1024 * 1024,
} as const;
type Watched = Metric | keyof typeof SCHEDULING_LIMITS;
const WATCHED = { ...CONVEX_LIMITS, ...SCHEDULING_LIMITS } satisfies Record<Watched, number>;

/**
 * The largest share of any of Convex's transaction limits the transaction
 * has used so far, plus `pending` (work decided but not yet written), from 0
 * to 1. Judged against Convex's own limits, not the remaining headroom the
 * metrics report, so that a test run with tighter limits checks the share
 * rather than moving it.
 */
export async function usedShare(ctx: QueryCtx, pending: Partial<Record<Watched, number>> = {}): Promise<number> {
  const metrics = await ctx.meta.getTransactionMetrics();
  let share = 0;
  for (const [m, limit] of Object.entries(WATCHED) as Array<[Watched, number]>) {
    const used = metrics[m]?.used ?? 0;
    share = Math.max(share, (used + (pending[m] ?? 0)) / limit);
  }
  return share;
}
