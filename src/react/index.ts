/**
 * convex-rules/react: components that show rules, their history and why an
 * execution ran or didn't. Needs `react` (an optional peer dependency of the
 * package) and `convex/react`; import `convex-rules/react/styles.css` for the
 * default look, themed by CSS variables.
 */
export { ExecutionTrace, type ExecutionTraceProps } from "./ExecutionTrace.js";
export { ExecutionList, type ExecutionListProps } from "./ExecutionList.js";
export { RuleSummary, type RuleSummaryProps } from "./RuleSummary.js";
export { StatusBadge } from "./StatusBadge.js";
export { useExecution, useExecutionLogs, useExecutions } from "./hooks.js";
export { whyOf, traceTree, describeTest, describeOutcome, formatDuration, type TraceNode } from "../core/trace.js";
