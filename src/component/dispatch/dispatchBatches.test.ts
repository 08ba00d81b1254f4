/// <reference types="vite/client" />
/**
 * Dispatch of large candidate sets: every candidate gets a record, in run
 * order, across bounded transactions; the event is stored once; a refused or
 * skipped rule costs one write. The suite runs with HALF of Convex's
 * transaction limits, so any transaction over 50% of one fails the test.
 */
import type { WithoutSystemFields } from "convex/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import { executeHandler, initConvexTest } from "../setup.test.js";
import { MAX_BATCH_CANDIDATES } from "./engine.js";
import { syncRoutes } from "../rules/routes.js";
import { CONVEX_LIMITS, SCHEDULING_LIMITS } from "../lib/transactionLimits.js";

type T = ReturnType<typeof initConvexTest>;

const HALF_LIMITS = Object.fromEntries(
  Object.entries({ ...CONVEX_LIMITS, ...SCHEDULING_LIMITS }).map(([metric, limit]) => [metric, limit / 2]),
);
const SCOPE = { integrationId: "monday", namespace: "", triggerType: "status_changed" };

afterEach(() => {
  vi.useRealTimers();
});

type Seed = { id: string; priority: number; conditions?: Doc<"rules">["conditions"] };

/** Rules routed on board 1, written through `syncRoutes` in transactions of `chunk`. */
async function seedRules(t: T, rules: Seed[], chunk = 500) {
  for (let start = 0; start < rules.length; start += chunk) await seedChunk(t, rules.slice(start, start + chunk));
}

async function seedChunk(t: T, rules: Seed[]) {
  await t.run(async (ctx) => {
    const now = Date.now();
    for (const rule of rules) {
      const doc = {
        id: rule.id,
        name: rule.id,
        enabled: true,
        ...SCOPE,
        priority: rule.priority,
        version: 1,
        triggerConfig: {},
        triggerPattern: { boardId: [1] },
        conditions: rule.conditions ?? [],
        actions: [],
        createdAt: now,
        updatedAt: now,
      } satisfies WithoutSystemFields<Doc<"rules">>;
      const _id = await ctx.db.insert("rules", doc);
      await syncRoutes(ctx, rule.id, { _id, _creationTime: now, ...doc }, { created: true });
    }
  });
}

const fails = (path: string): Doc<"rules">["conditions"] => [
  { id: "c", type: "field", config: { path, op: "eq", value: "never" } },
];

async function executionsInOrder(t: T) {
  return await t.run(async (ctx) => await ctx.db.query("ruleExecutions").collect());
}


describe("dispatch in batches", () => {
  test("every candidate gets one record, in run order, however many there are", { timeout: 60_000 }, async () => {
    vi.useFakeTimers();
    const t = initConvexTest(HALF_LIMITS);
    const RULES = 2 * MAX_BATCH_CANDIDATES + 100;
    // Priorities out of creation order; the first 100 candidates run (and
    // their conditions fail), the rest are refused by maxRulesPerEvent.
    const rules = Array.from({ length: RULES }, (_, i) => ({ id: `r${i}`, priority: (i * 7) % 5, conditions: fails("status") }));
    await seedRules(t, rules);
    const first = await t.mutation(api.dispatch.engine.execute, { ...SCOPE, event: { boardId: 1 }, eventId: "big" });
    expect(first).toHaveLength(MAX_BATCH_CANDIDATES);
    await t.finishAllScheduledFunctions(vi.runAllTimers);

    const executions = await executionsInOrder(t);
    expect(executions).toHaveLength(RULES);
    expect(new Set(executions.map((e) => e.ruleId)).size).toBe(RULES);
    const expectedOrder = [...rules]
      .map((rule, created) => ({ ...rule, created }))
      .sort((a, b) => a.priority - b.priority || a.created - b.created)
      .map((rule) => rule.id);
    expect(executions.map((e) => e.ruleId)).toEqual(expectedOrder);
    // One stored event for all of them.
    const events = await t.run(async (ctx) => await ctx.db.query("ruleEvents").collect());
    expect(events).toHaveLength(1);
    expect(executions.every((e) => e.eventRef === events[0]._id && e.triggerData === undefined)).toBe(true);
    // The limit holds across batches: 100 ran (and were skipped by their
    // conditions, with an explanation), the rest were refused, saying so.
    const explained = executions.filter((e) => e.explanation !== undefined);
    expect(explained).toHaveLength(100);
    expect(executions.slice(0, 100)).toEqual(explained);
    expect(executions.slice(100).every((e) => e.error === "this event already ran 100 rules, the most one event may run")).toBe(true);
    // No log line for any of them: each is one document.
    expect(await t.run(async (ctx) => await ctx.db.query("ruleExecutionLogs").collect())).toEqual([]);
    // A redelivery runs nothing.
    const again = await t.mutation(api.dispatch.engine.execute, { ...SCOPE, event: { boardId: 1 }, eventId: "big" });
    expect(again.every((r) => r.status === "duplicate")).toBe(true);
  });

  test("a batch stops at its share of the limits: big rules spread over more transactions", { timeout: 60_000 }, async () => {
    vi.useFakeTimers();
    const t = initConvexTest(HALF_LIMITS);
    const RULES = 150;
    // Each route row holds 40 conditions of 2.5 KB: about 100 KB read per candidate.
    const big = (i: number): Doc<"rules">["conditions"] =>
      Array.from({ length: 40 }, (_, k) => ({
        id: `c${k}`,
        type: "field",
        config: { path: "status", op: "eq", value: `${"v".repeat(2500)}${i}` },
      }));
    await seedRules(t, Array.from({ length: RULES }, (_, i) => ({ id: `r${i}`, priority: 0, conditions: big(i) })), 25);
    const first = await t.mutation(api.dispatch.engine.execute, {
      ...SCOPE,
      event: { boardId: 1, status: "open" },
      options: { maxRulesPerEvent: 1000 },
    });
    // A batch stops near a quarter of 16 MiB read: about 40 such candidates.
    expect(first.length).toBeGreaterThan(20);
    expect(first.length).toBeLessThan(60);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const executions = await executionsInOrder(t);
    expect(executions.map((e) => e.ruleId)).toEqual(Array.from({ length: RULES }, (_, i) => `r${i}`));
    expect(executions.every((e) => e.status === "skipped" && e.explanation !== undefined)).toBe(true);
  });

  test("candidates x an event of the stored maximum size: one copy of the event", { timeout: 60_000 }, async () => {
    vi.useFakeTimers();
    const t = initConvexTest(HALF_LIMITS);
    // 200 copies of this event would be 170 MB; the benchmark runs 1,000.
    await seedRules(t, Array.from({ length: 200 }, (_, i) => ({ id: `r${i}`, priority: 0, conditions: fails("status") })));
    const event = { boardId: 1, status: "open", payload: "x".repeat(850_000) };
    await t.mutation(api.dispatch.engine.execute, { ...SCOPE, event, options: { maxRulesPerEvent: 1000 } });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const { executions, events } = await t.run(async (ctx) => ({
      executions: await ctx.db.query("ruleExecutions").collect(),
      events: await ctx.db.query("ruleEvents").collect(),
    }));
    expect(executions).toHaveLength(200);
    expect(events).toHaveLength(1);
    // Kept whole: rules and actions see every field.
    expect(events[0].data).toEqual(event);
    expect(events[0]).not.toHaveProperty("sanitized");
    const read = await t.query(api.executions.queries.getExecution, { executionId: executions[199]._id });
    expect(read?.triggerData).toEqual(event);
  });

  test("a skipped or refused rule costs one write", async () => {
    const t = initConvexTest(HALF_LIMITS);
    await seedRules(t, Array.from({ length: 30 }, (_, i) => ({ id: `r${i}`, priority: 0, conditions: fails("status") })));
    const measured = await t.run(async (ctx) => {
      const before = (await ctx.meta.getTransactionMetrics()).documentsWritten.used;
      const results = await executeHandler(ctx, {
        ...SCOPE,
        event: { boardId: 1 },
        eventId: "e1",
        options: { maxRulesPerEvent: 10 },
      });
      return { results, writes: (await ctx.meta.getTransactionMetrics()).documentsWritten.used - before };
    });
    expect(measured.results).toHaveLength(30);
    // 30 executions, and a constant: the stored event, the delivery id, the
    // trigger's activity row, the stats rollup's wake-up (row and schedule).
    expect(measured.writes).toBeLessThanOrEqual(30 + 5);
  });

  test("an event is deleted with its last execution", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    await seedRules(t, [
      { id: "a", priority: 0 },
      { id: "b", priority: 1 },
    ]);
    await t.mutation(api.dispatch.engine.execute, { ...SCOPE, event: { boardId: 1 } });
    const eventCount = async () => await t.run(async (ctx) => (await ctx.db.query("ruleEvents").collect()).length);
    expect(await eventCount()).toBe(1);
    const upTo = Date.now() + 1;
    await t.mutation(internal.executions.history.deleteRuleHistory, { ruleId: "a", upTo });
    expect(await eventCount()).toBe(1);
    const [left] = await t.query(api.executions.queries.getRuleExecutions, { ruleId: "b" });
    expect(left.triggerData).toEqual({ boardId: 1 });
    await t.mutation(internal.executions.history.deleteRuleHistory, { ruleId: "b", upTo });
    expect(await eventCount()).toBe(0);
  });
});
