/// <reference types="vite/client" />
/**
 * Dispatch's routing index: `ruleRoutes` and `routingPaths` follow every rule
 * change, and `findCandidates` finds an event's rules by index lookups only.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import type { WithoutSystemFields } from "convex/server";
import { api } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { executeHandler, initConvexTest, ruleInput } from "../setup.test.js";
import {
  findCandidates,
  MAX_ROUTE_VALUES,
  MAX_ROUTING_PATHS,
  routesOf,
  syncRoutes,
  WILDCARD_ROUTE,
} from "./routes.js";
import { MAX_EVENT_ROUTE_KEYS } from "../../core/patternMatch.js";
import type { RuleInput } from "../../shared.js";

type T = ReturnType<typeof initConvexTest>;

afterEach(() => {
  vi.useRealTimers();
});

const SCOPE = { integrationId: "monday", namespace: "", triggerType: "status_changed" };

async function createRule(t: T, overrides: Partial<RuleInput> = {}) {
  return await t.mutation(api.rules.createRule, ruleInput(overrides));
}

/** The route rows and routing paths as stored. */
async function routingState(t: T) {
  return await t.run(async (ctx) => ({
    routes: (await ctx.db.query("ruleRoutes").collect()).map((r) => ({
      ruleId: r.ruleId,
      namespace: r.namespace,
      triggerType: r.triggerType,
      routeKey: r.routeKey,
      routePath: r.routePath,
      version: r.version,
    })),
    paths: (await ctx.db.query("routingPaths").collect()).map((p) => ({
      namespace: p.namespace,
      triggerType: p.triggerType,
      path: p.path,
      ...(p.fields ? { fields: p.fields } : {}),
    })),
  }));
}

/** Rule ids of the candidates for `event`, in run order. */
async function candidates(t: T, event: unknown, scope = SCOPE): Promise<string[]> {
  return await t.run(async (ctx) =>
    (await findCandidates(ctx, scope, event)).map((route) => route.ruleId),
  );
}

async function documentsRead(ctx: MutationCtx): Promise<number> {
  return (await ctx.meta.getTransactionMetrics()).documentsRead.used;
}


/** Rules the engine ran (or refused) for `event`, in the order it considered them. */
async function dispatched(t: T, event: unknown, triggerType = "status_changed") {
  return (
    await t.mutation(api.dispatch.engine.execute, { integrationId: "monday", triggerType, event })
  ).map((r) => r.ruleId);
}

describe("findCandidates at scale", () => {
  test("reads only the candidates of one board among 2,000 rules over 200 boards", async () => {
    const t = initConvexTest();
    const BOARDS = 200;
    const PER_BOARD = 10;
    const board = 7;
    // The measured board's rules, and rules that must never be its
    // candidates, go through the real API (importRules -> syncRoutes).
    const pattern = { boardId: [board], columnId: ["status"] };
    const imported = await t.mutation(api.rules.importRules, {
      rules: [
        ...Array.from({ length: PER_BOARD }, (_, k) =>
          ruleInput({ id: `board7-${k}`, priority: (k * 7) % 3, triggerPattern: pattern }),
        ),
        ruleInput({ id: "disabled", enabled: false, triggerPattern: pattern }),
        ruleInput({ id: "tenant", namespace: "tenant-2", triggerPattern: pattern }),
        ruleInput({ id: "created", triggerType: "item_created", triggerPattern: pattern }),
        ruleInput({ id: "github", integrationId: "github", triggerPattern: pattern }),
        // No exact value: candidates for every board.
        ruleInput({ id: "any-positive-board", triggerPattern: { boardId: [{ numeric: [">", 0] }] } }),
        ruleInput({ id: "no-pattern", priority: 1 }),
      ],
    });
    expect(imported.created).toBe(PER_BOARD + 6);
    // The other 199 boards' 1,990 rules, written in one transaction in the
    // shape syncRoutes writes (a real deployment's import would be slower
    // here only because convex-test scans whole tables per index query).
    await t.run(async (ctx) => {
      const now = Date.now();
      let routes = 0;
      for (let i = 0; i < BOARDS * PER_BOARD; i++) {
        const boardId = i % BOARDS;
        if (boardId === board) continue;
        const id = `r${i}`;
        const doc = {
          id,
          name: id,
          enabled: true,
          ...SCOPE,
          priority: i % 3,
          version: 1,
          triggerConfig: {},
          triggerPattern: { boardId: [boardId], columnId: ["status"] },
          conditions: [],
          actions: [],
          createdAt: now,
          updatedAt: now,
        } satisfies WithoutSystemFields<Doc<"rules">>;
        const _id = await ctx.db.insert("rules", doc);
        const created = (await ctx.db.get("rules", _id))!;
        for (const route of routesOf(doc)) {
          await ctx.db.insert("ruleRoutes", {
            ruleId: id,
            ...SCOPE,
            ...route,
            priority: doc.priority,
            ruleCreatedAt: created._creationTime,
            name: doc.name,
            version: doc.version,
            conditions: doc.conditions,
            actions: doc.actions,
            triggerPattern: doc.triggerPattern,
          } satisfies WithoutSystemFields<Doc<"ruleRoutes">>);
          routes++;
        }
      }
      expect(routes).toBe((BOARDS - 1) * PER_BOARD);
    });

    const expected = Array.from({ length: PER_BOARD }, (_, k) => `board7-${k}`);
    const result = await t.run(async (ctx) => {
      const before = await documentsRead(ctx);
      const routes = await findCandidates(ctx, SCOPE, { boardId: board, columnId: "status" });
      const reads = (await documentsRead(ctx)) - before;
      const baselineBefore = await documentsRead(ctx);
      const all = await ctx.db
        .query("rules")
        .withIndex("by_integration", (q) => q.eq("integrationId", "monday"))
        .collect();
      const baseline = (await documentsRead(ctx)) - baselineBefore;
      return { routes, reads, baseline, all: all.length };
    });
    const ids = result.routes.map((r) => r.ruleId);
    expect(new Set(ids)).toEqual(new Set([...expected, "any-positive-board", "no-pattern"]));
    expect(ids).toHaveLength(PER_BOARD + 2);
    // Reads grow with the candidates, not with the 2,000 rules.
    expect(result.reads).toBeLessThanOrEqual(ids.length + 10);
    expect(result.baseline).toBe(result.all);
    expect(result.baseline).toBeGreaterThan(2000);
    // Priority, then creation order.
    const sorted = [...result.routes].sort(
      (a, b) => a.priority - b.priority || a.ruleCreatedAt - b.ruleCreatedAt,
    );
    expect(ids).toEqual(sorted.map((r) => r.ruleId));
    expect(result.routes.map((r) => r.priority)).toEqual(
      [...result.routes.map((r) => r.priority)].sort((a, b) => a - b),
    );

    // The engine itself, measured inside one transaction. Candidates whose
    // conditions do not hold are recorded as skipped: the target holds.
    const dispatch = async (status: string) =>
      await t.run(async (ctx) => {
        const before = await documentsRead(ctx);
        const results = await executeHandler(ctx, {
          integrationId: "monday",
          triggerType: "status_changed",
          event: { boardId: board, columnId: "status", status },
        });
        return { results, reads: (await documentsRead(ctx)) - before };
      });
    await t.run(async (ctx) => {
      // Every candidate gets the condition `status = done`.
      for (const route of result.routes) {
        const rule = (await ctx.db
          .query("rules")
          .withIndex("by_rule_id", (q) => q.eq("id", route.ruleId))
          .unique())!;
        const changed = {
          ...rule,
          version: rule.version + 1,
          conditions: [{ id: "c1", type: "field", config: { path: "status", op: "eq", value: "done" } }],
        };
        await ctx.db.replace("rules", rule._id, changed);
        await syncRoutes(ctx, rule.id, changed);
      }
    });
    const skipped = await dispatch("stuck");
    expect(skipped.results.map((r) => r.ruleId)).toEqual(ids);
    expect(skipped.results.every((r) => r.status === "skipped")).toBe(true);
    expect(skipped.reads).toBeLessThanOrEqual(ids.length + 10);
    // Rules that run cost no more reads: each execution is inserted in its
    // first state, never read back.
    const ran = await dispatch("done");
    expect(ran.results.every((r) => r.status === "succeeded")).toBe(true);
    expect(ran.reads).toBeLessThanOrEqual(ids.length + 10);
  }, 30_000);
});

describe("routes follow rule changes", () => {
  test("an enabled rule has one route per combination of its exact-valued fields", async () => {
    const t = initConvexTest();
    await createRule(t, {
      id: "multi",
      triggerPattern: { boardId: [1, 2, "2", 2], columnId: ["status", "owner", "date"] },
    });
    const state = await routingState(t);
    // 3 boards (2 and "2" differ) x 3 columns: one key per combination.
    const path = '$["boardId","columnId"]';
    expect(state.routes.map((r) => r.routeKey)).toEqual(
      [1, 2, "2"].flatMap((b) => ["status", "owner", "date"].map((c) => `${path}=${JSON.stringify([b, c])}`)),
    );
    expect(state.routes.every((r) => r.routePath === path)).toBe(true);
    expect(state.paths).toEqual([
      { namespace: "", triggerType: "status_changed", path, fields: ["boardId", "columnId"] },
    ]);
    for (const boardId of [1, 2, "2"]) {
      expect(await candidates(t, { boardId, columnId: "date" })).toEqual(["multi"]);
      expect(await dispatched(t, { boardId, columnId: "date" })).toEqual(["multi"]);
    }
    expect(await candidates(t, { boardId: 3, columnId: "date" })).toEqual([]);
    expect(await candidates(t, { boardId: "1", columnId: "date" })).toEqual([]);
    // Both fields must agree: another column finds nothing to read.
    expect(await candidates(t, { boardId: 1, columnId: "name" })).toEqual([]);
    expect(await candidates(t, { boardId: 1 })).toEqual([]);
  });

  test("a field with one value shared by every rule does not make them all candidates", async () => {
    const t = initConvexTest();
    // Every rule lists two boards and the same column: routing on the
    // column alone would read all of them for every event.
    const RULES = 60;
    await t.mutation(api.rules.importRules, {
      rules: Array.from({ length: RULES }, (_, i) =>
        ruleInput({ id: `r${i}`, triggerPattern: { boardId: [i, i + 1], columnId: ["status"] } }),
      ),
    });
    const result = await t.run(async (ctx) => {
      const before = await documentsRead(ctx);
      const routes = await findCandidates(ctx, SCOPE, { boardId: 10, columnId: "status" });
      return { ids: routes.map((r) => r.ruleId), reads: (await documentsRead(ctx)) - before };
    });
    expect(result.ids).toEqual(["r9", "r10"]);
    expect(result.reads).toBeLessThanOrEqual(result.ids.length + 10);
  });

  test("a pattern whose lists multiply beyond the limit routes on the fields that fit", async () => {
    const t = initConvexTest();
    const many = Array.from({ length: 30 }, (_, i) => `c${i}`);
    await createRule(t, { id: "wide", triggerPattern: { boardId: [1, 2], columnId: many, kind: ["x"] } });
    const state = await routingState(t);
    // kind (1) x boardId (2) fit; x 30 columns would be 60 keys, over 50.
    expect(state.paths.map((p) => p.path)).toEqual(['$["boardId","kind"]']);
    expect(state.routes).toHaveLength(2);
    expect(await dispatched(t, { boardId: 2, columnId: "c29", kind: "x" })).toEqual(["wide"]);
    expect(await dispatched(t, { boardId: 2, columnId: "c30", kind: "x" })).toEqual([]);
  });

  test("an event array finds the rules of each of its values, once each", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "b1", triggerPattern: { boardId: [1] } });
    await createRule(t, { id: "b2", triggerPattern: { boardId: [2] } });
    await createRule(t, { id: "b12", triggerPattern: { boardId: [1, 2] } });
    await createRule(t, { id: "nested", triggerPattern: { items: { tag: ["x"] } } });
    expect(await candidates(t, { boardId: [2, 1, 2] })).toEqual(["b1", "b2", "b12"]);
    expect(await dispatched(t, { boardId: [2, 1, 2] })).toEqual(["b1", "b2", "b12"]);
    expect(await dispatched(t, { items: [{ tag: "y" }, { tag: ["z", "x"] }] })).toEqual(["nested"]);
    expect(await dispatched(t, { items: [{ tag: "y" }] })).toEqual([]);
  });

  test("an event with more values at a routing path than are looked up still finds its rules", async () => {
    const t = initConvexTest();
    const far = MAX_EVENT_ROUTE_KEYS + 50;
    await createRule(t, { id: "first", triggerPattern: { tags: ["t0"] } });
    await createRule(t, { id: "far", triggerPattern: { tags: [`t${far}`] } });
    await createRule(t, { id: "absent", triggerPattern: { tags: ["t-never"] } });
    // Routed on the path `tags=x`, whose keys share the prefix `tags=`.
    await createRule(t, { id: "other-path", triggerPattern: { "tags=x": ["t1"] } });
    const tags = Array.from({ length: far + 10 }, (_, i) => `t${i}`);
    const found = await candidates(t, { tags });
    expect(found).toEqual(expect.arrayContaining(["first", "far"]));
    expect(found).not.toContain("other-path");
    expect(await dispatched(t, { tags })).toEqual(["first", "far"]);
    expect(await dispatched(t, { tags, "tags=x": "t1" })).toEqual(["first", "far", "other-path"]);
  });

  test("patterns without exact values route as a wildcard and match as before", async () => {
    const t = initConvexTest();
    await createRule(t, {
      id: "prefix",
      triggerPattern: { columnId: [{ prefix: "status" }], value: { label: { text: [{ "anything-but": "Stuck" }] } } },
    });
    await createRule(t, { id: "no-pattern" });
    const state = await routingState(t);
    expect(state.routes.map((r) => [r.ruleId, r.routeKey, r.routePath])).toEqual([
      ["prefix", WILDCARD_ROUTE, undefined],
      ["no-pattern", WILDCARD_ROUTE, undefined],
    ]);
    expect(state.paths).toEqual([]);
    expect(await dispatched(t, { columnId: "status_1", value: { label: { text: "Done" } } })).toEqual([
      "prefix",
      "no-pattern",
    ]);
    expect(await dispatched(t, { columnId: "status_1", value: { label: { text: "Stuck" } } })).toEqual([
      "no-pattern",
    ]);
    expect(await dispatched(t, { columnId: "date" })).toEqual(["no-pattern"]);
    // Another trigger type has no candidates at all.
    expect(await dispatched(t, { columnId: "status_1" }, "item_created")).toEqual([]);
  });

  test(`a field with more than ${MAX_ROUTE_VALUES} values routes as a wildcard`, async () => {
    const t = initConvexTest();
    const many = Array.from({ length: MAX_ROUTE_VALUES + 1 }, (_, i) => i + 1);
    await createRule(t, { id: "many", triggerPattern: { boardId: many } });
    await createRule(t, { id: "limit", triggerPattern: { boardId: many.slice(0, MAX_ROUTE_VALUES) } });
    const state = await routingState(t);
    expect(state.routes.filter((r) => r.ruleId === "many").map((r) => r.routeKey)).toEqual([
      WILDCARD_ROUTE,
    ]);
    expect(state.routes.filter((r) => r.ruleId === "limit")).toHaveLength(MAX_ROUTE_VALUES);
    expect(state.paths).toEqual([{ namespace: "", triggerType: "status_changed", path: "boardId" }]);
    expect(await dispatched(t, { boardId: MAX_ROUTE_VALUES + 1 })).toEqual(["many"]);
    expect(await dispatched(t, { boardId: 1 })).toEqual(["many", "limit"]);
    expect(await dispatched(t, { boardId: 0 })).toEqual([]);
  });

  test("disabling, enabling, updating and deleting rewrite the routes; unused paths are pruned", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const settle = async () => await t.finishAllScheduledFunctions(vi.runAllTimers);
    await createRule(t, { id: "a", triggerPattern: { boardId: [1, 2] } });
    await createRule(t, { id: "b", triggerPattern: { boardId: [1] } });
    const paths = async () => (await routingState(t)).paths.map((p) => p.path);
    expect(await paths()).toEqual(["boardId"]);

    await t.mutation(api.rules.disableRule, { ruleId: "a" });
    await settle();
    expect((await routingState(t)).routes.map((r) => r.ruleId)).toEqual(["b"]);
    expect(await paths()).toEqual(["boardId"]);
    expect(await dispatched(t, { boardId: 1 })).toEqual(["b"]);
    expect(await dispatched(t, { boardId: 2 })).toEqual([]);

    await t.mutation(api.rules.enableRule, { ruleId: "a" });
    expect(await dispatched(t, { boardId: 2 })).toEqual(["a"]);

    // A new pattern moves the routes to another path; the snapshot follows.
    await t.mutation(api.rules.updateRule, {
      ruleId: "a",
      triggerPattern: { columnId: ["status"] },
      name: "renamed",
    });
    await settle();
    const state = await routingState(t);
    expect(state.routes.filter((r) => r.ruleId === "a")).toEqual([
      {
        ruleId: "a",
        namespace: "",
        triggerType: "status_changed",
        routeKey: 'columnId="status"',
        routePath: "columnId",
        version: 4,
      },
    ]);
    expect(await paths()).toEqual(["boardId", "columnId"]);
    expect(await dispatched(t, { boardId: 2 })).toEqual([]);
    expect(await dispatched(t, { columnId: "status" })).toEqual(["a"]);
    const [latest] = await t.query(api.executions.queries.getRuleExecutions, { ruleId: "a", limit: 1 });
    expect(latest).toMatchObject({ ruleName: "renamed", ruleVersion: 4 });

    // Clearing the pattern makes it a wildcard; its old path goes once no
    // route uses it. Moving it to another trigger type takes it out of this one.
    await t.mutation(api.rules.updateRule, { ruleId: "a", triggerPattern: null });
    await settle();
    expect(await paths()).toEqual(["boardId"]);
    expect(await dispatched(t, { anything: true })).toEqual(["a"]);
    await t.mutation(api.rules.updateRule, { ruleId: "a", triggerType: "item_created" });
    expect(await dispatched(t, { anything: true })).toEqual([]);
    expect(await dispatched(t, { anything: true }, "item_created")).toEqual(["a"]);

    // Deleting the last rule on a path deletes the path's row, afterwards.
    await t.mutation(api.rules.deleteRule, { ruleId: "b" });
    expect(await paths()).toEqual(["boardId"]);
    await settle();
    await t.mutation(api.rules.deleteRule, { ruleId: "a" });
    expect(await routingState(t)).toEqual({ routes: [], paths: [] });
    expect(await dispatched(t, { boardId: 1 })).toEqual([]);
  });

  test("a rule change writes no routing path that is already there", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "a", triggerPattern: { boardId: [1] } });
    const before = await t.run(async (ctx) => await ctx.db.query("routingPaths").collect());
    await createRule(t, { id: "b", triggerPattern: { boardId: [2] } });
    await t.mutation(api.rules.updateRule, { ruleId: "a", triggerPattern: { boardId: [3] } });
    await t.mutation(api.rules.disableRule, { ruleId: "b" });
    await t.mutation(api.rules.enableRule, { ruleId: "b" });
    const after = await t.run(async (ctx) => await ctx.db.query("routingPaths").collect());
    // The same document, never patched (a patch would not change _id but
    // would change nothing else here either: compare the whole rows).
    expect(after).toEqual(before);
    expect(await dispatched(t, { boardId: 3 })).toEqual(["a"]);
  });

  test(`at ${MAX_ROUTING_PATHS} field sets, a rule with a new one routes on a registered field or as a wildcard`, async () => {
    const t = initConvexTest();
    await t.mutation(api.rules.importRules, {
      rules: Array.from({ length: MAX_ROUTING_PATHS - 1 }, (_, i) =>
        ruleInput({ id: `f${i}`, triggerPattern: { [`field${i}`]: ["x"] } }),
      ),
    });
    await createRule(t, { id: "board", triggerPattern: { boardId: [1] } });
    expect((await routingState(t)).paths).toHaveLength(MAX_ROUTING_PATHS);
    // A new set (boardId + columnId): boardId is registered, so it routes there.
    await createRule(t, { id: "pair", triggerPattern: { boardId: [1], columnId: ["status"] } });
    // A new single field with no registered set: a wildcard.
    await createRule(t, { id: "fresh", triggerPattern: { other: ["y"] } });
    const state = await routingState(t);
    expect(state.paths).toHaveLength(MAX_ROUTING_PATHS);
    expect(state.routes.filter((r) => r.ruleId === "pair").map((r) => r.routeKey)).toEqual(["boardId=1"]);
    expect(state.routes.filter((r) => r.ruleId === "fresh").map((r) => r.routeKey)).toEqual([WILDCARD_ROUTE]);
    expect(await dispatched(t, { boardId: 1, columnId: "status", other: "y" })).toEqual(["board", "pair", "fresh"]);
    expect(await dispatched(t, { boardId: 1, columnId: "name" })).toEqual(["board"]);
  });

  test("routing paths are kept per namespace and trigger type", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    await createRule(t, { id: "n1", namespace: "t1", triggerPattern: { boardId: [1] } });
    await createRule(t, { id: "n2", namespace: "t2", triggerPattern: { boardId: [1] } });
    await createRule(t, { id: "c1", triggerType: "item_created", triggerPattern: { boardId: [1] } });
    expect((await routingState(t)).paths).toEqual([
      { namespace: "t1", triggerType: "status_changed", path: "boardId" },
      { namespace: "t2", triggerType: "status_changed", path: "boardId" },
      { namespace: "", triggerType: "item_created", path: "boardId" },
    ]);
    expect(await candidates(t, { boardId: 1 }, { ...SCOPE, namespace: "t1" })).toEqual(["n1"]);
    expect(await candidates(t, { boardId: 1 })).toEqual([]);
    await t.mutation(api.rules.deleteRule, { ruleId: "n1" });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await routingState(t)).paths.map((p) => p.namespace)).toEqual(["t2", ""]);
    const results = await t.mutation(api.dispatch.engine.execute, {
      integrationId: "monday",
      triggerType: "status_changed",
      namespace: "t2",
      event: { boardId: 1 },
    });
    expect(results.map((r) => r.ruleId)).toEqual(["n2"]);
  });
});

describe("$or patterns", () => {
  // The component takes and returns `$or` written `~or` (Convex refuses
  // names that start with "$"); the client converts (client tests).
  const pattern = { "~or": [{ boardId: [1] }, { groupId: ["g"] }] };

  test("are stored and returned with ~or", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "either", triggerPattern: pattern });
    const stored = await t.run(async (ctx) => (await ctx.db.query("rules").first())!.triggerPattern);
    expect(stored).toEqual(pattern);
    expect((await t.query(api.rules.getRule, { ruleId: "either" }))?.triggerPattern).toEqual(pattern);
    const exported = await t.query(api.rules.exportRules, {
      integrationId: "monday",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(exported.page[0].triggerPattern).toEqual(pattern);
  });

  test("route under each branch's keys; an event matching both branches runs the rule once", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "either", triggerPattern: pattern });
    await createRule(t, { id: "board2", triggerPattern: { boardId: [2] } });
    const state = await routingState(t);
    expect(state.routes.filter((r) => r.ruleId === "either").map((r) => [r.routeKey, r.routePath])).toEqual([
      ["boardId=1", "boardId"],
      ['groupId="g"', "groupId"],
    ]);
    expect(state.paths.map((p) => p.path).sort()).toEqual(["boardId", "groupId"]);
    expect(await dispatched(t, { boardId: 1 })).toEqual(["either"]);
    expect(await dispatched(t, { boardId: 2, groupId: "g" })).toEqual(["either", "board2"]);
    expect(await dispatched(t, { boardId: 1, groupId: "g" })).toEqual(["either"]);
    expect(await dispatched(t, { boardId: 3, groupId: "h" })).toEqual([]);
    const executions = await t.run(async (ctx) => await ctx.db.query("ruleExecutions").collect());
    expect(executions.filter((e) => e.ruleId === "either")).toHaveLength(3);
  });

  test("an event reads its candidates plus a constant among rules routed by their branches", async () => {
    const t = initConvexTest();
    for (let board = 0; board < 30; board++) {
      await createRule(t, { id: `r${board}`, triggerPattern: { "~or": [{ boardId: [board] }, { groupId: [`g${board}`] }] } });
    }
    await t.run(async (ctx) => {
      const before = await documentsRead(ctx);
      const found = await findCandidates(ctx, SCOPE, { boardId: 7, groupId: "g9" });
      expect(found.map((route) => route.ruleId)).toEqual(["r7", "r9"]);
      expect((await documentsRead(ctx)) - before).toBeLessThanOrEqual(found.length + 10);
    });
  });

  test("a branch without an exact list makes the rule a wildcard candidate", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "loose", triggerPattern: { "~or": [{ boardId: [1] }, { name: [{ prefix: "Bug" }] }] } });
    const state = await routingState(t);
    expect(state.routes.map((r) => r.routeKey)).toEqual([WILDCARD_ROUTE]);
    expect(await dispatched(t, { boardId: 1 })).toEqual(["loose"]);
    expect(await dispatched(t, { boardId: 2, name: "Bug 12" })).toEqual(["loose"]);
    expect(await dispatched(t, { boardId: 2, name: "Feature" })).toEqual([]);
  });

  test("updating to $or and disabling rewrite the routes", async () => {
    const t = initConvexTest();
    await createRule(t, { id: "either", triggerPattern: { boardId: [5] } });
    const updated = await t.mutation(api.rules.updateRule, { ruleId: "either", triggerPattern: pattern });
    expect(updated.triggerPattern).toEqual(pattern);
    expect(await dispatched(t, { groupId: "g" })).toEqual(["either"]);
    expect(await dispatched(t, { boardId: 5 })).toEqual([]);
    await t.mutation(api.rules.disableRule, { ruleId: "either" });
    expect((await routingState(t)).routes).toEqual([]);
  });

  test("an invalid $or is refused naming the field, and nothing is written", async () => {
    const t = initConvexTest();
    await expect(createRule(t, { triggerPattern: { "~or": [{ boardId: [1] }] } })).rejects.toMatchObject({
      data: { code: "INVALID_RULE", field: "triggerPattern.$or" },
    });
    await expect(
      createRule(t, { triggerPattern: { a: { "~or": [{ b: [1] }, { c: [2] }], $or: [{ d: [1] }, { e: [2] }] } } }),
    ).rejects.toThrow();
    const rows = await t.run(async (ctx) => (await ctx.db.query("rules").collect()).length);
    expect(rows).toBe(0);
    expect((await routingState(t)).routes).toEqual([]);
  });
});

describe("run order", () => {
  test("priority first, then creation order, across route keys", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const t = initConvexTest();
    await createRule(t, { id: "late-low", priority: 5, triggerPattern: { boardId: [1] } });
    vi.setSystemTime(2_000_000);
    await createRule(t, { id: "wild-first", priority: 1 });
    vi.setSystemTime(3_000_000);
    await createRule(t, { id: "board-second", priority: 1, triggerPattern: { boardId: [1] } });
    vi.setSystemTime(4_000_000);
    await createRule(t, { id: "negative", priority: -2, triggerPattern: { columnId: ["s"] } });
    expect(await dispatched(t, { boardId: 1, columnId: "s" })).toEqual([
      "negative",
      "wild-first",
      "board-second",
      "late-low",
    ]);
    // Changing a rule keeps its place in creation order.
    await t.mutation(api.rules.updateRule, { ruleId: "wild-first", name: "edited" });
    await t.mutation(api.rules.disableRule, { ruleId: "board-second" });
    await t.mutation(api.rules.enableRule, { ruleId: "board-second" });
    expect(await dispatched(t, { boardId: 1, columnId: "s" })).toEqual([
      "negative",
      "wild-first",
      "board-second",
      "late-low",
    ]);
  });

  test("rules created in the same millisecond run in creation order, not id order", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const t = initConvexTest();
    await t.mutation(api.rules.importRules, {
      rules: ["zeta", "alpha", "mid"].map((id) => ruleInput({ id, triggerPattern: { boardId: [1] } })),
    });
    await createRule(t, { id: "aaa-last", triggerPattern: { boardId: [1] } });
    await createRule(t, { id: "0-wild" });
    expect(await dispatched(t, { boardId: 1 })).toEqual(["zeta", "alpha", "mid", "aaa-last", "0-wild"]);
  });
});
