/** An execution's logs, as the client reads them (executions/records.ts writes them). */
import { v } from "convex/values";
import { query } from "./_generated/server.js";
import { vExecutionLog } from "../shared.js";
import { checkLimit, fail } from "./lib/errors.js";

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
