/**
 * Auto-disable and rule health.
 *
 * - When an execution finishes failed, the rule's newest executions (by
 *   start time, through `by_rule_start`) are checked: when the newest K
 *   runs of the rule's current version all failed, the rule is disabled.
 *   Reads at most a few times K documents; writes nothing shared unless it
 *   disables. Skipped and loop-blocked executions neither count nor break a
 *   streak; a success or a running execution breaks it; a new version (an
 *   edit, or enabling the rule again) starts a new streak.
 * - An action that throws a `FatalActionError` is not retried and disables
 *   its rule at once.
 * - A disabled rule records why and when (`disabledReason`, `disabledAt`,
 *   `autoDisabled`), loses its routes (as `disableRule` does), gets a new
 *   version (actor "rules:auto-disable"), and the execution's log says so.
 *   Enabling the rule again clears the marks.
 * - `getRuleHealth` lists the rules of a scope that failed recently, were
 *   disabled automatically, or are idle although events of their trigger
 *   type keep arriving (`triggerActivity`, written at most once a minute
 *   per trigger type).
 */
import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel.js";
import { query, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import {
  AUTO_DISABLE_DEFAULTS,
  MAX_CONSECUTIVE_FAILURES,
  vRuleHealthReport,
  type HealthProblem,
  type Monitoring,
  type RuleHealth,
} from "../../monitoring.js";
import type { RulesLogLevel } from "../../shared.js";
import { checkLimit, fail } from "../lib/errors.js";
import { appendLog } from "./records.js";
import { log } from "../lib/logging.js";
import { syncRoutes } from "../rules/routes.js";
import { recordVersion } from "../rules/versionDocs.js";
import { pingRollup, statsOn } from "./stats.js";
import { pastBudget } from "../lib/batches.js";

/** The actor of the versions auto-disable writes (versions.ts). */
export const AUTO_DISABLE_ACTOR = "rules:auto-disable";
/** Events of one trigger type update its `triggerActivity` row at most this often. */
export const TRIGGER_ACTIVITY_RESOLUTION_MS = 60 * 1000;
/** The consecutive-failure check reads at most this many executions per K... */
const SCAN_PER_FAILURE = 4;
/** ...and never more than this many. */
const SCAN_MAX = 400;

const DAY_MS = 24 * 60 * 60 * 1000;
export const HEALTH_DEFAULTS = {
  failedWithinMs: DAY_MS,
  idleDays: 7,
  limit: 200,
} as const;

// --- settings ------------------------------------------------------------------

/** Checks the monitoring settings a dispatch sends (`options.monitoring`). */
export function checkMonitoring(monitoring: Monitoring | undefined): void {
  const k = monitoring?.consecutiveFailures;
  if (k !== undefined && (!Number.isInteger(k) || k < 0 || k > MAX_CONSECUTIVE_FAILURES)) {
    const field = "options.monitoring.consecutiveFailures";
    fail("INVALID_ARGUMENT", `${field}: must be an integer from 0 to ${MAX_CONSECUTIVE_FAILURES}, got ${k}`, field);
  }
}

function consecutiveFailuresOf(monitoring: Monitoring | undefined): number {
  return monitoring?.consecutiveFailures ?? AUTO_DISABLE_DEFAULTS.consecutiveFailures;
}

export function disableOnFatal(monitoring: Monitoring | undefined): boolean {
  return monitoring?.disableOnFatal ?? AUTO_DISABLE_DEFAULTS.onFatal;
}

// --- what dispatch and completion call -------------------------------------------

type FinishedExecution = Pick<
  Doc<"ruleExecutions">,
  "_id" | "ruleId" | "ruleVersion" | "status" | "monitoring" | "logLevel" | "integrationId" | "namespace"
> &
  Partial<Pick<Doc<"ruleExecutions">, "startTime" | "endTime" | "error" | "eventId" | "slot" | "causedBy">>;

/** The console level of `execution.finished` for each final status. */
const FINISHED_LEVEL: Partial<Record<Doc<"ruleExecutions">["status"], RulesLogLevel>> = {
  succeeded: "INFO",
  failed: "WARN",
  rate_limited: "WARN",
  loop_blocked: "WARN",
  skipped: "DEBUG",
};

/** The console line of a finished execution (`execution.finished`, or `execution.loop_blocked`). */
function logFinished(execution: FinishedExecution): void {
  const { startTime, endTime } = execution;
  log(
    FINISHED_LEVEL[execution.status] ?? "INFO",
    execution.status === "loop_blocked" ? "execution.loop_blocked" : "execution.finished",
    {
      integrationId: execution.integrationId,
      namespace: execution.namespace,
      ruleId: execution.ruleId,
      ruleVersion: execution.ruleVersion,
      executionId: execution._id,
      eventId: execution.eventId,
      slot: execution.slot,
      causedBy: execution.causedBy,
      status: execution.status,
      durationMs: startTime !== undefined && endTime !== undefined ? endTime - startTime : undefined,
      error: execution.error,
    },
    execution.logLevel,
  );
}

/**
 * Called by every transaction that finishes an execution (at dispatch, or
 * when its last action completes): writes its console line, keeps the stats
 * rollup running, and after a failure checks the rule's streak of failures.
 */
export async function executionFinished(ctx: MutationCtx, execution: FinishedExecution): Promise<void> {
  logFinished(execution);
  if (statsOn(execution.monitoring)) await pingRollup(ctx);
  if (execution.status !== "failed") return;
  const k = consecutiveFailuresOf(execution.monitoring);
  if (k === 0) return;
  const rule = await findRule(ctx, execution.ruleId);
  if (!rule || !rule.enabled || rule.version !== execution.ruleVersion) return;
  if (!(await streakReached(ctx, rule, k))) return;
  await autoDisableRule(ctx, rule, {
    reason: `${k} consecutive failed execution${k === 1 ? "" : "s"}`,
    executionId: execution._id,
    kind: "consecutive_failures",
    logLevel: execution.logLevel,
  });
}

/**
 * Whether the newest `k` runs of the rule's current version (newest first
 * by start time, skipping executions whose conditions did not run them)
 * all failed. Reads at most `SCAN_PER_FAILURE * k` executions; skipped when
 * the transaction is past the budget of growing reads (batches.ts): the
 * next failure checks again.
 */
export async function streakReached(ctx: MutationCtx, rule: Doc<"rules">, k: number): Promise<boolean> {
  if (await pastBudget(ctx)) return false;
  const limit = Math.min(SCAN_MAX, Math.max(k, SCAN_PER_FAILURE * k));
  let failures = 0;
  let scanned = 0;
  const newest = ctx.db
    .query("ruleExecutions")
    .withIndex("by_rule_start", (q) => q.eq("ruleId", rule.id))
    .order("desc");
  for await (const execution of newest) {
    if (++scanned > limit) return false;
    // Another version (or an earlier rule with this id): the streak ends.
    if (execution.ruleVersion !== rule.version || execution._creationTime < rule._creationTime) {
      return false;
    }
    if (execution.status === "failed") {
      if (++failures >= k) return true;
    } else if (execution.status === "succeeded" || execution.status === "running") {
      return false;
    }
    // skipped, loop_blocked, rate_limited...: its actions did not run.
  }
  return false;
}

/**
 * An action failed with a FatalActionError: disables its rule at once
 * (unless the dispatch turned that off).
 */
export async function fatalActionFailed(
  ctx: MutationCtx,
  execution: FinishedExecution,
  action: { id: string; type: string },
  message: string,
): Promise<void> {
  if (!disableOnFatal(execution.monitoring)) return;
  const rule = await findRule(ctx, execution.ruleId);
  if (!rule || !rule.enabled) return;
  await autoDisableRule(ctx, rule, {
    reason: `fatal error in action ${action.id} (${action.type}): ${message}`,
    executionId: execution._id,
    kind: "fatal",
    logLevel: execution.logLevel,
  });
}

/** The longest `disabledReason` kept. */
const REASON_MAX_LENGTH = 1000;

/**
 * Disables a rule automatically: marks it (why and when), removes its
 * routes, records the new version, and logs on the execution that caused
 * it. A scheduled rule's pending fire finds the rule disabled and removes
 * its schedule (schedules.ts).
 */
export async function autoDisableRule(
  ctx: MutationCtx,
  rule: Doc<"rules">,
  cause: {
    reason: string;
    executionId: Id<"ruleExecutions">;
    kind: "consecutive_failures" | "fatal";
    logLevel?: RulesLogLevel;
  },
): Promise<void> {
  const now = Date.now();
  const reason = cause.reason.slice(0, REASON_MAX_LENGTH);
  const changes = {
    enabled: false,
    version: rule.version + 1,
    updatedAt: now,
    autoDisabled: true,
    disabledReason: reason,
    disabledAt: now,
  };
  await ctx.db.patch("rules", rule._id, changes);
  const updated = { ...rule, ...changes };
  await recordVersion(ctx, rule, updated, { operation: "disable", actor: AUTO_DISABLE_ACTOR });
  await syncRoutes(ctx, rule.id, updated);
  await appendLog(
    ctx,
    cause.executionId,
    {
      level: "error",
      component: "action",
      message: `Rule "${rule.name}" disabled automatically: ${reason}`,
      data: { ruleId: rule.id, kind: cause.kind, version: updated.version },
    },
    cause.logLevel,
  );
  log(
    "WARN",
    "rule.auto_disabled",
    {
      integrationId: rule.integrationId,
      namespace: rule.namespace,
      ruleId: rule.id,
      executionId: cause.executionId,
      kind: cause.kind,
      reason,
    },
    cause.logLevel,
  );
}

/**
 * The auto-disable marks a rule keeps when it is written with `enabled`:
 * kept while it stays disabled, cleared (undefined) when it is enabled.
 * Used by rules.ts, whose writes replace whole rule documents.
 */
export function disableMarksAfter(
  doc: Pick<Doc<"rules">, "autoDisabled" | "disabledReason" | "disabledAt">,
  enabled: boolean,
): Pick<Doc<"rules">, "autoDisabled" | "disabledReason" | "disabledAt"> {
  if (enabled) return { autoDisabled: undefined, disabledReason: undefined, disabledAt: undefined };
  return {
    ...(doc.autoDisabled === undefined ? {} : { autoDisabled: doc.autoDisabled }),
    ...(doc.disabledReason === undefined ? {} : { disabledReason: doc.disabledReason }),
    ...(doc.disabledAt === undefined ? {} : { disabledAt: doc.disabledAt }),
  };
}

// --- trigger activity --------------------------------------------------------------

type Scope = { integrationId: string; namespace: string; triggerType: string };

/**
 * Called once per dispatched event: checks the monitoring settings and
 * notes that an event of this trigger type arrived. The row is written at
 * most once a minute per trigger type (read by every event), so concurrent
 * events share a write at most once a minute.
 */
export async function noteEvent(ctx: MutationCtx, scope: Scope, monitoring: Monitoring | undefined) {
  checkMonitoring(monitoring);
  if (!statsOn(monitoring)) return;
  const row = await activityRow(ctx, scope);
  const now = Date.now();
  if (row && now - row.lastEventAt < TRIGGER_ACTIVITY_RESOLUTION_MS) return;
  if (row) await ctx.db.patch("triggerActivity", row._id, { lastEventAt: now });
  else await ctx.db.insert("triggerActivity", { ...scope, lastEventAt: now });
}

async function activityRow(ctx: QueryCtx, scope: Scope) {
  return await ctx.db
    .query("triggerActivity")
    .withIndex("by_trigger", (q) =>
      q
        .eq("integrationId", scope.integrationId)
        .eq("namespace", scope.namespace)
        .eq("triggerType", scope.triggerType),
    )
    .unique();
}

// --- health --------------------------------------------------------------------------

async function findRule(ctx: QueryCtx, ruleId: string): Promise<Doc<"rules"> | null> {
  return await ctx.db
    .query("rules")
    .withIndex("by_rule_id", (q) => q.eq("id", ruleId))
    .unique();
}

/**
 * The rules of one integration and namespace that need attention: failed
 * within `failedWithinMs` (default 24 hours), disabled automatically, or
 * enabled but not run for `idleDays` (default 7) although events of their
 * trigger type kept arriving. Looks at up to `limit` rules (default 200, at
 * most 1,000) in creation order from `cursor`, reading one small stats
 * document per rule (and an execution for idle candidates); stops earlier
 * when it has read 8 MiB. Continue with `continueCursor` until `isDone`.
 */
export const getRuleHealth = query({
  args: {
    integrationId: v.string(),
    namespace: v.optional(v.string()),
    failedWithinMs: v.optional(v.number()),
    idleDays: v.optional(v.number()),
    limit: v.optional(v.number()),
    cursor: v.optional(v.union(v.string(), v.null())),
  },
  returns: vRuleHealthReport,
  handler: async (ctx, args) => {
    const namespace = args.namespace ?? "";
    const limit = checkLimit(args.limit, HEALTH_DEFAULTS.limit);
    const failedWithinMs = args.failedWithinMs ?? HEALTH_DEFAULTS.failedWithinMs;
    const idleDays = args.idleDays ?? HEALTH_DEFAULTS.idleDays;
    if (!Number.isFinite(failedWithinMs) || failedWithinMs < 0) {
      fail("INVALID_ARGUMENT", "failedWithinMs: must be a number of milliseconds, 0 or more", "failedWithinMs");
    }
    if (!Number.isFinite(idleDays) || idleDays <= 0) {
      fail("INVALID_ARGUMENT", "idleDays: must be a number of days above 0", "idleDays");
    }
    let after: number | null = null;
    if (args.cursor !== undefined && args.cursor !== null) {
      after = Number(args.cursor);
      if (!Number.isFinite(after)) fail("INVALID_ARGUMENT", "cursor: not a cursor of getRuleHealth", "cursor");
    }
    const now = Date.now();
    const idleMs = idleDays * DAY_MS;
    const activity = new Map<string, number | undefined>();
    const lastEventOf = async (triggerType: string) => {
      if (!activity.has(triggerType)) {
        const row = await activityRow(ctx, { integrationId: args.integrationId, namespace, triggerType });
        activity.set(triggerType, row?.lastEventAt);
      }
      return activity.get(triggerType);
    };

    const rules = ctx.db
      .query("rules")
      .withIndex("by_scope", (q) => {
        const scope = q.eq("integrationId", args.integrationId).eq("namespace", namespace);
        return after === null ? scope : scope.gt("_creationTime", after);
      });
    const report: RuleHealth[] = [];
    let scanned = 0;
    let lastSeen: number | null = after;
    let isDone = true;
    for await (const rule of rules) {
      if (scanned >= limit || (await pastBudget(ctx))) {
        isDone = false;
        break;
      }
      scanned++;
      lastSeen = rule._creationTime;
      const stats = await ctx.db
        .query("ruleStats")
        .withIndex("by_rule", (q) => q.eq("ruleId", rule.id))
        .unique();
      const counted = stats && stats.ruleCreationTime === rule._creationTime ? stats : null;
      const problems: HealthProblem[] = [];
      if (counted?.lastFailureAt !== undefined && counted.lastFailureAt >= now - failedWithinMs) {
        problems.push("failing");
      }
      if (!rule.enabled && rule.autoDisabled) problems.push("auto_disabled");
      let lastRunAt = counted?.lastRunAt;
      const lastEventAt = rule.schedule === undefined ? await lastEventOf(rule.triggerType) : undefined;
      if (rule.enabled && lastEventAt !== undefined && lastEventAt >= now - idleMs) {
        const quietSince = lastRunAt ?? rule.updatedAt;
        if (quietSince < now - idleMs) {
          // The stats lag by seconds and leave out running executions:
          // the newest execution has the last word.
          const newest = await ctx.db
            .query("ruleExecutions")
            .withIndex("by_rule_start", (q) => q.eq("ruleId", rule.id))
            .order("desc")
            .first();
          if (newest && newest._creationTime >= rule._creationTime) {
            lastRunAt = Math.max(lastRunAt ?? newest.startTime, newest.startTime);
          }
          const since = lastRunAt ?? rule.updatedAt;
          if (since < now - idleMs && lastEventAt > since) problems.push("idle");
        }
      }
      if (problems.length === 0) continue;
      report.push({
        ruleId: rule.id,
        name: rule.name,
        enabled: rule.enabled,
        triggerType: rule.triggerType,
        problems,
        failed: counted?.failed ?? 0,
        consecutiveFailures: counted?.consecutiveFailures ?? 0,
        ...(lastRunAt === undefined ? {} : { lastRunAt }),
        ...(counted?.lastSuccessAt === undefined ? {} : { lastSuccessAt: counted.lastSuccessAt }),
        ...(counted?.lastFailureAt === undefined ? {} : { lastFailureAt: counted.lastFailureAt }),
        ...(counted?.lastError === undefined ? {} : { lastError: counted.lastError }),
        ...(rule.autoDisabled === undefined ? {} : { autoDisabled: rule.autoDisabled }),
        ...(rule.disabledReason === undefined ? {} : { disabledReason: rule.disabledReason }),
        ...(rule.disabledAt === undefined ? {} : { disabledAt: rule.disabledAt }),
        ...(lastEventAt === undefined ? {} : { lastEventAt }),
      });
    }
    return {
      rules: report,
      scanned,
      isDone,
      continueCursor: isDone || lastSeen === null ? null : String(lastSeen),
    };
  },
});
