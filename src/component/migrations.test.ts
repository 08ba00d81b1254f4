/// <reference types="vite/client" />
import { afterEach, describe, expect, test, vi } from "vitest";
import samples from "../../example/fixtures/legacy-monday-rules.json";
import { api } from "./_generated/api.js";
import { initConvexTest } from "./setup.test.js";
import { mapLegacyMondayRule } from "../core/legacyMonday.js";
import type { MigrationEntry, } from "../shared.js";
import { rulesErrorOf } from "../testing/errors.js";

type T = ReturnType<typeof initConvexTest>;

afterEach(() => {
  vi.useRealTimers();
});

/** Sample row `i` mapped as the client would hand it over (minus the declaration check). */
function entry(i: number, overrides: Record<string, unknown> = {}, legacyId = `row${i}`): MigrationEntry {
  const fields = { ...(samples as Array<Record<string, unknown>>)[i], ...overrides };
  const mapping = mapLegacyMondayRule(
    { _id: legacyId, _creationTime: 1_700_000_000_000 + i, ...fields },
    { namespace: "acme" },
  );
  return {
    legacyId: mapping.legacyId,
    rule: mapping.rule,
    ...(mapping.createdAt === undefined ? {} : { createdAt: mapping.createdAt }),
    ...(mapping.unmappedReason === undefined ? {} : { unmappedReason: mapping.unmappedReason }),
  };
}

const all = () => samples.map((_, i) => entry(i));

function batch(entries: MigrationEntry[], startCursor: string | null, nextCursor: string, isDone: boolean) {
  return { entries, startCursor, nextCursor, isDone };
}

async function tables(t: T) {
  return await t.run(async (ctx) => ({
    rules: await ctx.db.query("rules").collect(),
    routes: await ctx.db.query("ruleRoutes").collect(),
    migrations: await ctx.db.query("migrations").collect(),
  }));
}

describe("importBatch", () => {
  test("creates every rule by its derived id, records the run, lists unmapped rows", async () => {
    const t = initConvexTest();
    const entries = all();
    const first = await t.mutation(api.migrations.importBatch, batch(entries.slice(0, 8), null, "c8", false));
    expect(first).toMatchObject({
      alreadyComplete: false,
      processed: 8,
      created: 8,
      updated: 0,
      unchanged: 0,
      unmapped: 0,
      unmappedRules: [],
    });
    expect(first.run).toMatchObject({ name: "monday-rules-to-generic", cursor: "c8", processed: 8, batches: 1 });
    expect(first.run.completedAt).toBeUndefined();

    const second = await t.mutation(api.migrations.importBatch, batch(entries.slice(8), "c8", "end", true));
    expect(second).toMatchObject({ processed: 6, created: 6, unmapped: 2 });
    expect(second.unmappedRules).toEqual([
      {
        legacyId: "row10",
        ruleId: "legacy-monday-row10",
        reason: 'triggerType: "subitem_status_change" is not a known legacy trigger type',
      },
      {
        legacyId: "row11",
        ruleId: "legacy-monday-row11",
        reason: 'actionType: "send_sms" is not a known legacy action type',
      },
    ]);
    expect(second.run).toMatchObject({
      cursor: "end",
      processed: 14,
      created: 14,
      updated: 0,
      unchanged: 0,
      unmapped: 2,
      batches: 2,
      unmappedRules: second.unmappedRules,
    });
    expect(second.run.completedAt).toEqual(expect.any(Number));
    expect(await t.query(api.migrations.getMigration, {})).toEqual(second.run);

    const { rules } = await tables(t);
    expect(rules.map((r) => r.id).sort()).toEqual(entries.map((e) => `legacy-monday-${e.legacyId}`).sort());
    const notify = rules.find((r) => r.id === "legacy-monday-row0");
    // createdAt carried over from the legacy row; updatedAt is the import.
    expect(notify?.createdAt).toBe(1_700_000_000_000);
    expect(notify?.updatedAt).toBeGreaterThan(notify!.createdAt);
    expect(notify?.metadata.legacy.id).toBe("row0");
    const unmapped = rules.find((r) => r.id === "legacy-monday-row11");
    expect(unmapped?.enabled).toBe(false);
    expect(unmapped?.metadata.migration.unmappedReason).toContain("send_sms");
  });

  test("a completed run reports complete and changes nothing; force starts a new run", async () => {
    const t = initConvexTest();
    await t.mutation(api.migrations.importBatch, batch(all(), null, "end", true));
    const before = await tables(t);

    const again = await t.mutation(api.migrations.importBatch, batch(all(), null, "end", true));
    expect(again).toMatchObject({ alreadyComplete: true, processed: 0, created: 0, updated: 0, unchanged: 0 });
    expect(await tables(t)).toEqual(before);

    const forced = await t.mutation(api.migrations.importBatch, {
      ...batch(all(), null, "end", true),
      force: true,
    });
    expect(forced).toMatchObject({ alreadyComplete: false, processed: 14, created: 0, updated: 0, unchanged: 14 });
    expect(forced.run).toMatchObject({ processed: 14, unchanged: 14, created: 0, batches: 1 });
    expect(forced.run.startedAt).toBeGreaterThanOrEqual(before.migrations[0].startedAt);
    const after = await tables(t);
    expect(after.rules).toEqual(before.rules);
    expect(after.routes).toEqual(before.routes);
  });

  test("a changed legacy row updates its rule (new version); the rest stay unchanged", async () => {
    const t = initConvexTest();
    await t.mutation(api.migrations.importBatch, batch(all(), null, "end", true));
    const entries = all();
    entries[0] = entry(0, { name: "Notify PM when finished", enabled: false });
    const forced = await t.mutation(api.migrations.importBatch, {
      ...batch(entries, null, "end", true),
      force: true,
    });
    expect(forced).toMatchObject({ created: 0, updated: 1, unchanged: 13 });
    const rule = await t.query(api.rules.getRule, { ruleId: "legacy-monday-row0" });
    expect(rule).toMatchObject({ name: "Notify PM when finished", enabled: false, version: 2 });
    expect(rule?.createdAt).toBe(1_700_000_000_000);
  });

  test("an interrupted run resumes: counts accumulate from the stored run", async () => {
    const t = initConvexTest();
    const entries = all();
    await t.mutation(api.migrations.importBatch, batch(entries.slice(0, 5), null, "c5", false));
    // The next batch of the same run.
    const next = await t.mutation(api.migrations.importBatch, batch(entries.slice(5, 10), "c5", "c10", false));
    expect(next.run).toMatchObject({ processed: 10, created: 10, batches: 2, cursor: "c10" });
    // Starting over from the beginning (null cursor) starts a new run.
    const restart = await t.mutation(api.migrations.importBatch, batch(entries.slice(0, 5), null, "c5", false));
    expect(restart.run).toMatchObject({ processed: 5, created: 0, unchanged: 5, batches: 1 });
  });

  test("enabled rules get routes, disabled and unmapped ones none", async () => {
    const t = initConvexTest();
    const withPattern = entry(0);
    withPattern.rule.triggerPattern = { boardId: ["1771812698"], columnId: ["status"] };
    await t.mutation(api.migrations.importBatch, batch([withPattern, entry(2), entry(11)], null, "end", true));
    const { routes } = await tables(t);
    expect(routes.map((r) => r.ruleId)).toEqual(["legacy-monday-row0"]);
  });

  test("an empty last batch completes the run", async () => {
    const t = initConvexTest();
    await t.mutation(api.migrations.importBatch, batch(all(), null, "c14", false));
    const last = await t.mutation(api.migrations.importBatch, batch([], "c14", "end", true));
    expect(last).toMatchObject({ processed: 0 });
    expect(last.run).toMatchObject({ processed: 14, batches: 2, cursor: "end" });
    expect(last.run.completedAt).toEqual(expect.any(Number));
  });

  test("the run keeps at most 100 unmapped rows; the count is exact", async () => {
    const t = initConvexTest();
    const unmapped = Array.from({ length: 120 }, (_, i) => entry(10, {}, `odd${i}`));
    const result = await t.mutation(api.migrations.importBatch, batch(unmapped, null, "end", true));
    expect(result.unmappedRules).toHaveLength(120);
    expect(result.run.unmapped).toBe(120);
    expect(result.run.unmappedRules).toHaveLength(100);
  });

  test("bad batches fail with a stable code naming the field, writing nothing", async () => {
    const t = initConvexTest();
    const before = await tables(t);
    const wrongId = entry(0);
    wrongId.rule.id = "legacy-monday-other";
    const badLegacyId = { ...entry(1), legacyId: "not an id" };
    const data = await rulesErrorOf(
      t.mutation(api.migrations.importBatch, batch([entry(2), wrongId, badLegacyId], null, "end", true)),
    );
    expect(data.code).toBe("IMPORT_FAILED");
    expect(data.field).toBe("entries");
    expect(data.message).toMatch(/^entries: 2 of 3 rows cannot be imported; entries\[1\]: rule.id: must be "legacy-monday-row0"/);
    expect(data.errors).toEqual([
      expect.objectContaining({ index: 1, code: "INVALID_ARGUMENT", field: "rule.id" }),
      expect.objectContaining({ index: 2, code: "INVALID_ARGUMENT", field: "legacyId" }),
    ]);

    const invalid = entry(0);
    invalid.rule.name = " ";
    const invalidData = await rulesErrorOf(t.mutation(api.migrations.importBatch, batch([invalid], null, "end", true)));
    expect(invalidData.errors).toEqual([
      expect.objectContaining({ index: 0, id: "legacy-monday-row0", code: "INVALID_RULE", field: "name" }),
    ]);

    const badCreatedAt = { ...entry(0), createdAt: Number.NaN };
    expect(
      (await rulesErrorOf(t.mutation(api.migrations.importBatch, batch([badCreatedAt], null, "end", true)))).errors,
    ).toEqual([expect.objectContaining({ field: "createdAt", code: "INVALID_ARGUMENT" })]);

    const tooMany = Array.from({ length: 501 }, (_, i) => entry(0, {}, `many${i}`));
    const tooManyData = await rulesErrorOf(t.mutation(api.migrations.importBatch, batch(tooMany, null, "end", true)));
    expect(tooManyData).toMatchObject({ code: "INVALID_ARGUMENT", field: "entries" });
    expect(tooManyData.message).toContain("entries: at most 500 rows per batch, got 501");
    expect(await tables(t)).toEqual(before);
  });

  test("a migrated rule never moves to another namespace: DUPLICATE_RULE_ID", async () => {
    const t = initConvexTest();
    await t.mutation(api.migrations.importBatch, batch([entry(0)], null, "c1", false));
    const moved = entry(0);
    moved.rule.namespace = "other";
    const data = await rulesErrorOf(t.mutation(api.migrations.importBatch, batch([moved], "c1", "end", true)));
    expect(data.code).toBe("IMPORT_FAILED");
    expect(data.errors?.[0]).toMatchObject({ code: "DUPLICATE_RULE_ID", field: "id" });
  });
});

describe("previewBatch", () => {
  test("reports what would be created, updated and left unmapped, writing nothing", async () => {
    const t = initConvexTest();
    const empty = await tables(t);
    const first = await t.query(api.migrations.previewBatch, batch(all(), null, "end", true));
    expect(first).toMatchObject({ alreadyComplete: false, processed: 14, created: 14, unmapped: 2, run: null });
    expect(first.details.created).toHaveLength(14);
    expect(first.details.created[0]).toEqual({
      legacyId: "row0",
      ruleId: "legacy-monday-row0",
      name: "Notify PM when done",
    });
    expect(first.details.unmapped.map((u) => u.legacyId)).toEqual(["row10", "row11"]);
    expect(await tables(t)).toEqual(empty);

    await t.mutation(api.migrations.importBatch, batch(all(), null, "c", false));
    const entries = all();
    entries[3] = entry(3, { conditions: [{ columnId: "numbers", operator: "greater_than", value: "2000" }] });
    const second = await t.query(api.migrations.previewBatch, batch(entries, null, "end", true));
    expect(second).toMatchObject({ created: 0, updated: 1, unchanged: 13 });
    expect(second.details.updated).toEqual([
      { legacyId: "row3", ruleId: "legacy-monday-row3", name: "Budget over 1000", fields: ["conditions", "metadata"] },
    ]);
    expect(second.details.unchanged).toHaveLength(13);
    expect(second.run).toMatchObject({ processed: 14, batches: 1 });
  });

  test("a completed run previews nothing unless forced", async () => {
    const t = initConvexTest();
    await t.mutation(api.migrations.importBatch, batch(all(), null, "end", true));
    const done = await t.query(api.migrations.previewBatch, batch(all(), null, "end", true));
    expect(done).toMatchObject({ alreadyComplete: true, processed: 0 });
    expect(done.details).toEqual({ created: [], updated: [], unchanged: [], unmapped: [] });
    const forced = await t.query(api.migrations.previewBatch, { ...batch(all(), null, "end", true), force: true });
    expect(forced).toMatchObject({ alreadyComplete: false, unchanged: 14 });
  });
});

describe("getRuleByLegacyId, getMigration, recordMigrationError", () => {
  test("finds a migrated rule by its legacy _id", async () => {
    const t = initConvexTest();
    await t.mutation(api.migrations.importBatch, batch([entry(0)], null, "end", true));
    const rule = await t.query(api.migrations.getRuleByLegacyId, { legacyId: "row0" });
    expect(rule).toMatchObject({ ruleId: "legacy-monday-row0", name: "Notify PM when done" });
    expect(await t.query(api.migrations.getRuleByLegacyId, { legacyId: "row99" })).toBeNull();
    const data = await rulesErrorOf(t.query(api.migrations.getRuleByLegacyId, { legacyId: "../x" }));
    expect(data).toMatchObject({ code: "INVALID_ARGUMENT", field: "legacyId" });
    expect(data.message).toMatch(/^legacyId: /);
  });

  test("getMigration is null before any run; errors are recorded until a batch succeeds", async () => {
    const t = initConvexTest();
    expect(await t.query(api.migrations.getMigration, {})).toBeNull();
    await t.mutation(api.migrations.recordMigrationError, { error: "boom" });
    expect(await t.query(api.migrations.getMigration, {})).toMatchObject({ lastError: "boom", processed: 0, cursor: null });
    await t.mutation(api.migrations.importBatch, batch([entry(0)], null, "c1", false));
    await t.mutation(api.migrations.recordMigrationError, { error: "x".repeat(3000) });
    const run = await t.query(api.migrations.getMigration, {});
    expect(run?.lastError).toHaveLength(2000);
    expect(run?.cursor).toBe("c1");
    const next = await t.mutation(api.migrations.importBatch, batch([entry(1)], "c1", "c2", false));
    expect(next.run.lastError).toBeUndefined();
  });
});
