/**
 * The legacy `mondayRules` migration's side in the component. The component
 * cannot read host tables: the host runs the migration with
 * @convex-dev/migrations (the client's `defineMondayMigration`), which pages
 * through the legacy table and, for each row, has the client map it
 * (core/legacyMonday.ts) and call `importLegacyRule` here. Running,
 * resuming, dry runs and status are the migrations component's.
 *
 * A row's rule has the id `legacy-monday-<_id>` and is upserted by it: a
 * second run creates nothing, and a row changed since updates its rule
 * (with a new version). Rules whose row could not be mapped are stored
 * disabled, with the reason in `metadata.migration.unmappedReason`;
 * `listMigratedRules` lists them.
 */
import { v } from "convex/values";
import { paginator } from "convex-helpers/server/pagination";
import schema from "../schema.js";
import type { Doc } from "../_generated/dataModel.js";
import { mutation, query } from "../_generated/server.js";
import {
  vMigratedRow,
  vMigratedRulesPage,
  vMigrationEntry,
  vRule,
  vClientConfig,
  vRulesLogLevel,
  type MigratedRow,
  type MigratedRulesPage,
  type MigrationEntry,
} from "../../shared.js";
import { LEGACY_RULE_ID_PREFIX, legacyIdProblem, legacyRuleId } from "../../core/legacyMonday.js";
import { fail } from "../lib/errors.js";
import { storeClientConfig } from "../dispatch/clientConfig.js";
import { log } from "../lib/logging.js";
import { toRule } from "./ruleDocs.js";
import { findRuleDoc, insertRule, planImport, writeDefinition, type PlannedImport } from "../rules.js";
import { changedFields } from "./versionDocs.js";

/** Most migrated rules one `listMigratedRules` page holds. */
export const MIGRATED_RULES_PAGE_MAX = 100;
/** A page stops early past this many bytes of rules, whatever their size. */
const MIGRATED_RULES_PAGE_BYTES = 8 * 1024 * 1024;
/** Rule ids after every migrated one: the prefix with its last character's successor. */
const AFTER_LEGACY_IDS = LEGACY_RULE_ID_PREFIX.slice(0, -1) + String.fromCharCode(LEGACY_RULE_ID_PREFIX.charCodeAt(LEGACY_RULE_ID_PREFIX.length - 1) + 1);

/**
 * Imports one mapped legacy row: creates its rule, updates it when the row
 * changed, or leaves it as it is. Writes nothing and fails with a stable
 * code naming the field when the entry cannot be imported (a rule id that
 * is not the row's, a rule that would move to another namespace). Logs the
 * outcome (INFO; WARN when the row could not be mapped).
 */
export const importLegacyRule = mutation({
  args: {
    entry: vMigrationEntry,
    /** The threshold of the row's console line (the client's `logLevel`). */
    logLevel: v.optional(vRulesLogLevel),
    /** Sent for a rule that fires on a schedule: its handlers are stored. */
    config: v.optional(vClientConfig),
  },
  returns: vMigratedRow,
  handler: async (ctx, { entry, logLevel, config }) => {
    const { plan, changedFields } = await planEntry(ctx, entry);
    await storeClientConfig(ctx, [plan.definition.integrationId], config);
    let outcome: MigratedRow["outcome"] = "unchanged";
    if (!plan.existing) {
      await insertRule(ctx, plan.ruleId, plan.definition, entry.createdAt);
      outcome = "created";
    } else if (changedFields.length > 0) {
      await writeDefinition(ctx, plan.existing, plan.definition);
      outcome = "updated";
    }
    const row: MigratedRow = {
      legacyId: entry.legacyId,
      ruleId: plan.ruleId,
      outcome,
      ...(outcome === "updated" ? { changedFields } : {}),
      ...(entry.unmappedReason === undefined ? {} : { unmappedReason: entry.unmappedReason }),
    };
    log(entry.unmappedReason === undefined ? "INFO" : "WARN", "migration.row", { ...row }, logLevel);
    return row;
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

/**
 * One page of the rules the migration wrote, in legacy id order (a range
 * of the rule id index: never the whole table). `unmappedOnly` keeps the
 * page's rules whose row could not be mapped, so a page may hold fewer
 * than `limit`; follow `continueCursor` until `isDone`.
 */
export const listMigratedRules = query({
  args: {
    cursor: v.union(v.string(), v.null()),
    limit: v.optional(v.number()),
    unmappedOnly: v.optional(v.boolean()),
  },
  returns: vMigratedRulesPage,
  handler: async (ctx, args): Promise<MigratedRulesPage> => {
    const limit = args.limit ?? MIGRATED_RULES_PAGE_MAX;
    if (!Number.isInteger(limit) || limit < 1 || limit > MIGRATED_RULES_PAGE_MAX) {
      fail("INVALID_ARGUMENT", `limit: must be an integer from 1 to ${MIGRATED_RULES_PAGE_MAX}, got ${limit}`, "limit");
    }
    const result = await paginator(ctx.db, schema)
      .query("rules")
      .withIndex("by_rule_id", (q) => q.gte("id", LEGACY_RULE_ID_PREFIX).lt("id", AFTER_LEGACY_IDS))
      .paginate({ cursor: args.cursor, numItems: limit, maximumBytesRead: MIGRATED_RULES_PAGE_BYTES });
    const page = result.page.map(migratedRuleOf).filter((rule) => args.unmappedOnly !== true || rule.unmappedReason !== undefined);
    return { page, continueCursor: result.continueCursor, isDone: result.isDone };
  },
});

// --- helpers -------------------------------------------------------------

/** Validates an entry and plans its upsert, failing before anything is written. */
async function planEntry(
  ctx: Parameters<typeof planImport>[0],
  entry: MigrationEntry,
): Promise<{ plan: PlannedImport; changedFields: string[] }> {
  const idProblem = legacyIdProblem(entry.legacyId);
  if (idProblem) fail("INVALID_ARGUMENT", `entry.legacyId: ${idProblem}`, "entry.legacyId");
  const expected = legacyRuleId(entry.legacyId);
  if (entry.rule.id !== expected) {
    fail(
      "INVALID_ARGUMENT",
      `entry.rule.id: must be "${expected}" for legacy row "${entry.legacyId}", got ${JSON.stringify(entry.rule.id)}`,
      "entry.rule.id",
    );
  }
  if (entry.createdAt !== undefined && !Number.isFinite(entry.createdAt)) {
    fail("INVALID_ARGUMENT", "entry.createdAt: must be a finite number", "entry.createdAt");
  }
  const plan = await planImport(ctx, entry.rule, new Set());
  if ("code" in plan) fail(plan.code, `entry.rule.${plan.message}`, `entry.rule.${plan.field}`);
  return { plan, changedFields: changedFieldsOf(plan) };
}

/** The definition fields the plan would change in the existing rule. */
function changedFieldsOf(plan: PlannedImport): string[] {
  return plan.existing ? changedFields(plan.existing, plan.definition) : [];
}

function migratedRuleOf(doc: Doc<"rules">) {
  const migration = (doc.metadata as { migration?: { unmappedReason?: unknown } } | undefined)?.migration;
  const reason = migration?.unmappedReason;
  return {
    legacyId: doc.id.slice(LEGACY_RULE_ID_PREFIX.length),
    ruleId: doc.id,
    name: doc.name,
    enabled: doc.enabled,
    ...(typeof reason === "string" ? { unmappedReason: reason } : {}),
  };
}
