/// <reference types="vite/client" />
/** Reading executions and their logs: one, a rule's latest, a namespace's pages. */
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../_generated/api.js";
import type { Id } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { initConvexTest, EXECUTION_DEFAULTS, ruleInput } from "../setup.test.js";
import { getRuleExecutions, listExecutions } from "./queries.js";
import type { ExecutionStatus } from "../../shared.js";
import { expectRulesError } from "../../testing/errors.js";

type T = ReturnType<typeof initConvexTest>;

afterEach(() => {
  vi.useRealTimers();
});

/** The handler behind a registered query, to run inside `t.run` and measure it. */
function handlerOf<Ref extends FunctionReference<"query">>(fn: unknown, _ref: Ref) {
  return (
    fn as {
      _handler: (ctx: QueryCtx, args: FunctionArgs<Ref>) => Promise<FunctionReturnType<Ref>>;
    }
  )._handler;
}
const getRuleExecutionsHandler = handlerOf(getRuleExecutions, api.executions.queries.getRuleExecutions);
const listExecutionsHandler = handlerOf(listExecutions, api.executions.queries.listExecutions);

async function documentsRead(ctx: QueryCtx): Promise<number> {
  return (await ctx.meta.getTransactionMetrics()).documentsRead.used;
}

/**
 * Executions written directly: `count` per rule of `ruleIds`, interleaved,
 * startTime increasing by 1 per document; statuses cycle.
 */
async function seedExecutions(
  t: T,
  count: number,
  ruleIds: string[],
  extra: { namespace?: string; integrationId?: string } = {},
) {
  const statuses: ExecutionStatus[] = ["succeeded", "failed", "skipped"];
  return await t.run(async (ctx) => {
    const ids: Record<string, string[]> = {};
    let n = 0;
    for (let i = 0; i < count; i++) {
      for (const ruleId of ruleIds) {
        const id = await ctx.db.insert("ruleExecutions", {
          ...EXECUTION_DEFAULTS,
          integrationId: "monday",
          ...extra,
          ruleId,
          triggered: true,
          conditionsMet: true,
          successful: true,
          status: statuses[n % 3],
          startTime: 1000 + n,
          endTime: 1000 + n,
          triggerData: { n },
        });
        (ids[ruleId] ??= []).push(id);
        n++;
      }
    }
    return ids;
  });
}

describe("getRuleExecutions", () => {
  test("returns a rule's executions newest first, reading only those it returns", async () => {
    const t = initConvexTest();
    const ids = await seedExecutions(t, 60, ["r1", "r2", "r3"]);
    const newestFirst = [...ids.r1].reverse();
    const run = async (limit?: number) =>
      await t.run(async (ctx) => {
        const before = await documentsRead(ctx);
        const page = await getRuleExecutionsHandler(ctx, {
          ruleId: "r1",
          ...(limit === undefined ? {} : { limit }),
        });
        return { page, reads: (await documentsRead(ctx)) - before };
      });
    const byDefault = await run();
    expect(byDefault.page.map((e) => e.executionId)).toEqual(newestFirst.slice(0, 50));
    expect(byDefault.reads).toBe(50);
    const five = await run(5);
    expect(five.page.map((e) => e.executionId)).toEqual(newestFirst.slice(0, 5));
    expect(five.reads).toBe(5);
    expect(five.page.every((e) => e.ruleId === "r1")).toBe(true);
    // Through the registered query too (validators included).
    const all = await t.query(api.executions.queries.getRuleExecutions, { ruleId: "r1", limit: 1000 });
    expect(all.map((e) => e.executionId)).toEqual(newestFirst);
    expect(await t.query(api.executions.queries.getRuleExecutions, { ruleId: "nobody" })).toEqual([]);
  });

  test("executions of one event keep their order, newest first", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(5_000);
    const t = initConvexTest();
    await t.mutation(api.rules.createRule, ruleInput({ id: "r1" }));
    const run = async () =>
      (await t.mutation(api.dispatch.engine.execute, { integrationId: "monday", triggerType: "status_changed", event: {} }))[0]
        .executionId;
    const first = await run();
    const second = await run(); // same startTime
    vi.setSystemTime(6_000);
    const third = await run();
    const list = await t.query(api.executions.queries.getRuleExecutions, { ruleId: "r1" });
    expect(list.map((e) => e.executionId)).toEqual([third, second, first]);
  });

  test("limit must be an integer from 1 to 1000", async () => {
    const t = initConvexTest();
    for (const limit of [0, -1, 1.5, 1001, NaN]) {
      await expectRulesError(
        t.query(api.executions.queries.getRuleExecutions, { ruleId: "r1", limit }),
        "INVALID_ARGUMENT",
        "limit",
      );
    }
  });
});

describe("getExecution", () => {
  test("returns the execution without the handlers and templates kept inside", async () => {
    const t = initConvexTest();
    await t.mutation(api.rules.createRule, ruleInput({ actions: [{ id: "a1", type: "notify", config: { text: "{{event.name}}" } }] }));
    const [result] = await t.mutation(api.dispatch.engine.execute, {
      integrationId: "monday",
      triggerType: "status_changed",
      event: { name: "Ann" },
      eventId: "e1",
    });
    const execution = await t.query(api.executions.queries.getExecution, { executionId: result.executionId });
    expect(execution).toMatchObject({
      executionId: result.executionId,
      ruleName: "A rule",
      eventId: "e1",
      status: "failed",
      triggerData: { name: "Ann" },
      actions: [{ id: "a1", type: "notify", onError: "stop", status: "failed", attempts: 0 }],
    });
    expect(execution).not.toHaveProperty("_id");
    expect(execution).not.toHaveProperty("_creationTime");
    expect(execution!.actions[0]).not.toHaveProperty("template");
    // A stored handler never leaves the component.
    const withHandler = await t.run(async (ctx) =>
      ctx.db.insert("ruleExecutions", {
        ...EXECUTION_DEFAULTS,
        ruleId: "r9",
        integrationId: "monday",
        triggered: true,
        conditionsMet: true,
        successful: false,
        status: "running",
        startTime: 1,
        triggerData: {},
        actions: [
          {
            id: "a1",
            type: "notify",
            onError: "stop",
            template: { secret: "{{event.token}}" },
            status: "running",
            attempts: 1,
            handler: { handle: "function://secret-handle", kind: "action" },
          },
        ],
      }),
    );
    const running = await t.query(api.executions.queries.getExecution, { executionId: withHandler });
    expect(running!.actions).toEqual([{ id: "a1", type: "notify", onError: "stop", status: "running", attempts: 1 }]);
    expect(JSON.stringify(running)).not.toContain("secret");
  });

  test("null for a deleted execution; INVALID_ARGUMENT for an id of anything else", async () => {
    const t = initConvexTest();
    const ids = await seedExecutions(t, 1, ["r1"]);
    const [executionId] = ids.r1;
    expect(await t.query(api.executions.queries.getExecution, { executionId })).toMatchObject({ executionId });
    await t.run(async (ctx) => await ctx.db.delete("ruleExecutions", executionId as Id<"ruleExecutions">));
    expect(await t.query(api.executions.queries.getExecution, { executionId })).toBeNull();
    await t.mutation(api.rules.createRule, ruleInput({ id: "r1" }));
    const ruleDocId = await t.run(async (ctx) => (await ctx.db.query("rules").first())!._id);
    for (const id of [ruleDocId, "not-an-id", ""]) {
      await expectRulesError(
        t.query(api.executions.queries.getExecution, { executionId: id }),
        "INVALID_ARGUMENT",
        "executionId",
      );
    }
  });
});

describe("listExecutions", () => {
  test("pages through one namespace newest first, reading about one page", async () => {
    const t = initConvexTest();
    const root = await seedExecutions(t, 10, ["r1", "r2"]);
    await seedExecutions(t, 5, ["t1"], { namespace: "tenant-1" });
    await seedExecutions(t, 5, ["gh"], { integrationId: "github" });
    // Root namespace of monday: r1/r2 interleaved, 20 in all.
    const expected = await t.run(async (ctx) =>
      (await ctx.db.query("ruleExecutions").collect())
        .filter((e) => e.integrationId === "monday" && e.namespace === "")
        .map((e) => e._id as string)
        .reverse(),
    );
    expect(expected).toHaveLength(20);
    expect(new Set(expected)).toEqual(new Set([...root.r1, ...root.r2]));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const result = await t.run(async (ctx) => {
        const before = await documentsRead(ctx);
        const page = await listExecutionsHandler(ctx, {
          integrationId: "monday",
          paginationOpts: { numItems: 6, cursor },
        });
        return { ...page, reads: (await documentsRead(ctx)) - before };
      });
      expect(result.page.length).toBeLessThanOrEqual(6);
      expect(result.reads).toBeLessThanOrEqual(result.page.length + 1);
      seen.push(...result.page.map((e) => e.executionId));
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    expect(seen).toEqual(expected);
    const tenant = await t.query(api.executions.queries.listExecutions, {
      integrationId: "monday",
      namespace: "tenant-1",
      paginationOpts: { numItems: 100, cursor: null },
    });
    expect(tenant.page.map((e) => e.ruleId)).toEqual(Array(5).fill("t1"));
    expect(tenant.isDone).toBe(true);
    const none = await t.query(api.executions.queries.listExecutions, {
      integrationId: "slack",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(none.page).toEqual([]);
  });

  test("filters by status within the namespace", async () => {
    const t = initConvexTest();
    await seedExecutions(t, 9, ["r1"]);
    await seedExecutions(t, 3, ["t1"], { namespace: "tenant-1" });
    for (const status of ["succeeded", "failed", "skipped"] as const) {
      const result = await t.query(api.executions.queries.listExecutions, {
        integrationId: "monday",
        status,
        paginationOpts: { numItems: 2, cursor: null },
      });
      expect(result.page).toHaveLength(2);
      expect(result.page.every((e) => e.status === status && e.namespace === "")).toBe(true);
      expect(result.page[0].startTime).toBeGreaterThan(result.page[1].startTime);
      const rest = await t.query(api.executions.queries.listExecutions, {
        integrationId: "monday",
        status,
        paginationOpts: { numItems: 10, cursor: result.continueCursor },
      });
      expect(rest.page.map((e) => e.status)).toEqual([status]);
      expect(rest.isDone).toBe(true);
    }
    const tenantFailed = await t.query(api.executions.queries.listExecutions, {
      integrationId: "monday",
      namespace: "tenant-1",
      status: "failed",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(tenantFailed.page.map((e) => [e.ruleId, e.status])).toEqual([["t1", "failed"]]);
    const running = await t.query(api.executions.queries.listExecutions, {
      integrationId: "monday",
      status: "running",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(running.page).toEqual([]);
  });
});

describe("getExecutionLogs", () => {
  test("returns an execution's logs in the order the engine wrote them", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000);
    const t = initConvexTest();
    await t.mutation(api.rules.createRule, ruleInput({
      name: "Two actions",
      actions: [
        { id: "a1", type: "notify", config: {}, onError: "continue" },
        { id: "a2", type: "webhook", config: {} },
      ],
    }));
    const [result] = await t.mutation(api.dispatch.engine.execute, {
      integrationId: "monday",
      triggerType: "status_changed",
      event: {},
    });
    const logs = await t.query(api.logs.getExecutionLogs, { executionId: result.executionId });
    expect(logs.map((l) => [l.level, l.component, l.componentId, l.message.split(":")[0]])).toEqual([
      ["info", "trigger", undefined, 'Rule "Two actions" (v1) triggered'],
      ["error", "action", "a1", "Action a1 (notify) failed before running"],
      ["error", "action", "a2", "Action a2 (webhook) failed before running"],
      ["error", "action", undefined, "Execution failed"],
    ]);
    expect(logs.every((l) => l.executionId === result.executionId && l.timestamp === 1_000)).toBe(true);
    // Another execution's logs are not mixed in.
    await t.mutation(api.dispatch.engine.execute, { integrationId: "monday", triggerType: "status_changed", event: {} });
    expect(await t.query(api.logs.getExecutionLogs, { executionId: result.executionId })).toEqual(logs);
  });
});
