/// <reference types="vite/client" />
import { afterEach, describe, expect, test, vi } from "vitest";
import samples from "../../../example/fixtures/legacy-monday-rules.json";
import { api } from "../_generated/api.js";
import { initConvexTest } from "../setup.test.js";
import { mapLegacyMondayRule } from "../../core/legacyMonday.js";
import type { MigratedRow, MigrationEntry } from "../../shared.js";
import { rulesErrorOf } from "../../testing/errors.js";

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

async function tables(t: T) {
  return await t.run(async (ctx) => ({
    rules: await ctx.db.query("rules").collect(),
    routes: await ctx.db.query("ruleRoutes").collect(),
    versions: await ctx.db.query("ruleVersions").collect(),
  }));
}

async function importAll(t: T, entries: MigrationEntry[]): Promise<MigratedRow[]> {
  const rows: MigratedRow[] = [];
  for (const e of entries) rows.push(await t.mutation(api.rules.migrations.importLegacyRule, { entry: e, logLevel: "ERROR" }));
  return rows;
}

describe("importLegacyRule", () => {
  test("creates every rule by its derived id; unmapped rows become disabled rules with the reason", async () => {
    const t = initConvexTest();
    const entries = all();
    const rows = await importAll(t, entries);
    expect(rows.map((r) => r.outcome)).toEqual(entries.map(() => "created"));
    expect(rows.filter((r) => r.unmappedReason !== undefined)).toEqual([
      {
        legacyId: "row10",
        ruleId: "legacy-monday-row10",
        outcome: "created",
        unmappedReason: 'triggerType: "subitem_status_change" is not a known legacy trigger type',
      },
      {
        legacyId: "row11",
        ruleId: "legacy-monday-row11",
        outcome: "created",
        unmappedReason: 'actionType: "send_sms" is not a known legacy action type',
      },
    ]);

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

  test("importing the same rows again changes nothing: no duplicate, no new version", async () => {
    const t = initConvexTest();
    await importAll(t, all());
    const before = await tables(t);
    const again = await importAll(t, all());
    expect(again.map((r) => r.outcome)).toEqual(all().map(() => "unchanged"));
    expect(await tables(t)).toEqual(before);
  });

  test("a changed legacy row updates its rule (new version) and names the fields; the rest stay unchanged", async () => {
    const t = initConvexTest();
    await importAll(t, all());
    const entries = all();
    entries[0] = entry(0, { name: "Notify PM when finished", enabled: false });
    entries[3] = entry(3, { conditions: [{ columnId: "numbers", operator: "greater_than", value: "2000" }] });
    const rows = await importAll(t, entries);
    expect(rows.filter((r) => r.outcome !== "unchanged")).toEqual([
      { legacyId: "row0", ruleId: "legacy-monday-row0", outcome: "updated", changedFields: ["name", "enabled", "metadata"] },
      { legacyId: "row3", ruleId: "legacy-monday-row3", outcome: "updated", changedFields: ["conditions", "metadata"] },
    ]);
    const rule = await t.query(api.rules.getRule, { ruleId: "legacy-monday-row0" });
    expect(rule).toMatchObject({ name: "Notify PM when finished", enabled: false, version: 2 });
    expect(rule?.createdAt).toBe(1_700_000_000_000);
  });

  test("enabled rules get routes, disabled and unmapped ones none", async () => {
    const t = initConvexTest();
    const withPattern = entry(0);
    withPattern.rule.triggerPattern = { boardId: ["1771812698"], columnId: ["status"] };
    await importAll(t, [withPattern, entry(2), entry(11)]);
    const { routes } = await tables(t);
    expect(routes.map((r) => r.ruleId)).toEqual(["legacy-monday-row0"]);
  });

  test("bad entries fail with a stable code naming the field, writing nothing", async () => {
    const t = initConvexTest();
    const before = await tables(t);
    const wrongId = entry(0);
    wrongId.rule.id = "legacy-monday-other";
    const wrong = await rulesErrorOf(t.mutation(api.rules.migrations.importLegacyRule, { entry: wrongId }));
    expect(wrong).toMatchObject({ code: "INVALID_ARGUMENT", field: "entry.rule.id" });
    expect(wrong.message).toMatch(/^entry.rule.id: must be "legacy-monday-row0"/);

    const badLegacyId = { ...entry(1), legacyId: "not an id" };
    expect(await rulesErrorOf(t.mutation(api.rules.migrations.importLegacyRule, { entry: badLegacyId }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "entry.legacyId",
    });

    const invalid = entry(0);
    invalid.rule.name = " ";
    const invalidData = await rulesErrorOf(t.mutation(api.rules.migrations.importLegacyRule, { entry: invalid }));
    expect(invalidData).toMatchObject({ code: "INVALID_RULE", field: "entry.rule.name" });
    expect(invalidData.message).toContain("entry.rule.name");

    const badCreatedAt = { ...entry(0), createdAt: Number.NaN };
    expect(await rulesErrorOf(t.mutation(api.rules.migrations.importLegacyRule, { entry: badCreatedAt }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "entry.createdAt",
    });
    expect(await tables(t)).toEqual(before);
  });

  test("a migrated rule never moves to another namespace: DUPLICATE_RULE_ID", async () => {
    const t = initConvexTest();
    await importAll(t, [entry(0)]);
    const moved = entry(0);
    moved.rule.namespace = "other";
    const data = await rulesErrorOf(t.mutation(api.rules.migrations.importLegacyRule, { entry: moved }));
    expect(data).toMatchObject({ code: "DUPLICATE_RULE_ID", field: "entry.rule.id" });
  });

  test("logs one line per row: INFO when mapped, WARN when not", async () => {
    const t = initConvexTest();
    const info = vi.spyOn(console, "info").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await t.mutation(api.rules.migrations.importLegacyRule, { entry: entry(0), logLevel: "INFO" });
    await t.mutation(api.rules.migrations.importLegacyRule, { entry: entry(11) });
    const parse = (spy: typeof info) => spy.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
    expect(parse(info)).toEqual([
      { component: "rules", level: "INFO", event: "migration.row", legacyId: "row0", ruleId: "legacy-monday-row0", outcome: "created" },
    ]);
    expect(parse(warn)).toEqual([
      expect.objectContaining({ level: "WARN", event: "migration.row", legacyId: "row11", unmappedReason: expect.stringContaining("send_sms") }),
    ]);
  });
});

describe("getRuleByLegacyId, listMigratedRules", () => {
  test("finds a migrated rule by its legacy _id", async () => {
    const t = initConvexTest();
    await importAll(t, [entry(0)]);
    const rule = await t.query(api.rules.migrations.getRuleByLegacyId, { legacyId: "row0" });
    expect(rule).toMatchObject({ ruleId: "legacy-monday-row0", name: "Notify PM when done" });
    expect(await t.query(api.rules.migrations.getRuleByLegacyId, { legacyId: "row99" })).toBeNull();
    const data = await rulesErrorOf(t.query(api.rules.migrations.getRuleByLegacyId, { legacyId: "../x" }));
    expect(data).toMatchObject({ code: "INVALID_ARGUMENT", field: "legacyId" });
    expect(data.message).toMatch(/^legacyId: /);
  });

  test("pages through the migrated rules only, in legacy id order; unmappedOnly keeps the unmapped ones", async () => {
    const t = initConvexTest();
    await importAll(t, all());
    // A rule that is not migrated, with an id on either side of the prefix.
    for (const id of ["legacy-monday", "legacy-monday.x", "legacy-mondaz"]) {
      await t.mutation(api.rules.createRule, {
        id,
        name: id,
        integrationId: "monday",
        triggerType: "status_changed",
        triggerConfig: {},
        conditions: [],
        actions: [],
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(10);
      const result: Awaited<ReturnType<typeof listPage>> = await listPage(t, cursor, 4);
      expect(result.page.length).toBeLessThanOrEqual(4);
      seen.push(...result.page.map((r) => r.legacyId));
      if (result.isDone) break;
      cursor = result.continueCursor;
    }
    expect(seen).toEqual(all().map((e) => e.legacyId).sort());

    const unmapped = await t.query(api.rules.migrations.listMigratedRules, { cursor: null, unmappedOnly: true });
    expect(unmapped.isDone).toBe(true);
    expect(unmapped.page).toEqual([
      expect.objectContaining({ legacyId: "row10", ruleId: "legacy-monday-row10", enabled: false, unmappedReason: expect.stringContaining("subitem_status_change") }),
      expect.objectContaining({ legacyId: "row11", enabled: false, unmappedReason: expect.stringContaining("send_sms") }),
    ]);

    for (const limit of [0, 101, 1.5]) {
      expect(await rulesErrorOf(t.query(api.rules.migrations.listMigratedRules, { cursor: null, limit }))).toMatchObject({
        code: "INVALID_ARGUMENT",
        field: "limit",
      });
    }
  });
});

async function listPage(t: T, cursor: string | null, limit: number) {
  return await t.query(api.rules.migrations.listMigratedRules, { cursor, limit });
}
