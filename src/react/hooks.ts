/**
 * Hooks over the host's own queries (the read functions `rules.api` builds,
 * behind its `auth`): the component is never called from the browser.
 */
import { usePaginatedQuery, useQuery } from "convex/react";
import type { FunctionArgs, FunctionReference, PaginationOptions, PaginationResult } from "convex/server";
import type { Execution, ExecutionLog } from "../shared.js";

type ExecutionQuery = FunctionReference<"query", "public", { executionId: string }, Execution | null>;
type LogsQuery = FunctionReference<"query", "public", { executionId: string }, ExecutionLog[]>;
/** A paginated query of executions; its other arguments are what `useExecutions` takes. */
type PagedExecutions = FunctionReference<
  "query",
  "public",
  { paginationOpts: PaginationOptions },
  PaginationResult<Execution>
>;

/**
 * One execution (`undefined` while loading, `null` when it does not exist).
 *
 * @example
 * ```tsx
 * const execution = useExecution(api.rules.getExecution, selectedId);
 * ```
 */
export function useExecution(query: ExecutionQuery, executionId: string | undefined): Execution | null | undefined {
  return useQuery(query, executionId === undefined ? "skip" : { executionId });
}

/**
 * An execution's logs, in the order they were written.
 *
 * @example
 * ```tsx
 * const logs = useExecutionLogs(api.rules.getExecutionLogs, selectedId);
 * ```
 */
export function useExecutionLogs(query: LogsQuery, executionId: string | undefined): ExecutionLog[] | undefined {
  return useQuery(query, executionId === undefined ? "skip" : { executionId });
}

/**
 * Pages of executions, newest first: of one rule (`api.rules.listRuleExecutions`,
 * `{ ruleId }`) or of one integration (`api.rules.listExecutions`, `{ integrationId }`).
 *
 * @example
 * ```tsx
 * const { results, status, loadMore } = useExecutions(api.rules.listRuleExecutions, { ruleId });
 * ```
 */
export function useExecutions<Query extends PagedExecutions>(
  query: Query,
  // From the query alone: an argument of a narrower type (a union of
  // integration ids) must not narrow what the query is expected to take.
  args: Omit<FunctionArgs<Query>, "paginationOpts">,
  options: { initialNumItems?: number } = {},
) {
  // usePaginatedQuery's own types want the query's args without paginationOpts.
  return usePaginatedQuery(query as any, args as any, { initialNumItems: options.initialNumItems ?? 20 }) as {
    results: Execution[];
    status: "LoadingFirstPage" | "CanLoadMore" | "LoadingMore" | "Exhausted";
    loadMore: (numItems: number) => void;
    isLoading: boolean;
  };
}
