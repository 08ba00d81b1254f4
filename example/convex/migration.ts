/**
 * Moving this app's legacy `mondayRules` (the first, monday.com-only version
 * of its rules) into the rules component, with @convex-dev/migrations
 * (installed beside it in convex.config.ts). Run once, after a deploy:
 *
 *   npx convex run migration:run '{"fn": "migration:migrateMondayRules", "dryRun": true}'  # one batch, rolled back
 *   npx convex run migration:run '{"fn": "migration:migrateMondayRules"}'                  # the whole table
 *   npx convex run --component migrations lib:getStatus --watch                            # progress
 *
 * The legacy table is only read. Each rule has the id
 * `legacy-monday-<_id>`, so running it again creates nothing (and brings a
 * rule edited since back to its legacy definition); a stopped or failed run
 * resumes from its cursor.
 */
// docs/migration.md shows this module from here on.
// #region migration
import { Migrations } from "@convex-dev/migrations";
import { v } from "convex/values";
import { vMigratedRulesPage, vRule } from "convex-rules";
import { components } from "./_generated/api.js";
import type { DataModel } from "./_generated/dataModel.js";
import { internalMutation, internalQuery, query } from "./_generated/server.js";
import { authorize, rules } from "./rules.js";

/**
 * The workspace the legacy rules belong to: the legacy app served a single
 * workspace. (An app with several would derive it from the row, for
 * example `namespace: (row) => workspaceOfBoard(row.boardId)`.)
 */
export const LEGACY_WORKSPACE = "acme";

export const migrations = new Migrations<DataModel>(components.migrations, { internalMutation });

/** The legacy table, 100 rows per batch (`batchSize` in `run` overrides it). */
export const migrateMondayRules = rules.migration.define(migrations, { namespace: LEGACY_WORKSPACE });

/** The migrations component's runner, for the CLI and the dashboard. */
export const run = migrations.runner();

/** The rules whose legacy row could not be mapped (disabled, with the reason), a page at a time. */
export const unmappedLegacyRules = internalQuery({
  args: { cursor: v.union(v.string(), v.null()) },
  returns: vMigratedRulesPage,
  handler: async (ctx, args) => await rules.migration.list(ctx, { cursor: args.cursor, unmappedOnly: true }),
});

/**
 * The rule that replaced a legacy rule, for clients that still hold legacy
 * ids (bookmarks, links): the same checks as `getRule`.
 */
export const getLegacyRule = query({
  args: { legacyId: v.id("mondayRules") },
  returns: v.union(vRule, v.null()),
  handler: async (ctx, args) => {
    const rule = await rules.migration.getRule(ctx, { legacyId: args.legacyId });
    await authorize(ctx, { name: "getRule", ruleId: rule?.ruleId ?? "", rule });
    return rule;
  },
});
// #endregion migration
