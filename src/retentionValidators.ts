/**
 * Validators and types of retention settings and of the retention cleanup's
 * state, used on both sides of the component boundary (the schema, the
 * component's functions, the client). The rules they follow (defaults,
 * bounds, inheritance) are in src/core/retention.ts.
 */
import { v, type Infer } from "convex/values";
import { vExecutionStatus, vRulesLogLevel, type ExecutionStatus } from "./shared.js";

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

/**
 * One stored settings row: the `retentionSettings` table's document, and
 * what `listRetention` returns (without the system fields).
 */
export const vRetentionRow = v.object({
  integrationId: v.string(),
  /** null: every namespace of the integration. */
  namespace: v.union(v.string(), v.null()),
  /** null: every rule of the scope. */
  ruleId: v.union(v.string(), v.null()),
  ...vRetentionValues.fields,
  updatedAt: v.number(),
});
export type RetentionRow = Infer<typeof vRetentionRow>;

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

// --- The cleanup's state (retention/cleanup.ts) ---------------------------------------

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
