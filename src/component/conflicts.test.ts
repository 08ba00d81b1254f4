/// <reference types="vite/client" />
/**
 * OCC conflicts on the dispatch path, from the read and write sets of each
 * transaction (testing/transactionSets.ts): convex-test runs one mutation
 * at a time, a deployment runs them together and retries one whose read set
 * another wrote. Monday-style events (`{ boardId, columnId, ... }`), rules
 * routed by board.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "./_generated/api.js";
import { initConvexTest } from "./setup.test.js";
import { TRIGGER_ACTIVITY_RESOLUTION_MS } from "./executions/health.js";
import { quotaShards } from "./dispatch/quotas.js";
import {
  conflicts,
  recordTransactions,
  type Conflict,
  type Recorder,
  type TransactionSets,
} from "../testing/transactionSets.js";
import type { RuleInput } from "../shared.js";

type T = ReturnType<typeof initConvexTest>;

const handlers = { actions: { notify: { handle: "function://notify", kind: "action" as const } }, conditions: {} };
const START = Date.UTC(2026, 4, 12, 10, 0, 1);

let recorder: Recorder | null = null;
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  recorder?.stop();
  recorder = null;
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function ruleOn(board: number, id: string, overrides: Partial<RuleInput> = {}): RuleInput & { id: string } {
  return {
    id,
    name: `Rule ${id}`,
    integrationId: "monday",
    triggerType: "change_column_value",
    triggerConfig: {},
    triggerPattern: { boardId: [board] },
    conditions: [],
    actions: [{ id: "a1", type: "notify", config: { text: "changed" } }],
    ...overrides,
  };
}

let nextEvent = 0;
/** One column change on `board`, with an event id as monday.com's webhooks have. */
function dispatch(t: T, board: number) {
  nextEvent++;
  return t.mutation(api.dispatch.engine.execute, {
    integrationId: "monday",
    triggerType: "change_column_value",
    eventId: `evt-${nextEvent}`,
    event: { boardId: board, pulseId: 1000 + nextEvent, columnId: "status", value: { label: { text: "Done" } } },
    handlers,
  });
}

/**
 * Boards 1 and 2 with two rules each: one that runs an action, one whose
 * condition fails (its execution finishes at dispatch, which pings the stats
 * rollup). One dispatch per board first, so that what a first event
 * creates once (the trigger's activity row, the rollup's status, workpool's
 * state) exists: the tests are about the steady state.
 */
async function boards() {
  const t = initConvexTest();
  for (const board of [1, 2]) {
    await t.mutation(api.rules.createRule, ruleOn(board, `run-${board}`));
    await t.mutation(
      api.rules.createRule,
      ruleOn(board, `skip-${board}`, {
        conditions: [{ type: "field", config: { path: "columnId", op: "eq", value: "priority" } }],
      }),
    );
  }
  for (const board of [1, 2]) expect(await dispatch(t, board)).toHaveLength(2);
  recorder = recordTransactions(t);
  return t;
}

/** The one transaction `fn` runs. */
async function one(fn: () => Promise<unknown>): Promise<TransactionSets> {
  const { transactions } = await recorder!.record(fn);
  expect(transactions).toHaveLength(1);
  return transactions[0];
}

/** What either transaction writes in the other's read set. */
function between(a: TransactionSets, b: TransactionSets): Conflict[] {
  return [...conflicts(a, b), ...conflicts(b, a)];
}

describe("two dispatches on different boards", () => {
  test("neither writes a document or into a range the other reads", async () => {
    const t = await boards();
    const onBoard1 = await one(() => dispatch(t, 1));
    const onBoard2 = await one(() => dispatch(t, 2));
    // Both did their work (so the check below is not empty): executions,
    // the event id, an action handed to workpool.
    for (const tx of [onBoard1, onBoard2]) {
      expect(tx.writes.map((w) => `${w.component}:${w.table}`)).toEqual(
        expect.arrayContaining([":ruleExecutions", ":processedEvents", "workpool:work", "workpool:pendingStart"]),
      );
    }
    expect(between(onBoard1, onBoard2)).toEqual([]);
  });

  test("the trigger's activity row is the one thing they share, written once a minute", async () => {
    const t = await boards();
    vi.setSystemTime(START + TRIGGER_ACTIVITY_RESOLUTION_MS);
    const onBoard1 = await one(() => dispatch(t, 1));
    const onBoard2 = await one(() => dispatch(t, 2));
    // The first dispatch of a minute patches the row every dispatch of the
    // trigger type reads; the dispatches running beside it then retry once.
    expect(conflicts(onBoard1, onBoard2)).toMatchObject([{ table: "triggerActivity" }]);
    expect(conflicts(onBoard2, onBoard1)).toEqual([]);
  });
});

describe("a rule edit on one board and a dispatch on another", () => {
  const edits: [string, (t: T) => Promise<unknown>][] = [
    ["create", (t) => t.mutation(api.rules.createRule, ruleOn(1, "new-1"))],
    ["update", (t) => t.mutation(api.rules.updateRule, { ruleId: "run-1", name: "Renamed" })],
    ["disable", (t) => t.mutation(api.rules.disableRule, { ruleId: "run-1" })],
    ["enable", (t) => t.mutation(api.rules.enableRule, { ruleId: "skip-1" })],
    ["delete", (t) => t.mutation(api.rules.deleteRule, { ruleId: "skip-1" })],
  ];

  /** Each edit on board 1, with what it and a dispatch on board 2 write in each other's read set. */
  async function editsBesideDispatch() {
    const t = await boards();
    await t.mutation(api.rules.disableRule, { ruleId: "skip-1" });
    const found: Record<string, Conflict[]> = {};
    for (const [name, edit] of edits) {
      const editTx = await one(() => edit(t));
      expect(editTx.writes.length, name).toBeGreaterThan(0);
      const dispatchTx = await one(() => dispatch(t, 2));
      found[name] = between(editTx, dispatchTx);
    }
    return found;
  }

  test("they share nothing: routing paths are written once, not on every rule change", async () => {
    const found = await editsBesideDispatch();
    expect(found).toEqual(Object.fromEntries(edits.map(([name]) => [name, []])));
  });
});

describe("quotas", () => {
  /** Rate-limit documents a transaction writes. */
  const counters = (tx: TransactionSets) => tx.writes.filter((w) => w.table === "rateLimits");

  async function withQuota(perMinute: number) {
    const t = await boards();
    recorder!.stop();
    await t.mutation(api.dispatch.quotas.setQuota, { integrationId: "monday", perMinute });
    recorder = recordTransactions(t);
    return t;
  }

  test("two dispatches of one namespace take their tokens from different shards and do not conflict", async () => {
    expect(quotaShards(1000)).toBe(16);
    const t = await withQuota(1000);
    const random = vi.spyOn(Math, "random");
    random.mockReturnValue(0.1);
    const onBoard1 = await one(() => dispatch(t, 1));
    random.mockReturnValue(0.6);
    const onBoard2 = await one(() => dispatch(t, 2));
    random.mockRestore();

    // 1000 runs over 16 shards: 63 in each of the first 8, 62 in the others;
    // the pick 0.1 is shard 1, 0.6 is shard 9. Each start wrote one counter.
    expect(counters(onBoard1).map((w) => w.after)).toMatchObject([
      { name: "rules:quota:minute", key: '["monday","",1]', value: 62 },
    ]);
    expect(counters(onBoard2).map((w) => w.after)).toMatchObject([
      { name: "rules:quota:minute", key: '["monday","",9]', value: 61 },
    ]);
    expect(between(onBoard1, onBoard2)).toEqual([]);
  });

  test("with a limit too small to split, they conflict on its one counter", async () => {
    expect(quotaShards(5)).toBe(1);
    const t = await withQuota(5);
    const onBoard1 = await one(() => dispatch(t, 1));
    const onBoard2 = await one(() => dispatch(t, 2));
    expect(counters(onBoard1)).toHaveLength(1);
    expect(between(onBoard1, onBoard2)).toMatchObject([
      { component: "rateLimiter", table: "rateLimits" },
      { component: "rateLimiter", table: "rateLimits" },
    ]);
  });
});
