/**
 * The client side of the legacy `mondayRules` migration, run by
 * @convex-dev/migrations in the host app. The client runs in the host's
 * transaction, so it can read the legacy row the migrations component hands
 * it: it maps the row (core/legacyMonday.ts), checks the rule against the
 * integration's declarations and has the component upsert it by its
 * derived id (`migrations.importLegacyRule`). Paging, resuming, dry runs,
 * status and the CLI are the migrations component's.
 */
import type { Migrations } from "@convex-dev/migrations";
import type {
  DocumentByName,
  GenericDatabaseReader,
  GenericDataModel,
  GenericMutationCtx,
  TableNamesInDataModel,
} from "convex/server";
import { ConvexError } from "convex/values";
import type {
  ClientConfig,
  MigratedRow,
  MigratedRulesPage,
  MigrationEntry,
  RuleInput,
  RulesErrorData,
  RulesLogLevel,
} from "../shared.js";
import { fail } from "../component/lib/errors.js";
import {
  mapLegacyMondayRule,
  markUnmapped,
  unmappableMondayRule,
  type LegacyMondayRow,
  type MondayMapping,
} from "../core/legacyMonday.js";
import { validateRuleDefinition } from "../core/ruleValidation.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import type { RuleDoc, RulesComponent, RunMutationCtx, RunQueryCtx } from "./index.js";
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

/** Legacy rows per batch when `batchSize` is not given (the migrations component's default). */
export const MONDAY_MIGRATION_BATCH_SIZE = 100;

/** How the migration reads the legacy table and what the rules get. */
export type MondayMigrationOptions<TableName extends string = string> = {
  /** The legacy table. Default "mondayRules". */
  table?: TableName;
  /** The integration the rules belong to; it must declare the target types. Default "monday". */
  integrationId?: string;
  /**
   * The namespace (tenant) of each migrated rule: a string, or a function
   * of the legacy row (for example from its `boardId`). Default "".
   */
  namespace?: string | ((row: LegacyMondayRow, ctx: { db: GenericDatabaseReader<any> }) => string | Promise<string>);
};

/** A mutation's ctx that can read the host's tables and call the component. */
export type MigrationWriteCtx = RunMutationCtx & { db: GenericDatabaseReader<any> };

export type MigrationDeps = {
  component: RulesComponent;
  integrations: Integrations;
  /** The client's log level: the threshold of each row's console line. */
  logLevel: RulesLogLevel | undefined;
  /** The client's declaration check: throws `INVALID_RULE`, fills in the derived pattern. */
  check: (rule: RuleInput) => RuleInput;
  /**
   * The client's config for these integrations (handlers, log level): a
   * migrated rule that fires on a schedule has no client call in flight to
   * bring its handlers, so the component stores them.
   */
  config: (integrationIds: string[]) => Promise<ClientConfig>;
};

/**
 * Maps one legacy row and imports its rule. See `Rules.migrateMondayRow`.
 */
export async function migrateMondayRow(
  deps: MigrationDeps,
  ctx: MigrationWriteCtx,
  row: LegacyMondayRow,
  options: MondayMigrationOptions = {},
): Promise<MigratedRow> {
  const checked = checkedOptions(deps, options);
  const entry = await entryOf(deps, ctx, row, checked);
  // Only a rule that fires on a schedule needs the handlers stored; the
  // other rows skip building handles and the component's two reads.
  const scheduled = entry.rule.schedule !== undefined && entry.rule.enabled !== false;
  return await ctx.runMutation(deps.component.rules.migrations.importLegacyRule, {
    entry,
    ...(deps.logLevel === undefined ? {} : { logLevel: deps.logLevel }),
    ...(scheduled ? { config: await deps.config([entry.rule.integrationId]) } : {}),
  });
}

/**
 * The migration of the legacy table, defined with the host's
 * @convex-dev/migrations instance. See `Rules.defineMondayMigration`.
 */
export function defineMondayMigration<DM extends GenericDataModel, TableName extends TableNamesInDataModel<DM>>(
  deps: MigrationDeps,
  migrations: Migrations<DM>,
  options: MondayMigrationOptions<TableName> & { batchSize?: number } = {},
) {
  const { batchSize, ...rowOptions } = options;
  // Bad options fail when the module loads (at deploy), not batch by batch.
  const checked = checkedOptions(deps, rowOptions);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    fail("INVALID_ARGUMENT", `batchSize: must be a positive integer, got ${batchSize}`, "batchSize");
  }
  return migrations.define({
    table: checked.table as TableName,
    batchSize: batchSize ?? MONDAY_MIGRATION_BATCH_SIZE,
    migrateOne: async (ctx: GenericMutationCtx<DM>, row: DocumentByName<DM, TableName>) => {
      await migrateMondayRow(deps, ctx, row as unknown as LegacyMondayRow, rowOptions);
      // Nothing to patch: the legacy table stays as it is.
      return undefined;
    },
  });
}

// --- one row -----------------------------------------------------------------

type CheckedOptions = {
  table: string;
  integrationId: string;
  namespace: MondayMigrationOptions["namespace"];
};

function checkedOptions(deps: MigrationDeps, args: MondayMigrationOptions): CheckedOptions {
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
  const namespace = args.namespace;
  if (namespace !== undefined && typeof namespace !== "string" && typeof namespace !== "function") {
    fail("INVALID_ARGUMENT", "namespace: must be a string or a function of the legacy row", "namespace");
  }
  return { table, integrationId, namespace };
}

/** Legacy rows sit at `metadata.legacy.row`: three levels down in the rule document. */
const ROW_DEPTH = 3;
/** A row too big to keep whole is kept in at most this many bytes. */
const MAX_KEPT_ROW_BYTES = 256 * 1024;

async function entryOf(
  deps: MigrationDeps,
  ctx: { db: GenericDatabaseReader<any> },
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

/**
 * `rules.migration`: the legacy mondayRules migration (defined with
 * @convex-dev/migrations), one row at a time, and the rules it wrote.
 */
export class MigrationClient {
  constructor(private readonly deps: MigrationDeps) {}

  /**
   * Defines the migration of your app's legacy `mondayRules` table with
   * @convex-dev/migrations (install it beside this component:
   * `app.use(migrations)`). Each batch maps its legacy rows, checks each
   * rule against the integration's declarations and upserts it by its
   * derived id (`legacy-monday-<_id>`), so a rerun never duplicates a rule.
   * A row that cannot be mapped becomes a disabled rule with the reason
   * (`rules.migration.list`). The legacy table is left as it is. Run, resume,
   * dry-run and watch it with the migrations component's runner and CLI.
   *
   * @example
   * ```ts
   * // convex/migrations.ts
   * export const migrations = new Migrations<DataModel>(components.migrations);
   * export const migrateMondayRules = rules.migration.define(migrations, { namespace: "acme" });
   * export const run = migrations.runner();
   * // npx convex run migrations:run '{"fn": "migrations:migrateMondayRules", "dryRun": true}'
   * ```
   */
  define<DM extends GenericDataModel, TableName extends TableNamesInDataModel<DM>>(
    migrations: Migrations<DM>,
    options: MondayMigrationOptions<TableName> & { batchSize?: number } = {},
  ) {
    return defineMondayMigration(this.deps, migrations, options);
  }

  /**
   * Migrates one legacy `mondayRules` row (what each batch of
   * `rules.migration.define` does per row), for a host that
   * drives the migration itself: maps it, checks it against the
   * declarations and creates, updates or leaves its rule as it is.
   *
   * @example
   * ```ts
   * const { ruleId, outcome, unmappedReason } = await rules.migration.migrateRow(ctx, legacyRow, { namespace: "acme" });
   * ```
   */
  async migrateRow(
    ctx: MigrationWriteCtx,
    row: LegacyMondayRow,
    options: MondayMigrationOptions = {},
  ): Promise<MigratedRow> {
    return await migrateMondayRow(this.deps, ctx, row, options);
  }

  /**
   * One page of the rules the migration wrote, in legacy id order;
   * `unmappedOnly` keeps those whose row could not be mapped (a page may
   * then hold fewer than `limit`, at most 100). Follow `continueCursor`
   * until `isDone`.
   *
   * @example
   * ```ts
   * const { page } = await rules.migration.list(ctx, { cursor: null, unmappedOnly: true });
   * for (const rule of page) console.log(rule.legacyId, rule.unmappedReason);
   * ```
   */
  async list(
    ctx: RunQueryCtx,
    args: { cursor: string | null; limit?: number; unmappedOnly?: boolean },
  ): Promise<MigratedRulesPage> {
    return await ctx.runQuery(this.deps.component.rules.migrations.listMigratedRules, args);
  }

  /**
   * The rule migrated from the legacy `mondayRules` row with this `_id`, or
   * null: code that still holds legacy ids finds the rule that replaced it.
   *
   * @example
   * ```ts
   * const rule = await rules.migration.getRule(ctx, { legacyId: legacyRule._id });
   * ```
   */
  async getRule(ctx: RunQueryCtx, args: { legacyId: string }): Promise<RuleDoc | null> {
    const rule = await ctx.runQuery(this.deps.component.rules.migrations.getRuleByLegacyId, {
      legacyId: args.legacyId,
    });
    return rule as RuleDoc | null;
  }
}
