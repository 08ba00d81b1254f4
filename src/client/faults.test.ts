/// <reference types="vite/client" />
// Faults of action handlers and of delivery, through a host app as in
// engine.test.ts (whose fault tests cover throwing, non-Error values,
// retries to exhaustion, handles to functions that never existed, huge
// results and rollback): a handler running longer than workpool's recovery
// threshold, the same event dispatched by two concurrent mutations, a
// handler removed between dispatch and run, and results Convex refuses.
// Each ends in a recorded, explained state, and every stored document
// passes the storage checker.
//
// This file is also the host app's module (its functions below), so that
// the test can hide one of its exports to simulate a deploy that removed it.
import { convexTest } from "convex-test";
import {
  anyApi,
  componentsGeneric,
  defineSchema,
  defineTable,
  internalActionGeneric,
  internalMutationGeneric,
  mutationGeneric,
  queryGeneric,
} from "convex/server";
import { v } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { assertStorable, register } from "../test.js";
import { defineIntegration, Rules, vActionHandlerArgs, type RuleDraft } from "./index.js";
import type { ComponentApi } from "../component/_generated/component.js";

const components = componentsGeneric() as unknown as { rules: ComponentApi };
const host = anyApi["faults.test"];

const schema = defineSchema({
  effects: defineTable({ kind: v.string(), executionId: v.string(), attempt: v.number() }),
});

const shop = defineIntegration({
  triggers: {
    order_created: {
      config: v.object({ storeId: v.string() }),
      pattern: ({ storeId }) => ({ storeId: [storeId] }),
    },
  },
  actions: {
    ship: { config: v.any() },
    slow: { config: v.object({ waitMs: v.number() }) },
    removable: { config: v.any() },
    dollar_result: { config: v.any() },
    deep_result: { config: v.any() },
  },
});

type Draft = RuleDraft<{ shop: typeof shop }>;
type Action = Draft["actions"][number] & { onError?: "stop" | "continue" };
const retry = (maxAttempts: number) => ({ maxAttempts, initialBackoffMs: 10, base: 2 });

const rules = new Rules(components.rules, {
  integrations: { shop },
  handlers: {
    shop: {
      actions: {
        ship: { action: host.ship },
        slow: { action: host.slow, retry: retry(3) },
        removable: { action: host.removable, retry: retry(3) },
        dollar_result: { action: host.dollarResult, retry: retry(2) },
        deep_result: { action: host.deepResult },
      },
    },
  },
});

const vArgs = vActionHandlerArgs(v.any());

export const record = internalMutationGeneric({
  args: { kind: v.string(), executionId: v.string(), attempt: v.number() },
  handler: async (ctx, args) => {
    await ctx.db.insert("effects", args);
  },
});

async function effect(
  ctx: { runMutation: (ref: any, args: any) => Promise<unknown> },
  kind: string,
  args: { execution: { executionId: string; attempt: number } },
) {
  await ctx.runMutation(host.record, {
    kind,
    executionId: args.execution.executionId,
    attempt: args.execution.attempt,
  });
}

export const ship = internalActionGeneric({
  args: vArgs,
  handler: async (ctx, args) => {
    await effect(ctx, "ship", args);
    return { shipped: true };
  },
});

/** Takes `config.waitMs` (fake time) before it records its effect and returns. */
export const slow = internalActionGeneric({
  args: vActionHandlerArgs(v.object({ waitMs: v.number() })),
  handler: async (ctx, args) => {
    await new Promise((resolve) => setTimeout(resolve, args.config.waitMs));
    await effect(ctx, "slow", args);
    return { tookMs: args.config.waitMs };
  },
});

export const removable = internalActionGeneric({
  args: vArgs,
  handler: async (ctx, args) => {
    await effect(ctx, "removable", args);
    return null;
  },
});

/** Returns a field name Convex refuses: the return value cannot be sent back. */
export const dollarResult = internalActionGeneric({
  args: vArgs,
  handler: async (ctx, args) => {
    await effect(ctx, "dollar_result", args);
    return { $type: "Shipment", id: 1 };
  },
});

/** Returns a value nested 20 levels deep, with `_`-prefixed field names. */
export const deepResult = internalActionGeneric({
  args: vArgs,
  handler: async (ctx, args) => {
    await effect(ctx, "deep_result", args);
    let deep: unknown = { bottom: true };
    for (let i = 0; i < 19; i++) deep = { _level: deep };
    return { deep, _meta: "m" };
  },
});

export const create = mutationGeneric({
  args: { rule: v.any() },
  handler: async (ctx, args) => await rules.create(ctx, args.rule as Draft),
});

export const dispatch = mutationGeneric({
  args: { event: v.any(), eventId: v.optional(v.string()) },
  handler: async (ctx, args) =>
    await rules.execute(ctx, { integrationId: "shop", triggerType: "order_created", ...args }),
});

/** A webhook body as received: JSON whose field names Convex may refuse. */
export const dispatchJson = mutationGeneric({
  args: { body: v.string() },
  handler: async (ctx, args) =>
    await rules.execute(ctx, {
      integrationId: "shop",
      triggerType: "order_created",
      event: JSON.parse(args.body) as unknown,
    }),
});

/**
 * A board event whose items point back at it, and that points at itself:
 * host code can build such a graph (`event` is `unknown`), JSON cannot.
 */
function cyclicBoardEvent(boardId: string): Record<string, unknown> {
  const event: Record<string, unknown> = { storeId: "s1", boardId };
  event.items = [1, 2, 3].map((id) => ({ id, parent: event }));
  event.self = event;
  return event;
}

export const dispatchCyclic = mutationGeneric({
  args: { boardId: v.string() },
  handler: async (ctx, args) =>
    await rules.execute(ctx, {
      integrationId: "shop",
      triggerType: "order_created",
      event: cyclicBoardEvent(args.boardId),
    }),
});

/** The same event sent to the component directly, without the client. */
export const dispatchCyclicDirectly = mutationGeneric({
  args: { boardId: v.string() },
  handler: async (ctx, args) =>
    await ctx.runMutation(components.rules.dispatch.engine.execute, {
      integrationId: "shop",
      triggerType: "order_created",
      event: cyclicBoardEvent(args.boardId),
    }),
});

export const execution = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await rules.executions.get(ctx, args),
});

export const ruleExecutions = queryGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.executions.listForRule(ctx, args),
});

export const logs = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await rules.executions.getLogs(ctx, args),
});

export const effects = queryGeneric({
  args: {},
  handler: async (ctx) => await ctx.db.query("effects").collect(),
});

// ---- The tests --------------------------------------------------------------

const THIS_MODULE = "./faults.test.ts";
/** Exports of this module hidden from convex-test: "removed by a deploy". */
const removedExports = new Set<string>();

/** This module's functions, as convex-test loads the module (a glob leaves out its own file). */
const THIS_EXPORTS: Record<string, unknown> = {
  record,
  ship,
  slow,
  removable,
  dollarResult,
  deepResult,
  create,
  dispatch,
  dispatchJson,
  dispatchCyclic,
  dispatchCyclicDirectly,
  execution,
  ruleExecutions,
  logs,
  effects,
};

function setup() {
  const modules = {
    ...import.meta.glob("./**/*.ts"),
    [THIS_MODULE]: async () =>
      Object.fromEntries(Object.entries(THIS_EXPORTS).filter(([name]) => !removedExports.has(name))),
  };
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  return t;
}

type T = ReturnType<typeof setup>;

beforeEach(() => {
  vi.useFakeTimers();
  removedExports.clear();
});
afterEach(() => {
  vi.useRealTimers();
});

async function settle(t: T) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function createRule(
  t: T,
  actions: Action[],
  extra: Partial<Draft> = {},
): Promise<string> {
  return await t.mutation(host.create, {
    rule: {
      name: "Faults",
      integrationId: "shop",
      triggerType: "order_created",
      triggerConfig: { storeId: "s1" },
      actions,
      ...extra,
    } satisfies Draft,
  });
}

async function dispatchOne(t: T, eventId?: string): Promise<string> {
  const results = await t.mutation(host.dispatch, {
    event: { storeId: "s1", orderId: "o-1" },
    ...(eventId ? { eventId } : {}),
  });
  expect(results).toHaveLength(1);
  return results[0].executionId as string;
}

async function executionOf(t: T, executionId: string) {
  const execution = await t.query(host.execution, { executionId });
  expect(execution).not.toBeNull();
  return execution!;
}

async function messages(t: T, executionId: string): Promise<string[]> {
  const logs: Array<{ level: string; message: string }> = await t.query(host.logs, { executionId });
  return logs.map((l) => `${l.level} ${l.message}`);
}

/**
 * Awaits a dispatch in which rule `runs` starts and rule `skips` is
 * skipped, runs the actions, and returns the results and the execution of
 * `runs`, checked to have succeeded.
 */
async function dispatchRunAndSkip(
  t: T,
  dispatch: Promise<Array<{ ruleId: string; executionId: string; status: string }>>,
  runs: string,
  skips: string,
) {
  const results = await dispatch;
  expect(Object.fromEntries(results.map((r) => [r.ruleId, r.status]))).toEqual({
    [runs]: "running",
    [skips]: "skipped",
  });
  await settle(t);
  const ran = await executionOf(t, results.find((r) => r.ruleId === runs)!.executionId);
  expect(ran.status).toBe("succeeded");
  return { results, ran };
}

async function effectKinds(t: T): Promise<string[]> {
  const rows: Array<{ kind: string }> = await t.query(host.effects, {});
  return rows.map((r) => r.kind);
}

describe("a handler that exceeds its time", () => {
  // The engine sets no time limit of its own on host handlers: Convex ends
  // an action after 10 minutes, and that error reaches the engine like any
  // other thrown error (recorded, retried: engine.test.ts); convex-test
  // cannot end an action, so that case is not simulated here. What this
  // shows: a handler still running past workpool's 5-minute recovery
  // threshold, with workpool's loop and timers advancing meanwhile, is
  // neither failed nor started a second time, and its late result is kept.
  test("a handler running 11 minutes is neither abandoned nor run twice, and its result is recorded", async () => {
    const t = setup();
    await createRule(t, [{ type: "slow", config: { waitMs: 11 * 60 * 1000 } }]);
    const executionId = await dispatchOne(t);
    const started = Date.now();
    await settle(t);
    expect(Date.now() - started).toBeGreaterThanOrEqual(11 * 60 * 1000);

    const execution = await executionOf(t, executionId);
    expect(execution.status).toBe("succeeded");
    expect(execution.actions[0]).toMatchObject({ status: "succeeded", attempts: 1, result: { tookMs: 660000 } });
    expect(await effectKinds(t)).toEqual(["slow"]);
    expect(await messages(t, executionId)).toEqual([
      'info Rule "Faults" (v1) triggered',
      "info Action a1 (slow): attempt 1",
      "info Action a1 (slow) succeeded after 1 attempt(s)",
      "info Execution succeeded: 1 action(s) ran",
    ]);
    await assertStorable(t);
  });
});

describe("the same event from two concurrent mutations", () => {
  test("exactly one set of executions and actions; the other delivery is a duplicate of it", async () => {
    const t = setup();
    const ruleId = await createRule(t, [{ type: "ship", config: {} }]);
    const event = { storeId: "s1", orderId: "o-9" };
    const [a, b] = await Promise.all([
      t.mutation(host.dispatch, { event, eventId: "evt-concurrent" }),
      t.mutation(host.dispatch, { event, eventId: "evt-concurrent" }),
    ]);
    await settle(t);

    const statuses = [...a, ...b].map((r: { status: string }) => r.status).sort();
    expect(statuses).toEqual(["duplicate", "running"]);
    expect(a[0].executionId).toBe(b[0].executionId);
    const executions = await t.query(host.ruleExecutions, { ruleId });
    expect(executions).toHaveLength(1);
    expect(executions[0].status).toBe("succeeded");
    expect(await effectKinds(t)).toEqual(["ship"]);
    await assertStorable(t);
  });
});

describe("a handler removed between dispatch and run", () => {
  test("the action fails at once, without retries, saying the handler no longer exists", async () => {
    const t = setup();
    await createRule(t, [{ type: "removable", config: {}, onError: "continue" }, { type: "ship", config: {} }]);
    // The handle was made while the function existed...
    const executionId = await dispatchOne(t);
    // ...and a deploy removed it before workpool ran the action.
    removedExports.add("removable");
    await settle(t);

    const execution = await executionOf(t, executionId);
    // Its policy allows 3 attempts: a missing function is not retried.
    expect(execution.actions[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect(execution.actions[0].error).toMatch(
      /^the action's handler no longer exists \(was the host function renamed or removed\?\): .*removable/,
    );
    expect(execution.actions[1].status).toBe("succeeded");
    expect(execution.status).toBe("failed");
    expect(await effectKinds(t)).toEqual(["ship"]);
    expect((await messages(t, executionId)).some((m) => m.startsWith("error Action a1 (removable) failed after 1 attempt(s)"))).toBe(true);
    await assertStorable(t);
  });
});

describe("results Convex cannot store", () => {
  test("a result with a $-prefixed field name cannot leave the handler: the action fails, explained", async () => {
    const t = setup();
    await createRule(t, [{ type: "dollar_result", config: {} }]);
    const executionId = await dispatchOne(t);
    await settle(t);

    const execution = await executionOf(t, executionId);
    // The handler ran (its side effect happened) on each of its 2 attempts,
    // but Convex refuses to return the value: the error names the field.
    expect(await effectKinds(t)).toEqual(["dollar_result", "dollar_result"]);
    expect(execution.status).toBe("failed");
    expect(execution.actions[0]).toMatchObject({ status: "failed", attempts: 2 });
    expect(execution.actions[0].error).toContain("$type");
    const log = await messages(t, executionId);
    expect(log.filter((m) => m.startsWith("warn Action a1 (dollar_result): attempt"))).toHaveLength(2);
    expect(log.at(-1)).toMatch(/^error Execution failed/);
    await assertStorable(t);
  });

  test("a result nested 20 levels deep with _-prefixed names is stored sanitized, and the action succeeds", async () => {
    const t = setup();
    await createRule(t, [{ type: "deep_result", config: {} }, { type: "ship", config: {} }]);
    const executionId = await dispatchOne(t);
    await settle(t);

    const execution = await executionOf(t, executionId);
    expect(execution.status).toBe("succeeded");
    const result = execution.actions[0].result as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(["deep", "x:_meta"]);
    expect(JSON.stringify(result)).toContain("[truncated: nested deeper than");
    const logs: Array<{ message: string; data?: { resultSanitized?: string[] } }> = await t.query(host.logs, {
      executionId,
    });
    const success = logs.find((l) => l.message.startsWith("Action a1 (deep_result) succeeded"));
    expect(success?.data?.resultSanitized?.join("; ")).toContain('renamed field "_meta" to "x:_meta"');
    await assertStorable(t);
  });
});

describe("hostile event content through rules.execute", () => {
  test("non-ASCII field names and numbers as strings: recorded, sanitized, conditions explained, nothing throws", async () => {
    const t = setup();
    const ruleId = await createRule(t, [{ type: "ship", config: {} }], {
      conditions: [
        // Numeric strings compare as numbers ("1e3" too); "12,50" is not a number.
        { type: "field", config: { path: "total", op: "gt", value: 10 } },
        { type: "field", config: { path: "count", op: "gte", value: 1000 } },
      ],
    });
    const skippedRule = await createRule(t, [{ type: "ship", config: {} }], {
      conditions: [{ type: "field", config: { path: "price", op: "gt", value: 1 } }],
    });
    const body = JSON.stringify({
      storeId: "s1",
      total: "42",
      count: "1e3",
      price: "12,50",
      "名前": "注文",
      "prix€": { "ünïcödé": "ok", "\u0000ctl": 1 },
      "emoji😀": ["a"],
    });
    const { results, ran } = await dispatchRunAndSkip(t, t.mutation(host.dispatchJson, { body }), ruleId, skippedRule);
    const stored = ran.triggerData as Record<string, unknown>;
    // Values kept, with numbers-as-strings left as strings; names made ASCII.
    expect(stored).toMatchObject({ storeId: "s1", total: "42", count: "1e3", price: "12,50" });
    expect(Object.keys(stored).every((k) => /^[\x20-\x7e]+$/.test(k))).toBe(true);
    expect(Object.values(stored)).toContain("注文");
    expect(ran.triggerDataSanitized).toBe(true);
    expect(ran.explanation).toEqual([
      expect.objectContaining({ path: "total", result: true, actual: "42" }),
      expect.objectContaining({ path: "count", result: true, actual: "1e3" }),
    ]);
    const skipped = await executionOf(t, results.find((r) => r.ruleId === skippedRule)!.executionId);
    expect(skipped).toMatchObject({ status: "skipped", conditionsMet: false });
    expect(skipped.explanation).toEqual([
      expect.objectContaining({ path: "price", op: "gt", result: false, actual: "12,50" }),
    ]);
    await assertStorable(t);
  });
});

describe("an event object graph with cycles", () => {
  test("through rules.execute: the cycles become markers, and rules match on the fields that are there", async () => {
    const t = setup();
    const onBoard = (boardId: string) => ({
      conditions: [{ type: "field" as const, config: { path: "boardId", op: "eq" as const, value: boardId } }],
    });
    const ruleId = await createRule(t, [{ type: "ship", config: {} }], onBoard("b1"));
    const otherBoard = await createRule(t, [{ type: "ship", config: {} }], onBoard("b2"));
    const { ran } = await dispatchRunAndSkip(
      t,
      t.mutation(host.dispatchCyclic, { boardId: "b1" }),
      ruleId,
      otherBoard,
    );
    expect(ran.triggerData).toEqual({
      storeId: "s1",
      boardId: "b1",
      items: [1, 2, 3].map((id) => ({ id, parent: "[cycle: refers back to the root]" })),
      self: "[cycle: refers back to the root]",
    });
    expect(ran.triggerDataSanitized).toBe(true);
    expect(await effectKinds(t)).toEqual(["ship"]);
    await assertStorable(t);
  });

  test("sent to the component directly, the call itself fails, loudly, and nothing is recorded", async () => {
    const t = setup();
    const ruleId = await createRule(t, [{ type: "ship", config: {} }]);
    // Convex's ctx.runMutation converts the arguments with convexToJson,
    // which recurses through the cycle: the caller's own mutation throws
    // before the component runs (the engine never sees a cyclic value).
    await expect(t.mutation(host.dispatchCyclicDirectly, { boardId: "b1" })).rejects.toThrow(
      "Maximum call stack size exceeded",
    );
    await settle(t);
    expect(await effectKinds(t)).toEqual([]);
    const executions: unknown[] = await t.query(host.ruleExecutions, { ruleId });
    expect(executions).toEqual([]);
    // The same event through the client is recorded.
    expect(await t.mutation(host.dispatchCyclic, { boardId: "b1" })).toEqual([
      expect.objectContaining({ ruleId, status: "running" }),
    ]);
  });
});
