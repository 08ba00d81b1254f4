/**
 * `<ExecutionList>`: executions of one rule or one integration, newest
 * first: status, time, duration and "why" in one line, paginated.
 */
import type { Execution } from "../shared.js";
import { durationMs, formatDuration, whyOf } from "../core/trace.js";
import { StatusBadge } from "./StatusBadge.js";

export type ExecutionListProps = {
  executions: readonly Execution[];
  /** Called with the id of the execution the user picks (click, Enter or Space). */
  onSelect?: (executionId: string) => void;
  /** The picked execution, marked `aria-current`. */
  selectedId?: string;
  /** Loads the next page; the "More" button shows while it is given. */
  loadMore?: () => void;
  className?: string;
};

/**
 * A table of executions; with `useExecutions` for the pages.
 *
 * @example
 * ```tsx
 * const { results, status, loadMore } = useExecutions(api.rules.listRuleExecutions, { ruleId });
 * return (
 *   <ExecutionList executions={results} onSelect={setSelected}
 *     loadMore={status === "CanLoadMore" ? () => loadMore(20) : undefined} />
 * );
 * ```
 */
export function ExecutionList({ executions, onSelect, selectedId, loadMore, className }: ExecutionListProps) {
  return (
    <div className={["cr-list", className].filter(Boolean).join(" ")}>
      <table aria-label="Executions">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Rule</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {executions.map((execution) => (
            <tr
              key={execution.executionId}
              data-status={execution.status}
              aria-current={execution.executionId === selectedId ? "true" : undefined}
            >
              <td>
                <StatusBadge status={execution.status} />
              </td>
              <td>
                {onSelect ? (
                  <button type="button" className="cr-select" onClick={() => onSelect(execution.executionId)}>
                    {execution.ruleName}
                  </button>
                ) : (
                  execution.ruleName
                )}
              </td>
              <td>
                <time dateTime={new Date(execution.startTime).toISOString()}>
                  {new Date(execution.startTime).toISOString()}
                </time>
              </td>
              <td>{formatDuration(durationMs(execution.startTime, execution.endTime))}</td>
              <td className="cr-why">{whyOf(execution)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {executions.length === 0 ? <p className="cr-empty">No executions yet.</p> : null}
      {loadMore ? (
        <button type="button" className="cr-more" onClick={loadMore}>
          More
        </button>
      ) : null}
    </div>
  );
}
