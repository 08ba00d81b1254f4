/**
 * Every write to executions and their logs: dispatch inserts executions
 * (`insertExecution`), actions advance them (`saveProgress`,
 * `countAttempt`), the engine appends log lines (`appendLog`), and
 * deletion.ts removes them. Nothing else writes `ruleExecutions` or
 * `ruleExecutionLogs`.
 */
import type { WithoutSystemFields } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import type { ActionRun, LogComponent, LogLevel, RulesLogLevel } from "../../shared.js";
import { sanitizeForStorage } from "../../core/sanitize.js";
import { shouldStore } from "../lib/logging.js";
import { executionFinished } from "./health.js";
import { finishedFields } from "./stats.js";

export type ExecutionFields = {
  status: Doc<"ruleExecutions">["status"];
  triggered: boolean;
  conditionsMet?: boolean;
  successful?: boolean;
  explanation?: unknown;
  actions?: ActionRun[];
  resultData?: unknown;
  error?: string;
};

/**
 * Inserts an execution. One that is already finished (skipped, refused,
 * blocked) is stamped for the stats rollup and reported to health at once.
 */
export async function insertExecution(
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

/** What an execution became after a step: its actions, and its outcome once finished. */
export type Progress = {
  actions: ActionRun[];
  finish?: Partial<Pick<Doc<"ruleExecutions">, "status" | "successful" | "endTime" | "error" | "resultData">> & {
    status: Doc<"ruleExecutions">["status"];
  };
};

/**
 * Writes an execution's progress: its actions and, when it finished, its
 * outcome (stamped for the stats rollup); otherwise it is running again.
 */
export async function saveProgress(ctx: MutationCtx, execution: Doc<"ruleExecutions">, progress: Progress): Promise<void> {
  await ctx.db.patch("ruleExecutions", execution._id, {
    actions: progress.actions,
    ...(progress.finish
      ? { ...progress.finish, ...finishedFields(ctx, execution.monitoring) }
      : { status: "running", successful: false, endTime: undefined, error: undefined, finishedTs: undefined }),
  });
}

/** Stores an execution's actions after one more attempt was counted. */
export async function countAttempt(ctx: MutationCtx, executionId: Id<"ruleExecutions">, actions: ActionRun[]): Promise<void> {
  await ctx.db.patch("ruleExecutions", executionId, { actions });
}

/** One log line, as the engine writes it. */
export type LogEntry = {
  level: LogLevel;
  component: LogComponent;
  componentId?: string;
  message: string;
  data?: unknown;
};

/** Largest `data` a log line keeps; bigger data is truncated with a marker. */
const LOG_DATA_MAX_BYTES = 16 * 1024;

/**
 * Appends a line to an execution's log, unless its level is below
 * `threshold` (the execution's `logLevel`; absent: "INFO", so debug lines
 * are stored only when the client asked for "DEBUG"). `data` may come from
 * outside (an event, an action's result): it is sanitized so the write
 * cannot fail.
 */
export async function appendLog(
  ctx: MutationCtx,
  executionId: Id<"ruleExecutions">,
  entry: LogEntry,
  threshold?: RulesLogLevel,
): Promise<void> {
  if (!shouldStore(entry.level, threshold)) return;
  const { data, ...rest } = entry;
  const row: WithoutSystemFields<Doc<"ruleExecutionLogs">> = {
    executionId,
    timestamp: Date.now(),
    ...rest,
  };
  if (data !== undefined) {
    row.data = sanitizeForStorage(data, { maxBytes: LOG_DATA_MAX_BYTES, depthOffset: 1 }).value;
  }
  await ctx.db.insert("ruleExecutionLogs", row);
}
