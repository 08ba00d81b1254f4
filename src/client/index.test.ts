/// <reference types="vite/client" />
import { anyApi, type ApiFromModules } from "convex/server";
import { describe, expect, expectTypeOf, test } from "vitest";
import type { RuleDoc, RuleId } from "./index.js";
import { rules, setupHost, type Draft } from "./setup.test.js";
import { rulesErrorOf } from "../testing/errors.js";

const host = anyApi["setup.test"] as unknown as ApiFromModules<{
  "setup.test": typeof import("./setup.test.js");
}>["setup.test"];

const setup = () => setupHost(import.meta.glob("./**/*.ts"));


const prRule = {
  name: "Label PRs to main",
  integrationId: "github",
  triggerType: "pull_request_opened",
  triggerConfig: { repo: "acme/web", base: "main" },
  conditions: [
    { type: "author_in_team", config: { team: "core" } },
    { type: "field", config: { path: "pull_request.draft", op: "eq", value: false } },
  ],
  actions: [{ type: "add_label", config: { label: "needs-review" } }],
} satisfies Draft;

describe("Rules client", () => {
  test("create derives the trigger pattern from the typed config", async () => {
    const t = setup();
    const ruleId = await t.mutation(host.create, { rule: prRule });
    const rule = (await t.query(host.get, { ruleId })) as RuleDoc;
    expect(rule.triggerPattern).toEqual({
      repository: { full_name: ["acme/web"] },
      pull_request: { base: { ref: ["main"] } },
    });
    expect(rule.conditions.map((c) => c.id)).toEqual(["c1", "c2"]);
    expect(rule.actions).toEqual([{ id: "a1", type: "add_label", config: { label: "needs-review" } }]);
  });

  test("$or written in host code is sent and stored as ~or, and dispatch runs the rule once", async () => {
    const t = setup();
    const either = { $or: [{ repository: { full_name: ["acme/web"] } }, { sender: { login: ["octocat"] } }] };
    const stored = { "~or": either.$or };
    // Convex arguments cannot hold "$or": the pattern is built inside the host function.
    const ruleId = await t.run(async (ctx) => await rules.create(ctx, { ...prRule, conditions: [], triggerPattern: either }));
    expect(((await t.query(host.get, { ruleId })) as RuleDoc).triggerPattern).toEqual(stored);
    await t.run(async (ctx) => await rules.update(ctx, { ruleId, triggerPattern: { ...either, action: ["opened"] } }));
    expect(((await t.query(host.get, { ruleId })) as RuleDoc).triggerPattern).toEqual({ ...stored, action: ["opened"] });
    const event = { action: "opened", repository: { full_name: "acme/web" }, sender: { login: "octocat" } };
    const results = await t.run(async (ctx) =>
      await rules.execute(ctx, { integrationId: "github", triggerType: "pull_request_opened", event }),
    );
    expect(results.map((r) => r.ruleId)).toEqual([ruleId]);
  });

  test("an explicit pattern wins over the derived one; no pattern when the trigger derives none", async () => {
    const t = setup();
    const explicit = await t.mutation(host.create, {
      rule: { ...prRule, triggerPattern: { action: ["opened"] } },
    });
    expect(((await t.query(host.get, { ruleId: explicit })) as RuleDoc).triggerPattern).toEqual({
      action: ["opened"],
    });
    const push = await t.mutation(host.create, {
      rule: {
        name: "On push",
        integrationId: "github",
        triggerType: "push",
        triggerConfig: { repo: "acme/web" },
        actions: [],
      },
    });
    const rule = (await t.query(host.get, { ruleId: push })) as RuleDoc;
    expect(rule.triggerPattern).toBeUndefined();
    expect(rule.conditions).toEqual([]);
  });

  test.each([
    [{ integrationId: "gitlab" }, "integrationId"],
    [{ triggerType: "issue_opened" }, "triggerType"],
    [{ triggerConfig: { repo: 42 } }, "triggerConfig.repo"],
    [{ triggerConfig: { repo: "a/b", extra: 1 } }, "triggerConfig"],
    [{ actions: [{ type: "merge", config: {} }] }, "actions[0].type"],
    [{ actions: [{ type: "comment", config: { text: "x" } }] }, "actions[0].config"],
    [{ conditions: [{ type: "xor", config: {} }] }, "conditions[0].type"],
    [
      { conditions: [{ type: "not", config: { conditions: [{ type: "author_in_team", config: {} }] } }] },
      "conditions[0].config.conditions[0].config",
    ],
    [{ actions: [{ type: "reply", config: { text: "slack's action" } }] }, "actions[0].type"],
  ])("create refuses %j at run time, naming %s, and writes nothing", async (change, field) => {
    const t = setup();
    const data = await rulesErrorOf(t.mutation(host.create, { rule: { ...prRule, ...change } }));
    expect(data.code).toBe("INVALID_RULE");
    expect(data.field?.startsWith(field)).toBe(true);
    expect(data.message).toContain(field.split(".")[0]);
    const stored = await t.run(async (ctx) => await ctx.db.system.query("_scheduled_functions").collect());
    expect(stored).toEqual([]);
    expect(await t.query(host.byIntegration, { integrationId: "github" })).toEqual([]);
  });

  test("create is typed by the integrations' declarations", () => {
    expectTypeOf<Draft>().toMatchTypeOf<{ integrationId: "github" | "slack" }>();
    const ok: Draft = prRule;
    expect(ok.name).toBe(prRule.name);
    // @ts-expect-error: "reply" is an action of slack, not of github.
    const wrongAction: Draft = { ...prRule, actions: [{ type: "reply", config: { text: "x" } }] };
    // @ts-expect-error: the trigger config of pull_request_opened needs `repo`.
    const wrongConfig: Draft = { ...prRule, triggerConfig: { base: "main" } };
    // @ts-expect-error: "xor" is neither a built-in nor a declared condition.
    const wrongCondition: Draft = { ...prRule, conditions: [{ type: "xor", config: {} }] };
    expect([wrongAction, wrongConfig, wrongCondition]).toHaveLength(3);
    expectTypeOf(rules.create).returns.resolves.toEqualTypeOf<RuleId>();
  });

  test("update is typed by the integrations' declarations", () => {
    type Patch = Parameters<typeof rules.update>[1];
    const ok: Patch = { ruleId: "r", integrationId: "github", actions: prRule.actions };
    const renameOnly: Patch = { ruleId: "r", name: "Renamed" };
    // @ts-expect-error: "reply" is an action of slack, not of github.
    const wrongAction: Patch = { ruleId: "r", integrationId: "github", actions: [{ type: "reply", config: { text: "x" } }] };
    // @ts-expect-error: changing actions needs the rule's integration.
    const noIntegration: Patch = { ruleId: "r", actions: prRule.actions };
    // @ts-expect-error: the trigger config of pull_request_opened needs `repo`.
    const wrongConfig: Patch = { ruleId: "r", integrationId: "github", triggerType: "pull_request_opened", triggerConfig: { base: "main" } };
    expect([ok, renameOnly, wrongAction, noIntegration, wrongConfig]).toHaveLength(5);
  });

  test("update checks typed parts against the rule's integration and re-derives the pattern", async () => {
    const t = setup();
    const ruleId = await t.mutation(host.create, { rule: prRule });
    const updated = (await t.mutation(host.update, {
      patch: {
        ruleId,
        integrationId: "github",
        triggerType: "pull_request_opened",
        triggerConfig: { repo: "acme/api" },
        expectedVersion: 1,
      },
    })) as RuleDoc;
    expect(updated.version).toBe(2);
    expect(updated.triggerPattern).toEqual({ repository: { full_name: ["acme/api"] } });

    const wrongIntegration = await rulesErrorOf(
      t.mutation(host.update, {
        patch: { ruleId, integrationId: "slack", actions: [{ type: "reply", config: { text: "x" } }] },
      }),
    );
    expect(wrongIntegration).toMatchObject({ code: "INVALID_ARGUMENT", field: "integrationId" });
    const badConfig = await rulesErrorOf(
      t.mutation(host.update, {
        patch: { ruleId, integrationId: "github", actions: [{ type: "comment", config: {} }] },
      }),
    );
    expect(badConfig.code).toBe("INVALID_RULE");
    expect(((await t.query(host.get, { ruleId })) as RuleDoc).version).toBe(2);

    const renamed = (await t.mutation(host.update, { patch: { ruleId, name: "Renamed" } })) as RuleDoc;
    expect(renamed).toMatchObject({ name: "Renamed", version: 3 });
  });

  test("update refuses declared parts it cannot check, and clears a pattern the new trigger does not derive", async () => {
    const t = setup();
    const ruleId = await t.mutation(host.create, { rule: prRule });
    const noIntegration = await rulesErrorOf(
      t.mutation(host.update, { patch: { ruleId, actions: [{ type: "merge", config: {} }] } }),
    );
    expect(noIntegration).toMatchObject({ code: "INVALID_ARGUMENT", field: "integrationId" });
    expect(noIntegration.message).toContain("actions");
    const halfTrigger = await rulesErrorOf(
      t.mutation(host.update, {
        patch: { ruleId, integrationId: "github", triggerType: "push" },
      }),
    );
    expect(halfTrigger).toMatchObject({ code: "INVALID_ARGUMENT", field: "triggerConfig" });
    expect(((await t.query(host.get, { ruleId })) as RuleDoc).version).toBe(1);

    const switched = (await t.mutation(host.update, {
      patch: { ruleId, integrationId: "github", triggerType: "push", triggerConfig: { repo: "acme/web" } },
    })) as RuleDoc;
    expect(switched.triggerType).toBe("push");
    expect(switched.triggerPattern).toBeUndefined();
  });

  test("enable, disable, list, export, import and delete go through the component", async () => {
    const t = setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await t.mutation(host.create, { rule: { ...prRule, id: `pr-${i}`, name: `PR ${i}` } }));
    }
    expect(ids).toEqual(["pr-0", "pr-1", "pr-2"]);
    await t.mutation(host.disable, { ruleId: "pr-1" });
    expect(
      ((await t.query(host.byIntegration, { integrationId: "github", enabled: true })) as RuleDoc[]).map(
        (r) => r.ruleId,
      ),
    ).toEqual(["pr-0", "pr-2"]);
    await t.mutation(host.enable, { ruleId: "pr-1" });

    const first = await t.query(host.list, { integrationId: "github", cursor: null });
    const second = await t.query(host.list, { integrationId: "github", cursor: first.continueCursor });
    expect([...first.page, ...second.page].map((r: RuleDoc) => r.ruleId)).toEqual(ids);
    expect(second.isDone).toBe(true);

    const exported = await t.query(host.exportRules, { integrationId: "github" });
    expect(await t.mutation(host.importRules, { rules: exported.page })).toEqual({
      created: 0,
      updated: 0,
      unchanged: 3,
      ruleIds: ids,
    });

    await t.mutation(host.remove, { ruleId: "pr-0" });
    expect(await t.query(host.get, { ruleId: "pr-0" })).toBeNull();
  });

  test("import reports every rule that breaks the declarations, and writes nothing", async () => {
    const t = setup();
    const data = (await rulesErrorOf(
      t.mutation(host.importRules, {
        rules: [
          { ...prRule, id: "ok" },
          { ...prRule, id: "bad-trigger", triggerType: "nope" },
          { ...prRule, id: "bad-action", actions: [{ type: "comment", config: {} }] },
        ],
      }),
    )) as unknown as { code: string; errors: Array<{ index: number; id: string; field: string }> };
    expect(data.code).toBe("IMPORT_FAILED");
    expect(data.errors.map((e) => [e.index, e.id])).toEqual([
      [1, "bad-trigger"],
      [2, "bad-action"],
    ]);
    expect(await t.query(host.get, { ruleId: "ok" })).toBeNull();
  });

  test("getExecutionLogs refuses an id that is not an execution id", async () => {
    const t = setup();
    const executionId = await t.run(async (ctx) => {
      const id = await ctx.db.insert("notes", { text: "not an execution" });
      return id;
    });
    const data = await rulesErrorOf(t.query(host.logs, { executionId }));
    expect(data.code).toBe("INVALID_ARGUMENT");
  });
});

describe("Rules.api", () => {
  test("asks auth before each operation and passes the rule for rule operations", async () => {
    const t = setup();
    const anonymous = await rulesErrorOf(t.mutation(host.createRule, prRule));
    expect(anonymous.code).toBe("UNAUTHORIZED");

    const alice = t.withIdentity({ subject: "tenant-a" });
    const bob = t.withIdentity({ subject: "tenant-b" });
    const ruleId = await alice.mutation(host.createRule, { ...prRule, namespace: "tenant-a" });
    expect((await alice.query(host.getRule, { ruleId }))?.name).toBe(prRule.name);

    // Bob may not touch tenant A's rule, nor list tenant A's namespace.
    expect((await rulesErrorOf(bob.query(host.getRule, { ruleId }))).code).toBe("UNAUTHORIZED");
    expect((await rulesErrorOf(bob.mutation(host.deleteRule, { ruleId }))).code).toBe("UNAUTHORIZED");
    expect(
      (await rulesErrorOf(bob.mutation(host.updateRule, { ruleId, name: "hijacked" }))).code,
    ).toBe("UNAUTHORIZED");
    expect(
      (
        await rulesErrorOf(
          bob.query(host.listRules, {
            integrationId: "github",
            namespace: "tenant-a",
            paginationOpts: { numItems: 10, cursor: null },
          }),
        )
      ).code,
    ).toBe("UNAUTHORIZED");

    await alice.mutation(host.disableRule, { ruleId });
    await alice.mutation(host.enableRule, { ruleId });
    const renamed = await alice.mutation(host.updateRule, { ruleId, name: "Mine" });
    expect(renamed).toMatchObject({ name: "Mine", version: 4 });
    const page = await alice.query(host.listRules, {
      integrationId: "github",
      namespace: "tenant-a",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(page.page.map((r: RuleDoc) => r.ruleId)).toEqual([ruleId]);
    await alice.mutation(host.deleteRule, { ruleId });
    expect(await alice.query(host.getRule, { ruleId })).toBeNull();
  });

  test("the api's updateRule checks declared parts against the stored rule's integration", async () => {
    const t = setup().withIdentity({ subject: "tenant-a" });
    const ruleId = await t.mutation(host.createRule, { ...prRule, namespace: "tenant-a" });
    const data = await rulesErrorOf(
      t.mutation(host.updateRule, { ruleId, actions: [{ type: "send_email", config: {} }] }),
    );
    expect(data).toMatchObject({ code: "INVALID_RULE", field: "actions[0].type" });
    expect((await t.query(host.getRule, { ruleId }))?.version).toBe(1);
  });

  test("the api's createRule still checks the declarations at run time", async () => {
    const t = setup().withIdentity({ subject: "" });
    const data = await rulesErrorOf(
      t.mutation(host.createRule, { ...prRule, actions: [{ type: "merge", config: {} }] }),
    );
    expect(data).toMatchObject({ code: "INVALID_RULE", field: "actions[0].type" });
  });
});
