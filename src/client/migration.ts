/**
 * The client side of the legacy `mondayRules` migration. The client runs in
 * the host's transaction, so it can read the host's legacy table: it reads
 * one page (through the built-in `by_creation_time` index, never the whole
 * table), maps every row (core/legacyMonday.ts), checks each rule against
 * the integration's declarations, and hands the batch to the component's
 * `migrations.importBatch` (or `previewBatch` for a dry run).
 *
 * `mondayMigrationMutation` builds the host mutation that runs the whole
 * migration, batch after batch, rescheduling itself until the table is done.
 */
import {
  internalMutationGeneric,
  makeFunctionReference,
  type GenericDatabaseReader,
  type GenericDataModel,
  type PaginationResult,
  type TransactionMetrics,
} from "convex/server";
import { ConvexError, v, type Infer } from "convex/values";
import {
  LIMITS,
  type MigrationEntry,
  type MigrationPreview,
  type MigrationStatus,
  type RuleInput,
  type RulesErrorData,
  type UnmappedRule,
} from "../shared.js";
import { fail } from "../component/errors.js";
import {
  mapLegacyMondayRule,
  markUnmapped,
  unmappableMondayRule,
  type LegacyMondayRow,
  type MondayMapping,
} from "../core/legacyMonday.js";
import { validateRuleDefinition } from "../core/ruleValidation.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import type { RulesComponent, RunMutationCtx, RunQueryCtx } from "./index.js";
import type { Integrations } from "./integrations.js";

export {
  COLUMN_TEXT_FIELD,
  LEGACY_RULE_ID_PREFIX,
  LEGACY_TYPE_PREFIX,
  MONDAY_MIGRATION_NAME,
  convertPlaceholders,
  legacyRuleId,
  mapLegacyMondayRule,
  mondayColumnTexts,
  type LegacyMondayRow,
  type LegacyRuleMetadata,
  type MondayMapping,
  type MondayMappingOptions,
} from "../core/legacyMonday.js";

/** Batch sizes of the migration, in legacy rows. */
export const MIGRATION_BATCH = {
  /** `migrateMondayRules`' default, and the first batch of `mondayMigration`. */
  initial: 100,
  /** The most rows one batch may hold (the component imports at most this many). */
  max: LIMITS.importBatch,
  /**
   * `mondayMigration` sizes each batch so that it uses at most this share of
   * every transaction limit, measured on the previous batch.
   */
  targetShare: 0.25,
  /** One page reads at most this many bytes of legacy rows, whatever their size. */
  maxBytesRead: 2 * 1024 * 1024,
} as const;

/** How the migration reads the legacy table and what the rules get. */
export type MondayMigrationOptions = {
  /** The legacy table. Default "mondayRules". */
  table?: string;
  /** The integration the rules belong to; it must declare the target types. Default "monday". */
  integrationId?: string;
  /**
   * The namespace (tenant) of each migrated rule: a string, or a function
   * of the legacy row (for example from its `boardId`). Default "".
   */
  namespace?: string | ((row: LegacyMondayRow, ctx: { db: GenericDatabaseReader<any> }) => string | Promise<string>);
};

export type MigrateMondayRulesArgs = MondayMigrationOptions & {
  /**
   * Where to read from: a cursor a previous batch returned, or null for the
   * start of the table. Default: where the current run stopped (the start
   * for a new run).
   */
  cursor?: string | null;
  /** Legacy rows in this batch, 1 to 500. Default 100. */
  batchSize?: number;
  /** Report what the batch would do, writing nothing. */
  dryRun?: boolean;
  /** Start a new run (from `cursor`, or the start) even if the last one completed. */
  force?: boolean;
};

export type MondayMigrationResult = {
  dryRun: boolean;
  /** The run had completed and `force` was not given: nothing was read or written. */
  alreadyComplete: boolean;
  /** Legacy rows in this batch. */
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Rows of this batch that could not be mapped (imported disabled). */
  unmapped: number;
  unmappedRules: UnmappedRule[];
  /** Where the next batch reads from. */
  cursor: string | null;
  /** Whether this batch reached the end of the legacy table. */
  isDone: boolean;
  /** The run after this batch (before it, for a dry run). */
  run: MigrationStatus | null;
  /** Dry runs only: what each row would become. */
  details?: MigrationPreview["details"];
};

/** A ctx that can read the legacy table and the component. */
export type MigrationReadCtx = RunQueryCtx & { db: GenericDatabaseReader<any> };
/** A mutation's ctx: it can also import. */
export type MigrationWriteCtx = RunMutationCtx & { db: GenericDatabaseReader<any> };

export type MigrationDeps = {
  component: RulesComponent;
  integrations: Integrations;
  /** The client's declaration check: throws `INVALID_RULE`, fills in the derived pattern. */
  check: (rule: RuleInput) => RuleInput;
  /**
   * Stores the handlers of these integrations in the component: a migrated
   * rule that fires on a schedule has no client call in flight to bring them.
   */
  registerHandlers: (ctx: MigrationWriteCtx, integrationIds: string[]) => Promise<void>;
};

/**
 * Reads one page of the legacy table, maps it and imports it (or previews
 * it when `dryRun`). See `Rules.migrateMondayRules`.
 */
export async function migrateMondayRules(
  deps: MigrationDeps,
  ctx: MigrationReadCtx & Partial<Pick<MigrationWriteCtx, "runMutation">>,
  args: MigrateMondayRulesArgs = {},
): Promise<MondayMigrationResult> {
  const options = checkedOptions(deps, args);
  const dryRun = args.dryRun === true;
  if (!dryRun && typeof ctx.runMutation !== "function") {
    fail("INVALID_ARGUMENT", "dryRun: only a dry run can run in a query; call from a mutation to import", "dryRun");
  }
  const component = deps.component.migrations;
  const run = await ctx.runQuery(component.getMigration, {});
  if (run?.completedAt !== undefined && args.force !== true) {
    return {
      ...emptyCounts(),
      dryRun,
      alreadyComplete: true,
      cursor: run.cursor,
      isDone: true,
      run,
      ...(dryRun ? { details: { created: [], updated: [], unchanged: [], unmapped: [] } } : {}),
    };
  }
  const startCursor = args.cursor !== undefined ? args.cursor : args.force === true ? null : (run?.cursor ?? null);
  const page = (await (ctx.db as GenericDatabaseReader<GenericDataModel>)
    .query(options.table)
    .withIndex("by_creation_time")
    .paginate({
      numItems: options.batchSize,
      cursor: startCursor,
      maximumBytesRead: MIGRATION_BATCH.maxBytesRead,
    })) as PaginationResult<LegacyMondayRow>;
  const entries: MigrationEntry[] = [];
  for (const row of page.page) entries.push(await entryOf(deps, ctx, row, options));
  const batch = {
    startCursor,
    nextCursor: page.continueCursor,
    isDone: page.isDone,
    entries,
    ...(args.force === true ? { force: true } : {}),
  };
  if (dryRun) {
    const preview = await ctx.runQuery(component.previewBatch, batch);
    return { ...preview, dryRun, cursor: page.continueCursor, isDone: page.isDone };
  }
  const scheduled = entries.filter((e) => e.rule.schedule !== undefined && e.rule.enabled !== false);
  if (scheduled.length > 0) {
    await deps.registerHandlers(ctx as MigrationWriteCtx, [...new Set(scheduled.map((e) => e.rule.integrationId))]);
  }
  const result = await (ctx as MigrationWriteCtx).runMutation(component.importBatch, batch);
  return {
    ...result,
    dryRun,
    cursor: result.alreadyComplete ? result.run.cursor : page.continueCursor,
    isDone: result.alreadyComplete || page.isDone,
  };
}

/**
 * The batch size after one that held `size` rows (`processed` of them read)
 * and used `metrics` of the transaction: as many rows as fit in
 * `targetShare` of the tightest limit, at most twice the last size, 1 to 500.
 */
export function nextBatchSize(size: number, processed: number, metrics: TransactionMetrics): number {
  const keys = ["bytesRead", "bytesWritten", "documentsRead", "documentsWritten", "databaseQueries"] as const;
  let share = 0;
  for (const key of keys) {
    const { used, remaining } = metrics[key];
    const limit = used + remaining;
    if (limit > 0) share = Math.max(share, used / limit);
  }
  let next = size * 2;
  if (processed > 0 && share > 0) {
    next = Math.min(next, Math.floor((MIGRATION_BATCH.targetShare * processed) / share));
  }
  return Math.max(1, Math.min(MIGRATION_BATCH.max, next));
}

export const vMondayMigrationRun = v.object({
  processed: v.number(),
  created: v.number(),
  updated: v.number(),
  unchanged: v.number(),
  unmapped: v.number(),
  isDone: v.boolean(),
  alreadyComplete: v.boolean(),
  /** Rows this batch asked for. */
  batchSize: v.number(),
  /** Whether the next batch was scheduled, and its size. */
  scheduled: v.boolean(),
  nextBatchSize: v.optional(v.number()),
  /** Why the batch failed (nothing was imported; the run keeps its cursor). */
  error: v.optional(v.string()),
});
export type MondayMigrationRun = Infer<typeof vMondayMigrationRun>;

/**
 * The host mutation that migrates the whole legacy table: one batch per
 * transaction, each scheduling the next (with `ctx.scheduler.runAfter(0)`)
 * until the table is done. Without an explicit `batchSize`, each batch is
 * sized from what the previous one used (`ctx.meta.getTransactionMetrics()`).
 * A failed batch records its error in the run (`getMigration().lastError`)
 * and stops the chain; calling the mutation again resumes.
 */
export function mondayMigrationMutation(
  deps: MigrationDeps,
  options: MondayMigrationOptions & { batchSize?: number } = {},
) {
  return internalMutationGeneric({
    args: {
      /** Rows per batch. Default: adaptive, starting at 100. */
      batchSize: v.optional(v.number()),
      /** Start a new run even if the last one completed (this batch only). */
      force: v.optional(v.boolean()),
      /** Size the next batch from this one's metrics (set by the chain). */
      adapt: v.optional(v.boolean()),
    },
    returns: vMondayMigrationRun,
    handler: async (ctx, args): Promise<MondayMigrationRun> => {
      const adapt = args.adapt ?? (args.batchSize === undefined && options.batchSize === undefined);
      const batchSize = args.batchSize ?? options.batchSize ?? MIGRATION_BATCH.initial;
      let result: MondayMigrationResult;
      try {
        result = await migrateMondayRules(deps, ctx, {
          ...options,
          batchSize,
          ...(args.force === true ? { force: true } : {}),
        });
      } catch (error) {
        // The batch's writes were rolled back with its sub-transaction.
        const message = error instanceof ConvexError ? (error.data as RulesErrorData).message : String(error instanceof Error ? error.message : error);
        await ctx.runMutation(deps.component.migrations.recordMigrationError, { error: message });
        const { unmappedRules: _none, ...zeros } = emptyCounts();
        return { ...zeros, isDone: false, alreadyComplete: false, batchSize, scheduled: false, error: message };
      }
      const counts = {
        processed: result.processed,
        created: result.created,
        updated: result.updated,
        unchanged: result.unchanged,
        unmapped: result.unmapped,
        isDone: result.isDone,
        alreadyComplete: result.alreadyComplete,
        batchSize,
      };
      if (result.isDone || result.alreadyComplete) return { ...counts, scheduled: false };
      const next = adapt
        ? nextBatchSize(batchSize, result.processed, await ctx.meta.getTransactionMetrics())
        : batchSize;
      const self = await ctx.meta.getFunctionMetadata();
      await ctx.scheduler.runAfter(0, makeFunctionReference<"mutation">(self.name), { batchSize: next, adapt });
      return { ...counts, scheduled: true, nextBatchSize: next };
    },
  });
}

// --- one row -----------------------------------------------------------------

type CheckedOptions = {
  table: string;
  integrationId: string;
  batchSize: number;
  namespace: MondayMigrationOptions["namespace"];
};

function checkedOptions(deps: MigrationDeps, args: MigrateMondayRulesArgs): CheckedOptions {
  const batchSize = args.batchSize ?? MIGRATION_BATCH.initial;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MIGRATION_BATCH.max) {
    fail("INVALID_ARGUMENT", `batchSize: must be an integer from 1 to ${MIGRATION_BATCH.max}, got ${batchSize}`, "batchSize");
  }
  const table = args.table ?? "mondayRules";
  if (typeof table !== "string" || table === "") fail("INVALID_ARGUMENT", "table: must be a table name", "table");
  const integrationId = args.integrationId ?? "monday";
  if (!Object.hasOwn(deps.integrations, integrationId)) {
    fail(
      "INVALID_ARGUMENT",
      `integrationId: "${integrationId}" is not a declared integration; expected one of ${Object.keys(deps.integrations).join(", ")}`,
      "integrationId",
    );
  }
  if (args.cursor !== undefined && args.cursor !== null && typeof args.cursor !== "string") {
    fail("INVALID_ARGUMENT", "cursor: must be a string or null", "cursor");
  }
  const namespace = args.namespace;
  if (namespace !== undefined && typeof namespace !== "string" && typeof namespace !== "function") {
    fail("INVALID_ARGUMENT", "namespace: must be a string or a function of the legacy row", "namespace");
  }
  return { table, integrationId, batchSize, namespace };
}

/** Legacy rows sit at `metadata.legacy.row`: three levels down in the rule document. */
const ROW_DEPTH = 3;
/** A row too big to keep whole is kept in at most this many bytes. */
const MAX_KEPT_ROW_BYTES = 256 * 1024;

async function entryOf(
  deps: MigrationDeps,
  ctx: MigrationReadCtx,
  row: LegacyMondayRow,
  options: CheckedOptions,
): Promise<MigrationEntry> {
  const namespace =
    typeof options.namespace === "function" ? await options.namespace(row, ctx) : (options.namespace ?? "");
  let mapping = mapLegacyMondayRule(row, { integrationId: options.integrationId, namespace, table: options.table });
  let rule: RuleInput = mapping.rule;
  if (mapping.unmappedReason === undefined) {
    try {
      rule = deps.check(mapping.rule);
    } catch (error) {
      if (!(error instanceof ConvexError)) throw error;
      const data = error.data as RulesErrorData;
      mapping = markUnmapped(mapping, `integration "${options.integrationId}": ${data.message}`);
      rule = mapping.rule;
    }
  }
  if (mapping.unmappedReason !== undefined) rule = withTriggerDerivations(deps, mapping.rule);
  const { id: _id, ...definition } = rule;
  const valid = validateRuleDefinition(definition);
  if (!valid.ok) {
    // The mapped rule breaks a limit (a huge or deeply nested legacy value):
    // keep the row, as much of it as can be stored, and why.
    const { _id: _ignoredId, _creationTime: _ignoredTime, ...fields } = row;
    const kept = sanitizeForStorage(fields, { maxBytes: MAX_KEPT_ROW_BYTES, depthOffset: ROW_DEPTH });
    const reason = `${valid.problem.message}${kept.sanitized ? " (the row is kept sanitized in metadata.legacy.row)" : ""}`;
    mapping = unmappableMondayRule(mapping, reason, kept.value as Record<string, unknown>);
    rule = mapping.rule;
  }
  return {
    legacyId: mapping.legacyId,
    rule,
    ...(mapping.createdAt === undefined ? {} : { createdAt: mapping.createdAt }),
    ...(mapping.unmappedReason === undefined ? {} : { unmappedReason: mapping.unmappedReason }),
  };
}

/**
 * An unmapped rule keeps what its trigger derives (its pattern), when the
 * integration declares the trigger, so that it can be fixed and enabled.
 */
function withTriggerDerivations(deps: MigrationDeps, rule: MondayMapping["rule"]): RuleInput {
  try {
    const derived = deps.check({ ...rule, conditions: [], actions: [] });
    return { ...derived, conditions: rule.conditions, actions: rule.actions };
  } catch (error) {
    if (error instanceof ConvexError) return rule;
    throw error;
  }
}

function emptyCounts() {
  return { processed: 0, created: 0, updated: 0, unchanged: 0, unmapped: 0, unmappedRules: [] as UnmappedRule[] };
}
