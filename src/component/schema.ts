import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vAction,
  vActionRun,
  vExecutionStatus,
  vLogComponent,
  vLogLevel,
} from "../shared.js";

/**
 * A condition node as stored. Condition trees are stored flat, each node
 * naming its `parent` group: nested storage would spend three levels of
 * document nesting per group (array, entry, config), so a tree of the allowed
 * depth (10) would break Convex's 16-level limit. Reads rebuild the tree.
 */
export const vStoredCondition = v.object({
  id: v.string(),
  type: v.string(),
  config: v.any(),
  /** Id of the enclosing group; absent at the top level. */
  parent: v.optional(v.string()),
});

export default defineSchema({
  rules: defineTable({
    /** Stable public key (caller-given or generated), unique across the component. */
    id: v.string(),
    name: v.string(),
    description: v.optional(v.string()),
    enabled: v.boolean(),
    integrationId: v.string(),
    /** Tenant/workspace scope; "" when the host does not use namespaces. */
    namespace: v.string(),
    /** Rules of one event run in ascending priority, then creation order. */
    priority: v.number(),
    /** 1 on creation, +1 on every change: optimistic concurrency for editors. */
    version: v.number(),
    triggerType: v.string(),
    triggerConfig: v.any(),
    /** Event pattern the engine matches and routes on (EventBridge-like). */
    triggerPattern: v.optional(v.any()),
    conditions: v.array(vStoredCondition),
    actions: v.array(vAction),
    metadata: v.optional(v.any()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
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

  ruleExecutions: defineTable({
    /** The rule's public key (`rules.id`). */
    ruleId: v.string(),
    ruleName: v.string(),
    /** The rule's version when it ran: its config may have changed since. */
    ruleVersion: v.number(),
    integrationId: v.string(),
    namespace: v.string(),
    triggerType: v.string(),
    /** The delivery id of the event, for idempotency and support. */
    eventId: v.optional(v.string()),
    triggered: v.boolean(),
    conditionsMet: v.boolean(),
    successful: v.boolean(),
    status: vExecutionStatus,
    startTime: v.number(),
    /** Absent while the execution is running. */
    endTime: v.optional(v.number()),
    /** The event, sanitized to Convex's value rules when it broke them. */
    triggerData: v.any(),
    /** True when `triggerData` had to be sanitized or truncated to be stored. */
    triggerDataSanitized: v.optional(v.boolean()),
    /** Per condition: its result and the value it saw ("why did my rule run?"). */
    explanation: v.optional(v.any()),
    /** The rule's actions and how each ran; handlers are kept for retries and replays. */
    actions: v.array(vActionRun),
    /** Loop protection: the execution whose action caused this event. */
    causedBy: v.optional(v.string()),
    /** Rule ids of the executions up the causing chain, oldest first. */
    chain: v.array(v.string()),
    resultData: v.optional(v.any()),
    error: v.optional(v.string()),
  })
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
    .index("by_scope_status", ["integrationId", "namespace", "status"]),

  /**
   * Dispatch's index: one row per (rule, routing value) of each ENABLED rule,
   * holding a snapshot of what dispatch needs, so that dispatch reads only the
   * rows of the rules that can match an event and never the rules table.
   * `routeKey` is `path=json(value)` for one exact-valued field of the rule's
   * pattern, or "*" for rules without one (candidates for every event).
   */
  ruleRoutes: defineTable({
    ruleId: v.string(),
    integrationId: v.string(),
    namespace: v.string(),
    triggerType: v.string(),
    routeKey: v.string(),
    /** The path routed on; absent for "*". */
    routePath: v.optional(v.string()),
    priority: v.number(),
    ruleCreatedAt: v.number(),
    name: v.string(),
    version: v.number(),
    triggerPattern: v.optional(v.any()),
    conditions: v.array(vStoredCondition),
    actions: v.array(vAction),
  })
    .index("by_route", ["integrationId", "namespace", "triggerType", "routeKey"])
    .index("by_rule", ["ruleId"]),

  /**
   * The pattern paths that rules of one trigger type route on, with how many
   * routes use each: dispatch looks the event's values up at these paths.
   */
  routingPaths: defineTable({
    integrationId: v.string(),
    namespace: v.string(),
    triggerType: v.string(),
    path: v.string(),
    routes: v.number(),
  }).index("by_trigger", ["integrationId", "namespace", "triggerType", "path"]),

  /** Events already dispatched, by delivery id: a redelivery runs nothing. */
  processedEvents: defineTable({
    integrationId: v.string(),
    namespace: v.string(),
    eventId: v.string(),
    receivedAt: v.number(),
    results: v.array(
      v.object({ executionId: v.id("ruleExecutions"), ruleId: v.string(), status: vExecutionStatus }),
    ),
  }).index("by_event", ["integrationId", "namespace", "eventId"]),

  ruleExecutionLogs: defineTable({
    executionId: v.id("ruleExecutions"),
    timestamp: v.number(),
    level: vLogLevel,
    message: v.string(),
    data: v.optional(v.any()),
    component: vLogComponent,
    componentId: v.optional(v.string()),
  }).index("by_execution", ["executionId"]),

  migrations: defineTable({
    name: v.string(),
    startedAt: v.number(),
    /** Absent until the run finishes. */
    completedAt: v.optional(v.number()),
    /** Where an interrupted run resumes. */
    cursor: v.optional(v.string()),
    processed: v.number(),
    created: v.number(),
    updated: v.number(),
    unmapped: v.number(),
  }).index("by_name", ["name"]),
});
