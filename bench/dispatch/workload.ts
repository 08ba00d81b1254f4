/**
 * The dispatch workload: monday.com "status changed" rules, spread over
 * boards by their trigger pattern `{ boardId: [b], columnId: ["status"] }`,
 * and the status-change events that reach them.
 */
import type { RuleInput } from "../../src/shared.js";
import fixture from "../../example/fixtures/monday/change_status_column_value.json";

export const TRIGGER_TYPE = "status_changed";
export const NAMESPACE = "";
/** Boards that are not measured hold this many rules (100,000 rules = 1,000 boards). */
export const RULES_PER_BOARD = 100;

/** One measured row: an event for `boardId`, which has `candidates` rules. */
export type Case = {
  rulesInIntegration: number;
  candidates: number;
  integrationId: string;
  boardId: number;
};

export type IntegrationPlan = {
  integrationId: string;
  /** Rules per board, in board order; the sum is the integration's size. */
  boards: Array<{ boardId: number; rules: number }>;
};

export type Plan = { integrations: IntegrationPlan[]; cases: Case[] };

/**
 * For an integration of `size` rules: one board per candidate count (1, 10,
 * 100 rules) and the rest in boards of RULES_PER_BOARD. A candidate board
 * that no longer fits (100 candidates in an integration of 100 rules next to
 * the 1- and 10-rule boards) gets an integration of its own, of the same size.
 */
export function planDispatch(size: number, candidateCounts: number[]): Plan {
  const integrations: IntegrationPlan[] = [];
  const cases: Case[] = [];
  let nextBoard = 1_800_000_000;
  const build = (integrationId: string, special: number[]) => {
    const boards: IntegrationPlan["boards"] = [];
    for (const count of special) {
      const boardId = nextBoard++;
      boards.push({ boardId, rules: count });
      cases.push({ rulesInIntegration: size, candidates: count, integrationId, boardId });
    }
    let rest = size - special.reduce((a, b) => a + b, 0);
    while (rest > 0) {
      const rules = Math.min(RULES_PER_BOARD, rest);
      boards.push({ boardId: nextBoard++, rules });
      rest -= rules;
    }
    integrations.push({ integrationId, boards });
  };
  const fitting: number[] = [];
  const apart: number[] = [];
  let used = 0;
  for (const count of [...candidateCounts].sort((a, b) => a - b)) {
    if (count > size) continue;
    if (used + count <= size) {
      fitting.push(count);
      used += count;
    } else {
      apart.push(count);
    }
  }
  build(`bench-${size}`, fitting);
  for (const count of apart) build(`bench-${size}-c${count}`, [count]);
  cases.sort((a, b) => a.candidates - b.candidates);
  return { integrations, cases };
}

/** The k-th rule of a board, as a host would create it. */
export function ruleInput(integrationId: string, boardId: number, k: number): RuleInput {
  return {
    id: `${integrationId}.${boardId}.${k}`,
    name: `Board ${boardId}: notify when done (${k})`,
    integrationId,
    triggerType: TRIGGER_TYPE,
    triggerConfig: { boardId, columnId: "status", to: "Done" },
    triggerPattern: { boardId: [boardId], columnId: ["status"] },
    conditions: [{ type: "field", config: { path: "value.label.text", op: "eq", value: "Done" } }],
    actions: [
      { type: "notify", config: { userId: 61280133, text: "{{event.pulseName}} is done" } },
    ],
  };
}

export function* rulesOf(plan: IntegrationPlan): Generator<RuleInput> {
  for (const board of plan.boards) {
    for (let k = 0; k < board.rules; k++) yield ruleInput(plan.integrationId, board.boardId, k);
  }
}

export function sizeOf(plan: IntegrationPlan): number {
  return plan.boards.reduce((sum, b) => sum + b.rules, 0);
}

/**
 * A status-change event of monday.com (the example's fixture) for `boardId`:
 * to "Done" when `done`, so every candidate's condition holds and its action
 * is queued; otherwise to "Working on it", so every candidate is recorded as
 * skipped.
 */
export function statusEvent(boardId: number, done: boolean, delivery: string) {
  const { value, previousValue } = fixture.event;
  return {
    ...fixture.event,
    boardId,
    triggerUuid: delivery,
    ...(done ? { value, previousValue } : { value: previousValue, previousValue: value }),
  };
}

/** The host's action handlers, as the client sends them (never run here). */
export const HANDLERS = {
  actions: { notify: { handle: "function://bench/notify", kind: "mutation" as const } },
  conditions: {},
};
