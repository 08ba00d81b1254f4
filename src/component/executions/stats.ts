/**
 * Stats per rule without contention.
 *
 * Who writes what:
 * - An execution writes only its own documents. When it finishes, the
 *   transaction that finishes it stamps `finishedTs` with the commit
 *   timestamp (`ctx.db.vars.commitTs`, an int64 in commit order) and reads
 *   one rarely written document, `statsStatus`, to see whether the rollup
 *   loop runs (waking it up, once, when it does not).
 * - The rollup loop (`rollup`, one chain of self-scheduling mutations, a
 *   single writer) folds finished executions into one `ruleStats` document
 *   per rule, walking the `by_finished` index from its cursor (`statsRollup`)
 *   up to the transaction's snapshot timestamp: executions that finish
 *   meanwhile commit above that bound, so they never conflict with it, and
 *   commit order means none is ever skipped (a wall-clock watermark could
 *   skip an execution whose transaction started earlier but committed later).
 * - `getRuleStats` returns the rule's `ruleStats` plus its executions
 *   finished since the cursor (`by_rule_finished`), bounded: exact while the
 *   rollup keeps up, `complete: false` when it is too far behind.
 *
 * An execution that is replayed finishes again with a new commit timestamp
 * and is counted again, as a new run. With the client's `stats: false`,
 * executions get no `finishedTs` and are not counted.
 */
import { v } from "convex/values";
import { internal } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import {
  internalMutation,
  query,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server.js";
import { vRuleStats, type Monitoring, type RuleStats } from "../../monitoring.js";
import { fail } from "../lib/errors.js";
import { pastBudget } from "../lib/batches.js";

/** Executions folded per rollup transaction, at most (and within the budget of growing reads, batches.ts). */
export const ROLLUP_BATCH = 500;
/** Between two rollups while executions keep finishing. */
export const ROLLUP_INTERVAL_MS = 2_000;
/** Rollups in a row that find nothing before the loop goes idle. */
export const ROLLUP_IDLE_AFTER = 5;
/** A running loop renews its lease when less than half is left; one that did not is replaced. */
export const ROLLUP_LEASE_MS = 10 * 60 * 1000;
/** Executions a stats read folds in beyond the rollup, per rule at most (and within the budget of growing reads). */
export const TAIL_MAX = 1000;
/** Rules per `getRulesStats` call. */
export const STATS_LIST_MAX = 100;
const ERROR_MAX_LENGTH = 1000;

// --- writing: what a finishing execution does --------------------------------

/** Whether the execution is counted: stats are on unless the dispatch said otherwise. */
export function statsOn(monitoring: Monitoring | undefined): boolean {
  return monitoring?.stats !== false;
}

/**
 * The field a transaction that finishes an execution writes on it (nothing
 * when stats are off): its commit timestamp, resolved at commit.
 */
export function finishedFields(
  ctx: MutationCtx,
  monitoring: Monitoring | undefined,
): { finishedTs?: Doc<"ruleExecutions">["finishedTs"] } {
  return statsOn(monitoring) ? { finishedTs: ctx.db.vars.commitTs } : {};
}

/** One wake-up check per transaction, however many executions it finishes. */
const pinged = new WeakMap<object, Promise<void>>();

/**
 * Makes sure the rollup loop runs. Reads `statsStatus` (written only when
 * the loop starts, stops or renews its lease); writes it only to wake the
 * loop. Called by every transaction that finishes a counted execution.
 */
export async function pingRollup(ctx: MutationCtx): Promise<void> {
  let done = pinged.get(ctx.db);
  if (!done) {
    done = wakeRollup(ctx);
    pinged.set(ctx.db, done);
  }
  await done;
}

async function wakeRollup(ctx: MutationCtx): Promise<void> {
  const status = await ctx.db.query("statsStatus").first();
  const now = Date.now();
  if (status?.running && status.leaseUntil > now) return;
  const generation = (status?.generation ?? 0) + 1;
  const fields = { running: true, generation, leaseUntil: now + ROLLUP_LEASE_MS };
  if (status) await ctx.db.replace("statsStatus", status._id, fields);
  else await ctx.db.insert("statsStatus", fields);
  await ctx.scheduler.runAfter(0, internal.executions.stats.rollup, { generation });
}

// --- the rollup ----------------------------------------------------------------

/** The counters of one rule, as stored (and as a read adds the tail to them). */
export type StatsCounters = Omit<Doc<"ruleStats">, "_id" | "_creationTime" | "ruleId" | "ruleCreationTime">;

export function emptyCounters(): StatsCounters {
  return {
    runs: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    loopBlocked: 0,
    other: 0,
    consecutiveFailures: 0,
    totalDurationMs: 0,
    timedRuns: 0,
  };
}

/** Adds one finished execution to a rule's counters (in the order they finished). */
export function foldExecution(
  counters: StatsCounters,
  execution: Pick<Doc<"ruleExecutions">, "status" | "startTime" | "endTime" | "error">,
): StatsCounters {
  const next = { ...counters, runs: counters.runs + 1 };
  const end = execution.endTime ?? execution.startTime;
  next.lastRunAt = Math.max(counters.lastRunAt ?? execution.startTime, execution.startTime);
  switch (execution.status) {
    case "succeeded":
      next.succeeded++;
      next.consecutiveFailures = 0;
      next.lastSuccessAt = Math.max(counters.lastSuccessAt ?? end, end);
      break;
    case "failed":
      next.failed++;
      next.consecutiveFailures++;
      if (counters.lastFailureAt === undefined || end >= counters.lastFailureAt) {
        next.lastFailureAt = end;
        if (execution.error !== undefined) next.lastError = execution.error.slice(0, ERROR_MAX_LENGTH);
        else delete next.lastError;
      }
      break;
    case "skipped":
      next.skipped++;
      break;
    case "loop_blocked":
      next.loopBlocked++;
      break;
    default:
      next.other++;
  }
  if (execution.status === "succeeded" || execution.status === "failed") {
    next.totalDurationMs += Math.max(0, end - execution.startTime);
    next.timedRuns++;
  }
  return next;
}

type Cursor = { ts: bigint; creationTime: number } | null;

/**
 * Executions finished after `cursor`, in commit order (then creation order
 * within one commit), up to `upTo` when given. A transaction that finished
 * several executions gave them one timestamp: the cursor may stop inside
 * such a tie, so it carries the `_creationTime` of the last one taken.
 */
async function* finishedAfter(
  ctx: QueryCtx,
  cursor: Cursor,
  upTo: bigint | null,
  ruleId?: string,
): AsyncGenerator<Doc<"ruleExecutions">> {
  const table = ctx.db.query("ruleExecutions");
  if (cursor) {
    const tie =
      ruleId === undefined
        ? table.withIndex("by_finished", (q) =>
            q.eq("finishedTs", cursor.ts).gt("_creationTime", cursor.creationTime),
          )
        : table.withIndex("by_rule_finished", (q) =>
            q.eq("ruleId", ruleId).eq("finishedTs", cursor.ts).gt("_creationTime", cursor.creationTime),
          );
    for await (const doc of tie) yield doc;
  }
  const from = cursor?.ts ?? -1n;
  const rest =
    ruleId === undefined
      ? ctx.db
          .query("ruleExecutions")
          .withIndex("by_finished", (q) =>
            upTo === null ? q.gt("finishedTs", from) : q.gt("finishedTs", from).lte("finishedTs", upTo),
          )
      : ctx.db
          .query("ruleExecutions")
          .withIndex("by_rule_finished", (q) =>
            upTo === null
              ? q.eq("ruleId", ruleId).gt("finishedTs", from)
              : q.eq("ruleId", ruleId).gt("finishedTs", from).lte("finishedTs", upTo),
          );
  for await (const doc of rest) yield doc;
}

function cursorOf(state: Doc<"statsRollup"> | null): Cursor {
  return state?.cursorTs === undefined || state.cursorCreationTime === undefined
    ? null
    : { ts: state.cursorTs, creationTime: state.cursorCreationTime };
}

async function findRule(ctx: QueryCtx, ruleId: string): Promise<Doc<"rules"> | null> {
  return await ctx.db
    .query("rules")
    .withIndex("by_rule_id", (q) => q.eq("id", ruleId))
    .unique();
}

async function findStats(ctx: QueryCtx, ruleId: string): Promise<Doc<"ruleStats"> | null> {
  return await ctx.db
    .query("ruleStats")
    .withIndex("by_rule", (q) => q.eq("ruleId", ruleId))
    .unique();
}

/** Whether an execution belongs to this rule document (not an earlier rule with the same id). */
function countsFor(rule: Doc<"rules">, execution: Doc<"ruleExecutions">): boolean {
  return execution._creationTime >= rule._creationTime;
}

/** A stats document's counters, or empty ones when it counts another rule with that id. */
function countersOf(stats: Doc<"ruleStats"> | null, rule: Doc<"rules">): StatsCounters {
  if (!stats || stats.ruleCreationTime !== rule._creationTime) return emptyCounters();
  const { _id, _creationTime, ruleId: _ruleId, ruleCreationTime: _r, ...counters } = stats;
  return counters;
}

/**
 * One run of the rollup loop: folds up to one batch of finished executions
 * into the rules' stats, moves the cursor, and schedules the next run (at
 * once when there is more, after an interval otherwise), or goes idle after
 * a few runs that found nothing. A run of a superseded loop does nothing.
 */
export const rollup = internalMutation({
  args: { generation: v.number(), batchSize: v.optional(v.number()) },
  returns: v.object({ folded: v.number(), more: v.boolean(), idle: v.boolean() }),
  handler: async (ctx, args) => {
    const status = await ctx.db.query("statsStatus").first();
    if (!status?.running || status.generation !== args.generation) {
      return { folded: 0, more: false, idle: true };
    }
    const now = Date.now();
    const state = await ctx.db.query("statsRollup").first();
    const { folded, more, cursor } = await foldBatch(ctx, cursorOf(state), args.batchSize ?? ROLLUP_BATCH);
    const emptyRuns = folded > 0 ? 0 : (state?.emptyRuns ?? 0) + 1;
    const fields = {
      ...(cursor ? { cursorTs: cursor.ts, cursorCreationTime: cursor.creationTime } : {}),
      emptyRuns,
      lastRunAt: now,
      folded: (state?.folded ?? 0) + folded,
    };
    if (state) await ctx.db.replace("statsRollup", state._id, fields);
    else await ctx.db.insert("statsRollup", fields);

    if (!more && emptyRuns >= ROLLUP_IDLE_AFTER) {
      // Before going idle, look past the snapshot bound: an execution that
      // finishes concurrently either is seen here, or conflicts with this
      // read (and this run retries), or commits after this run and then
      // reads `running: false` and wakes the loop again.
      const pending = await finishedAfter(ctx, cursor, null).next();
      if (pending.done) {
        await ctx.db.patch("statsStatus", status._id, { running: false });
        return { folded, more, idle: true };
      }
    }
    if (status.leaseUntil - now < ROLLUP_LEASE_MS / 2) {
      await ctx.db.patch("statsStatus", status._id, { leaseUntil: now + ROLLUP_LEASE_MS });
    }
    const next = { generation: args.generation, ...(args.batchSize === undefined ? {} : { batchSize: args.batchSize }) };
    await ctx.scheduler.runAfter(more ? 0 : ROLLUP_INTERVAL_MS, internal.executions.stats.rollup, next);
    return { folded, more, idle: false };
  },
});

/**
 * Folds executions finished after `cursor` and committed at or before this
 * transaction's snapshot: the bound keeps the scan's read set clear of
 * executions finishing meanwhile (they commit later, with larger
 * timestamps), so the rollup never conflicts with them.
 */
async function foldBatch(
  ctx: MutationCtx,
  cursor: Cursor,
  batchSize: number,
): Promise<{ folded: number; more: boolean; cursor: Cursor }> {
  const upTo = ctx.meta.getSnapshotTs();
  const byRule = new Map<string, Doc<"ruleExecutions">[]>();
  let folded = 0;
  let more = false;
  let last = cursor;
  for await (const execution of finishedAfter(ctx, cursor, upTo)) {
    if (folded >= batchSize || (await pastBudget(ctx))) {
      more = true;
      break;
    }
    folded++;
    last = { ts: execution.finishedTs as bigint, creationTime: execution._creationTime };
    const list = byRule.get(execution.ruleId) ?? [];
    list.push(execution);
    byRule.set(execution.ruleId, list);
  }
  for (const [ruleId, executions] of byRule) {
    const rule = await findRule(ctx, ruleId);
    // A deleted rule's executions are being deleted: nothing to count.
    if (!rule) continue;
    const stats = await findStats(ctx, ruleId);
    let counters = countersOf(stats, rule);
    const before = counters;
    for (const execution of executions) {
      if (countsFor(rule, execution)) counters = foldExecution(counters, execution);
    }
    if (counters === before) continue;
    const doc = { ruleId, ruleCreationTime: rule._creationTime, ...counters };
    if (stats) await ctx.db.replace("ruleStats", stats._id, doc);
    else await ctx.db.insert("ruleStats", doc);
  }
  return { folded, more, cursor: last };
}

/** Deletes a deleted rule's stats (called by `deleteRule`). */
export async function deleteRuleStats(ctx: MutationCtx, ruleId: string): Promise<void> {
  const stats = await findStats(ctx, ruleId);
  if (stats) await ctx.db.delete("ruleStats", stats._id);
}

// --- reading ---------------------------------------------------------------------

/**
 * A rule's stats: its `ruleStats` plus its executions finished since the
 * rollup's cursor, at most `TAIL_MAX` of them and while the transaction has
 * not passed the budget of growing reads (batches.ts). Null when there is
 * no such rule.
 */
async function statsOf(
  ctx: QueryCtx,
  ruleId: string,
  cursor: Cursor,
): Promise<RuleStats | null> {
  const rule = await findRule(ctx, ruleId);
  if (!rule) return null;
  let counters = countersOf(await findStats(ctx, ruleId), rule);
  let complete = true;
  let taken = 0;
  for await (const execution of finishedAfter(ctx, cursor, null, ruleId)) {
    if (taken >= TAIL_MAX || (await pastBudget(ctx))) {
      complete = false;
      break;
    }
    taken++;
    if (countsFor(rule, execution)) counters = foldExecution(counters, execution);
  }
  return toRuleStats(ruleId, counters, complete);
}

export function toRuleStats(ruleId: string, counters: StatsCounters, complete: boolean): RuleStats {
  const { totalDurationMs, timedRuns, lastRunAt, lastSuccessAt, lastFailureAt, lastError, ...counts } = counters;
  return {
    ruleId,
    ...counts,
    ...(lastRunAt === undefined ? {} : { lastRunAt }),
    ...(lastSuccessAt === undefined ? {} : { lastSuccessAt }),
    ...(lastFailureAt === undefined ? {} : { lastFailureAt }),
    ...(lastError === undefined ? {} : { lastError }),
    ...(timedRuns === 0 ? {} : { averageDurationMs: totalDurationMs / timedRuns }),
    complete,
  };
}

/**
 * A rule's stats: runs, outcomes, last run / success / failure, average
 * duration. One document plus the executions finished in the last seconds
 * (since the rollup's last run); null when there is no such rule.
 */
export const getRuleStats = query({
  args: { ruleId: v.string() },
  returns: v.union(vRuleStats, v.null()),
  handler: async (ctx, args) => {
    const cursor = cursorOf(await ctx.db.query("statsRollup").first());
    return await statsOf(ctx, args.ruleId, cursor);
  },
});

/**
 * The stats of up to 100 rules, in the order given (null for a rule that
 * does not exist). Fails with `INVALID_ARGUMENT` for more than 100.
 */
export const getRulesStats = query({
  args: { ruleIds: v.array(v.string()) },
  returns: v.array(v.union(vRuleStats, v.null())),
  handler: async (ctx, args) => {
    if (args.ruleIds.length > STATS_LIST_MAX) {
      fail("INVALID_ARGUMENT", `ruleIds: at most ${STATS_LIST_MAX} rules per call, got ${args.ruleIds.length}`, "ruleIds");
    }
    const cursor = cursorOf(await ctx.db.query("statsRollup").first());
    const results: Array<RuleStats | null> = [];
    for (const ruleId of args.ruleIds) results.push(await statsOf(ctx, ruleId, cursor));
    return results;
  },
});
