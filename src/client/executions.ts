/**
 * `rules.executions`: what ran. Executions (with their explanation and
 * per-action results), their logs, and replaying a failed one.
 */
import type { PaginationOptions, PaginationResult } from "convex/server";
import type { Execution, ExecutionLog, ExecutionStatus } from "../shared.js";
import type { RulesComponent, RunMutationCtx, RunQueryCtx } from "./index.js";

export class ExecutionsClient {
  constructor(private readonly component: RulesComponent) {}

  /**
   * One execution with its explanation and per-action results, or null.
   *
   * @example
   * ```ts
   * const execution = await rules.executions.get(ctx, { executionId });
   * ```
   */
  async get(ctx: RunQueryCtx, args: { executionId: string }): Promise<Execution | null> {
    return await ctx.runQuery(this.component.executions.queries.getExecution, args);
  }
  /**
   * One page of an integration's executions in a namespace, newest first,
   * optionally of one status.
   *
   * @example
   * ```ts
   * const failures = await rules.executions.list(ctx, {
   *   integrationId: "monday",
   *   status: "failed",
   *   paginationOpts: { numItems: 25, cursor: null },
   * });
   * ```
   */
  async list(
    ctx: RunQueryCtx,
    args: {
      integrationId: string;
      namespace?: string;
      status?: ExecutionStatus;
      paginationOpts: PaginationOptions;
    },
  ): Promise<PaginationResult<Execution>> {
    return await ctx.runQuery(this.component.executions.queries.listExecutions, args);
  }
  /**
   * The latest executions of a rule, newest first (default 50, at most 1000).
   *
   * @example
   * ```ts
   * const recent = await rules.executions.listForRule(ctx, { ruleId, limit: 20 });
   * ```
   */
  async listForRule(
    ctx: RunQueryCtx,
    args: { ruleId: string; limit?: number },
  ): Promise<Execution[]> {
    return await ctx.runQuery(this.component.executions.queries.getRuleExecutions, args);
  }
  /**
   * One page of a rule's executions, newest first (for `usePaginatedQuery`).
   *
   * @example
   * ```ts
   * const { page, continueCursor } = await rules.executions.listForRulePaged(ctx, {
   *   ruleId,
   *   paginationOpts: { numItems: 20, cursor: null },
   * });
   * ```
   */
  async listForRulePaged(
    ctx: RunQueryCtx,
    args: { ruleId: string; paginationOpts: PaginationOptions },
  ): Promise<PaginationResult<Execution>> {
    return await ctx.runQuery(this.component.executions.queries.listRuleExecutions, args);
  }
  /**
   * The logs of an execution, in the order they were written.
   *
   * @example
   * ```ts
   * const logs = await rules.executions.getLogs(ctx, { executionId });
   * ```
   */
  async getLogs(
    ctx: RunQueryCtx,
    args: { executionId: string; limit?: number },
  ): Promise<ExecutionLog[]> {
    return await ctx.runQuery(this.component.logs.getExecutionLogs, args);
  }
  /**
   * Re-runs the failed actions of a failed execution (and the ones its
   * failure stopped); actions that succeeded never run again.
   *
   * @example
   * ```ts
   * await rules.executions.replay(ctx, { executionId });
   * ```
   */
  async replay(
    ctx: RunMutationCtx,
    args: { executionId: string },
  ): Promise<{ executionId: string; status: ExecutionStatus; replayed: string[] }> {
    return await ctx.runMutation(this.component.dispatch.actions.replayExecution, args);
  }
}
