/// <reference types="vite/client" />
// The example's schedule triggers: `every_time_period` and `date_arrived`
// derive a schedule from their config, and such a rule fires by itself.
import { convexTest } from "convex-test";
import type { RuleDraft } from "convex-rules";
import { register } from "convex-rules/test";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { monday } from "./monday.js";
import { rules } from "./rules.js";
import schema from "./schema.js";

const modules = import.meta.glob("./**/*.ts");
type MondayDraft = RuleDraft<{ monday: typeof monday }>;

const at = (iso: string) => Date.parse(iso);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("schedule derivations", () => {
  const every = monday.triggers.every_time_period.schedule;
  const date = monday.triggers.date_arrived.schedule;

  test("every_time_period: day, week, month in the board's time zone", () => {
    expect(every({ boardId: "3003", every: "day", at: "07:45" })).toEqual({
      daily: { at: "07:45", timeZone: "UTC" },
    });
    expect(every({ boardId: "3003", every: "week", weekday: 1, at: "08:30", timeZone: "Europe/Paris" })).toEqual({
      weekly: { weekday: 1, at: "08:30", timeZone: "Europe/Paris" },
    });
    expect(every({ boardId: "3003", every: "month" })).toEqual({
      monthly: { day: 1, at: "00:00", timeZone: "UTC" },
    });
  });

  test("date_arrived: once relative to the date in the config; none without one", () => {
    expect(
      date({ boardId: "3003", columnId: "date4", date: "2024-06-10", offsetDays: -1, time: "09:00", timeZone: "America/New_York" }),
    ).toEqual({ once: { date: "2024-06-10", offsetDays: -1, at: "09:00", timeZone: "America/New_York" } });
    expect(date({ boardId: "3003", columnId: "date4", offsetDays: -1, time: "09:00" })).toBeUndefined();
  });
});

test("a weekly digest rule fires every Monday at 08:30 in Paris, recording each slot", async () => {
  vi.setSystemTime(at("2024-03-20T00:00:00Z"));
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  const rule = {
    name: "Weekly digest",
    integrationId: "monday",
    namespace: "ws-a",
    triggerType: "every_time_period",
    triggerConfig: { boardId: "3003", every: "week", weekday: 1, at: "08:30", timeZone: "Europe/Paris" },
    actions: [],
  } satisfies MondayDraft;
  const ruleId = await t.run(async (ctx) => await rules.create(ctx, rule));
  for (const slot of ["2024-03-25T07:30:00Z", "2024-04-01T06:30:00Z"]) {
    vi.advanceTimersByTime(at(slot) - Date.now());
    await t.finishInProgressScheduledFunctions();
  }
  const executions = await t.run(async (ctx) => await rules.executions.listForRule(ctx, { ruleId }));
  expect(executions.map((e) => [new Date(e.slot!).toISOString(), e.triggerData.localTime, e.status])).toEqual([
    ["2024-04-01T06:30:00.000Z", "08:30", "succeeded"],
    ["2024-03-25T07:30:00.000Z", "08:30", "succeeded"],
  ]);
  await t.run(async (ctx) => await rules.disable(ctx, { ruleId }));
  expect(await t.run(async (ctx) => await rules.getSchedule(ctx, { ruleId }))).toBeNull();
});
