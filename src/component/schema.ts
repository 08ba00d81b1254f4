import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vExecutionDoc,
  vExecutionLog,
  vExecutionStatus,
  vHandlers,
  vQuota,
  vRuleDefinition,
  vRuleDoc,
  vRuleVersionDoc,
  vRulesLogLevel,
  vScheduleSpec,
} from "../shared.js";
import { vCleanupCursor, vCleanupRun, vRetentionRow } from "../retentionValidators.js";
import { monitoringTables } from "./executions/monitoringSchema.js";

export default defineSchema({
  rules: defineTable(vRuleDoc)
    // The seed's index, part of the published contract; never used for
    // dispatch (it scans a whole integration).
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_integration", ["integrationId"])
    .index("by_rule_id", ["id"])
    // Listing is always within one namespace of one integration, in creation
    // order (by_scope_enabled would put disabled rules first).
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_scope", ["integrationId", "namespace"])
    .index("by_scope_enabled", ["integrationId", "namespace", "enabled"]),

  ruleExecutions: defineTable(vExecutionDoc)
    // The seed's index, kept for compatibility; also bounds history cleanup
    // by `_creationTime`.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_rule", ["ruleId"])
    // The seed's index, kept for compatibility.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_integration", ["integrationId"])
    // One rule's executions newest first, reading only what is returned.
    .index("by_rule_start", ["ruleId", "startTime"])
    // Listing within one namespace, newest first, optionally by status.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_scope", ["integrationId", "namespace"])
    .index("by_scope_status", ["integrationId", "namespace", "status"])
    // Retention: one rule's executions of one status, oldest first (retention/cleanup.ts).
    .index("by_rule_status_start", ["ruleId", "status", "startTime"])
    // Stats: executions in the order they finished (the rollup), and one
    // rule's since the rollup's cursor (getRuleStats).
    .index("by_finished", ["finishedTs"])
    .index("by_rule_finished", ["ruleId", "finishedTs"])
    // Retention: whether an event still has executions.
    .index("by_event_ref", ["eventRef"]),

  /**
   * One dispatched event, stored once however many rules it ran: the
   * executions, their logs and their action runs refer to it. Deleted with
   * its last execution.
   */
  ruleEvents: defineTable({
    integrationId: v.string(),
    namespace: v.string(),
    triggerType: v.string(),
    eventId: v.optional(v.string()),
    /** The event, sanitized to Convex's value rules when it broke them. */
    data: v.any(),
    /** True when `data` had to be sanitized or truncated to be stored. */
    sanitized: v.optional(v.boolean()),
    receivedAt: v.number(),
  }),

  /**
   * Dispatch's index: one row per (rule, routing value) of each ENABLED rule,
   * holding a snapshot of what dispatch needs, so that dispatch reads only the
   * rows of the rules that can match an event and never the rules table.
   * `routeKey` is `path=json(value)` for one exact-valued field of the rule's
   * pattern, or "*" for rules without one (candidates for every event).
   */
  ruleRoutes: defineTable({
    ruleId: v.string(),
    ...vRuleDefinition.pick("integrationId", "namespace", "triggerType").fields,
    routeKey: v.string(),
    /** The field set routed on (`routePathOf`); absent for "*". */
    routePath: v.optional(v.string()),
    priority: v.number(),
    ruleCreatedAt: v.number(),
    name: v.string(),
    version: v.number(),
    ...vRuleDefinition.pick("triggerPattern", "conditions", "actions").fields,
  })
    // Each range is in run order, so dispatch merges them and continues
    // from where a batch stopped.
    .index("by_route", ["integrationId", "namespace", "triggerType", "routeKey", "priority", "ruleCreatedAt", "ruleId"])
    // Every route of one field set, in run order: for events with too many
    // values to look each up, and to find field sets no rule uses any more.
    .index("by_route_path", ["integrationId", "namespace", "triggerType", "routePath", "priority", "ruleCreatedAt", "ruleId"])
    .index("by_rule", ["ruleId"]),

  /**
   * The field sets that rules of one trigger type route on: dispatch looks
   * the event's values up under each. A row is inserted when its field set
   * first appears and removed (`routes.prunePath`) once no route uses it, so
   * rule changes do not write the rows every dispatch reads.
   */
  routingPaths: defineTable({
    integrationId: v.string(),
    namespace: v.string(),
    triggerType: v.string(),
    /** The route path (`routePathOf`). */
    path: v.string(),
    /** The fields of a multi-field set; absent for one field (`path` itself). */
    fields: v.optional(v.array(v.string())),
    /** Written by earlier versions (a route count); no longer maintained. */
    routes: v.optional(v.number()),
  }).index("by_trigger", ["integrationId", "namespace", "triggerType", "path"]),

  /** Events already dispatched, by delivery id: a redelivery runs nothing. */
  processedEvents: defineTable({
    integrationId: v.string(),
    namespace: v.string(),
    eventId: v.string(),
    receivedAt: v.number(),
    /** The stored event; absent in rows written before events were shared. */
    eventRef: v.optional(v.id("ruleEvents")),
    /** The executions the first transaction of the dispatch recorded. */
    results: v.array(
      v.object({ executionId: v.id("ruleExecutions"), ruleId: v.string(), status: vExecutionStatus }),
    ),
  })
    .index("by_event", ["integrationId", "namespace", "eventId"])
    // Retention: the oldest first, to prune them after the dedupe window.
    .index("by_received", ["receivedAt"]),

  ruleExecutionLogs: defineTable({ ...vExecutionLog.fields, executionId: v.id("ruleExecutions") }).index("by_execution", ["executionId"]),

  /**
   * The pending slot of each enabled rule with a schedule: exactly one
   * scheduled `schedules.fireSchedule` per row, for `nextSlot`. A fire runs
   * only if its slot is still the row's `nextSlot`, so a stale or duplicate
   * fire does nothing. Absent for disabled, deleted and unscheduled rules.
   */
  ruleSchedules: defineTable({
    ruleId: v.string(),
    integrationId: v.string(),
    namespace: v.string(),
    /** The spec `nextSlot` was computed from: a changed spec reschedules. */
    schedule: vScheduleSpec,
    /** Absent when the schedule has no slot left (a `once` that fired or passed). */
    nextSlot: v.optional(v.number()),
    scheduledFunctionId: v.optional(v.id("_scheduled_functions")),
    /** The last slot that fired, and when it actually ran. */
    lastSlot: v.optional(v.number()),
    lastFiredAt: v.optional(v.number()),
  }).index("by_rule", ["ruleId"]),

  /**
   * Each integration's host functions (function handles), written by the
   * client, so that a scheduled fire, which has no client call in flight,
   * can run actions and custom conditions.
   */
  integrationHandlers: defineTable({
    integrationId: v.string(),
    handlers: vHandlers,
    updatedAt: v.number(),
  }).index("by_integration", ["integrationId"]),

  /**
   * Every version of every rule, the current one included, written in the
   * same transaction as the change (rules/versions.ts): the definition fields as
   * the `rules` table stores them (at the top level, so a version nests no
   * deeper than its rule), and what the change was.
   */
  ruleVersions: defineTable(vRuleVersionDoc).index("by_rule_doc_version", ["ruleDocId", "version"]),

  /**
   * Limits of action runs per minute / hour / 30 days (dispatch/quotas.ts), for one
   * namespace of an integration, or (`namespace` null) the integration's
   * default, which each namespace without its own counts apart.
   */
  quotas: defineTable({
    ...vQuota.fields,
    /** null: the integration's default. */
    namespace: v.union(v.string(), v.null()),
  }).index("by_scope", ["integrationId", "namespace"]),

  /**
   * Retention settings (retention/settings.ts): for an integration (`namespace` and
   * `ruleId` null), one namespace of it (`ruleId` null), or one rule. An
   * absent field inherits from the wider scope, then the defaults.
   */
  retentionSettings: defineTable(vRetentionRow).index("by_scope", ["integrationId", "namespace", "ruleId"]),

  /** The retention cleanup's state (retention/cleanup.ts): one row. */
  retentionState: defineTable({
    /** The run in progress, if any. */
    run: v.optional(vCleanupRun),
    /** The last run that finished. */
    lastRun: v.optional(vCleanupRun),
    /** Settings changed: the next run checks every rule's counts, not only the busy ones. */
    fullCheckRequested: v.boolean(),
    /** Where the run in progress continues (for `getCleanupStatus`). */
    cursor: v.optional(vCleanupCursor),
  }),

  /** Component-wide settings written by the client (lib/logging.ts): one row. */
  componentConfig: defineTable({
    /** The level of work that runs without a client call (the retention cron). */
    logLevel: v.optional(vRulesLogLevel),
    updatedAt: v.number(),
  }),

  // Stats and health: ruleStats, statsRollup, statsStatus, triggerActivity.
  ...monitoringTables,
});
