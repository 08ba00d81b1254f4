/// <reference types="vite/client" />
// Tests of the example app through its own functions, the way its clients
// call them: `api.rules.*` with a signed-in identity, members added through
// `internal.rules.addMember`.
import { convexTest, type TestConvexForDataModel } from "convex-test";
import { ConvexError } from "convex/values";
import type { RuleDraft, RulesErrorData } from "convex-rules";
import { register } from "convex-rules/test";
import { describe, expect, test } from "vitest";
import { api, internal } from "./_generated/api.js";
import type { DataModel } from "./_generated/dataModel.js";
import type { monday } from "./monday.js";
import schema from "./schema.js";

const modules = import.meta.glob("./**/*.ts");

type MondayDraft = RuleDraft<{ monday: typeof monday }>;

const fixtures = import.meta.glob<Record<string, any>>("../fixtures/monday/*.json", {
  eager: true,
  import: "default",
});
/** monday.com's delivery of "Ship onboarding emails" becoming Done, for workspace A. */
const doneDelivery = fixtures["../fixtures/monday/change_status_column_value.json"];

const WS_A = "ws-a";
const WS_B = "ws-b";
const page = { numItems: 50, cursor: null };

/** A rule of workspace A written with the integration's types. */
const doneRule = {
  id: "notify-when-done",
  name: "Notify when a release is done",
  integrationId: "monday",
  namespace: WS_A,
  triggerType: "status_changed",
  triggerConfig: { boardId: "1771812698", columnId: "status", to: "Done" },
  conditions: [
    { type: "field", config: { path: "pulseName", op: "starts_with", value: "Release" } },
  ],
  actions: [{ type: "notify", config: { userId: "61280133", text: "{{event.pulseName}} is done" } }],
} satisfies MondayDraft;

const statusRule = (name: string, to = "Done") => ({
  name,
  boardId: "1771812698",
  columnId: "status",
  to,
  notifyUserId: "61280133",
});

async function setup() {
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  const members = [
    { tokenIdentifier: "alice", workspaceId: WS_A, role: "admin" },
    { tokenIdentifier: "victor", workspaceId: WS_A, role: "viewer" },
    { tokenIdentifier: "bob", workspaceId: WS_B, role: "admin" },
  ] as const;
  for (const member of members) {
    await t.mutation(internal.rules.addMember, member);
  }
  return {
    t,
    /** Admin of workspace A. */
    alice: t.withIdentity({ tokenIdentifier: "alice" }),
    /** Viewer of workspace A. */
    victor: t.withIdentity({ tokenIdentifier: "victor" }),
    /** Admin of workspace B. */
    bob: t.withIdentity({ tokenIdentifier: "bob" }),
    /** Signed in, but a member of no workspace. */
    mallory: t.withIdentity({ tokenIdentifier: "mallory" }),
  };
}

type Caller = TestConvexForDataModel<DataModel>;

async function errorOf(promise: Promise<unknown>): Promise<RulesErrorData> {
  let error: unknown = null;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<RulesErrorData>).data;
}

/** Every function the app exports to clients, each called on `ruleId`. */
function everyFunction(caller: Caller, ruleId: string) {
  return {
    createRule: () => caller.mutation(api.rules.createRule, { ...doneRule, id: "another" }),
    getRule: () => caller.query(api.rules.getRule, { ruleId }),
    listRules: () =>
      caller.query(api.rules.listRules, {
        integrationId: "monday",
        namespace: WS_A,
        paginationOpts: page,
      }),
    updateRule: () => caller.mutation(api.rules.updateRule, { ruleId, name: "Renamed" }),
    deleteRule: () => caller.mutation(api.rules.deleteRule, { ruleId }),
    enableRule: () => caller.mutation(api.rules.enableRule, { ruleId }),
    disableRule: () => caller.mutation(api.rules.disableRule, { ruleId }),
    importRules: () =>
      caller.mutation(api.rules.importRules, { rules: [{ ...doneRule, id: "imported" }] }),
    exportRules: () =>
      caller.query(api.rules.exportRules, {
        integrationId: "monday",
        namespace: WS_A,
        paginationOpts: page,
      }),
    createStatusRule: () => caller.mutation(api.rules.createStatusRule, statusRule("Mine")),
    listActiveRules: () => caller.query(api.rules.listActiveRules, {}),
    renameRule: () =>
      caller.mutation(api.rules.renameRule, { ruleId, name: "Renamed", version: 1 }),
    removeRule: () => caller.mutation(api.rules.removeRule, { ruleId }),
  } satisfies Record<string, () => Promise<unknown>>;
}

const READS = ["getRule", "listRules", "listActiveRules", "exportRules"];

describe("auth", () => {
  test.each(["signed out", "signed in without a workspace"])(
    "%s: every exported function refuses with UNAUTHORIZED and changes nothing",
    async (who) => {
      const { t, alice, mallory } = await setup();
      const ruleId = await alice.mutation(api.rules.createRule, doneRule);
      const caller = who === "signed out" ? t : mallory;
      const calls = everyFunction(caller, ruleId);
      expect(Object.keys(calls)).toHaveLength(13);
      for (const [name, call] of Object.entries(calls)) {
        const data = await errorOf(call());
        expect({ name, code: data.code }).toEqual({ name, code: "UNAUTHORIZED" });
      }
      expect(await alice.query(api.rules.getRule, { ruleId })).toMatchObject({
        name: doneRule.name,
        enabled: true,
        version: 1,
      });
      const all = await alice.query(api.rules.listRules, {
        integrationId: "monday",
        namespace: WS_A,
        paginationOpts: page,
      });
      expect(all.page.map((r) => r.ruleId)).toEqual([ruleId]);
    },
  );

  test("a viewer reads the workspace's rules but cannot write", async () => {
    const { alice, victor } = await setup();
    const ruleId = await alice.mutation(api.rules.createRule, doneRule);

    expect((await victor.query(api.rules.getRule, { ruleId }))?.name).toBe(doneRule.name);
    const listed = await victor.query(api.rules.listRules, {
      integrationId: "monday",
      namespace: WS_A,
      paginationOpts: page,
    });
    expect(listed.page.map((r) => r.ruleId)).toEqual([ruleId]);
    expect((await victor.query(api.rules.listActiveRules, {})).map((r) => r.ruleId)).toEqual([
      ruleId,
    ]);

    for (const [name, call] of Object.entries(everyFunction(victor, ruleId))) {
      if (READS.includes(name)) continue;
      const data = await errorOf(call());
      expect({ name, code: data.code, message: data.message }).toEqual({
        name,
        code: "UNAUTHORIZED",
        message: "admins only",
      });
    }
    expect(await alice.query(api.rules.getRule, { ruleId })).toMatchObject({
      name: doneRule.name,
      enabled: true,
      version: 1,
    });
    expect(await alice.query(api.rules.listActiveRules, {})).toHaveLength(1);
  });

  test("an admin of workspace B cannot see, list, change or delete workspace A's rules", async () => {
    const { alice, bob } = await setup();
    const ruleId = await alice.mutation(api.rules.createRule, doneRule);
    const statusRuleId = await alice.mutation(api.rules.createStatusRule, statusRule("A's rule"));
    const bobsRuleId = await bob.mutation(api.rules.createStatusRule, statusRule("B's rule"));

    for (const id of [ruleId, statusRuleId]) {
      const calls = everyFunction(bob, id);
      for (const name of [
        "getRule",
        "listRules",
        "updateRule",
        "deleteRule",
        "enableRule",
        "disableRule",
        "renameRule",
        "removeRule",
        "importRules",
        "exportRules",
      ] as const) {
        const data = await errorOf(calls[name]());
        expect({ name, code: data.code, message: data.message }).toEqual({
          name,
          code: "UNAUTHORIZED",
          message: "not your workspace",
        });
      }
    }
    // Nor create rules in workspace A, nor list without naming a namespace.
    expect(
      (await errorOf(bob.mutation(api.rules.createRule, { ...doneRule, id: "planted" }))).code,
    ).toBe("UNAUTHORIZED");
    expect(
      (
        await errorOf(
          bob.query(api.rules.listRules, { integrationId: "monday", paginationOpts: page }),
        )
      ).code,
    ).toBe("UNAUTHORIZED");

    // Bob's own views hold only workspace B's rule.
    expect((await bob.query(api.rules.listActiveRules, {})).map((r) => r.ruleId)).toEqual([
      bobsRuleId,
    ]);
    const bobsList = await bob.query(api.rules.listRules, {
      integrationId: "monday",
      namespace: WS_B,
      paginationOpts: page,
    });
    expect(bobsList.page.map((r) => r.ruleId)).toEqual([bobsRuleId]);

    // Workspace A's rules are untouched.
    for (const id of [ruleId, statusRuleId]) {
      expect(await alice.query(api.rules.getRule, { ruleId: id })).toMatchObject({
        namespace: WS_A,
        enabled: true,
        version: 1,
      });
    }
  });
});

describe("the history (listExecutions, listRuleExecutions, getExecution, getExecutionLogs)", () => {
  test("members of the workspace read it, viewers too; others are refused", async () => {
    const { t, alice, victor, bob } = await setup();
    const ruleId = await alice.mutation(api.rules.createRule, doneRule);
    // "Ship onboarding emails" became Done: the rule wants a "Release" item.
    const [result] = await t.mutation(internal.events.receiveMondayEvent, {
      workspaceId: WS_A,
      body: JSON.stringify(doneDelivery),
    });
    const { executionId } = result!;
    const reads = (caller: Caller) => ({
      listExecutions: () =>
        caller.query(api.rules.listExecutions, { integrationId: "monday", namespace: WS_A, paginationOpts: page }),
      listRuleExecutions: () => caller.query(api.rules.listRuleExecutions, { ruleId, paginationOpts: page }),
      getExecution: () => caller.query(api.rules.getExecution, { executionId }),
      getExecutionLogs: () => caller.query(api.rules.getExecutionLogs, { executionId }),
    });

    for (const caller of [alice, victor]) {
      const calls = reads(caller);
      expect((await calls.listExecutions()).page.map((e) => [e.executionId, e.status])).toEqual([
        [executionId, "skipped"],
      ]);
      expect((await calls.listRuleExecutions()).page.map((e) => e.executionId)).toEqual([executionId]);
      expect(await calls.getExecution()).toMatchObject({ ruleId, status: "skipped", conditionsMet: false });
      expect(await calls.getExecutionLogs()).toEqual(expect.any(Array));
    }
    for (const [name, call] of Object.entries(reads(bob))) {
      const data = await errorOf(call());
      expect({ name, code: data.code, message: data.message }).toEqual({
        name,
        code: "UNAUTHORIZED",
        message: "not your workspace",
      });
    }
    for (const [name, call] of Object.entries(reads(t))) {
      expect({ name, code: (await errorOf(call())).code }).toEqual({ name, code: "UNAUTHORIZED" });
    }
  });
});

describe("the app's own functions", () => {
  test("createStatusRule stores a rule in the admin's workspace with the derived pattern", async () => {
    const { alice } = await setup();
    const ruleId = await alice.mutation(api.rules.createStatusRule, statusRule("Ship it", "Done"));
    const rule = await alice.query(api.rules.getRule, { ruleId });
    expect(rule).toMatchObject({
      ruleId,
      name: "Ship it",
      enabled: true,
      integrationId: "monday",
      namespace: WS_A,
      priority: 0,
      version: 1,
      triggerType: "status_changed",
      triggerConfig: { boardId: "1771812698", columnId: "status", to: "Done" },
      conditions: [],
      actions: [
        {
          id: "a1",
          type: "notify",
          config: { userId: "61280133", text: "{{event.pulseName}} is Done" },
        },
      ],
    });
    expect(rule?.triggerPattern).toEqual({
      boardId: ["1771812698"],
      columnId: ["status"],
      value: { label: { text: ["Done"] } },
    });
    expect(rule?.createdAt).toBe(rule?.updatedAt);
  });

  test("listActiveRules returns only the enabled rules of the caller's workspace", async () => {
    const { alice, victor, bob } = await setup();
    const first = await alice.mutation(api.rules.createStatusRule, statusRule("First"));
    const off = await alice.mutation(api.rules.createStatusRule, statusRule("Off"));
    const third = await alice.mutation(api.rules.createStatusRule, statusRule("Third", "Stuck"));
    await alice.mutation(api.rules.disableRule, { ruleId: off });
    const bobs = await bob.mutation(api.rules.createStatusRule, statusRule("B"));

    const active = await alice.query(api.rules.listActiveRules, {});
    expect(active.map((r) => r.ruleId)).toEqual([first, third]);
    expect(active.every((r) => r.enabled && r.namespace === WS_A)).toBe(true);
    expect(await victor.query(api.rules.listActiveRules, {})).toEqual(active);
    expect((await bob.query(api.rules.listActiveRules, {})).map((r) => r.ruleId)).toEqual([bobs]);

    await alice.mutation(api.rules.enableRule, { ruleId: off });
    expect((await alice.query(api.rules.listActiveRules, {})).map((r) => r.ruleId)).toEqual([
      first,
      off,
      third,
    ]);
  });

  test("renameRule with a stale version fails with VERSION_CONFLICT and writes nothing", async () => {
    const { alice } = await setup();
    const ruleId = await alice.mutation(api.rules.createStatusRule, statusRule("Original"));
    expect(
      await alice.mutation(api.rules.renameRule, { ruleId, name: "Renamed", version: 1 }),
    ).toBe(2);
    const before = await alice.query(api.rules.getRule, { ruleId });

    const data = await errorOf(
      alice.mutation(api.rules.renameRule, { ruleId, name: "Lost update", version: 1 }),
    );
    expect(data).toMatchObject({ code: "VERSION_CONFLICT", field: "expectedVersion" });
    expect(data.message).toContain("version 2");
    expect(await alice.query(api.rules.getRule, { ruleId })).toEqual(before);
    expect(before).toMatchObject({ name: "Renamed", version: 2 });
  });

  test("removeRule deletes the rule", async () => {
    const { alice } = await setup();
    const kept = await alice.mutation(api.rules.createStatusRule, statusRule("Kept"));
    const ruleId = await alice.mutation(api.rules.createStatusRule, statusRule("Removed"));
    expect(await alice.mutation(api.rules.removeRule, { ruleId })).toBeNull();
    expect(await alice.query(api.rules.getRule, { ruleId })).toBeNull();
    expect((await alice.query(api.rules.listActiveRules, {})).map((r) => r.ruleId)).toEqual([
      kept,
    ]);
    // Removing it again: nothing to delete.
    const data = await errorOf(alice.mutation(api.rules.removeRule, { ruleId }));
    expect(data).toMatchObject({ code: "RULE_NOT_FOUND", field: "ruleId" });
  });
});

describe("rules.api import and export", () => {
  test("an admin exports the workspace's rules and imports them back unchanged", async () => {
    const { alice } = await setup();
    await alice.mutation(api.rules.createRule, doneRule);
    await alice.mutation(api.rules.createStatusRule, statusRule("Ship it"));
    const exported = await alice.query(api.rules.exportRules, {
      integrationId: "monday",
      namespace: WS_A,
      paginationOpts: page,
    });
    expect(exported.page).toHaveLength(2);
    const result = await alice.mutation(api.rules.importRules, {
      rules: exported.page.map((rule) => ({ ...rule, name: `${rule.name} (imported)` })),
    });
    expect(result).toMatchObject({ created: 0, updated: 2 });
    const after = await alice.query(api.rules.listRules, {
      integrationId: "monday",
      namespace: WS_A,
      paginationOpts: page,
    });
    expect(after.page.map((r) => r.name).sort()).toEqual(
      exported.page.map((r) => `${r.name} (imported)`).sort(),
    );
  });

  test("an import that touches another workspace is refused as a whole, writing nothing", async () => {
    const { alice, bob } = await setup();
    const mine = { ...doneRule, id: "bobs", namespace: WS_B };
    const data = await errorOf(
      bob.mutation(api.rules.importRules, { rules: [mine, { ...doneRule, id: "planted" }] }),
    );
    expect(data).toMatchObject({ code: "UNAUTHORIZED", message: "not your workspace" });
    expect(await alice.query(api.rules.getRule, { ruleId: "planted" })).toBeNull();
    expect(await bob.query(api.rules.getRule, { ruleId: "bobs" })).toBeNull();
  });
});

describe("rules.api for an admin", () => {
  test("createRule, getRule, listRules, updateRule, disableRule, enableRule, deleteRule", async () => {
    const { alice } = await setup();
    const ruleId = await alice.mutation(api.rules.createRule, doneRule);
    expect(ruleId).toBe("notify-when-done");

    const created = await alice.query(api.rules.getRule, { ruleId });
    expect(created).toMatchObject({
      ruleId,
      name: doneRule.name,
      namespace: WS_A,
      enabled: true,
      version: 1,
      triggerPattern: {
        boardId: ["1771812698"],
        columnId: ["status"],
        value: { label: { text: ["Done"] } },
      },
      conditions: [{ id: "c1", ...doneRule.conditions[0] }],
      actions: [{ id: "a1", ...doneRule.actions[0] }],
    });

    const second = await alice.mutation(api.rules.createRule, {
      ...doneRule,
      id: undefined,
      name: "Any column",
      triggerType: "column_changed",
      triggerConfig: { boardId: "1771812698" },
      conditions: [],
    });
    const listed = await alice.query(api.rules.listRules, {
      integrationId: "monday",
      namespace: WS_A,
      paginationOpts: page,
    });
    expect(listed.isDone).toBe(true);
    expect(listed.page.map((r) => r.ruleId)).toEqual([ruleId, second]);
    expect(listed.page[1].triggerPattern).toEqual({ boardId: ["1771812698"] });

    const renamed = await alice.mutation(api.rules.updateRule, {
      ruleId,
      expectedVersion: 1,
      name: "Notify when shipped",
    });
    expect(renamed).toMatchObject({ name: "Notify when shipped", version: 2 });

    const retriggered = await alice.mutation(api.rules.updateRule, {
      ruleId,
      expectedVersion: 2,
      integrationId: "monday",
      triggerType: "status_changed",
      triggerConfig: { boardId: "1771812698", columnId: "status", to: "Shipped" },
    });
    expect(retriggered.version).toBe(3);
    expect(retriggered.triggerPattern).toEqual({
      boardId: ["1771812698"],
      columnId: ["status"],
      value: { label: { text: ["Shipped"] } },
    });

    const stale = await errorOf(
      alice.mutation(api.rules.updateRule, { ruleId, expectedVersion: 2, name: "Stale" }),
    );
    expect(stale).toMatchObject({ code: "VERSION_CONFLICT", field: "expectedVersion" });

    expect(await alice.mutation(api.rules.disableRule, { ruleId })).toBeNull();
    expect(await alice.query(api.rules.getRule, { ruleId })).toMatchObject({
      enabled: false,
      version: 4,
    });
    expect(await alice.mutation(api.rules.enableRule, { ruleId, expectedVersion: 4 })).toBeNull();
    expect(await alice.query(api.rules.getRule, { ruleId })).toMatchObject({
      enabled: true,
      version: 5,
    });

    expect(await alice.mutation(api.rules.deleteRule, { ruleId })).toBeNull();
    expect(await alice.query(api.rules.getRule, { ruleId })).toBeNull();
    const remaining = await alice.query(api.rules.listRules, {
      integrationId: "monday",
      namespace: WS_A,
      paginationOpts: page,
    });
    expect(remaining.page.map((r) => r.ruleId)).toEqual([second]);
  });

  test.each([
    {
      what: "an undeclared action type",
      field: "actions[0].type",
      change: { actions: [{ type: "send_email", config: { to: "ops@example.com" } }] },
    },
    {
      what: "a trigger config of the wrong type",
      field: "triggerConfig.boardId",
      change: { triggerConfig: { boardId: 1771812698, columnId: "status" } },
    },
    {
      what: "a trigger config missing a field",
      field: "triggerConfig.columnId",
      change: { triggerConfig: { boardId: "1771812698" } },
    },
    {
      what: "an undeclared trigger type",
      field: "triggerType",
      change: { triggerType: "item_deleted" },
    },
    {
      what: "an action config of the wrong shape",
      field: "actions[0].config.text",
      change: { actions: [{ type: "notify", config: { userId: "61280133" } }] },
    },
  ])("createRule with $what fails with INVALID_RULE naming $field", async ({ change, field }) => {
    const { alice } = await setup();
    const data = await errorOf(alice.mutation(api.rules.createRule, { ...doneRule, ...change }));
    expect(data.code).toBe("INVALID_RULE");
    expect(data.field).toBe(field);
    expect(data.message).toContain(field);
    const listed = await alice.query(api.rules.listRules, {
      integrationId: "monday",
      namespace: WS_A,
      paginationOpts: page,
    });
    expect(listed.page).toEqual([]);
  });
});
