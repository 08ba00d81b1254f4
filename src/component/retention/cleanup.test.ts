/// <reference types="vite/client" />
/**
 * Retention (retention.ts) and its cleanup (cleanup.ts, crons.ts): settings
 * per integration, namespace and rule; executions deleted with their logs
 * by age (failures kept longer) and beyond the newest N per rule per
 * status, without one rule's flood evicting another's failures; batches
 * sized from the transaction metrics that reschedule until done and stay
 * within Convex's limits with tens of thousands of old executions.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import { EXECUTION_DEFAULTS, initConvexTest } from "../setup.test.js";
import crons, { CLEANUP_INTERVAL } from "../crons.js";
import { STALE_RUN_MS } from "./cleanup.js";
import { BATCH_BUDGET_FRACTION } from "../lib/batches.js";
import { DAY_MS, PROCESSED_EVENTS_RETENTION_DAYS } from "../../core/retention.js";
import type { ExecutionStatus } from "../../shared.js";
import { expectRulesError } from "../../testing/errors.js";

type T = ReturnType<typeof initConvexTest>;

const NOW = Date.UTC(2026, 5, 1, 12);
const LIMITS = {
  documentsRead: 32_000,
  bytesRead: 16 * 2 ** 20,
  databaseQueries: 4_096,
  documentsWritten: 16_000,
  bytesWritten: 16 * 2 ** 20,
};

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

type Seed = {
  ruleId: string;
  status: ExecutionStatus;
  /** Start time, as days before now (fractions allowed). */
  daysAgo: number;
  /** Added to the start time, to give several executions one start time or not. */
  offsetMs?: number;
  logs?: number;
  integrationId?: string;
  namespace?: string;
};

/** Inserts executions (with `logs` log lines each, default 2) in one transaction; returns their ids in order. */
async function seed(t: T, rows: Seed[]): Promise<Id<"ruleExecutions">[]> {
  return await t.run(async (ctx) => {
    const ids: Id<"ruleExecutions">[] = [];
    for (const row of rows) {
      const startTime = Date.now() - row.daysAgo * DAY_MS + (row.offsetMs ?? 0);
      const id = await ctx.db.insert("ruleExecutions", {
        ...EXECUTION_DEFAULTS,
        ruleId: row.ruleId,
        integrationId: row.integrationId ?? "monday",
        namespace: row.namespace ?? "",
        status: row.status,
        triggered: true,
        conditionsMet: row.status !== "skipped",
        successful: row.status === "succeeded",
        startTime,
        ...(row.status === "running" ? {} : { endTime: startTime }),
        triggerData: { pulseId: ids.length },
      });
      for (let i = 0; i < (row.logs ?? 2); i++) {
        await ctx.db.insert("ruleExecutionLogs", {
          executionId: id,
          timestamp: startTime + i,
          level: "info",
          component: "trigger",
          message: `line ${i}`,
        });
      }
      ids.push(id);
    }
    return ids;
  });
}

const many = (n: number, row: (i: number) => Seed): Seed[] => Array.from({ length: n }, (_, i) => row(i));

async function remaining(t: T) {
  return await t.run(async (ctx) => ({
    executions: await ctx.db.query("ruleExecutions").collect(),
    logs: await ctx.db.query("ruleExecutionLogs").collect(),
  }));
}

type BatchResult = Awaited<ReturnType<typeof runBatch>>;
async function runBatch(t: T, runStartedAt: number, cursor: Doc<"retentionState">["cursor"]) {
  return await t.mutation(internal.retention.cleanup.cleanupBatch, { runStartedAt, cursor: cursor! });
}

/**
 * Starts a run and drives its batches one by one (scheduled functions
 * never run: each batch is called as its scheduled successor would be,
 * from the cursor the previous one stored). Returns each batch's result.
 */
async function cleanUp(t: T, maxBatches = 1000): Promise<BatchResult[]> {
  const start = await t.mutation(api.retention.cleanup.runCleanup, { logLevel: "ERROR" });
  expect(start.started).toBe(true);
  const batches: BatchResult[] = [];
  for (;;) {
    const state = await t.run(async (ctx) => await ctx.db.query("retentionState").first());
    if (!state?.run) break;
    expect(batches.length, "the run never finished").toBeLessThan(maxBatches);
    batches.push(await runBatch(t, start.runStartedAt, state.cursor));
  }
  expect(batches.at(-1)?.done).toBe(true);
  return batches;
}

async function createRule(t: T, id: string, integrationId = "monday", namespace?: string) {
  await t.mutation(api.rules.createRule, {
    id,
    name: id,
    integrationId,
    ...(namespace === undefined ? {} : { namespace }),
    triggerType: "status_changed",
    triggerConfig: {},
    conditions: [],
    actions: [],
  });
}

describe("retention settings", () => {
  test("defaults, then integration, namespace and rule overrides field by field", async () => {
    const t = initConvexTest();
    await createRule(t, "r1", "monday", "acct-1");
    const scope = { integrationId: "monday", namespace: "acct-1", ruleId: "r1" };
    expect(await t.query(api.retention.settings.getRetention, scope)).toEqual({
      days: 14,
      failedDays: 30,
      maxPerOutcome: 100,
      sources: { days: "default", failedDays: "default", maxPerOutcome: "default" },
      stored: null,
    });
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", days: 7, maxPerOutcome: 500 });
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", namespace: "acct-1", maxPerOutcome: 50 });
    const ruleLevel = await t.mutation(api.retention.settings.setRetention, { ...scope, failedDays: 90 });
    expect(ruleLevel).toEqual({
      days: 7,
      failedDays: 90,
      maxPerOutcome: 50,
      sources: { days: "integration", failedDays: "rule", maxPerOutcome: "namespace" },
      stored: { failedDays: 90 },
    });
    // Another namespace sees only the integration's settings.
    const other = await t.query(api.retention.settings.getRetention, { integrationId: "monday", namespace: "acct-2" });
    expect([other.days, other.failedDays, other.maxPerOutcome]).toEqual([7, 30, 500]);
    // null clears one field; the others stay.
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", days: null });
    const cleared = await t.query(api.retention.settings.getRetention, { integrationId: "monday" });
    expect(cleared.stored).toEqual({ maxPerOutcome: 500 });
    expect(cleared.sources.days).toBe("default");
    const rows = await t.query(api.retention.settings.listRetention, { integrationId: "monday" });
    expect(rows.map((r) => [r.namespace, r.ruleId])).toEqual([
      [null, null],
      ["acct-1", null],
      ["acct-1", "r1"],
    ]);
    await t.mutation(api.retention.settings.clearRetention, scope);
    expect((await t.query(api.retention.settings.getRetention, scope)).sources.failedDays).toBe("default");
    expect(await t.query(api.retention.settings.listRetention, { integrationId: "monday" })).toHaveLength(2);
    // Clearing every field of a row deletes it.
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", namespace: "acct-1", maxPerOutcome: null });
    expect(await t.query(api.retention.settings.listRetention, { integrationId: "monday" })).toHaveLength(1);
  });

  test("bad input fails with a stable code naming the field, and writes nothing", async () => {
    const t = initConvexTest();
    await createRule(t, "r1");
    await createRule(t, "gh", "github");
    await expectRulesError(t.mutation(api.retention.settings.setRetention, { integrationId: "monday", days: 0 }), "INVALID_ARGUMENT", "days");
    await expectRulesError(
      t.mutation(api.retention.settings.setRetention, { integrationId: "monday", days: 3, maxPerOutcome: 2.5 }),
      "INVALID_ARGUMENT",
      "maxPerOutcome",
    );
    await expectRulesError(t.mutation(api.retention.settings.setRetention, { integrationId: "monday", failedDays: 4000 }), "INVALID_ARGUMENT", "failedDays");
    await expectRulesError(t.mutation(api.retention.settings.setRetention, { integrationId: "monday", ruleId: "nope", days: 3 }), "RULE_NOT_FOUND", "ruleId");
    await expectRulesError(t.mutation(api.retention.settings.setRetention, { integrationId: "monday", ruleId: "gh", days: 3 }), "INVALID_ARGUMENT", "ruleId");
    await expectRulesError(
      t.mutation(api.retention.settings.setRetention, { integrationId: "monday", namespace: "acct-9", ruleId: "r1", days: 3 }),
      "INVALID_ARGUMENT",
      "namespace",
    );
    await expectRulesError(t.mutation(api.retention.settings.setRetention, { integrationId: "", days: 3 }), "INVALID_ARGUMENT", "integrationId");
    const written = await t.run(async (ctx) => ({
      settings: await ctx.db.query("retentionSettings").collect(),
      state: await ctx.db.query("retentionState").collect(),
    }));
    expect(written).toEqual({ settings: [], state: [] });
  });
});

describe("cleanup", () => {
  test("defaults: 14 days, failures and loop refusals 30 days; logs go with their execution; running ones stay", async () => {
    const t = initConvexTest();
    const ids = await seed(t, [
      { ruleId: "r1", status: "succeeded", daysAgo: 13 },
      { ruleId: "r1", status: "succeeded", daysAgo: 15 },
      { ruleId: "r1", status: "skipped", daysAgo: 15 },
      { ruleId: "r1", status: "rate_limited", daysAgo: 15 },
      { ruleId: "r1", status: "failed", daysAgo: 29 },
      { ruleId: "r1", status: "failed", daysAgo: 31 },
      { ruleId: "r1", status: "loop_blocked", daysAgo: 29 },
      { ruleId: "r1", status: "loop_blocked", daysAgo: 31 },
      { ruleId: "r1", status: "running", daysAgo: 100 },
      { ruleId: "r2", status: "succeeded", daysAgo: 400, logs: 300 },
    ]);
    const kept = [ids[0], ids[4], ids[6], ids[8]];
    const batches = await cleanUp(t);
    const left = await remaining(t);
    expect(left.executions.map((e) => e._id).sort()).toEqual([...kept].sort());
    expect(left.logs).toHaveLength(kept.length * 2);
    expect(left.logs.every((l) => kept.includes(l.executionId))).toBe(true);
    const status = await t.query(api.retention.cleanup.getCleanupStatus, {});
    expect(status.running).toBeNull();
    expect(status.lastRun).toMatchObject({
      trigger: "manual",
      batches: batches.length,
      executionsDeleted: 6,
      logsDeleted: 5 * 2 + 300,
      rulesChecked: 2,
    });
  });

  test("keeps the newest maxPerOutcome per rule per status: a noisy rule evicts nobody else's failures", async () => {
    const t = initConvexTest();
    // Three executions per start time, so the cut falls inside a tie.
    const noisy = await seed(t, many(250, (i) => ({ ruleId: "noisy", status: "succeeded", daysAgo: 1, offsetMs: Math.floor(i / 3), logs: 1 })));
    const noisyFailed = await seed(t, many(5, (i) => ({ ruleId: "noisy", status: "failed", daysAgo: 2, offsetMs: i })));
    const quietFailed = await seed(t, many(3, (i) => ({ ruleId: "quiet", status: "failed", daysAgo: 3, offsetMs: i })));
    const quietOk = await seed(t, many(20, (i) => ({ ruleId: "quiet", status: "succeeded", daysAgo: 3, offsetMs: i })));
    await cleanUp(t);
    const left = new Set((await remaining(t)).executions.map((e) => e._id));
    // Seeded oldest first: the newest 100 are the last 100.
    expect(noisy.slice(150).every((id) => left.has(id))).toBe(true);
    expect(noisy.slice(0, 150).some((id) => left.has(id))).toBe(false);
    for (const id of [...noisyFailed, ...quietFailed, ...quietOk]) expect(left.has(id)).toBe(true);
    expect(left.size).toBe(100 + 5 + 3 + 20);
  });

  test("a rule's own maxPerOutcome, counted over several reads with ties at the boundaries", async () => {
    const t = initConvexTest();
    await createRule(t, "busy");
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", ruleId: "busy", maxPerOutcome: 300 });
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", maxPerOutcome: 2 });
    const busy = await seed(t, many(700, (i) => ({ ruleId: "busy", status: "succeeded", daysAgo: 1, offsetMs: Math.floor(i / 3), logs: 0 })));
    const other = await seed(t, many(5, (i) => ({ ruleId: "other", status: "skipped", daysAgo: 1, offsetMs: i })));
    const otherGithub = await seed(t, many(5, (i) => ({ ruleId: "gh", integrationId: "github", status: "skipped", daysAgo: 1, offsetMs: i })));
    await cleanUp(t);
    const left = new Set((await remaining(t)).executions.map((e) => e._id));
    expect(busy.filter((id) => left.has(id))).toEqual(busy.slice(400));
    // The integration's limit of 2 applies to its other rules; github keeps the default 100.
    expect(other.filter((id) => left.has(id))).toEqual(other.slice(3));
    expect(otherGithub.every((id) => left.has(id))).toBe(true);
  });

  test("days per integration, namespace and rule", async () => {
    const t = initConvexTest();
    await createRule(t, "keep-long", "monday", "acct-1");
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", days: 2, failedDays: 3 });
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", namespace: "acct-1", days: 5 });
    await t.mutation(api.retention.settings.setRetention, { integrationId: "monday", ruleId: "keep-long", days: 60, failedDays: 90 });
    const ids = await seed(t, [
      { ruleId: "a", status: "succeeded", daysAgo: 1 },
      { ruleId: "a", status: "succeeded", daysAgo: 2.5 }, // deleted: integration days 2
      { ruleId: "a", status: "failed", daysAgo: 2.5 },
      { ruleId: "a", status: "failed", daysAgo: 3.5 }, // deleted: integration failedDays 3
      { ruleId: "b", namespace: "acct-1", status: "succeeded", daysAgo: 4 },
      { ruleId: "b", namespace: "acct-1", status: "succeeded", daysAgo: 6 }, // deleted: namespace days 5 (failures 5 too)
      // failedDays 3 is set at the integration: inherited as is, not raised to the namespace's days.
      { ruleId: "b", namespace: "acct-1", status: "failed", daysAgo: 4 }, // deleted
      { ruleId: "b", namespace: "acct-1", status: "failed", daysAgo: 2.5 },
      { ruleId: "keep-long", namespace: "acct-1", status: "succeeded", daysAgo: 59 },
      { ruleId: "keep-long", namespace: "acct-1", status: "failed", daysAgo: 89 },
      { ruleId: "keep-long", namespace: "acct-1", status: "failed", daysAgo: 91 }, // deleted
      { ruleId: "c", integrationId: "github", status: "succeeded", daysAgo: 10 }, // defaults
    ]);
    await cleanUp(t);
    const left = new Set((await remaining(t)).executions.map((e) => e._id));
    const deleted = [1, 3, 5, 6, 10];
    ids.forEach((id, i) => expect(left.has(id), `execution ${i}`).toBe(!deleted.includes(i)));
  });

  test("a later run deletes an idle rule's executions once they age out", async () => {
    const t = initConvexTest();
    const ids = await seed(t, [
      { ruleId: "idle", status: "succeeded", daysAgo: 0 },
      { ruleId: "idle", status: "failed", daysAgo: 0 },
    ]);
    await cleanUp(t);
    expect((await remaining(t)).executions).toHaveLength(2);
    // 15 days later, nothing new has run: the run checks counts of no rule
    // (not a full check), yet the success is past its 14 days.
    vi.setSystemTime(NOW + 15 * DAY_MS);
    await cleanUp(t);
    expect((await t.query(api.retention.cleanup.getCleanupStatus, {})).lastRun?.since).toBeDefined();
    expect((await remaining(t)).executions.map((e) => e._id)).toEqual([ids[1]]);
    vi.setSystemTime(NOW + 31 * DAY_MS);
    await cleanUp(t);
    expect((await remaining(t)).executions).toEqual([]);
  });

  test("processed events are pruned after the dedupe window", async () => {
    const t = initConvexTest();
    await t.run(async (ctx) => {
      for (const [eventId, daysAgo] of [["old", PROCESSED_EVENTS_RETENTION_DAYS + 1], ["recent", PROCESSED_EVENTS_RETENTION_DAYS - 1]] as const) {
        await ctx.db.insert("processedEvents", {
          integrationId: "monday",
          namespace: "",
          eventId,
          receivedAt: Date.now() - daysAgo * DAY_MS,
          results: [],
        });
      }
    });
    await cleanUp(t);
    const events = await t.run(async (ctx) => await ctx.db.query("processedEvents").collect());
    expect(events.map((e) => e.eventId)).toEqual(["recent"]);
    expect((await t.query(api.retention.cleanup.getCleanupStatus, {})).lastRun?.eventsDeleted).toBe(1);
  });

  test("the component's cron starts a run every hour; the run reschedules itself until done", async () => {
    const entry = Object.entries(crons.crons).find(([, job]) => job.name === "retention/cleanup:startCleanup");
    expect(entry, "a cron runs cleanup:startCleanup").toBeDefined();
    expect(entry![1].schedule).toEqual({ type: "interval", hours: 1 });
    expect(CLEANUP_INTERVAL).toEqual({ hours: 1 });

    const t = initConvexTest();
    await seed(t, many(30, (i) => ({ ruleId: `r${i % 3}`, status: "succeeded", daysAgo: 20 + i })));
    const started = await t.mutation(internal.retention.cleanup.startCleanup, {});
    expect(started.started).toBe(true);
    // A second start while the run is in progress does nothing.
    expect(await t.mutation(internal.retention.cleanup.startCleanup, {})).toEqual({ started: false, runStartedAt: started.runStartedAt });
    expect(await t.mutation(api.retention.cleanup.runCleanup, {})).toEqual({ started: false, runStartedAt: started.runStartedAt });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await remaining(t)).executions).toEqual([]);
    const status = await t.query(api.retention.cleanup.getCleanupStatus, {});
    expect(status.running).toBeNull();
    expect(status.lastRun).toMatchObject({ trigger: "cron", executionsDeleted: 30, rulesChecked: 3 });
  });

  test("a run whose batches stopped is replaced by the next start; its leftover batch does nothing", async () => {
    const t = initConvexTest();
    await seed(t, [{ ruleId: "r", status: "succeeded", daysAgo: 20 }]);
    const first = await t.mutation(api.retention.cleanup.runCleanup, { logLevel: "ERROR" });
    // Its first batch never ran (scheduled functions held); 11 minutes later...
    vi.setSystemTime(NOW + STALE_RUN_MS + 60_000);
    const second = await t.mutation(api.retention.cleanup.runCleanup, { logLevel: "ERROR" });
    expect(second.started).toBe(true);
    expect(second.runStartedAt).not.toBe(first.runStartedAt);
    const stale = await runBatch(t, first.runStartedAt, { phase: "events" });
    expect(stale).toMatchObject({ done: true, superseded: true, executionsDeleted: 0 });
    expect((await remaining(t)).executions).toHaveLength(1);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await remaining(t)).executions).toHaveLength(0);
  });
});

/**
 * The batch budget reads its limits from the transaction's own metrics, so
 * the same code is proved against limits 16 times tighter than Convex's in
 * document counts (bytes stay real: reads are sized for 1 MiB documents).
 * 2,000 old executions then need as many batches as 32,000 would under the
 * real limits, at a fraction of convex-test's time (it scans a whole table
 * per index range). Volume figures live in `npm run bench` (operations).
 */
const TIGHT_LIMITS = {
  documentsRead: LIMITS.documentsRead / 16,
  bytesRead: LIMITS.bytesRead,
  databaseQueries: LIMITS.databaseQueries / 16,
  documentsWritten: LIMITS.documentsWritten / 16,
  bytesWritten: LIMITS.bytesWritten,
};
const SCALE = 2_000;

describe("cleanup at scale", () => {
  /** Seeds `n` old executions with one log line each, over `rules` rules, in transactions within the tight limits. */
  async function seedOld(t: T, n: number, rules: number) {
    const perTransaction = 200;
    for (let from = 0; from < n; from += perTransaction) {
      const count = Math.min(perTransaction, n - from);
      await seed(t, many(count, (i) => ({ ruleId: `rule-${(from + i) % rules}`, status: (from + i) % 10 === 0 ? "failed" : "succeeded", daysAgo: 40 + ((from + i) % 300) / 10, logs: 1 })));
    }
  }

  function expectWithinBudget(batches: BatchResult[]) {
    for (const batch of batches) {
      for (const [metric, limit] of Object.entries(TIGHT_LIMITS)) {
        const used = batch[metric as keyof typeof TIGHT_LIMITS];
        // The budget stops a batch from starting work past half of a limit;
        // what it has started (one chunk) adds a little.
        expect(used, `${metric} of a batch`).toBeLessThan(limit * (BATCH_BUDGET_FRACTION + 0.05));
      }
    }
  }

  test(`${SCALE} old executions: bounded batches, their number grows with the work, everything deleted`, { timeout: 60_000 }, async () => {
    const small = initConvexTest(TIGHT_LIMITS);
    await seedOld(small, SCALE / 4, 20);
    const smallBatches = await cleanUp(small);
    expect((await remaining(small)).executions).toEqual([]);

    const t = initConvexTest(TIGHT_LIMITS);
    await seedOld(t, SCALE, 20);
    const batches = await cleanUp(t);
    const left = await remaining(t);
    expect(left).toEqual({ executions: [], logs: [] });
    expectWithinBudget([...smallBatches, ...batches]);
    const deleted = batches.reduce((sum, b) => sum + b.executionsDeleted, 0);
    expect(deleted).toBe(SCALE);
    expect(batches.reduce((sum, b) => sum + b.logsDeleted, 0)).toBe(SCALE);
    // Several batches, each doing a bounded share: four times the work takes
    // about four times the batches (not one huge transaction).
    expect(smallBatches.length).toBeGreaterThan(1);
    expect(batches.length).toBeGreaterThanOrEqual(2 * smallBatches.length);
    expect(batches.length).toBeLessThanOrEqual(4 * smallBatches.length + 1);
    const largest = Math.max(...batches.map((b) => b.executionsDeleted));
    expect(largest).toBeLessThan(SCALE / 3);
    const status = await t.query(api.retention.cleanup.getCleanupStatus, {});
    expect(status.lastRun).toMatchObject({ batches: batches.length, executionsDeleted: SCALE, rulesChecked: 20 });
  });
});
