/**
 * Running an execution's actions durably: one at a time, in order, through
 * @convex-dev/workpool (retries with backoff and jitter, bounded
 * parallelism, completion callbacks), recording every attempt.
 */
import { ConvexError, v } from "convex/values";
import { createFunctionHandle, type FunctionHandle } from "convex/server";
import { vOnCompleteArgs, NonRetryableError } from "@convex-dev/workpool";
import { components, internal } from "../_generated/api.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import {
  internalAction,
  internalMutation,
  mutation,
  type ActionCtx,
  type MutationCtx,
} from "../_generated/server.js";
import {
  HTTP_REQUEST_ACTION,
  vExecutionStatus,
  type ActionRun,
  type ActionRunHandler,
  type BuiltinActionHandler,
  type ExecutionStatus,
  type Handlers,
  type RetryBehavior,
} from "../../shared.js";
import { renderTemplate } from "../../core/template.js";
import { sanitizeForStorage } from "../../core/sanitize.js";
import { retryAfterOf } from "../../core/retryAfter.js";
import {
  checkRequestUrl,
  httpPolicyProblem,
  httpRequestConfigProblem,
} from "../../core/httpPolicy.js";
import { errorMessage, fail } from "../lib/errors.js";
import { appendLog, countAttempt, saveProgress, type LogEntry } from "../executions/records.js";
import { log } from "../lib/logging.js";
import { applyQuota } from "./quotas.js";
import { eventDataOf } from "../executions/events.js";
// Stats and auto-disable: finished executions, fatal errors.
import { fatalErrorOf, fatalMarker, fatalMarkerOf } from "../../core/fatalError.js";
import { executionFinished, fatalActionFailed } from "../executions/health.js";

/** Host actions running at once, across all executions. */
export const ACTION_PARALLELISM = 10;
/** Retries when neither the action type nor the client sets a policy. */
export const DEFAULT_RETRY: RetryBehavior = { maxAttempts: 3, initialBackoffMs: 1000, base: 2 };
/** An action's stored result is capped; bigger results are truncated with a marker. */
const RESULT_MAX_BYTES = 64 * 1024;
/**
 * The longest wait a `RetryAfterError` gets: a longer Retry-After is cut to
 * this (and logged), so that a bad header cannot park an action for days.
 */
export const MAX_RETRY_AFTER_MS = 15 * 60 * 1000;
/**
 * What an attempt that asked to be retried later returns to workpool (as a
 * success, so that workpool's own backoff does not apply): the completion
 * callback enqueues the next attempt at the requested time.
 */
const RETRY_LATER = "convex-rules:retryLater";
/**
 * The engine keeps its own logs per execution; workpool's periodic reports
 * would only add noise to the host's logs.
 */
const WORKPOOL_CONFIG = { maxParallelism: ACTION_PARALLELISM, logLevel: "WARN" as const };

/** The fields of an execution that deciding its next step needs. */
export type ExecutionState = Pick<
  Doc<"ruleExecutions">,
  "ruleId" | "ruleName" | "ruleVersion" | "triggerData" | "actions"
>;

/** An action to start: what `enqueueRuns` needs besides the execution id. */
export type ActionStart = {
  index: number;
  actionId: string;
  handler: ActionRunHandler;
  config: unknown;
  /** When to start it (default now): a later attempt that asked to wait. */
  runAt?: number;
  /**
   * The number of the last attempt allowed, counted across the action's
   * whole life (replays included). Default: the attempts so far plus the
   * retry policy's `maxAttempts`.
   */
  attemptLimit?: number;
};

/** What advancing an execution decided, for the caller to write at once. */
export type Advance = {
  actions: ActionRun[];
  /** The action to start now, if any. */
  start?: ActionStart;
  /** The execution's final fields, when no action is left to run. */
  finish?: Pick<Doc<"ruleExecutions">, "status" | "successful" | "endTime" | "resultData" | "error">;
  logs: LogEntry[];
};

/**
 * Decides an execution's next step without touching the database: the next
 * pending action starts (templates filled in), or the execution finishes.
 * An action with no handler or a template that cannot be filled fails at
 * once, without an attempt.
 */
export function advance(execution: ExecutionState): Advance {
  const actions = execution.actions.map((a) => ({ ...a }));
  const logs: LogEntry[] = [];
  for (let index = 0; index < actions.length; index++) {
    const action = actions[index]!;
    if (action.status !== "pending") continue;
    let error: string | undefined;
    let config: unknown;
    if (!action.handler) {
      error =
        action.type === HTTP_REQUEST_ACTION
          ? `the built-in "${HTTP_REQUEST_ACTION}" action needs the http option of the Rules client: new Rules(components.rules, { ..., http: { allowedHosts: [...] } })`
          : `no handler for action type "${action.type}": add one to the handlers option of the Rules client`;
    } else {
      const rendered = renderTemplate(action.template, templateContext(execution, actions));
      if (rendered.ok) config = rendered.value;
      else error = `template: ${rendered.error} at config${rendered.field ? `.${rendered.field}` : ""}`;
      if (rendered.ok && action.handler.kind === "builtin") {
        // Checked after templating: the event may have filled in the URL.
        error = builtinProblem(action.handler, config) ?? undefined;
      }
    }
    if (error !== undefined) {
      markFailed(actions, index, error);
      logs.push({
        level: "error",
        component: "action",
        componentId: action.id,
        message: `Action ${action.id} (${action.type}) failed before running: ${error}`,
      });
      continue;
    }
    actions[index] = { ...action, status: "running", config, startedAt: Date.now() };
    // Stored only when the client's logLevel is "DEBUG".
    logs.push({
      level: "debug",
      component: "action",
      componentId: action.id,
      message: `Action ${action.id} (${action.type}) starts with its filled-in config`,
      data: { config },
    });
    return {
      actions,
      start: { index, actionId: action.id, handler: action.handler!, config },
      logs,
    };
  }
  const failed = actions.find((a) => a.status === "failed");
  const resultData: Record<string, unknown> = {};
  for (const action of actions) {
    if (action.status === "succeeded") resultData[action.id] = action.result ?? null;
  }
  logs.push({
    level: failed ? "error" : "info",
    component: "action",
    message: failed
      ? `Execution failed: action ${failed.id} (${failed.type}) failed`
      : `Execution succeeded: ${actions.filter((a) => a.status === "succeeded").length} action(s) ran`,
  });
  return {
    actions,
    finish: {
      status: failed ? "failed" : "succeeded",
      successful: !failed,
      endTime: Date.now(),
      resultData,
      error: failed ? `action ${failed.id} (${failed.type}) failed: ${failed.error}` : undefined,
    },
    logs,
  };
}

function templateContext(execution: ExecutionState, actions: ActionRun[]) {
  const results: Record<string, { status: string; result?: unknown }> = {};
  for (const action of actions) {
    results[action.id] = { status: action.status, result: action.result };
  }
  return {
    event: execution.triggerData,
    rule: { id: execution.ruleId, version: execution.ruleVersion, name: execution.ruleName },
    actions: results,
  };
}

/**
 * The handler of a built-in action type, when the client enabled it (its
 * `http` option for `http.request`), with the policy to store on the run.
 */
export function builtinHandlerFor(
  type: string,
  handlers: Handlers,
  /** Where `handlers` is in the call's arguments, for errors. */
  at = "handlers",
): BuiltinActionHandler | undefined {
  if (type !== HTTP_REQUEST_ACTION || !handlers.http) return undefined;
  const { retry, allowedHosts, allowHttp } = handlers.http;
  const problem = httpPolicyProblem({ allowedHosts, allowHttp });
  if (problem) {
    const field = `${at}.http.${problem.field}`;
    fail("INVALID_ARGUMENT", `${field}: ${problem.message}`, field);
  }
  if (retry) checkRetry(retry, `${at}.http.retry`);
  return {
    kind: "builtin",
    name: HTTP_REQUEST_ACTION,
    http: { allowedHosts, ...(allowHttp === undefined ? {} : { allowHttp }) },
    ...(retry === undefined ? {} : { retry }),
  };
}

/**
 * Bounds of a retry policy. Workpool takes any numbers: 0 or fractional
 * attempts, a NaN or negative backoff, or a base below 1 would make it
 * schedule retries at NaN or shrinking delays.
 */
export const RETRY_BOUNDS = {
  maxAttempts: { min: 1, max: 100, integer: true },
  initialBackoffMs: { min: 0, max: 24 * 60 * 60 * 1000, integer: false },
  base: { min: 1, max: 10, integer: false },
} as const;

/** Fails with INVALID_ARGUMENT at `prefix.<key>` when `retry` is out of `RETRY_BOUNDS`. */
export function checkRetry(retry: RetryBehavior, prefix: string) {
  for (const key of ["maxAttempts", "initialBackoffMs", "base"] as const) {
    const { min, max, integer } = RETRY_BOUNDS[key];
    const value = retry[key];
    const ok = integer ? Number.isInteger(value) : Number.isFinite(value);
    if (!ok || value < min || value > max) {
      const field = `${prefix}.${key}`;
      fail(
        "INVALID_ARGUMENT",
        `${field}: must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${value}`,
        field,
      );
    }
  }
}

/** Why a built-in action cannot run with this filled-in config, or null. */
function builtinProblem(handler: BuiltinActionHandler, config: unknown): string | null {
  const problem = httpRequestConfigProblem(config);
  if (problem) return `${HTTP_REQUEST_ACTION}: config${problem.field ? `.${problem.field}` : ""} ${problem.message}`;
  const url = checkRequestUrl((config as { url: string }).url, handler.http);
  return url.ok ? null : `${HTTP_REQUEST_ACTION}: config.url ${url.message}`;
}

/** Fails an action; with onError "stop", the pending actions after it are skipped. */
function markFailed(actions: ActionRun[], index: number, error: string) {
  actions[index] = { ...actions[index]!, status: "failed", error, endedAt: Date.now() };
  if (actions[index]!.onError === "stop") {
    for (let later = index + 1; later < actions.length; later++) {
      if (actions[later]!.status === "pending") {
        actions[later] = { ...actions[later]!, status: "skipped" };
      }
    }
  }
}

/**
 * Hands actions to workpool in one call, whatever their number: workpool
 * reads the same few documents per call, so a dispatch that starts the
 * first action of 100 executions pays that once, not 100 times.
 */
export async function enqueueRuns(
  ctx: MutationCtx,
  runs: Array<{ executionId: Id<"ruleExecutions">; execution: ExecutionState; start: ActionStart }>,
): Promise<void> {
  if (runs.length === 0) return;
  const [runHandle, completeHandle, httpHandle] = await Promise.all([
    createFunctionHandle(internal.dispatch.actions.runAction),
    createFunctionHandle(internal.dispatch.actions.onActionComplete),
    runs.some((r) => r.start.handler.kind === "builtin")
      ? createFunctionHandle(internal.dispatch.httpRequest.run)
      : undefined,
  ]);
  const items = runs.map(({ executionId, execution, start }) => {
    const policy = start.handler.retry === null ? undefined : (start.handler.retry ?? DEFAULT_RETRY);
    const attemptsSoFar = execution.actions[start.index]?.attempts ?? 0;
    const attemptLimit = start.attemptLimit ?? attemptsSoFar + (policy?.maxAttempts ?? 1);
    // Attempts already made count against the limit: a later attempt that
    // waited for Retry-After gets only what is left.
    const retry =
      policy === undefined
        ? undefined
        : { ...policy, maxAttempts: Math.max(1, attemptLimit - attemptsSoFar) };
    const target = { executionId, actionIndex: start.index, attemptLimit };
    const handler = start.handler;
    const run =
      handler.kind === "builtin"
        ? {
            fnHandle: httpHandle!,
            fnName: `httpRequest:run(${start.actionId})`,
            fnArgs: { ...target, config: start.config, http: handler.http },
          }
        : {
            fnHandle: runHandle,
            fnName: `actions:runAction(${start.actionId})`,
            fnArgs: {
              ...target,
              handle: handler.handle,
              kind: handler.kind,
              handlerArgs: {
                config: start.config,
                rule: { ruleId: execution.ruleId, version: execution.ruleVersion },
                execution: {
                  executionId,
                  actionId: start.actionId,
                  idempotencyKey: `${executionId}:${start.actionId}`,
                },
              },
            },
          };
    return {
      ...run,
      fnType: "action" as const,
      runAt: start.runAt === undefined ? Date.now() : notEarlierThan(start.runAt),
      onComplete: { fnHandle: completeHandle, context: target },
      ...(retry === undefined ? {} : { retryBehavior: retry }),
    };
  });
  await ctx.runMutation(components.workpool.lib.enqueueBatch, { config: WORKPOOL_CONFIG, items });
}

/**
 * Workpool runs work in 100 ms segments, from the start of the one its
 * `runAt` falls in: up to 99 ms early. A wait (Retry-After, a quota window)
 * starts at the next segment instead, so it is never cut short.
 */
const WORKPOOL_SEGMENT_MS = 100;

function notEarlierThan(runAt: number): number {
  return Math.ceil(runAt / WORKPOOL_SEGMENT_MS) * WORKPOOL_SEGMENT_MS;
}

/**
 * Advances a stored execution (after an action completed, or on replay) and
 * writes the result at once. Returns the execution's status afterwards.
 */
export async function advanceAndSave(
  ctx: MutationCtx,
  execution: Doc<"ruleExecutions">,
): Promise<ExecutionStatus> {
  // Templates read the event, stored once for all its executions.
  const triggerData = await eventDataOf(ctx, execution);
  // Quotas count the action it starts (or make it wait, or refuse it).
  const step = await applyQuota(ctx, execution, advance({ ...execution, triggerData }));
  await saveProgress(ctx, execution, step);
  for (const entry of step.logs) await appendLog(ctx, execution._id, entry, execution.logLevel);
  if (step.start) {
    await enqueueRuns(ctx, [{ executionId: execution._id, execution, start: step.start }]);
  }
  // Stats rollup wake-up; after a failure, the consecutive-failure check.
  if (step.finish) await executionFinished(ctx, { ...execution, ...step.finish });
  return step.finish?.status ?? "running";
}

/**
 * Runs one attempt of a host action (through workpool, which retries it).
 * Records the attempt first, so attempts that crash are counted too.
 */
export const runAction = internalAction({
  args: {
    executionId: v.id("ruleExecutions"),
    actionIndex: v.number(),
    handle: v.string(),
    kind: v.union(v.literal("mutation"), v.literal("action")),
    handlerArgs: v.any(),
    /** Absent in jobs enqueued before Retry-After support: no waiting then. */
    attemptLimit: v.optional(v.number()),
  },
  returns: v.any(),
  handler: async (ctx, args): Promise<unknown> =>
    await runAttempt(ctx, { ...args, withEvent: true }, async (attempt, event) => {
      // The event is not in workpool's payload: it is read at each attempt
      // from the one stored copy (runs enqueued by earlier versions carry it).
      const handlerArgs = {
        event,
        ...args.handlerArgs,
        execution: { ...args.handlerArgs.execution, attempt },
      };
      return args.kind === "action"
        ? await ctx.runAction(args.handle as FunctionHandle<"action">, handlerArgs)
        : await ctx.runMutation(args.handle as FunctionHandle<"mutation">, handlerArgs);
    }),
});

/**
 * One attempt of an action, whatever runs it: counts and logs the attempt,
 * runs `perform`, and logs its error. A `RetryAfterError` with attempts
 * left makes the attempt return a retry-later marker instead of throwing,
 * so that `onActionComplete` starts the next attempt at the time asked for
 * (workpool's backoff would ignore it).
 */
export async function runAttempt(
  ctx: ActionCtx,
  target: { executionId: Id<"ruleExecutions">; actionIndex: number; attemptLimit?: number; withEvent?: boolean },
  perform: (attempt: number, event: unknown) => Promise<unknown>,
): Promise<unknown> {
  const { attempt, event } = await ctx.runMutation(internal.dispatch.actions.recordAttempt, {
    executionId: target.executionId,
    actionIndex: target.actionIndex,
    ...(target.withEvent ? { withEvent: true } : {}),
  });
  try {
    return await perform(attempt, event);
  } catch (error) {
    // A FatalActionError: no retry (a marker, as for Retry-After); the
    // completion fails the action and disables the rule (health.ts).
    const fatal = fatalErrorOf(error);
    if (fatal) {
      await ctx.runMutation(internal.dispatch.actions.recordAttemptError, {
        executionId: target.executionId,
        actionIndex: target.actionIndex,
        attempt,
        error: `fatal: ${fatal.message}`,
      });
      return fatalMarker(fatal);
    }
    const retryAfter = retryAfterOf(error);
    const message = retryAfter?.message ?? dataMessage(error) ?? errorMessage(error);
    const waitMs =
      retryAfter && target.attemptLimit !== undefined && attempt < target.attemptLimit
        ? Math.min(retryAfter.retryAfterMs, MAX_RETRY_AFTER_MS)
        : undefined;
    await ctx.runMutation(internal.dispatch.actions.recordAttemptError, {
      executionId: target.executionId,
      actionIndex: target.actionIndex,
      attempt,
      error: message,
      ...(waitMs === undefined ? {} : { retryAfterMs: waitMs, askedMs: retryAfter!.retryAfterMs }),
    });
    if (waitMs !== undefined) return { [RETRY_LATER]: { waitMs, error: message } };
    if (isMissingFunction(error)) {
      throw new NonRetryableError(
        `the action's handler no longer exists (was the host function renamed or removed?): ${message}`,
      );
    }
    // No attempt left: fail with the handler's own message.
    if (retryAfter) throw new Error(message);
    // Workpool records a thrown non-Error as String(value): "[object Object]".
    throw error instanceof Error ? error : new Error(message);
  }
}

/** A NonRetryableError's own message, rather than the JSON of its data. */
function dataMessage(error: unknown): string | undefined {
  if (!(error instanceof ConvexError)) return undefined;
  const data = error.data as Record<string, unknown> | null;
  if (typeof data !== "object" || data === null || data["__convexWorkpoolNonRetryable"] !== true) {
    return undefined;
  }
  return typeof data["message"] === "string" ? data["message"] : undefined;
}

/** The wait an attempt asked for, when it returned the retry-later marker. */
function retryLaterOf(value: unknown): { waitMs: number; error: string } | null {
  if (typeof value !== "object" || value === null || !(RETRY_LATER in value)) return null;
  const marker = (value as Record<string, unknown>)[RETRY_LATER] as { waitMs?: unknown; error?: unknown };
  if (typeof marker?.waitMs !== "number" || !Number.isFinite(marker.waitMs)) return null;
  return { waitMs: marker.waitMs, error: typeof marker.error === "string" ? marker.error : "" };
}

/**
 * Counts an attempt and logs it; returns its number (1 for the first) and,
 * with `withEvent`, the execution's event for the handler.
 */
export const recordAttempt = internalMutation({
  args: { executionId: v.id("ruleExecutions"), actionIndex: v.number(), withEvent: v.optional(v.boolean()) },
  returns: v.object({ attempt: v.number(), event: v.any() }),
  handler: async (ctx, args) => {
    const execution = await ctx.db.get("ruleExecutions", args.executionId);
    if (!execution) return { attempt: 0, event: null };
    const actions = execution.actions.map((a) => ({ ...a }));
    const action = actions[args.actionIndex]!;
    action.attempts += 1;
    await countAttempt(ctx, args.executionId, actions);
    await appendLog(
      ctx,
      args.executionId,
      {
        level: "info",
        component: "action",
        componentId: action.id,
        message: `Action ${action.id} (${action.type}): attempt ${action.attempts}`,
      },
      execution.logLevel,
    );
    return { attempt: action.attempts, event: args.withEvent ? await eventDataOf(ctx, execution) : null };
  },
});

export const recordAttemptError = internalMutation({
  args: {
    executionId: v.id("ruleExecutions"),
    actionIndex: v.number(),
    attempt: v.number(),
    error: v.string(),
    /** Set when the next attempt waits for Retry-After: the wait, and what was asked. */
    retryAfterMs: v.optional(v.number()),
    askedMs: v.optional(v.number()),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const execution = await ctx.db.get("ruleExecutions", args.executionId);
    const action = execution?.actions[args.actionIndex];
    if (!action) return null;
    const wait =
      args.retryAfterMs === undefined
        ? ""
        : `; next attempt in ${seconds(args.retryAfterMs)} (Retry-After${
            args.askedMs !== undefined && args.askedMs > args.retryAfterMs
              ? ` asked ${seconds(args.askedMs)}, capped`
              : ""
          })`;
    await appendLog(
      ctx,
      args.executionId,
      {
        level: "warn",
        component: "action",
        componentId: action.id,
        message: `Action ${action.id} (${action.type}): attempt ${args.attempt} failed: ${args.error}${wait}`,
        ...(args.retryAfterMs === undefined
          ? {}
          : { data: { retryAfterMs: args.retryAfterMs, ...(args.askedMs === undefined ? {} : { askedMs: args.askedMs }) } }),
      },
      execution.logLevel,
    );
    log(
      "WARN",
      "action.attempt_failed",
      {
        integrationId: execution.integrationId,
        namespace: execution.namespace,
        ruleId: execution.ruleId,
        executionId: args.executionId,
        actionId: action.id,
        actionType: action.type,
        attempt: args.attempt,
        error: args.error,
        retryAfterMs: args.retryAfterMs,
      },
      execution.logLevel,
    );
    return null;
  },
});

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Workpool's callback when an action finished (after its last retry). */
export const onActionComplete = internalMutation({
  args: vOnCompleteArgs(
    v.object({
      executionId: v.id("ruleExecutions"),
      actionIndex: v.number(),
      attemptLimit: v.optional(v.number()),
    }),
  ),
  returns: v.null(),
  handler: async (ctx, args) => {
    const { executionId, actionIndex, attemptLimit } = args.context;
    const execution = await ctx.db.get("ruleExecutions", executionId);
    if (!execution) return null;
    const actions = execution.actions.map((a) => ({ ...a }));
    const action = actions[actionIndex];
    if (!action || action.status !== "running") return null;
    const later = args.result.kind === "success" ? retryLaterOf(args.result.returnValue) : null;
    if (later && action.handler) {
      // The attempt asked to be retried later: the action stays running.
      await enqueueRuns(ctx, [
        {
          executionId,
          execution,
          start: {
            index: actionIndex,
            actionId: action.id,
            handler: action.handler,
            config: action.config,
            runAt: Date.now() + later.waitMs,
            ...(attemptLimit === undefined ? {} : { attemptLimit }),
          },
        },
      ]);
      return null;
    }
    const fatal = args.result.kind === "success" ? fatalMarkerOf(args.result.returnValue) : null;
    if (fatal) {
      markFailed(actions, actionIndex, `fatal: ${fatal.message}`);
      await appendLog(
        ctx,
        executionId,
        {
          level: "error",
          component: "action",
          componentId: action.id,
          message: `Action ${action.id} (${action.type}) failed with a fatal error after ${action.attempts} attempt(s): ${fatal.message}`,
          ...(fatal.code === undefined ? {} : { data: { code: fatal.code } }),
        },
        execution.logLevel,
      );
      // Before the execution finishes: the rule is disabled for the fatal
      // error, not for a streak the failure may also complete.
      await fatalActionFailed(ctx, execution, action, fatal.message);
    } else if (args.result.kind === "success") {
      const stored = sanitizeForStorage(args.result.returnValue ?? null, {
        maxBytes: RESULT_MAX_BYTES,
        depthOffset: 4,
      });
      actions[actionIndex] = {
        ...action,
        status: "succeeded",
        result: stored.value,
        endedAt: Date.now(),
      };
      await appendLog(
        ctx,
        executionId,
        {
          level: "info",
          component: "action",
          componentId: action.id,
          message: `Action ${action.id} (${action.type}) succeeded after ${action.attempts} attempt(s)`,
          data: stored.sanitized ? { resultSanitized: stored.notes } : undefined,
        },
        execution.logLevel,
      );
    } else {
      const error = args.result.kind === "failed" ? args.result.error : "canceled";
      markFailed(actions, actionIndex, error);
      await appendLog(
        ctx,
        executionId,
        {
          level: "error",
          component: "action",
          componentId: action.id,
          message: `Action ${action.id} (${action.type}) failed after ${action.attempts} attempt(s): ${error}`,
        },
        execution.logLevel,
      );
    }
    await advanceAndSave(ctx, { ...execution, actions });
    return null;
  },
});

/**
 * Re-runs the failed actions of a failed execution (and those a failure
 * stopped), never the ones that succeeded; likewise the actions a quota
 * refused in a `rate_limited` execution (the quota applies again).
 */
export const replayExecution = mutation({
  args: { executionId: v.string() },
  returns: v.object({ executionId: v.string(), status: vExecutionStatus, replayed: v.array(v.string()) }),
  handler: async (ctx, args) => {
    const id = ctx.db.normalizeId("ruleExecutions", args.executionId);
    const execution = id ? await ctx.db.get("ruleExecutions", id) : null;
    if (!id || !execution) {
      fail("INVALID_ARGUMENT", `executionId: no execution "${args.executionId}"`, "executionId");
    }
    if (execution.status !== "failed" && execution.status !== "rate_limited") {
      fail(
        "NOT_REPLAYABLE",
        `executionId: only failed or rate_limited executions can be replayed; this one is ${execution.status}`,
        "executionId",
      );
    }
    const replayed: string[] = [];
    const actions = execution.actions.map((action) => {
      if (action.status !== "failed" && action.status !== "skipped") return action;
      replayed.push(action.id);
      const { error: _error, endedAt: _endedAt, ...rest } = action;
      return { ...rest, status: "pending" as const };
    });
    await appendLog(
      ctx,
      id,
      { level: "info", component: "action", message: `Replay: re-running ${replayed.join(", ")}` },
      execution.logLevel,
    );
    const status = await advanceAndSave(ctx, {
      ...execution,
      actions,
      status: "running",
      successful: false,
      endTime: undefined,
      error: undefined,
    });
    return { executionId: args.executionId, status, replayed };
  },
});

/**
 * Convex's messages when a function handle points at a function that is
 * gone (the backend's, then convex-test's). Anchored: a handler's own error
 * that merely says "couldn't find" (an item, a customer) is retried as usual.
 */
const MISSING_FUNCTION = [
  /^(Error: )?Couldn't find JavaScript module '/,
  /^(Error: )?Couldn't find "[^"]*" in module "/,
  /^(Error: )?Could not find (public )?function for '/,
  /^(Error: )?Could not find module for: "/,
  /^(Error: )?Expected a Convex function exported from module "[^"]*" as `[^`]*`, but there is no such export/,
];

function isMissingFunction(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ConvexError) return false;
  return MISSING_FUNCTION.some((pattern) => pattern.test(error.message));
}
