/**
 * Retention of executions: the defaults, the bounds of each setting, how
 * settings inherit (rule, namespace, integration, defaults) and which
 * execution statuses the cleanup deletes and after how long. Pure: used by
 * the component (retention.ts, cleanup.ts) and by the client's types.
 */
import { v, type Infer } from "convex/values";
import { vExecutionStatus, vRulesLogLevel, type ExecutionStatus } from "../shared.js";

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What applies where nothing is set: executions are kept 14 days, failures
 * 30 days, and at most 100 executions per rule per status.
 */
export const RETENTION_DEFAULTS = { days: 14, failedDays: 30, maxPerOutcome: 100 } as const;

/**
 * How long `processedEvents` (the delivery ids `execute` deduplicates on) are
 * kept: a redelivery within this window runs nothing. monday.com retries a
 * webhook for 30 minutes; most providers for hours, none for a week.
 */
export const PROCESSED_EVENTS_RETENTION_DAYS = 7;

/** Allowed values: days from one hour to ten years, counts from 0 to 10,000. */
export const RETENTION_BOUNDS = {
  days: { min: 1 / 24, max: 3650, integer: false },
  failedDays: { min: 1 / 24, max: 3650, integer: false },
  maxPerOutcome: { min: 0, max: 10_000, integer: true },
} as const;

export type RetentionField = keyof typeof RETENTION_BOUNDS;
export const RETENTION_FIELDS = Object.keys(RETENTION_BOUNDS) as RetentionField[];

/** Where an effective setting came from, narrowest first. */
export const vRetentionSource = v.union(
  v.literal("rule"),
  v.literal("namespace"),
  v.literal("integration"),
  v.literal("default"),
);
export type RetentionSource = Infer<typeof vRetentionSource>;

/** Settings as stored at one scope: an absent field inherits. */
export const vRetentionValues = v.object({
  days: v.optional(v.number()),
  failedDays: v.optional(v.number()),
  maxPerOutcome: v.optional(v.number()),
});
export type RetentionValues = Infer<typeof vRetentionValues>;

/** The settings in force for a scope, and where each came from. */
export const vEffectiveRetention = v.object({
  /** Days a finished execution is kept (failures: `failedDays`). */
  days: v.number(),
  /** Days a `failed` or `loop_blocked` execution is kept. */
  failedDays: v.number(),
  /** Executions kept per rule per status, newest first. */
  maxPerOutcome: v.number(),
  sources: v.object({
    days: vRetentionSource,
    failedDays: vRetentionSource,
    maxPerOutcome: vRetentionSource,
  }),
  /** What is stored at exactly the scope asked for (null: nothing). */
  stored: v.union(vRetentionValues, v.null()),
});
export type EffectiveRetention = Infer<typeof vEffectiveRetention>;

/** One stored settings row, as `listRetention` returns it. */
export const vRetentionRow = v.object({
  integrationId: v.string(),
  /** null: every namespace of the integration. */
  namespace: v.union(v.string(), v.null()),
  /** null: every rule of the scope. */
  ruleId: v.union(v.string(), v.null()),
  days: v.optional(v.number()),
  failedDays: v.optional(v.number()),
  maxPerOutcome: v.optional(v.number()),
  updatedAt: v.number(),
});
export type RetentionRow = Infer<typeof vRetentionRow>;

/** A problem with a settings value, or null. */
export function retentionValueProblem(field: RetentionField, value: number): string | null {
  const { min, max, integer } = RETENTION_BOUNDS[field];
  const ok = integer ? Number.isInteger(value) : Number.isFinite(value);
  if (!ok || value < min || value > max) {
    const range = field === "maxPerOutcome" ? `${min} to ${max}` : `${min.toFixed(4)} (one hour) to ${max}`;
    return `must be ${integer ? "an integer" : "a number"} from ${range}, got ${value}`;
  }
  return null;
}

/**
 * The effective settings from the stored rows of a scope, narrowest first
 * (rule, namespace, integration; any may be missing). A field takes the
 * first value set. `failedDays` left at its default is never shorter than
 * `days`: failures are kept at least as long as successes.
 */
export function resolveRetention(
  levels: Array<{ source: Exclude<RetentionSource, "default">; values: RetentionValues | null }>,
): Omit<EffectiveRetention, "stored"> {
  const pick = (field: RetentionField): { value: number; source: RetentionSource } => {
    for (const level of levels) {
      const value = level.values?.[field];
      if (value !== undefined) return { value, source: level.source };
    }
    return { value: RETENTION_DEFAULTS[field], source: "default" };
  };
  const days = pick("days");
  const failedDays = pick("failedDays");
  const maxPerOutcome = pick("maxPerOutcome");
  return {
    days: days.value,
    failedDays:
      failedDays.source === "default" ? Math.max(failedDays.value, days.value) : failedDays.value,
    maxPerOutcome: maxPerOutcome.value,
    sources: { days: days.source, failedDays: failedDays.source, maxPerOutcome: maxPerOutcome.source },
  };
}

/**
 * The statuses the cleanup deletes, each counted apart per rule (so a flood
 * of one outcome never evicts another): every stored status but "running"
 * (an execution in progress is never deleted). "duplicate" only ever appears
 * in `execute`'s answer, never in the table. Derived from the validator, so
 * a status added later is cleaned too (with `days`).
 */
export const RETAINED_STATUSES: ExecutionStatus[] = vExecutionStatus.members
  .map((member) => member.value)
  .filter((status) => status !== "running" && status !== "duplicate");

/**
 * Statuses kept `failedDays`: a failure, and a refusal by loop protection
 * (which also means a rule needs fixing). `skipped` and `rate_limited` are
 * expected outcomes and are kept `days`, like successes.
 */
export const FAILURE_STATUSES: ReadonlySet<ExecutionStatus> = new Set(["failed", "loop_blocked"]);

/** Executions of this status that started before the returned time are deleted. */
export function ageCutoff(
  status: ExecutionStatus,
  settings: Pick<EffectiveRetention, "days" | "failedDays">,
  now: number,
): number {
  const days = FAILURE_STATUSES.has(status) ? settings.failedDays : settings.days;
  return now - days * DAY_MS;
}

// --- The cleanup's state (cleanup.ts) ---------------------------------------

/** Where a cleanup run continues: pruning events, then rule by rule. */
export const vCleanupCursor = v.union(
  v.object({ phase: v.literal("events") }),
  v.object({
    phase: v.literal("rules"),
    /** The rules with ids up to this one are done. */
    after: v.optional(v.string()),
    /** The rule in progress, when a batch stopped in the middle of one. */
    current: v.optional(
      v.object({
        ruleId: v.string(),
        integrationId: v.string(),
        namespace: v.string(),
        /** The status in progress. */
        status: v.string(),
        /** Deleting by age, or keeping the newest `maxPerOutcome`. */
        stage: v.union(v.literal("age"), v.literal("count")),
        /** Count stage: the newest executions seen so far (kept), and the oldest of them. */
        kept: v.number(),
        last: v.optional(v.object({ startTime: v.number(), creationTime: v.number() })),
      }),
    ),
  }),
);
export type CleanupCursor = Infer<typeof vCleanupCursor>;
export type RuleProgress = NonNullable<Extract<CleanupCursor, { phase: "rules" }>["current"]>;

/** One cleanup run: what it did so far (or in all, once completed). */
export const vCleanupRun = v.object({
  startedAt: v.number(),
  /** "cron" (the component's hourly cron) or "manual" (`runCleanup`). */
  trigger: v.union(v.literal("cron"), v.literal("manual")),
  /**
   * Counts are checked for rules with an execution started since this time
   * (the previous run's start, less a margin); absent: every rule.
   */
  since: v.optional(v.number()),
  logLevel: v.optional(vRulesLogLevel),
  completedAt: v.optional(v.number()),
  lastBatchAt: v.number(),
  batches: v.number(),
  rulesChecked: v.number(),
  executionsDeleted: v.number(),
  logsDeleted: v.number(),
  eventsDeleted: v.number(),
});
export type CleanupRun = Infer<typeof vCleanupRun>;
