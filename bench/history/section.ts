/**
 * Section "History and logs": documents read by
 * `getRuleExecutions({ limit: 50 })` for a rule with 10 and with 100,000
 * executions, by `getExecutionLogs`, and by `listExecutions` pages, from
 * transaction metrics (never time).
 *
 * The history is one real execution, written by `execute` (its document and
 * log lines), copied 100,000 times in large batches with new start times,
 * delivery ids and final statuses.
 */
import { expect } from "vitest";
import type { PaginationResult } from "convex/server";
import { getConvexSize, type Value } from "convex/values";
import { api } from "../../src/component/_generated/api.js";
import type { Doc, Id } from "../../src/component/_generated/dataModel.js";
import type { Execution, ExecutionLog, ExecutionStatus } from "../../src/shared.js";
import { componentTest, metricsDiff, metricsNow, timed, type ComponentTest, type Metrics } from "../lib/convex.js";
import { fmt, type Cell, type Section, type Table } from "../lib/report.js";
import { measureExecute, scopeOf } from "../dispatch/measure.js";
import { ruleInput, statusEvent } from "../dispatch/workload.js";

export const LIMIT = 50;
const FULL_HISTORY = 100_000;
const QUICK_HISTORY = 10_000;
/** The rule with a short history, and one with exactly a page of it. */
const SHORT_HISTORY = 10;
/** Lines of the execution with a long log. */
const LONG_LOG = 1_000;
const INTEGRATION = "bench-history";
const BOARD = 1_900_000_000;
/** Documents per seeding transaction (Convex allows 16,000 written). */
const MAX_DOCS_PER_BATCH = 12_000;
/** Bytes per seeding transaction (Convex allows 16 MiB written). */
const MAX_BYTES_PER_BATCH = 12 * 2 ** 20;
const LIMIT_ERROR = /This is a Convex limit/;

type ExecutionDoc = Omit<Doc<"ruleExecutions">, "_id" | "_creationTime">;
type LogDoc = Omit<Doc<"ruleExecutionLogs">, "_id" | "_creationTime" | "executionId">;
type EventDoc = Omit<Doc<"ruleEvents">, "_id" | "_creationTime">;

/** An execution as `execute` wrote it, its log lines and the event it refers to (`eventRef`). */
type Template = { execution: ExecutionDoc; logs: LogDoc[]; event: EventDoc | null; bytes: number };

/** A query's result and what it read. */
type Measured<T> = { metrics: Metrics; result: T };

/** Status of the i-th seeded execution: 90% succeeded, 5% failed, 5% skipped. */
function statusOf(i: number): ExecutionStatus {
  const k = i % 20;
  return k === 0 ? "failed" : k === 1 ? "skipped" : "succeeded";
}

function withoutSystemFields<T extends { _id: unknown; _creationTime: unknown }>(doc: T) {
  const { _id, _creationTime, ...rest } = doc;
  return rest;
}

/** One execution as `execute` writes it (the rule's conditions hold, its action is queued). */
async function template(t: ComponentTest): Promise<{ template: Template; ruleId: string; executionId: string }> {
  const input = ruleInput(INTEGRATION, BOARD, 0);
  await t.mutation(api.rules.createRule, input);
  const event = statusEvent(BOARD, true, "bench-history-template");
  const { results } = await measureExecute(t, scopeOf(INTEGRATION), event, event.triggerUuid);
  expect(results).toHaveLength(1);
  const executionId = results[0].executionId as Id<"ruleExecutions">;
  const stored = await t.run(async (ctx) => {
    const execution = await ctx.db.get(executionId);
    const logs = await ctx.db
      .query("ruleExecutionLogs")
      .withIndex("by_execution", (q) => q.eq("executionId", executionId))
      .collect();
    const event = execution?.eventRef === undefined ? null : await ctx.db.get(execution.eventRef);
    return { execution: execution!, logs, event };
  });
  const execution = withoutSystemFields(stored.execution);
  const logs = stored.logs.map((log) => {
    const { executionId: _x, ...rest } = withoutSystemFields(log);
    return rest;
  });
  // What one copy writes, with room for ids and system fields.
  const bytes = [execution, ...logs].reduce((sum, doc) => sum + getConvexSize(doc as Value) + 100, 0);
  const storedEvent = stored.event === null ? null : withoutSystemFields(stored.event);
  return { template: { execution, logs, event: storedEvent, bytes }, ruleId: input.id!, executionId };
}

type Plan = Array<{ ruleId: string; count: number }>;

/**
 * Seeds the executions of `plan` (each rule's spread evenly over one
 * timeline, start times 1 ms apart, statuses per {@link statusOf}), each with
 * the template's log lines, in batches within Convex's write limits. Returns
 * the ids per rule, oldest first.
 */
async function seedHistory(t: ComponentTest, tpl: Template, plan: Plan, startTime: number) {
  const total = plan.reduce((sum, p) => sum + p.count, 0);
  // The timeline: slot s goes to the rule whose next evenly spaced slot is due.
  const order: string[] = [];
  const next = plan.map((p) => ({ ...p, done: 0 }));
  for (let s = 0; s < total; s++) {
    let best = next[0];
    for (const p of next) {
      if (p.done < p.count && (best.done >= best.count || (p.done + 0.5) / p.count < (best.done + 0.5) / best.count)) best = p;
    }
    best.done++;
    order.push(best.ruleId);
  }
  const docsPerExecution = 1 + tpl.logs.length;
  const perBatch = Math.max(
    1,
    Math.min(Math.floor(MAX_DOCS_PER_BATCH / docsPerExecution), Math.floor(MAX_BYTES_PER_BATCH / tpl.bytes)),
  );
  // The seeded executions share one copy of the template's event, in this
  // instance's own table (a dispatch stores one event for all its executions).
  const eventRef = tpl.event === null ? undefined : await t.run(async (ctx) => await ctx.db.insert("ruleEvents", tpl.event!));
  const ids: Record<string, Id<"ruleExecutions">[]> = {};
  let largest: Metrics | null = null;
  let transactions = 0;
  for (let from = 0; from < total; from += perBatch) {
    const batch = order.slice(from, from + perBatch);
    const [inserted, metrics] = await t.run(async (ctx) => {
      const before = await metricsNow(ctx);
      const out: Array<[string, Id<"ruleExecutions">]> = [];
      for (let k = 0; k < batch.length; k++) {
        const i = from + k;
        const status = statusOf(i);
        const at = startTime + i;
        const id = await ctx.db.insert("ruleExecutions", {
          ...tpl.execution,
          ...(eventRef === undefined ? {} : { eventRef }),
          ruleId: batch[k],
          eventId: `bench-history-${i}`,
          startTime: at,
          endTime: at,
          status,
          conditionsMet: status !== "skipped",
          successful: status === "succeeded",
          ...(status === "failed" ? { error: "notify: the host's handler failed" } : {}),
        });
        for (const log of tpl.logs) await ctx.db.insert("ruleExecutionLogs", { ...log, executionId: id, timestamp: at });
        out.push([batch[k], id]);
      }
      return [out, metricsDiff(await metricsNow(ctx), before)] as const;
    });
    transactions++;
    if (largest === null || metrics.bytesWritten > largest.bytesWritten) largest = metrics;
    for (const [ruleId, id] of inserted) (ids[ruleId] ??= []).push(id);
  }
  return { ids, transactions, largest: largest!, perBatch };
}

async function measure<T>(t: ComponentTest, work: (ctx: Parameters<Parameters<ComponentTest["run"]>[0]>[0]) => Promise<T>): Promise<Measured<T>> {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    const result = await work(ctx);
    return { metrics: metricsDiff(await metricsNow(ctx), before), result };
  });
}

async function ruleExecutions(t: ComponentTest, ruleId: string) {
  return await measure(t, (ctx) => ctx.runQuery(api.executions.queries.getRuleExecutions, { ruleId, limit: LIMIT }));
}

/** The seed's way: the rule's executions through `by_rule`, sorted in memory. */
async function ruleExecutionsBaseline(t: ComponentTest, ruleId: string) {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    try {
      const all = await ctx.db
        .query("ruleExecutions")
        .withIndex("by_rule", (q) => q.eq("ruleId", ruleId))
        .collect();
      all.sort((a, b) => b.startTime - a.startTime);
      return { metrics: metricsDiff(await metricsNow(ctx), before), returned: Math.min(LIMIT, all.length), error: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!LIMIT_ERROR.test(message)) throw error;
      return { metrics: metricsDiff(await metricsNow(ctx), before), returned: 0, error: message };
    }
  });
}

async function executionLogs(t: ComponentTest, executionId: string, limit?: number) {
  return await measure(t, (ctx) =>
    ctx.runQuery(api.logs.getExecutionLogs, {
      executionId,
      ...(limit === undefined ? {} : { limit }),
    }),
  );
}

async function listPage(t: ComponentTest, status: ExecutionStatus | undefined, cursor: string | null) {
  return await measure(t, (ctx) =>
    ctx.runQuery(api.executions.queries.listExecutions, {
      integrationId: INTEGRATION,
      ...(status === undefined ? {} : { status }),
      paginationOpts: { numItems: LIMIT, cursor },
    }),
  );
}

function limitName(message: string): string {
  return /Read too much data/.test(message) ? "bytes read" : /Scanned too many documents/.test(message) ? "documents read" : "a Convex";
}

function checkNewestFirst(page: Execution[], ruleId?: string) {
  for (let i = 1; i < page.length; i++) expect(page[i - 1].startTime).toBeGreaterThanOrEqual(page[i].startTime);
  if (ruleId !== undefined) expect(page.every((e) => e.ruleId === ruleId)).toBe(true);
}

export async function historySection(quick: boolean, log: (line: string) => void): Promise<Section> {
  const history = quick ? QUICK_HISTORY : FULL_HISTORY;
  const timings: string[] = [];
  const t = componentTest();
  const { template: tpl, ruleId: hotRule } = await template(t);
  const fiftyRule = `${hotRule}.fifty`;
  const shortRule = `${hotRule}.ten`;
  // The template is the first execution of the rule with the long history.
  const plan: Plan = [
    { ruleId: hotRule, count: history - 1 },
    { ruleId: fiftyRule, count: LIMIT },
    { ruleId: shortRule, count: SHORT_HISTORY },
  ];
  const total = plan.reduce((s, p) => s + p.count, 0);
  /** Executions in the table: the template, the seeded ones, the long-log one. */
  const inTable = 1 + total + 1;
  log(`history: seeding ${fmt(total)} executions with ${tpl.logs.length} log line(s) each...`);
  const [seed, seedSeconds] = await timed(() => seedHistory(t, tpl, plan, tpl.execution.startTime + 1));
  log(
    `  seeded in ${seedSeconds.toFixed(1)} s, ${seed.transactions} transactions of ${fmt(seed.perBatch)} executions ` +
      `(largest wrote ${fmt(seed.largest.documentsWritten)} documents, ${fmt(seed.largest.bytesWritten)} bytes)`,
  );
  timings.push(`seeding ${fmt(total)} executions ${seedSeconds.toFixed(1)} s`);

  // The long log: one more execution of the short-history rule's kind, on a
  // rule of its own, with LONG_LOG lines.
  const longLogRule = `${hotRule}.long-log`;
  const longLogExecution = await t.run(async (ctx) => {
    const at = tpl.execution.startTime + total + 1;
    const id = await ctx.db.insert("ruleExecutions", { ...tpl.execution, ruleId: longLogRule, startTime: at, eventId: "bench-long-log" });
    for (let i = 0; i < LONG_LOG; i++) {
      await ctx.db.insert("ruleExecutionLogs", {
        executionId: id,
        timestamp: at + i,
        level: "info",
        component: "action",
        componentId: "a1",
        message: `Action notify: attempt ${i + 1} answered 429 Too Many Requests, retrying`,
        data: { attempt: i + 1, status: 429, retryAfterMs: 1000 },
      });
    }
    return id;
  });

  // A second instance: the short-history rule alone in the table.
  const alone = componentTest();
  await seedHistory(alone, tpl, [{ ruleId: shortRule, count: SHORT_HISTORY }], tpl.execution.startTime + 1);

  // getRuleExecutions.
  const [ruleRows, ruleSeconds] = await timed(async () => {
    const cases = [
      { t: alone, ruleId: shortRule, executions: SHORT_HISTORY, others: 0 },
      { t, ruleId: shortRule, executions: SHORT_HISTORY, others: inTable - SHORT_HISTORY },
      { t, ruleId: fiftyRule, executions: LIMIT, others: inTable - LIMIT },
      { t, ruleId: hotRule, executions: history, others: inTable - history },
    ];
    const rows = [];
    for (const c of cases) {
      const measured = await ruleExecutions(c.t, c.ruleId);
      expect(measured.result).toHaveLength(Math.min(LIMIT, c.executions));
      checkNewestFirst(measured.result, c.ruleId);
      const baseline = await ruleExecutionsBaseline(c.t, c.ruleId);
      rows.push({ ...c, measured, baseline });
      log(
        `  getRuleExecutions, rule with ${fmt(c.executions)} executions (${fmt(c.others)} others): ` +
          `${measured.metrics.documentsRead} reads; by_rule scan ${baseline.error ? `exceeds limit at ${fmt(baseline.metrics.documentsRead)}` : baseline.metrics.documentsRead}`,
      );
    }
    return rows;
  });
  timings.push(`getRuleExecutions ${ruleSeconds.toFixed(1)} s`);
  const [shortAlone, shortAmong, fifty, hot] = ruleRows;
  const sameShort = shortAlone.measured.metrics.documentsRead === shortAmong.measured.metrics.documentsRead;
  const sameFull = hot.measured.metrics.documentsRead === fifty.measured.metrics.documentsRead;
  expect(sameShort, "getRuleExecutions reads the same with or without 100,000 other executions").toBe(true);
  expect(sameFull, "getRuleExecutions reads the same for 50 and 100,000 executions of the rule").toBe(true);
  // Each execution, and the event it refers to (read once however many share it).
  expect(hot.measured.metrics.documentsRead).toBeLessThanOrEqual(2 * LIMIT);

  // getExecutionLogs.
  const typicalExecution = seed.ids[hotRule][Math.floor(seed.ids[hotRule].length / 2)];
  const [logRows, logSeconds] = await timed(async () => {
    const cases = [
      { label: `an execution of the ${fmt(history)}-execution rule, as execute wrote it`, executionId: typicalExecution, lines: tpl.logs.length, limit: undefined },
      { label: `an execution with ${fmt(LONG_LOG)} log lines`, executionId: longLogExecution, lines: LONG_LOG, limit: undefined },
      { label: `an execution with ${fmt(LONG_LOG)} log lines`, executionId: longLogExecution, lines: LONG_LOG, limit: 50 },
      { label: `an execution with ${fmt(LONG_LOG)} log lines`, executionId: longLogExecution, lines: LONG_LOG, limit: 1000 },
    ];
    const rows = [];
    for (const c of cases) {
      const measured = await executionLogs(t, c.executionId, c.limit);
      expect(measured.result).toHaveLength(Math.min(c.limit ?? 500, c.lines));
      expect(measured.result.every((l: ExecutionLog) => l.executionId === c.executionId)).toBe(true);
      rows.push({ ...c, measured });
      log(`  getExecutionLogs, ${c.label}, limit ${c.limit ?? "default"}: ${measured.metrics.documentsRead} reads`);
    }
    return rows;
  });
  timings.push(`getExecutionLogs ${logSeconds.toFixed(1)} s`);

  // listExecutions pages.
  const integrationExecutions = inTable;
  const [pageRows, pageSeconds] = await timed(async () => {
    const rows = [];
    for (const status of [undefined, "failed"] as const) {
      let cursor: string | null = null;
      for (let page = 1; page <= 3; page++) {
        const measured: Measured<PaginationResult<Execution>> = await listPage(t, status, cursor);
        expect(measured.result.page).toHaveLength(LIMIT);
        checkNewestFirst(measured.result.page);
        if (status !== undefined) expect(measured.result.page.every((e) => e.status === status)).toBe(true);
        rows.push({ status, page, measured });
        log(`  listExecutions ${status ?? "all"} page ${page}: ${measured.metrics.documentsRead} reads`);
        cursor = measured.result.continueCursor;
      }
    }
    return rows;
  });
  timings.push(`listExecutions ${pageSeconds.toFixed(1)} s`);
  const failedCount = [...Array(total).keys()].filter((i) => statusOf(i) === "failed").length;

  const ruleTable: Table = {
    caption: `\`getRuleExecutions({ ruleId, limit: ${LIMIT} })\`: the rule's latest executions, newest first.`,
    columns: [
      "executions of the rule",
      "other executions in the table",
      "returned",
      "documents read",
      "bytes read",
      "index ranges",
      `by_rule scan + sort (seed's index)`,
    ],
    align: ["r", "r", "r", "r", "r", "r", "r"],
    rows: ruleRows.map((r): Cell[] => [
      r.executions,
      r.others,
      r.measured.result.length,
      r.measured.metrics.documentsRead,
      r.measured.metrics.bytesRead,
      r.measured.metrics.databaseQueries,
      r.baseline.error
        ? `exceeds limit (threw at ${fmt(r.baseline.metrics.documentsRead)} reads, ${limitName(r.baseline.error)} limit)`
        : fmt(r.baseline.metrics.documentsRead),
    ]),
  };
  const logTable: Table = {
    caption: `\`getExecutionLogs({ executionId, limit })\` (default limit 500), with ${fmt((total + 1) * tpl.logs.length + LONG_LOG)} log lines in the table.`,
    columns: ["execution", "its log lines", "limit", "returned", "documents read", "bytes read"],
    align: ["l", "r", "r", "r", "r", "r"],
    rows: logRows.map((r): Cell[] => [
      r.label,
      r.lines,
      r.limit ?? "default (500)",
      r.measured.result.length,
      r.measured.metrics.documentsRead,
      r.measured.metrics.bytesRead,
    ]),
  };
  const pageTable: Table = {
    caption:
      `\`listExecutions({ integrationId, status?, paginationOpts: { numItems: ${LIMIT}, cursor } })\`, newest first, ` +
      `in an integration with ${fmt(integrationExecutions)} executions (${fmt(failedCount)} failed).`,
    columns: ["filter", "page", "returned", "documents read", "bytes read", "index ranges"],
    align: ["l", "r", "r", "r", "r", "r"],
    rows: pageRows.map((r): Cell[] => [
      r.status === undefined ? "none" : `status: "${r.status}"`,
      r.page,
      r.measured.result.page.length,
      r.measured.metrics.documentsRead,
      r.measured.metrics.bytesRead,
      r.measured.metrics.databaseQueries,
    ]),
  };

  const maxPageReads = Math.max(...pageRows.map((r) => r.measured.metrics.documentsRead));
  return {
    id: "history",
    title: "History and logs",
    intro: [
      `Documents read by the history queries, each called for real (\`ctx.runQuery\` inside a \`t.run\` transaction, convex-test with ` +
        "`transactionLimits: true`), from the transaction metrics before and after; no figure here is a time.",
      `The history: one execution written by \`execute\` (a monday.com status change whose rule runs; ${tpl.logs.length} log line(s)), ` +
        `the first of ${fmt(history)} executions of its rule, copied ${fmt(total)} times in ${seed.transactions} transactions of ${fmt(seed.perBatch)} executions with their log lines ` +
        `(new start times 1 ms apart, delivery ids, statuses: 90% succeeded, 5% failed, 5% skipped): the rest of the ${fmt(history)}, ` +
        `${LIMIT} executions of another rule and ${SHORT_HISTORY} of a third, interleaved over the same time span, all in one integration. ` +
        `A second instance holds only the ${SHORT_HISTORY} executions of the third rule. One more execution has ${fmt(LONG_LOG)} log lines.`,
    ],
    tables: [ruleTable, logTable, pageTable],
    notes: [
      `getRuleExecutions reads what it returns, each execution and the stored event it refers to (one here, shared): ${shortAmong.measured.metrics.documentsRead} documents for a rule with ${SHORT_HISTORY} executions, ` +
        `with or without ${fmt(shortAmong.others)} other executions in the table (${sameShort ? "the same: PASS" : "different: FAIL"}); ` +
        `${hot.measured.metrics.documentsRead} for a rule with ${fmt(history)} executions, as for one with exactly ${LIMIT} ` +
        `(${sameFull ? "the same: PASS" : "different: FAIL"}). ` +
        `Through the seed's \`by_rule\` index (no start time in it) the query would have to read every execution of the rule to sort them: ` +
        (hot.baseline.error
          ? `with ${fmt(history)} it cannot run (convex-test stopped it at ${fmt(hot.baseline.metrics.documentsRead)} documents, the ${limitName(hot.baseline.error)} limit).`
          : `${fmt(hot.baseline.metrics.documentsRead)} documents with ${fmt(history)} executions.`),
      `getExecutionLogs reads the lines it returns, up to its limit, whatever the size of the log table. ` +
        `listExecutions reads at most ${maxPageReads} documents per page of ${LIMIT}, on page 3 as on page 1, with or without a status filter ` +
        `(the status filter is an index range: ${fmt(failedCount)} failed executions among ${fmt(integrationExecutions)} cost no more per page).`,
    ],
    timings,
  };
}
