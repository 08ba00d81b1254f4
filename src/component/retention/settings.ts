/**
 * Retention settings: how long executions are kept and how many per rule
 * per status, for an integration, one of its namespaces, or one rule (each
 * overriding the wider scope field by field). The cleanup that applies them
 * is in cleanup.ts.
 */
import { v } from "convex/values";
import type { Doc } from "../_generated/dataModel.js";
import { mutation, query, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import {
  RETENTION_FIELDS,
  resolveRetention,
  retentionValueProblem,
} from "../../core/retention.js";
import {
  vEffectiveRetention,
  vRetentionRow,
  type EffectiveRetention,
  type RetentionValues,
} from "../../retentionValidators.js";
import { idFormatProblem } from "../../core/conditions.js";
import { fail } from "../lib/errors.js";

/** A scope as stored: `namespace` null for the whole integration, `ruleId` null above rules. */
export type RetentionScope = { integrationId: string; namespace: string | null; ruleId: string | null };

const scopeArgs = {
  integrationId: v.string(),
  /** Omitted: the whole integration (every namespace). "" is the default namespace. */
  namespace: v.optional(v.string()),
  /** A rule of the integration: settings for that rule alone. */
  ruleId: v.optional(v.string()),
};

/**
 * Checks the scope args; for a rule, finds its namespace. Reading or
 * clearing the settings of a rule that no longer exists is allowed (its
 * override outlives it): the namespace is then `args.namespace ?? ""`.
 */
async function scopeOf(
  ctx: QueryCtx,
  args: { integrationId: string; namespace?: string; ruleId?: string },
  { requireRule }: { requireRule: boolean },
): Promise<RetentionScope> {
  const problem = idFormatProblem(args.integrationId);
  if (problem) fail("INVALID_ARGUMENT", `integrationId: ${problem}`, "integrationId");
  if (args.namespace) {
    const nsProblem = idFormatProblem(args.namespace);
    if (nsProblem) fail("INVALID_ARGUMENT", `namespace: ${nsProblem}`, "namespace");
  }
  if (args.ruleId === undefined) {
    return { integrationId: args.integrationId, namespace: args.namespace ?? null, ruleId: null };
  }
  const rule = await ctx.db
    .query("rules")
    .withIndex("by_rule_id", (q) => q.eq("id", args.ruleId!))
    .unique();
  if (!rule) {
    if (requireRule) fail("RULE_NOT_FOUND", `ruleId: no rule "${args.ruleId}"`, "ruleId");
    return { integrationId: args.integrationId, namespace: args.namespace ?? "", ruleId: args.ruleId };
  }
  if (rule.integrationId !== args.integrationId) {
    fail(
      "INVALID_ARGUMENT",
      `ruleId: rule "${args.ruleId}" belongs to integration "${rule.integrationId}", not "${args.integrationId}"`,
      "ruleId",
    );
  }
  if (args.namespace !== undefined && args.namespace !== rule.namespace) {
    fail(
      "INVALID_ARGUMENT",
      `namespace: rule "${args.ruleId}" is in namespace "${rule.namespace}", not "${args.namespace}"`,
      "namespace",
    );
  }
  return { integrationId: args.integrationId, namespace: rule.namespace, ruleId: rule.id };
}

async function rowAt(ctx: QueryCtx, scope: RetentionScope): Promise<Doc<"retentionSettings"> | null> {
  return await ctx.db
    .query("retentionSettings")
    .withIndex("by_scope", (q) =>
      q.eq("integrationId", scope.integrationId).eq("namespace", scope.namespace).eq("ruleId", scope.ruleId),
    )
    .unique();
}

function valuesOf(row: Doc<"retentionSettings"> | null): RetentionValues | null {
  if (!row) return null;
  const values: RetentionValues = {};
  for (const field of RETENTION_FIELDS) {
    if (row[field] !== undefined) values[field] = row[field];
  }
  return values;
}

/**
 * Reads settings rows, caching them for the transaction: the cleanup looks
 * up the same integration and namespace for many rules.
 */
export class RetentionReader {
  private rows = new Map<string, Promise<Doc<"retentionSettings"> | null>>();
  constructor(private ctx: QueryCtx) {}

  row(scope: RetentionScope): Promise<Doc<"retentionSettings"> | null> {
    const key = JSON.stringify([scope.integrationId, scope.namespace, scope.ruleId]);
    let row = this.rows.get(key);
    if (!row) {
      row = rowAt(this.ctx, scope);
      this.rows.set(key, row);
    }
    return row;
  }

  /** The settings in force at `scope`, with where each came from. */
  async effective(scope: RetentionScope): Promise<EffectiveRetention> {
    const levels: Parameters<typeof resolveRetention>[0] = [];
    if (scope.ruleId !== null) {
      levels.push({ source: "rule", values: valuesOf(await this.row(scope)) });
    }
    if (scope.namespace !== null) {
      levels.push({
        source: "namespace",
        values: valuesOf(await this.row({ ...scope, ruleId: null })),
      });
    }
    levels.push({
      source: "integration",
      values: valuesOf(await this.row({ ...scope, namespace: null, ruleId: null })),
    });
    return { ...resolveRetention(levels), stored: valuesOf(await this.row(scope)) };
  }
}

/** Marks the next cleanup run to check every rule's counts (settings changed). */
async function requestFullCheck(ctx: MutationCtx) {
  const state = await ctx.db.query("retentionState").first();
  if (!state) await ctx.db.insert("retentionState", { fullCheckRequested: true });
  else if (!state.fullCheckRequested) {
    await ctx.db.patch("retentionState", state._id, { fullCheckRequested: true });
  }
}

/**
 * Sets retention at one scope: an integration (`namespace` omitted), one
 * namespace of it, or one rule (`ruleId`, which must belong to the
 * integration). Fields: `days` (finished executions are kept this long,
 * default 14), `failedDays` (failed and loop_blocked ones, default 30, and
 * never less than `days` unless set), `maxPerOutcome` (at most this many
 * per rule per status, newest first, default 100). An omitted field keeps
 * its stored value; `null` clears it (it inherits again). Returns the
 * settings now in force at that scope.
 */
export const setRetention = mutation({
  args: {
    ...scopeArgs,
    days: v.optional(v.union(v.number(), v.null())),
    failedDays: v.optional(v.union(v.number(), v.null())),
    maxPerOutcome: v.optional(v.union(v.number(), v.null())),
  },
  returns: vEffectiveRetention,
  handler: async (ctx, args) => {
    const scope = await scopeOf(ctx, args, { requireRule: true });
    for (const field of RETENTION_FIELDS) {
      const value = args[field];
      if (value === undefined || value === null) continue;
      const problem = retentionValueProblem(field, value);
      if (problem) fail("INVALID_ARGUMENT", `${field}: ${problem}`, field);
    }
    const row = await rowAt(ctx, scope);
    const next = { ...valuesOf(row) };
    for (const field of RETENTION_FIELDS) {
      const value = args[field];
      if (value === null) delete next[field];
      else if (value !== undefined) next[field] = value;
    }
    const before = JSON.stringify(valuesOf(row) ?? {});
    if (JSON.stringify(next) !== before) {
      if (RETENTION_FIELDS.every((field) => next[field] === undefined)) {
        if (row) await ctx.db.delete("retentionSettings", row._id);
      } else if (row) {
        await ctx.db.replace("retentionSettings", row._id, { ...scope, ...next, updatedAt: Date.now() });
      } else {
        await ctx.db.insert("retentionSettings", { ...scope, ...next, updatedAt: Date.now() });
      }
      await requestFullCheck(ctx);
    }
    return await new RetentionReader(ctx).effective(scope);
  },
});

/**
 * The retention settings in force at a scope (an integration, a namespace
 * of it, or a rule), where each field came from ("rule", "namespace",
 * "integration" or "default"), and what is stored at exactly that scope.
 */
export const getRetention = query({
  args: scopeArgs,
  returns: vEffectiveRetention,
  handler: async (ctx, args) => await new RetentionReader(ctx).effective(await scopeOf(ctx, args, { requireRule: false })),
});

/** Removes the settings stored at one scope: it inherits again. */
export const clearRetention = mutation({
  args: scopeArgs,
  returns: v.null(),
  handler: async (ctx, args) => {
    const row = await rowAt(ctx, await scopeOf(ctx, args, { requireRule: false }));
    if (row) {
      await ctx.db.delete("retentionSettings", row._id);
      await requestFullCheck(ctx);
    }
    return null;
  },
});

/** Every settings row of an integration (its own, its namespaces', its rules'), at most 1,000. */
export const listRetention = query({
  args: { integrationId: v.string() },
  returns: v.array(vRetentionRow),
  handler: async (ctx, args) => {
    const rows = await ctx.db
      .query("retentionSettings")
      .withIndex("by_scope", (q) => q.eq("integrationId", args.integrationId))
      .take(1000);
    return rows.map(({ _id, _creationTime, ...row }) => row);
  },
});
