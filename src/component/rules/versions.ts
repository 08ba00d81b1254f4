/**
 * Rule history and rollback: every change to a rule is a version, kept in
 * `ruleVersions` (written by rules.ts through versionDocs.ts), readable by
 * page or one at a time, and any version can be restored as a new one.
 *
 * All versions are kept while the rule exists (changes are human-paced and
 * each version is one rule-sized document); reads are bounded by pages. A
 * deleted rule's versions are deleted in the background.
 */
import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { paginator } from "convex-helpers/server/pagination";
import { internal } from "../_generated/api.js";
import { internalMutation, mutation, query } from "../_generated/server.js";
import schema from "../schema.js";
import { drain, runBatch } from "../lib/batches.js";
import { vClientConfig, vRule, vRuleVersion } from "../../shared.js";
import { storeClientConfig } from "../dispatch/clientConfig.js";
import { validateRuleDefinition } from "../../core/ruleValidation.js";
import { fail } from "../lib/errors.js";
import { toDefinitionInput, toRule } from "./ruleDocs.js";
import { findRuleDoc, getRuleDocOrFail, writeDefinition } from "../rules.js";
import { checkActor, findVersion, toRuleVersion, versionAsRuleDoc } from "./versionDocs.js";

/** The largest page `listRuleVersions` returns (each version is a whole rule). */
export const VERSIONS_PAGE_MAX = 100;

/**
 * One page of a rule's versions, newest first (at most 100 per page; the
 * current version is the first). Fails with `RULE_NOT_FOUND` for a rule
 * that does not exist (a deleted rule's history is being deleted).
 */
export const listRuleVersions = query({
  args: { ruleId: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(vRuleVersion),
  handler: async (ctx, args) => {
    const doc = await getRuleDocOrFail(ctx, args.ruleId);
    const { numItems } = args.paginationOpts;
    if (!Number.isInteger(numItems) || numItems < 1) {
      fail("INVALID_ARGUMENT", "paginationOpts.numItems: must be a positive integer", "paginationOpts.numItems");
    }
    const result = await paginator(ctx.db, schema)
      .query("ruleVersions")
      .withIndex("by_rule_doc_version", (q) => q.eq("ruleDocId", doc._id))
      .order("desc")
      .paginate({ ...args.paginationOpts, numItems: Math.min(numItems, VERSIONS_PAGE_MAX) });
    return { ...result, page: result.page.map(toRuleVersion) };
  },
});

/** One version of a rule (its full definition then, and the change), or null. */
export const getRuleVersion = query({
  args: { ruleId: v.string(), version: v.number() },
  returns: v.union(vRuleVersion, v.null()),
  handler: async (ctx, args) => {
    const doc = await findRuleDoc(ctx, args.ruleId);
    if (!doc) return null;
    const row = await findVersion(ctx, doc._id, args.version);
    return row ? toRuleVersion(row) : null;
  },
});

/**
 * The version of its rule an execution ran (`ruleVersion`), with that
 * version's config: null when the execution or the rule is gone, or when
 * the version was never recorded (it ran before history was kept).
 */
export const getExecutionRuleVersion = query({
  args: { executionId: v.string() },
  returns: v.union(vRuleVersion, v.null()),
  handler: async (ctx, args) => {
    const id = ctx.db.normalizeId("ruleExecutions", args.executionId);
    if (!id) {
      fail("INVALID_ARGUMENT", `executionId: "${args.executionId}" is not an execution id`, "executionId");
    }
    const execution = await ctx.db.get("ruleExecutions", id);
    if (!execution) return null;
    const doc = await findRuleDoc(ctx, execution.ruleId);
    // A rule created after the execution is another rule that reuses the id:
    // the execution's rule was deleted, with its history.
    if (!doc || doc._creationTime > execution._creationTime) return null;
    const row = await findVersion(ctx, doc._id, execution.ruleVersion);
    return row ? toRuleVersion(row) : null;
  },
});

/**
 * Restores the definition a rule had at `version` (every definition field,
 * `enabled` included) as a new version with operation "rollback". A no-op,
 * like any change that changes nothing, when the rule already has that
 * definition. With `expectedVersion`, fails with `VERSION_CONFLICT` when the
 * rule changed since. Fails with `INVALID_ARGUMENT` (field `version`) when
 * no such version is kept, and with `INVALID_RULE` when the old definition
 * breaks today's limits. Returns the rule as stored.
 */
export const rollbackRule = mutation({
  args: {
    ruleId: v.string(),
    version: v.number(),
    expectedVersion: v.optional(v.number()),
    actor: v.optional(v.string()),
    config: v.optional(vClientConfig),
  },
  returns: vRule,
  handler: async (ctx, args) => {
    checkActor(args.actor);
    const doc = await getRuleDocOrFail(ctx, args.ruleId);
    await storeClientConfig(ctx, [doc.integrationId], args.config);
    if (args.expectedVersion !== undefined && args.expectedVersion !== doc.version) {
      fail(
        "VERSION_CONFLICT",
        `expectedVersion: rule "${doc.id}" is at version ${doc.version}, not ${args.expectedVersion}`,
        "expectedVersion",
      );
    }
    const row = await findVersion(ctx, doc._id, args.version);
    if (!row) {
      fail("INVALID_ARGUMENT", `version: rule "${doc.id}" has no version ${args.version}`, "version");
    }
    const result = validateRuleDefinition(toDefinitionInput(versionAsRuleDoc(row)));
    if (!result.ok) {
      const { code, message, field } = result.problem;
      fail(code, `version ${args.version} is no longer a valid rule: ${message}`, field);
    }
    const updated = await writeDefinition(ctx, doc, result.value, {
      operation: "rollback",
      rollbackOf: args.version,
      ...(args.actor === undefined ? {} : { actor: args.actor }),
    });
    return toRule(updated);
  },
});

/**
 * Deletes the versions of a deleted rule document, in background batches
 * (batches.ts), scheduling itself again until none is left.
 */
export const deleteRuleVersions = internalMutation({
  args: { ruleDocId: v.id("rules") },
  returns: v.object({ deleted: v.number(), done: v.boolean() }),
  // Typed: the handler schedules itself, so its type cannot be inferred from its own reference.
  handler: async (ctx, args): Promise<{ deleted: number; done: boolean }> => {
    let deleted = 0;
    const done = await runBatch(ctx, internal.rules.versions.deleteRuleVersions, args, async (budget) =>
      await drain(
        budget,
        "delete",
        (k) =>
          ctx.db
            .query("ruleVersions")
            .withIndex("by_rule_doc_version", (q) => q.eq("ruleDocId", args.ruleDocId))
            .take(k),
        async (row) => {
          await ctx.db.delete("ruleVersions", row._id);
          deleted++;
          return true;
        },
      ),
    );
    return { deleted, done };
  },
});
