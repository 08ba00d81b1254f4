/**
 * Moving this app's legacy `mondayRules` (the first, monday.com-only version
 * of its rules) into the rules component. Run once:
 *
 *   npx convex run migration:previewMondayMigration   # dry run of the next batch
 *   npx convex run migration:migrateMondayRules       # the whole table, batch by batch
 *   npx convex run migration:mondayMigrationStatus    # counts, unmapped rows, errors
 *
 * The legacy table is only read. Re-running changes nothing once the run
 * completed; `{ "force": true }` migrates again (a rule edited since is
 * then overwritten by its legacy definition).
 */
import { v } from "convex/values";
import { vMigrationStatus, vRule } from "convex-rules";
import { internalQuery, query } from "./_generated/server.js";
import { authorize, rules } from "./rules.js";

/**
 * The workspace the legacy rules belong to: the legacy app served a single
 * workspace. (An app with several would derive it from the row, for
 * example `namespace: (row) => workspaceOfBoard(row.boardId)`.)
 */
export const LEGACY_WORKSPACE = "acme";

/** Migrates the whole legacy table, one batch per transaction, rescheduling itself. */
export const migrateMondayRules = rules.mondayMigration({ namespace: LEGACY_WORKSPACE });

/** What the next batch would do, row by row, writing nothing. */
export const previewMondayMigration = internalQuery({
  args: { batchSize: v.optional(v.number()), force: v.optional(v.boolean()) },
  handler: async (ctx, args) =>
    await rules.migrateMondayRules(ctx, { ...args, dryRun: true, namespace: LEGACY_WORKSPACE }),
});

/** The migration's run: counts, cursor, completion, unmapped rows, last error. */
export const mondayMigrationStatus = internalQuery({
  args: {},
  returns: v.union(vMigrationStatus, v.null()),
  handler: async (ctx) => await rules.getMondayMigration(ctx),
});

/**
 * The rule that replaced a legacy rule, for clients that still hold legacy
 * ids (bookmarks, links): the same checks as `getRule`.
 */
export const getLegacyRule = query({
  args: { legacyId: v.id("mondayRules") },
  returns: v.union(vRule, v.null()),
  handler: async (ctx, args) => {
    const rule = await rules.getRuleByLegacyId(ctx, { legacyId: args.legacyId });
    await authorize(ctx, { name: "getRule", ruleId: rule?.ruleId ?? "", rule });
    return rule;
  },
});
