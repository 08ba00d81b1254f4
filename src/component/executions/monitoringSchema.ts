/**
 * The tables of stats and health (stats.ts, health.ts), spread into the
 * component's schema. None is written by an execution in the steady state:
 * see stats.ts for who writes what.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { vRuleStatsDoc } from "../../monitoring.js";

export const monitoringTables = {
  /**
   * One rule's stats up to the rollup's cursor (stats.ts): written only by
   * the rollup loop, one document per rule, never by an execution.
   */
  ruleStats: defineTable(vRuleStatsDoc).index("by_rule", ["ruleId"]),

  /**
   * The rollup loop's state (one row, written every run of the loop, read
   * by the loop and by the stats queries, never by an execution): how far
   * it has folded executions, as the commit timestamp and `_creationTime`
   * of the last one folded.
   */
  statsRollup: defineTable({
    cursorTs: v.optional(v.int64()),
    cursorCreationTime: v.optional(v.number()),
    /** Runs in a row that found nothing to fold (the loop goes idle after a few). */
    emptyRuns: v.number(),
    lastRunAt: v.number(),
    /** Executions folded since the table was created. */
    folded: v.number(),
  }),

  /**
   * Whether the rollup loop is running (one row). Read by every transaction
   * that finishes an execution; written only when the loop starts, goes
   * idle, or renews its lease (every few minutes), so those reads rarely
   * conflict.
   */
  statsStatus: defineTable({
    running: v.boolean(),
    /** The loop that may run: a superseded one (older generation) stops. */
    generation: v.number(),
    /** A loop that has not renewed its lease by then is presumed dead and replaced. */
    leaseUntil: v.number(),
  }),

  /**
   * When an event of a trigger type last arrived, per integration and
   * namespace (health.ts): at most one write per minute per trigger type.
   */
  triggerActivity: defineTable({
    integrationId: v.string(),
    namespace: v.string(),
    triggerType: v.string(),
    lastEventAt: v.number(),
  }).index("by_trigger", ["integrationId", "namespace", "triggerType"]),
};
