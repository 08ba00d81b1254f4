/**
 * What an execution's trace says, in words: the condition tree rebuilt from
 * its flat explanation, each node's comparison, and "why" in one line. Pure,
 * so the React components (src/react) and any other view share it.
 */
import type { Execution } from "../shared.js";
import type { FlatExplanationNode } from "./explanation.js";

/** A node of the explanation with its children again, in evaluation order. */
export type TraceNode = FlatExplanationNode & { children: TraceNode[] };

/** The explanation's flat list (parents before children) as a tree. */
export function traceTree(explanation: unknown): TraceNode[] {
  if (!Array.isArray(explanation)) return [];
  const roots: TraceNode[] = [];
  const byId = new Map<string, TraceNode>();
  for (const entry of explanation as FlatExplanationNode[]) {
    if (typeof entry !== "object" || entry === null || typeof entry.id !== "string") continue;
    const node: TraceNode = { ...entry, children: [] };
    byId.set(node.id, node);
    const parent = node.parent === undefined ? undefined : byId.get(node.parent);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** A value as a trace shows it: strings quoted, the rest as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

const GROUP_WORDS: Record<string, string> = {
  all: "all of",
  any: "any of",
  not: "none of",
  every: "every element:",
  some: "some element:",
};

/** What a node tested: `total gte 100`, `all of`, or its custom type. */
export function describeTest(node: FlatExplanationNode): string {
  if (node.path !== undefined && node.op !== undefined) {
    return node.expected === undefined ? `${node.path} ${node.op}` : `${node.path} ${node.op} ${showValue(node.expected)}`;
  }
  return Object.hasOwn(GROUP_WORDS, node.type) ? GROUP_WORDS[node.type]! : node.type;
}

/** What a node's outcome was, for people: "saw 20", "not evaluated", the error. */
export function describeOutcome(node: FlatExplanationNode): string {
  if (node.result === "skipped") return "not evaluated (an earlier condition decided)";
  if (node.result === "error") return `error: ${node.error ?? "unknown"}`;
  if (node.path !== undefined) return `saw ${showValue(node.actual)}`;
  return node.result ? "held" : "did not hold";
}

/** Milliseconds between two times, or undefined while the second is unknown. */
export function durationMs(start: number | undefined, end: number | undefined): number | undefined {
  return start === undefined || end === undefined ? undefined : Math.max(0, end - start);
}

/** A duration for people: "0 ms", "850 ms", "3.2 s", "2 min 5 s". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The first condition that failed or erred, depth first (what "why" names). */
export function firstFailure(nodes: readonly TraceNode[]): TraceNode | undefined {
  for (const node of nodes) {
    if (node.result === false || node.result === "error") {
      return firstFailure(node.children) ?? node;
    }
  }
  return undefined;
}

/** "Why" in one line: the failed condition and what it saw, the error, or what ran. */
export function whyOf(execution: Pick<Execution, "status" | "explanation" | "actions" | "error" | "conditionsMet">): string {
  if (execution.status === "skipped" && execution.conditionsMet === false) {
    const failed = firstFailure(traceTree(execution.explanation));
    if (failed) return `${failed.id}: ${describeTest(failed)}, ${describeOutcome(failed)}`;
  }
  if (execution.error !== undefined) return execution.error;
  if (execution.status === "running") return "running";
  const ran = execution.actions.filter((action) => action.status === "succeeded").length;
  return `${ran} of ${execution.actions.length} action${execution.actions.length === 1 ? "" : "s"} ran`;
}
