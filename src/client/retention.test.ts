/// <reference types="vite/client" />
// Retention and cleanup through the client, as a host app calls them
// (inline host functions over setup.test.ts's client): settings per
// integration and rule, a manual cleanup run and its status.
import { convexTest } from "convex-test";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { register } from "../test.js";
import { rules } from "./setup.test.js";
import { RETENTION_DEFAULTS, type RulesErrorData } from "./index.js";

const DAY_MS = 24 * 60 * 60 * 1000;

function setup() {
  const t = convexTest({ modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 5, 1) });
});
afterEach(() => {
  vi.useRealTimers();
});

test("setRetention, getRetention, listRetention and clearRetention through the client", async () => {
  const t = setup();
  const ruleId = await t.mutation(async (ctx) =>
    rules.create(ctx, {
      name: "Label PRs",
      integrationId: "github",
      triggerType: "push",
      triggerConfig: { repo: "acme/app" },
      actions: [],
    }),
  );
  expect(RETENTION_DEFAULTS).toEqual({ days: 14, failedDays: 30, maxPerOutcome: 100 });
  expect(await t.query(async (ctx) => rules.retention.get(ctx, { integrationId: "github", ruleId }))).toMatchObject({
    days: 14,
    failedDays: 30,
    maxPerOutcome: 100,
  });
  await t.mutation(async (ctx) => rules.retention.set(ctx, { integrationId: "github", days: 3 }));
  const forRule = await t.mutation(async (ctx) =>
    rules.retention.set(ctx, { integrationId: "github", ruleId, maxPerOutcome: 5 }),
  );
  expect(forRule).toMatchObject({ days: 3, failedDays: 30, maxPerOutcome: 5, sources: { days: "integration", maxPerOutcome: "rule" } });
  expect(
    (await t.query(async (ctx) => rules.retention.list(ctx, { integrationId: "github" }))).map((r) => r.ruleId),
  ).toEqual([null, ruleId]);
  await t.mutation(async (ctx) => rules.retention.remove(ctx, { integrationId: "github", ruleId }));
  expect((await t.query(async (ctx) => rules.retention.get(ctx, { integrationId: "github", ruleId }))).maxPerOutcome).toBe(100);
  const error = await t
    .mutation(async (ctx) => rules.retention.set(ctx, { integrationId: "github", days: -1 }))
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConvexError);
  expect((error as ConvexError<RulesErrorData>).data).toMatchObject({ code: "INVALID_ARGUMENT", field: "days" });
});

test("runCleanup deletes old executions with their logs; getCleanupStatus reports the run", async () => {
  const t = setup();
  const ruleId = await t.mutation(async (ctx) =>
    rules.create(ctx, { name: "On push", integrationId: "github", triggerType: "push", triggerConfig: { repo: "acme/app" }, actions: [] }),
  );
  await t.mutation(async (ctx) => rules.retention.set(ctx, { integrationId: "github", days: 1, failedDays: 1 }));
  const results: Array<{ status: string; executionId: string }> = [];
  for (const eventId of ["p1", "p2"]) {
    results.push(
      ...(await t.mutation(async (ctx) =>
        rules.execute(ctx, { integrationId: "github", triggerType: "push", event: { repository: { full_name: "acme/app" } }, eventId }),
      )),
    );
  }
  expect(results.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
  const logs = await t.query(async (ctx) => rules.executions.getLogs(ctx, { executionId: results[0].executionId }));
  expect(logs.length).toBeGreaterThan(0);
  // Two days later.
  vi.setSystemTime(Date.now() + 2 * DAY_MS);
  const started = await t.mutation(async (ctx) => rules.retention.runCleanup(ctx, { logLevel: "ERROR" }));
  expect(started.started).toBe(true);
  expect((await t.query(async (ctx) => rules.retention.getCleanupStatus(ctx))).running?.startedAt).toBe(started.runStartedAt);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
  const status = await t.query(async (ctx) => rules.retention.getCleanupStatus(ctx));
  expect(status.running).toBeNull();
  expect(status.lastRun).toMatchObject({ trigger: "manual", executionsDeleted: 2, logsDeleted: 2 * logs.length });
  expect(await t.query(async (ctx) => rules.executions.listForRule(ctx, { ruleId }))).toEqual([]);
  expect(await t.query(async (ctx) => rules.executions.getLogs(ctx, { executionId: results[0].executionId }))).toEqual([]);
});
