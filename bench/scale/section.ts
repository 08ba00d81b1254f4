/**
 * Section "Dispatch at scale": thousands of candidates for one event, event
 * size times candidates, and routing of rules that list several boards,
 * beside the figures measured on the engine before dispatch continued in
 * batches (commit be83295). Every instance runs with half of Convex's
 * limits, so any transaction over 50% of one fails the section.
 */
import { expect } from "vitest";
import { componentTest, HALF_LIMITS, timed, type Metrics, type Share } from "../lib/convex.js";
import { fmt, type Cell, type Section, type Table } from "../lib/report.js";
import { measureExecute, measureLookup, primeIntegration, scopeOf, warmUp } from "../dispatch/measure.js";
import { seedRules, verifySeed } from "../dispatch/seed.js";
import { HANDLERS, ruleInput, statusEvent } from "../dispatch/workload.js";
import { TARGET_EXTRA_READS } from "../dispatch/section.js";
import type { RuleInput } from "../../src/shared.js";
import {
  continuationStates,
  dispatch,
  executionsOf,
  observeContinuations,
  storedWhole,
  type Dispatch,
  type Observed,
  type Transaction,
} from "./measure.js";

const BEFORE = "before (commit be83295)";
/** Every dispatch here may run this many rules (the most `execute` allows). */
const MAX_RULES_PER_EVENT = 1_000;
/** Seeding transactions stay well inside the halved limits (1,500 rules each). */
const SEED_WRITES = 3_000;
const KB = 1_024;

/**
 * The workloads, full and quick. convex-test takes about 30 ms per
 * candidate here (its index queries scan whole tables), so quick mode keeps
 * one dispatch that still needs continuations and leaves out the
 * 1,000-candidate and 83.5 KB rows.
 */
const WORKLOADS = {
  full: {
    /** Part 1: candidates for one event on one board. */
    many: [2_500, 10_000],
    /** Part 2: candidates x event size. */
    writeCandidates: [1, 10, 40, 100, 1_000],
    runCandidates: [1, 10, 40, 100],
    eventSizes: [40 * KB, 83.5 * KB, 250 * KB],
  },
  quick: {
    many: [600],
    writeCandidates: [1, 10, 100],
    runCandidates: [1, 10, 100],
    eventSizes: [40 * KB, 250 * KB],
  },
};
type Workload = (typeof WORKLOADS)["full"];
/** Part 3: rules listing two boards. */
const PAIR_RULES = 1_000;

const BOARD = 1_900_000_000;

/** The section's instances: halved limits, continuations observed. */
function scaleTest() {
  const observed: Observed = { continuations: [] };
  return { t: componentTest({ limits: HALF_LIMITS, wrap: observeContinuations(observed) }), observed };
}

function* boardRules(integrationId: string, boardId: number, count: number): Generator<RuleInput> {
  for (let k = 0; k < count; k++) yield ruleInput(integrationId, boardId, k);
}

/** A status event padded to `bytes` of JSON; `done` makes every rule's condition hold. */
function sizedEvent(boardId: number, done: boolean, delivery: string, bytes?: number) {
  const event = statusEvent(boardId, done, delivery);
  if (bytes === undefined) return event;
  const padding = Math.max(0, bytes - JSON.stringify({ ...event, padding: "" }).length);
  return { ...event, padding: "x".repeat(padding) };
}

function kb(bytes: number): string {
  return `${fmt(Math.round((bytes / KB) * 10) / 10)} KB`;
}

function percent(share: Share): string {
  return `${(share.share * 100).toFixed(1)}% (${share.metric}: ${fmt(share.used)} of ${fmt(share.limit)})`;
}

function largest(shares: Share[]): Share | undefined {
  return shares.reduce<Share | undefined>((a, b) => (a === undefined || b.share > a.share ? b : a), undefined);
}

function succeeded(continuations: Transaction[]): Array<{ metrics: Metrics; share: Share }> {
  const failed = continuations.filter((c) => "error" in c);
  if (failed.length > 0) throw new Error(`a continuation failed: ${JSON.stringify(failed[0])}`);
  return continuations as Array<{ metrics: Metrics; share: Share }>;
}

/** Dispatches `event` to completion and checks one record per candidate, in run order. */
async function dispatchAll(
  scale: ReturnType<typeof scaleTest>,
  integrationId: string,
  event: ReturnType<typeof sizedEvent>,
  ruleIds: string[],
): Promise<Dispatch & { executions: Awaited<ReturnType<typeof executionsOf>>; runs: Array<{ metrics: Metrics; share: Share }> }> {
  const { t, observed } = scale;
  const before = await continuationStates(t);
  const outcome = await dispatch(
    t,
    observed,
    {
      ...scopeOf(integrationId),
      event,
      eventId: event.triggerUuid,
      handlers: HANDLERS,
      // Skipped rules store no log line whatever the level; WARN keeps the
      // engine's per-batch INFO line (thousands of executions) off the terminal.
      options: { maxRulesPerEvent: MAX_RULES_PER_EVENT, logLevel: "WARN" },
    },
    true,
  );
  if ("error" in outcome) throw new Error(`dispatch of ${ruleIds.length} candidates failed: ${outcome.error}`);
  const runs = succeeded(outcome.continuations);
  const after = await continuationStates(t);
  expect((after.success ?? 0) - (before.success ?? 0), "continuations convex-test ran").toBe(runs.length);
  expect(after.pending ?? 0, "continuations left").toBe(0);
  const executions = await executionsOf(t, outcome.eventRef);
  expect(executions.map((e) => e.ruleId), "one execution per candidate, in run order").toEqual(ruleIds);
  return { ...outcome, executions, runs };
}

type ManyRow = {
  candidates: number;
  executions: number;
  evaluated: number;
  refused: number;
  transactions: number;
  firstBatch: number;
  first: Share;
  continuation: Share | undefined;
};

async function manyCandidates(count: number, log: (line: string) => void, timings: string[]): Promise<ManyRow> {
  const scale = scaleTest();
  const integrationId = `bench-scale-${count}`;
  const [, seedSeconds] = await timed(() => seedRules(scale.t, boardRules(integrationId, BOARD, count), SEED_WRITES));
  const ruleIds = [...boardRules(integrationId, BOARD, count)].map((r) => r.id as string);
  const event = sizedEvent(BOARD, false, `bench-scale-${count}`);
  const [d, seconds] = await timed(() => dispatchAll(scale, integrationId, event, ruleIds));
  timings.push(`${fmt(count)} candidates: seeding ${seedSeconds.toFixed(1)} s, dispatch ${seconds.toFixed(1)} s`);
  expect(d.executions.every((e) => e.status === "skipped")).toBe(true);
  const refused = d.executions.filter((e) => e.error !== undefined).length;
  const row: ManyRow = {
    candidates: count,
    executions: d.executions.length,
    evaluated: d.executions.length - refused,
    refused,
    transactions: 1 + d.runs.length,
    firstBatch: d.results.length,
    first: d.first.share,
    continuation: largest(d.runs.map((r) => r.share)),
  };
  log(
    `scale: ${fmt(count)} candidates -> ${fmt(row.executions)} executions in ${row.transactions} transactions; ` +
      `first ${percent(row.first)}`,
  );
  return row;
}

type WriteRow = {
  candidates: number;
  eventBytes: number;
  outcome: { error: string } | { total: Metrics; transactions: number; whole: boolean; executions: number };
};

type RunRow = { candidates: number; eventBytes: number; outcome: { error: string } | { metrics: Metrics; share: Share } };

/**
 * One board per count in one integration, primed for the steady state.
 * `workpool`: also warm workpool up (for events that queue actions); never
 * with continuations run, as its loop would then try the warm-up's action.
 */
async function boardsInstance(integrationId: string, counts: number[], workpool: boolean) {
  const scale = scaleTest();
  const boards = counts.map((count, i) => ({ count, boardId: BOARD + 1 + i }));
  await seedRules(
    scale.t,
    (function* () {
      for (const b of boards) yield* boardRules(integrationId, b.boardId, b.count);
    })(),
    SEED_WRITES,
  );
  if (workpool) await warmUp(scale.t);
  await primeIntegration(scale.t, integrationId);
  return { scale, boards };
}

/** One event per (event size, board), each a delivery of its own; `done`: the rules' conditions hold. */
function* sizedEvents(boards: Array<{ count: number; boardId: number }>, sizes: number[], done: boolean) {
  let delivery = 0;
  for (const bytes of sizes) {
    for (const board of boards) {
      yield { ...board, bytes, event: sizedEvent(board.boardId, done, `bench-scale-${done ? "r" : "w"}${++delivery}`, bytes) };
    }
  }
}

async function writesPerEvent(w: Workload, log: (line: string) => void): Promise<WriteRow[]> {
  const integrationId = "bench-scale-writes";
  const { scale, boards } = await boardsInstance(integrationId, w.writeCandidates, false);
  const rows: WriteRow[] = [];
  for (const { count, boardId, bytes, event } of sizedEvents(boards, w.eventSizes, false)) {
    const ruleIds = [...boardRules(integrationId, boardId, count)].map((r) => r.id as string);
    const d = await dispatchAll(scale, integrationId, event, ruleIds);
    expect(d.executions.every((e) => e.status === "skipped" && e.error === undefined), "every candidate evaluated").toBe(true);
    const whole = await storedWhole(scale.t, d.eventRef, event);
    rows.push({
      candidates: count,
      eventBytes: JSON.stringify(event).length,
      outcome: { total: d.total, transactions: 1 + d.runs.length, whole, executions: d.executions.length },
    });
    log(`scale: ${fmt(count)} skipped x ${kb(bytes)}: ${fmt(d.total.documentsWritten)} writes, ${fmt(d.total.bytesWritten)} bytes`);
  }
  return rows;
}

/**
 * Candidates whose conditions hold, first transaction only: scheduled
 * functions stay held, so workpool never tries to run the (absent) handler.
 * Every count here fits one batch (checked).
 */
async function writesPerRun(w: Workload, log: (line: string) => void): Promise<RunRow[]> {
  const integrationId = "bench-scale-runs";
  const { scale, boards } = await boardsInstance(integrationId, w.runCandidates, true);
  const rows: RunRow[] = [];
  for (const { count, bytes, event } of sizedEvents(boards, w.eventSizes, true)) {
    const outcome = await dispatch(
      scale.t,
      scale.observed,
      { ...scopeOf(integrationId), event, eventId: event.triggerUuid, handlers: HANDLERS, options: { maxRulesPerEvent: MAX_RULES_PER_EVENT } },
      false,
    );
    const eventBytes = JSON.stringify(event).length;
    if ("error" in outcome) {
      rows.push({ candidates: count, eventBytes, outcome });
      continue;
    }
    expect(outcome.results.map((r) => r.status), "every candidate runs, in the first batch").toEqual(Array(count).fill("running"));
    rows.push({ candidates: count, eventBytes, outcome: outcome.first });
    log(`scale: ${fmt(count)} running x ${kb(bytes)}: ${fmt(outcome.first.metrics.documentsWritten)} writes`);
  }
  expect((await continuationStates(scale.t)).pending ?? 0, "no continuation for these counts").toBe(0);
  return rows;
}

type PairRow = { rules: number; boards: number; candidates: number; lookup: number; run: number; skip: number };

async function twoBoards(log: (line: string) => void): Promise<PairRow> {
  const { t } = scaleTest();
  const integrationId = "bench-scale-pairs";
  // Rule i lists boards p and p + 1 (p = i / 2 rounded down): inner boards
  // are in 4 rules, the two outer ones in 2.
  const pairRule = (i: number): RuleInput => {
    const a = BOARD + Math.floor(i / 2);
    return { ...ruleInput(integrationId, a, i), triggerPattern: { boardId: [a, a + 1], columnId: ["status"] } };
  };
  const inputs = Array.from({ length: PAIR_RULES }, (_, i) => pairRule(i));
  await seedRules(t, inputs, SEED_WRITES);
  await verifySeed(t, [inputs[0], inputs[inputs.length - 1]], [integrationId]);
  await warmUp(t);
  await primeIntegration(t, integrationId);
  const board = BOARD + PAIR_RULES / 4;
  const scope = scopeOf(integrationId);
  const done = statusEvent(board, true, "bench-scale-pair-done");
  const notDone = statusEvent(board, false, "bench-scale-pair-not-done");
  const lookup = await measureLookup(t, scope, done);
  const expected = inputs.filter((r) => (r.triggerPattern as { boardId: number[] }).boardId.includes(board)).map((r) => r.id);
  expect(lookup.ruleIds, "candidates: the rules listing the board").toEqual(expected);
  const run = await measureExecute(t, scope, done, done.triggerUuid);
  const skip = await measureExecute(t, scope, notDone, notDone.triggerUuid);
  expect(run.results.map((r) => r.status)).toEqual(expected.map(() => "running"));
  expect(skip.results.map((r) => r.status)).toEqual(expected.map(() => "skipped"));
  const row = {
    rules: PAIR_RULES,
    boards: PAIR_RULES / 2 + 1,
    candidates: expected.length,
    lookup: lookup.metrics.documentsRead,
    run: run.metrics.documentsRead,
    skip: skip.metrics.documentsRead,
  };
  log(`scale: two-board rules: ${row.candidates} candidates, lookup reads ${row.lookup}, execute ${row.run} / ${row.skip}`);
  return row;
}

export async function scaleSection(quick: boolean, log: (line: string) => void): Promise<Section> {
  const w = quick ? WORKLOADS.quick : WORKLOADS.full;
  const timings: string[] = [];
  const many: ManyRow[] = [];
  for (const count of w.many) many.push(await manyCandidates(count, log, timings));
  const [writes, writeSeconds] = await timed(() => writesPerEvent(w, log));
  timings.push(`writes per event ${writeSeconds.toFixed(1)} s`);
  const [runs, runSeconds] = await timed(() => writesPerRun(w, log));
  timings.push(`running candidates ${runSeconds.toFixed(1)} s`);
  const [pairs, pairSeconds] = await timed(() => twoBoards(log));
  timings.push(`two-board routing ${pairSeconds.toFixed(1)} s`);
  const model = writeModel(w, writes, runs);
  return {
    id: "scale",
    title: "Dispatch at scale",
    intro: intro(),
    tables: [manyTable(many), writesTable(writes), runsTable(runs), modelTable(w, model), pairsTable(pairs)],
    notes: notes(many, model, quick),
    timings,
  };
}

const MANY_BEFORE: Record<number, string> = {
  2_500: "2,000 executions recorded, 500 rules got nothing (MAX_CANDIDATE_ROUTES = 2000); 1 transaction",
};

function manyTable(rows: ManyRow[]): Table {
  return {
    caption:
      `Candidates for one event on one board (conditions fail; maxRulesPerEvent ${fmt(MAX_RULES_PER_EVENT)}, so the first ` +
      `${fmt(MAX_RULES_PER_EVENT)} are evaluated and the rest refused, each with a record saying so).`,
    columns: [
      "candidate rules",
      "executions recorded",
      "evaluated",
      "refused by maxRulesPerEvent",
      "rules with no record",
      "in the first transaction",
      "transactions (1 + continuations)",
      "first transaction: largest share of a limit",
      "any continuation: largest share",
      BEFORE,
    ],
    rows: rows.map((r) => [
      r.candidates,
      r.executions,
      r.evaluated,
      r.refused,
      r.candidates - r.executions,
      r.firstBatch,
      r.transactions,
      percent(r.first),
      r.continuation ? percent(r.continuation) : "none",
      MANY_BEFORE[r.candidates] ?? "not measured (its cap records at most 2,000)",
    ]),
    align: ["r", "r", "r", "r", "r", "r", "r", "l", "l", "l"],
  };
}

/** What the issue's measurements said for these (candidates, event size) pairs. */
function writesBefore(candidates: number, eventBytes: number): string {
  const size = Math.round(eventBytes / KB);
  if ((candidates === 100 && size === 84) || (candidates === 40 && size === 250)) {
    return `threw "Wrote too much data" (16 MiB): nothing recorded`;
  }
  if ((candidates === 100 && size === 250) || (candidates === 1_000 && size === 40)) {
    return "no throw, but the stored event replaced by a truncation marker";
  }
  if (size === 40 && candidates === 10) return "21 writes (10 skipped candidates)";
  if (size === 40 && candidates === 100) return "201 writes (100 skipped candidates)";
  return "-";
}

function writesTable(rows: WriteRow[]): Table {
  return {
    caption:
      "Documents and bytes written per event, summed over every transaction of its dispatch; every candidate's conditions fail " +
      "(recorded as skipped, with its explanation).",
    columns: [
      "skipped candidates",
      "event",
      "transactions",
      "docs written",
      "bytes written",
      "docs written - candidates",
      "executions recorded",
      "event stored whole",
      BEFORE,
    ],
    rows: rows.map((r): Cell[] =>
      "error" in r.outcome
        ? [r.candidates, kb(r.eventBytes), "-", `threw: ${r.outcome.error}`, "-", "-", 0, "-", writesBefore(r.candidates, r.eventBytes)]
        : [
            r.candidates,
            kb(r.eventBytes),
            r.outcome.transactions,
            r.outcome.total.documentsWritten,
            r.outcome.total.bytesWritten,
            r.outcome.total.documentsWritten - r.candidates,
            r.outcome.executions,
            r.outcome.whole ? "yes" : "NO",
            writesBefore(r.candidates, r.eventBytes),
          ],
    ),
    align: ["r", "r", "r", "r", "r", "r", "r", "l", "l"],
  };
}

function runsTable(rows: RunRow[]): Table {
  return {
    caption:
      "Candidates whose conditions hold (one action each: execution, log line, workpool item): the first transaction only, " +
      "scheduled functions held; every count fits in it.",
    columns: ["running candidates", "event", "docs written", "bytes written", "largest share of a limit"],
    rows: rows.map((r): Cell[] =>
      "error" in r.outcome
        ? [r.candidates, kb(r.eventBytes), `threw: ${r.outcome.error}`, "-", "-"]
        : [r.candidates, kb(r.eventBytes), r.outcome.metrics.documentsWritten, r.outcome.metrics.bytesWritten, percent(r.outcome.share)],
    ),
    align: ["r", "r", "r", "r", "l"],
  };
}

type Line = { perRule: number; constant: number; residual: number };
type Model = { run: Line; skip: Line };

/** A straight line through the (candidates, writes) points: slope from the ends, worst miss of the others. */
function fit(points: Array<[number, number]>): Line {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const [x0, y0] = sorted[0];
  const [x1, y1] = sorted[sorted.length - 1];
  const perRule = x1 === x0 ? NaN : (y1 - y0) / (x1 - x0);
  const constant = y0 - perRule * x0;
  const residual = Math.max(...sorted.map(([x, y]) => Math.abs(y - (constant + perRule * x))));
  return { perRule, constant, residual };
}

function writeModel(w: Workload, writes: WriteRow[], runs: RunRow[]): Model {
  const smallest = Math.min(...w.eventSizes);
  const atSize = <T extends { eventBytes: number }>(rows: T[]) =>
    rows.filter((r) => Math.abs(r.eventBytes - smallest) < KB);
  const skip = atSize(writes).flatMap((r): Array<[number, number]> =>
    "error" in r.outcome ? [] : [[r.candidates, r.outcome.total.documentsWritten]],
  );
  const run = atSize(runs).flatMap((r): Array<[number, number]> =>
    "error" in r.outcome ? [] : [[r.candidates, r.outcome.metrics.documentsWritten]],
  );
  return { run: fit(run), skip: fit(skip) };
}

function modelTable(w: Workload, model: Model): Table {
  const row = (what: string, line: Line, from: string): Cell[] => [what, line.perRule, line.constant, line.residual, from];
  return {
    caption: `Writes per event = rules run x (what a run needs) + rules skipped x 1 + a constant: fitted to the ${kb(Math.min(...w.eventSizes))} rows above.`,
    columns: ["", "writes per rule", "constant", "largest miss of the line", "from"],
    rows: [
      row("rule run", model.run, `running candidates ${w.runCandidates.map(fmt).join(" / ")} (first transaction)`),
      row("rule skipped", model.skip, `skipped candidates ${w.writeCandidates.map(fmt).join(" / ")} (all transactions)`),
    ],
    align: ["l", "r", "r", "r", "l"],
  };
}

function pairsTable(r: PairRow): Table {
  const target = r.candidates + TARGET_EXTRA_READS;
  const pass = (reads: number) => (reads <= target ? "PASS" : "FAIL");
  return {
    caption:
      "Rules listing two boards: each rule's pattern is `{ boardId: [p, p + 1], columnId: [\"status\"] }` for consecutive pairs, " +
      "an event for an inner board.",
    columns: ["rules", "boards", "candidates", "findCandidates reads", "execute reads (conditions hold)", "execute reads (conditions fail)", "target (candidates + 10)", "pass", BEFORE],
    rows: [
      [
        r.rules,
        r.boards,
        r.candidates,
        r.lookup,
        r.run,
        r.skip,
        target,
        `${pass(r.lookup)} / ${pass(r.run)} / ${pass(r.skip)}`,
        "1,003 reads for 4 matching rules",
      ],
    ],
    align: ["r", "r", "r", "r", "r", "r", "r", "l", "l"],
  };
}

function intro(): string[] {
  return [
    "Dispatch of one event with thousands of candidates, with large events, and with rules that list several boards. " +
      `The column *${BEFORE}* holds the figures measured on the engine before dispatch was split into batches (one ` +
      "transaction per event, a copy of the event per execution, a cap of 2,000 candidates); they are quoted, not re-measured.",
    "How: convex-test with HALF of Convex's transaction limits (`transactionLimits` set to 50% of each: documents and bytes " +
      "read and written, index ranges, functions scheduled and their argument bytes), so every transaction shown is proven " +
      "under 50% of each limit or the section fails. The first transaction of a dispatch is `execute`'s handler run inside " +
      "`t.run`, its usage read with `ctx.meta.getTransactionMetrics()` at its end; continuations (`continueDispatch`) run as " +
      "convex-test schedules them (`finishAllScheduledFunctions`), each recording its own metrics through a wrapper around the " +
      "unchanged function, and their number is checked against `_scheduled_functions`. Shares are of Convex's own limits. " +
      "Executions are read back through `by_event_ref` and must be one per candidate, in run order. Rules are the dispatch " +
      "section's (one field condition, one action), seeded directly as it does; events are its status event, padded with one " +
      "string field to the size shown (KB = 1,024 bytes of JSON). No figure here is a time.",
  ];
}

function notes(many: ManyRow[], model: Model, quick: boolean): string[] {
  const out: string[] = [];
  const complete = many.every((r) => r.executions === r.candidates);
  out.push(
    complete
      ? `Every candidate got a record: ${many.map((r) => `${fmt(r.candidates)} candidates in ${r.transactions} transactions`).join(", ")}.`
      : "Some candidates got no record (see the table).",
  );
  if (quick) {
    out.push(
      `Quick mode: ${fmt(WORKLOADS.quick.many[0])} candidates stand for the full run's ${WORKLOADS.full.many.map(fmt).join(" and ")}; ` +
        "the 1,000-candidate, 40-candidate and 83.5 KB rows are measured by the full run only.",
    );
  }
  out.push(
    `Fitted: a rule run costs ${fmt(model.run.perRule)} writes (its execution, its log lines, its workpool item) and a skipped rule ` +
      `${fmt(model.skip.perRule)}, on top of a constant of ${fmt(model.run.constant)} (events that run rules) or ${fmt(model.skip.constant)} ` +
      "(events whose rules are all skipped) - among them the stored event and the delivery id (`processedEvents`). " +
      "A row one write above the line is the trigger's activity row, refreshed when its last event is older than its resolution " +
      "(time-dependent, `noteEvent` in health.ts).",
  );
  out.push("CPU per candidate of the pure dispatch path against json-logic-js is in the evaluation section.");
  return out;
}
