/// <reference types="vite/client" />
// The engine's actions, through a host app (engineHost.test.ts) as a user
// runs them: rules created and events dispatched with the client, actions
// run by workpool (fake timers drive its scheduling and retry backoff), and
// every side effect counted in the host's own tables.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { getConvexSize, type Value } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { register } from "../test.js";
import type { Execution, ExecutionLog } from "./index.js";
import { schema, type ShopDraft } from "./engineHost.test.js";
import { rulesErrorOf } from "../testing/errors.js";

const host = anyApi["engineHost.test"] as unknown as ApiFromModules<{
  "engineHost.test": typeof import("./engineHost.test.js");
}>["engineHost.test"];

type T = ReturnType<typeof setup>;
type Action = ShopDraft["actions"][number] & { onError?: "stop" | "continue" };

function setup() {
  const t = convexTest({
    schema,
    modules: import.meta.glob("./**/*.ts"),
    transactionLimits: true,
  });
  register(t);
  return t;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs every scheduled function (workpool's loop, actions, retries, callbacks). */
async function settle(t: T) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

/** A rule on store `storeId` with these actions. */
async function createRule(
  t: T,
  storeId: string,
  actions: Action[],
  extra: Partial<ShopDraft> = {},
): Promise<string> {
  return await t.mutation(host.create, {
    rule: {
      name: `Rule for ${storeId}`,
      integrationId: "shop",
      triggerType: "order_created",
      triggerConfig: { storeId },
      actions,
      ...extra,
    } satisfies ShopDraft,
  });
}

const order = (storeId: string, fields: Record<string, unknown> = {}) => ({
  storeId,
  orderId: "o-1",
  customer: { name: "Ada", tier: "gold" },
  total: 42,
  items: ["book", "lamp"],
  ...fields,
});

/** Dispatches one event that matches exactly one rule; returns its execution id. */
async function dispatchOne(t: T, event: Record<string, unknown>, eventId?: string) {
  const results = await t.mutation(host.dispatch, { event, ...(eventId ? { eventId } : {}) });
  expect(results).toHaveLength(1);
  return results[0].executionId as string;
}

async function executionOf(t: T, executionId: string): Promise<Execution> {
  const execution = await t.query(host.execution, { executionId });
  expect(execution).not.toBeNull();
  return execution!;
}

async function logsOf(t: T, executionId: string): Promise<ExecutionLog[]> {
  return await t.query(host.logs, { executionId });
}

async function messages(t: T, executionId: string) {
  return (await logsOf(t, executionId)).map((l) => `${l.level} ${l.message}`);
}

async function effects(t: T) {
  return await t.query(host.effects, {});
}

/** Nesting levels of a value, as Convex counts them (a scalar is 0). */
function depth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Object.values(value as object);
  return 1 + Math.max(0, ...children.map(depth));
}

describe("running actions", () => {
  test("actions run in order, and only after the dispatching mutation commits", async () => {
    const t = setup();
    const ruleId = await createRule(t, "s1", [
      { type: "ship", config: { step: 1 } },
      { type: "ship_mutation", config: { step: 2 } },
      { type: "ship", config: { step: 3 } },
    ]);

    const results = await t.mutation(host.dispatch, { event: order("s1") });
    expect(results).toEqual([{ executionId: expect.any(String), ruleId, status: "running" }]);
    const executionId = results[0].executionId;
    // Dispatch returned: nothing has run yet.
    expect(await effects(t)).toEqual([]);
    const before = await executionOf(t, executionId);
    expect(before.status).toBe("running");
    expect(before.endTime).toBeUndefined();
    expect(before.actions.map((a) => [a.id, a.status, a.attempts])).toEqual([
      ["a1", "running", 0],
      ["a2", "pending", 0],
      ["a3", "pending", 0],
    ]);

    await settle(t);
    const ran = await effects(t);
    expect(ran.map((e) => [e.kind, e.actionId, e.config.step])).toEqual([
      ["ship", "a1", 1],
      ["ship_mutation", "a2", 2],
      ["ship", "a3", 3],
    ]);
    const after = await executionOf(t, executionId);
    expect(after).toMatchObject({ status: "succeeded", successful: true, conditionsMet: true });
    expect(after.error).toBeUndefined();
    expect(after.actions.map((a) => [a.id, a.status, a.attempts])).toEqual([
      ["a1", "succeeded", 1],
      ["a2", "succeeded", 1],
      ["a3", "succeeded", 1],
    ]);
    // Each action started after the previous one ended; the execution ended last.
    const [a1, a2, a3] = after.actions;
    expect(a1.endedAt!).toBeLessThanOrEqual(a2.startedAt!);
    expect(a2.endedAt!).toBeLessThanOrEqual(a3.startedAt!);
    expect(after.endTime!).toBeGreaterThanOrEqual(a3.endedAt!);
    expect(after.endTime!).toBeGreaterThanOrEqual(after.startTime);
    // Results are recorded per action and on the execution.
    expect(a1.result).toMatchObject({ id: "shipment-a1", rule: { ruleId, version: 1 } });
    expect(a2.result).toEqual({ id: "m-a2", received: { step: 2 } });
    expect(Object.keys(after.resultData as object)).toEqual(["a1", "a2", "a3"]);
  });

  test("a dispatch whose mutation fails leaves no execution and runs no action", async () => {
    const t = setup();
    const ruleId = await createRule(t, "s1", [{ type: "ship", config: {} }]);
    await expect(t.mutation(host.dispatchThenFail, { event: order("s1") })).rejects.toThrow(
      "the app failed after dispatching",
    );
    await settle(t);
    expect(await effects(t)).toEqual([]);
    expect(await t.query(host.ruleExecutions, { ruleId })).toEqual([]);
  });

  test("configs are templates filled from the event, the rule and earlier actions' results", async () => {
    const t = setup();
    await createRule(
      t,
      "s1",
      [
        { type: "ship", config: { text: "Order {{event.orderId}} for {{ event.customer.name }}" } },
        {
          type: "ship_mutation",
          config: {
            shipment: "{{actions.a1.result.id}}",
            label: "{{rule.name}}: {{event.items[1]}}",
            total: "{{event.total}}",
            nested: [{ literal: "no placeholder", echoed: "{{actions.a1.result.received.text}}" }],
          },
        },
      ],
      { name: "Ship it" },
    );
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);

    const [first, second] = await effects(t);
    expect(first.config).toEqual({ text: "Order o-1 for Ada" });
    expect(second.config).toEqual({
      shipment: "shipment-a1",
      label: "Ship it: lamp",
      // A placeholder that is the whole string keeps the value's type.
      total: 42,
      nested: [{ literal: "no placeholder", echoed: "Order o-1 for Ada" }],
    });
    const execution = await executionOf(t, executionId);
    expect(execution.status).toBe("succeeded");
    expect(execution.actions[1].config).toEqual(second.config);
  });

  test("a missing template value fails that action with a clear error, before any attempt", async () => {
    const t = setup();
    await createRule(t, "s1", [
      { type: "ship", config: { text: "Hello {{event.customer.nickname}}" } },
      { type: "ship", config: { text: "never runs" } },
    ]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);

    expect(await effects(t)).toEqual([]);
    const execution = await executionOf(t, executionId);
    expect(execution).toMatchObject({ status: "failed", successful: false });
    expect(execution.endTime).toBeGreaterThanOrEqual(execution.startTime);
    const [a1, a2] = execution.actions;
    expect(a1).toMatchObject({ status: "failed", attempts: 0 });
    expect(a1.error).toContain("missing value for {{event.customer.nickname}}");
    expect(a1.error).toContain("config.text");
    expect(a2).toMatchObject({ status: "skipped", attempts: 0 });
    expect(execution.error).toContain("action a1 (ship) failed");
    expect(execution.error).toContain("{{event.customer.nickname}}");
    const lines = await messages(t, executionId);
    expect(lines.some((l) => l.includes("attempt"))).toBe(false);
    expect(lines).toContainEqual(expect.stringMatching(/^error Action a1 \(ship\) failed before running: template: missing value/));
  });

  test.each([
    ["stop", ["failed", "skipped"], ["charge"]],
    ["continue", ["failed", "succeeded"], ["charge", "ship"]],
  ] as const)(
    'onError "%s" on a failed action: later actions end %j',
    async (onError, statuses, ran) => {
      const t = setup();
      await createRule(t, "s1", [
        { type: "charge_once", config: {}, onError },
        { type: "ship", config: { text: "after the charge" } },
      ]);
      const executionId = await dispatchOne(t, order("s1"));
      await settle(t);

      expect((await effects(t)).map((e) => e.kind)).toEqual(ran);
      const execution = await executionOf(t, executionId);
      expect(execution.actions.map((a) => a.status)).toEqual(statuses);
      // Any failed action fails the execution, even when later ones ran.
      expect(execution).toMatchObject({ status: "failed", successful: false });
      expect(execution.error).toBe("action a1 (charge_once) failed: card declined (attempt 1)");
      expect(execution.endTime).toBeDefined();
    },
  );

  test("with onError continue, a template naming a failed action's result fails too", async () => {
    const t = setup();
    await createRule(t, "s1", [
      { type: "charge_once", config: {}, onError: "continue" },
      { type: "ship", config: { receipt: "{{actions.a1.result.id}}" } },
    ]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    const execution = await executionOf(t, executionId);
    expect(execution.actions[1]).toMatchObject({ status: "failed", attempts: 0 });
    expect(execution.actions[1].error).toContain("missing value for {{actions.a1.result.id}}");
    expect((await effects(t)).map((e) => e.kind)).toEqual(["charge"]);
  });
});

describe("retries", () => {
  test("a failing action is retried with its type's policy until it succeeds; every attempt is logged", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "flaky", config: { failures: 2 } }]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);

    const execution = await executionOf(t, executionId);
    expect(execution).toMatchObject({ status: "succeeded", successful: true });
    expect(execution.actions[0]).toMatchObject({
      status: "succeeded",
      attempts: 3,
      result: { succeededOnCall: 3 },
    });
    expect(execution.actions[0].error).toBeUndefined();
    // The handler saw attempts 1, 2, 3, all with the same idempotency key.
    const ran = await effects(t);
    expect(ran.map((e) => [e.attempt, e.ok])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(new Set(ran.map((e) => e.idempotencyKey))).toEqual(new Set([`${executionId}:a1`]));
    expect(ran.every((e) => e.executionId === executionId && e.actionId === "a1")).toBe(true);

    const logs = await logsOf(t, executionId);
    expect(logs.map((l) => `${l.level} ${l.message}`)).toEqual([
      'info Rule "Rule for s1" (v1) triggered',
      "info Action a1 (flaky): attempt 1",
      "warn Action a1 (flaky): attempt 1 failed: flaky failure #1",
      "info Action a1 (flaky): attempt 2",
      "warn Action a1 (flaky): attempt 2 failed: flaky failure #2",
      "info Action a1 (flaky): attempt 3",
      "info Action a1 (flaky) succeeded after 3 attempt(s)",
      "info Execution succeeded: 1 action(s) ran",
    ]);
    expect(logs.filter((l) => l.message.startsWith("Action")).every((l) => l.componentId === "a1")).toBe(true);
    const times = logs.map((l) => l.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  test("retries stop when the policy is exhausted; the last error is the action's", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "charge", config: {} }]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);

    expect((await effects(t)).map((e) => e.attempt)).toEqual([1, 2, 3]);
    const execution = await executionOf(t, executionId);
    expect(execution.actions[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      error: "card declined (attempt 3)",
    });
    expect(execution).toMatchObject({
      status: "failed",
      successful: false,
      error: "action a1 (charge) failed: card declined (attempt 3)",
    });
    expect(await messages(t, executionId)).toEqual([
      'info Rule "Rule for s1" (v1) triggered',
      "info Action a1 (charge): attempt 1",
      "warn Action a1 (charge): attempt 1 failed: card declined (attempt 1)",
      "info Action a1 (charge): attempt 2",
      "warn Action a1 (charge): attempt 2 failed: card declined (attempt 2)",
      "info Action a1 (charge): attempt 3",
      "warn Action a1 (charge): attempt 3 failed: card declined (attempt 3)",
      "error Action a1 (charge) failed after 3 attempt(s): card declined (attempt 3)",
      "error Execution failed: action a1 (charge) failed",
    ]);
  });

  test("retry: false fails on the first error", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "charge_once", config: {} }]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    expect(await effects(t)).toHaveLength(1);
    expect((await executionOf(t, executionId)).actions[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "card declined (attempt 1)",
    });
  });

  test("a NonRetryableError fails the action at once, despite a policy of 5 attempts", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "fatal", config: {} }]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    const execution = await executionOf(t, executionId);
    expect(execution.actions[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "account closed: do not retry",
    });
    expect(execution.status).toBe("failed");
    expect(await messages(t, executionId)).toContain(
      "error Action a1 (fatal) failed after 1 attempt(s): account closed: do not retry",
    );
  });

  test("a thrown value that is not an Error is recorded readably", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "throw_value", config: {} }]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    const action = (await executionOf(t, executionId)).actions[0];
    expect(action).toMatchObject({ status: "failed", attempts: 1 });
    expect(action.error).toBe('{"reason":"teapot","status":418}');
    const logs = await messages(t, executionId);
    expect(logs).toContain('warn Action a1 (throw_value): attempt 1 failed: {"reason":"teapot","status":418}');
    expect(logs.join("\n")).not.toContain("[object Object]");
  });
});

describe("missing handlers", () => {
  test.each([
    ["renamed", "shipV1"],
    ["module_removed", "removedModule"],
  ])(
    "a handler that no longer exists (%s) fails its action at once with a clear error",
    async (type, name) => {
      const t = setup();
      await createRule(t, "s1", [{ type: type as "renamed", config: {} }]);
      const executionId = await dispatchOne(t, order("s1"));
      await settle(t);
      const execution = await executionOf(t, executionId);
      // Its type has a policy of 3 attempts: a missing function is not retried.
      expect(execution.actions[0]).toMatchObject({ status: "failed", attempts: 1 });
      expect(execution.actions[0].error).toMatch(
        /^the action's handler no longer exists \(was the host function renamed or removed\?\): /,
      );
      expect(execution.actions[0].error).toContain(name);
      expect(execution.status).toBe("failed");
    },
  );

  test("a handler's own \"couldn't find\" error is an ordinary, retried failure", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "charge", config: { message: "Couldn't find customer 42" } }]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    expect((await executionOf(t, executionId)).actions[0]).toMatchObject({
      status: "failed",
      attempts: 3,
      error: "Couldn't find customer 42",
    });
  });

  test("an action type without a handler fails clearly, with no attempt", async () => {
    const t = setup();
    await createRule(t, "s1", [
      { type: "undeclared_handler", config: {}, onError: "continue" },
      { type: "ship", config: {} },
    ]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    const execution = await executionOf(t, executionId);
    expect(execution.actions[0]).toMatchObject({
      status: "failed",
      attempts: 0,
      error: 'no handler for action type "undeclared_handler": add one to the handlers option of the Rules client',
    });
    expect(execution.actions[1].status).toBe("succeeded");
    expect(execution.status).toBe("failed");
  });
});

describe("results", () => {
  test("a huge, deeply nested result is stored truncated, and the action still succeeds", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "huge", config: {} }, { type: "ship", config: {} }]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);

    const execution = await executionOf(t, executionId);
    expect(execution.status).toBe("succeeded");
    expect(execution.actions.map((a) => a.status)).toEqual(["succeeded", "succeeded"]);
    const result = execution.actions[0].result as { blob: string; deep: Value };
    expect(getConvexSize(result)).toBeLessThanOrEqual(64 * 1024);
    expect(result.blob.startsWith("xxxx")).toBe(true);
    expect(result.blob).toContain("[truncated");
    // Stored at actions[i].result: 4 levels down in the execution document.
    expect(depth(result) + 4).toBeLessThanOrEqual(16);
    expect(JSON.stringify(result.deep)).toContain("[truncated: nested deeper than");
    expect((execution.resultData as Record<string, unknown>).a1).toEqual(result);
    const success = (await logsOf(t, executionId)).find((l) =>
      l.message.startsWith("Action a1 (huge) succeeded"),
    );
    expect(success?.data).toMatchObject({ resultSanitized: expect.any(Array) });
  });
});

describe("idempotency and loop protection", () => {
  test("the same eventId delivered twice runs the actions once", async () => {
    const t = setup();
    const ruleId = await createRule(t, "s1", [{ type: "ship", config: {} }]);
    const first = await t.mutation(host.dispatch, { event: order("s1"), eventId: "evt-1" });
    // Redelivered before the actions ran, and again after.
    const second = await t.mutation(host.dispatch, { event: order("s1"), eventId: "evt-1" });
    await settle(t);
    const third = await t.mutation(host.dispatch, { event: order("s1"), eventId: "evt-1" });
    await settle(t);

    expect(first).toEqual([{ executionId: expect.any(String), ruleId, status: "running" }]);
    for (const again of [second, third]) {
      expect(again).toEqual([{ executionId: first[0].executionId, ruleId, status: "duplicate" }]);
    }
    expect(await effects(t)).toHaveLength(1);
    expect(await t.query(host.ruleExecutions, { ruleId })).toHaveLength(1);
    // A new eventId runs again.
    await t.mutation(host.dispatch, { event: order("s1"), eventId: "evt-2" });
    await settle(t);
    expect(await effects(t)).toHaveLength(2);
  });

  test("an action whose event (causedBy) would run the same rule again is loop_blocked, with the reason", async () => {
    const t = setup();
    const ruleId = await createRule(t, "loop", [{ type: "reorder", config: {} }]);
    const parentId = await dispatchOne(t, order("loop"));
    await settle(t);

    const parent = await executionOf(t, parentId);
    expect(parent.status).toBe("succeeded");
    // The action's own call to rules.execute answered loop_blocked.
    const [child] = parent.actions[0].result as Array<{ executionId: string; ruleId: string; status: string }>;
    expect(child).toMatchObject({ ruleId, status: "loop_blocked" });
    expect(child.executionId).not.toBe(parentId);

    const blocked = await executionOf(t, child.executionId);
    expect(blocked).toMatchObject({
      status: "loop_blocked",
      causedBy: parentId,
      chain: [ruleId],
      triggered: true,
      successful: false,
      actions: [],
    });
    expect(blocked.triggerData).toMatchObject({ orderId: "o-1-again" });
    expect(blocked.error).toContain("already in the causing chain");
    // One document says why (its error); no log line.
    expect(await logsOf(t, child.executionId)).toEqual([]);

    // The rule ran once: one reorder, two executions (one blocked).
    expect((await effects(t)).map((e) => e.kind)).toEqual(["reorder"]);
    const executions = await t.query(host.ruleExecutions, { ruleId });
    expect(executions.map((e: Execution) => e.status).sort()).toEqual(["loop_blocked", "succeeded"]);
  });
});

describe("replayExecution", () => {
  test("re-runs only the failed action and those its failure skipped, never the succeeded ones", async () => {
    const t = setup();
    await createRule(t, "s1", [
      { type: "ship", config: { step: 1 } },
      { type: "flaky_once", config: { failures: 1 } },
      { type: "ship_mutation", config: { step: 3, shipment: "{{actions.a1.result.id}}" } },
    ]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    const failed = await executionOf(t, executionId);
    expect(failed.actions.map((a) => a.status)).toEqual(["succeeded", "failed", "skipped"]);
    const a1Before = failed.actions[0];

    const replay = await t.mutation(host.replay, { executionId });
    expect(replay).toEqual({ executionId, status: "running", replayed: ["a2", "a3"] });
    await settle(t);

    const replayed = await executionOf(t, executionId);
    expect(replayed).toMatchObject({ status: "succeeded", successful: true });
    expect(replayed.error).toBeUndefined();
    expect(replayed.endTime).toBeGreaterThanOrEqual(failed.endTime!);
    expect(replayed.actions.map((a) => [a.id, a.status, a.attempts])).toEqual([
      ["a1", "succeeded", 1],
      ["a2", "succeeded", 2],
      ["a3", "succeeded", 1],
    ]);
    // a1 untouched; a3 still sees a1's result.
    expect(replayed.actions[0]).toEqual(a1Before);
    expect(replayed.actions[2].config).toEqual({ step: 3, shipment: "shipment-a1" });

    const ran = await effects(t);
    expect(ran.map((e) => [e.kind, e.actionId, e.attempt, e.ok])).toEqual([
      ["ship", "a1", 1, true],
      ["flaky", "a2", 1, false],
      ["flaky", "a2", 2, true],
      ["ship_mutation", "a3", 1, true],
    ]);
    // The idempotency key of a2 survived the replay.
    expect(ran.filter((e) => e.actionId === "a2").map((e) => e.idempotencyKey)).toEqual([
      `${executionId}:a2`,
      `${executionId}:a2`,
    ]);
    expect(await messages(t, executionId)).toContain("info Replay: re-running a2, a3");

    // Now it succeeded: it cannot be replayed.
    const again = await rulesErrorOf(t.mutation(host.replay, { executionId }));
    expect(again).toMatchObject({ code: "NOT_REPLAYABLE", field: "executionId" });
    expect(await effects(t)).toHaveLength(4);
  });

  test("with onError continue, only the failed action re-runs; the later succeeded one does not", async () => {
    const t = setup();
    await createRule(t, "s1", [
      { type: "flaky_once", config: { failures: 1 }, onError: "continue" },
      { type: "ship", config: {} },
    ]);
    const executionId = await dispatchOne(t, order("s1"));
    await settle(t);
    expect((await executionOf(t, executionId)).status).toBe("failed");

    expect(await t.mutation(host.replay, { executionId })).toMatchObject({ replayed: ["a1"] });
    await settle(t);
    expect((await executionOf(t, executionId)).status).toBe("succeeded");
    expect((await effects(t)).map((e) => [e.kind, e.ok])).toEqual([
      ["flaky", false],
      ["ship", true],
      ["flaky", true],
    ]);
  });

  test("refuses executions that are not failed, and changes nothing", async () => {
    const t = setup();
    await createRule(t, "s1", [{ type: "ship", config: {} }]);
    await createRule(
      t,
      "vip",
      [{ type: "ship", config: {} }],
      { conditions: [{ type: "customer_tier", config: { tier: "platinum" } }] },
    );
    const running = await dispatchOne(t, order("s1"));
    const refused = await rulesErrorOf(t.mutation(host.replay, { executionId: running }));
    expect(refused).toMatchObject({ code: "NOT_REPLAYABLE", field: "executionId" });
    expect(refused.message).toContain("running");
    await settle(t);
    expect((await rulesErrorOf(t.mutation(host.replay, { executionId: running }))).code).toBe(
      "NOT_REPLAYABLE",
    );

    const skipped = await dispatchOne(t, order("vip"));
    expect((await executionOf(t, skipped)).status).toBe("skipped");
    expect((await rulesErrorOf(t.mutation(host.replay, { executionId: skipped }))).code).toBe(
      "NOT_REPLAYABLE",
    );
    await settle(t);
    expect(await effects(t)).toHaveLength(1);
    expect((await executionOf(t, running)).status).toBe("succeeded");

    const unknown = await rulesErrorOf(t.mutation(host.replay, { executionId: "nope" }));
    expect(unknown).toMatchObject({ code: "INVALID_ARGUMENT", field: "executionId" });
  });
});

describe("custom conditions", () => {
  test.each([
    ["gold", "succeeded", true, 1],
    ["silver", "skipped", false, 0],
    ["explode", "skipped", "error", 0],
  ] as const)(
    "a host query answering tier %s: execution %s, condition result %s",
    async (tier, status, result, ran) => {
      const t = setup();
      await createRule(t, "s1", [{ type: "ship", config: {} }], {
        conditions: [{ type: "customer_tier", config: { tier } }],
      });
      const executionId = await dispatchOne(t, order("s1", { customer: { name: "Ada", tier: "gold" } }));
      await settle(t);
      const execution = await executionOf(t, executionId);
      expect(execution.status).toBe(status);
      expect(execution.conditionsMet).toBe(result === true);
      const [node] = execution.explanation as Array<{ id: string; type: string; result: unknown; error?: string }>;
      expect(node).toMatchObject({ id: "c1", type: "customer_tier", result });
      if (result === "error") expect(node.error).toContain("tier service unavailable");
      else expect(node.error).toBeUndefined();
      expect(await effects(t)).toHaveLength(ran);
    },
  );
});

describe("event data", () => {
  test("rules.execute makes an event with $-prefixed keys storable: the call succeeds and runs", async () => {
    const t = setup();
    const ruleId = await createRule(t, "s1", [{ type: "ship", config: { kind: "{{event.order.kind}}" } }]);
    const body = JSON.stringify({
      storeId: "s1",
      $type: "OrderCreated",
      order: { kind: "retail", $ref: "#/orders/1" },
    });
    const results = await t.mutation(host.dispatchJson, { body });
    expect(results).toEqual([{ executionId: expect.any(String), ruleId, status: "running" }]);
    await settle(t);

    const execution = await executionOf(t, results[0].executionId);
    expect(execution.status).toBe("succeeded");
    const stored = execution.triggerData as Record<string, any>;
    expect(stored.storeId).toBe("s1");
    expect(Object.keys(stored).some((k) => k.startsWith("$"))).toBe(false);
    expect(Object.keys(stored.order).some((k) => k.startsWith("$"))).toBe(false);
    // The refused fields are kept under new names, not dropped.
    expect(Object.values(stored)).toContain("OrderCreated");
    expect(Object.values(stored.order)).toContain("#/orders/1");
    expect((await effects(t))[0].config).toEqual({ kind: "retail" });
  });
});
