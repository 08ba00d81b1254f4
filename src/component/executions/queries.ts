/** Reading executions: one, a rule's latest, or a namespace's by page. */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { paginator } from "convex-helpers/server/pagination";
import type { Doc, Id } from "../_generated/dataModel.js";
import { query, type QueryCtx } from "../_generated/server.js";
import schema from "../schema.js";
import { vExecution, vExecutionStatus, vScopePageArgs, type Execution } from "../../shared.js";
import { checkLimit, fail } from "../lib/errors.js";

const DEFAULT_EXECUTIONS_LIMIT = 50;

/**
 * Executions as queries return them: handlers stay inside the component,
 * and the event is read from its shared `ruleEvents` document (once per
 * event, however many executions of the batch refer to it).
 */
export class ExecutionReader {
  private readonly events = new Map<string, Promise<Doc<"ruleEvents"> | null>>();

  constructor(private readonly ctx: QueryCtx) {}

  async read(doc: Doc<"ruleExecutions">): Promise<Execution> {
    // finishedTs and monitoring are the stats rollup's bookkeeping (stats.ts).
    const {
      _id,
      _creationTime,
      actions,
      eventRef,
      finishedTs: _finishedTs,
      monitoring: _monitoring,
      ...fields
    } = doc;
    const event = eventRef === undefined ? null : await this.event(eventRef);
    return {
      executionId: _id,
      ...fields,
      // An event deleted before its executions (never by retention) leaves null.
      triggerData: eventRef === undefined ? (fields.triggerData ?? null) : (event?.data ?? null),
      ...(event?.sanitized ? { triggerDataSanitized: true } : {}),
      actions: actions.map(({ handler: _handler, template: _template, ...action }) => action),
    };
  }

  async readAll(docs: Doc<"ruleExecutions">[]): Promise<Execution[]> {
    return await Promise.all(docs.map((doc) => this.read(doc)));
  }

  private event(id: Id<"ruleEvents">): Promise<Doc<"ruleEvents"> | null> {
    let found = this.events.get(id);
    if (!found) {
      found = this.ctx.db.get("ruleEvents", id);
      this.events.set(id, found);
    }
    return found;
  }
}

/**
 * The latest `limit` (default 50, at most 1000) executions of a rule, newest
 * first. Reads only the executions it returns.
 */
export const getRuleExecutions = query({
  args: { ruleId: v.string(), limit: v.optional(v.number()) },
  returns: v.array(vExecution),
  handler: async (ctx, args) => {
    const limit = checkLimit(args.limit, DEFAULT_EXECUTIONS_LIMIT);
    const docs = await ctx.db
      .query("ruleExecutions")
      .withIndex("by_rule_start", (q) => q.eq("ruleId", args.ruleId))
      .order("desc")
      .take(limit);
    return await new ExecutionReader(ctx).readAll(docs);
  },
});

/** One page of a rule's executions, newest first. */
export const listRuleExecutions = query({
  args: { ruleId: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vExecution),
  handler: async (ctx, args) => {
    const result = await paginator(ctx.db, schema)
      .query("ruleExecutions")
      .withIndex("by_rule_start", (q) => q.eq("ruleId", args.ruleId))
      .order("desc")
      .paginate(args.paginationOpts);
    return { ...result, page: await new ExecutionReader(ctx).readAll(result.page) };
  },
});

/** One execution, or null when it does not exist (or was cleaned up). */
export const getExecution = query({
  args: { executionId: v.string() },
  returns: v.union(vExecution, v.null()),
  handler: async (ctx, args) => {
    const id = ctx.db.normalizeId("ruleExecutions", args.executionId);
    if (!id) {
      fail("INVALID_ARGUMENT", `executionId: "${args.executionId}" is not an execution id`, "executionId");
    }
    const doc = await ctx.db.get("ruleExecutions", id);
    return doc ? await new ExecutionReader(ctx).read(doc) : null;
  },
});

/** One page of the executions of an integration and namespace, newest first. */
export const listExecutions = query({
  args: { ...vScopePageArgs.fields, status: v.optional(vExecutionStatus) },
  returns: paginationResultValidator(vExecution),
  handler: async (ctx, args) => {
    const namespace = args.namespace ?? "";
    const { status } = args;
    const executions = paginator(ctx.db, schema).query("ruleExecutions");
    const ordered =
      status === undefined
        ? executions.withIndex("by_scope", (q) =>
            q.eq("integrationId", args.integrationId).eq("namespace", namespace),
          )
        : executions.withIndex("by_scope_status", (q) =>
            q.eq("integrationId", args.integrationId).eq("namespace", namespace).eq("status", status),
          );
    const result = await ordered.order("desc").paginate(args.paginationOpts);
    return { ...result, page: await new ExecutionReader(ctx).readAll(result.page) };
  },
});
