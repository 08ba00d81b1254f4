/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import migrationsTest from "@convex-dev/migrations/test";
import samples from "../../example/fixtures/legacy-monday-rules.json";
import { register } from "../test.js";
import type { MigratedRule, RuleDoc } from "./index.js";
import { migrations, rules, schema } from "./migrationHost.test.js";
import { rulesErrorOf } from "../testing/errors.js";

const host = anyApi["migrationHost.test"] as unknown as ApiFromModules<{
  "migrationHost.test": typeof import("./migrationHost.test.js");
}>["migrationHost.test"];

type MigrationName = "migrate" | "migrateInThrees" | "migrateElsewhere" | "migrateOld" | "migratePartial";

beforeEach(() => {
  vi.useFakeTimers();
  // The migrations component reports each run on the console.
  vi.spyOn(console, "info").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
  vi.spyOn(console, "debug").mockImplementation(() => {});
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  migrationsTest.register(t);
  return t;
}
type T = ReturnType<typeof setup>;

/** Inserts the sample rows (in order) and returns their ids. */
async function seedSamples(t: T, table: "mondayRules" | "oldMondayRules" = "mondayRules"): Promise<string[]> {
  return await t.run(async (ctx) => {
    const ids: string[] = [];
    for (const row of samples as any[]) ids.push(await ctx.db.insert(table, row));
    return ids;
  });
}

/** Starts a migration and runs its batches to the end; returns its status. */
async function migrateAll(t: T, name: MigrationName, options: { batchSize?: number } = {}) {
  await t.mutation(host.start, { name, ...options });
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  return await t.query(host.status, { name });
}

async function rule(t: T, legacyId: string) {
  return (await t.query(host.byLegacyId, { legacyId })) as RuleDoc | null;
}

async function migrated(t: T, unmappedOnly = false): Promise<MigratedRule[]> {
  const out: MigratedRule[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: MigratedRule[]; continueCursor: string; isDone: boolean } = await t.query(host.listMigrated, { cursor, unmappedOnly });
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

const unmappedIds = async (t: T) => (await migrated(t, true)).map((r) => r.legacyId);

async function everything(t: T) {
  return await t.run(async (ctx) => ({
    rules: await ctx.db.query("mondayRules").collect(),
    old: await ctx.db.query("oldMondayRules").collect(),
  }));
}

describe("rules.migration.define, run by @convex-dev/migrations", () => {
  test("maps every sample row, checks it against the declarations and derives its pattern", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    const status = await migrateAll(t, "migrate");
    expect(status).toMatchObject({ name: "migrationHost.test:migrate", state: "success", isDone: true, processed: 14 });
    const all = await migrated(t);
    expect(all.map((r) => r.legacyId)).toEqual([...ids].sort());
    expect(await unmappedIds(t)).toEqual([ids[10], ids[11]].sort());

    const escalate = await rule(t, ids[1]);
    expect(escalate).toMatchObject({
      ruleId: `legacy-monday-${ids[1]}`,
      name: "Stuck -> escalate",
      namespace: "acme",
      enabled: true,
      version: 1,
      createdAt: 1701000000000,
      triggerPattern: {
        boardId: ["1771812698"],
        columnId: ["status"],
        value: { label: { text: ["Stuck"] } },
        previousValue: { label: { text: ["Working on it"] } },
      },
    });
    expect(escalate?.actions.map((a) => `${a.id}:${a.type}`)).toEqual(["a1:notify", "a2:notify", "a3:move_to_group"]);
    // The webhook maps to the built-in http.request (the host allows its host).
    expect((await rule(t, ids[2]))?.actions).toEqual([
      {
        id: "a1",
        type: "http.request",
        config: { method: "POST", url: "https://hooks.example.com/monday", body: "{{event}}" },
      },
    ]);
    // An unmapped row whose trigger is declared keeps the derived pattern.
    expect(await rule(t, ids[11])).toMatchObject({
      enabled: false,
      triggerType: "status_changed",
      triggerPattern: { boardId: ["3003"], columnId: ["status"], value: { label: { text: ["Shipped"] } } },
      actions: [{ type: "legacy:send_sms" }],
    });
    // A row with an unknown trigger: no pattern, and a trigger type no event has.
    expect(await rule(t, ids[10])).toMatchObject({ enabled: false, triggerType: "legacy:subitem_status_change" });
    expect((await rule(t, ids[10]))?.triggerPattern).toBeUndefined();
    // The legacy table is only read.
    const legacy = await t.run(async (ctx) => await ctx.db.query("mondayRules").collect());
    expect(legacy.map(({ _id, _creationTime, ...row }) => row)).toEqual(samples);
  });

  test("batches of 3: every row once, however the table is cut", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    const first = await t.mutation(host.start, { name: "migrateInThrees" });
    expect(first).toMatchObject({ processed: 3, isDone: false, state: "inProgress" });
    // Started again while it runs: the same run, not a second one.
    const again = await t.mutation(host.start, { name: "migrateInThrees" });
    expect(again).toMatchObject({ processed: 3, state: "inProgress" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.query(host.status, { name: "migrateInThrees" })).toMatchObject({ state: "success", processed: 14 });
    expect((await migrated(t)).map((r) => r.legacyId)).toEqual([...ids].sort());
  });

  test("a second run changes nothing: no duplicate, no new version", async () => {
    const t = setup();
    await seedSamples(t);
    await migrateAll(t, "migrate");
    const before = await t.run(async (ctx) => ({
      rules: await ctx.db.query("mondayRules").collect(),
    }));
    const rulesBefore = await migrated(t);
    const versionsBefore = await Promise.all(rulesBefore.map(async (r) => (await rule(t, r.legacyId))?.version));
    // A completed migration does nothing when started again; run from the start it finds every rule unchanged.
    expect(await migrateAll(t, "migrate")).toMatchObject({ state: "success", processed: 14 });
    await t.mutation(host.run, { fn: "migrationHost.test:migrate", cursor: null });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await migrated(t)).toEqual(rulesBefore);
    expect(await Promise.all(rulesBefore.map(async (r) => (await rule(t, r.legacyId))?.version))).toEqual(versionsBefore);
    expect(await t.run(async (ctx) => ({ rules: await ctx.db.query("mondayRules").collect() }))).toEqual(before);
  });

  test("a dry run migrates one batch and rolls it back: nothing written", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    const info = vi.mocked(console.info);
    const error = await t.mutation(host.start, { name: "migrate", dryRun: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ kind: string; status: { processed: number } }>).data).toMatchObject({
      kind: "DRY RUN",
      status: { processed: 14 },
    });
    expect(await migrated(t)).toEqual([]);
    // No run was recorded: the migrations component knows nothing of it.
    expect(await t.query(host.status, { name: "migrate" })).toMatchObject({ processed: 0, latestStart: 0, state: "unknown" });
    // Each row's outcome is on the console (the client's logLevel; WARN by default: the unmapped rows).
    const lines = vi
      .mocked(console.warn)
      .mock.calls.map((c) => String(c[0]))
      .filter((line) => line.includes('"migration.row"'))
      .map((line) => JSON.parse(line) as { legacyId: string; outcome: string });
    expect(lines.map((l) => [l.legacyId, l.outcome])).toEqual([
      [ids[10], "created"],
      [ids[11], "created"],
    ]);
    expect(info.mock.calls.filter((c) => String(c[0]).includes('"migration.row"'))).toEqual([]);
  });

  test("types the integration does not declare: imported disabled, the reason names the declaration", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    await migrateAll(t, "migratePartial");
    const unmapped = await migrated(t, true);
    expect(unmapped).toHaveLength(5);
    const reasons = Object.fromEntries(unmapped.map((u) => [u.legacyId, u.unmappedReason]));
    expect(reasons[ids[6]]).toMatch(/^integration "monday": triggerType: "item_moved" is not a trigger of integration "monday"/);
    expect(reasons[ids[7]]).toContain('"update_created" is not a trigger');
    expect(reasons[ids[2]]).toContain("http.request");
    expect(await rule(t, ids[6])).toMatchObject({
      enabled: false,
      triggerType: "item_moved",
      triggerConfig: { boardId: "2001", groupId: "done" },
      metadata: { migration: { unmappedReason: reasons[ids[6]] } },
    });
  });

  test("another table, and a namespace derived from the row", async () => {
    const t = setup();
    const ids = await seedSamples(t, "oldMondayRules");
    expect(await migrateAll(t, "migrateOld")).toMatchObject({ state: "success", processed: 14 });
    const first = await rule(t, ids[0]);
    expect(first?.metadata).toMatchObject({ legacy: { table: "oldMondayRules", id: ids[0] } });
    expect(first?.namespace).toBe(`board-${(samples as any[])[0].boardId}`);
  });

  test("a failing batch stops the run with its error, writing nothing of it; the run resumes from its cursor", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    // Row 4's rule already exists in another namespace: the batch holding
    // it (rows 3 to 5) fails, since a rule never moves to another namespace.
    await t.mutation(host.migrateRow, { id: ids[4] as never, options: { namespace: "other" } });
    const failed = await migrateAll(t, "migrateInThrees");
    expect(failed).toMatchObject({ state: "failed", processed: 3, isDone: false });
    expect(failed?.error).toContain("DUPLICATE_RULE_ID");
    expect((await migrated(t)).map((r) => r.legacyId)).toEqual([...ids.slice(0, 3), ids[4]].sort());
    // Once the conflict is gone, the run resumes after its first batch and completes.
    await t.mutation(host.removeRule, { ruleId: `legacy-monday-${ids[4]}` });
    expect(await migrateAll(t, "migrateInThrees")).toMatchObject({ state: "success", processed: 14 });
    expect((await migrated(t)).map((r) => r.legacyId)).toEqual([...ids].sort());
    expect((await rule(t, ids[4]))?.namespace).toBe("acme");
  });

  test("a batch too big for one transaction fails as a whole and keeps the run's cursor; smaller batches resume it", async () => {
    const t = setup();
    // 100 small rows (the first batch), then 30 rows of 700 KB: 21 MB in
    // the second batch, more than a transaction may read.
    await t.run(async (ctx) => {
      for (let i = 0; i < 100; i++) await ctx.db.insert("mondayRules", { ...(samples as any[])[i % 14], name: `rule ${i}` });
    });
    const big = "y".repeat(700_000);
    for (let chunk = 0; chunk < 6; chunk++) {
      await t.run(async (ctx) => {
        for (let i = 0; i < 5; i++) {
          await ctx.db.insert("mondayRules", { ...(samples as any[])[4], name: `big ${chunk * 5 + i}`, actionConfig: { body: big } });
        }
      });
    }
    const failed = await migrateAll(t, "migrate");
    expect(failed).toMatchObject({ state: "failed", processed: 100, isDone: false });
    expect(await migrated(t)).toHaveLength(100);
    // Run again with batches of 5: from the cursor, nothing twice.
    expect(await migrateAll(t, "migrate", { batchSize: 5 })).toMatchObject({ state: "success", processed: 130 });
    const all = await migrated(t);
    expect(all).toHaveLength(130);
    expect(new Set(all.map((r) => r.ruleId)).size).toBe(130);
  });

  test("a first batch too big for one transaction fails the call and records nothing", async () => {
    const t = setup();
    const big = "y".repeat(700_000);
    for (let chunk = 0; chunk < 6; chunk++) {
      await t.run(async (ctx) => {
        for (let i = 0; i < 5; i++) {
          await ctx.db.insert("mondayRules", { ...(samples as any[])[4], name: `big ${chunk * 5 + i}`, actionConfig: { body: big } });
        }
      });
    }
    await expect(t.mutation(host.start, { name: "migrate" })).rejects.toThrow(/Read too much data/);
    expect(await migrated(t)).toEqual([]);
    expect(await t.query(host.status, { name: "migrate" })).toMatchObject({ processed: 0, state: "unknown" });
    expect(await migrateAll(t, "migrate", { batchSize: 5 })).toMatchObject({ state: "success", processed: 30 });
  });

  test("rows too big or too deep for a rule are imported unmapped, with as much of the row as fits", async () => {
    const t = setup();
    const deep: Record<string, unknown> = { leaf: 1 };
    let nested = deep;
    for (let i = 0; i < 14; i++) nested = { next: nested };
    const big = "x".repeat(600_000);
    const [bigId, deepId] = await t.run(async (ctx) => [
      await ctx.db.insert("mondayRules", {
        ...(samples as any[])[4],
        actionConfig: { body: big },
      }),
      await ctx.db.insert("mondayRules", {
        ...(samples as any[])[0],
        triggerValue: nested,
      }),
    ]);
    const result = await migrateAll(t, "migrate");
    expect(result).toMatchObject({ state: "success", processed: 2 });
    expect((await unmappedIds(t)).sort()).toEqual([bigId, deepId].sort());
    const bigRule = await rule(t, bigId);
    expect(bigRule).toMatchObject({ enabled: false, triggerType: "legacy:item_created", actions: [], conditions: [] });
    expect(bigRule?.metadata.migration.unmappedReason).toMatch(/^rule: is \d+ bytes; a rule may hold at most/);
    expect(bigRule?.metadata.migration.unmappedReason).toContain("kept sanitized in metadata.legacy.row");
    expect(JSON.stringify(bigRule?.metadata.legacy.row).length).toBeLessThan(300_000);
    expect(bigRule?.metadata.legacy.row.name).toBe("New item welcome");
    const deepRule = await rule(t, deepId);
    expect(deepRule?.metadata.migration.unmappedReason).toMatch(/nest/);
    expect(deepRule?.enabled).toBe(false);
  });

});

describe("options", () => {
  test.each([
    [{ batchSize: 0 }, "batchSize", "batchSize: must be a positive integer, got 0"],
    [{ batchSize: 2.5 }, "batchSize", "got 2.5"],
    [{ table: "" }, "table", "table: must be a table name"],
    [{ integrationId: "github" }, "integrationId", 'integrationId: "github" is not a declared integration; expected one of monday'],
    [{ namespace: 5 }, "namespace", "namespace: must be a string or a function"],
  ])("bad options %j fail when the migration is defined: INVALID_ARGUMENT naming %s", (options, field, message) => {
    let caught: unknown;
    try {
      rules.migration.define(migrations, options as never);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConvexError);
    expect((caught as ConvexError<{ code: string; field: string; message: string }>).data).toMatchObject({
      code: "INVALID_ARGUMENT",
      field,
      message: expect.stringContaining(message),
    });
  });

  test("rules.migration.migrateRow refuses bad options the same way, writing nothing", async () => {
    const t = setup();
    const [id] = await seedSamples(t);
    const data = await rulesErrorOf(t.mutation(host.migrateRow, { id: id as never, options: { namespace: 5 } }));
    expect(data).toMatchObject({ code: "INVALID_ARGUMENT", field: "namespace" });
    expect(await migrated(t)).toEqual([]);
    expect(await t.mutation(host.migrateRow, { id: id as never, options: { namespace: "acme" } })).toEqual({
      legacyId: id,
      ruleId: `legacy-monday-${id}`,
      outcome: "created",
    });
    expect((await everything(t)).rules).toHaveLength(14);
  });
});
