/**
 * The evaluation workload: 1,000 rules (nested all/any/not trees of field
 * comparisons) and 200 events, generated from a fixed seed, so every run and
 * every engine sees exactly the same data.
 *
 * Events look like a work-management webhook (monday.com-like): a few
 * top-level fields and two nested objects. Every event has every field the
 * rules read, with one type per field (strings, numbers, an array of
 * strings): each engine's native operators then mean the same thing, so
 * the translations need no type guards that would slow one engine down.
 */
import { assignConditionIds, findConditionProblem } from "../../src/core/conditions.js";
import type { Condition, ConditionInput } from "../../src/shared.js";

export const RULES = 1_000;
export const EVENTS = 200;
export const SEED = 0x5eed_2026;

/** Leaf kinds, as the issue names them. */
export type LeafKind = "equality" | "in" | "numeric" | "prefix" | "membership";

/** mulberry32: a small deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)];
const int = (r: Random, low: number, high: number) => low + Math.floor(r() * (high - low + 1));
function sample<T>(r: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(r() * pool.length), 1)[0]);
  return out;
}

const TYPES = ["create_item", "change_column_value", "change_status", "item_archived", "create_update"] as const;
const BOARDS = Array.from({ length: 12 }, (_, i) => 4_100_000_000 + i * 7_919);
const COLUMNS = ["status", "priority", "owner", "due_date", "budget", "text"] as const;
const LABELS = ["Done", "Working on it", "Stuck", "Waiting for review", ""] as const;
const ROLES = ["admin", "member", "viewer", "guest"] as const;
const PREFIXES = ["Bug", "Feature", "Chore", "Docs", "Incident", "Spike"] as const;
const SUBJECTS = ["login fails", "export to CSV", "billing page", "dark mode", "API limits", "onboarding email"];
const DOMAINS = ["acme.com", "example.org", "contoso.io", "globex.net"] as const;
const NAMES = ["ada", "grace", "alan", "edsger", "barbara", "ken", "margaret", "linus"] as const;
const TAGS = ["urgent", "backend", "frontend", "customer", "security", "billing", "design", "qa"] as const;
const USER_IDS = Array.from({ length: 16 }, (_, i) => 61_280_000 + i * 13);

export type BenchEvent = {
  type: string;
  boardId: number;
  columnId: string;
  pulseId: number;
  pulseName: string;
  priority: number;
  amount: number;
  tags: string[];
  user: { id: number; email: string; role: string };
  value: { label: { text: string; index: number } };
};

export function generateEvents(count = EVENTS, seed = SEED + 1): BenchEvent[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const label = int(r, 0, LABELS.length - 1);
    return {
      type: pick(r, TYPES),
      boardId: pick(r, BOARDS),
      columnId: pick(r, COLUMNS),
      pulseId: 9_000_000 + i,
      pulseName: `${pick(r, PREFIXES)}: ${pick(r, SUBJECTS)}`,
      priority: int(r, 0, 100),
      amount: Math.round(r() * 1_000_000) / 100,
      tags: sample(r, TAGS, int(r, 0, 4)),
      user: {
        id: pick(r, USER_IDS),
        email: `${pick(r, NAMES)}@${pick(r, DOMAINS)}`,
        role: pick(r, ROLES),
      },
      value: { label: { text: LABELS[label], index: label } },
    };
  });
}

function field(path: string, op: string, value: unknown): ConditionInput {
  return { type: "field", config: { path, op, value } };
}

/** One leaf of the given kind, its operand drawn from the events' values. */
function leaf(r: Random, kind: LeafKind): ConditionInput {
  switch (kind) {
    case "equality": {
      const which = int(r, 0, 4);
      if (which === 0) return field("type", "eq", pick(r, TYPES));
      if (which === 1) return field("boardId", "eq", pick(r, BOARDS));
      if (which === 2) return field("columnId", "eq", pick(r, COLUMNS));
      if (which === 3) return field("user.role", "eq", pick(r, ROLES));
      return field("value.label.text", "eq", pick(r, LABELS));
    }
    case "in": {
      const which = int(r, 0, 3);
      if (which === 0) return field("type", "in", sample(r, TYPES, int(r, 2, 3)));
      if (which === 1) return field("boardId", "in", sample(r, BOARDS, int(r, 2, 6)));
      if (which === 2) return field("user.id", "in", sample(r, USER_IDS, int(r, 2, 8)));
      return field("value.label.text", "in", sample(r, LABELS, int(r, 2, 3)));
    }
    case "numeric": {
      const op = pick(r, ["gt", "gte", "lt", "lte"] as const);
      if (r() < 0.5) return field("priority", op, int(r, 10, 90));
      if (r() < 0.5) return field("value.label.index", op, int(r, 0, 4));
      return field("amount", op, Math.round(r() * 1_000_000) / 100);
    }
    case "prefix": {
      if (r() < 0.6) return field("pulseName", "starts_with", pick(r, PREFIXES));
      return field("user.email", "starts_with", pick(r, NAMES));
    }
    case "membership":
      return field("tags", "contains", pick(r, TAGS));
  }
}

const KINDS: readonly LeafKind[] = ["equality", "in", "numeric", "prefix", "membership"];

function node(r: Random, depth: number): ConditionInput {
  if (depth < 3 && r() < 0.45 - depth * 0.1) {
    const group = r();
    if (group < 0.15) return { type: "not", config: { conditions: [node(r, depth + 1)] } };
    const type = group < 0.55 ? "all" : "any";
    const children = Array.from({ length: int(r, 2, 4) }, () => node(r, depth + 1));
    return { type, config: { conditions: children } };
  }
  return leaf(r, pick(r, KINDS));
}

export type BenchRule = { id: string; conditions: Condition[] };

/** `count` rules: a top-level list (an implicit all) of 1 to 3 nodes. */
export function generateRules(count = RULES, seed = SEED): BenchRule[] {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const top = Array.from({ length: int(r, 1, 3) }, () => node(r, 0));
    const problem = findConditionProblem(top);
    if (problem) throw new Error(`generated rule ${i} is invalid: ${problem.field} ${problem.message}`);
    return { id: `rule-${String(i).padStart(4, "0")}`, conditions: assignConditionIds(top) };
  });
}

/** Leaves of each kind and groups of each type, over all rules. */
export function shapeOf(rules: BenchRule[]) {
  const leaves: Record<string, number> = {};
  const groups: Record<string, number> = {};
  let nodes = 0;
  let maxDepth = 0;
  const visit = (list: Condition[], depth: number) => {
    maxDepth = Math.max(maxDepth, depth);
    for (const n of list) {
      nodes++;
      if (n.type === "field") leaves[n.config.op] = (leaves[n.config.op] ?? 0) + 1;
      else {
        groups[n.type] = (groups[n.type] ?? 0) + 1;
        visit(n.config.conditions, depth + 1);
      }
    }
  };
  for (const rule of rules) visit(rule.conditions, 1);
  return { nodes, leaves, groups, maxDepth };
}
