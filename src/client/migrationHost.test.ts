/// <reference types="vite/client" />
// A host app for the migration tests (migration.test.ts) and the migration
// benchmark: a legacy `mondayRules` table, the monday.com integration the
// migration targets, and the client's migration functions, the way a real
// app exports them. Named *.test.ts so that no build ships it; vitest does
// not run it as a suite (see vitest.config.ts).
import { Migrations } from "@convex-dev/migrations";
import type { ComponentApi as MigrationsApi } from "@convex-dev/migrations/_generated/component.js";
import {
  componentsGeneric,
  defineSchema,
  defineTable,
  internalMutationGeneric,
  internalQueryGeneric,
  makeFunctionReference,
  type DataModelFromSchemaDefinition,
} from "convex/server";
import { v } from "convex/values";
import { defineIntegration, Rules } from "./index.js";
import type { ComponentApi } from "../component/_generated/component.js";

const components = componentsGeneric() as unknown as { rules: ComponentApi; migrations: MigrationsApi };

/** The legacy table, as LEGACY-MONDAY-RULES.md describes it. */
const legacyTable = defineTable({
  name: v.string(),
  boardId: v.string(),
  enabled: v.boolean(),
  triggerType: v.string(),
  triggerColumnId: v.optional(v.string()),
  triggerValue: v.optional(v.any()),
  conditions: v.optional(
    v.array(v.object({ columnId: v.string(), operator: v.string(), value: v.optional(v.any()) })),
  ),
  actionType: v.string(),
  actionConfig: v.any(),
  extraActions: v.optional(v.array(v.object({ type: v.string(), config: v.any() }))),
  createdBy: v.optional(v.string()),
  lastRunAt: v.optional(v.number()),
  runCount: v.optional(v.number()),
  createdAt: v.number(),
  updatedAt: v.optional(v.number()),
}).index("by_board", ["boardId"]);

export const schema = defineSchema({ mondayRules: legacyTable, oldMondayRules: legacyTable });

const triggers = {
  status_changed: {
    config: v.object({
      boardId: v.string(),
      columnId: v.string(),
      from: v.optional(v.string()),
      to: v.optional(v.string()),
    }),
    pattern: ({ boardId, columnId, from, to }: { boardId: string; columnId: string; from?: string; to?: string }) => ({
      boardId: [boardId],
      columnId: [columnId],
      ...(to === undefined ? {} : { value: { label: { text: [to] } } }),
      ...(from === undefined ? {} : { previousValue: { label: { text: [from] } } }),
    }),
  },
  column_changed: {
    config: v.object({ boardId: v.string(), columnId: v.optional(v.string()) }),
    pattern: ({ boardId, columnId }: { boardId: string; columnId?: string }) => ({
      boardId: [boardId],
      ...(columnId === undefined ? {} : { columnId: [columnId] }),
    }),
  },
  item_created: {
    config: v.object({ boardId: v.string(), groupId: v.optional(v.string()) }),
    pattern: ({ boardId, groupId }: { boardId: string; groupId?: string }) => ({
      boardId: [boardId],
      ...(groupId === undefined ? {} : { groupId: [groupId] }),
    }),
  },
  item_moved: {
    config: v.object({ boardId: v.string(), groupId: v.optional(v.string()) }),
    pattern: ({ boardId, groupId }: { boardId: string; groupId?: string }) => ({
      boardId: [boardId],
      ...(groupId === undefined ? {} : { destGroupId: [groupId] }),
    }),
  },
  update_created: {
    config: v.object({ boardId: v.string() }),
    pattern: ({ boardId }: { boardId: string }) => ({ boardId: [boardId] }),
  },
  date_arrived: {
    config: v.object({
      boardId: v.string(),
      columnId: v.string(),
      offsetDays: v.optional(v.number()),
      time: v.optional(v.string()),
    }),
  },
  every_time_period: {
    config: v.object({
      boardId: v.string(),
      every: v.union(v.literal("day"), v.literal("week"), v.literal("month")),
      at: v.optional(v.string()),
      weekday: v.optional(v.number()),
    }),
  },
};
const actions = {
  set_status: { config: v.object({ columnId: v.string(), label: v.string() }) },
  notify: { config: v.object({ userId: v.string(), text: v.string() }) },
  create_update: { config: v.object({ body: v.string() }) },
  move_to_group: { config: v.object({ groupId: v.string() }) },
  create_item: {
    config: v.object({ boardId: v.optional(v.string()), groupId: v.optional(v.string()), itemName: v.string() }),
  },
};

/** The monday.com integration the migration targets (as example/convex/monday.ts declares it). */
export const monday = defineIntegration({ triggers, actions });

export const rules = new Rules(components.rules, {
  integrations: { monday },
  http: { allowedHosts: ["hooks.example.com"] },
});

/** A client whose integration lacks some target types, and http.request. */
const { item_moved: _moved, update_created: _update, ...someTriggers } = triggers;
const partial = new Rules(components.rules, {
  integrations: { monday: defineIntegration({ triggers: someTriggers, actions }) },
});

/** The host's @convex-dev/migrations, as its README sets it up. */
export const migrations = new Migrations<DataModelFromSchemaDefinition<typeof schema>>(components.migrations);

/** The legacy table into "acme", 100 rows per batch. */
export const migrate = rules.migration.define(migrations, { namespace: "acme" });
/** Batches of 3 rows. */
export const migrateInThrees = rules.migration.define(migrations, { namespace: "acme", batchSize: 3 });
/** Another namespace: the rules it would write belong to "acme" already. */
export const migrateElsewhere = rules.migration.define(migrations, { namespace: "elsewhere" });
/** Another table, and a namespace derived from the row. */
export const migrateOld = rules.migration.define(migrations, {
  table: "oldMondayRules",
  namespace: (row) => `board-${row.boardId}`,
});
/** A client whose integration lacks some target types. */
export const migratePartial = partial.migration.define(migrations, { namespace: "acme" });

/** The migrations component's runner: `{ fn, dryRun, batchSize, cursor, reset }`. */
export const run = migrations.runner();

/** Starts (or resumes) a migration of this module by its export name, as a deploy script would. */
export const start = internalMutationGeneric({
  args: { name: v.string(), batchSize: v.optional(v.number()), dryRun: v.optional(v.boolean()) },
  handler: async (ctx, { name, ...options }) =>
    await migrations.runOne(ctx, makeFunctionReference<"mutation">(`migrationHost.test:${name}`) as never, options),
});

export const status = internalQueryGeneric({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const [state] = await migrations.getStatus(ctx, { migrations: [makeFunctionReference<"mutation">(`migrationHost.test:${name}`) as never] });
    return state ?? null;
  },
});

/** One row through `rules.migration.migrateRow`, with any options (the test passes them). */
export const migrateRow = internalMutationGeneric({
  args: { id: v.id("mondayRules"), options: v.any() },
  handler: async (ctx, { id, options }) => {
    const row = await ctx.db.get("mondayRules", id);
    return await rules.migration.migrateRow(ctx, row as never, options);
  },
});

export const removeRule = internalMutationGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.remove(ctx, args),
});

export const listMigrated = internalQueryGeneric({
  args: { cursor: v.union(v.string(), v.null()), unmappedOnly: v.optional(v.boolean()) },
  handler: async (ctx, args) => await rules.migration.list(ctx, args),
});

export const byLegacyId = internalQueryGeneric({
  args: { legacyId: v.string() },
  handler: async (ctx, args) => await rules.migration.getRule(ctx, args),
});
