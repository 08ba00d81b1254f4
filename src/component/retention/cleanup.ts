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
 * Each batch runs under the budget of every background job (batches.ts):
 * it stops starting work past half of any transaction limit. An execution
 * is deleted after its last log line (executionDeletion.ts), so a batch
 * that stops in the middle of a long log leaves a consistent state.
 */
import { v } from "convex/values";
import type { Query } from "convex/server";
import { internal } from "../_generated/api.js";
import type { DataModel, Doc } from "../_generated/dataModel.js";
import { internalMutation, mutation, query, type MutationCtx } from "../_generated/server.js";
import {
  ageCutoff,
  DAY_MS,
  PROCESSED_EVENTS_RETENTION_DAYS,
} from "../../core/retention.js";
import {
  RETAINED_STATUSES,
  vCleanupCursor,
  vCleanupRun,
  type CleanupCursor,
  type CleanupRun,
  type RuleProgress,
} from "../../retentionValidators.js";
import { vRulesLogLevel, type ExecutionStatus, type RulesLogLevel } from "../../shared.js";
import { RetentionReader } from "./settings.js";
import { Budget, drain, MAX_CHUNK } from "../lib/batches.js";
import { deleteExecution, noneDeleted } from "../executions/deletion.js";
import { configuredLogLevel, log } from "../lib/logging.js";

/** A run whose last batch is older than this is considered dead, and the next start replaces it. */
export const STALE_RUN_MS = 10 * 60 * 1000;
/** Counting looks at rules with executions started since the previous run's start, less this margin. */
export const SINCE_MARGIN_MS = 5 * 60 * 1000;

/** What a batch did. */
type Totals = { executionsDeleted: number; logsDeleted: number; eventsDeleted: number; rulesChecked: number };

type ExecutionsQuery = () => Query<DataModel["ruleExecutions"]>;

class Batch {
  private readonly counts = { eventsDeleted: 0, rulesChecked: 0 };
  private readonly deleted = noneDeleted();
  private readonly retention: RetentionReader;

  constructor(
    private readonly ctx: MutationCtx,
    private readonly budget: Budget,
    private readonly run: CleanupRun,
  ) {
    this.retention = new RetentionReader(ctx);
  }

  /** What the batch did so far. */
  get totals(): Totals {
    return { executionsDeleted: this.deleted.executions, logsDeleted: this.deleted.logs, ...this.counts };
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
          status: RETAINED_STATUSES[0]!,
          stage: "age",
          kept: 0,
        };
      }
      const left = await this.rule(current);
      if (left) return { phase: "rules", ...(after === undefined ? {} : { after }), current: left };
      this.counts.rulesChecked++;
      after = current.ruleId;
      current = undefined;
    }
  }

  /** Deletes processedEvents older than the dedupe window. True when none is left. */
  private async pruneEvents(): Promise<boolean> {
    const cutoff = this.run.startedAt - PROCESSED_EVENTS_RETENTION_DAYS * DAY_MS;
    return await drain(
      this.budget,
      "delete",
      (k) =>
        this.ctx.db
          .query("processedEvents")
          .withIndex("by_received", (q) => q.lt("receivedAt", cutoff))
          .take(k),
      async (event) => {
        await this.ctx.db.delete("processedEvents", event._id);
        this.counts.eventsDeleted++;
        return true;
      },
    );
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
      const status = RETAINED_STATUSES[index]!;
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
    return await drain(
      this.budget,
      "execution",
      (k) => range().take(k),
      async (execution) => await deleteExecution(this.ctx, this.budget, execution, this.deleted),
    );
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
  await ctx.scheduler.runAfter(0, internal.retention.cleanup.cleanupBatch, { runStartedAt: now, cursor });
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
 * (default: the level the client sent with its last rule change).
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
      await ctx.scheduler.runAfter(0, internal.retention.cleanup.cleanupBatch, { runStartedAt: run.startedAt, cursor: next });
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
