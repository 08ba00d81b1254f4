/**
 * Stored form of a condition explanation. A tree of explanations nests two
 * levels per condition group (node, children), so a deep tree would break
 * Convex's 16-level limit: it is stored flat, each node naming its parent,
 * in evaluation order (parents before children). `explainFlat` of a
 * compiled condition list builds this form directly.
 */
import type { ExplanationNode } from "./evaluate.js";

export type FlatExplanationNode = Omit<ExplanationNode, "children"> & { parent?: string };

export function flattenExplanation(
  nodes: readonly ExplanationNode[],
  parent?: string,
  out: FlatExplanationNode[] = [],
): FlatExplanationNode[] {
  for (const node of nodes) {
    const { children, ...rest } = node;
    out.push(parent === undefined ? rest : { ...rest, parent });
    if (children) flattenExplanation(children, node.id, out);
  }
  return out;
}
