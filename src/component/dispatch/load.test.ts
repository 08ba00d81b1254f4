/// <reference types="vite/client" />
/**
 * Load: a burst of 250 events over 50 rules, with Convex's transaction
 * limits on (volume figures are in `npm run bench`: this proves the
 * accounting, which does not depend on the size). Every event is accounted for - one
 * execution per candidate rule, succeeded or a recorded skip with its
 * explanation -, no transaction goes over a limit (convex-test throws if one
 * does), every execution has its logs, and every stored document passes
 * the storage checker. The expected counts come from a plain model of the
 * rules below, not from the engine.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../_generated/api.js";
import { initConvexTest } from "../setup.test.js";
import { checkStorage } from "../../test.js";
import type { RuleInput } from "../../shared.js";

const RULES = 50;
const EVENTS = 250;
/** Two rules per board: each event has 2 candidate rules (500 executions in all). */
const BOARDS = 25;

/** Rule i watches board i % 25; rules 25-49 also need status "done". */
function ruleOf(i: number): RuleInput & { id: string } {
  return {
    id: `rule-${String(i).padStart(3, "0")}`,
    name: `Load rule ${i}`,
    integrationId: "monday",
    triggerType: "status_changed",
    triggerConfig: {},
    triggerPattern: { boardId: [i % BOARDS] },
    conditions: i >= BOARDS ? [{ type: "field", config: { path: "status", op: "eq", value: "done" } }] : [],
    actions: [],
  };
}

/** Event j: board j % 25, status "done" for every third event. */
function eventOf(j: number) {
  return { boardId: j % BOARDS, status: j % 3 === 0 ? "done" : "stuck", itemId: j, note: `é${j}` };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe(`a burst of ${EVENTS} events over ${RULES} rules`, () => {
  test("every event is accounted for, within the limits, with every log", async () => {
    // The engine's structured console lines (two per event) are not under test here.
    const report = console.log.bind(console);
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "info").mockImplementation(() => {});
    vi.spyOn(console, "debug").mockImplementation(() => {});
    const t = initConvexTest();
    const rules = Array.from({ length: RULES }, (_, i) => ruleOf(i));
    const imported = await t.mutation(api.rules.importRules, { rules });
    expect(imported).toMatchObject({ created: RULES });

    // The model: candidates of an event are the rules of its board; a rule
    // runs when it has no condition or the status is "done".
    const expected = { executions: 0, succeeded: 0, skipped: 0 };
    const perEvent: Array<{ eventId: string; statuses: Record<string, string> }> = [];
    for (let j = 0; j < EVENTS; j++) {
      const event = eventOf(j);
      const statuses: Record<string, string> = {};
      rules.forEach((rule, i) => {
        if (i % BOARDS !== event.boardId) return;
        const met = i < BOARDS || event.status === "done";
        statuses[rule.id] = met ? "succeeded" : "skipped";
        expected.executions++;
        expected[met ? "succeeded" : "skipped"]++;
      });
      perEvent.push({ eventId: `evt-${j}`, statuses });
    }

    for (let j = 0; j < EVENTS; j++) {
      const results = await t.mutation(api.dispatch.engine.execute, {
        integrationId: "monday",
        triggerType: "status_changed",
        eventId: perEvent[j].eventId,
        event: eventOf(j),
      });
      // Returned at once, per event: exactly its candidates, each with its status.
      expect(Object.fromEntries(results.map((r) => [r.ruleId, r.status]))).toEqual(perEvent[j].statuses);
    }

    const stored = await t.run(async (ctx) => {
      const executions = await ctx.db.query("ruleExecutions").collect();
      const logs = await ctx.db.query("ruleExecutionLogs").collect();
      const events = await ctx.db.query("processedEvents").collect();
      return {
        executions: executions.map((e) => ({
          id: e._id as string,
          ruleId: e.ruleId,
          eventId: e.eventId ?? "",
          status: e.status,
          explained: Array.isArray(e.explanation) || e.status === "succeeded",
        })),
        logExecutionIds: logs.map((l) => l.executionId as string),
        events: events.length,
      };
    });

    const counts = {
      executions: stored.executions.length,
      succeeded: stored.executions.filter((e) => e.status === "succeeded").length,
      skipped: stored.executions.filter((e) => e.status === "skipped").length,
    };
    expect(counts).toEqual(expected);
    // One execution per (event, candidate rule), none twice, none missing.
    const byEvent = new Map<string, Record<string, string>>();
    for (const e of stored.executions) {
      const seen = byEvent.get(e.eventId) ?? {};
      expect(seen[e.ruleId], `${e.eventId} ran ${e.ruleId} twice`).toBeUndefined();
      seen[e.ruleId] = e.status;
      byEvent.set(e.eventId, seen);
    }
    for (const { eventId, statuses } of perEvent) expect(byEvent.get(eventId)).toEqual(statuses);
    // Every skip is explained.
    expect(stored.executions.filter((e) => !e.explained)).toEqual([]);
    // No lost log: every execution that ran has its trigger log and its
    // outcome log; a skip is one document, its explanation, and no log.
    const logsPer = new Map<string, number>();
    for (const id of stored.logExecutionIds) logsPer.set(id, (logsPer.get(id) ?? 0) + 1);
    const expectedLogs = (status: string) => (status === "succeeded" ? 2 : 0);
    const missing = stored.executions.filter((e) => (logsPer.get(e.id) ?? 0) !== expectedLogs(e.status));
    expect(missing).toEqual([]);
    expect(stored.events).toBe(EVENTS);

    const violations = await checkStorage(t, "");
    expect(violations).toEqual([]);
    report(
      `load: ${EVENTS} events x ${RULES} rules -> ${counts.executions} executions ` +
        `(${counts.succeeded} succeeded, ${counts.skipped} skipped), ${stored.logExecutionIds.length} logs, ` +
        `${stored.events} processed events, 0 transactions over a limit, ${violations.length} storage violations`,
    );
  });
});
