/// <reference types="vite/client" />
// Executions in every state the engine records, produced by the real engine
// through the test host apps (engineHost.test.ts, opsHost.test.ts), for the
// React components' tests (src/react). Named *.test.ts so no build ships it;
// vitest does not run it as a suite (see vitest.config.ts).
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { vi } from "vitest";
import { drain, register } from "../test.js";
import type { Execution, ExecutionLog } from "./index.js";
import { schema as shopSchema, type ShopDraft } from "./engineHost.test.js";
import { schema as opsSchema, type OpsDraft } from "./opsHost.test.js";

const shop = anyApi["engineHost.test"] as unknown as ApiFromModules<{
  "engineHost.test": typeof import("./engineHost.test.js");
}>["engineHost.test"];
const ops = anyApi["opsHost.test"] as unknown as ApiFromModules<{
  "opsHost.test": typeof import("./opsHost.test.js");
}>["opsHost.test"];

export type RecordedState = { execution: Execution; logs: ExecutionLog[] };
export type ExecutionStates = {
  succeeded: RecordedState;
  skipped: RecordedState;
  failedAfterRetries: RecordedState;
  rateLimited: RecordedState;
  loopBlocked: RecordedState;
  /** What `execute` answered for a redelivered event id, and the execution it points to. */
  duplicate: { answer: { executionId: string; ruleId: string; status: string }; execution: Execution };
};

const order = (storeId: string, total: number) => ({
  storeId,
  orderId: `o-${storeId}`,
  customer: { name: "Ada", tier: "gold" },
  total,
  items: ["book"],
});

/** Runs the engine once per state (fake timers on meanwhile) and returns what it recorded. */
export async function recordExecutionStates(modules: Record<string, () => Promise<any>>): Promise<ExecutionStates> {
  vi.useFakeTimers();
  vi.setSystemTime(Date.parse("2026-11-30T09:00:00Z"));
  try {
    const t = convexTest({ schema: shopSchema, modules, transactionLimits: true });
    register(t);
    const rule = (storeId: string, extra: Partial<ShopDraft>) =>
      t.mutation(shop.create, {
        rule: {
          name: `Orders of ${storeId}`,
          integrationId: "shop",
          triggerType: "order_created",
          triggerConfig: { storeId },
          actions: [{ type: "ship", config: { orderId: "{{event.orderId}}" } }],
          ...extra,
        } satisfies ShopDraft,
      });
    const one = async (event: object, eventId?: string) =>
      (await t.mutation(shop.dispatch, { event, ...(eventId === undefined ? {} : { eventId }) }))[0]!;
    const read = async (executionId: string): Promise<RecordedState> => ({
      execution: (await t.query(shop.execution, { executionId }))!,
      logs: await t.query(shop.logs, { executionId }),
    });

    await rule("ok", { name: "Ship paid orders", conditions: [{ type: "field", config: { path: "total", op: "gt", value: 0 } }] });
    await rule("big", { name: "Alert on big orders", conditions: [{ type: "field", config: { path: "total", op: "gte", value: 1000 } }] });
    await rule("flaky", { name: "Charge the card", actions: [{ type: "flaky", config: { failures: 5 } }] });
    await rule("loop", { name: "Reorder", actions: [{ type: "reorder", config: {} }] });

    const succeeded = await one(order("ok", 42), "delivery-1");
    const skipped = await one(order("big", 250));
    const failed = await one(order("flaky", 10));
    const parent = await one(order("loop", 10));
    const duplicate = await one(order("ok", 42), "delivery-1");
    await drain(t);
    const parentRun = await read(parent.executionId);
    const [child] = parentRun.execution.actions[0]!.result as Array<{ executionId: string }>;

    const o = convexTest({ schema: opsSchema, modules, transactionLimits: true });
    register(o);
    await o.mutation(ops.create, {
      rule: {
        name: "Run jobs",
        integrationId: "ops",
        triggerType: "job",
        triggerConfig: { queue: "q" },
        actions: [{ type: "work", config: {} }],
      } satisfies OpsDraft,
    });
    await o.mutation(ops.setQuota, { perMinute: 1 });
    await o.mutation(ops.dispatch, { event: { queue: "q" } });
    const [limited] = await o.mutation(ops.dispatch, { event: { queue: "q" } });
    await drain(o);

    return {
      succeeded: await read(succeeded.executionId),
      skipped: await read(skipped.executionId),
      failedAfterRetries: await read(failed.executionId),
      loopBlocked: await read(child!.executionId),
      rateLimited: {
        execution: (await o.query(ops.execution, { executionId: limited!.executionId }))!,
        logs: await o.query(ops.logs, { executionId: limited!.executionId }),
      },
      duplicate: { answer: duplicate, execution: (await read(duplicate.executionId)).execution },
    };
  } finally {
    vi.useRealTimers();
  }
}
