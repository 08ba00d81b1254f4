/**
 * The retention cleanup: deletes old executions (with their logs) and old
 * `processedEvents`, in batches that size themselves from the transaction's
 * own metrics and schedule the next batch until the run is done.
 *
 * A run starts from the component's hourly cron (crons.ts) or `runCleanup`:
 *
 * 1. Events: `processedEvents` received more than 7 days ago
 *    (`PROCESSED_EVENTS_RETENTION_DAYS`), oldest first (`by_received`).
 * 2. Rules: every rule id that has executions, in id order (a skip scan of
 *    `by_rule_start`: one index range per rule, so deleted rules' leftovers
 *    are found too). For each rule and each stored status but "running"
 *    (`RETAINED_STATUSES`), through `by_rule_status_start`:
 *    - age: executions that started before the status's cutoff (`days`, or
 *      `failedDays` for failed and loop_blocked) are deleted, oldest first;
 *    - count: the newest `maxPerOutcome` are kept and the older ones
 *      deleted. Counting reads those executions, so it only runs for rules
 *      with an execution started since the previous run (or after settings
 *      changed): an idle rule cannot have gained any.
 *    Counting per rule and per status means a noisy rule, or a flood of one
 *    outcome, never evicts another rule's (or outcome's) executions.
 *
 * Budget: a batch stops starting work once any metric (documents and bytes
 * read, documents and bytes written, index ranges) would pass half of its
 * limit (`BATCH_BUDGET_FRACTION`), counting what it has read but not yet
 * deleted. Every read is a `take(k)` with `k` chosen so that even documents
 * of the largest possible size (1 MiB, read once and again when deleted)
 * stay under 90% of the bytes-read limit: no batch can exceed a limit,
 * whatever the data. An execution is deleted after its last log line, so a
 * batch that stops in the middle of a long log leaves a consistent state.
 */
import { v } from "convex/values";
import type { Query } from "convex/server";
import { internal } from "./_generated/api.js";
import type { DataModel, Doc } from "./_generated/dataModel.js";
import { internalMutation, mutation, query, type MutationCtx } from "./_generated/server.js";
import {
  ageCutoff,
  DAY_MS,
  PROCESSED_EVENTS_RETENTION_DAYS,
} from "../core/retention.js";
import {
  RETAINED_STATUSES,
  vCleanupCursor,
  vCleanupRun,
  type CleanupCursor,
  type CleanupRun,
  type RuleProgress,
} from "../retentionValidators.js";
import { vRulesLogLevel, type ExecutionStatus, type RulesLogLevel } from "../shared.js";
import { RetentionReader } from "./retention.js";
import { CONVEX_LIMITS, METRICS, type Figures } from "./transactionLimits.js";
import { configuredLogLevel, log } from "./logging.js";
import { deleteEventIfUnused } from "./events.js";

/** A batch stops starting work past this fraction of any transaction limit. */
export const BATCH_BUDGET_FRACTION = 0.5;
/** Reads are sized so that documents of the largest size stay under this fraction of the bytes limit. */
export const HARD_FRACTION = 0.9;
/** The largest document Convex stores: the worst case of every read. */
export const MAX_DOCUMENT_BYTES = 1 << 20;
/** Most documents one index range returns. */
export const MAX_CHUNK = 128;
/** A run whose last batch is older than this is considered dead, and the next start replaces it. */
export const STALE_RUN_MS = 10 * 60 * 1000;
/** Counting looks at rules with executions started since the previous run's start, less this margin. */
export const SINCE_MARGIN_MS = 5 * 60 * 1000;


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
type ReadKind = keyof typeof PER_DOCUMENT;

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
    const metrics = await ctx.meta.getTransactionMetrics();
    const limits = zero();
    for (const m of METRICS) {
      const { used, remaining } = metrics[m];
      const reported = used + remaining;
      limits[m] = Number.isFinite(reported) && reported > 0 ? Math.min(reported, CONVEX_LIMITS[m]) : CONVEX_LIMITS[m];
    }
    const budget = new Budget(ctx, limits, fraction);
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

/** What a batch did. */
type Totals = { executionsDeleted: number; logsDeleted: number; eventsDeleted: number; rulesChecked: number };

type ExecutionsQuery = () => Query<DataModel["ruleExecutions"]>;

class Batch {
  readonly totals: Totals = { executionsDeleted: 0, logsDeleted: 0, eventsDeleted: 0, rulesChecked: 0 };
  private readonly retention: RetentionReader;

  constructor(
    private readonly ctx: MutationCtx,
    private readonly budget: Budget,
    private readonly run: CleanupRun,
  ) {
    this.retention = new RetentionReader(ctx);
  }

  /** Runs from `cursor` until done (null) or out of budget (where to continue). */
  async from(cursor: CleanupCursor): Promise<CleanupCursor | null> {
    if (cursor.phase === "events") {
      if (!(await this.pruneEvents())) return cursor;
      cursor = { phase: "rules" };
    }
    let { after, current } = cursor;
    for (;;) {
      if (!current) {
        if ((await this.budget.chunk("scan", 1)) === 0) return { phase: "rules", ...(after === undefined ? {} : { after }) };
        const first = await this.ctx.db
          .query("ruleExecutions")
          .withIndex("by_rule_start", (q) => (after === undefined ? q : q.gt("ruleId", after)))
          .first();
        if (!first) return null;
        current = {
          ruleId: first.ruleId,
          integrationId: first.integrationId,
          namespace: first.namespace,
          status: RETAINED_STATUSES[0],
          stage: "age",
          kept: 0,
        };
      }
      const left = await this.rule(current);
      if (left) return { phase: "rules", ...(after === undefined ? {} : { after }), current: left };
      this.totals.rulesChecked++;
      after = current.ruleId;
      current = undefined;
    }
  }

  /** Deletes processedEvents older than the dedupe window. True when none is left. */
  private async pruneEvents(): Promise<boolean> {
    const cutoff = this.run.startedAt - PROCESSED_EVENTS_RETENTION_DAYS * DAY_MS;
    for (;;) {
      const k = await this.budget.chunk("delete", MAX_CHUNK);
      if (k === 0) return false;
      const before = this.budget.bytesRead;
      const events = await this.ctx.db
        .query("processedEvents")
        .withIndex("by_received", (q) => q.lt("receivedAt", cutoff))
        .take(k);
      const held = await this.budget.hold(before, events.length, 0);
      for (const event of events) await this.ctx.db.delete("processedEvents", event._id);
      this.totals.eventsDeleted += events.length;
      this.budget.release(held);
      if (events.length < k) return true;
    }
  }

  /** One rule, from `progress`: null when done, else where to continue. */
  private async rule(progress: RuleProgress): Promise<RuleProgress | null> {
    const { ruleId } = progress;
    const settings = await this.retention.effective({
      integrationId: progress.integrationId,
      namespace: progress.namespace,
      ruleId,
    });
    const now = this.run.startedAt;
    // The latest cutoff of any status (the shortest retention): an
    // execution started before it may be old enough to delete.
    const latestCutoff = Math.max(...RETAINED_STATUSES.map((s) => ageCutoff(s, settings, now)));
    if ((await this.budget.chunk("scan", 1, 2)) === 0) return progress;
    // Two cheap probes decide what this rule needs: anything old enough to
    // be deleted by age, and anything new enough to have changed its counts.
    const anyOld = await this.ctx.db
      .query("ruleExecutions")
      .withIndex("by_rule_start", (q) => q.eq("ruleId", ruleId).lt("startTime", latestCutoff))
      .first();
    const since = this.run.since;
    const dirty =
      since === undefined ||
      (await this.ctx.db
        .query("ruleExecutions")
        .withIndex("by_rule_start", (q) => q.eq("ruleId", ruleId).gte("startTime", since))
        .first()) !== null;
    if (!anyOld && !dirty) return null;

    let index = Math.max(0, RETAINED_STATUSES.indexOf(progress.status as ExecutionStatus));
    for (; index < RETAINED_STATUSES.length; index++) {
      const status = RETAINED_STATUSES[index];
      const resumed = status === progress.status;
      let at: RuleProgress = resumed ? progress : { ...progress, status, stage: "age", kept: 0, last: undefined };
      if (at.stage === "age") {
        if (anyOld) {
          const cutoff = ageCutoff(status, settings, now);
          const done = await this.deleteExecutions(() =>
            this.ctx.db
              .query("ruleExecutions")
              .withIndex("by_rule_status_start", (q) =>
                q.eq("ruleId", ruleId).eq("status", status).lt("startTime", cutoff),
              ),
          );
          if (!done) return at;
        }
        at = { ...at, stage: "count", kept: 0, last: undefined };
      }
      if (!dirty) continue;
      const outcome = await this.keepNewest(at, settings.maxPerOutcome);
      if (outcome.stopped) return outcome.at;
    }
    return null;
  }

  /**
   * The count stage of one rule and status: finds the newest `max`
   * executions (newest first, resuming after `at.last`), then deletes every
   * older one.
   */
  private async keepNewest(at: RuleProgress, max: number): Promise<{ stopped: boolean; at: RuleProgress }> {
    const { ruleId } = at;
    const status = at.status as ExecutionStatus;
    const range = () =>
      this.ctx.db
        .query("ruleExecutions")
        .withIndex("by_rule_status_start", (q) => q.eq("ruleId", ruleId).eq("status", status));
    while (at.kept < max) {
      const k = await this.budget.chunk("scan", Math.min(MAX_CHUNK, max - at.kept), 2);
      if (k === 0) return { stopped: true, at };
      const last = at.last;
      let newest: Doc<"ruleExecutions">[];
      if (last === undefined) {
        newest = await range().order("desc").take(k);
      } else {
        // Strictly older than `last` in index order: same start, created earlier; then started earlier.
        newest = await this.ctx.db
          .query("ruleExecutions")
          .withIndex("by_rule_status_start", (q) =>
            q
              .eq("ruleId", ruleId)
              .eq("status", status)
              .eq("startTime", last.startTime)
              .lt("_creationTime", last.creationTime),
          )
          .order("desc")
          .take(k);
        if (newest.length < k) {
          newest = newest.concat(
            await this.ctx.db
              .query("ruleExecutions")
              .withIndex("by_rule_status_start", (q) =>
                q.eq("ruleId", ruleId).eq("status", status).lt("startTime", last.startTime),
              )
              .order("desc")
              .take(k - newest.length),
          );
        }
      }
      for (const execution of newest) {
        at = { ...at, kept: at.kept + 1, last: { startTime: execution.startTime, creationTime: execution._creationTime } };
      }
      // Fewer than `max` in all: nothing to delete.
      if (newest.length < k) return { stopped: false, at };
    }
    const last = at.last;
    const done =
      last === undefined
        ? await this.deleteExecutions(range)
        : (await this.deleteExecutions(() =>
            this.ctx.db
              .query("ruleExecutions")
              .withIndex("by_rule_status_start", (q) =>
                q.eq("ruleId", ruleId).eq("status", status).lt("startTime", last.startTime),
              ),
          )) &&
          (await this.deleteExecutions(() =>
            this.ctx.db
              .query("ruleExecutions")
              .withIndex("by_rule_status_start", (q) =>
                q
                  .eq("ruleId", ruleId)
                  .eq("status", status)
                  .eq("startTime", last.startTime)
                  .lt("_creationTime", last.creationTime),
              ),
          ));
    return { stopped: !done, at };
  }

  /**
   * Deletes every execution of a range (with its logs), oldest first, a
   * chunk at a time: a deleted execution leaves the range, so each chunk
   * reads from the start again. True when the range is empty.
   */
  private async deleteExecutions(range: ExecutionsQuery): Promise<boolean> {
    for (;;) {
      const k = await this.budget.chunk("execution", MAX_CHUNK);
      if (k === 0) return false;
      const before = this.budget.bytesRead;
      const executions = await range().take(k);
      const held = await this.budget.hold(before, executions.length, executions.length);
      try {
        for (const execution of executions) {
          if (!(await this.deleteExecution(execution))) return false;
        }
      } finally {
        this.budget.release(held);
      }
      if (executions.length < k) return true;
    }
  }

  /** Deletes an execution's logs, then the execution. False when out of budget first. */
  private async deleteExecution(execution: Doc<"ruleExecutions">): Promise<boolean> {
    for (;;) {
      const k = await this.budget.chunk("delete", MAX_CHUNK);
      if (k === 0) return false;
      const before = this.budget.bytesRead;
      const logs = await this.ctx.db
        .query("ruleExecutionLogs")
        .withIndex("by_execution", (q) => q.eq("executionId", execution._id))
        .take(k);
      const held = await this.budget.hold(before, logs.length, 0);
      for (const line of logs) await this.ctx.db.delete("ruleExecutionLogs", line._id);
      this.totals.logsDeleted += logs.length;
      this.budget.release(held);
      if (logs.length < k) break;
    }
    await this.ctx.db.delete("ruleExecutions", execution._id);
    this.totals.executionsDeleted++;
    // Its event goes with the last execution that refers to it (one more
    // small read, within the hard margin kept by every batch).
    await deleteEventIfUnused(this.ctx, execution.eventRef);
    return true;
  }
}

async function stateOf(ctx: MutationCtx) {
  return await ctx.db.query("retentionState").first();
}

/**
 * Starts a cleanup run, unless one is in progress (its last batch less than
 * `STALE_RUN_MS` ago). The first batch is scheduled at once.
 */
async function beginRun(
  ctx: MutationCtx,
  trigger: CleanupRun["trigger"],
  logLevel: RulesLogLevel | undefined,
): Promise<{ started: boolean; runStartedAt: number }> {
  const now = Date.now();
  const state = await stateOf(ctx);
  if (state?.run && now - state.run.lastBatchAt < STALE_RUN_MS) {
    return { started: false, runStartedAt: state.run.startedAt };
  }
  const level = logLevel ?? (await configuredLogLevel(ctx));
  // A full check (every rule's counts) after settings changed, on the first
  // run, and when replacing a dead run that was one.
  const full =
    !state ||
    state.fullCheckRequested ||
    !state.lastRun ||
    (state.run !== undefined && state.run.since === undefined);
  const since = full ? undefined : Math.min(state.lastRun!.startedAt - SINCE_MARGIN_MS, state.run?.since ?? Infinity);
  const run: CleanupRun = {
    startedAt: now,
    trigger,
    ...(since === undefined ? {} : { since }),
    ...(level === undefined ? {} : { logLevel: level }),
    lastBatchAt: now,
    batches: 0,
    rulesChecked: 0,
    executionsDeleted: 0,
    logsDeleted: 0,
    eventsDeleted: 0,
  };
  const cursor: CleanupCursor = { phase: "events" };
  if (state) {
    if (state.run) {
      log("WARN", "cleanup.replaced_stale_run", { runStartedAt: state.run.startedAt, lastBatchAt: state.run.lastBatchAt }, level);
    }
    await ctx.db.patch("retentionState", state._id, { run, fullCheckRequested: false, cursor });
  } else {
    await ctx.db.insert("retentionState", { run, fullCheckRequested: false, cursor });
  }
  await ctx.scheduler.runAfter(0, internal.cleanup.cleanupBatch, { runStartedAt: now, cursor });
  log("INFO", "cleanup.started", { runStartedAt: now, trigger, fullCheck: since === undefined }, level);
  return { started: true, runStartedAt: now };
}

const vStartResult = v.object({
  /** False when a run was already in progress (its start time is returned). */
  started: v.boolean(),
  runStartedAt: v.number(),
});

/** The component's cron (crons.ts): starts a run unless one is in progress. */
export const startCleanup = internalMutation({
  args: {},
  returns: vStartResult,
  handler: async (ctx) => await beginRun(ctx, "cron", undefined),
});

/**
 * Starts a retention cleanup run now, unless one is in progress: the same
 * work as the hourly cron. `logLevel` applies to this run's console lines
 * (default: the level stored with `setLogLevel`).
 */
export const runCleanup = mutation({
  args: { logLevel: v.optional(vRulesLogLevel) },
  returns: vStartResult,
  handler: async (ctx, args) => await beginRun(ctx, "manual", args.logLevel),
});

const vBatchResult = v.object({
  /** The run is finished (or was replaced by a newer one: `superseded`). */
  done: v.boolean(),
  superseded: v.boolean(),
  executionsDeleted: v.number(),
  logsDeleted: v.number(),
  eventsDeleted: v.number(),
  rulesChecked: v.number(),
  /** This transaction's usage, as `ctx.meta.getTransactionMetrics()` reported it at the end. */
  documentsRead: v.number(),
  bytesRead: v.number(),
  documentsWritten: v.number(),
  bytesWritten: v.number(),
  databaseQueries: v.number(),
});

/** One batch of a run; schedules the next until the run is done. */
export const cleanupBatch = internalMutation({
  args: { runStartedAt: v.number(), cursor: vCleanupCursor },
  returns: vBatchResult,
  handler: async (ctx, args) => {
    const state = await stateOf(ctx);
    const run = state?.run;
    const budget = await Budget.start(ctx);
    if (!state || !run || run.startedAt !== args.runStartedAt) {
      return {
        done: true,
        superseded: true,
        executionsDeleted: 0,
        logsDeleted: 0,
        eventsDeleted: 0,
        rulesChecked: 0,
        ...budget.figures(),
      };
    }
    const batch = new Batch(ctx, budget, run);
    const next = await batch.from(args.cursor);
    const { totals } = batch;
    const now = Date.now();
    const updated: CleanupRun = {
      ...run,
      lastBatchAt: now,
      batches: run.batches + 1,
      rulesChecked: run.rulesChecked + totals.rulesChecked,
      executionsDeleted: run.executionsDeleted + totals.executionsDeleted,
      logsDeleted: run.logsDeleted + totals.logsDeleted,
      eventsDeleted: run.eventsDeleted + totals.eventsDeleted,
    };
    const progressed =
      next === null ||
      Object.values(totals).some((n) => n > 0) ||
      JSON.stringify(next) !== JSON.stringify(args.cursor);
    if (next === null || !progressed) {
      await ctx.db.patch("retentionState", state._id, {
        run: undefined,
        lastRun: { ...updated, completedAt: now },
        cursor: undefined,
      });
      if (!progressed) {
        // Cannot happen with Convex's limits; never loop on it.
        log("ERROR", "cleanup.stuck", { runStartedAt: run.startedAt, cursor: args.cursor }, run.logLevel);
      }
    } else {
      await ctx.db.patch("retentionState", state._id, { run: updated, cursor: next });
      await ctx.scheduler.runAfter(0, internal.cleanup.cleanupBatch, { runStartedAt: run.startedAt, cursor: next });
    }
    await budget.refresh();
    const figures = budget.figures();
    log("INFO", "cleanup.batch", { runStartedAt: run.startedAt, batch: updated.batches, ...totals, ...figures, done: next === null }, run.logLevel);
    if (next === null) {
      const { executionsDeleted, logsDeleted, eventsDeleted, rulesChecked, batches } = updated;
      log(
        "INFO",
        "cleanup.finished",
        { runStartedAt: run.startedAt, batches, rulesChecked, executionsDeleted, logsDeleted, eventsDeleted },
        run.logLevel,
      );
    }
    return { done: next === null, superseded: false, ...totals, ...figures };
  },
});

/** The cleanup run in progress (null between runs), the last one that finished, and whether settings changed since. */
export const getCleanupStatus = query({
  args: {},
  returns: v.object({
    running: v.union(vCleanupRun, v.null()),
    lastRun: v.union(vCleanupRun, v.null()),
    fullCheckRequested: v.boolean(),
  }),
  handler: async (ctx) => {
    const state = await ctx.db.query("retentionState").first();
    return {
      running: state?.run ?? null,
      lastRun: state?.lastRun ?? null,
      fullCheckRequested: state?.fullCheckRequested ?? false,
    };
  },
});
