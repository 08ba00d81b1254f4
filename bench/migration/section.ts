/// <reference types="vite/client" />
/**
 * Section "Migrating legacy mondayRules": what each batch of the example
 * app's `migration:migrateMondayRules` (defined with @convex-dev/migrations
 * by `rules.migration.define`) reads and writes, from transaction
 * metrics (never time), and how many batches 10,000 legacy rows take.
 *
 * The run goes as it would on a deployment, one batch per transaction, but
 * the bench drives it: each batch is the migrations component's own
 * `lib.migrate` (which reads its state, runs our batch through its function
 * handle and records the cursor) called with `oneBatchOnly` inside a
 * `t.run` transaction that reads `ctx.meta.getTransactionMetrics()` after
 * it; the next batch starts from the cursor it recorded.
 */
import migrationsTest from "@convex-dev/migrations/test";
import { convexTest } from "convex-test";
import { expect } from "vitest";
import { createFunctionHandle, type TransactionMetrics } from "convex/server";
import samples from "../../example/fixtures/legacy-monday-rules.json";
import schema from "../../example/convex/schema.js";
import { components, internal } from "../../example/convex/_generated/api.js";
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
  migrationsTest.register(t);
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

/** The migration's name, as the migrations component records it. */
const FN = "migration:migrateMondayRules";
/** What the migrations component answers after a batch. */
type Status = { cursor?: string | null; processed: number; isDone: boolean; error?: string; state: string };
type Share = { limit: LimitKey; share: number; used: number; of: number };
type Batch = { status: Status; rows: number; metrics: Metrics; largest: Share };

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

/** One batch: the migrations component's step, alone in its transaction, measured. */
async function runBatch(t: HostTest, processedBefore: number): Promise<Batch> {
  return await t.run(async (ctx) => {
    const before = await metricsNow(ctx);
    const status: Status = await ctx.runMutation(components.migrations.lib.migrate, {
      name: FN,
      fnHandle: await createFunctionHandle(internal.migration.migrateMondayRules),
      dryRun: false,
      oneBatchOnly: true,
    });
    const raw = await ctx.meta.getTransactionMetrics();
    return { status, rows: status.processed - processedBefore, metrics: metricsDiff(await metricsNow(ctx), before), largest: largestShare(raw) };
  });
}

/** Runs the whole migration, batch after batch, as the migrations component would. */
async function migrate(t: HostTest, log: (line: string) => void): Promise<Batch[]> {
  const batches: Batch[] = [];
  let processed = 0;
  for (;;) {
    const batch = await runBatch(t, processed);
    expect(batch.status.error, `batch ${batches.length + 1} failed`).toBeUndefined();
    batches.push(batch);
    processed = batch.status.processed;
    if (batches.length % 20 === 0 || batch.status.isDone) {
      log(`  batch ${batches.length}: ${batch.rows} rows (${fmt(processed)} so far)`);
    }
    if (batch.status.isDone) return batches;
    expect(batches.length, "the run never finished").toBeLessThan(10_000);
  }
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
  const last = batches.at(-1)!.status;
  expect(last, "the run").toMatchObject({ processed: rows, isDone: true, state: "success" });
  const sum = (f: (b: Batch) => number) => batches.reduce((s, b) => s + f(b), 0);
  expect(sum((b) => b.rows), "rows processed over the batches").toBe(rows);
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

  // A second call: the run is complete; only the migrations component's state row is written.
  const again = await runBatch(t, rows);
  expect(again.status).toMatchObject({ isDone: true, processed: rows });
  expect(again.metrics.documentsWritten, "a second run writes only the migration's state").toBeLessThanOrEqual(1);
  const rulesAfter = await allRules(t);
  expect(rulesAfter, "a second run changes no rule").toEqual(migrated);

  const metric = (label: string, values: number[]): Cell[] => [
    label,
    Math.min(...values),
    // Counts stay whole (the median of an even number of batches is a mean of two).
    values.every(Number.isInteger) ? Math.round(median(values)) : median(values),
    Math.max(...values),
  ];
  const perRow = (key: keyof Metrics) => batches.filter((b) => b.rows > 0).map((b) => b.metrics[key] / b.rows);
  const perBatch: Table = {
    caption:
      `Per batch of \`migration:migrateMondayRules\` (${batches.length} batches for ${fmt(rows)} rows), ` +
      "each its own transaction: minimum, median and maximum over the batches.",
    columns: ["per batch", "min", "median", "max"],
    align: ["l", "r", "r", "r"],
    rows: [
      metric("legacy rows in the batch", batches.map((b) => b.rows)),
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
        `${LIMIT_NAMES[worst.largest.limit]}: ${fmt(worst.largest.used)} of ${fmt(worst.largest.of)} (batch of ${worst.rows} rows)`,
      ],
    ],
  };
  const summary: Table = {
    caption: `The whole migration of ${fmt(rows)} legacy rows (${fmt(migrated.length)} rules created, ${fmt(unmappedRules.length)} of them unmapped and disabled), beside the previous mechanism's run.`,
    columns: ["", "rows", "batches", "rows per batch (in order)", "largest share of a limit", "second call: reads / writes"],
    align: ["l", "r", "r", "l", "r", "l"],
    rows: [
      [
        "before: the component's own chain (adaptive batches), BENCHMARKS.md of 2026-12-02",
        10_000,
        24,
        "100, 200, 400, 459-461 ×21",
        "25.0% (index ranges)",
        "1 / 0",
      ],
      [
        "now: @convex-dev/migrations, `rules.migration.define` (100 rows per batch)",
        rows,
        batches.length,
        compactSizes(batches.map((b) => b.rows)),
        `${pct(worst.largest.share)} (${LIMIT_NAMES[worst.largest.limit]})`,
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
      `The example app's \`migration:migrateMondayRules\` (defined with @convex-dev/migrations by \`rules.migration.define\`) migrating ${fmt(rows)} legacy rows: ` +
        `the ${SAMPLES.length} sample rows of example/fixtures/legacy-monday-rules.json, repeated with new names over ${BOARDS} boards ` +
        `(${fmt(expectedUnmapped)} of them of undocumented trigger or action types), convex-test with \`transactionLimits: true\`.`,
      "Each batch is the migrations component's step (`lib.migrate` with `oneBatchOnly`: its state read, our batch run through " +
        "its function handle, the cursor recorded), called alone in a transaction (`ctx.runMutation` inside `t.run`) whose metrics " +
        "(`ctx.meta.getTransactionMetrics()`) are read after it; the next step starts from the recorded cursor, as the component's " +
        "scheduled step would. Batches hold the migrations component's default 100 rows. No figure here is a time.",
    ],
    tables: [summary, perBatch, shareTable],
    notes: [
      `Checked (the section fails otherwise): the run and the batches count ${fmt(rows)} rows processed; listing the rules finds ` +
        `exactly one rule per legacy row, by its derived id, in legacy order; the unmapped ones are exactly the ${fmt(expectedUnmapped)} ` +
        `rows of undocumented types, all disabled; a second call finds the run done, writes at most the migration's state row, and ` +
        `changes no rule.`,
      `Per batch, at most ${fmt(maxRead)} documents read (the limit is 32,000) and ${fmt(maxWritten)} written (16,000). ` +
        `The tightest limit was ${LIMIT_NAMES[worst.largest.limit]}, at ${pct(worst.largest.share)} (${fmt(worst.largest.used)} of ` +
        `${fmt(worst.largest.of)}) with 100 rows per batch, so ${fmt(rows)} rows take ${batches.length} batches; ` +
        `\`batchSize\` (in \`defineMondayMigration\` or the runner's arguments) trades batches for a larger share.`,
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
