/** An execution's logs: reading them, and the engine's writes. */
import { v } from "convex/values";
import type { WithoutSystemFields } from "convex/server";
import type { Doc, Id } from "./_generated/dataModel.js";
import { query, type MutationCtx } from "./_generated/server.js";
import { vExecutionLog, type LogComponent, type LogLevel, type RulesLogLevel } from "../shared.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import { checkLimit, fail } from "./errors.js";
import { shouldStore } from "./logging.js";

const DEFAULT_LOG_LIMIT = 500;

/**
 * The logs of one execution in the order they were written, at most `limit`
 * (default 500, at most 1000). Fails with `INVALID_ARGUMENT` when
 * `executionId` is not an execution id.
 */
export const getExecutionLogs = query({
  args: { executionId: v.string(), limit: v.optional(v.number()) },
  returns: v.array(vExecutionLog),
  handler: async (ctx, args) => {
    const executionId = ctx.db.normalizeId("ruleExecutions", args.executionId);
    if (!executionId) {
      fail(
        "INVALID_ARGUMENT",
        `executionId: "${args.executionId}" is not an execution id`,
        "executionId",
      );
    }
    const limit = checkLimit(args.limit, DEFAULT_LOG_LIMIT);
    const logs = await ctx.db
      .query("ruleExecutionLogs")
      .withIndex("by_execution", (q) => q.eq("executionId", executionId))
      .take(limit);
    return logs.map((log) => {
      const { _id, _creationTime, ...entry } = log;
      return { ...entry, executionId: entry.executionId as string };
    });
  },
});

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
