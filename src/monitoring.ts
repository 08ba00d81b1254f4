/**
 * Validators and types of rule stats, auto-disable and rule health, used on
 * both sides of the component boundary. Kept apart from shared.ts, which
 * only gains the fields these add to existing shapes (`vRule`,
 * `vDispatchOptions`).
 */
import { v, type Infer } from "convex/values";

/** Defaults of auto-disable; see `RulesOptions.autoDisable`. */
export const AUTO_DISABLE_DEFAULTS = {
  /** A rule is disabled after this many consecutive failed executions. */
  consecutiveFailures: 5,
  /** A FatalActionError disables the rule at once. */
  onFatal: true,
} as const;

/** Bounds of `consecutiveFailures` (0 means never). */
export const MAX_CONSECUTIVE_FAILURES = 1000;

/**
 * What a dispatch asks of stats and auto-disable, stored on an execution
 * only when it differs from the defaults (stats on, 5 failures, fatal on),
 * because its completion runs without the client.
 */
export const vMonitoring = v.object({
  /** false: the execution is not counted in stats (and its dispatch keeps no trigger activity). */
  stats: v.optional(v.boolean()),
  /** Consecutive failed executions that disable the rule; 0: never. */
  consecutiveFailures: v.optional(v.number()),
  /** Whether a FatalActionError disables the rule. */
  disableOnFatal: v.optional(v.boolean()),
});
export type Monitoring = Infer<typeof vMonitoring>;

/** Set when a rule was disabled automatically (executions/health.ts); cleared when it is enabled again. */
export const vAutoDisableMarks = v.object({
  /** True when the rule was disabled automatically (consecutive failures, a fatal error). */
  autoDisabled: v.optional(v.boolean()),
  /** Why it was disabled automatically, and when; cleared when it is enabled again. */
  disabledReason: v.optional(v.string()),
  disabledAt: v.optional(v.number()),
});

/** A rule's execution counts: what the `ruleStats` table stores and `getRuleStats` returns. */
const vRuleCounts = v.object({
  ruleId: v.string(),
  /** Finished executions: succeeded + failed + skipped + loopBlocked + other. */
  runs: v.number(),
  succeeded: v.number(),
  failed: v.number(),
  /** Conditions not met, or over the per-event limit. */
  skipped: v.number(),
  loopBlocked: v.number(),
  /** Any other final status (for example `rate_limited`). */
  other: v.number(),
  /** Failed executions since the last success, in the order they finished. */
  consecutiveFailures: v.number(),
  /** Start time of the newest counted execution. */
  lastRunAt: v.optional(v.number()),
  /** End time of the newest success / failure. */
  lastSuccessAt: v.optional(v.number()),
  lastFailureAt: v.optional(v.number()),
  /** The error of the newest failure (at most 1,000 characters). */
  lastError: v.optional(v.string()),
});

/** One rule's stats, as `getRuleStats` returns them. */
export const vRuleStats = v.object({
  ...vRuleCounts.fields,
  /** Mean of endTime - startTime over succeeded and failed executions. */
  averageDurationMs: v.optional(v.number()),
  /**
   * false when more executions finished since the last rollup than one read
   * takes in: the figures then leave out the newest of them.
   */
  complete: v.boolean(),
});
export type RuleStats = Infer<typeof vRuleStats>;

/**
 * A document of the `ruleStats` table: one rule's counts up to the rollup's
 * cursor, and the sums the average duration is computed from.
 */
export const vRuleStatsDoc = v.object({
  ...vRuleCounts.fields,
  /** `_creationTime` of the rule counted: a rule created again with the same id starts over. */
  ruleCreationTime: v.number(),
  /** Sum of endTime - startTime over `timedRuns` (succeeded and failed executions). */
  totalDurationMs: v.number(),
  timedRuns: v.number(),
});

export const vHealthProblem = v.union(
  /** Failed within `failedWithinMs`. */
  v.literal("failing"),
  /** Disabled automatically (consecutive failures or a fatal error). */
  v.literal("auto_disabled"),
  /** Enabled, not run for `idleDays` although events of its trigger type kept arriving. */
  v.literal("idle"),
);
export type HealthProblem = Infer<typeof vHealthProblem>;

/** A rule `getRuleHealth` reports, with what is wrong and the figures behind it. */
export const vRuleHealth = v.object({
  ruleId: v.string(),
  name: v.string(),
  enabled: v.boolean(),
  triggerType: v.string(),
  problems: v.array(vHealthProblem),
  ...vRuleCounts.pick(
    "failed",
    "consecutiveFailures",
    "lastRunAt",
    "lastSuccessAt",
    "lastFailureAt",
    "lastError",
  ).fields,
  ...vAutoDisableMarks.fields,
  /** When an event of the rule's trigger type last arrived (to the minute). */
  lastEventAt: v.optional(v.number()),
});
export type RuleHealth = Infer<typeof vRuleHealth>;

export const vRuleHealthReport = v.object({
  rules: v.array(vRuleHealth),
  /** Rules looked at by this call. */
  scanned: v.number(),
  isDone: v.boolean(),
  /** Pass as `cursor` to look at the next rules; null when done. */
  continueCursor: v.union(v.string(), v.null()),
});
export type RuleHealthReport = Infer<typeof vRuleHealthReport>;
