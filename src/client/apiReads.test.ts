/// <reference types="vite/client" />
// The history reads rules.api builds for the React components: each asks
// `auth` with the scope of what it reads (the execution's own integration
// and namespace, not the caller's), and returns nothing before it allows.
import { anyApi, type ApiFromModules } from "convex/server";
import { describe, expect, test } from "vitest";
import { rulesErrorOf } from "../testing/errors.js";
import { setupHost } from "./setup.test.js";

const host = anyApi["setup.test"] as unknown as ApiFromModules<{
  "setup.test": typeof import("./setup.test.js");
}>["setup.test"];

async function setup() {
  const t = setupHost(import.meta.glob("./**/*.ts"));
  // The api's auth (setup.test.ts) allows a caller the namespace named by its subject.
  const alice = t.withIdentity({ subject: "alice" });
  const bob = t.withIdentity({ subject: "bob" });
  const ruleId = await alice.mutation(host.createRule, {
    name: "Pushes",
    integrationId: "github",
    namespace: "alice",
    triggerType: "push",
    triggerConfig: { repo: "acme/web" },
    actions: [],
  });
  const [result] = await t.mutation(host.push, { repo: "acme/web", namespace: "alice" });
  return { t, alice, bob, ruleId, executionId: result!.executionId as string };
}

describe("rules.api's history reads", () => {
  test("the owner reads the list, the rule's history, an execution and its logs", async () => {
    const { alice, ruleId, executionId } = await setup();
    const page = { numItems: 10, cursor: null };
    const listed = await alice.query(host.listExecutions, { integrationId: "github", namespace: "alice", paginationOpts: page });
    expect(listed.page.map((e) => e.executionId)).toEqual([executionId]);
    const history = await alice.query(host.listRuleExecutions, { ruleId, paginationOpts: page });
    expect(history).toMatchObject({ isDone: true, page: [{ executionId, status: "succeeded" }] });
    expect(await alice.query(host.getExecution, { executionId })).toMatchObject({ executionId, namespace: "alice" });
    expect((await alice.query(host.getExecutionLogs, { executionId })).length).toBeGreaterThan(0);
  });

  test("another tenant is refused by auth for each of them, with the execution's own namespace", async () => {
    const { bob, ruleId, executionId } = await setup();
    const page = { numItems: 10, cursor: null };
    for (const call of [
      bob.query(host.listExecutions, { integrationId: "github", namespace: "alice", paginationOpts: page }),
      bob.query(host.listRuleExecutions, { ruleId, paginationOpts: page }),
      bob.query(host.getExecution, { executionId }),
      bob.query(host.getExecutionLogs, { executionId }),
    ]) {
      expect(await rulesErrorOf(call)).toMatchObject({ code: "UNAUTHORIZED" });
    }
    // Bob's own namespace has no executions of Alice's.
    expect((await bob.query(host.listExecutions, { integrationId: "github", namespace: "bob", paginationOpts: page })).page).toEqual([]);
  });

  test("a rule that does not exist has an empty history; an id that is not an execution's is refused", async () => {
    const { alice } = await setup();
    expect(await alice.query(host.listRuleExecutions, { ruleId: "gone", paginationOpts: { numItems: 10, cursor: null } })).toEqual({
      page: [],
      isDone: true,
      continueCursor: "",
    });
    expect(await rulesErrorOf(alice.query(host.getExecution, { executionId: "not-an-id" }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "executionId",
    });
  });
});
