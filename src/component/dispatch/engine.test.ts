/// <reference types="vite/client" />
/**
 * Dispatch (`engine.execute`): patterns, conditions and their explanation,
 * idempotency, loop protection, the per-event limit, safe storage of any
 * event, and argument checks. Rules here have no actions unless a test is
 * about actions: such a rule succeeds at once.
 */
import type { FunctionArgs } from "convex/server";
import { getConvexSize } from "convex/values";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import { initConvexTest, ruleInput } from "../setup.test.js";
import { EVENT_MAX_BYTES } from "../../shared.js";
import { findUnstorable } from "../../core/storable.js";
import { checkStorage } from "../../test.js";
import type { ConditionInput, RuleInput } from "../../shared.js";
import { expectRulesError } from "../../testing/errors.js";
import { nesting } from "../../testing/nesting.js";

type T = ReturnType<typeof initConvexTest>;
type ExecuteArgs = FunctionArgs<typeof api.dispatch.engine.execute>;

afterEach(() => {
  vi.useRealTimers();
});

const eq = (path: string, value: unknown, id?: string): ConditionInput => ({
  ...(id === undefined ? {} : { id }),
  type: "field",
  config: { path, op: "eq", value },
});
const group = (
  type: "all" | "any" | "not",
  conditions: ConditionInput[],
  id?: string,
): ConditionInput => ({ ...(id === undefined ? {} : { id }), type, config: { conditions } });

async function createRule(t: T, overrides: Partial<RuleInput> = {}) {
  return await t.mutation(api.rules.createRule, ruleInput(overrides));
}

async function execute(t: T, args: Partial<ExecuteArgs> & { event: unknown }) {
  return await t.mutation(api.dispatch.engine.execute, {
    integrationId: "monday",
    triggerType: "status_changed",
    ...args,
  });
}

/**
 * An execution document as stored, with the data of the event it refers to
 * (stored once per event) where an inline copy used to be.
 */
async function executionDoc(t: T, executionId: string): Promise<Doc<"ruleExecutions"> & { triggerData: any }> {
  return await t.run(async (ctx) => {
    const doc = (await ctx.db.get("ruleExecutions", executionId as Id<"ruleExecutions">))!;
    const event = doc.eventRef === undefined ? null : await ctx.db.get("ruleEvents", doc.eventRef);
    return {
      ...doc,
      triggerData: event?.data ?? doc.triggerData,
      ...(event?.sanitized ? { triggerDataSanitized: true } : {}),
    };
  });
}

/** Every document the component stores, and every scheduled function. */
async function everything(t: T) {
  return await t.run(async (ctx) => ({
    rules: await ctx.db.query("rules").collect(),
    routes: await ctx.db.query("ruleRoutes").collect(),
    paths: await ctx.db.query("routingPaths").collect(),
    executions: await ctx.db.query("ruleExecutions").collect(),
    logs: await ctx.db.query("ruleExecutionLogs").collect(),
    events: await ctx.db.query("processedEvents").collect(),
    storedEvents: await ctx.db.query("ruleEvents").collect(),
    scheduled: await ctx.db.system.query("_scheduled_functions").collect(),
  }));
}

/** A stored document without its system fields, as findUnstorable checks values. */
function fields<D extends { _id: unknown; _creationTime: number }>(doc: D) {
  const { _id, _creationTime, ...rest } = doc;
  return rest;
}

describe("patterns at dispatch", () => {
  test("records and returns only the rules whose pattern matched", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "done", triggerPattern: { boardId: [1], value: { label: { text: ["Done"] } } } });
    await createRule(t, { id: "stuck", triggerPattern: { boardId: [1], value: { label: { text: ["Stuck"] } } } });
    await createRule(t, { id: "other-board", triggerPattern: { boardId: [2] } });
    await createRule(t, { id: "other-integration", integrationId: "github" });
    const results = await execute(t, { event: { boardId: 1, value: { label: { text: "Done" } } } });
    expect(results).toEqual([
      { executionId: expect.any(String), ruleId: "done", status: "succeeded" },
    ]);
    const { executions } = await everything(t);
    expect(executions.map((e) => e.ruleId)).toEqual(["done"]);
    expect(await execute(t, { event: { boardId: 1, value: { label: { text: "Working" } } } })).toEqual([]);
    expect((await everything(t)).executions).toHaveLength(1);
  });

  test("an event no rule recorded anything for is not kept; one that ran rules is stored once", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "board-1", triggerPattern: { boardId: [1] } });
    expect(await execute(t, { event: { boardId: 2 }, eventId: "miss" })).toEqual([]);
    let stored = await everything(t);
    expect(stored.storedEvents).toEqual([]);
    // Its redelivery is still recognised, and still runs nothing.
    expect(stored.events).toMatchObject([{ eventId: "miss", results: [] }]);
    expect(stored.events[0]!.eventRef).toBeUndefined();
    expect(await execute(t, { event: { boardId: 1 }, eventId: "miss" })).toEqual([]);

    const [hit] = await execute(t, { event: { boardId: 1 }, eventId: "hit" });
    stored = await everything(t);
    expect(stored.storedEvents).toHaveLength(1);
    expect(stored.events.find((e) => e.eventId === "hit")?.eventRef).toBe(stored.storedEvents[0]!._id);
    expect((await executionDoc(t, hit!.executionId)).triggerData).toEqual({ boardId: 1 });
  });

  test("the last batch of a continued dispatch deletes the event when no batch recorded anything", async () => {
    const t = initConvexTest();
    const scope = { integrationId: "monday", namespace: "", triggerType: "status_changed" };
    // Continued batches reach this only past a quarter of a transaction
    // limit in reads of routes refused by their pattern: the last one is
    // called directly, after every candidate (none is left to record).
    const last = async (withExecution: boolean) => {
      const eventRef = await t.run(async (ctx) => {
        const ref = await ctx.db.insert("ruleEvents", { ...scope, data: { boardId: 1 }, receivedAt: Date.now() });
        if (withExecution) {
          await ctx.db.insert("ruleExecutions", {
            ...scope, ruleId: "earlier", ruleName: "earlier", ruleVersion: 1, eventRef: ref, chain: [], startTime: Date.now(),
            status: "skipped", triggered: true, conditionsMet: false, successful: false, actions: [],
          });
        }
        return ref;
      });
      await t.mutation(internal.dispatch.engine.continueDispatch, {
        job: { ...scope, eventRef, chain: [], handlers: { actions: {}, conditions: {} }, options: {}, ran: 0 },
        after: { priority: Number.MAX_SAFE_INTEGER, ruleCreatedAt: 0, ruleId: "" },
      });
      return await t.run(async (ctx) => await ctx.db.get("ruleEvents", eventRef));
    };
    await createRule(t, { id: "board-1", triggerPattern: { boardId: [1] } });
    expect(await last(false)).toBeNull();
    expect(await last(true)).toMatchObject({ data: { boardId: 1 } });
  });

  test("a rule without a pattern matches every event of its trigger type only", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "every" });
    for (const event of [{}, { boardId: 1 }, [], null, "text", 5]) {
      expect((await execute(t, { event })).map((r) => r.ruleId)).toEqual(["every"]);
    }
    expect(await execute(t, { event: {}, triggerType: "item_created" })).toEqual([]);
    expect(await execute(t, { event: {}, namespace: "tenant-1" })).toEqual([]);
  });

  test("an event array matches when any element matches", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "urgent", triggerPattern: { tags: ["urgent"] } });
    await createRule(t, { id: "owner", triggerPattern: { people: { name: [{ prefix: "An" }], role: ["owner"] } } });
    const run = async (event: unknown) => (await execute(t, { event })).map((r) => r.ruleId);
    expect(await run({ tags: ["low", "urgent"] })).toEqual(["urgent"]);
    expect(await run({ tags: [] })).toEqual([]);
    // Fields of a nested pattern must hold in the same element.
    expect(await run({ people: [{ name: "Ann", role: "owner" }] })).toEqual(["owner"]);
    expect(await run({ people: [{ name: "Ann", role: "viewer" }, { name: "Bob", role: "owner" }] })).toEqual([]);
    // The event itself may be an array of objects.
    expect(await run([{ tags: "x" }, { tags: "urgent" }])).toEqual(["urgent"]);
  });
});

describe("conditions", () => {
  test("met: the execution succeeds with its explanation", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t, { conditions: [eq("status", "done")] });
    const [result] = await execute(t, { event: { status: "done" }, eventId: "d1" });
    expect(result).toMatchObject({ ruleId, status: "succeeded" });
    const doc = await executionDoc(t, result.executionId);
    expect(doc).toMatchObject({
      ruleId,
      ruleName: "A rule",
      ruleVersion: 1,
      integrationId: "monday",
      namespace: "",
      triggerType: "status_changed",
      eventId: "d1",
      status: "succeeded",
      triggered: true,
      conditionsMet: true,
      successful: true,
      triggerData: { status: "done" },
      chain: [],
      actions: [],
      explanation: [{ id: "c1", type: "field", op: "eq", path: "status", result: true, actual: "done", expected: "done" }],
    });
    expect(doc.endTime).toBeGreaterThanOrEqual(doc.startTime);
    expect(doc).not.toHaveProperty("triggerDataSanitized");
    expect(doc).not.toHaveProperty("error");
    const logs = await t.query(api.logs.getExecutionLogs, { executionId: result.executionId });
    expect(logs.map((l) => [l.level, l.component, l.message])).toEqual([
      ["info", "trigger", 'Rule "A rule" (v1) triggered'],
      ["info", "action", "Execution succeeded: 0 action(s) ran"],
    ]);
    expect(logs[0].data).toEqual({ eventId: "d1" });
  });

  test("not met: skipped, with a flat explanation of every condition", async () => {
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      conditions: [
        group("any", [eq("status", "done", "s"), eq("priority", "high", "p")], "g"),
        group("not", [eq("owner", "ann", "o")], "n"),
        eq("team", "x", "team"),
      ],
    });
    const event = { status: "stuck", priority: "high", owner: "ann", team: "x" };
    const [result] = await execute(t, { event });
    expect(result).toEqual({ executionId: expect.any(String), ruleId, status: "skipped" });
    const doc = await executionDoc(t, result.executionId);
    expect(doc).toMatchObject({ triggered: true, conditionsMet: false, successful: false, status: "skipped" });
    expect(doc.endTime).toBe(doc.startTime);
    expect(doc.explanation).toEqual([
      { id: "g", type: "any", result: true },
      { id: "s", parent: "g", type: "field", op: "eq", path: "status", result: false, actual: "stuck", expected: "done" },
      { id: "p", parent: "g", type: "field", op: "eq", path: "priority", result: true, actual: "high", expected: "high" },
      { id: "n", type: "not", result: false },
      { id: "o", parent: "n", type: "field", op: "eq", path: "owner", result: true, actual: "ann", expected: "ann" },
      // Not evaluated: the rule had already failed.
      { id: "team", type: "field", op: "eq", path: "team", result: "skipped" },
    ]);
    // The explanation is the record: a skipped rule writes no log line.
    expect(await t.query(api.logs.getExecutionLogs, { executionId: result.executionId })).toEqual([]);
  });

  test("the explanation of a depth-10 tree stays within 16 levels", async () => {
    const t = initConvexTest();
    // A leaf at depth 10 (nine groups above it) comparing a nested value,
    // and an every over an array beside the outermost group's children.
    let conditions: ConditionInput[] = [eq("deep", { a: { b: { c: { d: { e: { f: 1 } } } } } }, "leaf")];
    for (let d = 1; d < 10; d++) conditions = [group("all", conditions, `g${d}`)];
    conditions[0].config.conditions.push({
      id: "every",
      type: "field",
      config: { path: "items", op: "every", conditions: [eq("x", 1, "x")] },
    });
    const ruleId = await createRule(t, { conditions });
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    for (const [items, status] of [
      [[{ x: 1 }, { x: 1 }], "succeeded"],
      [[{ x: 1 }, { x: 2 }], "skipped"],
    ] as const) {
      const [result] = await execute(t, { event: { deep, items } });
      expect(result).toMatchObject({ ruleId, status });
      const doc = await executionDoc(t, result.executionId);
      expect(findUnstorable(fields(doc), { path: "execution" })).toBeNull();
      expect(nesting(doc.explanation)).toBeLessThanOrEqual(15);
      const explanation = doc.explanation as Array<{ id: string; parent?: string; result: unknown }>;
      // Every node names its parent: walking up from the leaf crosses 9 groups.
      const byId = new Map(explanation.map((n) => [n.id, n]));
      let node = byId.get("leaf");
      let depth = 1;
      while (node?.parent !== undefined) {
        node = byId.get(node.parent);
        depth++;
      }
      expect(depth).toBe(10);
      expect(byId.get("every")).toMatchObject({ parent: "g9", result: status === "succeeded" });
      expect(byId.get("x")).toMatchObject({ parent: "every", result: status === "succeeded" });
    }
  });

  test("a rule with an action but no handler fails at once with a clear error", async () => {
    const t = initConvexTest();
    await createRule(t, { actions: [{ type: "notify", config: {} }] });
    const [result] = await execute(t, { event: {} });
    expect(result.status).toBe("failed");
    const doc = await executionDoc(t, result.executionId);
    expect(doc.actions[0]).toMatchObject({ status: "failed", attempts: 0 });
    expect(doc.actions[0].error).toContain('no handler for action type "notify"');
    expect(doc).toMatchObject({ status: "failed", conditionsMet: true, successful: false });
    // Nothing runs the action; the only scheduled work is the stats rollup
    // the finished execution wakes up.
    const scheduled = (await everything(t)).scheduled.map((s) => s.name);
    expect(scheduled).toEqual(["executions/stats:rollup"]);
  });

  test("a rule deleted and created again with the same id runs its new conditions", async () => {
    // Compiled conditions are kept between events (and between convex-test
    // instances, which share modules): the new rule has version 1 again.
    for (const [value, event] of [
      ["first", { status: "first" }],
      ["second", { status: "second" }],
    ] as const) {
      const t = initConvexTest();
      await createRule(t, { id: "same-id", conditions: [eq("status", value)] });
      expect((await execute(t, { event }))[0].status).toBe("succeeded");
      await t.mutation(api.rules.deleteRule, { ruleId: "same-id" });
      await createRule(t, { id: "same-id", conditions: [eq("status", `${value}!`)] });
      expect((await execute(t, { event }))[0].status).toBe("skipped");
      expect((await execute(t, { event: { status: `${value}!` } }))[0].status).toBe("succeeded");
    }
  });
});

describe("idempotency", () => {
  test("a redelivered eventId runs nothing and returns the first executions", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "a" });
    await createRule(t, { id: "b", conditions: [eq("status", "done")] });
    const first = await execute(t, { event: { status: "stuck" }, eventId: "delivery-1" });
    expect(first.map((r) => [r.ruleId, r.status])).toEqual([
      ["a", "succeeded"],
      ["b", "skipped"],
    ]);
    const before = await everything(t);
    // Even when the redelivered event would now match differently.
    const again = await execute(t, { event: { status: "done" }, eventId: "delivery-1" });
    expect(again).toEqual(first.map((r) => ({ ...r, status: "duplicate" })));
    expect(await everything(t)).toEqual(before);
    expect(before.events).toHaveLength(1);
  });

  test("eventIds are scoped by integration and namespace", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "root" });
    await createRule(t, { id: "t1", namespace: "tenant-1" });
    await createRule(t, { id: "gh", integrationId: "github" });
    const statuses = async (args: Partial<ExecuteArgs>) =>
      (await execute(t, { event: {}, eventId: "same", ...args })).map((r) => `${r.ruleId}:${r.status}`);
    expect(await statuses({})).toEqual(["root:succeeded"]);
    expect(await statuses({ namespace: "tenant-1" })).toEqual(["t1:succeeded"]);
    expect(await statuses({ integrationId: "github" })).toEqual(["gh:succeeded"]);
    expect(await statuses({ namespace: "tenant-1" })).toEqual(["t1:duplicate"]);
    expect(await statuses({})).toEqual(["root:duplicate"]);
    // Without an eventId nothing is deduplicated.
    await execute(t, { event: {} });
    await execute(t, { event: {} });
    expect((await everything(t)).executions.filter((e) => e.ruleId === "root")).toHaveLength(3);
  });
});

describe("loop protection", () => {
  test("a rule already in the causing chain is loop_blocked; the others run", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "r1" });
    await createRule(t, { id: "r2" });
    const [e1] = await execute(t, { event: { step: 1 } });
    const second = await execute(t, { event: { step: 2 }, causedBy: e1.executionId });
    expect(second.map((r) => [r.ruleId, r.status])).toEqual([
      ["r1", "loop_blocked"],
      ["r2", "succeeded"],
    ]);
    const blocked = await executionDoc(t, second[0].executionId);
    expect(blocked).toMatchObject({
      status: "loop_blocked",
      triggered: true,
      conditionsMet: false,
      successful: false,
      causedBy: e1.executionId,
      chain: ["r1"],
    });
    expect(blocked.error).toContain('rule "r1" is already in the causing chain r1');
    // One document says why; no log line.
    expect(await t.query(api.logs.getExecutionLogs, { executionId: second[0].executionId })).toEqual([]);
    // r2's run carries the chain on: caused by it, r2 is blocked, r1 too.
    const third = await execute(t, { event: {}, causedBy: second[1].executionId });
    expect(third.map((r) => r.status)).toEqual(["loop_blocked", "loop_blocked"]);
    expect((await executionDoc(t, third[1].executionId)).error).toContain("r1 -> r2");
  });

  test("a chain as long as maxDepth is loop_blocked", async () => {
    const t = initConvexTest();
    for (const step of [1, 2, 3]) await createRule(t, { id: `step${step}`, triggerPattern: { step: [step] } });
    const [e1] = await execute(t, { event: { step: 1 } });
    const [e2] = await execute(t, { event: { step: 2 }, causedBy: e1.executionId });
    expect(e2.status).toBe("succeeded");
    expect((await executionDoc(t, e2.executionId)).chain).toEqual(["step1"]);
    const [blocked] = await execute(t, { event: { step: 3 }, causedBy: e2.executionId, options: { maxDepth: 2 } });
    expect(blocked.status).toBe("loop_blocked");
    expect((await executionDoc(t, blocked.executionId)).error).toBe(
      "the causing chain step1 -> step2 reached the maximum depth of 2",
    );
    const [allowed] = await execute(t, { event: { step: 3 }, causedBy: e2.executionId, options: { maxDepth: 3 } });
    expect(allowed.status).toBe("succeeded");
    expect((await executionDoc(t, allowed.executionId)).chain).toEqual(["step1", "step2"]);
    // The default depth is 5: a chain of 5 is blocked, of 4 is not.
    for (const step of [4, 5, 6]) await createRule(t, { id: `step${step}`, triggerPattern: { step: [step] } });
    const [e4] = await execute(t, { event: { step: 4 }, causedBy: allowed.executionId });
    const [e5] = await execute(t, { event: { step: 5 }, causedBy: e4.executionId });
    expect(e5.status).toBe("succeeded");
    expect((await executionDoc(t, e5.executionId)).chain).toEqual(["step1", "step2", "step3", "step4"]);
    const [e6] = await execute(t, { event: { step: 6 }, causedBy: e5.executionId });
    expect(e6.status).toBe("loop_blocked");
    expect((await executionDoc(t, e6.executionId)).error).toContain("maximum depth of 5");
  });

  test("a causing execution that was deleted still counts for the depth", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "r1" });
    const [e1] = await execute(t, { event: {} });
    await t.run(async (ctx) => await ctx.db.delete("ruleExecutions", e1.executionId as Id<"ruleExecutions">));
    const [next] = await execute(t, { event: {}, causedBy: e1.executionId });
    expect(next.status).toBe("succeeded");
    expect((await executionDoc(t, next.executionId)).chain).toEqual(["(deleted execution)"]);
    const [blocked] = await execute(t, { event: {}, causedBy: e1.executionId, options: { maxDepth: 1 } });
    expect(blocked.status).toBe("loop_blocked");
  });

  test("causedBy that is not an execution id is INVALID_ARGUMENT, writing nothing", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "r1" });
    const before = await everything(t);
    const ruleDocId = before.rules[0]._id;
    for (const causedBy of ["not-an-id", ruleDocId, ""]) {
      await expectRulesError(execute(t, { event: {}, causedBy }), "INVALID_ARGUMENT", "causedBy");
    }
    expect(await everything(t)).toEqual(before);
  });
});

describe("rules per event", () => {
  test("runs at most maxRulesPerEvent rules; the rest are skipped with the reason", async () => {
    const t = initConvexTest();
    for (let i = 1; i <= 5; i++) await createRule(t, { id: `r${i}`, priority: i });
    const results = await execute(t, { event: {}, options: { maxRulesPerEvent: 3 } });
    expect(results.map((r) => `${r.ruleId}:${r.status}`)).toEqual([
      "r1:succeeded",
      "r2:succeeded",
      "r3:succeeded",
      "r4:skipped",
      "r5:skipped",
    ]);
    for (const skipped of results.slice(3)) {
      const doc = await executionDoc(t, skipped.executionId);
      expect(doc).toMatchObject({ status: "skipped", triggered: true, conditionsMet: false });
      expect(doc.error).toBe("this event already ran 3 rules, the most one event may run");
      expect(doc).not.toHaveProperty("explanation");
      expect(await t.query(api.logs.getExecutionLogs, { executionId: skipped.executionId })).toEqual([]);
    }
  });

  test("rules whose conditions fail count against the limit; loop-blocked ones do not", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "cause" });
    const [cause] = await execute(t, { event: {}, options: { maxRulesPerEvent: 1 } });
    await createRule(t, { id: "fails", conditions: [eq("x", 1)] });
    await createRule(t, { id: "last" });
    const results = await execute(t, { event: {}, causedBy: cause.executionId, options: { maxRulesPerEvent: 1 } });
    expect(results.map((r) => `${r.ruleId}:${r.status}`)).toEqual([
      "cause:loop_blocked",
      "fails:skipped",
      "last:skipped",
    ]);
    expect((await executionDoc(t, results[2].executionId)).error).toContain("already ran 1 rules");
  });

  test("the default limit is 100 rules", async () => {
    const t = initConvexTest();
    await t.mutation(api.rules.importRules, {
      rules: Array.from({ length: 101 }, (_, i) => ruleInput({ id: `r${String(i).padStart(3, "0")}` })),
    });
    const results = await execute(t, { event: {} });
    expect(results.filter((r) => r.status === "succeeded")).toHaveLength(100);
    expect(results[100]).toMatchObject({ ruleId: "r100", status: "skipped" });
  });
});

describe("stored event safety", () => {
  /** An object nesting `levels` levels deep: deep(1) = { a: 1 }. */
  function deep(levels: number): Record<string, unknown> {
    let value: Record<string, unknown> = { a: 1 };
    for (let i = 1; i < levels; i++) value = { a: value };
    return value;
  }

  const hostile: Array<[string, unknown]> = [
    ["20 levels of nesting", { boardId: 1, payload: deep(20) }],
    ["a 2 MB string", { boardId: 1, text: "x".repeat(2 * 1024 * 1024) }],
    ["an array of 10,000 items", { boardId: 1, items: Array.from({ length: 10_000 }, (_, i) => ({ i })) }],
    ["2,000 fields", { boardId: 1, wide: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f${i}`, i])) }],
    ["reserved and empty field names", { boardId: 1, _id: "fake", _secret: { _creationTime: 1 }, "": "empty" }],
    ["all of them", { boardId: 1, _x: [deep(18)], "": "x".repeat(1_500_000), list: Array(9000).fill(null) }],
  ];

  for (const [name, event] of hostile) {
    test(`an event with ${name} is recorded, sanitized`, async () => {
      const t = initConvexTest();
      // The conditions read the event: their explanation holds event values.
      const ruleId = await createRule(t, {
        triggerPattern: { boardId: [1] },
        conditions: [
          { type: "field", config: { path: "boardId", op: "exists" } },
          { type: "field", config: { path: "payload", op: "is_not_empty" } },
        ],
      });
      await createRule(t, { id: "everything", conditions: [{ type: "field", config: { path: "boardId", op: "exists" } }] });
      const results = await execute(t, { event, eventId: `e-${name.length}` });
      expect(results.map((r) => r.ruleId)).toEqual([ruleId, "everything"]);
      const { executions, logs, events, storedEvents } = await everything(t);
      expect(executions).toHaveLength(2);
      // Stored once, shared by both executions.
      expect(storedEvents).toHaveLength(1);
      expect(storedEvents[0].sanitized).toBe(true);
      expect(findUnstorable(storedEvents[0].data, { path: "data" })).toBeNull();
      for (const doc of executions) {
        expect(doc.eventRef).toBe(storedEvents[0]._id);
        expect(doc).not.toHaveProperty("triggerData");
        expect(findUnstorable(fields(doc), { path: "execution" })).toBeNull();
      }
      for (const row of [...logs, ...events, ...storedEvents]) {
        expect(findUnstorable(fields(row), { path: "row" })).toBeNull();
      }
      const stored = await t.query(api.executions.queries.getExecution, { executionId: results[1].executionId });
      expect(stored?.triggerData).toMatchObject({ boardId: 1 });
      // Every document the component stored would be accepted by a deployment.
      expect(await checkStorage(t, "")).toEqual([]);
    });
  }

  test("names Convex refuses are renamed, and the values kept", async () => {
    const t = initConvexTest();
    await createRule(t);
    const [result] = await execute(t, { event: { _id: "fake", "": 1, ok: { _x: 2 } } });
    const doc = await executionDoc(t, result.executionId);
    expect(doc.triggerData).toEqual({ "x:_id": "fake", "x:": 1, ok: { "x:_x": 2 } });
    expect(doc.triggerDataSanitized).toBe(true);
    expect(await checkStorage(t, "")).toEqual([]);
  });

  test("storable events are kept exactly: NaN, Infinity, bigint, bytes of all kinds", async () => {
    const t = initConvexTest();
    await createRule(t, { conditions: [{ type: "field", config: { path: "n", op: "exists" } }] });
    const event = { n: NaN, i: Infinity, m: -Infinity, z: -0, b: 10n, big: 2n ** 62n, nul: null, deep: deep(14) };
    const [result] = await execute(t, { event });
    expect(result.status).toBe("succeeded");
    const doc = await executionDoc(t, result.executionId);
    expect(doc).not.toHaveProperty("triggerDataSanitized");
    expect(doc.triggerData).toEqual(event);
    expect(Object.is(doc.triggerData.z, -0)).toBe(true);
    expect(findUnstorable(fields(doc), { path: "execution" })).toBeNull();
  });

  test("stored event data is capped in size", async () => {
    const t = initConvexTest();
    await createRule(t);
    const [result] = await execute(t, { event: { text: "y".repeat(900_000), more: "z".repeat(900_000) } });
    const doc = await executionDoc(t, result.executionId);
    expect(getConvexSize(doc.triggerData)).toBeLessThanOrEqual(EVENT_MAX_BYTES);
    expect(getConvexSize(doc.triggerData)).toBeGreaterThan(EVENT_MAX_BYTES / 2);
    expect(doc.triggerDataSanitized).toBe(true);
    expect(await checkStorage(t, "")).toEqual([]);
  });
});

describe("argument checks", () => {
  const cases: Array<[string, Partial<ExecuteArgs>, string]> = [
    ["empty integrationId", { integrationId: "" }, "integrationId"],
    ["integrationId with a space", { integrationId: "mon day" }, "integrationId"],
    ["over-long integrationId", { integrationId: "m".repeat(129) }, "integrationId"],
    ["empty triggerType", { triggerType: "" }, "triggerType"],
    ["triggerType with a slash", { triggerType: "status/changed" }, "triggerType"],
    ["namespace with a slash", { namespace: "tenant/1" }, "namespace"],
    ["non-ASCII namespace", { namespace: "tenänt" }, "namespace"],
    ["empty eventId", { eventId: "" }, "eventId"],
    ["over-long eventId", { eventId: "e".repeat(257) }, "eventId"],
    [
      "an action handler that is not a function handle",
      { handlers: { actions: { notify: { handle: "https://example.com/hook", kind: "action" } }, conditions: {} } },
      "handlers.actions.notify",
    ],
    [
      "a condition handler that is not a function handle",
      { handlers: { actions: {}, conditions: { vip: { handle: "api.conditions.vip" } } } },
      "handlers.conditions.vip",
    ],
    ["maxRulesPerEvent 0", { options: { maxRulesPerEvent: 0 } }, "options.maxRulesPerEvent"],
    ["maxRulesPerEvent 1.5", { options: { maxRulesPerEvent: 1.5 } }, "options.maxRulesPerEvent"],
    ["maxRulesPerEvent 1001", { options: { maxRulesPerEvent: 1001 } }, "options.maxRulesPerEvent"],
    ["maxRulesPerEvent NaN", { options: { maxRulesPerEvent: NaN } }, "options.maxRulesPerEvent"],
    ["maxDepth 0", { options: { maxDepth: 0 } }, "options.maxDepth"],
    ["maxDepth -1", { options: { maxDepth: -1 } }, "options.maxDepth"],
    ["maxDepth Infinity", { options: { maxDepth: Infinity } }, "options.maxDepth"],
    [
      "a default retry of 0 attempts",
      { options: { defaultRetry: { maxAttempts: 0, initialBackoffMs: 100, base: 2 } } },
      "options.defaultRetry.maxAttempts",
    ],
    [
      "a default retry with a NaN backoff",
      { options: { defaultRetry: { maxAttempts: 3, initialBackoffMs: NaN, base: 2 } } },
      "options.defaultRetry.initialBackoffMs",
    ],
    [
      "a default retry whose base shrinks the backoff",
      { options: { defaultRetry: { maxAttempts: 3, initialBackoffMs: 100, base: 0.5 } } },
      "options.defaultRetry.base",
    ],
    [
      "an action retry of 2.5 attempts",
      {
        handlers: {
          actions: {
            notify: { handle: "function://notify", kind: "mutation", retry: { maxAttempts: 2.5, initialBackoffMs: 1, base: 2 } },
          },
          conditions: {},
        },
      },
      "handlers.actions.notify.retry.maxAttempts",
    ],
  ];

  for (const [name, args, field] of cases) {
    test(`${name} is INVALID_ARGUMENT at ${field}, writing nothing`, async () => {
      const t = initConvexTest();
      await createRule(t, { actions: [{ type: "notify", config: {} }] });
      await createRule(t, { integrationId: "mon day".replace(" ", "") });
      const before = await everything(t);
      await expectRulesError(execute(t, { event: {}, eventId: "e1", ...args }), "INVALID_ARGUMENT", field);
      expect(await everything(t)).toEqual(before);
    });
  }

  test("limits at their bounds are accepted", async () => {
    const t = initConvexTest();
    await createRule(t);
    const results = await execute(t, {
      event: {},
      integrationId: "monday",
      namespace: "",
      eventId: "e".repeat(256),
      options: {
        maxRulesPerEvent: 1000,
        maxDepth: 1,
        defaultRetry: { maxAttempts: 1, initialBackoffMs: 0, base: 1 },
      },
      handlers: { actions: { notify: { handle: "function://x", kind: "action", retry: null } }, conditions: {} },
    });
    expect(results.map((r) => r.status)).toEqual(["succeeded"]);
  });
});
