/// <reference types="vite/client" />
// Schedule triggers through a host app (scheduleHost.test.ts), as a user
// runs them: triggers derive schedules from their typed config, the client
// stores the integration's handlers, and scheduled fires run host actions
// and custom conditions with no client call in flight. Fake timers drive
// the slots and workpool.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { afterEach, beforeEach, describe, expect, expectTypeOf, test, vi } from "vitest";
import { register } from "../test.js";
import type { Execution, ScheduleSpec } from "./index.js";
import { schema, type BoardDraft, type BoardPatch } from "./scheduleHost.test.js";

const host = anyApi["scheduleHost.test"] as unknown as ApiFromModules<{
  "scheduleHost.test": typeof import("./scheduleHost.test.js");
}>["scheduleHost.test"];

type T = ReturnType<typeof setup>;

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/**
 * Runs the rule's pending slot at its time, then lets workpool run the
 * actions (a few seconds of fake time, far less than any slot interval).
 */
async function runNextSlot(t: T, ruleId: string): Promise<number> {
  const state = await t.query(host.schedule, { ruleId });
  expect(state?.nextSlot).toBeDefined();
  const slot = state!.nextSlot!;
  vi.advanceTimersByTime(Math.max(0, slot - Date.now()));
  await t.finishInProgressScheduledFunctions();
  for (let i = 0; i < 40; i++) {
    vi.advanceTimersByTime(250);
    await t.finishInProgressScheduledFunctions();
  }
  return slot;
}

async function executionsOf(t: T, ruleId: string): Promise<Execution[]> {
  const list: Execution[] = await t.query(host.ruleExecutions, { ruleId });
  return [...list].sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0));
}

const digest = (config: Partial<Extract<BoardDraft, { triggerType: "every_time_period" }>["triggerConfig"]> = {}) =>
  ({
    name: "Daily digest",
    integrationId: "board",
    triggerType: "every_time_period",
    triggerConfig: { boardId: "b1", every: "day", at: "09:00", timeZone: "Europe/Paris", ...config },
    actions: [{ type: "post", config: { text: "Digest of {{event.localDate}} for {{event.triggerConfig.boardId}}" } }],
  }) satisfies BoardDraft;

describe("schedules derived from trigger configs", () => {
  test("a declared trigger derives the rule's schedule; actions run at each slot with no client call", async () => {
    vi.setSystemTime(at("2024-03-29T12:00:00Z"));
    const t = setup();
    const ruleId = await t.mutation(host.create, { rule: digest() });
    const rule = await t.query(host.get, { ruleId });
    expect(rule?.schedule).toEqual({ daily: { at: "09:00", timeZone: "Europe/Paris" } });

    const slots = [];
    for (let i = 0; i < 3; i++) slots.push(iso(await runNextSlot(t, ruleId)));
    // Across the change to summer time on 31 March: 09:00 in Paris each day.
    expect(slots).toEqual(["2024-03-30T08:00:00.000Z", "2024-03-31T07:00:00.000Z", "2024-04-01T07:00:00.000Z"]);

    const sent = await t.query(host.sent, {});
    expect(sent.map((s) => s.config.text)).toEqual([
      "Digest of 2024-03-30 for b1",
      "Digest of 2024-03-31 for b1",
      "Digest of 2024-04-01 for b1",
    ]);
    expect(sent.map((s) => s.event.localTime)).toEqual(["09:00", "09:00", "09:00"]);
    const executions = await executionsOf(t, ruleId);
    expect(executions.map((e) => [iso(e.slot), e.status, e.eventId])).toEqual(
      slots.map((slot) => [slot, "succeeded", `schedule:${Date.parse(slot!)}`]),
    );
    expect(executions[0].actions[0]).toMatchObject({ status: "succeeded", attempts: 1 });
    // Each action's idempotency key is its own: one execution per slot.
    expect(new Set(sent.map((s) => s.idempotencyKey)).size).toBe(3);
  });

  test("custom conditions are answered by the stored handler at the slot", async () => {
    vi.setSystemTime(at("2024-05-03T12:00:00Z")); // a Friday
    const t = setup();
    const ruleId = await t.mutation(host.create, {
      rule: { ...digest({ timeZone: "UTC" }), conditions: [{ id: "workday", type: "is_workday", config: {} }] },
    });
    for (let i = 0; i < 3; i++) await runNextSlot(t, ruleId); // Saturday, Sunday, Monday
    const executions = await executionsOf(t, ruleId);
    expect(executions.map((e) => [e.triggerData.localDate, e.status])).toEqual([
      ["2024-05-04", "skipped"],
      ["2024-05-05", "skipped"],
      ["2024-05-06", "succeeded"],
    ]);
    expect(executions[0].explanation).toEqual([expect.objectContaining({ id: "workday", result: false })]);
    expect((await t.query(host.sent, {})).map((s) => s.event.localDate)).toEqual(["2024-05-06"]);
  });

  test("date arrives: once, one day before the date at 09:00", async () => {
    vi.setSystemTime(at("2024-06-01T00:00:00Z"));
    const t = setup();
    const ruleId = await t.mutation(host.create, {
      rule: {
        name: "Due tomorrow",
        integrationId: "board",
        triggerType: "date_arrived",
        triggerConfig: { boardId: "b1", date: "2024-06-10", offsetDays: -1, time: "09:00", timeZone: "America/New_York" },
        actions: [{ type: "post", config: { text: "Due tomorrow" } }],
      } satisfies BoardDraft,
    });
    expect(iso(await runNextSlot(t, ruleId))).toBe("2024-06-09T13:00:00.000Z");
    const state = await t.query(host.schedule, { ruleId });
    expect(state?.lastSlot).toBe(at("2024-06-09T13:00:00Z"));
    expect(state?.nextSlot).toBeUndefined();
    expect(await t.query(host.sent, {})).toHaveLength(1);
    // Without a date the trigger derives no schedule: an event-only rule.
    const eventOnly = await t.mutation(host.create, {
      rule: {
        name: "Due (events)",
        integrationId: "board",
        triggerType: "date_arrived",
        triggerConfig: { boardId: "b1" },
        actions: [],
      } satisfies BoardDraft,
    });
    expect((await t.query(host.get, { ruleId: eventOnly }))?.schedule).toBeUndefined();
    expect(await t.query(host.schedule, { ruleId: eventOnly })).toBeNull();
  });

  test("an explicit schedule overrides the derived one", async () => {
    vi.setSystemTime(at("2024-05-01T00:00:00Z"));
    const t = setup();
    const ruleId = await t.mutation(host.create, {
      rule: { ...digest(), schedule: { every: { hours: 6 } } },
    });
    expect((await t.query(host.get, { ruleId }))?.schedule).toEqual({ every: { hours: 6 } });
    expect(iso(await runNextSlot(t, ruleId))).toBe("2024-05-01T06:00:00.000Z");
  });

  test("a new trigger config derives a new schedule; a trigger without one removes it", async () => {
    vi.setSystemTime(at("2024-05-01T00:00:00Z"));
    const t = setup();
    const ruleId = await t.mutation(host.create, { rule: digest({ timeZone: "UTC" }) });
    expect((await t.query(host.schedule, { ruleId }))?.nextSlot).toBe(at("2024-05-01T09:00:00Z"));
    await t.mutation(host.update, {
      patch: {
        ruleId,
        integrationId: "board",
        triggerType: "every_time_period",
        triggerConfig: { boardId: "b1", every: "week", weekday: 5, at: "17:00" },
      } satisfies BoardPatch,
    });
    expect((await t.query(host.get, { ruleId }))?.schedule).toEqual({
      weekly: { weekday: 5, at: "17:00", timeZone: "UTC" },
    });
    // The old 09:00 slot never fires: the next is Friday 17:00.
    expect(iso(await runNextSlot(t, ruleId))).toBe("2024-05-03T17:00:00.000Z");
    expect((await executionsOf(t, ruleId)).map((e) => iso(e.slot))).toEqual(["2024-05-03T17:00:00.000Z"]);

    await t.mutation(host.update, {
      patch: {
        ruleId,
        integrationId: "board",
        triggerType: "item_created",
        triggerConfig: { boardId: "b1" },
      } satisfies BoardPatch,
    });
    const rule = await t.query(host.get, { ruleId });
    expect(rule?.schedule).toBeUndefined();
    expect(rule?.triggerPattern).toEqual({ boardId: ["b1"] });
    expect(await t.query(host.schedule, { ruleId })).toBeNull();
  });

  test("types: a derivation returns a ScheduleSpec; a draft's schedule is one", () => {
    expectTypeOf<NonNullable<BoardDraft["schedule"]>>().toEqualTypeOf<ScheduleSpec>();
    const bad: BoardDraft = {
      ...digest(),
      // @ts-expect-error: "hourly" is not a schedule kind.
      schedule: { hourly: { at: "09:00" } },
    };
    expect(bad.name).toBe("Daily digest");
  });
});

describe("handlers for scheduled fires", () => {
  test("a rule created without the client fails its actions until a client call brings the handlers", async () => {
    vi.setSystemTime(at("2024-05-01T00:00:00Z"));
    const t = setup();
    const ruleId: string = await t.mutation(host.createRaw, {
      rule: {
        name: "Raw",
        integrationId: "board",
        triggerType: "every_time_period",
        triggerConfig: { boardId: "b1", every: "day" },
        schedule: { every: { hours: 1 } },
        conditions: [],
        actions: [{ type: "post", config: { text: "hourly" } }],
      },
    });
    await runNextSlot(t, ruleId);
    let [execution] = await executionsOf(t, ruleId);
    expect(execution.status).toBe("failed");
    expect(execution.actions[0].error).toMatch(/no handler for action type "post"/);

    // Any rule change through the client sends its handlers along.
    await t.mutation(host.update, { patch: { ruleId, name: "Raw, renamed" } });
    await runNextSlot(t, ruleId);
    execution = (await executionsOf(t, ruleId))[1];
    expect(execution.status).toBe("succeeded");
    expect(await t.query(host.sent, {})).toHaveLength(1);
  });

  test("enabling a scheduled rule through the client registers the handlers", async () => {
    vi.setSystemTime(at("2024-05-01T00:00:00Z"));
    const t = setup();
    const ruleId: string = await t.mutation(host.createRaw, {
      rule: {
        name: "Raw, disabled",
        enabled: false,
        integrationId: "board",
        triggerType: "every_time_period",
        triggerConfig: { boardId: "b1", every: "day" },
        schedule: { every: { hours: 1 } },
        conditions: [],
        actions: [{ type: "post", config: { text: "hourly" } }],
      },
    });
    expect(await t.query(host.schedule, { ruleId })).toBeNull();
    await t.mutation(host.enable, { ruleId });
    await runNextSlot(t, ruleId);
    expect((await executionsOf(t, ruleId)).map((e) => e.status)).toEqual(["succeeded"]);
    await t.mutation(host.disable, { ruleId });
    expect(await t.query(host.schedule, { ruleId })).toBeNull();
  });

  test("importing scheduled rules registers the handlers", async () => {
    vi.setSystemTime(at("2024-05-01T00:00:00Z"));
    const t = setup();
    const { ruleIds } = await t.mutation(host.importRules, {
      rules: [{ ...digest({ timeZone: "UTC" }), id: "imported", conditions: [] }],
    });
    expect(ruleIds).toEqual(["imported"]);
    expect((await t.query(host.get, { ruleId: "imported" }))?.schedule).toEqual({
      daily: { at: "09:00", timeZone: "UTC" },
    });
    await runNextSlot(t, "imported");
    expect((await t.query(host.sent, {})).map((s) => s.config.text)).toEqual(["Digest of 2024-05-01 for b1"]);
  });
});
