/**
 * Rule management: create, update, enable/disable, delete, read, list,
 * import and export. Every function identifies a rule by its public key,
 * `ruleId` (the `id` field of the `rules` table).
 */
import { paginationResultValidator } from "convex/server";
import { compareValues, v, type Value } from "convex/values";
import { paginator } from "convex-helpers/server/pagination";
import { internal } from "./_generated/api.js";
import type { Doc } from "./_generated/dataModel.js";
import {
  mutation,
  query,
  type MutationCtx,
  type QueryCtx,
} from "./_generated/server.js";
import schema from "./schema.js";
import {
  LIMITS,
  RULE_DEFINITION_FIELDS,
  vImportResult,
  vRule,
  vRuleExport,
  vRuleInput,
  vScopePageArgs,
  vUpdateRuleArgs,
  type ImportError,
  type RuleInput,
  vClientConfig,
  type ClientConfig,
} from "../shared.js";
import {
  validateRuleDefinition,
  validateRuleId,
  type RuleDefinition,
  type RuleDefinitionInput,
  type RuleProblem,
} from "../core/ruleValidation.js";
import { checkLimit, fail } from "./lib/errors.js";
import { toDefinitionInput, toExport, toRule } from "./rules/ruleDocs.js";
import { syncRoutes } from "./rules/routes.js";
import { syncSchedule } from "./dispatch/schedules.js";
import { storeClientConfig } from "./dispatch/clientConfig.js";
import { checkActor, deleteVersionsLater, recordVersion, type ChangeInfo } from "./rules/versionDocs.js";
// Auto-disable marks and stats.
import { disableMarksAfter } from "./executions/health.js";
import { deleteRuleStats } from "./executions/stats.js";

const DEFAULT_LIST_LIMIT = 100;

/**
 * Creates a rule and returns its `ruleId`. Fails with `INVALID_RULE` (the
 * message names the field) or `DUPLICATE_RULE_ID`, writing nothing.
 */
export const createRule = mutation({
  args: { ...vRuleInput.fields, actor: v.optional(v.string()), config: v.optional(vClientConfig) },
  returns: v.string(),
  handler: async (ctx, args) => {
    const { id, actor, config, ...input } = args;
    checkActor(actor);
    const ruleId = id ?? crypto.randomUUID();
    const idProblem = validateRuleId(ruleId);
    if (idProblem) fail(idProblem.code, idProblem.message, idProblem.field);
    const definition = definitionOrFail(input);
    if (await findRuleDoc(ctx, ruleId)) {
      fail("DUPLICATE_RULE_ID", `id: a rule with id "${ruleId}" already exists`, "id");
    }
    await storeClientConfig(ctx, [definition.integrationId], config);
    await insertRule(ctx, ruleId, definition, undefined, actor === undefined ? {} : { actor });
    return ruleId;
  },
});

/**
 * Changes some fields of a rule. With `expectedVersion`, fails with
 * `VERSION_CONFLICT` when the rule changed since that version was read.
 * `null` clears an optional field. Returns the rule as stored.
 */
export const updateRule = mutation({
  args: { ...vUpdateRuleArgs.fields, config: v.optional(vClientConfig) },
  returns: vRule,
  handler: async (ctx, args) => {
    const { ruleId, expectedVersion, integrationId, actor, config, ...patch } = args;
    checkActor(actor);
    const doc = await getRuleDocOrFail(ctx, ruleId);
    checkVersion(doc, expectedVersion);
    if (integrationId !== undefined && integrationId !== doc.integrationId) {
      fail(
        "INVALID_ARGUMENT",
        `integrationId: rule "${ruleId}" belongs to integration "${doc.integrationId}", not "${integrationId}"`,
        "integrationId",
      );
    }
    const merged: RuleDefinitionInput = toDefinitionInput(doc);
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      // null clears the optional fields; triggerConfig is required and
      // v.any(), so null is its value (as createRule accepts it).
      const clear = value === null && key !== "triggerConfig";
      (merged as Record<string, unknown>)[key] = clear ? undefined : value;
    }
    const definition = definitionOrFail(merged);
    await storeClientConfig(ctx, [doc.integrationId], config);
    const updated = await writeDefinition(ctx, doc, definition, actor === undefined ? {} : { actor });
    return toRule(updated);
  },
});

/** Enables a rule; a no-op (no new version) when it is already enabled. */
export const enableRule = mutation({
  args: {
    ruleId: v.string(),
    expectedVersion: v.optional(v.number()),
    actor: v.optional(v.string()),
    config: v.optional(vClientConfig),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    await setEnabled(ctx, args.ruleId, true, args.expectedVersion, args.actor, args.config);
    return null;
  },
});

/** Disables a rule; a no-op (no new version) when it is already disabled. */
export const disableRule = mutation({
  args: { ruleId: v.string(), expectedVersion: v.optional(v.number()), actor: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, args) => {
    await setEnabled(ctx, args.ruleId, false, args.expectedVersion, args.actor);
    return null;
  },
});

/**
 * Deletes a rule at once, and its executions and logs in background batches
 * (a rule may have more history than one transaction can delete).
 */
export const deleteRule = mutation({
  args: { ruleId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const doc = await getRuleDocOrFail(ctx, args.ruleId);
    await ctx.db.delete("rules", doc._id);
    await deleteVersionsLater(ctx, doc._id);
    await syncRoutes(ctx, args.ruleId, null);
    await syncSchedule(ctx, args.ruleId, null);
    await deleteRuleStats(ctx, args.ruleId);
    const newest = await ctx.db
      .query("ruleExecutions")
      .withIndex("by_rule", (q) => q.eq("ruleId", args.ruleId))
      .order("desc")
      .first();
    if (newest) {
      await ctx.scheduler.runAfter(0, internal.executions.history.deleteRuleHistory, {
        ruleId: args.ruleId,
        upTo: newest._creationTime,
      });
    }
    return null;
  },
});

/** The rule with this `ruleId`, or null. */
export const getRule = query({
  args: { ruleId: v.string() },
  returns: v.union(vRule, v.null()),
  handler: async (ctx, args) => {
    const doc = await findRuleDoc(ctx, args.ruleId);
    return doc ? toRule(doc) : null;
  },
});

/**
 * Up to `limit` (default 100, at most 1000) rules of one integration and
 * namespace, optionally only enabled or disabled ones, oldest first.
 */
export const getRulesByIntegration = query({
  args: {
    integrationId: v.string(),
    namespace: v.optional(v.string()),
    enabled: v.optional(v.boolean()),
    limit: v.optional(v.number()),
  },
  returns: v.array(vRule),
  handler: async (ctx, args) => {
    const limit = checkLimit(args.limit, DEFAULT_LIST_LIMIT);
    const namespace = args.namespace ?? "";
    const { enabled } = args;
    const docs =
      enabled === undefined
        ? await ctx.db
            .query("rules")
            .withIndex("by_scope", (q) =>
              q.eq("integrationId", args.integrationId).eq("namespace", namespace),
            )
            .take(limit)
        : await ctx.db
            .query("rules")
            .withIndex("by_scope_enabled", (q) =>
              q
                .eq("integrationId", args.integrationId)
                .eq("namespace", namespace)
                .eq("enabled", enabled),
            )
            .take(limit);
    return docs.map(toRule);
  },
});

/** One page of the rules of an integration and namespace, oldest first. */
export const listRules = query({
  args: { ...vScopePageArgs.fields, enabled: v.optional(v.boolean()) },
  returns: paginationResultValidator(vRule),
  handler: async (ctx, args) => {
    if (args.enabled === undefined) {
      const result = await pageOfScope(ctx, args);
      return { ...result, page: result.page.map(toRule) };
    }
    const enabled = args.enabled;
    // Only enabled (or only disabled) rules: their own index range, in creation order.
    const result = await paginator(ctx.db, schema)
      .query("rules")
      .withIndex("by_scope_enabled", (q) =>
        q.eq("integrationId", args.integrationId).eq("namespace", args.namespace ?? "").eq("enabled", enabled),
      )
      .paginate(args.paginationOpts);
    return { ...result, page: result.page.map(toRule) };
  },
});

/**
 * Upserts up to 500 rules by `id`, all or nothing: when any rule is invalid,
 * fails with `IMPORT_FAILED` listing every problem (`data.errors`) and writes
 * nothing. Rules whose definition did not change keep their version.
 */
export const importRules = mutation({
  args: { rules: v.array(vRuleInput), actor: v.optional(v.string()), config: v.optional(vClientConfig) },
  returns: vImportResult,
  handler: async (ctx, args) => {
    checkActor(args.actor);
    const change: ChangeInfo = {
      operation: "import",
      ...(args.actor === undefined ? {} : { actor: args.actor }),
    };
    if (args.rules.length > LIMITS.importBatch) {
      fail(
        "INVALID_ARGUMENT",
        `rules: at most ${LIMITS.importBatch} rules per call, got ${args.rules.length}`,
        "rules",
      );
    }
    const errors: ImportError[] = [];
    const planned: Array<{
      ruleId: string;
      definition: RuleDefinition;
      existing: Doc<"rules"> | null;
    }> = [];
    const seen = new Set<string>();
    for (const [index, rule] of args.rules.entries()) {
      const problem = await planImport(ctx, rule, seen);
      if ("code" in problem) {
        errors.push({ index, ...withId(rule.id), ...problem });
      } else {
        planned.push(problem);
      }
    }
    if (errors.length > 0) {
      const first = errors[0]!;
      fail(
        "IMPORT_FAILED",
        `rules: ${errors.length} of ${args.rules.length} rules are invalid; rules[${first.index}]: ${first.message}`,
        "rules",
        { errors },
      );
    }
    await storeClientConfig(ctx, planned.map((p) => p.definition.integrationId), args.config);
    const result = { created: 0, updated: 0, unchanged: 0, ruleIds: [] as string[] };
    for (const { ruleId, definition, existing } of planned) {
      result.ruleIds.push(ruleId);
      if (!existing) {
        await insertRule(ctx, ruleId, definition, undefined, change);
        result.created++;
      } else if (sameDefinition(existing, definition)) {
        result.unchanged++;
      } else {
        await writeDefinition(ctx, existing, definition, change);
        result.updated++;
      }
    }
    return result;
  },
});

/**
 * One page of rule definitions of an integration and namespace, in exactly
 * the shape `importRules` accepts.
 */
export const exportRules = query({
  args: vScopePageArgs.fields,
  returns: paginationResultValidator(vRuleExport),
  handler: async (ctx, args) => {
    const result = await pageOfScope(ctx, args);
    return { ...result, page: result.page.map(toExport) };
  },
});

// --- helpers -------------------------------------------------------------

export async function findRuleDoc(
  ctx: QueryCtx,
  ruleId: string,
): Promise<Doc<"rules"> | null> {
  return await ctx.db
    .query("rules")
    .withIndex("by_rule_id", (q) => q.eq("id", ruleId))
    .unique();
}

export async function getRuleDocOrFail(
  ctx: QueryCtx,
  ruleId: string,
): Promise<Doc<"rules">> {
  const doc = await findRuleDoc(ctx, ruleId);
  if (!doc) fail("RULE_NOT_FOUND", `ruleId: no rule with id "${ruleId}"`, "ruleId");
  return doc;
}

function definitionOrFail(input: RuleDefinitionInput): RuleDefinition {
  const result = validateRuleDefinition(input);
  if (!result.ok) {
    fail(result.problem.code, result.problem.message, result.problem.field);
  }
  return result.value;
}

function checkVersion(doc: Doc<"rules">, expectedVersion: number | undefined) {
  if (expectedVersion !== undefined && expectedVersion !== doc.version) {
    fail(
      "VERSION_CONFLICT",
      `expectedVersion: rule "${doc.id}" is at version ${doc.version}, not ${expectedVersion}`,
      "expectedVersion",
    );
  }
}

export async function insertRule(
  ctx: MutationCtx,
  ruleId: string,
  definition: RuleDefinition,
  /** Carried over by migrations; default now. */
  createdAt?: number,
  /** Who and what made it, for its first version (rules/versions.ts). */
  change?: ChangeInfo,
): Promise<void> {
  const now = Date.now();
  const doc = { id: ruleId, ...definition, version: 1, createdAt: createdAt ?? now, updatedAt: now };
  const _id = await ctx.db.insert("rules", doc);
  await recordVersion(ctx, null, { _id, _creationTime: now, ...doc }, change);
  // The id was just checked to be free, and routes and schedules never
  // outlive their rule (deleteRule removes them in its own transaction):
  // nothing to look up and replace.
  await syncRoutes(ctx, ruleId, { _id, _creationTime: now, ...doc }, { created: true });
  await syncSchedule(ctx, ruleId, { _id, _creationTime: now, ...doc }, { created: true });
}

/** Replaces a rule's definition; a new version only when something changed. */
export async function writeDefinition(
  ctx: MutationCtx,
  doc: Doc<"rules">,
  definition: RuleDefinition,
  /** Who and what made the change, for the new version (rules/versions.ts). */
  change?: ChangeInfo,
): Promise<Doc<"rules">> {
  if (sameDefinition(doc, definition)) return doc;
  const updated: Doc<"rules"> = {
    _id: doc._id,
    _creationTime: doc._creationTime,
    id: doc.id,
    ...definition,
    version: doc.version + 1,
    createdAt: doc.createdAt,
    updatedAt: Date.now(),
    // Kept while the rule stays disabled, cleared when it is enabled (executions/health.ts).
    ...disableMarksAfter(doc, definition.enabled),
  };
  await ctx.db.replace("rules", doc._id, updated);
  await recordVersion(ctx, doc, updated, change);
  await syncRoutes(ctx, doc.id, updated);
  await syncSchedule(ctx, doc.id, updated);
  return updated;
}

async function setEnabled(
  ctx: MutationCtx,
  ruleId: string,
  enabled: boolean,
  expectedVersion: number | undefined,
  actor?: string,
  config?: ClientConfig,
) {
  checkActor(actor);
  const doc = await getRuleDocOrFail(ctx, ruleId);
  checkVersion(doc, expectedVersion);
  await storeClientConfig(ctx, [doc.integrationId], config);
  if (doc.enabled === enabled) return;
  const changes = {
    enabled,
    version: doc.version + 1,
    updatedAt: Date.now(),
    // Enabling clears the auto-disable marks (executions/health.ts).
    ...disableMarksAfter(doc, enabled),
  };
  await ctx.db.patch("rules", doc._id, changes);
  await recordVersion(ctx, doc, { ...doc, ...changes }, {
    operation: enabled ? "enable" : "disable",
    ...(actor === undefined ? {} : { actor }),
  });
  await syncRoutes(ctx, ruleId, { ...doc, ...changes });
  await syncSchedule(ctx, ruleId, { ...doc, ...changes });
}

/** Whether a stored rule already has exactly this definition. */
export function sameDefinition(doc: Doc<"rules">, definition: RuleDefinition): boolean {
  return RULE_DEFINITION_FIELDS.every(
    (field) =>
      compareValues(doc[field] as Value | undefined, definition[field] as Value | undefined) === 0,
  );
}

export type PlannedImport = {
  ruleId: string;
  definition: RuleDefinition;
  existing: Doc<"rules"> | null;
};

export async function planImport(
  ctx: QueryCtx,
  rule: RuleInput,
  seen: Set<string>,
): Promise<PlannedImport | RuleProblem> {
  const { id, ...input } = rule;
  const ruleId = id ?? crypto.randomUUID();
  const idProblem = validateRuleId(ruleId);
  if (idProblem) return idProblem;
  if (seen.has(ruleId)) {
    return {
      code: "DUPLICATE_RULE_ID",
      field: "id",
      message: `id: "${ruleId}" appears more than once in this import`,
    };
  }
  seen.add(ruleId);
  const result = validateRuleDefinition(input);
  if (!result.ok) return result.problem;
  const existing = await findRuleDoc(ctx, ruleId);
  if (
    existing &&
    (existing.integrationId !== result.value.integrationId ||
      existing.namespace !== result.value.namespace)
  ) {
    // An import never moves a rule to another integration or tenant.
    return {
      code: "DUPLICATE_RULE_ID",
      field: "id",
      message: `id: "${ruleId}" belongs to another integration or namespace`,
    };
  }
  return { ruleId, definition: result.value, existing };
}

function withId(id: string | undefined): { id?: string } {
  return id === undefined ? {} : { id };
}

async function pageOfScope(
  ctx: QueryCtx,
  args: {
    integrationId: string;
    namespace?: string;
    paginationOpts: { numItems: number; cursor: string | null };
  },
) {
  const namespace = args.namespace ?? "";
  return await paginator(ctx.db, schema)
    .query("rules")
    .withIndex("by_scope", (q) =>
      q.eq("integrationId", args.integrationId).eq("namespace", namespace),
    )
    .paginate(args.paginationOpts);
}

