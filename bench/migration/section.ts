/// <reference types="vite/client" />
/**
 * Section "Migrating legacy mondayRules": what each batch of
 * the example app's `migration:migrateMondayRules` (the host mutation built by
 * `rules.mondayMigration`) reads and writes, from transaction metrics (never
 * time), and how many batches 10,000 legacy rows take.
 *
 * The chain runs as it would on a deployment, one batch per transaction, but
 * the bench drives it: each batch is the exported mutation called through
 * `ctx.runMutation` inside a `t.run` transaction that reads
 * `ctx.meta.getTransactionMetrics()` after it (the batch is all the
 * transaction does); the next batch the mutation scheduled is taken from
 * `_scheduled_functions` (cancelled there) and run the same way, with the
 * arguments the mutation gave it.
 */
import { convexTest } from "convex-test";
import { expect } from "vitest";
import type { TransactionMetrics } from "convex/server";
import samples from "../../example/fixtures/legacy-monday-rules.json";
import schema from "../../example/convex/schema.js";
import { internal } from "../../example/convex/_generated/api.js";
import type { Doc, Id } from "../../example/convex/_generated/dataModel.js";
import { LEGACY_WORKSPACE } from "../../example/convex/migration.js";
import { rules } from "../../example/convex/rules.js";
import { register } from "../../src/test.js";
import { metricsDiff, metricsNow, timed, type Metrics } from "../lib/convex.js";
import { fmt, type Cell, type Section, type Table } from "../lib/report.js";

export const FULL_ROWS = 10_000;
export const QUICK_ROWS = 2_000;
/** Boards the generated rows are spread over. */
const BOARDS = 700;
/** Legacy rows per seeding transaction. */
const SEED_CHUNK = 5_000;
const RULE_ID_PREFIX = "legacy-monday-";

/**
 * The legacy types LEGACY-MONDAY-RULES.md documents. A row with any other
 * trigger or action type cannot be mapped: the bench's expectation of the
 * unmapped rows, written independently of the mapping.
 */
const DOCUMENTED_TRIGGERS = new Set([
  "status_change",
  "column_change",
  "item_created",
  "item_moved",
  "update_created",
  "date_arrived",
  "every_time_period",
]);
const DOCUMENTED_ACTIONS = new Set(["notify", "change_status", "move_to_group", "create_item", "create_update", "webhook"]);

type LegacyRow = Omit<Doc<"mondayRules">, "_id" | "_creationTime">;
const SAMPLES = samples as LegacyRow[];

const hostModules = import.meta.glob(["../../example/convex/**/*.ts", "!../../example/convex/**/*.test.ts"]);

function hostTest() {
  const t = convexTest({ schema, modules: hostModules, transactionLimits: true });
  register(t);
  return t;
}
type HostTest = ReturnType<typeof hostTest>;

/** The sample rows varied over {@link BOARDS} boards, as in example/convex/migration.test.ts. */
export function generated(n: number): LegacyRow[] {
  return Array.from({ length: n }, (_, i) => {
    const sample = SAMPLES[i % SAMPLES.length];
    return { ...sample, name: `${sample.name} #${i}`, boardId: String(5_000_000 + (i % BOARDS)) };
  });
}

function unmappable(row: LegacyRow): boolean {
  const actions = [row.actionType, ...(row.extraActions ?? []).map((a) => a.type)];
  return !DOCUMENTED_TRIGGERS.has(row.triggerType) || actions.some((type) => !DOCUMENTED_ACTIONS.has(type));
}

const LIMIT_KEYS = ["documentsRead", "bytesRead", "documentsWritten", "bytesWritten", "databaseQueries"] as const;
type LimitKey = (typeof LIMIT_KEYS)[number];
const LIMIT_NAMES: Record<LimitKey, string> = {
  documentsRead: "documents read",
  bytesRead: "bytes read",
  documentsWritten: "documents written",
  bytesWritten: "bytes written",
  databaseQueries: "index ranges",
};

type MigrationArgs = { batchSize?: number; force?: boolean; adapt?: boolean };
type BatchResult = {
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  unmapped: number;
  isDone: boolean;
  alreadyComplete: boolean;
  batchSize: number;
  scheduled: boolean;
  nextBatchSize?: number;
  error?: string;
};
type Share = { limit: LimitKey; share: number; used: number; of: number };
type Batch = { args: MigrationArgs; result: BatchResult; metrics: Metrics; largest: Share };

/** The largest share of any transaction limit the transaction used. */
function largestShare(raw: TransactionMetrics): Share {
  let best: Share | null = null;
  for (const key of LIMIT_KEYS) {
    const { used, remaining } = raw[key];
    const of = used + remaining;
    const share = of > 0 ? used / of : 0;
    if (best === null || share > best.share) best = { limit: key, share, used, of };
  }
  return best!;
}

async function seed(t: HostTest, rows: LegacyRow[]): Promise<Id<"mondayRules">[]> {
  const ids: Id<"mondayRules">[] = [];
  for (let i = 0; i < rows.length; i += SEED_CHUNK) {
    const chunk = rows.slice(i, i + SEED_CHUNK);
    ids.push(
      ...(await t.run(async (ctx) => {
        const out: Id<"mondayRules">[] = [];
        for (const row of chunk) out.push(await ctx.db.insert("mondayRules", row));
        return out;
      })),
    );
  }
  return ids;
}

/** One batch: the exported mutation, alone in its transaction, measured. */
async function runBatch(t: HostTest, args: MigrationArgs): Promise<Batch> {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    const result: BatchResult = await ctx.runMutation(internal.migration.migrateMondayRules, args);
    const raw = await ctx.meta.getTransactionMetrics();
    return { args, result, metrics: metricsDiff(await metricsNow(ctx), before), largest: largestShare(raw) };
  });
}

/** The batch the last one scheduled (cancelled in the scheduler: the bench runs it). */
async function takeScheduled(t: HostTest): Promise<MigrationArgs[]> {
  return await t.run(async (ctx) => {
    const out: MigrationArgs[] = [];
    // A handful of documents: one per batch so far.
    for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
      if (job.state.kind !== "pending") continue;
      expect(job.name, "the only function the migration schedules is itself").toMatch(/^migration(\.js)?:migrateMondayRules$/);
      out.push(job.args[0] as MigrationArgs);
      await ctx.scheduler.cancel(job._id);
    }
    return out;
  });
}

/** Runs the whole migration, batch after batch, as the scheduler would. */
async function migrate(t: HostTest, log: (line: string) => void): Promise<Batch[]> {
  const batches: Batch[] = [];
  let args: MigrationArgs | null = {};
  let processed = 0;
  while (args !== null) {
    const batch = await runBatch(t, args);
    expect(batch.result.error, `batch ${batches.length + 1} failed`).toBeUndefined();
    batches.push(batch);
    processed += batch.result.processed;
    const next = await takeScheduled(t);
    if (batch.result.scheduled) {
      expect(next, "a batch that is not the last schedules exactly one more").toEqual([
        { batchSize: batch.result.nextBatchSize, adapt: true },
      ]);
      args = next[0];
    } else {
      expect(next, "the last batch schedules nothing").toEqual([]);
      expect(batch.result.isDone).toBe(true);
      args = null;
    }
    if (batches.length % 5 === 0 || args === null) {
      log(`  batch ${batches.length}: ${batch.result.processed} rows (${fmt(processed)} so far), next ${batch.result.nextBatchSize ?? "none"}`);
    }
  }
  return batches;
}

type RuleSummary = { ruleId: string; enabled: boolean; unmapped: boolean };

/** Every migrated rule, through the client (pages of 1,000). */
async function allRules(t: HostTest): Promise<RuleSummary[]> {
  const out: RuleSummary[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: RuleSummary[]; continueCursor: string; isDone: boolean } = await t.run(async (ctx) => {
      const result = await rules.list(ctx, {
        integrationId: "monday",
        namespace: LEGACY_WORKSPACE,
        paginationOpts: { numItems: 1000, cursor },
      });
      return {
        ...result,
        page: result.page.map((r) => ({
          ruleId: r.ruleId as string,
          enabled: r.enabled,
          unmapped: typeof (r.metadata as { migration?: { unmappedReason?: unknown } }).migration?.unmappedReason === "string",
        })),
      };
    });
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export async function migrationSection(quick: boolean, log: (line: string) => void): Promise<Section> {
  const rows = quick ? QUICK_ROWS : FULL_ROWS;
  const timings: string[] = [];
  const t = hostTest();
  const legacy = generated(rows);
  const expectedUnmapped = legacy.filter(unmappable).length;

  log(`migration: seeding ${fmt(rows)} legacy mondayRules rows over ${BOARDS} boards...`);
  const [ids, seedSeconds] = await timed(() => seed(t, legacy));
  timings.push(`seeding ${fmt(rows)} rows ${seedSeconds.toFixed(1)} s`);

  log(`migration: running migration:migrateMondayRules batch by batch...`);
  const [batches, migrateSeconds] = await timed(() => migrate(t, log));
  timings.push(`migrating ${fmt(rows)} rows in ${batches.length} batches ${migrateSeconds.toFixed(1)} s`);

  // Every row migrated exactly once, the unmapped ones as expected.
  const run = await t.query(internal.migration.mondayMigrationStatus, {});
  expect(run, "the run").toMatchObject({
    name: "monday-rules-to-generic",
    processed: rows,
    created: rows,
    updated: 0,
    unchanged: 0,
    unmapped: expectedUnmapped,
    batches: batches.length,
    completedAt: expect.any(Number),
  });
  expect(run?.lastError).toBeUndefined();
  const sum = (f: (b: Batch) => number) => batches.reduce((s, b) => s + f(b), 0);
  expect(sum((b) => b.result.processed), "rows processed over the batches").toBe(rows);
  expect(sum((b) => b.result.created), "rules created over the batches").toBe(rows);
  expect(sum((b) => b.result.updated + b.result.unchanged), "rows seen twice").toBe(0);
  expect(sum((b) => b.result.unmapped), "unmapped rows over the batches").toBe(expectedUnmapped);
  const [migrated, checkSeconds] = await timed(() => allRules(t));
  timings.push(`listing the ${fmt(migrated.length)} rules ${checkSeconds.toFixed(1)} s`);
  expect(migrated, "one rule per legacy row").toHaveLength(rows);
  expect(migrated.map((r) => r.ruleId), "the rules, in legacy order, by derived id").toEqual(
    ids.map((id) => `${RULE_ID_PREFIX}${id}`),
  );
  const unmappedRules = migrated.filter((r) => r.unmapped);
  expect(
    unmappedRules.map((r) => r.ruleId),
    "the unmapped rules are the rows of undocumented types",
  ).toEqual(ids.filter((_, i) => unmappable(legacy[i])).map((id) => `${RULE_ID_PREFIX}${id}`));
  expect(unmappedRules.every((r) => !r.enabled), "unmapped rules are disabled").toBe(true);

  // A second call: the run is complete, nothing is written.
  const again = await runBatch(t, {});
  expect(again.result).toMatchObject({ alreadyComplete: true, processed: 0, scheduled: false });
  expect(again.metrics.documentsWritten, "a second run writes nothing").toBe(0);
  expect(await takeScheduled(t)).toEqual([]);
  expect(await t.query(internal.migration.mondayMigrationStatus, {})).toEqual(run);

  const sizes = batches.map((b) => b.result.batchSize);
  const metric = (label: string, values: number[]): Cell[] => [
    label,
    Math.min(...values),
    // Counts stay whole (the median of an even number of batches is a mean of two).
    values.every(Number.isInteger) ? Math.round(median(values)) : median(values),
    Math.max(...values),
  ];
  const perRow = (key: keyof Metrics) =>
    batches.filter((b) => b.result.processed > 0).map((b) => b.metrics[key] / b.result.processed);
  const perBatch: Table = {
    caption:
      `Per batch of \`migration:migrateMondayRules\` (${batches.length} batches for ${fmt(rows)} rows), ` +
      "each its own transaction: minimum, median and maximum over the batches.",
    columns: ["per batch", "min", "median", "max"],
    align: ["l", "r", "r", "r"],
    rows: [
      metric("legacy rows in the batch", batches.map((b) => b.result.processed)),
      metric("documents read", batches.map((b) => b.metrics.documentsRead)),
      metric("bytes read", batches.map((b) => b.metrics.bytesRead)),
      metric("documents written", batches.map((b) => b.metrics.documentsWritten)),
      metric("bytes written", batches.map((b) => b.metrics.bytesWritten)),
      metric("index ranges", batches.map((b) => b.metrics.databaseQueries)),
      metric("documents read per row", perRow("documentsRead")),
      metric("documents written per row", perRow("documentsWritten")),
    ],
  };
  const worst = batches.reduce((a, b) => (b.largest.share > a.largest.share ? b : a));
  const shares = batches.map((b) => b.largest.share);
  const shareTable: Table = {
    caption: "The largest share of any Convex transaction limit a batch used (and which limit).",
    columns: ["", "min", "median", "max", "limit at the max"],
    align: ["l", "r", "r", "r", "l"],
    rows: [
      [
        "largest share of a limit",
        pct(Math.min(...shares)),
        pct(median(shares)),
        pct(worst.largest.share),
        `${LIMIT_NAMES[worst.largest.limit]}: ${fmt(worst.largest.used)} of ${fmt(worst.largest.of)} (batch of ${worst.result.batchSize} rows)`,
      ],
    ],
  };
  const summary: Table = {
    caption: `The whole migration of ${fmt(rows)} legacy rows.`,
    columns: ["rows", "batches", "rows asked per batch (in order)", "created", "unmapped (imported disabled)", "second call: reads / writes"],
    align: ["r", "r", "l", "r", "r", "l"],
    rows: [
      [
        rows,
        batches.length,
        compactSizes(sizes),
        run!.created,
        run!.unmapped,
        `${fmt(again.metrics.documentsRead)} / ${fmt(again.metrics.documentsWritten)}`,
      ],
    ],
  };

  log(
    `  ${batches.length} batches; largest share ${pct(worst.largest.share)} of ${LIMIT_NAMES[worst.largest.limit]}; ` +
      `every row migrated once, ${fmt(expectedUnmapped)} unmapped: PASS`,
  );
  const maxRead = Math.max(...batches.map((b) => b.metrics.documentsRead));
  const maxWritten = Math.max(...batches.map((b) => b.metrics.documentsWritten));
  return {
    id: "migration",
    title: "Migrating legacy mondayRules",
    intro: [
      `The example app's \`migration:migrateMondayRules\` (built by \`rules.mondayMigration\`) migrating ${fmt(rows)} legacy rows: ` +
        `the ${SAMPLES.length} sample rows of example/fixtures/legacy-monday-rules.json, repeated with new names over ${BOARDS} boards ` +
        `(${fmt(expectedUnmapped)} of them of undocumented trigger or action types), convex-test with \`transactionLimits: true\`.`,
      "Each batch is the exported mutation, called alone in a transaction (`ctx.runMutation` inside `t.run`) whose metrics " +
        "(`ctx.meta.getTransactionMetrics()`) are read after it; the batch it schedules is taken from the scheduler and run the " +
        "same way with the arguments it was given, so the batch sizes are the mutation's own (adaptive: 100 rows first, then " +
        "sized from the previous batch's metrics to at most a quarter of any limit, at most twice the last size, at most 500). " +
        "No figure here is a time.",
    ],
    tables: [summary, perBatch, shareTable],
    notes: [
      `Checked (the section fails otherwise): the run and the batches count ${fmt(rows)} rows processed and created, none updated or ` +
        `seen twice, ${fmt(expectedUnmapped)} unmapped; listing the rules finds exactly one rule per legacy row, by its derived id, in ` +
        `legacy order; the unmapped ones are exactly the rows of undocumented types, all disabled; a second call reports the run ` +
        `complete and writes nothing.`,
      `Per batch, at most ${fmt(maxRead)} documents read (the limit is 32,000) and ${fmt(maxWritten)} written (16,000). ` +
        `The tightest limit was ${LIMIT_NAMES[worst.largest.limit]}, at ${pct(worst.largest.share)} (${fmt(worst.largest.used)} of ` +
        `${fmt(worst.largest.of)}): the mutation sizes each batch from the previous one's metrics to use at most a quarter of ` +
        `its tightest limit, so ${fmt(rows)} rows take ${batches.length} batches.`,
    ],
    timings,
  };
}

/**
 * "100, 200, 241-242 ×40, 41": consecutive sizes within 1% of each other
 * collapsed into a range and a count.
 */
function compactSizes(sizes: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < sizes.length; ) {
    let low = sizes[i];
    let high = sizes[i];
    let j = i + 1;
    while (j < sizes.length) {
      const nextLow = Math.min(low, sizes[j]);
      const nextHigh = Math.max(high, sizes[j]);
      if (nextHigh - nextLow > nextHigh / 100) break;
      low = nextLow;
      high = nextHigh;
      j++;
    }
    const range = low === high ? String(low) : `${low}-${high}`;
    parts.push(j - i > 1 ? `${range} ×${j - i}` : range);
    i = j;
  }
  return parts.join(", ");
}
