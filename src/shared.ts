/**
 * Validators and types used on both sides of the component boundary: by the
 * component's functions (args/returns), by the schema's tables (`vRuleDoc`,
 * `vExecutionDoc`, ...) and by the client that calls them. Each shape is
 * written once; the others are derived from it. A field that changes its
 * type is overridden by spreading `.fields` into `v.object`, because
 * `.extend` intersects the old and new types of a field it redefines.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v, type Infer } from "convex/values";
import { vAutoDisableMarks, vMonitoring } from "./monitoring.js";
import type { ErrorCode } from "./core/errorCodes.js";

export { LIMITS } from "./core/limits.js";
export { ERROR_CODES, type ErrorCode } from "./core/errorCodes.js";
export {
  FIELD_CONDITION_TYPE,
  FIELD_OPERATORS,
  GROUP_CONDITION_TYPES,
  type FieldOperator,
  type GroupConditionType,
} from "./core/conditionTypes.js";

/** The payload of every `ConvexError` this package throws. */
export type RulesErrorData = {
  code: ErrorCode;
  message: string;
  /** The offending field, as a path like `conditions[2].config.op`. */
  field?: string;
  /** `IMPORT_FAILED` only: every invalid rule of the import. */
  errors?: ImportError[];
};

/** A condition as stored and returned: every node has its id. */
export const vCondition = v.object({
  id: v.string(),
  type: v.string(),
  config: v.any(),
});
export type Condition = Infer<typeof vCondition>;

/**
 * A condition as callers write it: a group (`all` / `any` / `not`, whose
 * `config.conditions` holds the children), a `field` comparison, or a custom
 * type declared by an integration. `id` is generated when omitted.
 */
export const vConditionInput = v.object({ ...vCondition.fields, id: v.optional(v.string()) });
export type ConditionInput = Infer<typeof vConditionInput>;

/**
 * A condition node as stored. Condition trees are stored flat, each node
 * naming its `parent` group: nested storage would spend three levels of
 * document nesting per group (array, entry, config), so a tree of the allowed
 * depth (10) would break Convex's 16-level limit. Reads rebuild the tree.
 */
export const vStoredCondition = vCondition.extend({
  /** Id of the enclosing group; absent at the top level. */
  parent: v.optional(v.string()),
});

/**
 * What happens to the rest of an execution's actions when this one fails:
 * "stop" (the default) skips them, "continue" runs them anyway.
 */
export const vOnError = v.union(v.literal("stop"), v.literal("continue"));
export type OnError = Infer<typeof vOnError>;

/**
 * A schedule trigger: when a rule fires without any event (see
 * `src/core/schedule.ts` and the README's "Schedule triggers"). Times are
 * "HH:MM" or "HH:MM:SS" local to `timeZone` (an IANA name, default "UTC").
 */
export const vScheduleSpec = v.union(
  v.object({
    every: v.union(v.object({ minutes: v.number() }), v.object({ hours: v.number() })),
  }),
  v.object({ daily: v.object({ at: v.string(), timeZone: v.optional(v.string()) }) }),
  v.object({
    weekly: v.object({ weekday: v.number(), at: v.string(), timeZone: v.optional(v.string()) }),
  }),
  v.object({
    monthly: v.object({ day: v.number(), at: v.string(), timeZone: v.optional(v.string()) }),
  }),
  v.object({
    once: v.object({
      date: v.string(),
      offsetDays: v.optional(v.number()),
      at: v.optional(v.string()),
      timeZone: v.optional(v.string()),
    }),
  }),
);
export type { ScheduleSpec } from "./core/schedule.js";

export const vAction = v.object({
  id: v.string(),
  type: v.string(),
  config: v.any(),
  onError: v.optional(vOnError),
});
export type Action = Infer<typeof vAction>;

/** An action as callers write it: `id` is generated when omitted. */
export const vActionInput = v.object({ ...vAction.fields, id: v.optional(v.string()) });
export type ActionInput = Infer<typeof vActionInput>;

/**
 * A rule's definition as stored: what a rule document and each of its
 * versions hold. Every other shape of a rule is derived from it.
 */
export const vRuleDefinition = v.object({
  name: v.string(),
  description: v.optional(v.string()),
  enabled: v.boolean(),
  integrationId: v.string(),
  /** Tenant/workspace scope; "" when the host does not use namespaces. */
  namespace: v.string(),
  /** Rules of one event run in ascending priority, then creation order. */
  priority: v.number(),
  triggerType: v.string(),
  triggerConfig: v.any(),
  /** Event pattern the engine matches and routes on (EventBridge-like). */
  triggerPattern: v.optional(v.any()),
  /** Fire on this schedule, without any event (see the `ruleSchedules` table). */
  schedule: v.optional(vScheduleSpec),
  conditions: v.array(vStoredCondition),
  actions: v.array(vAction),
  metadata: v.optional(v.any()),
});
export type RuleDefinition = Infer<typeof vRuleDefinition>;
export type RuleDefinitionField = keyof RuleDefinition;

/** The names of the definition fields, in the validator's order. */
export const RULE_DEFINITION_FIELDS = Object.keys(vRuleDefinition.fields) as RuleDefinitionField[];

/** A document of the `rules` table. */
export const vRuleDoc = vRuleDefinition.extend({
  /** Stable public key (caller-given or generated), unique across the component. */
  id: v.string(),
  /** 1 on creation, +1 on every change: optimistic concurrency for editors. */
  version: v.number(),
  createdAt: v.number(),
  updatedAt: v.number(),
  ...vAutoDisableMarks.fields,
});

/** A stored rule as every read returns it: conditions nested again. */
export const vRule = v.object({
  ruleId: v.string(),
  ...vRuleDoc.omit("id").fields,
  conditions: v.array(vCondition),
});
export type Rule = Infer<typeof vRule>;

/** The rule definition `exportRules` returns: `vRuleInput` with every id set. */
export const vRuleExport = v.object({
  id: v.string(),
  ...vRuleDefinition.fields,
  conditions: v.array(vConditionInput),
  actions: v.array(vActionInput),
});
export type RuleExport = Infer<typeof vRuleExport>;

/**
 * The definition of a rule, as `createRule` and `importRules` accept it and
 * `exportRules` returns it: the fields with a default may be omitted (`id`
 * is then generated, `enabled` is true, `namespace` "", `priority` 0).
 */
export const vRuleInput = v.object({
  ...vRuleExport.fields,
  ...vRuleExport.pick("id", "enabled", "namespace", "priority", "conditions").partial().fields,
  /** Fire on this schedule (a `ScheduleSpec`, checked with a message naming the field). */
  schedule: v.optional(v.any()),
});
export type RuleInput = Infer<typeof vRuleInput>;

/** Fields `updateRule` may change; `null` clears an optional field. */
export const vRulePatch = v.object({
  ...vRuleInput.omit("id", "integrationId", "namespace").partial().fields,
  description: v.optional(v.union(v.string(), v.null())),
  triggerPattern: v.optional(v.union(v.any(), v.null())),
  schedule: v.optional(v.union(v.any(), v.null())),
  metadata: v.optional(v.union(v.any(), v.null())),
});

/** `updateRule`'s arguments: the rule, the patch, and the checks around it. */
export const vUpdateRuleArgs = v.object({
  ruleId: v.string(),
  expectedVersion: v.optional(v.number()),
  /**
   * When given, the rule must belong to this integration: the client
   * checked the patch against that integration's declarations.
   */
  integrationId: v.optional(v.string()),
  /** Who makes the change, kept with the new version (rules/versions.ts). */
  actor: v.optional(v.string()),
  ...vRulePatch.fields,
});

/** The arguments of a paged list within one integration and namespace ("" when omitted). */
export const vScopePageArgs = v.object({
  integrationId: v.string(),
  namespace: v.optional(v.string()),
  paginationOpts: paginationOptsValidator,
});

export const vImportError = v.object({
  index: v.number(),
  id: v.optional(v.string()),
  code: v.string(),
  message: v.string(),
  field: v.optional(v.string()),
});
export type ImportError = Infer<typeof vImportError>;

export const vImportResult = v.object({
  created: v.number(),
  updated: v.number(),
  unchanged: v.number(),
  ruleIds: v.array(v.string()),
});
export type ImportResult = Infer<typeof vImportResult>;

export const vExecutionStatus = v.union(
  v.literal("running"),
  v.literal("succeeded"),
  v.literal("failed"),
  v.literal("skipped"),
  /** Refused by loop protection: the rule is already in the causing chain. */
  v.literal("loop_blocked"),
  /** Only in `execute`'s answer to a redelivered event: nothing ran again. */
  v.literal("duplicate"),
  /** An action was over its integration's quota (`setQuota`, whenExceeded "reject"): it and the rest did not run. */
  v.literal("rate_limited"),
);
export type ExecutionStatus = Infer<typeof vExecutionStatus>;

/** Retries with exponential backoff (and jitter), as @convex-dev/workpool runs them. */
export const vRetryBehavior = v.object({
  /** Attempts in all: 1 means no retry. */
  maxAttempts: v.number(),
  initialBackoffMs: v.number(),
  base: v.number(),
});
export type RetryBehavior = Infer<typeof vRetryBehavior>;

/** A handler's retry policy. Absent: the engine's default; null: never retried. */
const vRetryOption = v.optional(v.union(vRetryBehavior, v.null()));

/** A host function the component calls back, as a function handle. */
export const vActionHandler = v.object({
  handle: v.string(),
  kind: v.union(v.literal("mutation"), v.literal("action")),
  retry: vRetryOption,
});
export type ActionHandler = Infer<typeof vActionHandler>;

/** The built-in action every integration may use without a host handler. */
export const HTTP_REQUEST_ACTION = "http.request";

/**
 * The config of an `http.request` action, as rules store it (strings may
 * hold templates, filled in before the request is made).
 */
export const vHttpRequestConfig = v.object({
  method: v.union(
    v.literal("GET"),
    v.literal("POST"),
    v.literal("PUT"),
    v.literal("PATCH"),
    v.literal("DELETE"),
  ),
  url: v.string(),
  headers: v.optional(v.record(v.string(), v.string())),
  /** A JSON value (sent as JSON) or a string (sent as is). Not allowed with GET. */
  body: v.optional(v.any()),
  /** Default 10,000; at most 60,000. */
  timeoutMs: v.optional(v.number()),
});
export type HttpRequestConfig = Infer<typeof vHttpRequestConfig>;

/** Where `http.request` may send requests: the host's policy (see the README). */
export const vHttpPolicy = v.object({
  allowedHosts: v.array(v.string()),
  allowHttp: v.optional(v.boolean()),
});
export type HttpPolicy = Infer<typeof vHttpPolicy>;

/**
 * A built-in action, run by the component itself. Stored on each action run
 * with the policy in force at dispatch, so retries and replays use it.
 */
export const vBuiltinActionHandler = v.object({
  kind: v.literal("builtin"),
  name: v.literal(HTTP_REQUEST_ACTION),
  http: vHttpPolicy,
  retry: vRetryOption,
});
export type BuiltinActionHandler = Infer<typeof vBuiltinActionHandler>;

/** What runs an action: a host function, or a built-in. */
export const vActionRunHandler = v.union(vActionHandler, vBuiltinActionHandler);
export type ActionRunHandler = Infer<typeof vActionRunHandler>;

/** The host functions of one integration, sent by the client with each event. */
export const vHandlers = v.object({
  actions: v.record(v.string(), vActionHandler),
  conditions: v.record(v.string(), v.object({ handle: v.string() })),
  /** The client's `http` option: enables the built-in `http.request` action. */
  http: v.optional(vHttpPolicy.extend({ retry: vRetryOption })),
});
export type Handlers = Infer<typeof vHandlers>;



export const vActionStatus = v.union(
  v.literal("pending"),
  v.literal("running"),
  v.literal("succeeded"),
  v.literal("failed"),
  v.literal("skipped"),
);
export type ActionStatus = Infer<typeof vActionStatus>;

/** One action of an execution: how it ran (or why it did not). */
export const vActionRun = v.object({
  id: v.string(),
  type: v.string(),
  onError: vOnError,
  /** The rule's config for this action, before templates are filled in. */
  template: v.any(),
  status: vActionStatus,
  attempts: v.number(),
  /** Kept so retries and replays find the handler with no client call in flight. */
  handler: v.optional(vActionRunHandler),
  /** The config after templates were filled in. */
  config: v.optional(v.any()),
  startedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  result: v.optional(v.any()),
  error: v.optional(v.string()),
});
export type ActionRun = Infer<typeof vActionRun>;

/** What `execute` answers for each rule it considered. */
export const vExecuteResult = v.object({
  executionId: v.string(),
  ruleId: v.string(),
  status: vExecutionStatus,
});
export type ExecuteResult = Infer<typeof vExecuteResult>;

/**
 * The `logLevel` option: the least severe level written to the console (one
 * JSON object per line) and stored in execution logs. Default "INFO". The
 * one list of log levels, least severe first.
 */
export const vRulesLogLevel = v.union(
  v.literal("DEBUG"),
  v.literal("INFO"),
  v.literal("WARN"),
  v.literal("ERROR"),
);
export type RulesLogLevel = Infer<typeof vRulesLogLevel>;

/**
 * What the client sends with calls that manage rules, stored when it
 * changed: its integrations' handlers by integration id (for scheduled
 * fires) and its log level (for the retention cron).
 */
export const vClientConfig = v.object({
  handlers: v.optional(v.record(v.string(), vHandlers)),
  logLevel: v.optional(vRulesLogLevel),
});
export type ClientConfig = Infer<typeof vClientConfig>;

/** The log levels, least severe first. */
export const LOG_LEVELS: readonly RulesLogLevel[] = vRulesLogLevel.members.map((member) => member.value);

/**
 * The largest event stored (and sent by the client's `execute`): bigger
 * events have their longest strings shortened, else become a marker.
 * Stored once per event, it leaves room in its document under 1 MiB.
 */
export const EVENT_MAX_BYTES = 900 * 1024;

/** Limits of one dispatch; see the README for their defaults. */
export const vDispatchOptions = v.object({
  /** Rules one event may run (default 100); the rest are recorded as skipped. */
  maxRulesPerEvent: v.optional(v.number()),
  /** Longest causing chain (default 5): deeper events are loop_blocked. */
  maxDepth: v.optional(v.number()),
  /** Retry policy of actions whose type sets none. */
  defaultRetry: v.optional(vRetryBehavior),
  /** The client's `logLevel`, stored on each execution for the work that follows (default "INFO"). */
  logLevel: v.optional(vRulesLogLevel),
  /** Stats and auto-disable settings, when not the defaults (stored on each execution). */
  monitoring: v.optional(vMonitoring),
});
export type DispatchOptions = Infer<typeof vDispatchOptions>;

/** A document of the `ruleExecutions` table: one rule's run for one event (or scheduled fire). */
export const vExecutionDoc = v.object({
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
  /** For a scheduled fire: the slot (ms since the epoch) it fired for. */
  slot: v.optional(v.number()),
  triggered: v.boolean(),
  conditionsMet: v.boolean(),
  successful: v.boolean(),
  status: vExecutionStatus,
  startTime: v.number(),
  /** Absent while the execution is running. */
  endTime: v.optional(v.number()),
  /**
   * The event (`ruleEvents`) this execution ran for; its data is read from
   * there. Absent for scheduled fires and executions stored before events
   * were shared, which keep `triggerData` inline.
   */
  eventRef: v.optional(v.id("ruleEvents")),
  /** Inline event data, sanitized to Convex's value rules when it broke them. */
  triggerData: v.optional(v.any()),
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
  /** The client's `logLevel` at dispatch (absent means "INFO"): what later steps log and store. */
  logLevel: v.optional(vRulesLogLevel),
  /**
   * The commit timestamp of the transaction that finished the execution
   * (`ctx.db.vars.commitTs`): the stats rollup walks executions in commit
   * order (executions/stats.ts). Absent while running, and when stats are off.
   */
  finishedTs: v.optional(v.commitTs()),
  /** Stats and auto-disable settings of the dispatch, when not the defaults. */
  monitoring: v.optional(vMonitoring),
});

/**
 * An execution as the queries return it: the event's data inline, and each
 * action without what only the engine needs (its template and handler).
 */
export const vExecution = v.object({
  executionId: v.string(),
  ...vExecutionDoc.omit("eventRef", "finishedTs", "monitoring").fields,
  triggerData: v.any(),
  actions: v.array(vActionRun.omit("template", "handler")),
});
export type Execution = Infer<typeof vExecution>;

/**
 * The level of a stored execution log line: a `logLevel` in lower case, as
 * the table has always stored it. "debug" lines are stored only when the
 * client's `logLevel` is "DEBUG".
 */
export type LogLevel = Lowercase<RulesLogLevel>;
const storedLogLevels = LOG_LEVELS.map((level) => v.literal(level.toLowerCase() as LogLevel));
export const vLogLevel = v.union(
  ...(storedLogLevels as [(typeof storedLogLevels)[number], ...typeof storedLogLevels]),
);

export const vLogComponent = v.union(
  v.literal("trigger"),
  v.literal("condition"),
  v.literal("action"),
);
export type LogComponent = Infer<typeof vLogComponent>;

/** One line of an execution's log, as `getExecutionLogs` returns it. */
export const vExecutionLog = v.object({
  executionId: v.string(),
  timestamp: v.number(),
  level: vLogLevel,
  message: v.string(),
  data: v.optional(v.any()),
  component: vLogComponent,
  componentId: v.optional(v.string()),
});
export type ExecutionLog = Infer<typeof vExecutionLog>;

// --- Migration of the legacy mondayRules table (migrations.ts) --------------

/** One legacy row, mapped by the client, as the migration imports it. */
export const vMigrationEntry = v.object({
  /** The legacy row's `_id`; the rule's `id` must be `legacy-monday-<legacyId>`. */
  legacyId: v.string(),
  rule: vRuleInput,
  /** The legacy `createdAt`, kept as the rule's `createdAt` when it is created. */
  createdAt: v.optional(v.number()),
  /** Set when the row could not be mapped (the rule is then disabled). */
  unmappedReason: v.optional(v.string()),
});
export type MigrationEntry = Infer<typeof vMigrationEntry>;

/** What importing one legacy row did to its rule. */
export const vMigratedRow = v.object({
  legacyId: v.string(),
  ruleId: v.string(),
  outcome: v.union(v.literal("created"), v.literal("updated"), v.literal("unchanged")),
  /** For "updated": the stored fields that changed. */
  changedFields: v.optional(v.array(v.string())),
  /** Why the row could not be mapped: its rule is disabled. */
  unmappedReason: v.optional(v.string()),
});
export type MigratedRow = Infer<typeof vMigratedRow>;

/** A rule the migration wrote, as `listMigratedRules` lists it. */
export const vMigratedRule = v.object({
  legacyId: v.string(),
  ruleId: v.string(),
  name: v.string(),
  enabled: v.boolean(),
  unmappedReason: v.optional(v.string()),
});
export type MigratedRule = Infer<typeof vMigratedRule>;

/** One page of migrated rules, in legacy id order. */
export const vMigratedRulesPage = paginationResultValidator(vMigratedRule);
export type MigratedRulesPage = Infer<typeof vMigratedRulesPage>;

// --- Rule history (rules/versions.ts) and quotas (dispatch/quotas.ts) ----------------------

/** What made a new version of a rule. */
export const vRuleChangeOperation = v.union(
  v.literal("create"),
  v.literal("update"),
  v.literal("enable"),
  v.literal("disable"),
  v.literal("import"),
  v.literal("rollback"),
  /**
   * A version made before history was kept (or by a write that bypassed
   * it), recorded when the rule next changed: `changedAt` is the rule's
   * `updatedAt` then, `changes` is empty.
   */
  v.literal("unrecorded"),
);
export type RuleChangeOperation = Infer<typeof vRuleChangeOperation>;

/** What a version records about the change that made it. */
const vVersionChange = v.object({
  ruleId: v.string(),
  version: v.number(),
  /** When this version was written (the rule's `updatedAt` at that version). */
  changedAt: v.number(),
  /** Who made the change, when the caller said (`actor` of the mutations). */
  actor: v.optional(v.string()),
  operation: vRuleChangeOperation,
  /** The definition fields that differ from the previous version; [] for version 1. */
  changes: v.array(v.string()),
  /** For a rollback: the version whose definition it restored. */
  rollbackOf: v.optional(v.number()),
});

/** One version of a rule: its full definition then, and what changed. */
export const vRuleVersion = v.object({
  ...vVersionChange.fields,
  /** The definition at this version, in the shape `importRules` accepts. */
  rule: vRuleExport,
});
export type RuleVersion = Infer<typeof vRuleVersion>;

/**
 * A document of the `ruleVersions` table: the change, and the definition
 * fields as the `rules` table stores them (at the top level, so a version
 * nests no deeper than its rule).
 */
export const vRuleVersionDoc = v.object({
  ...vVersionChange.fields,
  /**
   * The rule document it belongs to: a rule deleted and created again
   * with the same id starts a history of its own.
   */
  ruleDocId: v.id("rules"),
  ...vRuleDefinition.fields,
});

/** What happens to an action run over quota. */
export const vWhenExceeded = v.union(
  /** The execution is recorded `rate_limited`; the action and the rest do not run. */
  v.literal("reject"),
  /** The action starts later, when the limiter has room (reserved now). */
  v.literal("wait"),
);
export type WhenExceeded = Infer<typeof vWhenExceeded>;

export const vQuotaWindow = v.union(v.literal("minute"), v.literal("hour"), v.literal("month"));
export type QuotaWindow = Infer<typeof vQuotaWindow>;

/** A quota as stored: limits of action runs per window, per namespace. */
export const vQuota = v.object({
  integrationId: v.string(),
  /** Absent: the integration's default, counted for each namespace apart. */
  namespace: v.optional(v.string()),
  perMinute: v.optional(v.number()),
  perHour: v.optional(v.number()),
  /** Per 30 days (fixed windows from 1970-01-01 UTC): see docs/operations.md#quotas. */
  perMonth: v.optional(v.number()),
  whenExceeded: vWhenExceeded,
  updatedAt: v.number(),
});
export type Quota = Infer<typeof vQuota>;

/** A namespace's quota in force and its use in the current windows. */
export const vQuotaStatus = v.object({
  /** The quota that applies (the namespace's own, else the integration's default). */
  quota: vQuota,
  /** True when the integration's default applies. */
  inherited: v.boolean(),
  windows: v.array(
    v.object({
      window: vQuotaWindow,
      limit: v.number(),
      /** Action runs counted in the current window; above `limit` when waits are reserved ahead. */
      used: v.number(),
      /** Runs left in the current window (0 when waits are reserved beyond it). */
      remaining: v.number(),
      windowStart: v.number(),
      windowEnd: v.number(),
    }),
  ),
});
export type QuotaStatus = Infer<typeof vQuotaStatus>;
