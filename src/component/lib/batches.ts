/**
 * Background batches: every job that deletes in the background (retention
 * cleanup, a deleted rule's history and versions) runs as a chain of
 * mutations, each one a batch bounded by one budget rule and scheduling
 * the next until the job is done.
 *
 * The budget rule: a batch stops starting work once any metric (documents
 * and bytes read, documents and bytes written, index ranges) would pass
 * half of its limit (`BATCH_BUDGET_FRACTION`), counting what it has read
 * but not yet deleted. Every read is a `take(k)` with `k` chosen so that
 * even documents of the largest possible size (1 MiB, read once and again
 * when deleted) stay under 90% of the bytes-read limit: no batch can exceed
 * a limit, whatever the data. The limits come from the transaction's own
 * metrics, so a test with tighter limits proves the same code.
 */
import type { FunctionReference, TransactionMetrics } from "convex/server";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { CONVEX_LIMITS, METRICS, type Figures } from "./transactionLimits.js";

/** A batch stops starting work past this fraction of any transaction limit. */
export const BATCH_BUDGET_FRACTION = 0.5;
/** Reads are sized so that documents of the largest size stay under this fraction of the bytes limit. */
export const HARD_FRACTION = 0.9;
/** The largest document Convex stores: the worst case of every read. */
export const MAX_DOCUMENT_BYTES = 1 << 20;
/** Most documents one index range returns. */
export const MAX_CHUNK = 128;


/** What a batch keeps for its own bookkeeping: the state row, scheduling the next batch. */
const BOOKKEEPING: Figures = {
  documentsRead: 8,
  bytesRead: 256 * 1024,
  databaseQueries: 8,
  documentsWritten: 8,
  bytesWritten: 256 * 1024,
};

/**
 * What one document of a read costs at most. A deleted document is read
 * twice (by the query, then by the delete), and each execution to delete
 * needs at least one more index range for its logs.
 */
const PER_DOCUMENT = {
  scan: { documentsRead: 1, bytesRead: MAX_DOCUMENT_BYTES, databaseQueries: 0, documentsWritten: 0, bytesWritten: 0 },
  delete: { documentsRead: 2, bytesRead: 2 * MAX_DOCUMENT_BYTES, databaseQueries: 0, documentsWritten: 1, bytesWritten: 0 },
  execution: { documentsRead: 2, bytesRead: 2 * MAX_DOCUMENT_BYTES, databaseQueries: 1, documentsWritten: 1, bytesWritten: 0 },
} satisfies Record<string, Figures>;
export type ReadKind = keyof typeof PER_DOCUMENT;

const zero = (): Figures => ({ documentsRead: 0, bytesRead: 0, databaseQueries: 0, documentsWritten: 0, bytesWritten: 0 });

/**
 * A batch's budget, from `ctx.meta.getTransactionMetrics()`. `pending` is
 * what documents already read will still cost when deleted.
 */
export class Budget {
  private used: Figures = zero();
  private readonly soft: Figures;
  private readonly hard: Figures;
  private pending: Figures = zero();

  private constructor(
    private readonly ctx: MutationCtx,
    limits: Figures,
    fraction: number,
  ) {
    this.soft = Object.fromEntries(METRICS.map((m) => [m, Math.floor(limits[m] * fraction)])) as Figures;
    this.hard = limits;
  }

  static async start(ctx: MutationCtx, fraction = BATCH_BUDGET_FRACTION): Promise<Budget> {
    const budget = new Budget(ctx, limitsOf(await ctx.meta.getTransactionMetrics()), fraction);
    await budget.refresh();
    return budget;
  }

  async refresh(): Promise<void> {
    const metrics = await this.ctx.meta.getTransactionMetrics();
    for (const m of METRICS) this.used[m] = metrics[m].used;
  }

  /** Used so far, as the metrics last said. */
  figures(): Figures {
    return { ...this.used };
  }

  /**
   * How many documents the next read may return (`take(k)`), at most `max`;
   * 0 when the batch must stop. `ranges` is the index ranges of the read.
   */
  async chunk(kind: ReadKind, max: number, ranges = 1): Promise<number> {
    await this.refresh();
    const cost = PER_DOCUMENT[kind];
    let k = max;
    for (const m of METRICS) {
      const committed = this.used[m] + this.pending[m] + BOOKKEEPING[m] + (m === "databaseQueries" ? ranges : 0);
      if (committed > this.soft[m]) return 0;
      if (cost[m] === 0) continue;
      // Bytes are sized against the worst case under the hard limit (the
      // worst case is rare; the soft limit stops the batch once real
      // usage gets there); counts are exact, so against the soft limit.
      const ceiling = m === "bytesRead" ? Math.floor(this.hard[m] * HARD_FRACTION) : this.soft[m];
      k = Math.min(k, Math.floor((ceiling - committed) / cost[m]));
    }
    return Math.max(0, k);
  }

  /**
   * Records documents just read for deletion: until `release`, their
   * deletion's cost counts as committed. Call after the read.
   */
  async hold(bytesBefore: number, documents: number, executions: number): Promise<Figures> {
    await this.refresh();
    const held: Figures = {
      documentsRead: documents,
      bytesRead: this.used.bytesRead - bytesBefore,
      databaseQueries: executions,
      documentsWritten: documents,
      bytesWritten: 0,
    };
    for (const m of METRICS) this.pending[m] += held[m];
    return held;
  }

  release(held: Figures): void {
    for (const m of METRICS) this.pending[m] -= held[m];
  }

  get bytesRead(): number {
    return this.used.bytesRead;
  }
}

/** The transaction's limits, as its metrics report them (Convex's own when they do not). */
function limitsOf(metrics: TransactionMetrics): Figures {
  const limits = zero();
  for (const m of METRICS) {
    const { used, remaining } = metrics[m];
    const reported = used + remaining;
    limits[m] = Number.isFinite(reported) && reported > 0 ? Math.min(reported, CONVEX_LIMITS[m]) : CONVEX_LIMITS[m];
  }
  return limits;
}

/**
 * Whether the transaction has used more than the budget's share of any
 * limit: the same rule for reads that grow one document at a time (a
 * stats read's tail, a health page, the rollup), which stop there.
 */
export async function pastBudget(ctx: QueryCtx): Promise<boolean> {
  const metrics = await ctx.meta.getTransactionMetrics();
  const limits = limitsOf(metrics);
  return METRICS.some((m) => metrics[m].used > limits[m] * BATCH_BUDGET_FRACTION);
}

/**
 * Reads a range a chunk at a time (`read(k)` returns its first `k`
 * documents) and hands each document to `each`, until the range is empty
 * (true) or the budget is spent (false). `each` answers false when it ran
 * out of budget before finishing its document. A processed document must
 * leave the range (it is deleted), since every chunk reads from the start.
 */
export async function drain<Doc>(
  budget: Budget,
  kind: ReadKind,
  read: (k: number) => Promise<Doc[]>,
  each: (doc: Doc) => Promise<boolean>,
): Promise<boolean> {
  for (;;) {
    const k = await budget.chunk(kind, MAX_CHUNK);
    if (k === 0) return false;
    const before = budget.bytesRead;
    const docs = await read(k);
    const held = await budget.hold(before, docs.length, kind === "execution" ? docs.length : 0);
    try {
      for (const doc of docs) {
        if (!(await each(doc))) return false;
      }
    } finally {
      budget.release(held);
    }
    if (docs.length < k) return true;
  }
}

/**
 * One batch of a background job: `work` runs under a fresh budget and says
 * whether the job is done; if not, `self` is scheduled again with the same
 * arguments (the job's progress is in the database, so the next batch
 * starts where this one stopped).
 */
export async function runBatch<Args extends Record<string, unknown>>(
  ctx: MutationCtx,
  self: FunctionReference<"mutation", "internal", Args>,
  args: Args,
  work: (budget: Budget) => Promise<boolean>,
): Promise<boolean> {
  const budget = await Budget.start(ctx);
  const done = await work(budget);
  if (!done) await ctx.scheduler.runAfter(0, self as FunctionReference<"mutation", "internal">, args);
  return done;
}
