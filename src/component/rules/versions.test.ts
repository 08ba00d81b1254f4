/// <reference types="vite/client" />
// Rule history and rollback: every change keeps the
// previous version with who and what, versions are read by page or one at
// a time, a rollback is a new version, and executions point at the version
// they ran.
import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../_generated/api.js";
import type { Id } from "../_generated/dataModel.js";
import { initConvexTest } from "../setup.test.js";
import type { RuleInput } from "../../shared.js";

type T = ReturnType<typeof initConvexTest>;

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);

afterEach(() => {
  vi.useRealTimers();
});

const eq = (path: string, value: unknown) => ({ type: "field", config: { path, op: "eq", value } });

function ruleInput(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    name: "Notify on done",
    integrationId: "monday",
    triggerType: "status_changed",
    triggerConfig: {},
    conditions: [eq("status", "Done")],
    actions: [],
    ...overrides,
  };
}

async function versions(t: T, ruleId: string) {
  const { page } = await t.query(api.rules.versions.listRuleVersions, {
    ruleId,
    paginationOpts: { numItems: 100, cursor: null },
  });
  return page;
}

/** Everything a failed call could have written. */
async function snapshot(t: T) {
  return await t.run(async (ctx) => ({
    rules: await ctx.db.query("rules").collect(),
    versions: await ctx.db.query("ruleVersions").collect(),
  }));
}

/** A rule created by alice, renamed by bob, disabled by carol, one minute apart. */
async function historyOfThree(t: T) {
  vi.setSystemTime(T0);
  const ruleId = await t.mutation(api.rules.createRule, { ...ruleInput(), actor: "alice" });
  vi.setSystemTime(T0 + 60_000);
  await t.mutation(api.rules.updateRule, { ruleId, name: "Notify the owner", actor: "bob" });
  vi.setSystemTime(T0 + 120_000);
  await t.mutation(api.rules.disableRule, { ruleId, actor: "carol" });
  return ruleId;
}

describe("versions", () => {
  test("every change keeps the previous version, with who changed it, when, and what changed", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const ruleId = await historyOfThree(t);

    const page = await versions(t, ruleId);
    expect(page.map((v) => [v.version, v.operation, v.actor, v.changedAt, v.changes])).toEqual([
      [3, "disable", "carol", T0 + 120_000, ["enabled"]],
      [2, "update", "bob", T0 + 60_000, ["name"]],
      [1, "create", "alice", T0, []],
    ]);
    expect(page[2].rule).toMatchObject({ name: "Notify on done", enabled: true, conditions: [eq("status", "Done")] });
    expect(page[1].rule).toMatchObject({ name: "Notify the owner", enabled: true });
    expect(page[0].rule).toMatchObject({ name: "Notify the owner", enabled: false });

    // A change without an actor is kept too, without one.
    await t.mutation(api.rules.updateRule, { ruleId, description: "for the PM" });
    const [newest] = await versions(t, ruleId);
    expect(newest).toMatchObject({ version: 4, operation: "update", changes: ["description"] });
    expect(newest.actor).toBeUndefined();
  });

  test("listRuleVersions pages newest first; getRuleVersion reads one version or null", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput());
    for (let i = 2; i <= 5; i++) await t.mutation(api.rules.updateRule, { ruleId, name: `Name ${i}` });

    const first = await t.query(api.rules.versions.listRuleVersions, { ruleId, paginationOpts: { numItems: 2, cursor: null } });
    expect(first.page.map((v) => v.version)).toEqual([5, 4]);
    expect(first.isDone).toBe(false);
    const second = await t.query(api.rules.versions.listRuleVersions, {
      ruleId,
      paginationOpts: { numItems: 10, cursor: first.continueCursor },
    });
    expect(second.page.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(second.isDone).toBe(true);

    expect((await t.query(api.rules.versions.getRuleVersion, { ruleId, version: 3 }))?.rule.name).toBe("Name 3");
    expect(await t.query(api.rules.versions.getRuleVersion, { ruleId, version: 6 })).toBeNull();
    expect(await t.query(api.rules.versions.getRuleVersion, { ruleId: "no-such-rule", version: 1 })).toBeNull();
    await expect(
      t.query(api.rules.versions.listRuleVersions, { ruleId: "no-such-rule", paginationOpts: { numItems: 5, cursor: null } }),
    ).rejects.toMatchObject({ data: { code: "RULE_NOT_FOUND" } });
    await expect(
      t.query(api.rules.versions.listRuleVersions, { ruleId, paginationOpts: { numItems: 0, cursor: null } }),
    ).rejects.toMatchObject({ data: { code: "INVALID_ARGUMENT", field: "paginationOpts.numItems" } });
  });

  test("a bad actor is refused, naming the field, and writes nothing", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput());
    const before = await snapshot(t);
    for (const actor of ["", "x".repeat(257)]) {
      await expect(t.mutation(api.rules.updateRule, { ruleId, name: "New", actor })).rejects.toMatchObject({
        data: { code: "INVALID_ARGUMENT", field: "actor" },
      });
      await expect(t.mutation(api.rules.versions.rollbackRule, { ruleId, version: 1, actor })).rejects.toMatchObject({
        data: { code: "INVALID_ARGUMENT", field: "actor" },
      });
    }
    expect(await snapshot(t)).toEqual(before);
  });
});

describe("rollbackRule", () => {
  test("restores an old definition as a new version; the versions in between are kept", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const ruleId = await historyOfThree(t);
    vi.setSystemTime(T0 + 180_000);

    const rule = await t.mutation(api.rules.versions.rollbackRule, { ruleId, version: 1, actor: "dave" });
    expect(rule).toMatchObject({ ruleId, name: "Notify on done", enabled: true, version: 4, updatedAt: T0 + 180_000 });
    const page = await versions(t, ruleId);
    expect(page.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(page[0]).toMatchObject({
      operation: "rollback",
      rollbackOf: 1,
      actor: "dave",
      changedAt: T0 + 180_000,
      changes: ["name", "enabled"],
    });
    // Enabled again: its routes are back, so events run it.
    const results = await t.mutation(api.dispatch.engine.execute, {
      integrationId: "monday",
      triggerType: "status_changed",
      event: { status: "Done" },
    });
    expect(results).toEqual([{ ruleId, executionId: expect.any(String), status: "succeeded" }]);

    // Rolling back to the version the rule already has changes nothing.
    const again = await t.mutation(api.rules.versions.rollbackRule, { ruleId, version: 1 });
    expect(again.version).toBe(4);
    expect((await versions(t, ruleId)).length).toBe(4);
  });

  test("refuses a stale expectedVersion and an unknown version, writing nothing", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput());
    await t.mutation(api.rules.updateRule, { ruleId, name: "Second" });
    const before = await snapshot(t);

    await expect(
      t.mutation(api.rules.versions.rollbackRule, { ruleId, version: 1, expectedVersion: 1 }),
    ).rejects.toMatchObject({ data: { code: "VERSION_CONFLICT", field: "expectedVersion" } });
    await expect(t.mutation(api.rules.versions.rollbackRule, { ruleId, version: 7 })).rejects.toMatchObject({
      data: { code: "INVALID_ARGUMENT", field: "version" },
    });
    await expect(t.mutation(api.rules.versions.rollbackRule, { ruleId: "nope", version: 1 })).rejects.toMatchObject({
      data: { code: "RULE_NOT_FOUND" },
    });
    expect(await snapshot(t)).toEqual(before);

    // With the right expectedVersion it goes through.
    const rule = await t.mutation(api.rules.versions.rollbackRule, { ruleId, version: 1, expectedVersion: 2 });
    expect(rule).toMatchObject({ name: "Notify on done", version: 3 });
  });
});

describe("executions and versions", () => {
  test("an execution points at the version it ran, and its view shows that version's config", async () => {
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, ruleInput());
    const dispatch = async (status: string) =>
      await t.mutation(api.dispatch.engine.execute, {
        integrationId: "monday",
        triggerType: "status_changed",
        event: { status },
      });

    const [first] = await dispatch("Done");
    await t.mutation(api.rules.updateRule, {
      ruleId,
      integrationId: "monday",
      conditions: [eq("status", "Stuck")],
    });
    const [second] = await dispatch("Stuck");
    expect(await dispatch("Done")).toEqual([
      { ruleId, executionId: expect.any(String), status: "skipped" },
    ]);

    const firstRun = await t.query(api.executions.queries.getExecution, { executionId: first.executionId });
    const secondRun = await t.query(api.executions.queries.getExecution, { executionId: second.executionId });
    expect([firstRun?.ruleVersion, secondRun?.ruleVersion]).toEqual([1, 2]);

    const ranFirst = await t.query(api.rules.versions.getExecutionRuleVersion, { executionId: first.executionId });
    expect(ranFirst).toMatchObject({ ruleId, version: 1, rule: { conditions: [eq("status", "Done")] } });
    const ranSecond = await t.query(api.rules.versions.getExecutionRuleVersion, { executionId: second.executionId });
    expect(ranSecond).toMatchObject({ version: 2, changes: ["conditions"], rule: { conditions: [eq("status", "Stuck")] } });

    await expect(
      t.query(api.rules.versions.getExecutionRuleVersion, { executionId: "not-an-id" }),
    ).rejects.toMatchObject({ data: { code: "INVALID_ARGUMENT", field: "executionId" } });

    // Deleted with its rule: the execution's version is gone with it.
    await t.mutation(api.rules.deleteRule, { ruleId });
    expect(await t.query(api.rules.versions.getExecutionRuleVersion, { executionId: first.executionId })).toBeNull();
  });

  test("a deleted rule's versions are deleted in the background; a new rule with its id starts a new history", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const ruleId = await t.mutation(api.rules.createRule, { ...ruleInput(), id: "fixed-id" });
    for (let i = 2; i <= 4; i++) await t.mutation(api.rules.updateRule, { ruleId, name: `Name ${i}` });
    await t.mutation(api.rules.deleteRule, { ruleId });
    await t.mutation(api.rules.createRule, { ...ruleInput({ name: "Reborn" }), id: "fixed-id", actor: "erin" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);

    const all = await t.run(async (ctx) => await ctx.db.query("ruleVersions").collect());
    expect(all.map((v) => [v.ruleId, v.version, v.actor])).toEqual([["fixed-id", 1, "erin"]]);
    expect((await versions(t, "fixed-id"))[0].rule.name).toBe("Reborn");
  });

  test("the versions go in batches that stop at half of a limit", async () => {
    vi.useFakeTimers();
    // Writes 40 times tighter than Convex's: a batch deletes at most 200 versions.
    const t = initConvexTest({ documentsWritten: 400 });
    const ruleId = await t.mutation(api.rules.createRule, { ...ruleInput(), id: "busy" });
    for (let i = 2; i <= 250; i++) await t.mutation(api.rules.updateRule, { ruleId, name: `Name ${i}` });
    await t.mutation(api.rules.deleteRule, { ruleId });
    const job = await t.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).find((s) => s.name.includes("deleteRuleVersions")),
    );
    const args = job!.args[0] as { ruleDocId: Id<"rules"> };
    const first = await t.mutation(internal.rules.versions.deleteRuleVersions, args);
    expect(first.done).toBe(false);
    expect(first.deleted).toBeLessThanOrEqual(200);
    expect(first.deleted).toBeGreaterThan(180);
    const second = await t.mutation(internal.rules.versions.deleteRuleVersions, args);
    expect(second).toEqual({ deleted: 250 - first.deleted, done: true });
    expect(await t.run(async (ctx) => await ctx.db.query("ruleVersions").collect())).toEqual([]);
  });
});
