/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules, type TransactionMetrics } from "convex/server";
import { afterEach, describe, expect, test, vi } from "vitest";
import samples from "../../example/fixtures/legacy-monday-rules.json";
import { register } from "../test.js";
import { MIGRATION_BATCH, nextBatchSize, type MondayMigrationResult, type RuleDoc } from "./index.js";
import { schema } from "./migrationHost.test.js";
import { rulesErrorOf } from "../testing/errors.js";

const host = anyApi["migrationHost.test"] as unknown as ApiFromModules<{
  "migrationHost.test": typeof import("./migrationHost.test.js");
}>["migrationHost.test"];

afterEach(() => {
  vi.useRealTimers();
});

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
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

async function batch(t: T, args: Record<string, unknown>, partial = false): Promise<MondayMigrationResult> {
  return (await t.mutation(host.migrateBatch, { args, partial })) as MondayMigrationResult;
}

async function rule(t: T, legacyId: string) {
  return (await t.query(host.byLegacyId, { legacyId })) as RuleDoc | null;
}

describe("migrateMondayRules: one batch", () => {
  test("maps every sample row, checks it against the declarations and derives its pattern", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    const result = await batch(t, { namespace: "acme" });
    expect(result).toMatchObject({
      dryRun: false,
      alreadyComplete: false,
      processed: 14,
      created: 14,
      updated: 0,
      unchanged: 0,
      unmapped: 2,
      isDone: true,
    });
    expect(result.unmappedRules.map((u) => u.legacyId)).toEqual([ids[10], ids[11]]);
    expect(result.run).toMatchObject({ processed: 14, created: 14, unmapped: 2, batches: 1 });
    expect(result.run?.completedAt).toEqual(expect.any(Number));

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

  test("batches follow each other from the stored cursor; an explicit cursor reads from there", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    const first = await batch(t, { namespace: "acme", batchSize: 5 });
    expect(first).toMatchObject({ processed: 5, created: 5, isDone: false });
    expect(first.cursor).toEqual(expect.any(String));
    // No cursor: resumes where the run stopped.
    const second = await batch(t, { namespace: "acme", batchSize: 5 });
    expect(second).toMatchObject({ processed: 5, created: 5, isDone: false });
    expect(second.run).toMatchObject({ processed: 10, batches: 2 });
    expect(await rule(t, ids[9])).not.toBeNull();
    expect(await rule(t, ids[10])).toBeNull();
    // An explicit cursor: the batch after `first` again, unchanged.
    const again = await batch(t, { namespace: "acme", batchSize: 5, cursor: first.cursor });
    expect(again).toMatchObject({ processed: 5, created: 0, unchanged: 5 });
    const last = await batch(t, { namespace: "acme", batchSize: 10 });
    expect(last).toMatchObject({ processed: 4, created: 4, isDone: true });
    expect(last.run).toMatchObject({ processed: 19, created: 14, unchanged: 5, batches: 4 });
  });

  test("a second run changes nothing; force re-imports (all unchanged)", async () => {
    const t = setup();
    await seedSamples(t);
    await batch(t, { namespace: "acme" });
    const before = await t.query(host.status, {});
    const again = await batch(t, { namespace: "acme" });
    expect(again).toMatchObject({ alreadyComplete: true, processed: 0, created: 0, updated: 0, isDone: true });
    expect(again.cursor).toBe(before?.cursor);
    expect(await t.query(host.status, {})).toEqual(before);
    const forced = await batch(t, { namespace: "acme", force: true });
    expect(forced).toMatchObject({ alreadyComplete: false, processed: 14, created: 0, updated: 0, unchanged: 14 });
  });

  test("dryRun reports what would happen, rule by rule, and writes nothing (from a query too)", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    const fromQuery = (await t.query(host.preview, { args: { namespace: "acme", batchSize: 4 } })) as MondayMigrationResult;
    expect(fromQuery).toMatchObject({ dryRun: true, processed: 4, created: 4, isDone: false, run: null });
    expect(fromQuery.details?.created.map((c) => c.legacyId)).toEqual(ids.slice(0, 4));
    expect(await t.query(host.status, {})).toBeNull();
    expect(await rule(t, ids[0])).toBeNull();

    const fromMutation = await batch(t, { namespace: "acme", dryRun: true });
    expect(fromMutation).toMatchObject({ dryRun: true, processed: 14, created: 14, unmapped: 2 });
    expect(fromMutation.details?.unmapped.map((u) => u.legacyId)).toEqual([ids[10], ids[11]]);
    expect(await t.query(host.status, {})).toBeNull();

    await batch(t, { namespace: "acme" });
    await t.run(async (ctx) => {
      await ctx.db.patch("mondayRules", ids[0] as never, { name: "Renamed in the legacy app" });
    });
    const done = await batch(t, { namespace: "acme", dryRun: true });
    expect(done).toMatchObject({ alreadyComplete: true, processed: 0 });
    const forced = await batch(t, { namespace: "acme", dryRun: true, force: true });
    expect(forced).toMatchObject({ processed: 14, updated: 1, unchanged: 13 });
    expect(forced.details?.updated).toEqual([
      { legacyId: ids[0], ruleId: `legacy-monday-${ids[0]}`, name: "Renamed in the legacy app", fields: ["name", "metadata"] },
    ]);
    expect((await rule(t, ids[0]))?.name).toBe("Notify PM when done");
  });

  test("types the integration does not declare: imported disabled, the reason names the declaration", async () => {
    const t = setup();
    const ids = await seedSamples(t);
    const result = await batch(t, { namespace: "acme" }, true);
    expect(result.unmapped).toBe(5);
    const reasons = Object.fromEntries(result.unmappedRules.map((u) => [u.legacyId, u.reason]));
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
    const result = await batch(t, { table: "oldMondayRules", namespace: "ws" });
    expect(result.processed).toBe(14);
    expect((await rule(t, ids[0]))?.metadata).toMatchObject({ legacy: { table: "oldMondayRules", id: ids[0] } });
  });

  test.each([
    [{ batchSize: 0 }, "batchSize", "batchSize: must be an integer from 1 to 500, got 0"],
    [{ batchSize: 501 }, "batchSize", "got 501"],
    [{ batchSize: 2.5 }, "batchSize", "got 2.5"],
    [{ table: "" }, "table", "table: must be a table name"],
    [{ integrationId: "github" }, "integrationId", 'integrationId: "github" is not a declared integration; expected one of monday'],
    [{ cursor: 5 }, "cursor", "cursor: must be a string or null"],
    [{ namespace: 5 }, "namespace", "namespace: must be a string or a function"],
  ])("bad arguments %j: INVALID_ARGUMENT naming %s, nothing written", async (args, field, message) => {
    const t = setup();
    await seedSamples(t);
    const data = await rulesErrorOf(batch(t, args));
    expect(data).toMatchObject({ code: "INVALID_ARGUMENT", field });
    expect(data.message).toContain(message);
    expect(await t.query(host.status, {})).toBeNull();
  });

  test("an import from a query is refused", async () => {
    const t = setup();
    const data = await rulesErrorOf(t.query(host.importFromQuery, {}));
    expect(data).toMatchObject({ code: "INVALID_ARGUMENT", field: "dryRun" });
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
    const result = await batch(t, { namespace: "acme" });
    expect(result).toMatchObject({ processed: 2, created: 2, unmapped: 2 });
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

  test("pages stop at 2 MiB of legacy rows, whatever the batch size", async () => {
    const t = setup();
    const big = "y".repeat(700_000);
    await t.run(async (ctx) => {
      for (let i = 0; i < 5; i++) {
        await ctx.db.insert("mondayRules", { ...(samples as any[])[4], name: `big ${i}`, actionConfig: { body: big } });
      }
    });
    const first = await batch(t, { namespace: "acme", batchSize: 500 });
    expect(first.processed).toBe(3);
    expect(first.isDone).toBe(false);
    const second = await batch(t, { namespace: "acme", batchSize: 500 });
    expect(second.processed).toBe(2);
  });
});

describe("mondayMigration: the self-rescheduling mutation", () => {
  test("migrates the sample rows in batches of 3 and stops when done", async () => {
    vi.useFakeTimers();
    const t = setup();
    await seedSamples(t);
    const first = await t.mutation(host.migrateInThrees, {});
    expect(first).toMatchObject({ processed: 3, batchSize: 3, scheduled: true, nextBatchSize: 3, isDone: false });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.query(host.status, {})).toMatchObject({
      processed: 14,
      created: 14,
      unmapped: 2,
      batches: 5,
      completedAt: expect.any(Number),
    });
    // Called again: complete, nothing scheduled.
    expect(await t.mutation(host.migrateInThrees, {})).toMatchObject({
      alreadyComplete: true,
      scheduled: false,
      processed: 0,
    });
  });

  test(
    "1,000 rows with adaptive batches; two chains at once still import each row once",
    async () => {
      vi.useFakeTimers();
      const t = setup();
      await t.run(async (ctx) => {
        for (let i = 0; i < 1000; i++) {
          await ctx.db.insert("mondayRules", { ...(samples as any[])[i % 14], name: `rule ${i}` });
        }
      });
      const first = await t.mutation(host.migrate, {});
      expect(first).toMatchObject({ processed: 100, batchSize: 100, scheduled: true });
      expect(first.nextBatchSize).toBeGreaterThan(100);
      expect(first.nextBatchSize).toBeLessThanOrEqual(200);
      // A second chain started by mistake before the first finished.
      const second = await t.mutation(host.migrate, {});
      expect(second).toMatchObject({ processed: 100, scheduled: true });
      await t.finishAllScheduledFunctions(vi.runAllTimers);
      const run = await t.query(host.status, {});
      // Sample rows 10 and 11 are the unmappable ones: 2 in every 14.
      const unmapped = Array.from({ length: 1000 }, (_, i) => i % 14).filter((k) => k === 10 || k === 11).length;
      expect(run).toMatchObject({ processed: 1000, created: 1000, updated: 0, unchanged: 0, unmapped });
      expect(run?.completedAt).toEqual(expect.any(Number));
      const count = await t.run(async (ctx) => (await ctx.db.query("mondayRules").collect()).length);
      expect(count).toBe(1000);
    },
    120_000,
  );

  test("a failing batch records its error and stops; calling again resumes from the cursor", async () => {
    vi.useFakeTimers();
    const t = setup();
    const ids = await seedSamples(t);
    // Migrate the first 6 rows into "acme"; then a run into another
    // namespace fails on them (a rule never moves to another namespace).
    await batch(t, { namespace: "acme", batchSize: 6 });
    const failed = await t.mutation(host.migrateElsewhere, { force: true });
    expect(failed).toMatchObject({ processed: 0, scheduled: false });
    expect(failed.error).toMatch(/^entries: 6 of 14 rows cannot be imported; entries\[0\]: id: .* belongs to another integration or namespace/);
    const run = await t.query(host.status, {});
    expect(run?.lastError).toBe(failed.error);
    // The "acme" run resumes where it stopped (row 6) and completes.
    await t.mutation(host.migrate, {});
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const done = await t.query(host.status, {});
    expect(done).toMatchObject({ processed: 14, created: 14, batches: 2, completedAt: expect.any(Number) });
    expect(done?.lastError).toBeUndefined();
    expect((await rule(t, ids[13]))?.namespace).toBe("acme");
  });
});

describe("nextBatchSize", () => {
  const metrics = (share: Partial<Record<keyof TransactionMetrics, number>>): TransactionMetrics => {
    const metric = (key: keyof TransactionMetrics, limit: number) => ({
      used: (share[key] ?? 0) * limit,
      remaining: (1 - (share[key] ?? 0)) * limit,
    });
    return {
      bytesRead: metric("bytesRead", 16 * 2 ** 20),
      bytesWritten: metric("bytesWritten", 16 * 2 ** 20),
      databaseQueries: metric("databaseQueries", 4096),
      documentsRead: metric("documentsRead", 32_000),
      documentsWritten: metric("documentsWritten", 16_000),
      functionsScheduled: metric("functionsScheduled", 1000),
      scheduledFunctionArgsBytes: metric("scheduledFunctionArgsBytes", 16 * 2 ** 20),
      filesWritten: metric("filesWritten", 0),
      fileWriteBytes: metric("fileWriteBytes", 0),
      filesRead: metric("filesRead", 0),
      fileReadBytes: metric("fileReadBytes", 0),
    };
  };
  test.each([
    ["a quarter of a limit: keep", 100, 100, { databaseQueries: 0.25 }, 100],
    ["an eighth: double", 100, 100, { databaseQueries: 0.125 }, 200],
    ["a tiny share: at most double", 100, 100, { documentsRead: 0.01 }, 200],
    ["half of one limit: halve", 100, 100, { bytesWritten: 0.5, documentsRead: 0.1 }, 50],
    ["the tightest limit decides", 200, 200, { bytesRead: 0.1, databaseQueries: 0.4 }, 125],
    ["never above 500", 400, 400, { databaseQueries: 0.1 }, 500],
    ["never below 1", 1, 1, { bytesWritten: 0.9 }, 1],
    ["an empty page: double", 100, 0, {}, 200],
    ["a short last page counts its rows", 100, 10, { databaseQueries: 0.05 }, 50],
  ])("%s", (_what, size, processed, share, expected) => {
    expect(nextBatchSize(size, processed, metrics(share))).toBe(expected);
  });
  test("constants", () => {
    expect(MIGRATION_BATCH).toEqual({ initial: 100, max: 500, targetShare: 0.25, maxBytesRead: 2 * 1024 * 1024 });
  });
});
