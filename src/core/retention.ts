/**
 * Retention of executions: the defaults, the bounds of each setting, how
 * settings inherit (rule, namespace, integration, defaults) and which
 * execution statuses the cleanup deletes and after how long. Pure: used by
 * the component (retention.ts, cleanup.ts); the validators of these shapes
 * are in src/retentionValidators.ts.
 */
import type { ExecutionStatus } from "../shared.js";
import type { EffectiveRetention, RetentionSource, RetentionValues } from "../retentionValidators.js";

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
