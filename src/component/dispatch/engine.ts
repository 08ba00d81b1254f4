/**
 * Dispatch: an event comes in, its candidate rules are found through the
 * routing index, patterns and conditions decide which run, and every rule
 * considered gets an execution record with the explanation.
 */
import { v, type Infer } from "convex/values";
import type { FunctionHandle } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel.js";
import { internal } from "../_generated/api.js";
import { internalMutation, mutation, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import {
  EVENT_MAX_BYTES,
  vDispatchOptions,
  vExecuteResult,
  vHandlers,
  type ActionRun,
  type Condition,
  type DispatchOptions,
  type ExecuteResult,
  type Handlers,
} from "../../shared.js";
import { idFormatProblem, isGroupType } from "../../core/conditions.js";
import { matchPattern } from "../../core/patternMatch.js";
import { sanitizeForStorage } from "../../core/sanitize.js";
import { compileCandidate, evaluateCandidate, type CompiledCandidate } from "../../core/candidate.js";
import { sameValue } from "../../core/sameValue.js";
import { errorMessage, fail } from "../lib/errors.js";
import { appendLog, insertExecution, type ExecutionFields } from "../executions/records.js";
import { log, shouldLog } from "../lib/logging.js";
import { candidates, vRunCursor, type RunCursor } from "../rules/routes.js";
import { usedShare } from "../lib/transactionLimits.js";
import { applyQuota } from "./quotas.js";
// Stats and auto-disable: trigger activity, finished executions.
import { noteEvent } from "../executions/health.js";
import { deleteEventIfUnused } from "../executions/events.js";
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
/** Inline trigger data (a scheduled fire's slot) is capped so an execution document always fits. */
export const TRIGGER_DATA_MAX_BYTES = 256 * 1024;
/**
 * A batch of dispatch stops taking candidates once it has used this share
 * of any transaction limit; what one more candidate can add keeps it well
 * under half of each.
 */
export const BATCH_LIMIT_SHARE = 0.25;
/** The most candidates one batch of dispatch records. */
export const MAX_BATCH_CANDIDATES = 250;

/** What every batch of one event's dispatch shares (the continuation's arguments). */
const vDispatchJob = v.object({
  integrationId: v.string(),
  namespace: v.string(),
  triggerType: v.string(),
  eventRef: v.id("ruleEvents"),
  eventId: v.optional(v.string()),
  causedBy: v.optional(v.string()),
  chain: v.array(v.string()),
  handlers: vHandlers,
  options: vDispatchOptions,
  /** Rules run by the batches so far (against `maxRulesPerEvent`). */
  ran: v.number(),
});
type DispatchJob = Infer<typeof vDispatchJob>;
/** A first batch's job: its event is not stored yet. */
type PendingJob = Omit<DispatchJob, "eventRef">;

/**
 * Runs the rules an event matches. Returns, for every rule considered (its
 * pattern matched, or it was refused by a limit), the execution recorded.
 * The event is stored once (`ruleEvents`); executions refer to it. When an
 * event has more candidates than one transaction should take, the first
 * batch is returned and the rest are recorded by follow-up transactions,
 * scheduled at once, in the same run order. A redelivered `eventId` runs
 * nothing and returns the first batch's executions with status "duplicate".
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
    const options = args.options ?? {};
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
    // Rules see the event as stored, in this batch and in later ones alike.
    const stored = sanitizeForStorage(args.event, { maxBytes: EVENT_MAX_BYTES, depthOffset: 1 });
    // Stored once its first execution is recorded (or a later batch needs
    // it): an event no rule matched is not kept, as events live exactly as
    // long as their executions (executions/events.ts).
    let eventRef: Id<"ruleEvents"> | undefined;
    const storeEvent = async () =>
      (eventRef ??= await ctx.db.insert("ruleEvents", {
        ...scope,
        ...(args.eventId === undefined ? {} : { eventId: args.eventId }),
        data: stored.value,
        ...(stored.sanitized || args.eventSanitized ? { sanitized: true } : {}),
        receivedAt: Date.now(),
      }));
    const job: PendingJob = {
      ...scope,
      ...(args.eventId === undefined ? {} : { eventId: args.eventId }),
      ...(args.causedBy === undefined ? {} : { causedBy: args.causedBy }),
      chain: chain.ruleIds,
      handlers: args.handlers ?? { actions: {}, conditions: {} },
      options,
      ran: 0,
    };
    const { results } = await dispatchBatch(ctx, job, stored.value, null, storeEvent);
    if (args.eventId !== undefined) {
      await ctx.db.insert("processedEvents", {
        integrationId: args.integrationId,
        namespace,
        eventId: args.eventId,
        receivedAt: Date.now(),
        ...(eventRef === undefined ? {} : { eventRef }),
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

/** A later batch of a dispatch: the candidates after `after`, in run order. */
export const continueDispatch = internalMutation({
  args: { job: vDispatchJob, after: vRunCursor },
  returns: v.null(),
  handler: async (ctx, { job, after }) => {
    const event = await ctx.db.get("ruleEvents", job.eventRef);
    // Deleted meanwhile (its executions were cleared): nothing left to record against.
    if (!event) return null;
    const { eventRef } = job;
    const { continues } = await dispatchBatch(ctx, job, event.data, after, async () => eventRef);
    // The last batch: an event whose batches recorded nothing is not kept.
    if (!continues) await deleteEventIfUnused(ctx, eventRef);
    return null;
  },
});

/**
 * Records the candidates of one batch, from `after` on, until the batch's
 * share of the transaction limits or `MAX_BATCH_CANDIDATES` is reached; then
 * schedules the next batch. `storeEvent` gives the stored event's id,
 * storing it on first use: a batch that records nothing stores nothing.
 * Returns the executions recorded, and whether a next batch was scheduled.
 */
async function dispatchBatch(
  ctx: MutationCtx,
  job: PendingJob,
  event: unknown,
  after: RunCursor | null,
  storeEvent: () => Promise<Id<"ruleEvents">>,
): Promise<{ results: ExecuteResult[]; continues: boolean }> {
  const { options } = job;
  const maxRules = options.maxRulesPerEvent ?? DEFAULT_MAX_RULES_PER_EVENT;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const scope = { integrationId: job.integrationId, namespace: job.namespace, triggerType: job.triggerType };
  const startTime = Date.now();
  let base: ExecutionBase | undefined;
  const baseOf = async (): Promise<ExecutionBase> =>
    (base ??= {
      ...scope,
      eventRef: await storeEvent(),
      ...(job.eventId === undefined ? {} : { eventId: job.eventId }),
      ...(job.causedBy === undefined ? {} : { causedBy: job.causedBy }),
      chain: job.chain,
      startTime,
      ...(options.monitoring === undefined ? {} : { monitoring: options.monitoring }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    });
  const inChain = new Set(job.chain);
  const results: ExecuteResult[] = [];
  const runs: PendingRun[] = [];
  let ran = job.ran;
  let considered = 0;
  let read = 0;
  let pendingBytes = 0;
  let last: RunCursor | null = null;
  let more = false;
  for await (const route of candidates(ctx, scope, event, after)) {
    if (
      last !== null &&
      (considered >= MAX_BATCH_CANDIDATES ||
        (await usedShare(ctx, { bytesWritten: pendingBytes, documentsWritten: runs.length })) >= BATCH_LIMIT_SHARE)
    ) {
      more = true;
      break;
    }
    last = { priority: route.priority, ruleCreatedAt: route.ruleCreatedAt, ruleId: route.ruleId };
    read++;
    if (!patternMatches(route, event)) continue;
    considered++;
    const refusal = inChain.has(route.ruleId)
      ? { status: "loop_blocked" as const, error: `rule "${route.ruleId}" is already in the causing chain ${job.chain.join(" -> ")}` }
      : job.chain.length >= maxDepth
        ? {
            status: "loop_blocked" as const,
            error: `the causing chain ${job.chain.join(" -> ")} reached the maximum depth of ${maxDepth}`,
          }
        : ran >= maxRules
          ? { status: "skipped" as const, error: `this event already ran ${maxRules} rules, the most one event may run` }
          : null;
    if (refusal) {
      // One document says why: a refused rule costs one write.
      const id = await insertExecution(ctx, {
        ...(base ?? (await baseOf())),
        ruleId: route.ruleId,
        ruleName: route.name,
        ruleVersion: route.version,
        status: refusal.status,
        triggered: true,
        error: refusal.error,
      });
      results.push({ executionId: id, ruleId: route.ruleId, status: refusal.status });
      continue;
    }
    ran++;
    const { result, run } = await runRule(ctx, { ...route, compiledKey: route._id }, {
      event,
      base: base ?? (await baseOf()),
      handlers: job.handlers,
      options,
    });
    if (run) {
      runs.push(run);
      pendingBytes += runPayloadBytes(run);
    }
    results.push(result);
  }
  await enqueueRuns(ctx, runs);
  if (more && last !== null) {
    await ctx.scheduler.runAfter(0, internal.dispatch.engine.continueDispatch, {
      job: { ...job, eventRef: await storeEvent(), ran },
      after: last,
    });
  }
  // One line per batch: what was considered and how it ended. Its fields
  // are built only when the line is printed (dispatch is hot).
  const dispatchLevel = results.length === 0 ? "DEBUG" : "INFO";
  if (shouldLog(dispatchLevel, options.logLevel)) {
    log(
      dispatchLevel,
      "dispatch",
      {
        ...scope,
        eventId: job.eventId,
        causedBy: job.causedBy,
        candidates: read,
        // Only for a dispatch spread over several transactions.
        ...(after === null ? {} : { continued: true }),
        ...(more ? { continues: true } : {}),
        executions: results.map((r) => ({ ruleId: r.ruleId, executionId: r.executionId, status: r.status })),
      },
      options.logLevel,
    );
  }
  return { results, continues: more && last !== null };
}

/** What an action run will write into workpool's queue, roughly. */
function runPayloadBytes(run: PendingRun): number {
  try {
    return 1024 + JSON.stringify(run.start.config ?? null).length;
  } catch {
    return 1024;
  }
}

/** The fields every execution of one event (or one schedule slot) shares. */
export type ExecutionBase = Pick<
  Doc<"ruleExecutions">,
  "integrationId" | "namespace" | "triggerType" | "chain" | "startTime"
> &
  Partial<
    Pick<
      Doc<"ruleExecutions">,
      "eventRef" | "triggerData" | "eventId" | "causedBy" | "triggerDataSanitized" | "slot" | "monitoring" | "logLevel"
    >
  >;

/** What running a rule needs of it: a route row, or a rule document's fields. */
export type RunnableRule = Pick<
  Doc<"ruleRoutes">,
  "ruleId" | "name" | "version" | "conditions" | "actions"
> & {
  /**
   * Identifies these conditions for the compiled-conditions cache: a route
   * row's id (rows are replaced on every rule change), or a rule
   * document's id and version.
   */
  compiledKey: string;
};

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

  const compiled = compiledFor(route);
  // Only custom conditions need the host: one query each.
  const custom =
    compiled.customConditions.length === 0 ? undefined : await customResults(ctx, compiled.tree, event, handlers);
  // The stored form, as it goes into the execution's `explanation`.
  const { met, explanation: explanationValue } = evaluateCandidate(compiled, event, { now: Date.now(), custom });
  if (!met) {
    // The explanation says why: a skipped rule costs one write, no log line.
    const id = await record({
      status: "skipped",
      triggered: true,
      explanation: explanationValue,
    });
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
    // Events are stored once (`eventRef`); `event` is that stored form.
    triggerData: base.triggerData ?? event,
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
export function checkHandlers(handlers: Handlers | undefined, field = "handlers") {
  const handles = [
    ...Object.entries(handlers?.actions ?? {}).map(([type, h]) => [`${field}.actions.${type}`, h.handle] as const),
    ...Object.entries(handlers?.conditions ?? {}).map(([type, h]) => [`${field}.conditions.${type}`, h.handle] as const),
  ];
  for (const [field, handle] of handles) {
    if (!handle.startsWith("function://")) {
      fail("INVALID_ARGUMENT", `${field}: "${handle}" is not a function handle`, field);
    }
  }
  for (const [type, handler] of Object.entries(handlers?.actions ?? {})) {
    if (handler.retry) checkRetry(handler.retry, `${field}.actions.${type}.retry`);
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

type CompiledRule = { conditions: RunnableRule["conditions"]; candidate: CompiledCandidate };
const compiledRules = new Map<string, CompiledRule>();
const MAX_COMPILED_RULES = 5000;

/**
 * Conditions compiled once and kept between events, by `compiledKey`. A hit
 * is checked against the stored conditions (an allocation-free walk): module
 * state can outlive one deployment's ids (convex-test reuses them per test).
 */
function compiledFor(rule: RunnableRule): CompiledCandidate {
  let entry = compiledRules.get(rule.compiledKey);
  if (!entry || !sameValue(entry.conditions, rule.conditions)) {
    if (compiledRules.size >= MAX_COMPILED_RULES) compiledRules.clear();
    entry = { conditions: rule.conditions, candidate: compileCandidate(rule.conditions) };
    compiledRules.set(rule.compiledKey, entry);
  }
  return entry.candidate;
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
