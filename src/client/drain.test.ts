/// <reference types="vite/client" />
// drain(t) from convex-rules/test: a host test's create -> execute ->
// drain -> assert, with the clock moved one timer at a time.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import { drain, register } from "../test.js";
import type { Execution } from "./index.js";
import { schema, type ShopDraft } from "./engineHost.test.js";

const host = anyApi["engineHost.test"] as unknown as ApiFromModules<{
  "engineHost.test": typeof import("./engineHost.test.js");
}>["engineHost.test"];

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

const order = { storeId: "s1", orderId: "o-1", customer: { name: "Ada", tier: "gold" }, total: 42, items: [] };

async function createRule(t: ReturnType<typeof setup>, action: ShopDraft["actions"][number]) {
  await t.mutation(host.create, {
    rule: {
      name: "Ship orders",
      integrationId: "shop",
      triggerType: "order_created",
      triggerConfig: { storeId: "s1" },
      actions: [action],
    } satisfies ShopDraft,
  });
}

async function runOne(t: ReturnType<typeof setup>, action: ShopDraft["actions"][number]): Promise<Execution> {
  await createRule(t, action);
  const [result] = await t.mutation(host.dispatch, { event: order });
  expect(await drain(t)).toBeGreaterThan(0);
  return (await t.query(host.execution, { executionId: result!.executionId }))!;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("drain", () => {
  test("runs the actions to completion, quietly, and an action that runs at once takes 0 ms", async () => {
    vi.useFakeTimers();
    const errors = vi.spyOn(console, "error");
    const t = setup();
    const execution = await runOne(t, { type: "ship", config: { orderId: "{{event.orderId}}" } });
    expect(execution.status).toBe("succeeded");
    expect(execution.actions[0]).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(execution.endTime! - execution.startTime).toBe(0);
    // Nothing fired out of order: the batch worker's watchdog stayed quiet.
    expect(errors).not.toHaveBeenCalled();
    const effects = await t.query(host.effects, {});
    expect(effects.map((effect: { kind: string }) => effect.kind)).toEqual(["ship"]);
  });

  test("runs retries at their backoff: the duration is the backoff, not minutes of skipped timers", async () => {
    vi.useFakeTimers();
    const t = setup();
    const execution = await runOne(t, { type: "flaky", config: { failures: 2 } });
    expect(execution.status).toBe("succeeded");
    expect(execution.actions[0]).toMatchObject({ status: "succeeded", attempts: 3 });
    const duration = execution.endTime! - execution.startTime;
    expect(duration).toBeGreaterThan(0);
    expect(duration).toBeLessThan(10_000);
  });

  test("needs fake timers, and says so", async () => {
    const t = setup();
    await expect(drain(t)).rejects.toThrow(/vi\.useFakeTimers\(\)/);
  });

  test("stops after maxSteps timers with an error, or quietly at withinMs", async () => {
    vi.useFakeTimers();
    const t = setup();
    await createRule(t, { type: "flaky", config: { failures: 2 } });
    await t.mutation(host.dispatch, { event: order });
    await expect(drain(t, { maxSteps: 1 })).rejects.toThrow(/after 1 timers/);
    const start = Date.now();
    await drain(t, { withinMs: 1 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(1);
    expect(await drain(t)).toBeGreaterThan(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
