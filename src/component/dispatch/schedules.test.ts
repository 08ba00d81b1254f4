/// <reference types="vite/client" />
/**
 * Schedule triggers (`schedules.ts`): rules that fire on a schedule, driven
 * by fake timers across several slots. Rules here have no actions unless a
 * test is about actions: such a rule succeeds at once at every slot.
 */
import type { Infer } from "convex/values";
import { afterEach, beforeEach, describe, expect, expectTypeOf, test, vi } from "vitest";
import { api, internal } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import { initConvexTest } from "../setup.test.js";
import type { ScheduleSpec } from "../../core/schedule.js";
import type { RuleInput, RulesErrorData, vScheduleSpec } from "../../shared.js";
import { expectRulesError } from "../../testing/errors.js";

type T = ReturnType<typeof initConvexTest>;

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function ruleInput(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    name: "A scheduled rule",
    integrationId: "monday",
    triggerType: "every_time_period",
    triggerConfig: { boardId: "3003" },
    conditions: [],
    actions: [],
    ...overrides,
  };
}

async function createRule(t: T, overrides: Partial<RuleInput> = {}) {
  return await t.mutation(api.rules.createRule, ruleInput(overrides));
}

/**
 * Moves the clock to `target` one scheduled function at a time, so that each
 * runs at its own time (jumping straight to `target` would run them all
 * late). Each fire schedules the next slot, which runs too if it is due.
 */
async function advanceTo(t: T, target: number) {
  for (let i = 0; i < 1000; i++) {
    await t.finishInProgressScheduledFunctions();
    const pending = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect())
        .filter((job) => job.state.kind === "pending")
        .map((job) => job.scheduledTime),
    );
    const due = Math.min(...pending);
    vi.advanceTimersByTime(Math.max(0, Math.min(due, target) - Date.now()));
    await t.finishInProgressScheduledFunctions();
    if (due > target) return;
  }
  throw new Error("advanceTo: scheduled functions keep coming");
}

async function executions(t: T, ruleId?: string): Promise<Doc<"ruleExecutions">[]> {
  return await t.run(async (ctx) => {
    const all = await ctx.db.query("ruleExecutions").collect();
    return all.filter((e) => ruleId === undefined || e.ruleId === ruleId);
  });
}

/** The slots that fired for a rule, as ISO strings, oldest first. */
async function firedSlots(t: T, ruleId: string): Promise<string[]> {
  const list = await executions(t, ruleId);
  return list.map((e) => iso(e.slot)!).sort();
}

async function scheduleOf(t: T, ruleId: string) {
  return await t.query(api.dispatch.schedules.getSchedule, { ruleId });
}

async function scheduledFires(t: T) {
  return await t.run(async (ctx) =>
    (await ctx.db.system.query("_scheduled_functions").collect()).filter((job) =>
      job.name.includes("fireSchedule"),
    ),
  );
}

test("the stored spec's type is the core module's ScheduleSpec", () => {
  expectTypeOf<Infer<typeof vScheduleSpec>>().toEqualTypeOf<ScheduleSpec>();
});

describe("firing at each slot", () => {
  test("every 15 minutes: one execution per slot, recording the slot", async () => {
    vi.setSystemTime(at("2024-05-01T10:07:00Z"));
    const t = initConvexTest();
    // A pattern no schedule event matches: a fire does not check patterns.
    const ruleId = await createRule(t, {
      schedule: { every: { minutes: 15 } },
      triggerPattern: { boardId: ["3003"] },
    });
    expect(await scheduleOf(t, ruleId)).toEqual({
      ruleId,
      schedule: { every: { minutes: 15 } },
      nextSlot: at("2024-05-01T10:15:00Z"),
    });
    const expected = ["10:15", "10:30", "10:45", "11:00"].map((hm) => `2024-05-01T${hm}:00.000Z`);
    for (const [index, slot] of expected.entries()) {
      await advanceTo(t, at(slot) - 1);
      expect(await executions(t, ruleId)).toHaveLength(index);
      await advanceTo(t, at(slot));
      expect(await firedSlots(t, ruleId)).toEqual(expected.slice(0, index + 1));
    }
    const list = await executions(t, ruleId);
    for (const execution of list) {
      expect(execution.status).toBe("succeeded");
      expect(execution.eventId).toBe(`schedule:${execution.slot}`);
      expect(execution.triggered).toBe(true);
      expect(execution.triggerType).toBe("every_time_period");
      expect(execution.startTime).toBeGreaterThanOrEqual(execution.slot!);
      expect(execution.triggerData).toMatchObject({
        scheduledAt: execution.slot,
        scheduledAtIso: iso(execution.slot),
        firedAt: execution.startTime,
        timeZone: "UTC",
        schedule: { every: { minutes: 15 } },
        triggerConfig: { boardId: "3003" },
      });
      expect(execution.triggerData.missedSlots).toBeUndefined();
    }
    expect(await scheduleOf(t, ruleId)).toMatchObject({
      nextSlot: at("2024-05-01T11:15:00Z"),
      lastSlot: at("2024-05-01T11:00:00Z"),
      lastFiredAt: at("2024-05-01T11:00:00Z"),
    });
    // One pending fire at any time.
    expect((await scheduledFires(t)).filter((job) => job.state.kind === "pending")).toHaveLength(1);
    // The execution is readable through the public queries, slot included.
    const [latest] = await t.query(api.executions.queries.getRuleExecutions, { ruleId, limit: 1 });
    expect(latest.slot).toBe(at("2024-05-01T11:00:00Z"));
    const logs = await t.query(api.logs.getExecutionLogs, { executionId: latest.executionId });
    expect(logs[0]).toMatchObject({
      component: "trigger",
      data: { eventId: `schedule:${at("2024-05-01T11:00:00Z")}`, slot: at("2024-05-01T11:00:00Z") },
    });
  });

  test("daily at 09:00 in Paris, across the spring DST change", async () => {
    vi.setSystemTime(at("2024-03-29T12:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      schedule: { daily: { at: "09:00", timeZone: "Europe/Paris" } },
    });
    await advanceTo(t, at("2024-04-02T12:00:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual([
      "2024-03-30T08:00:00.000Z",
      "2024-03-31T07:00:00.000Z",
      "2024-04-01T07:00:00.000Z",
      "2024-04-02T07:00:00.000Z",
    ]);
    const list = await executions(t, ruleId);
    expect(list.map((e) => e.triggerData.localTime)).toEqual(["09:00", "09:00", "09:00", "09:00"]);
    expect(list.map((e) => e.triggerData.localDate)).toEqual([
      "2024-03-30",
      "2024-03-31",
      "2024-04-01",
      "2024-04-02",
    ]);
    expect(list[0].triggerData.timeZone).toBe("Europe/Paris");
  });

  test("weekly on Monday at 08:30 in New York, across the DST change", async () => {
    vi.setSystemTime(at("2024-02-28T00:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      schedule: { weekly: { weekday: 1, at: "08:30", timeZone: "America/New_York" } },
    });
    await advanceTo(t, at("2024-03-19T00:00:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual([
      "2024-03-04T13:30:00.000Z",
      "2024-03-11T12:30:00.000Z",
      "2024-03-18T12:30:00.000Z",
    ]);
    for (const execution of await executions(t, ruleId)) {
      expect(execution.triggerData).toMatchObject({ localTime: "08:30", localWeekday: 1 });
    }
  });

  test("monthly on the 31st: clamped to the end of shorter months", async () => {
    vi.setSystemTime(at("2024-01-15T00:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { monthly: { day: 31, at: "18:00" } } });
    await advanceTo(t, at("2024-05-01T00:00:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual([
      "2024-01-31T18:00:00.000Z",
      "2024-02-29T18:00:00.000Z",
      "2024-03-31T18:00:00.000Z",
      "2024-04-30T18:00:00.000Z",
    ]);
  });

  test("once, three days before a date at 09:00: fires once, then has no slot", async () => {
    vi.setSystemTime(at("2024-06-01T00:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      triggerType: "date_arrived",
      schedule: { once: { date: "2024-06-10", offsetDays: -3, at: "09:00", timeZone: "Europe/Paris" } },
    });
    expect((await scheduleOf(t, ruleId))?.nextSlot).toBe(at("2024-06-07T07:00:00Z"));
    await advanceTo(t, at("2024-07-01T00:00:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual(["2024-06-07T07:00:00.000Z"]);
    expect(await scheduleOf(t, ruleId)).toEqual({
      ruleId,
      schedule: { once: { date: "2024-06-10", offsetDays: -3, at: "09:00", timeZone: "Europe/Paris" } },
      lastSlot: at("2024-06-07T07:00:00Z"),
      lastFiredAt: at("2024-06-07T07:00:00Z"),
    });
    expect((await scheduledFires(t)).filter((job) => job.state.kind === "pending")).toEqual([]);
    // Renaming the rule does not fire it again.
    await t.mutation(api.rules.updateRule, { ruleId, name: "Renamed" });
    await advanceTo(t, at("2024-08-01T00:00:00Z"));
    expect(await executions(t, ruleId)).toHaveLength(1);
  });

  test("a once schedule whose slot has passed is stored but never fires", async () => {
    vi.setSystemTime(at("2024-06-01T00:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { once: { date: "2024-05-01" } } });
    expect(await scheduleOf(t, ruleId)).toEqual({ ruleId, schedule: { once: { date: "2024-05-01" } } });
    expect(await scheduledFires(t)).toEqual([]);
  });

  test("rules with different schedules fire independently", async () => {
    vi.setSystemTime(at("2024-05-01T00:00:00Z"));
    const t = initConvexTest();
    const hourly = await createRule(t, { schedule: { every: { hours: 1 } } });
    const daily = await createRule(t, { schedule: { daily: { at: "01:30" } } });
    const unscheduled = await createRule(t);
    await advanceTo(t, at("2024-05-01T03:00:00Z"));
    expect(await firedSlots(t, hourly)).toEqual([
      "2024-05-01T01:00:00.000Z",
      "2024-05-01T02:00:00.000Z",
      "2024-05-01T03:00:00.000Z",
    ]);
    expect(await firedSlots(t, daily)).toEqual(["2024-05-01T01:30:00.000Z"]);
    expect(await executions(t, unscheduled)).toEqual([]);
    expect(await scheduleOf(t, unscheduled)).toBeNull();
  });
});

describe("conditions at a slot", () => {
  test("a rule whose conditions fail records skipped at its slot, with the explanation", async () => {
    vi.setSystemTime(at("2024-05-03T00:00:00Z")); // a Friday
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      schedule: { daily: { at: "09:00" } },
      conditions: [{ id: "weekday", type: "field", config: { path: "localWeekday", op: "in", value: [1, 2, 3, 4, 5] } }],
    });
    await advanceTo(t, at("2024-05-06T12:00:00Z")); // Friday, Saturday, Sunday, Monday
    const list = (await executions(t, ruleId)).sort((a, b) => a.slot! - b.slot!);
    expect(list.map((e) => [iso(e.slot), e.status])).toEqual([
      ["2024-05-03T09:00:00.000Z", "succeeded"],
      ["2024-05-04T09:00:00.000Z", "skipped"],
      ["2024-05-05T09:00:00.000Z", "skipped"],
      ["2024-05-06T09:00:00.000Z", "succeeded"],
    ]);
    const saturday = list[1];
    expect(saturday).toMatchObject({ triggered: true, conditionsMet: false, successful: false });
    expect(saturday.explanation).toEqual([
      expect.objectContaining({ id: "weekday", result: false, actual: 6 }),
    ]);
    // A skipped slot still moves the schedule on.
    expect((await scheduleOf(t, ruleId))?.nextSlot).toBe(at("2024-05-07T09:00:00Z"));
  });
});

describe("disabling, deleting and changing", () => {
  test("disabling cancels the pending fire; slots missed while disabled are skipped", async () => {
    vi.setSystemTime(at("2024-05-01T10:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { every: { minutes: 15 } } });
    await advanceTo(t, at("2024-05-01T10:20:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual(["2024-05-01T10:15:00.000Z"]);
    await t.mutation(api.rules.disableRule, { ruleId });
    expect(await scheduleOf(t, ruleId)).toBeNull();
    expect((await scheduledFires(t)).map((job) => job.state.kind).sort()).toEqual(["canceled", "success"]);
    await advanceTo(t, at("2024-05-01T12:05:00Z"));
    expect(await executions(t, ruleId)).toHaveLength(1);
    // Enabled again at 12:05: the next slot is 12:15, nothing is back-filled.
    await t.mutation(api.rules.enableRule, { ruleId });
    expect((await scheduleOf(t, ruleId))?.nextSlot).toBe(at("2024-05-01T12:15:00Z"));
    await advanceTo(t, at("2024-05-01T12:30:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual([
      "2024-05-01T10:15:00.000Z",
      "2024-05-01T12:15:00.000Z",
      "2024-05-01T12:30:00.000Z",
    ]);
  });

  test("a rule created disabled is not scheduled until enabled", async () => {
    vi.setSystemTime(at("2024-05-01T10:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { enabled: false, schedule: { every: { minutes: 15 } } });
    await advanceTo(t, at("2024-05-01T11:00:00Z"));
    expect(await executions(t, ruleId)).toEqual([]);
    expect(await scheduledFires(t)).toEqual([]);
  });

  test("deleting cancels the pending fire", async () => {
    vi.setSystemTime(at("2024-05-01T10:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { every: { minutes: 15 } } });
    await t.mutation(api.rules.deleteRule, { ruleId });
    expect(await scheduleOf(t, ruleId)).toBeNull();
    expect((await scheduledFires(t)).map((job) => job.state.kind)).toEqual(["canceled"]);
    await advanceTo(t, at("2024-05-01T11:00:00Z"));
    expect(await executions(t)).toEqual([]);
    expect(await t.run(async (ctx) => await ctx.db.query("ruleSchedules").collect())).toEqual([]);
  });

  test("changing the schedule reschedules: the old slot never fires", async () => {
    vi.setSystemTime(at("2024-05-01T08:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { daily: { at: "09:00" } } });
    const before = await scheduleOf(t, ruleId);
    expect(before?.nextSlot).toBe(at("2024-05-01T09:00:00Z"));
    await t.mutation(api.rules.updateRule, { ruleId, schedule: { daily: { at: "10:00" } } });
    expect((await scheduleOf(t, ruleId))?.nextSlot).toBe(at("2024-05-01T10:00:00Z"));
    await advanceTo(t, at("2024-05-02T10:30:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual(["2024-05-01T10:00:00.000Z", "2024-05-02T10:00:00.000Z"]);
    const kinds = (await scheduledFires(t)).map((job) => job.state.kind);
    expect(kinds.filter((k) => k === "canceled")).toHaveLength(1);
  });

  test("changing anything but the schedule keeps the pending fire", async () => {
    vi.setSystemTime(at("2024-05-01T08:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { daily: { at: "09:00" } } });
    const jobsBefore = await scheduledFires(t);
    await t.mutation(api.rules.updateRule, {
      ruleId,
      name: "Renamed",
      conditions: [{ type: "field", config: { path: "localTime", op: "eq", value: "09:00" } }],
    });
    // Same schedule, in another key order: not a change.
    await t.mutation(api.rules.updateRule, { ruleId, schedule: { daily: { timeZone: undefined, at: "09:00" } } });
    expect(await scheduledFires(t)).toEqual(jobsBefore);
    await advanceTo(t, at("2024-05-01T09:00:00Z"));
    const [execution] = await executions(t, ruleId);
    // The fire runs the rule as it is at the slot.
    expect(execution).toMatchObject({ ruleName: "Renamed", ruleVersion: 2, status: "succeeded" });
  });

  test("removing the schedule (null) cancels it; the rule stays", async () => {
    vi.setSystemTime(at("2024-05-01T08:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { daily: { at: "09:00" } } });
    const rule = await t.mutation(api.rules.updateRule, { ruleId, schedule: null });
    expect(rule.schedule).toBeUndefined();
    expect(await scheduleOf(t, ruleId)).toBeNull();
    await advanceTo(t, at("2024-05-02T10:00:00Z"));
    expect(await executions(t)).toEqual([]);
  });

  test("a scheduled rule fires on its schedule only: events do not run it", async () => {
    vi.setSystemTime(at("2024-05-01T08:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { daily: { at: "09:00" } } });
    const dispatch = () =>
      t.mutation(api.dispatch.engine.execute, { integrationId: "monday", triggerType: "every_time_period", event: {} });
    expect(await dispatch()).toEqual([]);
    expect(await t.run(async (ctx) => await ctx.db.query("ruleRoutes").collect())).toEqual([]);
    // Without its schedule it is an event rule again.
    await t.mutation(api.rules.updateRule, { ruleId, schedule: null });
    expect((await dispatch()).map((r) => r.ruleId)).toEqual([ruleId]);
    // And with one again, a schedule rule.
    await t.mutation(api.rules.updateRule, { ruleId, schedule: { daily: { at: "09:00" } } });
    expect(await dispatch()).toEqual([]);
    expect(await t.run(async (ctx) => await ctx.db.query("routingPaths").collect())).toEqual([]);
  });

  test("import schedules, export round-trips, an unchanged import keeps the pending fire", async () => {
    vi.setSystemTime(at("2024-05-01T08:00:00Z"));
    const t = initConvexTest();
    await t.mutation(api.rules.importRules, {
      rules: [
        ruleInput({ id: "digest", schedule: { weekly: { weekday: 1, at: "08:30", timeZone: "Europe/Paris" } } }),
        ruleInput({ id: "plain" }),
      ],
    });
    const exported = await t.query(api.rules.exportRules, {
      integrationId: "monday",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(exported.page.find((r) => r.id === "digest")?.schedule).toEqual({
      weekly: { weekday: 1, at: "08:30", timeZone: "Europe/Paris" },
    });
    expect(exported.page.find((r) => r.id === "plain")?.schedule).toBeUndefined();
    const jobs = await scheduledFires(t);
    expect(jobs).toHaveLength(1);
    const result = await t.mutation(api.rules.importRules, { rules: exported.page });
    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect(await scheduledFires(t)).toEqual(jobs);
    expect((await scheduleOf(t, "digest"))?.nextSlot).toBe(at("2024-05-06T06:30:00Z"));
  });

  test("an import of 500 scheduled rules stays within one transaction's limits", async () => {
    vi.setSystemTime(at("2024-05-01T08:00:00Z"));
    const t = initConvexTest();
    const rules = Array.from({ length: 500 }, (_, i) =>
      ruleInput({ id: `r${i}`, schedule: { every: { minutes: 1 + (i % 60) } } }),
    );
    await t.mutation(api.rules.importRules, { rules });
    expect(await scheduledFires(t)).toHaveLength(500);
  });
});

describe("exactly once per slot", () => {
  test("a duplicate or stale fire does nothing", async () => {
    vi.setSystemTime(at("2024-05-01T10:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { every: { minutes: 15 } } });
    const slot = at("2024-05-01T10:15:00Z");
    // Not the pending slot: nothing.
    expect(await t.mutation(internal.dispatch.schedules.fireSchedule, { ruleId, slot: slot + 1 })).toBeNull();
    expect(await t.mutation(internal.dispatch.schedules.fireSchedule, { ruleId: "unknown", slot })).toBeNull();
    await advanceTo(t, slot);
    expect(await firedSlots(t, ruleId)).toEqual(["2024-05-01T10:15:00.000Z"]);
    // The same slot again (a duplicate delivery): nothing.
    expect(await t.mutation(internal.dispatch.schedules.fireSchedule, { ruleId, slot })).toBeNull();
    expect(await executions(t, ruleId)).toHaveLength(1);
    expect((await scheduleOf(t, ruleId))?.nextSlot).toBe(at("2024-05-01T10:30:00Z"));
  });

  test("a fire that comes early only re-arms its slot, which then fires once", async () => {
    vi.setSystemTime(at("2024-05-01T10:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { every: { minutes: 15 } } });
    const slot = at("2024-05-01T10:15:00Z");
    expect(await t.mutation(internal.dispatch.schedules.fireSchedule, { ruleId, slot })).toBeNull();
    expect(await executions(t, ruleId)).toEqual([]);
    const jobs = await scheduledFires(t);
    expect(jobs.map((job) => job.state.kind).sort()).toEqual(["canceled", "pending"]);
    expect(jobs.find((job) => job.state.kind === "pending")?.scheduledTime).toBe(slot);
    await advanceTo(t, slot + 60_000);
    expect(await firedSlots(t, ruleId)).toEqual(["2024-05-01T10:15:00.000Z"]);
  });

  test("a slot more than 20 days away is re-armed on the way, and fires once, on time", async () => {
    vi.setSystemTime(at("2024-01-01T00:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { once: { date: "2024-03-01T12:00" } } });
    const [first] = await scheduledFires(t);
    expect(first.scheduledTime).toBe(at("2024-01-21T00:00:00Z"));
    await advanceTo(t, at("2024-04-01T00:00:00Z"));
    const list = await executions(t, ruleId);
    expect(list.map((e) => [iso(e.slot), iso(e.startTime)])).toEqual([
      ["2024-03-01T12:00:00.000Z", "2024-03-01T12:00:00.000Z"],
    ]);
    // Wake-ups every 20 days, then the slot itself.
    expect((await scheduledFires(t)).map((job) => iso(job.scheduledTime))).toEqual([
      "2024-01-21T00:00:00.000Z",
      "2024-02-10T00:00:00.000Z",
      "2024-03-01T00:00:00.000Z",
      "2024-03-01T12:00:00.000Z",
    ]);
  });

  test("after downtime, the pending slot fires late exactly once; missed slots are coalesced", async () => {
    vi.setSystemTime(at("2024-05-01T10:07:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { every: { minutes: 15 } } });
    // The deployment is down from 10:07 to 12:40: time passes, nothing runs.
    // (setSystemTime moves the clock without firing timers, whose 8 minutes
    // left still count: the durable fire of 10:15 runs at 12:48.)
    vi.setSystemTime(at("2024-05-01T12:40:00Z"));
    vi.advanceTimersToNextTimer();
    await t.finishInProgressScheduledFunctions();
    const list = await executions(t, ruleId);
    expect(list).toHaveLength(1);
    const [late] = list;
    expect(iso(late.slot)).toBe("2024-05-01T10:15:00.000Z");
    expect(late.startTime).toBe(at("2024-05-01T12:48:00Z"));
    // 10:30 ... 12:45: ten slots passed meanwhile.
    expect(late.triggerData).toMatchObject({ scheduledAt: late.slot, firedAt: late.startTime, missedSlots: 10 });
    const logs = await t.query(api.logs.getExecutionLogs, { executionId: late._id });
    expect(logs.some((log) => log.level === "warn" && /Fired late: 10 later slot/.test(log.message))).toBe(true);
    // The schedule resumes with the first slot after now, and does not repeat 10:15.
    expect((await scheduleOf(t, ruleId))?.nextSlot).toBe(at("2024-05-01T13:00:00Z"));
    expect(await t.mutation(internal.dispatch.schedules.fireSchedule, { ruleId, slot: late.slot! })).toBeNull();
    await advanceTo(t, at("2024-05-01T13:00:00Z"));
    expect(await firedSlots(t, ruleId)).toEqual(["2024-05-01T10:15:00.000Z", "2024-05-01T13:00:00.000Z"]);
  });

  test("a leftover schedule row of a rule gone or disabled is cleaned up by its fire", async () => {
    vi.setSystemTime(at("2024-05-01T10:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, { schedule: { every: { minutes: 15 } } });
    // Bypass rules.ts, as a bug or a manual edit would.
    await t.run(async (ctx) => {
      const rule = (await ctx.db.query("rules").first())!;
      await ctx.db.patch("rules", rule._id, { enabled: false });
    });
    await advanceTo(t, at("2024-05-01T10:15:00Z"));
    expect(await executions(t, ruleId)).toEqual([]);
    expect(await t.run(async (ctx) => await ctx.db.query("ruleSchedules").collect())).toEqual([]);
  });
});

describe("actions and handlers", () => {
  test("without registered handlers, a scheduled rule's actions fail with a clear log", async () => {
    vi.setSystemTime(at("2024-05-01T10:00:00Z"));
    const t = initConvexTest();
    const ruleId = await createRule(t, {
      schedule: { every: { minutes: 15 } },
      actions: [{ type: "notify", config: { text: "Digest for {{event.localDate}}" } }],
    });
    await advanceTo(t, at("2024-05-01T10:15:00Z"));
    const [execution] = await executions(t, ruleId);
    expect(execution.status).toBe("failed");
    expect(execution.actions[0].error).toMatch(/no handler for action type "notify"/);
    const logs = await t.query(api.logs.getExecutionLogs, { executionId: execution._id });
    expect(logs.some((log) => /No handlers registered for integration "monday"/.test(log.message))).toBe(true);
  });

  test("a rule change stores the client's handlers when they changed; bad ones are refused naming the field", async () => {
    const t = initConvexTest();
    const handlers = {
      actions: { notify: { handle: "function://abc", kind: "mutation" as const } },
      conditions: {},
    };
    const stored = async () => await t.run(async (ctx) => await ctx.db.query("integrationHandlers").collect());
    const ruleId = await t.mutation(api.rules.createRule, { ...ruleInput(), config: { handlers: { monday: handlers } } });
    const [first] = await stored();
    expect(first).toMatchObject({ integrationId: "monday", handlers });
    // The same handlers again: nothing written.
    await t.mutation(api.rules.updateRule, { ruleId, name: "Renamed", config: { handlers: { monday: handlers } } });
    expect(await stored()).toEqual([first]);
    // Changed ones replace them; another integration's are not this rule's.
    const changed = { ...handlers, conditions: { vip: { handle: "function://def" } } };
    await t.mutation(api.rules.disableRule, { ruleId });
    await t.mutation(api.rules.enableRule, { ruleId, config: { handlers: { monday: changed, github: handlers } } });
    expect((await stored()).map((row) => [row.integrationId, row.handlers])).toEqual([["monday", changed]]);

    const before = await t.run(async (ctx) => ({
      rules: await ctx.db.query("rules").collect(),
      handlers: await ctx.db.query("integrationHandlers").collect(),
    }));
    const refused = async (config: unknown, field: string) =>
      await expectRulesError(
        t.mutation(api.rules.createRule, { ...ruleInput({ name: "Refused" }), config: config as never }),
        "INVALID_ARGUMENT",
        field,
      );
    await refused(
      { handlers: { monday: { actions: { notify: { handle: "internal.outbox.notify", kind: "mutation" } }, conditions: {} } } },
      "config.handlers.monday.actions.notify",
    );
    await refused(
      {
        handlers: {
          monday: {
            actions: { notify: { handle: "function://abc", kind: "mutation", retry: { maxAttempts: 0, initialBackoffMs: 1, base: 2 } } },
            conditions: {},
          },
        },
      },
      "config.handlers.monday.actions.notify.retry.maxAttempts",
    );
    await refused({ handlers: { monday: { ...handlers, http: { allowedHosts: [""] } } } }, "config.handlers.monday.http.allowedHosts[0]");
    expect(
      await t.run(async (ctx) => ({
        rules: await ctx.db.query("rules").collect(),
        handlers: await ctx.db.query("integrationHandlers").collect(),
      })),
    ).toEqual(before);
  });
});

describe("validation", () => {
  test("an invalid schedule is refused with INVALID_RULE naming the field, writing nothing", async () => {
    const t = initConvexTest();
    await expectRulesError(createRule(t, { schedule: { daily: { at: "9am" } } }), "INVALID_RULE", "schedule.daily.at");
    await expectRulesError(
      createRule(t, { schedule: { weekly: { weekday: 1, at: "09:00", timeZone: "Paris" } } }),
      "INVALID_RULE",
      "schedule.weekly.timeZone",
    );
    await expectRulesError(createRule(t, { schedule: "daily" }), "INVALID_RULE", "schedule");
    const ruleId = await createRule(t);
    await expectRulesError(
      t.mutation(api.rules.updateRule, { ruleId, schedule: { every: { minutes: 0 } } }),
      "INVALID_RULE",
      "schedule.every.minutes",
    );
    const data = await expectRulesError(
      t.mutation(api.rules.importRules, { rules: [ruleInput({ schedule: { monthly: { day: 32, at: "09:00" } } })] }),
      "IMPORT_FAILED",
    );
    expect((data as RulesErrorData & { errors: Array<{ field?: string }> }).errors[0].field).toBe(
      "schedule.monthly.day",
    );
    expect(await t.run(async (ctx) => await ctx.db.query("ruleSchedules").collect())).toEqual([]);
    expect(await scheduledFires(t)).toEqual([]);
  });

  test("a rule read back carries its schedule", async () => {
    vi.setSystemTime(at("2024-05-01T08:00:00Z"));
    const t = initConvexTest();
    const schedule = { once: { date: "2024-06-10T14:30", offsetDays: 1, timeZone: "America/New_York" } };
    const ruleId = await createRule(t, { schedule });
    expect((await t.query(api.rules.getRule, { ruleId }))?.schedule).toEqual(schedule);
  });
});
