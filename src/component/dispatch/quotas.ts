/**
 * Quotas: per integration and namespace, optional limits of action runs per
 * minute, hour and month, counted by the component's own
 * @convex-dev/rate-limiter (a child component, see convex.config.ts).
 *
 * - The unit is one action run: a token is taken when an action starts (its
 *   first attempt is handed to workpool), in the transaction that starts it.
 *   Retries, and later attempts a handler asked for (Retry-After), are the
 *   same run and take nothing; actions that fail before running (no
 *   handler, a bad template) take nothing.
 * - The first action of an execution starts in the dispatch transaction, so
 *   an execution over quota is recorded `rate_limited` up front, with no
 *   action run. There is no separate check of all of a rule's actions at
 *   dispatch: a check that reserves nothing is racy, and reserving one token
 *   per action would count actions that never run (skipped after a
 *   failure). An execution whose later action is over quota stops there,
 *   `rate_limited`, keeping what its earlier actions did.
 * - Windows are fixed windows aligned to the epoch: minutes and hours of the
 *   UTC clock, and "months" of 30 days from 1970-01-01 (the rate limiter has
 *   fixed periods, not calendar months; see docs/operations.md#quotas).
 * - whenExceeded "reject": the execution is recorded `rate_limited` and the
 *   action (and the rest) do not run; `replayExecution` runs them later.
 *   "wait": the token is reserved in a later window (at most one window
 *   ahead per limit) and the action starts then; beyond that, rejected.
 * - With several limits, the tokens are taken all or none (a nested
 *   mutation that throws rolls back the ones it took).
 * - A limit of 20 or more is split over several counters (shards, see
 *   `quotaShards`), each holding its share of the window: a start takes a
 *   token from one, so concurrent dispatches of one namespace mostly touch
 *   different documents instead of all conflicting on one. A start tries
 *   its shard first and the others after it only when that one is used up,
 *   so the limit stays exact: refused only when every shard is used up.
 */
import { ConvexError, v, type Infer } from "convex/values";
import { calculateRateLimit } from "@convex-dev/rate-limiter";
import { components, internal } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import {
  internalMutation,
  mutation,
  query,
  type MutationCtx,
  type QueryCtx,
} from "../_generated/server.js";
import {
  vQuota,
  vQuotaStatus,
  vQuotaWindow,
  vWhenExceeded,
  type Quota,
  type QuotaWindow,
  type RulesLogLevel,
} from "../../shared.js";
import { idFormatProblem } from "../../core/conditions.js";
import { fail } from "../lib/errors.js";
import { log } from "../lib/logging.js";
import type { Advance } from "./actions.js";

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The length of each window; a "month" is 30 days. */
export const QUOTA_WINDOW_MS: Record<QuotaWindow, number> = {
  minute: MINUTE,
  hour: HOUR,
  month: 30 * DAY,
};
const WINDOW_FIELD = { minute: "perMinute", hour: "perHour", month: "perMonth" } as const;
const WINDOW_LABEL = { minute: "per-minute", hour: "per-hour", month: "per-month (30 days)" } as const;
const WINDOWS: QuotaWindow[] = ["minute", "hour", "month"];
/** The largest limit a window may have. */
export const QUOTA_MAX = 1_000_000_000;
/** A limit is split over at most this many counters... */
export const QUOTA_MAX_SHARDS = 16;
/** ...each holding at least this many of the window's runs. */
export const QUOTA_MIN_PER_SHARD = 10;
const QUOTA_EXCEEDED = "convex-rules:quotaExceeded";

type Scope = { integrationId: string; namespace: string };
type Exceeded = { window: QuotaWindow; limit: number; retryAfter: number };
type Taken = { ok: true; waitMs: number; window?: QuotaWindow; limit?: number } | ({ ok: false } & Exceeded);

/** One limit of a quota: its window, its runs per window, and how many counters share them. */
const vLimit = v.object({
  window: vQuotaWindow,
  limit: v.number(),
  shards: v.number(),
  /** With "wait", a shard may reserve its share of the next window too. */
  reserve: v.boolean(),
});
type Limit = Infer<typeof vLimit>;
/** A shard's counter, as the rate limiter takes it. */
type ShardConfig = {
  kind: "fixed window";
  rate: number;
  period: number;
  start: number;
  maxReserved?: number;
};

/**
 * Sets the quota of one namespace of an integration, or (no `namespace`)
 * the integration's default, which applies to each namespace without a
 * quota of its own, counted for each namespace apart. Replaces the previous
 * quota of that scope; at least one limit is required (`removeQuota`
 * removes one). Limits are integers from 1 to 1,000,000,000; counts already
 * made in the current windows are kept (those of the counters the old and
 * new split share, see `quotaShards`). Returns the quota as stored.
 */
export const setQuota = mutation({
  args: {
    integrationId: v.string(),
    namespace: v.optional(v.string()),
    perMinute: v.optional(v.number()),
    perHour: v.optional(v.number()),
    perMonth: v.optional(v.number()),
    /** Default "reject". */
    whenExceeded: v.optional(vWhenExceeded),
  },
  returns: vQuota,
  handler: async (ctx, args) => {
    checkScope(args);
    const limits: Partial<Record<"perMinute" | "perHour" | "perMonth", number>> = {};
    for (const window of WINDOWS) {
      const field = WINDOW_FIELD[window];
      const value = args[field];
      if (value === undefined) continue;
      if (!Number.isInteger(value) || value < 1 || value > QUOTA_MAX) {
        fail("INVALID_ARGUMENT", `${field}: must be an integer from 1 to ${QUOTA_MAX}, got ${value}`, field);
      }
      limits[field] = value;
    }
    if (Object.keys(limits).length === 0) {
      fail(
        "INVALID_ARGUMENT",
        "perMinute: set at least one of perMinute, perHour, perMonth (removeQuota removes a quota)",
        "perMinute",
      );
    }
    const row = {
      integrationId: args.integrationId,
      namespace: args.namespace ?? null,
      ...limits,
      whenExceeded: args.whenExceeded ?? "reject",
      updatedAt: Date.now(),
    };
    const existing = await findQuota(ctx, args.integrationId, row.namespace);
    if (existing) await ctx.db.replace("quotas", existing._id, row);
    else await ctx.db.insert("quotas", row);
    return toQuota(row);
  },
});

/** Removes the quota of a namespace (or the integration's default); false when there was none. */
export const removeQuota = mutation({
  args: { integrationId: v.string(), namespace: v.optional(v.string()) },
  returns: v.boolean(),
  handler: async (ctx, args) => {
    checkScope(args);
    const existing = await findQuota(ctx, args.integrationId, args.namespace ?? null);
    if (!existing) return false;
    await ctx.db.delete("quotas", existing._id);
    return true;
  },
});

/** The quota set for a namespace (or, without `namespace`, the integration's default), or null. */
export const getQuota = query({
  args: { integrationId: v.string(), namespace: v.optional(v.string()) },
  returns: v.union(vQuota, v.null()),
  handler: async (ctx, args) => {
    const row = await findQuota(ctx, args.integrationId, args.namespace ?? null);
    return row ? toQuota(row) : null;
  },
});

/**
 * The quota in force for a namespace (default "") - its own, else the
 * integration's default - and the action runs counted in each current
 * window; null when no quota applies.
 */
export const getQuotaUsage = query({
  args: { integrationId: v.string(), namespace: v.optional(v.string()) },
  returns: v.union(vQuotaStatus, v.null()),
  handler: async (ctx, args) => {
    const scope = { integrationId: args.integrationId, namespace: args.namespace ?? "" };
    const row = await quotaInForce(ctx, scope);
    if (!row) return null;
    const now = Date.now();
    const windows = [];
    for (const limit of limitsOf(row)) {
      // Every shard's count, summed: the usage is exact however the limit is split.
      let value = 0;
      let remaining = 0;
      let windowStart = 0;
      for (let shard = 0; shard < limit.shards; shard++) {
        const config = shardConfig(limit, shard);
        const stored = await ctx.runQuery(components.rateLimiter.lib.getValue, {
          name: limitName(limit.window),
          key: shardKey(scope, shard),
          config,
        });
        const current = calculateRateLimit({ value: stored.value, ts: stored.ts }, config, now, 0);
        value += current.value;
        remaining += Math.max(0, current.value);
        windowStart = current.ts;
      }
      windows.push({
        window: limit.window,
        limit: limit.limit,
        used: limit.limit - value,
        remaining,
        windowStart,
        windowEnd: windowStart + QUOTA_WINDOW_MS[limit.window],
      });
    }
    return { quota: toQuota(row), inherited: row.namespace === null, windows };
  },
});

/**
 * Takes one token of each limit, all or none: throws (rolling back the
 * tokens it took) when a limit refuses. Returns the longest wait (with
 * `reserve`) and the limit that asked for it.
 */
export const takeTokens = internalMutation({
  args: {
    integrationId: v.string(),
    namespace: v.string(),
    limits: v.array(vLimit),
    /** In [0, 1): which shard of each limit to try first. */
    shardPick: v.number(),
  },
  returns: v.object({ waitMs: v.number(), window: v.optional(vQuotaWindow), limit: v.optional(v.number()) }),
  handler: async (ctx, args) => {
    let longest: { waitMs: number; window?: QuotaWindow; limit?: number } = { waitMs: 0 };
    for (const limit of args.limits) {
      const taken = await takeOne(ctx, args, limit, args.shardPick);
      if (!taken.ok) {
        const { ok: _ok, ...exceeded } = taken;
        throw new ConvexError({ kind: QUOTA_EXCEEDED, ...exceeded });
      }
      if (taken.waitMs > longest.waitMs) longest = taken;
    }
    return longest;
  },
});

/**
 * Applies the quota of the execution's namespace to the action `step`
 * starts (from `advance`): unchanged when no quota applies or a token was
 * free; starting later (its `runAt`) when it waits; or finished as
 * `rate_limited`, the action and the rest skipped, when it is refused.
 */
export async function applyQuota(
  ctx: MutationCtx,
  scope: Scope & { logLevel?: RulesLogLevel },
  step: Advance,
): Promise<Advance> {
  if (!step.start) return step;
  const state = await stateFor(ctx, scope);
  if (!state.quota) return step;
  // Within one transaction a refused limit stays refused: later starts of
  // the same dispatch do not ask again.
  const taken: Taken = state.refused
    ? { ok: false, ...state.refused }
    : await take(ctx, state.quota, scope, state.shardPick);
  const fields = {
    integrationId: scope.integrationId,
    namespace: scope.namespace,
    actionId: step.start.actionId,
    window: taken.window,
    limit: taken.limit,
  };
  if (!taken.ok) {
    state.refused = { window: taken.window, limit: taken.limit, retryAfter: taken.retryAfter };
    log("WARN", "quota.exceeded", { ...fields, retryAfterMs: taken.retryAfter }, scope.logLevel);
    return refusedStep(step, scope, taken);
  }
  if (taken.waitMs <= 0) return step;
  log("INFO", "quota.wait", { ...fields, waitMs: taken.waitMs }, scope.logLevel);
  return waitingStep(step, taken.waitMs, taken.window, taken.limit);
}

// --- helpers ---------------------------------------------------------------

/**
 * `shardPick` is drawn once per transaction, so that the starts of one
 * dispatch use the same shard while it has tokens, and touch one counter.
 */
type QuotaState = { quota: Doc<"quotas"> | null; refused?: Exceeded; shardPick: number };
/** The quota of each scope, read once per transaction (keyed by its ctx). */
const states = new WeakMap<object, Map<string, QuotaState>>();

async function stateFor(ctx: MutationCtx, scope: Scope): Promise<QuotaState> {
  let byScope = states.get(ctx);
  if (!byScope) {
    byScope = new Map();
    states.set(ctx, byScope);
  }
  const key = quotaKey(scope);
  let state = byScope.get(key);
  if (!state) {
    state = { quota: await quotaInForce(ctx, scope), shardPick: Math.random() };
    byScope.set(key, state);
  }
  return state;
}

async function findQuota(
  ctx: QueryCtx,
  integrationId: string,
  namespace: string | null,
): Promise<Doc<"quotas"> | null> {
  return await ctx.db
    .query("quotas")
    .withIndex("by_scope", (q) => q.eq("integrationId", integrationId).eq("namespace", namespace))
    .unique();
}

/** The namespace's own quota, else the integration's default. */
async function quotaInForce(ctx: QueryCtx, scope: Scope): Promise<Doc<"quotas"> | null> {
  return (
    (await findQuota(ctx, scope.integrationId, scope.namespace)) ??
    (await findQuota(ctx, scope.integrationId, null))
  );
}

function checkScope(args: { integrationId: string; namespace?: string }) {
  const problem = idFormatProblem(args.integrationId);
  if (problem) fail("INVALID_ARGUMENT", `integrationId: ${problem}`, "integrationId");
  if (args.namespace) {
    const nsProblem = idFormatProblem(args.namespace);
    if (nsProblem) fail("INVALID_ARGUMENT", `namespace: ${nsProblem}`, "namespace");
  }
}

function toQuota(row: Omit<Doc<"quotas">, "_id" | "_creationTime">): Quota {
  return {
    integrationId: row.integrationId,
    ...(row.namespace === null ? {} : { namespace: row.namespace }),
    ...(row.perMinute === undefined ? {} : { perMinute: row.perMinute }),
    ...(row.perHour === undefined ? {} : { perHour: row.perHour }),
    ...(row.perMonth === undefined ? {} : { perMonth: row.perMonth }),
    whenExceeded: row.whenExceeded,
    updatedAt: row.updatedAt,
  };
}

/** The rate limiter's name of a window's limit; the key names the namespace. */
function limitName(window: QuotaWindow): string {
  return `rules:quota:${window}`;
}

function quotaKey(scope: Scope): string {
  return JSON.stringify([scope.integrationId, scope.namespace]);
}

/** Shard 0 keeps the namespace's key, so an unsplit limit counts on as before. */
function shardKey(scope: Scope, shard: number): string {
  return shard === 0 ? quotaKey(scope) : JSON.stringify([scope.integrationId, scope.namespace, shard]);
}

/**
 * How many counters a limit is split over: one per 10 runs of the window,
 * from 1 (limits under 20) to 16 (limits of 160 and more). Each shard keeps
 * at least 10 runs, so a start rarely finds its shard used up while others
 * have room (it then reads the others, one by one); 16 keeps the reads of a
 * refused start, and of `getQuotaUsage`, small.
 */
export function quotaShards(limit: number): number {
  return Math.max(1, Math.min(QUOTA_MAX_SHARDS, Math.floor(limit / QUOTA_MIN_PER_SHARD)));
}

/**
 * A shard's counter as a fixed-window rate limit: its share of the runs
 * (the remainder of an uneven split goes to the first shards, so the shares
 * add up to the limit), no rollover (capacity = rate), windows aligned to
 * the epoch (`start: 0`); with "wait", at most one window's share reserved
 * ahead.
 */
function shardConfig({ window, limit, shards, reserve }: Limit, shard: number): ShardConfig {
  const share = Math.floor(limit / shards) + (shard < limit % shards ? 1 : 0);
  return {
    kind: "fixed window",
    rate: share,
    period: QUOTA_WINDOW_MS[window],
    start: 0,
    ...(reserve ? { maxReserved: share } : {}),
  };
}

function limitsOf(quota: Doc<"quotas">): Limit[] {
  const limits: Limit[] = [];
  for (const window of WINDOWS) {
    const limit = quota[WINDOW_FIELD[window]];
    if (limit === undefined) continue;
    limits.push({ window, limit, shards: quotaShards(limit), reserve: quota.whenExceeded === "wait" });
  }
  return limits;
}

/**
 * One token of a limit: from the first shard (`shardPick` of them) that has
 * one, trying the next ones in turn; with "wait", when none has, a
 * reservation in the first that can still reserve. Refused when no shard
 * can, so the split never refuses a run the limit has room for.
 */
async function takeOne(ctx: MutationCtx, scope: Scope, limit: Limit, shardPick: number): Promise<Taken> {
  const { window, shards } = limit;
  const first = Math.min(shards - 1, Math.floor(shardPick * shards));
  // One shard reserves in the same call; several first look for a free token.
  const passes = limit.reserve && shards > 1 ? [false, true] : [limit.reserve];
  let retryAfter = Infinity;
  for (const reserve of passes) {
    for (let i = 0; i < shards; i++) {
      const shard = (first + i) % shards;
      const status = await ctx.runMutation(components.rateLimiter.lib.rateLimit, {
        name: limitName(window),
        key: shardKey(scope, shard),
        config: shardConfig(limit, shard),
        ...(reserve ? { reserve: true } : {}),
      });
      if (status.ok) return { ok: true, waitMs: status.retryAfter ?? 0, window, limit: limit.limit };
      retryAfter = Math.min(retryAfter, status.retryAfter);
    }
  }
  return { ok: false, window, limit: limit.limit, retryAfter };
}

/** One token of every limit of the quota (one call when there is one limit). */
async function take(ctx: MutationCtx, quota: Doc<"quotas">, scope: Scope, shardPick: number): Promise<Taken> {
  const limits = limitsOf(quota);
  if (limits.length === 1) return await takeOne(ctx, scope, limits[0]!, shardPick);
  try {
    const longest = await ctx.runMutation(internal.dispatch.quotas.takeTokens, {
      integrationId: scope.integrationId,
      namespace: scope.namespace,
      limits,
      shardPick,
    });
    return { ok: true, ...longest };
  } catch (error) {
    const data = error instanceof ConvexError ? (error.data as Record<string, unknown>) : null;
    if (data?.["kind"] !== QUOTA_EXCEEDED) throw error;
    return {
      ok: false,
      window: data["window"] as QuotaWindow,
      limit: data["limit"] as number,
      retryAfter: data["retryAfter"] as number,
    };
  }
}

function duration(ms: number): string {
  if (ms < MINUTE) return `${Math.ceil(ms / 1000)} s`;
  if (ms < HOUR) return `${Math.ceil(ms / MINUTE)} min`;
  if (ms < 2 * DAY) return `${Math.round((ms / HOUR) * 10) / 10} h`;
  return `${Math.round((ms / DAY) * 10) / 10} days`;
}

function scopeText(scope: Scope): string {
  return `integration "${scope.integrationId}"${scope.namespace ? `, namespace "${scope.namespace}"` : ""}`;
}

/** The step, with its action starting `waitMs` from now. */
function waitingStep(step: Advance, waitMs: number, window?: QuotaWindow, limit?: number): Advance {
  const start = step.start!;
  const runAt = Date.now() + waitMs;
  const actions = step.actions.map((a, i) => (i === start.index ? { ...a, startedAt: runAt } : a));
  const action = actions[start.index]!;
  const why = window ? `the ${WINDOW_LABEL[window]} quota of ${limit} action runs is used up` : "over quota";
  return {
    ...step,
    actions,
    start: { ...start, runAt },
    logs: [
      ...step.logs,
      {
        level: "warn",
        component: "action",
        componentId: action.id,
        message: `Quota: action ${action.id} (${action.type}) waits ${duration(waitMs)}: ${why}; it starts at ${new Date(runAt).toISOString()}`,
        data: { window, limit, waitMs, runAt },
      },
    ],
  };
}

/** The step, finished as `rate_limited`: the action and the ones after it do not run. */
function refusedStep(step: Advance, scope: Scope, exceeded: Exceeded): Advance {
  const index = step.start!.index;
  const { window, limit, retryAfter } = exceeded;
  const reason = `the ${WINDOW_LABEL[window]} quota of ${limit} action runs of ${scopeText(scope)} is used up (the next window opens in ${duration(retryAfter)})`;
  const actions = step.actions.map((action, i) => {
    if (i === index) {
      const { startedAt: _startedAt, ...rest } = action;
      return { ...rest, status: "skipped" as const, error: `not run: ${reason}` };
    }
    return i > index && action.status === "pending" ? { ...action, status: "skipped" as const } : action;
  });
  const action = actions[index]!;
  const resultData: Record<string, unknown> = {};
  for (const a of actions) if (a.status === "succeeded") resultData[a.id] = a.result ?? null;
  return {
    actions,
    finish: {
      status: "rate_limited",
      successful: false,
      endTime: Date.now(),
      resultData,
      error: `action ${action.id} (${action.type}) not run: ${reason}`,
    },
    logs: [
      ...step.logs,
      {
        level: "warn",
        component: "action",
        componentId: action.id,
        message: `Quota: action ${action.id} (${action.type}) not run: ${reason}`,
        data: { window, limit, retryAfterMs: retryAfter },
      },
    ],
  };
}
