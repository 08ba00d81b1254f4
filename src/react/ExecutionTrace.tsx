/**
 * `<ExecutionTrace>`: one execution as a picture of why it ran or didn't -
 * the trigger, each condition with the value it saw, each action with its
 * attempts, the rule version, and the logs.
 */
import type { Execution, ExecutionLog } from "../shared.js";
import {
  describeOutcome,
  describeTest,
  durationMs,
  formatDuration,
  showValue,
  traceTree,
  type TraceNode,
} from "../core/trace.js";
import { StatusBadge } from "./StatusBadge.js";

export type ExecutionTraceProps = {
  execution: Execution;
  /** Its logs (`rules.executions.getLogs`), shown under the trace when given. */
  logs?: readonly ExecutionLog[];
  className?: string;
};

/**
 * The trace of one execution.
 *
 * @example
 * ```tsx
 * const execution = useQuery(api.rules.getExecution, { executionId });
 * return execution ? <ExecutionTrace execution={execution} /> : null;
 * ```
 */
export function ExecutionTrace({
  execution,
  logs,
  className,
}: ExecutionTraceProps) {
  const tree = traceTree(execution.explanation);
  const duration = durationMs(execution.startTime, execution.endTime);
  return (
    <article
      className={["cr-trace", className].filter(Boolean).join(" ")}
      aria-label={`Execution of ${execution.ruleName}`}
      data-status={execution.status}
    >
      <header className="cr-trace-header">
        <h3 className="cr-trace-title">{execution.ruleName}</h3>
        <StatusBadge status={execution.status} />
        <dl className="cr-facts">
          <dt>Rule version</dt>
          <dd>{execution.ruleVersion}</dd>
          <dt>Started</dt>
          <dd>
            <time dateTime={new Date(execution.startTime).toISOString()}>
              {new Date(execution.startTime).toISOString()}
            </time>
          </dd>
          <dt>Duration</dt>
          <dd>{formatDuration(duration)}</dd>
        </dl>
      </header>

      <section className="cr-section" aria-label="Trigger">
        <h4>Trigger</h4>
        <p>
          <code>{execution.triggerType}</code>
          {execution.eventId === undefined ? null : (
            <>
              {" "}
              event <code>{execution.eventId}</code>
            </>
          )}
          {execution.triggerDataSanitized
            ? " (the event was sanitized to be stored)"
            : null}
        </p>
        <details>
          <summary>Event data</summary>
          <pre className="cr-json">
            {JSON.stringify(execution.triggerData, null, 2)}
          </pre>
        </details>
      </section>

      <section className="cr-section" aria-label="Conditions">
        <h4>Conditions</h4>
        {tree.length === 0 ? (
          <p>
            {execution.triggered
              ? "No conditions: the rule always runs."
              : "Not evaluated."}
          </p>
        ) : (
          <ConditionTree nodes={tree} />
        )}
      </section>

      <section className="cr-section" aria-label="Actions">
        <h4>Actions</h4>
        {execution.actions.length === 0 ? (
          <p>
            {execution.status === "skipped" && tree.length > 0
              ? "No action ran: the conditions did not hold."
              : execution.status === "succeeded"
                ? "The rule has no actions."
                : "No action ran."}
          </p>
        ) : (
          <ol className="cr-actions">
            {execution.actions.map((action) => (
              <li
                key={action.id}
                className="cr-action"
                data-status={action.status}
              >
                <span className="cr-action-name">
                  <code>{action.id}</code> {action.type}
                </span>{" "}
                <StatusBadge status={action.status} />{" "}
                <span className="cr-attempts">
                  {action.attempts} attempt{action.attempts === 1 ? "" : "s"},{" "}
                  {formatDuration(durationMs(action.startedAt, action.endedAt))}
                </span>
                {action.error === undefined ? null : (
                  <p className="cr-error" role="alert">
                    {action.error}
                  </p>
                )}
                {action.config === undefined ? null : (
                  <details>
                    <summary>Config, as rendered</summary>
                    <pre className="cr-json">
                      {JSON.stringify(action.config, null, 2)}
                    </pre>
                  </details>
                )}
                {action.result === undefined ? null : (
                  <details>
                    <summary>Result</summary>
                    <pre className="cr-json">
                      {JSON.stringify(action.result, null, 2)}
                    </pre>
                  </details>
                )}
              </li>
            ))}
          </ol>
        )}
      </section>

      {execution.error === undefined ? null : (
        <p className="cr-error" role="alert">
          {execution.error}
        </p>
      )}

      {logs === undefined ? null : (
        <section className="cr-section" aria-label="Logs">
          <h4>Logs</h4>
          {logs.length === 0 ? (
            <p>No logs: a rule that did not run writes none.</p>
          ) : (
            <table className="cr-logs">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Level</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {logs.map((log, index) => (
                  <tr key={index} data-level={log.level}>
                    <td>{new Date(log.timestamp).toISOString()}</td>
                    <td>{log.level}</td>
                    <td>{log.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </article>
  );
}

const RESULT_LABEL = {
  true: "held",
  false: "failed",
  error: "error",
  skipped: "not evaluated",
} as const;

function ConditionTree({ nodes }: { nodes: readonly TraceNode[] }) {
  return (
    <ul className="cr-conditions">
      {nodes.map((node) => {
        const result = String(node.result) as keyof typeof RESULT_LABEL;
        return (
          <li key={node.id} className="cr-condition" data-result={result}>
            <span className="cr-result" aria-label={RESULT_LABEL[result]}>
              {RESULT_LABEL[result]}
            </span>{" "}
            <code>{node.id}</code>{" "}
            <span className="cr-test">{describeTest(node)}</span>
            {node.children.length > 0 ? null : (
              <span className="cr-outcome"> - {describeOutcome(node)}</span>
            )}
            {node.index === undefined ? null : (
              <span className="cr-outcome">
                {" "}
                (element {showValue(node.index)})
              </span>
            )}
            {node.children.length > 0 ? (
              <ConditionTree nodes={node.children} />
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
