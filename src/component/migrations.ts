/**
 * The migration of a host's legacy `mondayRules` table into rules. The
 * component cannot read host tables: the client reads one page of the
 * legacy table in the host's transaction, maps every row
 * (core/legacyMonday.ts) and hands the batch to `importBatch`, which upserts
 * the rules by their derived ids and records the run in `migrations`.
 *
 * A run is one pass over the legacy table. Each batch carries the cursor it
 * was read from and the cursor after it; the run keeps the latter, so an
 * interrupted run resumes there. Once a batch reports the end of the table
 * the run is complete, and later batches change nothing unless `force`
 * starts a new run.
 */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server.js";
import {
  LIMITS,
  vMigrationBatchResult,
  vMigrationEntry,
  vMigrationPreview,
  vMigrationStatus,
  vRule,
  type ImportError,
  type MigrationEntry,
  type MigrationStatus,
  type UnmappedRule,
} from "../shared.js";
import {
  legacyIdProblem,
  legacyRuleId,
  MONDAY_MIGRATION_NAME,
} from "../core/legacyMonday.js";
import { fail } from "./errors.js";
import { toRule } from "./ruleDocs.js";
import {
  findRuleDoc,
  insertRule,
  planImport,
  writeDefinition,
  type PlannedImport,
} from "./rules.js";
import { changedFields } from "./versionDocs.js";

/** The run keeps this many unmapped rows; its `unmapped` count is exact. */
export const MAX_RECORDED_UNMAPPED = 100;
const MAX_ERROR_LENGTH = 2000;

const vBatchArgs = {
  /** The cursor the batch was read from: null for the start of the table. */
  startCursor: v.union(v.string(), v.null()),
  /** The cursor after the batch, where the next one reads from. */
  nextCursor: v.string(),
  /** Whether the batch reached the end of the legacy table. */
  isDone: v.boolean(),
  entries: v.array(vMigrationEntry),
  /** Start a new run even if the last one completed. */
  force: v.optional(v.boolean()),
};

/**
 * Imports one batch of mapped legacy rows: each rule is created, updated or
 * left unchanged by its id, all or nothing (`IMPORT_FAILED` lists every
 * entry that cannot be imported). Records the batch in the run. When the
 * run has completed and `force` is not set, does nothing and answers
 * `alreadyComplete: true`.
 */
export const importBatch = mutation({
  args: vBatchArgs,
  returns: vMigrationBatchResult,
  handler: async (ctx, args) => {
    const run = await findRun(ctx);
    if (run?.completedAt !== undefined && args.force !== true) {
      return { ...nothing(), alreadyComplete: true, run: toStatus(run) };
    }
    const planned = await planBatch(ctx, args.entries);
    const counts = countsOf(planned);
    for (const { entry, plan, outcome } of planned) {
      if (outcome === "created") {
        await insertRule(ctx, plan.ruleId, plan.definition, entry.createdAt);
      } else if (outcome === "updated" && plan.existing) {
        await writeDefinition(ctx, plan.existing, plan.definition);
      }
    }
    const now = Date.now();
    const restart = run === null || args.startCursor === null || args.force === true;
    const base = restart ? freshRun(now) : runFields(run);
    const next: Omit<Doc<"migrations">, "_id" | "_creationTime"> = {
      ...base,
      cursor: args.nextCursor,
      processed: base.processed + counts.processed,
      created: base.created + counts.created,
      updated: base.updated + counts.updated,
      unchanged: base.unchanged + counts.unchanged,
      unmapped: base.unmapped + counts.unmapped,
      batches: base.batches + 1,
      lastBatchAt: now,
      unmappedRules: [...base.unmappedRules, ...counts.unmappedRules].slice(0, MAX_RECORDED_UNMAPPED),
      ...(args.isDone ? { completedAt: now } : {}),
    };
    delete next.lastError;
    if (!args.isDone) delete next.completedAt;
    if (run) await ctx.db.replace("migrations", run._id, next);
    else await ctx.db.insert("migrations", next);
    return { ...counts, alreadyComplete: false, run: toStatus(next) };
  },
});

/**
 * What `importBatch` would do with this batch, rule by rule, writing
 * nothing: the rules it would create, update (with the fields that would
 * change) or leave unchanged, and the unmapped rows with their reasons.
 */
export const previewBatch = query({
  args: vBatchArgs,
  returns: vMigrationPreview,
  handler: async (ctx, args) => {
    const run = await findRun(ctx);
    const status = run ? toStatus(run) : null;
    const details = { created: [], updated: [], unchanged: [], unmapped: [] } as {
      created: Array<{ legacyId: string; ruleId: string; name: string }>;
      updated: Array<{ legacyId: string; ruleId: string; name: string; fields: string[] }>;
      unchanged: Array<{ legacyId: string; ruleId: string; name: string }>;
      unmapped: UnmappedRule[];
    };
    if (run?.completedAt !== undefined && args.force !== true) {
      return { ...nothing(), alreadyComplete: true, run: status, details };
    }
    const planned = await planBatch(ctx, args.entries);
    for (const { entry, plan, outcome } of planned) {
      const item = { legacyId: entry.legacyId, ruleId: plan.ruleId, name: plan.definition.name };
      if (outcome === "created") details.created.push(item);
      else if (outcome === "unchanged") details.unchanged.push(item);
      else details.updated.push({ ...item, fields: changedFieldsOf(plan) });
    }
    const counts = countsOf(planned);
    details.unmapped = counts.unmappedRules;
    return { ...counts, alreadyComplete: false, run: status, details };
  },
});

/** The run of the monday.com migration, or null if it never ran. */
export const getMigration = query({
  args: {},
  returns: v.union(vMigrationStatus, v.null()),
  handler: async (ctx) => {
    const run = await findRun(ctx);
    return run ? toStatus(run) : null;
  },
});

/**
 * Records why a batch failed (its writes were rolled back), so that
 * `getMigration` shows it until a batch succeeds.
 */
export const recordMigrationError = mutation({
  args: { error: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const lastError = args.error.slice(0, MAX_ERROR_LENGTH);
    const run = await findRun(ctx);
    if (run) await ctx.db.patch("migrations", run._id, { lastError });
    else await ctx.db.insert("migrations", { ...freshRun(Date.now()), lastError });
    return null;
  },
});

/**
 * The rule migrated from the legacy row with this `_id`, or null: host code
 * that still holds legacy ids finds the rule that replaced it.
 */
export const getRuleByLegacyId = query({
  args: { legacyId: v.string() },
  returns: v.union(vRule, v.null()),
  handler: async (ctx, args) => {
    const problem = legacyIdProblem(args.legacyId);
    if (problem) fail("INVALID_ARGUMENT", `legacyId: ${problem}`, "legacyId");
    const doc = await findRuleDoc(ctx, legacyRuleId(args.legacyId));
    return doc ? toRule(doc) : null;
  },
});

// --- helpers -------------------------------------------------------------

type Outcome = "created" | "updated" | "unchanged";
type Planned = { entry: MigrationEntry; plan: PlannedImport; outcome: Outcome };

async function findRun(ctx: QueryCtx): Promise<Doc<"migrations"> | null> {
  return await ctx.db
    .query("migrations")
    .withIndex("by_name", (q) => q.eq("name", MONDAY_MIGRATION_NAME))
    .unique();
}

/**
 * Validates every entry and plans its upsert; fails with `IMPORT_FAILED`
 * listing every entry that cannot be imported, before anything is written.
 */
async function planBatch(ctx: QueryCtx | MutationCtx, entries: MigrationEntry[]): Promise<Planned[]> {
  if (entries.length > LIMITS.importBatch) {
    fail(
      "INVALID_ARGUMENT",
      `entries: at most ${LIMITS.importBatch} rows per batch, got ${entries.length}`,
      "entries",
    );
  }
  const errors: ImportError[] = [];
  const planned: Planned[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const idProblem = legacyIdProblem(entry.legacyId);
    const expected = legacyRuleId(entry.legacyId);
    if (idProblem || entry.rule.id !== expected) {
      errors.push({
        index,
        ...(entry.rule.id === undefined ? {} : { id: entry.rule.id }),
        code: "INVALID_ARGUMENT",
        field: idProblem ? "legacyId" : "rule.id",
        message: idProblem
          ? `legacyId: ${idProblem}`
          : `rule.id: must be "${expected}" for legacy row "${entry.legacyId}", got ${JSON.stringify(entry.rule.id)}`,
      });
      continue;
    }
    if (entry.createdAt !== undefined && !Number.isFinite(entry.createdAt)) {
      errors.push({ index, id: expected, code: "INVALID_ARGUMENT", field: "createdAt", message: "createdAt: must be a finite number" });
      continue;
    }
    const plan = await planImport(ctx, entry.rule, seen);
    if ("code" in plan) {
      errors.push({ index, id: expected, ...plan });
      continue;
    }
    const outcome: Outcome = !plan.existing
      ? "created"
      : changedFieldsOf(plan).length === 0
        ? "unchanged"
        : "updated";
    planned.push({ entry, plan, outcome });
  }
  if (errors.length > 0) {
    const first = errors[0];
    fail(
      "IMPORT_FAILED",
      `entries: ${errors.length} of ${entries.length} rows cannot be imported; entries[${first.index}]: ${first.message}`,
      "entries",
      { errors },
    );
  }
  return planned;
}

/** The definition fields the plan would change in the existing rule. */
function changedFieldsOf(plan: PlannedImport): string[] {
  return plan.existing ? changedFields(plan.existing, plan.definition) : [];
}

function countsOf(planned: Planned[]) {
  const unmappedRules: UnmappedRule[] = [];
  const counts = { processed: planned.length, created: 0, updated: 0, unchanged: 0, unmapped: 0 };
  for (const { entry, plan, outcome } of planned) {
    counts[outcome]++;
    if (entry.unmappedReason !== undefined) {
      counts.unmapped++;
      unmappedRules.push({ legacyId: entry.legacyId, ruleId: plan.ruleId, reason: entry.unmappedReason });
    }
  }
  return { ...counts, unmappedRules };
}

function nothing() {
  return { processed: 0, created: 0, updated: 0, unchanged: 0, unmapped: 0, unmappedRules: [] };
}

function freshRun(now: number): Omit<Doc<"migrations">, "_id" | "_creationTime"> {
  return {
    name: MONDAY_MIGRATION_NAME,
    startedAt: now,
    processed: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    unmapped: 0,
    batches: 0,
    unmappedRules: [],
  };
}

function runFields(run: Doc<"migrations">): Omit<Doc<"migrations">, "_id" | "_creationTime"> {
  const { _id, _creationTime, ...fields } = run;
  return fields;
}

function toStatus(run: Omit<Doc<"migrations">, "_id" | "_creationTime">): MigrationStatus {
  const status: MigrationStatus = {
    name: run.name,
    startedAt: run.startedAt,
    cursor: run.cursor ?? null,
    processed: run.processed,
    created: run.created,
    updated: run.updated,
    unchanged: run.unchanged,
    unmapped: run.unmapped,
    batches: run.batches,
    unmappedRules: run.unmappedRules,
  };
  if (run.completedAt !== undefined) status.completedAt = run.completedAt;
  if (run.lastBatchAt !== undefined) status.lastBatchAt = run.lastBatchAt;
  if (run.lastError !== undefined) status.lastError = run.lastError;
  return status;
}
