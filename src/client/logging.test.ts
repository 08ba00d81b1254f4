/// <reference types="vite/client" />
// The client's `logLevel` option, through a host app
// (opsHost.test.ts): console output is one JSON object per line with
// component "rules", an event name and ids, filtered by the level; stored
// execution logs honour the level too, including in the action's later
// steps (retries, completion), which run without the client.
import { convexTest } from "convex-test";
import { anyApi, type ApiFromModules } from "convex/server";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { register } from "../test.js";
import { schema, type OpsDraft } from "./opsHost.test.js";
import { Rules, type RulesComponent } from "./index.js";

const host = anyApi["opsHost.test"] as unknown as ApiFromModules<{
  "opsHost.test": typeof import("./opsHost.test.js");
}>["opsHost.test"];

type T = ReturnType<typeof setup>;
type Level = "debug" | "info" | "warn" | "error";
type Line = Record<string, unknown> & { component: string; level: string; event: string };

function setup() {
  const t = convexTest({ schema, modules: import.meta.glob("./**/*.ts"), transactionLimits: true });
  register(t);
  return t;
}

let spies: Record<Level, { mock: { calls: unknown[][] } }>;

beforeEach(() => {
  vi.useFakeTimers();
  spies = {
    debug: vi.spyOn(console, "debug").mockImplementation(() => {}),
    info: vi.spyOn(console, "info").mockImplementation(() => {}),
    warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
    error: vi.spyOn(console, "error").mockImplementation(() => {}),
  };
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** Every line the component wrote through one console method, parsed; fails on a line that is not one JSON object. */
function lines(level: Level): Line[] {
  return spies[level].mock.calls
    .map((call) => {
      expect(call).toHaveLength(1);
      const text = String(call[0]);
      expect(text).not.toContain("\n");
      return JSON.parse(text) as Line;
    })
    .filter((line) => line.component === "rules");
}

async function settle(t: T) {
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

async function createRule(t: T, queue: string) {
  return await t.mutation(host.create, {
    rule: {
      name: `Rule ${queue}`,
      integrationId: "ops",
      triggerType: "job",
      triggerConfig: { queue },
      actions: [{ type: "work", config: { queue: "{{event.queue}}" } }],
    } satisfies OpsDraft,
  });
}

/** Dispatches one event through a client, runs its actions; returns the execution and its stored log. */
async function run(t: T, client: "default" | "debug" | "info" | "warn" | "error", fail: boolean) {
  const [result] = await t.mutation(host.dispatch, { client, event: { queue: "q", fail }, eventId: `e-${client}-${fail}` });
  await settle(t);
  const execution = (await t.query(host.execution, { executionId: result.executionId }))!;
  const logs = await t.query(host.logs, { executionId: result.executionId });
  return { execution, logs, levels: [...new Set(logs.map((l) => l.level))].sort() };
}

describe("console output", () => {
  test("INFO: one JSON line per dispatch and per finished execution, with ids; no debug lines", async () => {
    const t = setup();
    const ruleId = await createRule(t, "q");
    const { execution } = await run(t, "info", false);

    const info = lines("info");
    expect(info.map((l) => l.event)).toEqual(["dispatch", "execution.finished"]);
    expect(info[0]).toEqual({
      component: "rules",
      level: "INFO",
      event: "dispatch",
      integrationId: "ops",
      namespace: "",
      triggerType: "job",
      eventId: "e-info-false",
      candidates: 1,
      executions: [{ ruleId, executionId: execution.executionId, status: "running" }],
    });
    expect(info[1]).toMatchObject({
      event: "execution.finished",
      integrationId: "ops",
      ruleId,
      ruleVersion: 1,
      executionId: execution.executionId,
      eventId: "e-info-false",
      status: "succeeded",
      durationMs: execution.endTime! - execution.startTime,
    });
    expect(lines("debug")).toEqual([]);
    expect(lines("warn")).toEqual([]);

    // A redelivered event: its own line.
    await t.mutation(host.dispatch, { client: "info", event: { queue: "q" }, eventId: "e-info-false" });
    expect(lines("info").at(-1)).toMatchObject({ event: "dispatch.duplicate", eventId: "e-info-false", executions: 1 });
  });

  test("WARN (default): a succeeding execution prints nothing, and its log still keeps the INFO lines", async () => {
    const t = setup();
    await createRule(t, "q");
    const { execution, levels } = await run(t, "default", false);
    expect(execution.status).toBe("succeeded");
    expect(lines("info")).toEqual([]);
    expect(lines("debug")).toEqual([]);
    expect(lines("warn")).toEqual([]);
    expect(levels).toEqual(["info"]);
  });

  test("failures: action.attempt_failed and a failed execution.finished are WARN lines", async () => {
    const t = setup();
    const ruleId = await createRule(t, "q");
    const { execution } = await run(t, "default", true);
    const warn = lines("warn");
    expect(warn.map((l) => l.event)).toEqual(["action.attempt_failed", "execution.finished"]);
    expect(warn[0]).toMatchObject({
      level: "WARN",
      integrationId: "ops",
      ruleId,
      executionId: execution.executionId,
      actionId: "a1",
      actionType: "work",
      attempt: 1,
    });
    expect(String(warn[0].error)).toContain("the job failed");
    expect(warn[1]).toMatchObject({ status: "failed", executionId: execution.executionId });
    expect(String(warn[1].error)).toContain("action a1 (work) failed");
  });

  test("DEBUG adds the debug lines: dispatches that matched nothing", async () => {
    const t = setup();
    await t.mutation(host.dispatch, { client: "default", event: { queue: "nobody" } });
    expect(lines("debug")).toEqual([]);
    await t.mutation(host.dispatch, { client: "debug", event: { queue: "nobody" } });
    expect(lines("debug")).toEqual([
      {
        component: "rules",
        level: "DEBUG",
        event: "dispatch",
        integrationId: "ops",
        namespace: "",
        triggerType: "job",
        candidates: 0,
        executions: [],
      },
    ]);
  });

  test("WARN drops the INFO lines; ERROR drops the WARN lines too", async () => {
    const t = setup();
    await createRule(t, "q");
    await run(t, "warn", false);
    await run(t, "warn", true);
    expect(lines("info")).toEqual([]);
    expect(lines("warn").map((l) => l.event)).toEqual(["action.attempt_failed", "execution.finished"]);

    await run(t, "error", true);
    expect(lines("warn")).toHaveLength(2);
    expect(lines("info")).toEqual([]);
  });
});

describe("stored execution logs", () => {
  test("honour the execution's level: debug lines only under DEBUG, nothing below ERROR under ERROR", async () => {
    const t = setup();
    await createRule(t, "q");

    const byDefault = await run(t, "default", false);
    expect(byDefault.execution.logLevel).toBeUndefined();
    expect(byDefault.levels).toEqual(["info"]);

    const debug = await run(t, "debug", false);
    expect(debug.execution.logLevel).toBe("DEBUG");
    expect(debug.levels).toEqual(["debug", "info"]);
    expect(debug.logs.filter((l) => l.level === "debug")).toEqual([
      expect.objectContaining({
        component: "action",
        componentId: "a1",
        message: "Action a1 (work) starts with its filled-in config",
        data: { config: { queue: "q" } },
      }),
    ]);
    // Apart from it, the same lines as by default.
    expect(debug.logs.filter((l) => l.level !== "debug").map((l) => l.message)).toEqual(
      byDefault.logs.map((l) => l.message),
    );

    // Later steps (attempt, failure, completion) run without the client and keep its level.
    const warn = await run(t, "warn", true);
    expect(warn.execution.logLevel).toBe("WARN");
    expect(warn.levels).toEqual(["error", "warn"]);
    expect(warn.logs.map((l) => l.message)).toEqual([
      "Action a1 (work): attempt 1 failed: the job failed",
      "Action a1 (work) failed after 1 attempt(s): the job failed",
      "Execution failed: action a1 (work) failed",
    ]);

    const error = await run(t, "error", true);
    expect(error.levels).toEqual(["error"]);
  });
});

describe("the option", () => {
  test("a rule change sends the client's level, stored for the cron; getSavedLogLevel reads it", async () => {
    const t = setup();
    expect(await t.query(host.savedLogLevel, {})).toBe("WARN");
    const ruleId = await createRule(t, "q");
    await t.mutation(host.disable, { client: "info", ruleId });
    await t.mutation(host.enableWith, { client: "info", ruleId });
    expect(await t.query(host.savedLogLevel, {})).toBe("INFO");
    await t.mutation(host.enableWith, { client: "default", ruleId });
    expect(await t.query(host.savedLogLevel, {})).toBe("WARN");
  });

  test("an unknown level is refused when the client is made, naming the field", () => {
    const make = (logLevel: unknown) => () =>
      new Rules({} as RulesComponent, { integrations: {}, logLevel: logLevel as "INFO" });
    expect(make("LOUD")).toThrow(expect.objectContaining({ data: expect.objectContaining({ code: "INVALID_ARGUMENT", field: "logLevel" }) }));
    expect(make("info")).toThrow(/logLevel: must be one of DEBUG, INFO, WARN, ERROR/);
    expect(make("ERROR")).not.toThrow();
  });
});
