/**
 * Dispatch: an event comes in, its candidate rules are found through the
 * routing index, patterns and conditions decide which run, and every rule
 * considered gets an execution record with the explanation.
 */
import { convexToJson, v, type Value } from "convex/values";
import type { FunctionHandle } from "convex/server";
import type { Doc, Id } from "./_generated/dataModel.js";
import { mutation, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import {
  vDispatchOptions,
  vExecuteResult,
  vHandlers,
  type ActionRun,
  type Condition,
  type DispatchOptions,
  type ExecuteResult,
  type Handlers,
} from "../shared.js";
import { idFormatProblem, isGroupType, nestConditions } from "../core/conditions.js";
import { compileConditions, type CompiledConditions } from "../core/evaluate.js";
import { matchPattern } from "../core/patternMatch.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import { flattenExplanation } from "../core/explanation.js";
import { errorMessage, fail } from "./errors.js";
import { appendLog } from "./logs.js";
import { log, shouldLog } from "./logging.js";
import { findCandidates } from "./routes.js";
import { applyQuota } from "./quotas.js";
// Stats and auto-disable (issue 6): trigger activity, finished executions.
import { executionFinished, noteEvent } from "./health.js";
import { finishedFields } from "./stats.js";
import {
  advance,
  builtinHandlerFor,
  checkRetry,
  enqueueRuns,
  type ActionStart,
  type ExecutionState,
} from "./actions.js";

export const DEFAULT_MAX_RULES_PER_EVENT = 100;
export const DEFAULT_MAX_DEPTH = 5;
/** Stored event data is capped so an execution document always fits. */
export const TRIGGER_DATA_MAX_BYTES = 256 * 1024;
/**
 * Every execution keeps its own copy of the event, so one event's copies
 * share this budget: far below the 16 MiB a transaction may write.
 */
export const TRIGGER_DATA_BUDGET_BYTES = 8 * 1024 * 1024;
const EXPLANATION_MAX_BYTES = 64 * 1024;

/**
 * Runs the rules an event matches. Returns, for every rule considered (its
 * pattern matched, or it was refused by a limit), the execution recorded.
 * A redelivered `eventId` runs nothing and returns the first executions with
 * status "duplicate".
 */
export const execute = mutation({
  args: {
    integrationId: v.string(),
    triggerType: v.string(),
    event: v.any(),
    eventId: v.optional(v.string()),
    namespace: v.optional(v.string()),
    /** The execution whose action caused this event (loop protection). */
    causedBy: v.optional(v.string()),
    /** The integration's host functions, as handles (sent by the client). */
    handlers: v.optional(vHandlers),
    /** Set by the client when it had to sanitize the event to send it. */
    eventSanitized: v.optional(v.boolean()),
    options: v.optional(vDispatchOptions),
  },
  returns: v.array(vExecuteResult),
  handler: async (ctx, args) => {
    const namespace = args.namespace ?? "";
    checkDispatchArgs(args);
    const handlers = args.handlers ?? { actions: {}, conditions: {} };
    const options = args.options ?? {};
    const maxRules = options.maxRulesPerEvent ?? DEFAULT_MAX_RULES_PER_EVENT;
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    const scope = { integrationId: args.integrationId, namespace, triggerType: args.triggerType };

    if (args.eventId !== undefined) {
      const seen = await ctx.db
        .query("processedEvents")
        .withIndex("by_event", (q) =>
          q
            .eq("integrationId", args.integrationId)
            .eq("namespace", namespace)
            .eq("eventId", args.eventId as string),
        )
        .unique();
      if (seen) {
        log(
          "INFO",
          "dispatch.duplicate",
          { ...scope, eventId: args.eventId, executions: seen.results.length },
          options.logLevel,
        );
        return seen.results.map((r) => ({
          executionId: r.executionId as string,
          ruleId: r.ruleId,
          status: "duplicate" as const,
        }));
      }
    }

    await noteEvent(ctx, scope, options.monitoring);
    const chain = await causingChain(ctx, args.causedBy);
    const candidates = await findCandidates(ctx, scope, args.event);
    const stored = sanitizeForStorage(args.event, {
      maxBytes: Math.min(
        TRIGGER_DATA_MAX_BYTES,
        Math.floor(TRIGGER_DATA_BUDGET_BYTES / Math.max(1, candidates.length)),
      ),
      depthOffset: 1,
    });
    const base = {
      ...scope,
      ...(args.eventId === undefined ? {} : { eventId: args.eventId }),
      ...(args.causedBy === undefined ? {} : { causedBy: args.causedBy }),
      chain: chain.ruleIds,
      triggerData: stored.value,
      ...(stored.sanitized || args.eventSanitized ? { triggerDataSanitized: true } : {}),
      startTime: Date.now(),
      ...(options.monitoring === undefined ? {} : { monitoring: options.monitoring }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    };

    const results: ExecuteResult[] = [];
    const runs: PendingRun[] = [];
    let ran = 0;
    for (const route of candidates) {
      if (!patternMatches(route, args.event)) continue;
      const record = (fields: ExecutionFields) =>
        insertExecution(ctx, {
          ...base,
          ruleId: route.ruleId,
          ruleName: route.name,
          ruleVersion: route.version,
          ...fields,
        });

      if (chain.ruleIds.includes(route.ruleId) || chain.ruleIds.length >= maxDepth) {
        const reason = chain.ruleIds.includes(route.ruleId)
          ? `rule "${route.ruleId}" is already in the causing chain ${chain.ruleIds.join(" -> ")}`
          : `the causing chain ${chain.ruleIds.join(" -> ")} reached the maximum depth of ${maxDepth}`;
        const id = await record({ status: "loop_blocked", triggered: true, error: reason });
        await appendLog(
          ctx,
          id,
          {
            level: "warn",
            component: "trigger",
            message: `Loop protection: not run, because ${reason}`,
            data: { chain: chain.ruleIds, causedBy: args.causedBy },
          },
          options.logLevel,
        );
        results.push({ executionId: id, ruleId: route.ruleId, status: "loop_blocked" });
        continue;
      }
      if (ran >= maxRules) {
        const reason = `this event already ran ${maxRules} rules, the most one event may run`;
        const id = await record({ status: "skipped", triggered: true, error: reason });
        await appendLog(
          ctx,
          id,
          { level: "warn", component: "trigger", message: `Skipped: ${reason}` },
          options.logLevel,
        );
        results.push({ executionId: id, ruleId: route.ruleId, status: "skipped" });
        continue;
      }
      ran++;
      const { result, run } = await runRule(ctx, route, {
        event: args.event,
        base,
        handlers,
        options,
      });
      if (run) runs.push(run);
      results.push(result);
    }
    await enqueueRuns(ctx, runs);
    // One line per dispatch: what was considered and how it ended. Its
    // fields are built only when the line is printed (dispatch is hot).
    const dispatchLevel = results.length === 0 ? "DEBUG" : "INFO";
    if (shouldLog(dispatchLevel, options.logLevel)) {
      log(
        dispatchLevel,
        "dispatch",
        {
          ...scope,
          eventId: args.eventId,
          causedBy: args.causedBy,
          candidates: candidates.length,
          executions: results.map((r) => ({ ruleId: r.ruleId, executionId: r.executionId, status: r.status })),
        },
        options.logLevel,
      );
    }

    if (args.eventId !== undefined) {
      await ctx.db.insert("processedEvents", {
        integrationId: args.integrationId,
        namespace,
        eventId: args.eventId,
        receivedAt: Date.now(),
        results: results.map((r) => ({
          executionId: r.executionId as Id<"ruleExecutions">,
          ruleId: r.ruleId,
          status: r.status,
        })),
      });
    }
    return results;
  },
});

/** The fields every execution of one event (or one schedule slot) shares. */
export type ExecutionBase = Pick<
  Doc<"ruleExecutions">,
  "integrationId" | "namespace" | "triggerType" | "chain" | "triggerData" | "startTime"
> &
  Partial<
    Pick<
      Doc<"ruleExecutions">,
      "eventId" | "causedBy" | "triggerDataSanitized" | "slot" | "monitoring" | "logLevel"
    >
  >;

/** What running a rule needs of it: a route row, or a rule document's fields. */
export type RunnableRule = Pick<
  Doc<"ruleRoutes">,
  "ruleId" | "name" | "version" | "conditions" | "actions"
>;

/** An action to hand to workpool, for `enqueueRuns`. */
export type PendingRun = {
  executionId: Id<"ruleExecutions">;
  execution: ExecutionState;
  start: ActionStart;
};

/**
 * Runs one rule for one event whose trigger (pattern, or schedule slot)
 * already matched: evaluates its conditions with an explanation, records the
 * execution and decides its first step. Returns the action to enqueue, if
 * any, so that callers can enqueue every run of an event in one batch. Used
 * by `execute` and by scheduled fires (`schedules.fireSchedule`).
 */
export async function runRule(
  ctx: MutationCtx,
  route: RunnableRule,
  {
    event,
    base,
    handlers,
    options,
  }: { event: unknown; base: ExecutionBase; handlers: Handlers; options: DispatchOptions },
): Promise<{ result: ExecuteResult; run?: PendingRun }> {
  const record = (fields: ExecutionFields) =>
    insertExecution(ctx, {
      ...base,
      ruleId: route.ruleId,
      ruleName: route.name,
      ruleVersion: route.version,
      ...fields,
    });
  const logData =
    base.eventId === undefined && base.slot === undefined
      ? undefined
      : {
          ...(base.eventId === undefined ? {} : { eventId: base.eventId }),
          ...(base.slot === undefined ? {} : { slot: base.slot }),
        };

  const conditions = compiledFor(route);
  const custom = await customResults(ctx, conditions.tree, event, handlers);
  const { met, explanation } = conditions.compiled.evaluate(event, {
    now: Date.now(),
    explain: true,
    custom: (node) => custom.get(node.id) ?? { error: `no result for condition ${node.id}` },
  });
  const explanationValue = sanitizeForStorage(flattenExplanation(explanation ?? []), {
    maxBytes: EXPLANATION_MAX_BYTES,
    depthOffset: 1,
  }).value;
  if (!met) {
    const id = await record({
      status: "skipped",
      triggered: true,
      explanation: explanationValue,
    });
    await appendLog(
      ctx,
      id,
      { level: "info", component: "condition", message: "Conditions not met: no action runs" },
      base.logLevel,
    );
    return { result: { executionId: id, ruleId: route.ruleId, status: "skipped" } };
  }
  const actions: ActionRun[] = route.actions.map((action) => {
    // A host handler, else a built-in (http.request) with the policy in force now.
    const handler = handlers.actions[action.type] ?? builtinHandlerFor(action.type, handlers);
    return {
      id: action.id,
      type: action.type,
      onError: action.onError ?? "stop",
      template: action.config,
      status: "pending",
      attempts: 0,
      ...(handler
        ? {
            handler: {
              ...handler,
              // null means "never retry" and must survive the default.
              retry: handler.retry === undefined ? options.defaultRetry : handler.retry,
            },
          }
        : {}),
    };
  });
  // The first step is decided before the insert, so a running execution
  // costs one write and no read-back.
  const state: ExecutionState = {
    ruleId: route.ruleId,
    ruleName: route.name,
    ruleVersion: route.version,
    triggerData: base.triggerData,
    actions,
  };
  // Quotas count the action it starts (or make it wait, or refuse it).
  const step = await applyQuota(ctx, base, advance(state));
  const id = await record({
    status: step.finish?.status ?? "running",
    triggered: true,
    conditionsMet: true,
    explanation: explanationValue,
    actions: step.actions,
    ...(step.finish
      ? {
          successful: step.finish.successful,
          resultData: step.finish.resultData,
          ...(step.finish.error === undefined ? {} : { error: step.finish.error }),
        }
      : {}),
  });
  await appendLog(
    ctx,
    id,
    {
      level: "info",
      component: "trigger",
      message: `Rule "${route.name}" (v${route.version}) triggered`,
      ...(logData === undefined ? {} : { data: logData }),
    },
    base.logLevel,
  );
  for (const entry of step.logs) await appendLog(ctx, id, entry, base.logLevel);
  return {
    result: { executionId: id, ruleId: route.ruleId, status: step.finish?.status ?? "running" },
    ...(step.start ? { run: { executionId: id, execution: state, start: step.start } } : {}),
  };
}

/** Stored patterns were validated; should one still be invalid, it matches nothing. */
function patternMatches(route: Doc<"ruleRoutes">, event: unknown): boolean {
  try {
    return matchPattern(route.triggerPattern ?? undefined, event);
  } catch {
    return false;
  }
}

type ExecutionFields = {
  status: Doc<"ruleExecutions">["status"];
  triggered: boolean;
  conditionsMet?: boolean;
  successful?: boolean;
  explanation?: unknown;
  actions?: ActionRun[];
  resultData?: unknown;
  error?: string;
};

async function insertExecution(
  ctx: MutationCtx,
  fields: Omit<
    Doc<"ruleExecutions">,
    "_id" | "_creationTime" | "conditionsMet" | "successful" | "actions" | "status" | "triggered"
  > &
    ExecutionFields,
): Promise<Id<"ruleExecutions">> {
  const done = fields.status !== "running";
  const id = await ctx.db.insert("ruleExecutions", {
    ...fields,
    conditionsMet: fields.conditionsMet ?? false,
    successful: fields.successful ?? false,
    actions: fields.actions ?? [],
    ...(done ? { endTime: fields.startTime, ...finishedFields(ctx, fields.monitoring) } : {}),
  });
  // Stats rollup wake-up; after a failure, the consecutive-failure check.
  if (done) await executionFinished(ctx, { _id: id, ...fields });
  return id;
}

function checkDispatchArgs(args: {
  integrationId: string;
  triggerType: string;
  eventId?: string;
  namespace?: string;
  handlers?: Handlers;
  options?: DispatchOptions;
}) {
  for (const field of ["integrationId", "triggerType"] as const) {
    const problem = idFormatProblem(args[field]);
    if (problem) fail("INVALID_ARGUMENT", `${field}: ${problem}`, field);
  }
  if (args.namespace) {
    const problem = idFormatProblem(args.namespace);
    if (problem) fail("INVALID_ARGUMENT", `namespace: ${problem}`, "namespace");
  }
  if (args.eventId !== undefined && (args.eventId.length === 0 || args.eventId.length > 256)) {
    fail("INVALID_ARGUMENT", "eventId: must be 1 to 256 characters", "eventId");
  }
  checkHandlers(args.handlers);
  if (args.options?.defaultRetry) checkRetry(args.options.defaultRetry, "options.defaultRetry");
  const { maxRulesPerEvent, maxDepth } = args.options ?? {};
  for (const [field, value] of [
    ["options.maxRulesPerEvent", maxRulesPerEvent],
    ["options.maxDepth", maxDepth],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 1000)) {
      fail("INVALID_ARGUMENT", `${field}: must be an integer from 1 to 1000`, field);
    }
  }
}

/** Handlers must be function handles with sane retry policies (also checked when stored). */
export function checkHandlers(handlers: Handlers | undefined) {
  const handles = [
    ...Object.entries(handlers?.actions ?? {}).map(([type, h]) => [`handlers.actions.${type}`, h.handle]),
    ...Object.entries(handlers?.conditions ?? {}).map(([type, h]) => [`handlers.conditions.${type}`, h.handle]),
  ];
  for (const [field, handle] of handles) {
    if (!handle.startsWith("function://")) {
      fail("INVALID_ARGUMENT", `${field}: "${handle}" is not a function handle`, field);
    }
  }
  for (const [type, handler] of Object.entries(handlers?.actions ?? {})) {
    if (handler.retry) checkRetry(handler.retry, `handlers.actions.${type}.retry`);
  }
}


/** The rule ids up the causing chain of `causedBy`, oldest first. */
async function causingChain(
  ctx: MutationCtx,
  causedBy: string | undefined,
): Promise<{ ruleIds: string[] }> {
  if (causedBy === undefined) return { ruleIds: [] };
  const id = ctx.db.normalizeId("ruleExecutions", causedBy);
  if (!id) fail("INVALID_ARGUMENT", `causedBy: "${causedBy}" is not an execution id`, "causedBy");
  const parent = await ctx.db.get("ruleExecutions", id);
  // The causing execution may have been cleaned up: its rule id is unknown,
  // but the depth still counts.
  if (!parent) return { ruleIds: ["(deleted execution)"] };
  return { ruleIds: [...parent.chain, parent.ruleId] };
}

type CompiledRule = { tree: Condition[]; compiled: CompiledConditions };
const compiledRules = new Map<string, CompiledRule>();
const MAX_COMPILED_RULES = 5000;

/**
 * Conditions compiled once and kept between events, by their content: a
 * rule id and version do not identify conditions (a rule deleted and created
 * again with the same id starts at version 1 again, and module state may be
 * shared by several deployments of the component). `convexToJson` keeps
 * bigints, NaN and -0 apart from strings, so equal keys mean equal trees.
 */
function compiledFor(route: Pick<Doc<"ruleRoutes">, "conditions">): CompiledRule {
  const key = JSON.stringify(convexToJson(route.conditions as Value));
  let entry = compiledRules.get(key);
  if (!entry) {
    if (compiledRules.size >= MAX_COMPILED_RULES) compiledRules.clear();
    const tree = nestConditions(route.conditions);
    entry = { tree, compiled: compileConditions(tree) };
    compiledRules.set(key, entry);
  }
  return entry;
}

/** Asks the host's queries for the custom conditions of a rule. */
export async function customResults(
  ctx: QueryCtx,
  tree: Condition[],
  event: unknown,
  handlers: Handlers,
): Promise<Map<string, boolean | { error: string }>> {
  const results = new Map<string, boolean | { error: string }>();
  const visit = async (list: Condition[]) => {
    for (const node of list) {
      const children = node.config?.conditions;
      if (isGroupType(node.type) || node.type === "field") {
        if (Array.isArray(children)) await visit(children);
        continue;
      }
      const handler = handlers.conditions[node.type];
      if (!handler) {
        results.set(node.id, { error: `no handler declared for custom condition type "${node.type}"` });
        continue;
      }
      try {
        const answer = await ctx.runQuery(
          handler.handle as FunctionHandle<"query">,
          { config: node.config, event },
        );
        results.set(
          node.id,
          typeof answer === "boolean"
            ? answer
            : { error: `custom condition "${node.type}" answered ${JSON.stringify(answer)}, not a boolean` },
        );
      } catch (error) {
        results.set(node.id, { error: `custom condition "${node.type}" failed: ${errorMessage(error)}` });
      }
    }
  };
  await visit(tree);
  return results;
}
