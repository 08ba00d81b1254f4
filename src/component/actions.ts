/**
 * Running an execution's actions durably: one at a time, in order, through
 * @convex-dev/workpool (retries with backoff and jitter, bounded
 * parallelism, completion callbacks), recording every attempt.
 */
import { ConvexError, v } from "convex/values";
import { createFunctionHandle, type FunctionHandle } from "convex/server";
import { vOnCompleteArgs, NonRetryableError } from "@convex-dev/workpool";
import { components, internal } from "./_generated/api.js";
import type { Doc, Id } from "./_generated/dataModel.js";
import {
  internalAction,
  internalMutation,
  mutation,
  type MutationCtx,
} from "./_generated/server.js";
import {
  vExecutionStatus,
  type ActionHandler,
  type ActionRun,
  type ExecutionStatus,
  type RetryBehavior,
} from "../shared.js";
import { renderTemplate } from "../core/template.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import { errorMessage, fail } from "./errors.js";
import { appendLog, type LogEntry } from "./logs.js";

/** Host actions running at once, across all executions. */
export const ACTION_PARALLELISM = 10;
/** Retries when neither the action type nor the client sets a policy. */
export const DEFAULT_RETRY: RetryBehavior = { maxAttempts: 3, initialBackoffMs: 1000, base: 2 };
/** An action's stored result is capped; bigger results are truncated with a marker. */
const RESULT_MAX_BYTES = 64 * 1024;
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
  handler: ActionHandler;
  config: unknown;
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
    const action = actions[index];
    if (action.status !== "pending") continue;
    let error: string | undefined;
    let config: unknown;
    if (!action.handler) {
      error = `no handler for action type "${action.type}": add one to the handlers option of the Rules client`;
    } else {
      const rendered = renderTemplate(action.template, templateContext(execution, actions));
      if (rendered.ok) config = rendered.value;
      else error = `template: ${rendered.error} at config${rendered.field ? `.${rendered.field}` : ""}`;
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

/** Fails an action; with onError "stop", the pending actions after it are skipped. */
function markFailed(actions: ActionRun[], index: number, error: string) {
  actions[index] = { ...actions[index], status: "failed", error, endedAt: Date.now() };
  if (actions[index].onError === "stop") {
    for (let later = index + 1; later < actions.length; later++) {
      if (actions[later].status === "pending") {
        actions[later] = { ...actions[later], status: "skipped" };
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
  const [runHandle, completeHandle] = await Promise.all([
    createFunctionHandle(internal.actions.runAction),
    createFunctionHandle(internal.actions.onActionComplete),
  ]);
  const items = runs.map(({ executionId, execution, start }) => {
    const retry = start.handler.retry === null ? undefined : (start.handler.retry ?? DEFAULT_RETRY);
    return {
      fnHandle: runHandle,
      fnName: `actions:runAction(${start.actionId})`,
      fnType: "action" as const,
      runAt: Date.now(),
      fnArgs: {
        executionId,
        actionIndex: start.index,
        handle: start.handler.handle,
        kind: start.handler.kind,
        handlerArgs: {
          config: start.config,
          event: execution.triggerData,
          rule: { ruleId: execution.ruleId, version: execution.ruleVersion },
          execution: {
            executionId,
            actionId: start.actionId,
            idempotencyKey: `${executionId}:${start.actionId}`,
          },
        },
      },
      onComplete: { fnHandle: completeHandle, context: { executionId, actionIndex: start.index } },
      ...(retry === undefined ? {} : { retryBehavior: retry }),
    };
  });
  await ctx.runMutation(components.workpool.lib.enqueueBatch, { config: WORKPOOL_CONFIG, items });
}

/**
 * Advances a stored execution (after an action completed, or on replay) and
 * writes the result at once. Returns the execution's status afterwards.
 */
export async function advanceAndSave(
  ctx: MutationCtx,
  execution: Doc<"ruleExecutions">,
): Promise<ExecutionStatus> {
  const step = advance(execution);
  await ctx.db.patch("ruleExecutions", execution._id, {
    actions: step.actions,
    ...(step.finish ?? { status: "running", successful: false, endTime: undefined, error: undefined }),
  });
  for (const log of step.logs) await appendLog(ctx, execution._id, log);
  if (step.start) {
    await enqueueRuns(ctx, [{ executionId: execution._id, execution, start: step.start }]);
  }
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
  },
  returns: v.any(),
  handler: async (ctx, args): Promise<unknown> => {
    const attempt: number = await ctx.runMutation(internal.actions.recordAttempt, {
      executionId: args.executionId,
      actionIndex: args.actionIndex,
    });
    const handlerArgs = { ...args.handlerArgs, execution: { ...args.handlerArgs.execution, attempt } };
    try {
      return args.kind === "action"
        ? await ctx.runAction(args.handle as FunctionHandle<"action">, handlerArgs)
        : await ctx.runMutation(args.handle as FunctionHandle<"mutation">, handlerArgs);
    } catch (error) {
      const message = errorMessage(error);
      await ctx.runMutation(internal.actions.recordAttemptError, {
        executionId: args.executionId,
        actionIndex: args.actionIndex,
        attempt,
        error: message,
      });
      if (isMissingFunction(error)) {
        throw new NonRetryableError(
          `the action's handler no longer exists (was the host function renamed or removed?): ${message}`,
        );
      }
      // Workpool records a thrown non-Error as String(value): "[object Object]".
      throw error instanceof Error ? error : new Error(message);
    }
  },
});

/** Counts an attempt and logs it; returns its number (1 for the first). */
export const recordAttempt = internalMutation({
  args: { executionId: v.id("ruleExecutions"), actionIndex: v.number() },
  returns: v.number(),
  handler: async (ctx, args) => {
    const execution = await ctx.db.get("ruleExecutions", args.executionId);
    if (!execution) return 0;
    const actions = execution.actions.map((a) => ({ ...a }));
    const action = actions[args.actionIndex];
    action.attempts += 1;
    await ctx.db.patch("ruleExecutions", args.executionId, { actions });
    await appendLog(ctx, args.executionId, {
      level: "info",
      component: "action",
      componentId: action.id,
      message: `Action ${action.id} (${action.type}): attempt ${action.attempts}`,
    });
    return action.attempts;
  },
});

export const recordAttemptError = internalMutation({
  args: {
    executionId: v.id("ruleExecutions"),
    actionIndex: v.number(),
    attempt: v.number(),
    error: v.string(),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const execution = await ctx.db.get("ruleExecutions", args.executionId);
    const action = execution?.actions[args.actionIndex];
    if (!action) return null;
    await appendLog(ctx, args.executionId, {
      level: "warn",
      component: "action",
      componentId: action.id,
      message: `Action ${action.id} (${action.type}): attempt ${args.attempt} failed: ${args.error}`,
    });
    return null;
  },
});

/** Workpool's callback when an action finished (after its last retry). */
export const onActionComplete = internalMutation({
  args: vOnCompleteArgs(v.object({ executionId: v.id("ruleExecutions"), actionIndex: v.number() })),
  returns: v.null(),
  handler: async (ctx, args) => {
    const { executionId, actionIndex } = args.context;
    const execution = await ctx.db.get("ruleExecutions", executionId);
    if (!execution) return null;
    const actions = execution.actions.map((a) => ({ ...a }));
    const action = actions[actionIndex];
    if (!action || action.status !== "running") return null;
    if (args.result.kind === "success") {
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
      await appendLog(ctx, executionId, {
        level: "info",
        component: "action",
        componentId: action.id,
        message: `Action ${action.id} (${action.type}) succeeded after ${action.attempts} attempt(s)`,
        data: stored.sanitized ? { resultSanitized: stored.notes } : undefined,
      });
    } else {
      const error = args.result.kind === "failed" ? args.result.error : "canceled";
      markFailed(actions, actionIndex, error);
      await appendLog(ctx, executionId, {
        level: "error",
        component: "action",
        componentId: action.id,
        message: `Action ${action.id} (${action.type}) failed after ${action.attempts} attempt(s): ${error}`,
      });
    }
    await advanceAndSave(ctx, { ...execution, actions });
    return null;
  },
});

/**
 * Re-runs the failed actions of a failed execution (and those a failure
 * stopped), never the ones that succeeded.
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
    if (execution.status !== "failed") {
      fail(
        "NOT_REPLAYABLE",
        `executionId: only failed executions can be replayed; this one is ${execution.status}`,
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
    await appendLog(ctx, id, {
      level: "info",
      component: "action",
      message: `Replay: re-running ${replayed.join(", ")}`,
    });
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
