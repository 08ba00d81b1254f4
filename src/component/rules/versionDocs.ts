/**
 * Writing and reading rule versions (see versions.ts for the functions).
 * `recordVersion` is called by every change to a rule in rules.ts
 * (`insertRule`, `writeDefinition`, `setEnabled`), in the same transaction,
 * so the history never disagrees with the rule: the row of a rule's current
 * version always exists and equals the rule's definition.
 */
import { compareValues, type Value } from "convex/values";
import { internal } from "../_generated/api.js";
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import {
  RULE_DEFINITION_FIELDS,
  type RuleChangeOperation,
  type RuleDefinition,
  type RuleDefinitionField,
  type RuleVersion,
} from "../../shared.js";
import { fail } from "../lib/errors.js";
import { toExport } from "./ruleDocs.js";

/** Who and what made a change; every field optional. */
export type ChangeInfo = {
  actor?: string;
  operation?: RuleChangeOperation;
  rollbackOf?: number;
};

export const ACTOR_MAX_LENGTH = 256;

/** An `actor` argument: absent, or 1 to 256 characters. */
export function checkActor(actor: string | undefined): void {
  if (actor !== undefined && (actor.length === 0 || actor.length > ACTOR_MAX_LENGTH)) {
    fail("INVALID_ARGUMENT", `actor: must be 1 to ${ACTOR_MAX_LENGTH} characters`, "actor");
  }
}

/** The definition fields of a rule (or of a version), without absent ones. */
function definitionOf(doc: Pick<Doc<"rules">, RuleDefinitionField>): RuleDefinition {
  const definition: Record<string, unknown> = {};
  for (const field of RULE_DEFINITION_FIELDS) {
    if (doc[field] !== undefined) definition[field] = doc[field];
  }
  return definition as RuleDefinition;
}

/** The definition fields whose values differ between two states of a rule. */
export function changedFields(
  before: Pick<Doc<"rules">, RuleDefinitionField>,
  after: Pick<Doc<"rules">, RuleDefinitionField>,
): string[] {
  return RULE_DEFINITION_FIELDS.filter(
    (field) =>
      compareValues(before[field] as Value | undefined, after[field] as Value | undefined) !== 0,
  );
}

/** The row of one version of one rule document, or null. */
export async function findVersion(
  ctx: QueryCtx,
  ruleDocId: Id<"rules">,
  version: number,
): Promise<Doc<"ruleVersions"> | null> {
  return await ctx.db
    .query("ruleVersions")
    .withIndex("by_rule_doc_version", (q) => q.eq("ruleDocId", ruleDocId).eq("version", version))
    .unique();
}

/**
 * Records `after`, the rule as just written, as a new version; `before` is
 * the rule before the change (null on creation). When `before` has no row
 * (a rule written before history was kept, or by a write that bypassed
 * this), it is recorded first as an "unrecorded" version, so that the
 * previous version can always be read and rolled back to.
 */
export async function recordVersion(
  ctx: MutationCtx,
  before: Doc<"rules"> | null,
  after: Doc<"rules">,
  change: ChangeInfo = {},
): Promise<void> {
  if (before && !(await findVersion(ctx, before._id, before.version))) {
    await ctx.db.insert("ruleVersions", {
      ruleId: before.id,
      ruleDocId: before._id,
      version: before.version,
      changedAt: before.updatedAt,
      operation: "unrecorded",
      changes: [],
      ...definitionOf(before),
    });
  }
  await ctx.db.insert("ruleVersions", {
    ruleId: after.id,
    ruleDocId: after._id,
    version: after.version,
    changedAt: after.updatedAt,
    ...(change.actor === undefined ? {} : { actor: change.actor }),
    operation: change.operation ?? (before ? "update" : "create"),
    changes: before ? changedFields(before, after) : [],
    ...(change.rollbackOf === undefined ? {} : { rollbackOf: change.rollbackOf }),
    ...definitionOf(after),
  });
}

/**
 * Deletes a deleted rule's versions in the background (versions.ts
 * `deleteRuleVersions`), by its document id: a rule created again with the
 * same id keeps its own history.
 */
export async function deleteVersionsLater(ctx: MutationCtx, ruleDocId: Id<"rules">): Promise<void> {
  await ctx.scheduler.runAfter(0, internal.rules.versions.deleteRuleVersions, { ruleDocId });
}

/** A version row as a rule document (for conversions and validation). */
export function versionAsRuleDoc(row: Doc<"ruleVersions">): Doc<"rules"> {
  return {
    _id: row.ruleDocId,
    _creationTime: row._creationTime,
    id: row.ruleId,
    ...definitionOf(row),
    version: row.version,
    createdAt: row.changedAt,
    updatedAt: row.changedAt,
  };
}

/** A version as queries return it. */
export function toRuleVersion(row: Doc<"ruleVersions">): RuleVersion {
  return {
    ruleId: row.ruleId,
    version: row.version,
    changedAt: row.changedAt,
    ...(row.actor === undefined ? {} : { actor: row.actor }),
    operation: row.operation,
    changes: row.changes,
    ...(row.rollbackOf === undefined ? {} : { rollbackOf: row.rollbackOf }),
    rule: toExport(versionAsRuleDoc(row)),
  };
}
