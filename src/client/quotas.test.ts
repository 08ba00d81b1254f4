/// <reference types="vite/client" />
// Quotas, through a host app (opsHost.test.ts): limits
// of action runs per minute / hour / month per integration and namespace,
// counted by the component's child rate limiter. Fake timers move the clock
// across windows.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { register } from "../test.js";
import { schema, type OpsDraft } from "./opsHost.test.js";
import { quotaShards } from "../component/dispatch/quotas.js";

const host = anyApi["opsHost.test"] as unknown as ApiFromModules<{
  "opsHost.test": typeof import("./opsHost.test.js");
}>["opsHost.test"];

type T = ReturnType<typeof setup>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MONTH = 30 * 24 * HOUR;
/** One second into a minute (and an hour). */
const START = Date.UTC(2026, 4, 12, 10, 0, 1);

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

async function settle(t: T) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function createRule(t: T, queue: string, actions = 1, namespace?: string) {
  return await t.mutation(host.create, {
    rule: {
      name: `Rule ${queue}`,
      integrationId: "ops",
      ...(namespace === undefined ? {} : { namespace }),
      triggerType: "job",
      triggerConfig: { queue },
      actions: Array.from({ length: actions }, () => ({ type: "work" as const, config: {} })),
    } satisfies OpsDraft,
  });
}

/** Dispatches one event (matching one rule); returns its execution id and status. */
async function dispatch(t: T, queue: string, namespace?: string) {
  const results = await t.mutation(host.dispatch, {
    event: { queue },
    ...(namespace === undefined ? {} : { namespace }),
  });
  expect(results).toHaveLength(1);
  return results[0];
}

async function actionRuns(t: T) {
  return (await t.query(host.effects, {})).length;
}

describe("quotas: reject", () => {
  test("over the per-minute limit an execution is rate_limited and its actions do not run", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = setup();
    await createRule(t, "q");
    await t.mutation(host.setQuota, { perMinute: 2 });

    expect((await dispatch(t, "q")).status).toBe("running");
    expect((await dispatch(t, "q")).status).toBe("running");
    const over = await dispatch(t, "q");
    expect(over.status).toBe("rate_limited");
    const usage = (await t.query(host.quotaUsage, {}))!;
    expect(usage.inherited).toBe(true);
    expect(usage.windows).toEqual([
      { window: "minute", limit: 2, used: 2, remaining: 0, windowStart: START - 1000, windowEnd: START - 1000 + MINUTE },
    ]);
    await settle(t);
    expect(await actionRuns(t)).toBe(2);

    const execution = (await t.query(host.execution, { executionId: over.executionId }))!;
    expect(execution.status).toBe("rate_limited");
    expect(execution.actions[0]).toMatchObject({ status: "skipped", attempts: 0 });
    expect(execution.error).toContain("the per-minute quota of 2 action runs of integration \"ops\" is used up");
    const logs = await t.query(host.logs, { executionId: over.executionId });
    expect(logs.at(-1)).toMatchObject({ level: "warn", component: "action", componentId: "a1" });
    expect(logs.at(-1)!.message).toMatch(/^Quota: action a1 \(work\) not run: the per-minute quota of 2/);
    const lines = warn.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
    expect(lines.find((l) => l.event === "quota.exceeded")).toMatchObject({
      component: "rules",
      integrationId: "ops",
      namespace: "",
      window: "minute",
      limit: 2,
    });

    // Later windows have room again (running the actions moved the fake
    // clock on); a rate_limited execution can be replayed then.
    expect(Date.now()).toBeGreaterThanOrEqual(START - 1000 + MINUTE);
    expect((await dispatch(t, "q")).status).toBe("running");
    expect(await t.mutation(host.replay, { executionId: over.executionId })).toMatchObject({
      status: "running",
      replayed: ["a1"],
    });
    await settle(t);
    expect(await actionRuns(t)).toBe(4);
    expect((await t.query(host.execution, { executionId: over.executionId }))!.status).toBe("succeeded");
  });

  test("every action run counts: an execution whose second action is over quota stops there", async () => {
    const t = setup();
    await createRule(t, "q", 2);
    await t.mutation(host.setQuota, { perHour: 3 });
    const first = await dispatch(t, "q");
    await settle(t);
    const second = await dispatch(t, "q");
    await settle(t);

    expect((await t.query(host.execution, { executionId: first.executionId }))!.status).toBe("succeeded");
    const stopped = (await t.query(host.execution, { executionId: second.executionId }))!;
    expect(stopped.status).toBe("rate_limited");
    expect(stopped.actions.map((a) => a.status)).toEqual(["succeeded", "skipped"]);
    expect(stopped.resultData).toEqual({ a1: { done: true } });
    expect(await actionRuns(t)).toBe(3);
  });

  test("several limits are taken all or none; the per-hour limit holds across minutes", async () => {
    const t = setup();
    await createRule(t, "q");
    await t.mutation(host.setQuota, { perMinute: 5, perHour: 2 });
    expect((await dispatch(t, "q")).status).toBe("running");
    vi.setSystemTime(START + MINUTE);
    expect((await dispatch(t, "q")).status).toBe("running");
    vi.setSystemTime(START + 2 * MINUTE);
    const refused = await dispatch(t, "q");
    expect(refused.status).toBe("rate_limited");
    const usage = (await t.query(host.quotaUsage, {}))!;
    // The refused run took no per-minute token either.
    expect(usage.windows.map((w) => [w.window, w.used])).toEqual([
      ["minute", 0],
      ["hour", 2],
    ]);
    expect((await t.query(host.execution, { executionId: refused.executionId }))!.error).toContain(
      "per-hour quota of 2",
    );
    vi.setSystemTime(START - 1000 + HOUR);
    expect((await dispatch(t, "q")).status).toBe("running");
  });

  test("a month is a fixed 30-day window aligned to 1970-01-01, not a calendar month", async () => {
    const t = setup();
    await createRule(t, "q");
    await t.mutation(host.setQuota, { perMonth: 1 });
    expect((await dispatch(t, "q")).status).toBe("running");
    expect((await dispatch(t, "q")).status).toBe("rate_limited");

    const [month] = (await t.query(host.quotaUsage, {}))!.windows;
    expect(month.window).toBe("month");
    expect(month.windowStart % MONTH).toBe(0);
    expect(month.windowEnd - month.windowStart).toBe(MONTH);
    expect(month.windowStart).toBeLessThanOrEqual(START);
    expect(month.windowEnd).toBeGreaterThan(START);
    // 2026-05-07 00:00 UTC to 2026-06-06: not May.
    expect(new Date(month.windowStart).toISOString()).toBe("2026-05-07T00:00:00.000Z");
    expect(new Date(month.windowEnd).toISOString()).toBe("2026-06-06T00:00:00.000Z");

    vi.setSystemTime(month.windowEnd - 1);
    expect((await dispatch(t, "q")).status).toBe("rate_limited");
    vi.setSystemTime(month.windowEnd);
    expect((await dispatch(t, "q")).status).toBe("running");
  });

  test("the integration's default applies to each namespace apart; a namespace's own quota replaces it", async () => {
    const t = setup();
    await createRule(t, "q", 1, "acct-a");
    await createRule(t, "q", 1, "acct-b");
    await createRule(t, "q", 1, "acct-vip");
    await t.mutation(host.setQuota, { perMinute: 1 });
    await t.mutation(host.setQuota, { namespace: "acct-vip", perMinute: 3 });

    expect((await dispatch(t, "q", "acct-a")).status).toBe("running");
    expect((await dispatch(t, "q", "acct-b")).status).toBe("running");
    expect((await dispatch(t, "q", "acct-a")).status).toBe("rate_limited");
    for (let i = 0; i < 3; i++) expect((await dispatch(t, "q", "acct-vip")).status).toBe("running");
    expect((await dispatch(t, "q", "acct-vip")).status).toBe("rate_limited");
    expect((await t.query(host.quotaUsage, { namespace: "acct-vip" }))!.inherited).toBe(false);

    // Without a quota, nothing is limited.
    expect(await t.mutation(host.removeQuota, {})).toBe(true);
    expect(await t.query(host.quotaUsage, { namespace: "acct-a" })).toBeNull();
    expect((await dispatch(t, "q", "acct-a")).status).toBe("running");
  });

  test("bad limits are refused, naming the field, and write nothing", async () => {
    const t = setup();
    for (const [args, field] of [
      [{ perMinute: 0 }, "perMinute"],
      [{ perHour: 1.5 }, "perHour"],
      [{ perMonth: 1_000_000_001 }, "perMonth"],
      [{}, "perMinute"],
    ] as const) {
      await expect(t.mutation(host.setQuota, args)).rejects.toMatchObject({
        data: { code: "INVALID_ARGUMENT", field },
      });
    }
    expect(await t.query(host.quotaUsage, {})).toBeNull();
  });
});

describe("quotas: wait", () => {
  test("over the limit the action waits for the next window, then runs; beyond one window ahead it is refused", async () => {
    const t = setup();
    await createRule(t, "q");
    await t.mutation(host.setQuota, { perMinute: 1, whenExceeded: "wait" });
    const nextWindow = START - 1000 + MINUTE;

    expect((await dispatch(t, "q")).status).toBe("running");
    const waiting = await dispatch(t, "q");
    expect(waiting.status).toBe("running");
    const before = (await t.query(host.execution, { executionId: waiting.executionId }))!;
    expect(before.actions[0]).toMatchObject({ status: "running", attempts: 0, startedAt: nextWindow });
    const logs = await t.query(host.logs, { executionId: waiting.executionId });
    expect(logs.at(-1)!.message).toContain(`waits 59 s: the per-minute quota of 1 action runs is used up`);
    // The next window's token is reserved: a third run is refused.
    expect((await dispatch(t, "q")).status).toBe("rate_limited");

    await settle(t);
    expect(await actionRuns(t)).toBe(2);
    const after = (await t.query(host.execution, { executionId: waiting.executionId }))!;
    expect(after.status).toBe("succeeded");
    // Its first attempt started in the next window, not before.
    const attempt = (await t.query(host.logs, { executionId: waiting.executionId })).find(
      (l) => l.message === "Action a1 (work): attempt 1",
    );
    expect(attempt!.timestamp).toBeGreaterThanOrEqual(nextWindow);
  });
});

describe("quotas: shards", () => {
  test("a limit is split over one counter per 10 runs of its window, at most 16", () => {
    expect([1, 5, 19, 20, 25, 159, 160, 1000, 1_000_000_000].map(quotaShards)).toEqual([
      1, 1, 1, 2, 2, 15, 16, 16, 16,
    ]);
  });

  test("a split limit is exact: a start finds the shards with room, and is refused only when all are used up", async () => {
    const t = setup();
    await createRule(t, "q");
    await t.mutation(host.setQuota, { perMinute: 25 });
    // Every start tries the second shard (12 runs) first; the rest of the
    // window's runs are in the first (13).
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    for (let i = 0; i < 25; i++) expect((await dispatch(t, "q")).status, `run ${i + 1}`).toBe("running");
    expect((await dispatch(t, "q")).status).toBe("rate_limited");
    const [minute] = (await t.query(host.quotaUsage, {}))!.windows;
    expect(minute).toMatchObject({ limit: 25, used: 25, remaining: 0, windowStart: START - 1000 });

    vi.setSystemTime(START - 1000 + MINUTE);
    expect((await dispatch(t, "q")).status).toBe("running");
    expect((await t.query(host.quotaUsage, {}))!.windows[0]).toMatchObject({ used: 1, remaining: 24 });
  });

  test('with "wait", a split limit reserves the whole next window, and no more', async () => {
    const t = setup();
    await createRule(t, "q");
    await t.mutation(host.setQuota, { perMinute: 20, whenExceeded: "wait" });
    const nextWindow = START - 1000 + MINUTE;
    vi.spyOn(Math, "random").mockReturnValue(0);
    const runs = [];
    for (let i = 0; i < 40; i++) runs.push(await dispatch(t, "q"));
    expect((await dispatch(t, "q")).status).toBe("rate_limited");

    const startedAt = [];
    for (const run of runs) {
      const execution = (await t.query(host.execution, { executionId: run.executionId }))!;
      startedAt.push(execution.actions[0].startedAt);
    }
    expect(startedAt.slice(0, 20).every((at) => at !== undefined && at < nextWindow)).toBe(true);
    expect(startedAt.slice(20)).toEqual(Array(20).fill(nextWindow));
    expect((await t.query(host.quotaUsage, {}))!.windows[0]).toMatchObject({ used: 40, remaining: 0 });
  });
});
