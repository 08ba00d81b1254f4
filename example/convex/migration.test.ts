/// <reference types="vite/client" />
// The legacy mondayRules migration through the example app: run by
// @convex-dev/migrations with its runner, the unmapped-rules and legacy-id
// queries, and the migrated sample rules run on monday.com webhooks the way
// the legacy rules did.
import migrationsTest from "@convex-dev/migrations/test";
import { convexTest } from "convex-test";
import type { MigratedRule, RuleDoc } from "convex-rules";
import { register } from "convex-rules/test";
import { afterEach, describe, expect, test, vi } from "vitest";
import samples from "../fixtures/legacy-monday-rules.json";
import { api, components, internal } from "./_generated/api.js";
import type { Doc, Id } from "./_generated/dataModel.js";
import { rules } from "./rules.js";
import schema from "./schema.js";

const modules = import.meta.glob("./**/*.ts");
const fixtures = import.meta.glob<{ event?: Record<string, unknown> }>("../fixtures/monday/*.json", {
  eager: true,
  import: "default",
});

const WORKSPACE = "acme";
type LegacyRow = Omit<Doc<"mondayRules">, "_id" | "_creationTime">;
const SAMPLES = samples as LegacyRow[];

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

async function setup() {
  vi.useFakeTimers();
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  migrationsTest.register(t);
  await t.mutation(internal.rules.addMember, { tokenIdentifier: "alice", workspaceId: WORKSPACE, role: "admin" });
  await t.mutation(internal.rules.addMember, { tokenIdentifier: "bob", workspaceId: "other", role: "admin" });
  return t;
}
type T = Awaited<ReturnType<typeof setup>>;

async function seed(t: T, rows: LegacyRow[]): Promise<Id<"mondayRules">[]> {
  const ids: Id<"mondayRules">[] = [];
  // Big seeds go in a few large transactions (convex-test time grows with calls).
  for (let i = 0; i < rows.length; i += 5000) {
    ids.push(
      ...(await t.run(async (ctx) => {
        const chunk: Id<"mondayRules">[] = [];
        for (const row of rows.slice(i, i + 5000)) chunk.push(await ctx.db.insert("mondayRules", row));
        return chunk;
      })),
    );
  }
  return ids;
}

const FN = "migration:migrateMondayRules";

/** Runs the migration to its end with the runner, as `npx convex run migration:run` does; returns its status. */
async function migrateAll(t: T, args: { cursor?: null; batchSize?: number } = {}) {
  await t.mutation(internal.migration.run, { fn: FN, ...args });
  await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(1000));
  return await status(t);
}

async function status(t: T) {
  return await t.run(async (ctx) => {
    const [state] = await ctx.runQuery(components.migrations.lib.getStatus, { names: [FN] });
    return state;
  });
}

async function unmappedRules(t: T): Promise<MigratedRule[]> {
  const out: MigratedRule[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: MigratedRule[]; continueCursor: string; isDone: boolean } = await t.query(
      internal.migration.unmappedLegacyRules,
      { cursor },
    );
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

/** Every rule of the workspace, through the client (pages of 1,000). */
async function allRules(t: T): Promise<RuleDoc[]> {
  const out: RuleDoc[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { page: RuleDoc[]; continueCursor: string; isDone: boolean } = await t.query(
      async (ctx) =>
        await rules.list(ctx, {
          integrationId: "monday",
          namespace: WORKSPACE,
          paginationOpts: { numItems: 1000, cursor },
        }),
    );
    out.push(...page.page);
    if (page.isDone) return out;
    cursor = page.continueCursor;
  }
}

const legacyTable = (t: T) => t.run(async (ctx) => await ctx.db.query("mondayRules").collect());

describe("the sample rows through the example app", () => {
  test("one call migrates them all; unmapped rows are listed; the legacy table is untouched", async () => {
    const t = await setup();
    const ids = await seed(t, SAMPLES);
    const legacyBefore = await legacyTable(t);

    // A dry run: one batch, rolled back.
    await t.mutation(internal.migration.run, { fn: FN, dryRun: true });
    expect(await allRules(t)).toEqual([]);
    expect(await status(t)).toMatchObject({ processed: 0, state: "unknown" });

    expect(await migrateAll(t)).toMatchObject({ state: "success", isDone: true, processed: 14 });
    expect(await unmappedRules(t)).toEqual([
      {
        legacyId: ids[10],
        ruleId: `legacy-monday-${ids[10]}`,
        name: SAMPLES[10].name,
        enabled: false,
        unmappedReason: 'triggerType: "subitem_status_change" is not a known legacy trigger type',
      },
      {
        legacyId: ids[11],
        ruleId: `legacy-monday-${ids[11]}`,
        name: SAMPLES[11].name,
        enabled: false,
        unmappedReason: 'actionType: "send_sms" is not a known legacy action type',
      },
    ].sort((a, b) => (a.legacyId < b.legacyId ? -1 : 1)));

    const migrated = await allRules(t);
    expect(migrated.map((r) => r.ruleId)).toEqual(ids.map((id) => `legacy-monday-${id}`));
    for (const [i, rule] of migrated.entries()) {
      const { _id, _creationTime, ...row } = legacyBefore[i];
      expect(rule.name).toBe(SAMPLES[i].name);
      expect(rule.createdAt).toBe(SAMPLES[i].createdAt);
      expect(rule.metadata.legacy).toEqual({ table: "mondayRules", id: _id, creationTime: _creationTime, row });
      expect(rule.metadata.createdBy).toBe(SAMPLES[i].createdBy);
      const unmapped = i === 10 || i === 11;
      expect(rule.enabled).toBe(SAMPLES[i].enabled && !unmapped);
    }
    // Every mapped trigger type and action type is one the example declares.
    expect([...new Set(migrated.map((r) => r.triggerType))].sort()).toEqual([
      "column_changed",
      "date_arrived",
      "every_time_period",
      "item_created",
      "item_moved",
      "legacy:subitem_status_change",
      "status_changed",
      "update_created",
    ]);
    expect([...new Set(migrated.flatMap((r) => r.actions.map((a) => a.type)))].sort()).toEqual([
      "create_item",
      "create_update",
      "http.request",
      "legacy:send_sms",
      "move_to_group",
      "notify",
      "set_status",
    ]);
    expect(await legacyTable(t)).toEqual(legacyBefore);
  });

  test("a second run changes nothing; a run from the start finds every rule unchanged", async () => {
    const t = await setup();
    await seed(t, SAMPLES);
    await migrateAll(t);
    const rulesBefore = await allRules(t);
    const runBefore = await status(t);

    // Done: starting it again does nothing.
    expect(await migrateAll(t)).toEqual(runBefore);
    expect(await allRules(t)).toEqual(rulesBefore);

    // From the start again (cursor null): every row read, no rule changed.
    expect(await migrateAll(t, { cursor: null })).toMatchObject({ state: "success", processed: 14 });
    expect(await allRules(t)).toEqual(rulesBefore);
  });

  test("getLegacyRule finds a migrated rule by its legacy id, for members of its workspace only", async () => {
    const t = await setup();
    const ids = await seed(t, SAMPLES);
    await migrateAll(t);
    const alice = t.withIdentity({ tokenIdentifier: "alice" });
    const rule = await alice.query(api.migration.getLegacyRule, { legacyId: ids[0] });
    expect(rule).toMatchObject({ ruleId: `legacy-monday-${ids[0]}`, name: "Notify PM when done", namespace: WORKSPACE });
    const bob = t.withIdentity({ tokenIdentifier: "bob" });
    await expect(bob.query(api.migration.getLegacyRule, { legacyId: ids[0] })).rejects.toThrow(/not your workspace/);
    await expect(t.query(api.migration.getLegacyRule, { legacyId: ids[0] })).rejects.toThrow(/sign in first/);
  });
});

/**
 * Three batches of the migrations component's default 100 rows, with
 * Convex's transaction limits on (convex-test throws past one). Volume
 * figures (10,000 rows) are in `npm run bench` (bench/migration).
 */
const ROWS = 300;

describe(`${ROWS} legacy rows, Convex's transaction limits on`, () => {
  /** Varied rows: the sample rows over 700 boards, every 14th unmappable twice. */
  const generated = (n: number): LegacyRow[] =>
    Array.from({ length: n }, (_, i) => {
      const sample = SAMPLES[i % SAMPLES.length];
      return { ...sample, name: `${sample.name} #${i}`, boardId: String(5_000_000 + (i % 700)) };
    });
  const unmappedOf = (n: number) => Array.from({ length: n }, (_, i) => i % 14).filter((k) => k === 10 || k === 11).length;

  test("one call migrates them, batch after batch, each within the limits; no row twice", async () => {
    const t = await setup();
    const ids = await seed(t, generated(ROWS));
    const run = await migrateAll(t);
    expect(run).toMatchObject({ state: "success", isDone: true, processed: ROWS });
    const migrated = await allRules(t);
    expect(migrated.map((r) => r.ruleId).sort()).toEqual(ids.map((id) => `legacy-monday-${id}`).sort());
    expect(await unmappedRules(t)).toHaveLength(unmappedOf(ROWS));

    // A second run: complete, nothing written.
    expect(await migrateAll(t)).toEqual(run);
    expect(await allRules(t)).toEqual(migrated);
  });

  test("an interrupted run (its next batch cancelled) resumes from its cursor", async () => {
    const t = await setup();
    const ids = await seed(t, generated(ROWS));
    // One batch, then the chain dies (a deploy, an operator...).
    await t.mutation(internal.migration.run, { fn: FN });
    await t.run(async (ctx) => {
      for (const job of await ctx.db.system.query("_scheduled_functions").collect()) {
        if (job.state.kind === "pending") await ctx.scheduler.cancel(job._id);
      }
    });
    const interrupted = await status(t);
    expect(interrupted).toMatchObject({ processed: 100, isDone: false });
    expect(interrupted?.cursor).toEqual(expect.any(String));
    expect(await allRules(t)).toHaveLength(100);

    // Run again: it resumes at row 100, and every rule is written once.
    const done = await migrateAll(t);
    expect(done).toMatchObject({ state: "success", processed: ROWS, latestStart: interrupted?.latestStart });
    const versions = (await allRules(t)).map((r) => [r.ruleId, r.version]);
    expect(versions.map(([id]) => id).sort()).toEqual(ids.map((id) => `legacy-monday-${id}`).sort());
    expect(versions.every(([, version]) => version === 1)).toBe(true);
  });
});

// --- backward compatibility ------------------------------------------------

/**
 * One request an action sends, or the reason it sends none: monday.com's
 * `create_update` webhook carries no `pulseName`, so a `{pulse.name}` message
 * has nothing to show there. The engine fails such an action with a clear
 * "missing value" error rather than sending a message with a hole in it.
 */
type Effect = { type: string; itemId?: number; payload: Record<string, unknown> } | { type: string; missing: string };

/**
 * What a legacy rule did on a monday.com event, written from
 * LEGACY-MONDAY-RULES.md independently of the mapping: whether it fires and
 * the requests its actions send. Conditions read the column's text as
 * far as the event carries it (a status's label, a number, the ids of
 * people, an update's text as `text_body`).
 */
function legacyRun(row: LegacyRow, event: Record<string, any>): Effect[] | null {
  if (!row.enabled || String(event.boardId) !== row.boardId) return null;
  const tv = row.triggerValue as any;
  const label = (v: any) => v?.label?.text;
  let fires = false;
  switch (row.triggerType) {
    case "status_change":
      fires =
        event.type === "update_column_value" &&
        event.columnType === "color" &&
        event.columnId === row.triggerColumnId &&
        (tv === undefined ||
          (typeof tv === "string"
            ? label(event.value) === tv
            : (tv.to === undefined || label(event.value) === tv.to) &&
              (tv.from === undefined || label(event.previousValue) === tv.from)));
      break;
    case "column_change":
      fires = event.type === "update_column_value" && event.columnId === row.triggerColumnId;
      break;
    case "item_created":
      fires = event.type === "create_pulse" && (tv?.groupId === undefined || event.groupId === tv.groupId);
      break;
    case "item_moved":
      fires = event.type === "move_pulse_into_group" && event.destGroupId === tv.groupId;
      break;
    case "update_created":
      fires = event.type === "create_update";
      break;
  }
  if (!fires) return null;
  const textOf = (columnId: string): string | undefined => {
    if (columnId === "text_body") return event.textBody;
    const value = event.columnId === columnId ? event.value : event.columnValues?.[columnId];
    if (value === undefined) return undefined;
    if (value?.label) return value.label.text;
    if (value?.personsAndTeams) return value.personsAndTeams.map((p: any) => String(p.id)).join(", ");
    if (value?.date !== undefined) return value.date;
    return value?.value === undefined ? undefined : String(value.value);
  };
  for (const c of row.conditions ?? []) {
    const text = textOf(c.columnId);
    const holds = {
      is: text === String(c.value),
      is_not: text !== String(c.value),
      contains: text !== undefined && text.includes(String(c.value)),
      greater_than: text !== undefined && Number(text) > Number(c.value),
      less_than: text !== undefined && Number(text) < Number(c.value),
      is_empty: !text,
      is_not_empty: !!text,
    }[c.operator.toLowerCase()];
    if (!holds) return [];
  }
  const render = (s: string) => s.replaceAll("{pulse.name}", event.pulseName);
  const missingName = (s: string) => s.includes("{pulse.name}") && typeof event.pulseName !== "string";
  const itemId = typeof event.pulseId === "number" ? { itemId: event.pulseId } : {};
  const effects: Effect[] = [];
  for (const { type, config } of [{ type: row.actionType, config: row.actionConfig }, ...(row.extraActions ?? [])]) {
    if (type === "notify") {
      for (const userId of config.userIds) {
        if (missingName(config.message)) {
          effects.push({ type: "notify", missing: "event.pulseName" });
          continue;
        }
        effects.push({ type: "notify", ...itemId, payload: { userId, text: render(config.message) } });
      }
    } else if (type === "change_status") {
      effects.push({ type: "set_status", ...itemId, payload: { columnId: config.columnId, label: config.label } });
    } else if (type === "move_to_group") {
      effects.push({ type: "move_to_group", ...itemId, payload: { groupId: config.groupId } });
    } else if (type === "create_update") {
      effects.push({ type: "create_update", ...itemId, payload: { body: render(config.body) } });
    } else if (type === "create_item") {
      effects.push({ type: "create_item", payload: { boardId: config.boardId, ...(config.groupId ? { groupId: config.groupId } : {}), itemName: render(config.itemName) } });
    }
  }
  return effects;
}

function fixture(name: string): Record<string, any> {
  const body = fixtures[`../fixtures/monday/${name}.json`];
  if (!body?.event) throw new Error(`fixture ${name} is missing`);
  return body.event;
}

/** The fixtures as monday.com sent them, then variants for the other sample boards and groups. */
function deliveries(): Array<{ what: string; event: Record<string, any> }> {
  const status = fixture("change_status_column_value");
  const numbers = fixture("change_column_value_numbers");
  const pulse = fixture("create_pulse");
  const update = fixture("create_update");
  let n = 0;
  const variant = (event: Record<string, any>, changes: Record<string, unknown>) => ({
    ...event,
    ...changes,
    triggerUuid: `variant-${++n}`,
  });
  const label = (text: string) => ({ label: { index: 2, text }, post_id: null });
  return [
    { what: "status -> Done (fixture)", event: status },
    { what: "numbers 900 -> 1250.5 (fixture)", event: numbers },
    { what: "item created in new_group (fixture)", event: pulse },
    { what: "update mentioning @Dana (fixture)", event: update },
    { what: "status Working on it -> Stuck", event: variant(status, { value: label("Stuck") }) },
    { what: "status Done -> Stuck", event: variant(status, { value: label("Stuck"), previousValue: label("Done") }) },
    { what: "numbers -> 999", event: variant(numbers, { value: { value: 999 } }) },
    { what: "priority -> Low", event: variant(status, { columnId: "priority", value: label("Low") }) },
    { what: "status -> Shipped on board 3003", event: variant(status, { boardId: 3003, value: label("Shipped") }) },
    { what: "item created on board 2001", event: variant(pulse, { boardId: 2001, columnValues: {} }) },
    { what: "item created in intake, unassigned", event: variant(pulse, { boardId: 2001, groupId: "intake", columnValues: {} }) },
    { what: "item created in intake, assigned", event: variant(pulse, { boardId: 2001, groupId: "intake" }) },
    { what: "update on board 2001 mentioning @Dana", event: variant(update, { boardId: 2001 }) },
    { what: "update on board 2001 without mention", event: variant(update, { boardId: 2001, textBody: "LGTM" }) },
    {
      what: "item moved to done on board 2001",
      event: variant(pulse, { type: "move_pulse_into_group", boardId: 2001, destGroupId: "done", sourceGroupId: "topics" }),
    },
    {
      what: "item moved to backlog on board 2001",
      event: variant(pulse, { type: "move_pulse_into_group", boardId: 2001, destGroupId: "backlog", sourceGroupId: "topics" }),
    },
  ];
}

describe("backward compatibility: migrated rules behave as the legacy rules did", () => {
  test("a migrated schedule rule fires on its schedule and its action finds its handler", async () => {
    vi.stubEnv("MONDAY_API_TOKEN", "test-token");
    const sent: string[] = [];
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      const { query } = JSON.parse(init.body as string) as { query: string };
      const field = /\{\s*(\w+)\(/.exec(query)![1];
      sent.push(field);
      return new Response(JSON.stringify({ data: { [field]: { id: "1" } } }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    });
    const t = await setup();
    const ids = await seed(t, SAMPLES);
    await migrateAll(t);
    const digest = SAMPLES.findIndex((row) => row.name === "Weekly digest");
    const ruleId = `legacy-monday-${ids[digest]}`;
    // Past the next weekly slot: the rule fires with no client call in flight,
    // so its handler must have been stored when the migration imported it.
    vi.advanceTimersByTime(8 * 24 * 60 * 60 * 1000);
    await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(1000));
    const executions = await t.run(async (ctx) => await rules.executions.listForRule(ctx, { ruleId }));
    expect(executions.length).toBeGreaterThanOrEqual(1);
    const last = executions[0];
    expect(last.actions.map((a) => [a.type, a.status, a.error])).toEqual([["create_item", "succeeded", undefined]]);
    expect(last.status).toBe("succeeded");
    expect(sent).toContain("create_item");
  });

  test("the same rules run on the same events, with the same rendered actions", async () => {
    // monday.com answers every mutation; each request is kept by its Idempotency-Key.
    const requestsByKey = new Map<string, { variables: Record<string, unknown> }>();
    vi.stubEnv("MONDAY_API_TOKEN", "test-token");
    vi.stubGlobal("fetch", async (_url: string, init: RequestInit) => {
      const { query, variables } = JSON.parse(init.body as string) as { query: string; variables: Record<string, unknown> };
      requestsByKey.set(new Headers(init.headers).get("Idempotency-Key")!, { variables });
      const field = /\{\s*(\w+)\(/.exec(query)![1];
      return new Response(JSON.stringify({ data: { [field]: { id: "1", text: "ok" } } }), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    });
    const t = await setup();
    const ids = await seed(t, SAMPLES);
    await migrateAll(t);
    const ruleOf = new Map(ids.map((id, i) => [`legacy-monday-${id}`, i]));
    const unmapped = new Set([10, 11]);

    let ranSomething = 0;
    for (const { what, event } of deliveries()) {
      const results = await t.mutation(internal.events.receiveMondayEvent, { workspaceId: WORKSPACE, body: JSON.stringify({ event }) });
      await t.finishAllScheduledFunctions(() => vi.advanceTimersByTime(1000));

      // Legacy: which rows fire, and what they send.
      const expected = new Map<number, Effect[]>();
      SAMPLES.forEach((row, i) => {
        if (unmapped.has(i)) return;
        const effects = legacyRun(row, event);
        if (effects && effects.length > 0) expected.set(i, effects);
      });

      // Migrated: the executions that ran, and the requests they sent.
      const actual = new Map<number, Effect[]>();
      for (const result of results) {
        const execution = await t.query(async (ctx) => await rules.executions.get(ctx, { executionId: result.executionId }));
        if (!execution?.conditionsMet) continue;
        const index = ruleOf.get(result.ruleId);
        expect(index, `${what}: ${result.ruleId} is a migrated rule`).toBeDefined();
        expect(unmapped.has(index!), `${what}: an unmapped rule never runs`).toBe(false);
        const failed = execution.actions.filter((a) => a.status !== "succeeded");
        for (const action of failed) {
          expect(action.error, `${what}: ${execution.ruleName}`).toMatch(/^template: missing value for \{\{event\.pulseName\}\}/);
        }
        expect(execution.status, `${what}: ${execution.ruleName}`).toBe(failed.length === 0 ? "succeeded" : "failed");
        // The request each action sent to monday.com (fetch is stubbed).
        const sent: Effect[] = execution.actions.map((action): Effect => {
          if (action.status !== "succeeded") return { type: action.type, missing: "event.pulseName" };
          const request = requestsByKey.get(`${execution.executionId}:${action.id}`);
          expect(request, `${what}: ${action.type} reached monday.com`).toBeDefined();
          const vars = request!.variables;
          const item = vars.itemId ?? vars.targetId;
          return {
            type: action.type,
            ...(action.type === "create_item" || item === undefined ? {} : { itemId: Number(item) }),
            // The rendered config the engine recorded is what the handler sent.
            payload: action.config as Record<string, unknown>,
          };
        });
        actual.set(index!, sent);
      }
      expect(
        Object.fromEntries([...actual].map(([i, e]) => [SAMPLES[i].name, e])),
        what,
      ).toEqual(Object.fromEntries([...expected].map(([i, e]) => [SAMPLES[i].name, e])));
      ranSomething += actual.size;
    }
    // The deliveries exercise the event-driven sample rules.
    expect(ranSomething).toBe(8);
  });
});
