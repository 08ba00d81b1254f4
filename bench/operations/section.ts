/// <reference types="vite/client" />
/**
 * Section "Operations": documents read and written by
 * the retention cleanup's batches, and what stats and quotas add to one
 * execution, from transaction metrics (never time).
 *
 * - Cleanup: old executions (each with the log lines `execute` writes for a
 *   rule whose action is queued) seeded in large transactions; a run started
 *   with `runCleanup`, its batches called one by one as the scheduler would
 *   (`cleanup.cleanupBatch` reports its own transaction's metrics).
 * - Execution cost: `engine.execute` nested in a `t.run` transaction, metrics
 *   before and after, on integrations already warmed up (the first event of
 *   an integration initialises workpool, the stats loop and the rate limiter).
 */
import { expect } from "vitest";
import { convexTest } from "convex-test";
import workpool from "@convex-dev/workpool/test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import { api, internal } from "../../src/component/_generated/api.js";
import type { Doc } from "../../src/component/_generated/dataModel.js";
import schema from "../../src/component/schema.js";
import { DAY_MS } from "../../src/core/retention.js";
import type { Monitoring } from "../../src/monitoring.js";
import type { ExecuteResult } from "../../src/shared.js";
import { metricsDiff, metricsNow, timed, type Metrics } from "../lib/convex.js";
import { fmt, type Cell, type Section, type Table } from "../lib/report.js";
import { HANDLERS, NAMESPACE, TRIGGER_TYPE, ruleInput, statusEvent } from "../dispatch/workload.js";

const modules = import.meta.glob(["../../src/component/**/*.ts", "!../../src/component/**/*.test.ts"]);

/** The component with both its children (workpool, and the rate limiter quotas use). */
function operationsTest() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  workpool.register(t, "workpool");
  rateLimiter.register(t, "rateLimiter");
  return t;
}
type OpsTest = ReturnType<typeof operationsTest>;

// convex-test scans a whole table per index range: a run over n executions
// costs it about n² steps, so the full run stays at 5,000 (4 batches).
const FULL_OLD = 5_000;
const QUICK_OLD = 2_000;
const RULES = 20;
const LOG_LINES = 2;
const LIMITS: Metrics = {
  documentsRead: 32_000,
  bytesRead: 16 * 2 ** 20,
  databaseQueries: 4_096,
  documentsWritten: 16_000,
  bytesWritten: 16 * 2 ** 20,
};
const METRIC_NAMES: Array<[keyof Metrics, string]> = [
  ["documentsRead", "documents read"],
  ["documentsWritten", "documents written"],
  ["bytesRead", "bytes read"],
  ["bytesWritten", "bytes written"],
  ["databaseQueries", "index ranges"],
];

type BatchResult = { executionsDeleted: number; logsDeleted: number; rulesChecked: number; done: boolean } & Metrics;

async function seedOld(t: OpsTest, n: number) {
  const perTransaction = 3_000;
  const now = Date.now();
  for (let from = 0; from < n; from += perTransaction) {
    const count = Math.min(perTransaction, n - from);
    await t.run(async (ctx) => {
      for (let i = from; i < from + count; i++) {
        const startTime = now - 40 * DAY_MS - i;
        const status = i % 10 === 0 ? "failed" : "succeeded";
        // As dispatch stores them: the event once, the execution refers to it.
        const eventRef = await ctx.db.insert("ruleEvents", {
          integrationId: "bench-ops",
          namespace: NAMESPACE,
          triggerType: TRIGGER_TYPE,
          eventId: `bench-ops-${i}`,
          data: statusEvent(1, true, `bench-ops-${i}`),
          receivedAt: startTime,
        });
        const id = await ctx.db.insert("ruleExecutions", {
          ruleId: `bench-ops.rule-${i % RULES}`,
          ruleName: "Board 1: notify when done",
          ruleVersion: 1,
          integrationId: "bench-ops",
          namespace: NAMESPACE,
          triggerType: TRIGGER_TYPE,
          eventId: `bench-ops-${i}`,
          triggered: true,
          conditionsMet: true,
          successful: status === "succeeded",
          status,
          startTime,
          endTime: startTime + 250,
          eventRef,
          actions: [],
          chain: [],
        });
        for (let k = 0; k < LOG_LINES; k++) {
          await ctx.db.insert("ruleExecutionLogs", {
            executionId: id,
            timestamp: startTime + k,
            level: "info",
            component: k === 0 ? "trigger" : "action",
            message: k === 0 ? `Rule "Board 1: notify when done" (v1) triggered` : "Action notify succeeded",
          });
        }
      }
    });
  }
}

async function cleanupBatches(t: OpsTest): Promise<BatchResult[]> {
  const start = await t.mutation(api.retention.cleanup.runCleanup, { logLevel: "ERROR" });
  const batches: BatchResult[] = [];
  for (;;) {
    const state = await t.run(async (ctx): Promise<Doc<"retentionState"> | null> => await ctx.db.query("retentionState").first());
    if (!state?.run || !state.cursor) break;
    if (batches.length > 1000) throw new Error("the cleanup run never finished");
    batches.push(await t.mutation(internal.retention.cleanup.cleanupBatch, { runStartedAt: start.runStartedAt, cursor: state.cursor }));
  }
  return batches;
}

type Case = { label: string; event: "done" | "working"; stats: boolean; quota: boolean };

async function measureExecute(t: OpsTest, integrationId: string, done: boolean, delivery: string, monitoring: Monitoring | undefined) {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    const results: ExecuteResult[] = await ctx.runMutation(api.dispatch.engine.execute, {
      integrationId,
      namespace: NAMESPACE,
      triggerType: TRIGGER_TYPE,
      event: statusEvent(1, done, delivery),
      eventId: delivery,
      handlers: HANDLERS,
      ...(monitoring === undefined ? {} : { options: { monitoring } }),
    });
    return { metrics: metricsDiff(await metricsNow(ctx), before), results };
  });
}

async function executionCosts(t: OpsTest) {
  const cases: Case[] = [
    { label: "action queued", event: "done", stats: false, quota: false },
    { label: "action queued", event: "done", stats: true, quota: false },
    { label: "action queued", event: "done", stats: false, quota: true },
    { label: "action queued", event: "done", stats: true, quota: true },
    { label: "conditions not met (finished at dispatch)", event: "working", stats: false, quota: false },
    { label: "conditions not met (finished at dispatch)", event: "working", stats: true, quota: false },
  ];
  const rows = [];
  for (const [k, c] of cases.entries()) {
    const integrationId = `bench-ops-cost-${k}`;
    await t.mutation(api.rules.createRule, ruleInput(integrationId, 1, 0));
    if (c.quota) await t.mutation(api.dispatch.quotas.setQuota, { integrationId, perMinute: 1_000_000, perMonth: 100_000_000 });
    const monitoring = c.stats ? undefined : { stats: false };
    // Warm-up with events of the measured kind: first-event initialisation
    // (workpool, the stats loop's wake-up, rate limiter, trigger activity).
    for (let w = 0; w < 2; w++) {
      await measureExecute(t, integrationId, c.event === "done", `${integrationId}-warm-${w}`, monitoring);
    }
    const { metrics, results } = await measureExecute(t, integrationId, c.event === "done", `${integrationId}-measured`, monitoring);
    expect(results).toHaveLength(1);
    expect(results[0].status).toBe(c.event === "done" ? "running" : "skipped");
    rows.push({ ...c, metrics });
  }
  return rows;
}

export async function operationsSection(quick: boolean, log: (line: string) => void): Promise<Section> {
  const old = quick ? QUICK_OLD : FULL_OLD;
  const timings: string[] = [];
  const t = operationsTest();
  log(`operations: seeding ${fmt(old)} executions 40+ days old with ${LOG_LINES} log lines each...`);
  const [, seedSeconds] = await timed(() => seedOld(t, old));
  timings.push(`seeding ${fmt(old)} old executions ${seedSeconds.toFixed(1)} s`);
  const [batches, cleanSeconds] = await timed(() => cleanupBatches(t));
  timings.push(`cleanup run (${batches.length} batches) ${cleanSeconds.toFixed(1)} s`);
  const deleted = batches.reduce((s, b) => s + b.executionsDeleted, 0);
  expect(deleted).toBe(old);
  expect(batches.at(-1)?.done).toBe(true);
  const left = await t.run(async (ctx) => (await ctx.db.query("ruleExecutions").take(1)).length);
  expect(left).toBe(0);
  for (const b of batches) for (const [m] of METRIC_NAMES) expect(b[m]).toBeLessThan(LIMITS[m]);
  for (const [i, b] of batches.entries()) {
    log(`  batch ${i + 1}: ${b.executionsDeleted} executions, ${b.logsDeleted} logs; ${b.documentsRead} read, ${b.documentsWritten} written, ${b.databaseQueries} ranges`);
  }

  const [costs, costSeconds] = await timed(() => executionCosts(t));
  timings.push(`execution costs ${costSeconds.toFixed(1)} s`);
  for (const c of costs) {
    log(`  execute, ${c.label}, stats ${c.stats ? "on" : "off"}, quota ${c.quota ? "on" : "off"}: ${c.metrics.documentsRead} read, ${c.metrics.documentsWritten} written`);
  }

  const batchTable: Table = {
    caption: `One cleanup run over ${fmt(old)} executions older than every retention (${RULES} rules, ${LOG_LINES} log lines each): every batch, and Convex's limit per transaction.`,
    columns: ["batch", "executions deleted", "log lines deleted", ...METRIC_NAMES.map(([, name]) => name)],
    align: ["r", "r", "r", "r", "r", "r", "r", "r"],
    rows: [
      ...batches.map((b, i): Cell[] => [i + 1, b.executionsDeleted, b.logsDeleted, ...METRIC_NAMES.map(([m]) => b[m])]),
      ["limit", "", "", ...METRIC_NAMES.map(([m]) => LIMITS[m])],
    ],
  };
  const costTable: Table = {
    caption:
      "`engine.execute` for one event that runs one rule, on a warmed-up integration: what stats (the default) and a quota " +
      "(`setQuota` per minute and per month) add.",
    columns: ["execution", "stats", "quota", "documents read", "documents written", "bytes read", "bytes written", "index ranges"],
    align: ["l", "l", "l", "r", "r", "r", "r", "r"],
    rows: costs.map((c): Cell[] => [
      c.label,
      c.stats ? "on" : "off",
      c.quota ? "on" : "off",
      c.metrics.documentsRead,
      c.metrics.documentsWritten,
      c.metrics.bytesRead,
      c.metrics.bytesWritten,
      c.metrics.databaseQueries,
    ]),
  };
  const largest = Math.max(...batches.map((b) => b.documentsRead));
  const perBatch = Math.max(...batches.map((b) => b.executionsDeleted));
  const find = (event: Case["event"], stats: boolean, quota: boolean) =>
    costs.find((c) => c.event === event && c.stats === stats && c.quota === quota)!.metrics;
  const base = find("done", false, false);
  const statsOn = find("done", true, false);
  const quotaOn = find("done", false, true);
  const finishedOff = find("working", false, false);
  const finishedOn = find("working", true, false);
  return {
    id: "operations",
    title: "Operations: retention cleanup, stats and quotas",
    intro: [
      "Documents read and written, from the transaction metrics of each call (convex-test, `transactionLimits: true`); no figure here is a time.",
      `Cleanup: ${fmt(old)} executions 40 to ${40 + Math.ceil(old / DAY_MS)} days old, seeded directly, then one \`runCleanup\` run whose batches ` +
        "are called one at a time as its scheduler would; each batch reports its own metrics.",
    ],
    tables: [batchTable, costTable],
    notes: [
      `The cleanup deleted ${fmt(deleted)} executions in ${batches.length} batches, at most ${fmt(perBatch)} per batch; ` +
        `the largest batch read ${fmt(largest)} documents (limit ${fmt(LIMITS.documentsRead)}). A batch stops starting work at half of any limit, ` +
        "so the number of batches grows with the number of old executions while each stays bounded.",
      `Stats add to a dispatch ${statsOn.documentsRead - base.documentsRead} document read(s) and ${statsOn.documentsWritten - base.documentsWritten} write(s) ` +
        `when the action is queued, and ${finishedOn.documentsRead - finishedOff.documentsRead} read(s) and ${finishedOn.documentsWritten - finishedOff.documentsWritten} write(s) ` +
        "when the execution finishes at dispatch: reads of rarely written documents (the trigger's last-event time, the stats loop's status), never a counter " +
        "every execution writes; the counting is done later by the stats rollup.",
      `A quota adds ${quotaOn.documentsRead - base.documentsRead} read(s) and ${quotaOn.documentsWritten - base.documentsWritten} write(s) (the rate limiter's ` +
        "settings and its window documents).",
    ],
    timings,
  };
}
