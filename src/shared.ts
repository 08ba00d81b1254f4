/**
 * Validators and types used on both sides of the component boundary: by the
 * component's functions (args/returns) and by the client that calls them.
 */
import { v, type Infer } from "convex/values";

/** Limits enforced on every rule; documented in the README. */
export const LIMITS = {
  nameLength: 200,
  descriptionLength: 2000,
  idLength: 128,
  /** Condition nodes (groups and leaves) in one rule. */
  conditions: 50,
  actions: 20,
  /** Nesting of condition groups (a top-level leaf is at depth 1). */
  conditionDepth: 10,
  /** Rules per `importRules` call. */
  importBatch: 500,
  /** Upper bound of `limit` in bounded list queries. */
  listLimit: 1000,
  /** Length of a `matches` regular expression. */
  regexLength: 256,
} as const;

/** Stable error codes carried in `ConvexError.data.code`. */
export const ERROR_CODES = [
  "INVALID_RULE",
  "INVALID_ARGUMENT",
  "RULE_NOT_FOUND",
  "DUPLICATE_RULE_ID",
  "VERSION_CONFLICT",
  "IMPORT_FAILED",
  "NOT_REPLAYABLE",
  "UNAUTHORIZED",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The payload of every `ConvexError` this package throws. */
export type RulesErrorData = {
  code: ErrorCode;
  message: string;
  /** The offending field, as a path like `conditions[2].config.op`. */
  field?: string;
  /** `IMPORT_FAILED` only: every invalid rule of the import. */
  errors?: ImportError[];
};

/** Operators of a `field` condition (evaluated by the engine). */
export const FIELD_OPERATORS = [
  "eq",
  "neq",
  "in",
  "nin",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "matches",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "exists",
  "not_exists",
  "is_empty",
  "is_not_empty",
  "changed",
  "changed_to",
  "changed_from",
  "before",
  "after",
  "within",
  "every",
  "some",
] as const;
export type FieldOperator = (typeof FIELD_OPERATORS)[number];

/** Condition types the component understands itself. */
export const GROUP_CONDITION_TYPES = ["all", "any", "not"] as const;
export type GroupConditionType = (typeof GROUP_CONDITION_TYPES)[number];
export const FIELD_CONDITION_TYPE = "field";

/**
 * A condition as callers write it: a group (`all` / `any` / `not`, whose
 * `config.conditions` holds the children), a `field` comparison, or a custom
 * type declared by an integration. `id` is generated when omitted.
 */
export const vConditionInput = v.object({
  id: v.optional(v.string()),
  type: v.string(),
  config: v.any(),
});
export type ConditionInput = {
  id?: string;
  type: string;
  config: any;
};

/** A condition as stored and returned: every node has its id. */
export const vCondition = v.object({
  id: v.string(),
  type: v.string(),
  config: v.any(),
});
export type Condition = { id: string; type: string; config: any };

/**
 * What happens to the rest of an execution's actions when this one fails:
 * "stop" (the default) skips them, "continue" runs them anyway.
 */
export const vOnError = v.union(v.literal("stop"), v.literal("continue"));
export type OnError = Infer<typeof vOnError>;

export const vActionInput = v.object({
  id: v.optional(v.string()),
  type: v.string(),
  config: v.any(),
  onError: v.optional(vOnError),
});
export type ActionInput = Infer<typeof vActionInput>;

export const vAction = v.object({
  id: v.string(),
  type: v.string(),
  config: v.any(),
  onError: v.optional(vOnError),
});
export type Action = Infer<typeof vAction>;

/**
 * The definition of a rule, as `createRule` and `importRules` accept it and
 * `exportRules` returns it.
 */
export const vRuleInput = v.object({
  /** Stable public key; generated when omitted. */
  id: v.optional(v.string()),
  name: v.string(),
  description: v.optional(v.string()),
  enabled: v.optional(v.boolean()),
  integrationId: v.string(),
  namespace: v.optional(v.string()),
  priority: v.optional(v.number()),
  triggerType: v.string(),
  triggerConfig: v.any(),
  triggerPattern: v.optional(v.any()),
  conditions: v.array(vConditionInput),
  actions: v.array(vActionInput),
  metadata: v.optional(v.any()),
});
export type RuleInput = Infer<typeof vRuleInput>;

/** Fields `updateRule` may change; `null` clears an optional field. */
export const vRulePatch = {
  name: v.optional(v.string()),
  description: v.optional(v.union(v.string(), v.null())),
  enabled: v.optional(v.boolean()),
  priority: v.optional(v.number()),
  triggerType: v.optional(v.string()),
  triggerConfig: v.optional(v.any()),
  triggerPattern: v.optional(v.union(v.any(), v.null())),
  conditions: v.optional(v.array(vConditionInput)),
  actions: v.optional(v.array(vActionInput)),
  metadata: v.optional(v.union(v.any(), v.null())),
};

/** A stored rule as every read returns it. */
export const vRule = v.object({
  ruleId: v.string(),
  name: v.string(),
  description: v.optional(v.string()),
  enabled: v.boolean(),
  integrationId: v.string(),
  namespace: v.string(),
  priority: v.number(),
  version: v.number(),
  triggerType: v.string(),
  triggerConfig: v.any(),
  triggerPattern: v.optional(v.any()),
  conditions: v.array(vCondition),
  actions: v.array(vAction),
  metadata: v.optional(v.any()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
export type Rule = Infer<typeof vRule>;

/** The rule definition `exportRules` returns: `vRuleInput` with every id set. */
export const vRuleExport = v.object({
  id: v.string(),
  name: v.string(),
  description: v.optional(v.string()),
  enabled: v.boolean(),
  integrationId: v.string(),
  namespace: v.string(),
  priority: v.number(),
  triggerType: v.string(),
  triggerConfig: v.any(),
  triggerPattern: v.optional(v.any()),
  conditions: v.array(vConditionInput),
  actions: v.array(vActionInput),
  metadata: v.optional(v.any()),
});
export type RuleExport = Infer<typeof vRuleExport>;

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

/** A host function the component calls back, as a function handle. */
export const vActionHandler = v.object({
  handle: v.string(),
  kind: v.union(v.literal("mutation"), v.literal("action")),
  /** Absent: the engine's default; null: never retried. */
  retry: v.optional(v.union(vRetryBehavior, v.null())),
});
export type ActionHandler = Infer<typeof vActionHandler>;

/** The host functions of one integration, sent by the client with each event. */
export const vHandlers = v.object({
  actions: v.record(v.string(), vActionHandler),
  conditions: v.record(v.string(), v.object({ handle: v.string() })),
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
  handler: v.optional(vActionHandler),
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

/** Limits of one dispatch; see the README for their defaults. */
export const vDispatchOptions = v.object({
  /** Rules one event may run (default 100); the rest are recorded as skipped. */
  maxRulesPerEvent: v.optional(v.number()),
  /** Longest causing chain (default 5): deeper events are loop_blocked. */
  maxDepth: v.optional(v.number()),
  /** Retry policy of actions whose type sets none. */
  defaultRetry: v.optional(vRetryBehavior),
});
export type DispatchOptions = Infer<typeof vDispatchOptions>;

/** An execution as the queries return it. */
export const vExecution = v.object({
  executionId: v.string(),
  ruleId: v.string(),
  ruleName: v.string(),
  ruleVersion: v.number(),
  integrationId: v.string(),
  namespace: v.string(),
  triggerType: v.string(),
  eventId: v.optional(v.string()),
  triggered: v.boolean(),
  conditionsMet: v.boolean(),
  successful: v.boolean(),
  status: vExecutionStatus,
  startTime: v.number(),
  endTime: v.optional(v.number()),
  triggerData: v.any(),
  triggerDataSanitized: v.optional(v.boolean()),
  explanation: v.optional(v.any()),
  actions: v.array(
    v.object({
      id: v.string(),
      type: v.string(),
      onError: vOnError,
      status: vActionStatus,
      attempts: v.number(),
      config: v.optional(v.any()),
      startedAt: v.optional(v.number()),
      endedAt: v.optional(v.number()),
      result: v.optional(v.any()),
      error: v.optional(v.string()),
    }),
  ),
  causedBy: v.optional(v.string()),
  chain: v.array(v.string()),
  resultData: v.optional(v.any()),
  error: v.optional(v.string()),
});
export type Execution = Infer<typeof vExecution>;

export const vLogLevel = v.union(
  v.literal("info"),
  v.literal("warn"),
  v.literal("error"),
);
export type LogLevel = Infer<typeof vLogLevel>;

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
