/// <reference types="vite/client" />
// Structured logging, the pure part and the stored
// level: one JSON object per console line, level thresholds for the console
// and for stored execution logs, and the level kept for the cron.
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../_generated/api.js";
import { initConvexTest, ruleInput } from "../setup.test.js";
import { formatLine, log, shouldLog, shouldStore } from "./logging.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("formatLine", () => {
  test("one JSON object with component, level, event and the fields, in that order", () => {
    const line = formatLine("WARN", "action.attempt_failed", {
      integrationId: "monday",
      ruleId: "r1",
      executionId: "e1",
      attempt: 2,
      missing: undefined,
    });
    expect(line).not.toContain("\n");
    expect(line).toBe(
      '{"component":"rules","level":"WARN","event":"action.attempt_failed","integrationId":"monday","ruleId":"r1","executionId":"e1","attempt":2}',
    );
  });

  test("fields cannot override component, level or event; bigints and errors become text", () => {
    const parsed = JSON.parse(
      formatLine("INFO", "dispatch", { component: "other", level: "ERROR", event: "fake", n: 10n, error: new Error("boom") }),
    );
    expect(parsed).toEqual({ component: "rules", level: "INFO", event: "dispatch", n: "10", error: "boom" });
  });

  test("a field that cannot be serialised drops the fields, not the line", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(JSON.parse(formatLine("ERROR", "x", { cycle }))).toEqual({
      component: "rules",
      level: "ERROR",
      event: "x",
      fieldsDropped: true,
    });
  });
});

describe("thresholds", () => {
  test("shouldLog: a level passes thresholds at or below it; the default is WARN", () => {
    const levels = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
    const passes = levels.map((threshold) => levels.filter((level) => shouldLog(level, threshold)));
    expect(passes).toEqual([
      ["DEBUG", "INFO", "WARN", "ERROR"],
      ["INFO", "WARN", "ERROR"],
      ["WARN", "ERROR"],
      ["ERROR"],
    ]);
    expect(levels.filter((level) => shouldLog(level, undefined))).toEqual(["WARN", "ERROR"]);
  });

  test("shouldStore: stored log levels against the client's level; info lines kept by default, debug lines only under DEBUG", () => {
    expect(shouldStore("debug", undefined)).toBe(false);
    expect(shouldStore("info", undefined)).toBe(true);
    expect(shouldStore("debug", "DEBUG")).toBe(true);
    expect(shouldStore("info", "INFO")).toBe(true);
    expect(shouldStore("info", "WARN")).toBe(false);
    expect(shouldStore("warn", "WARN")).toBe(true);
    expect(shouldStore("warn", "ERROR")).toBe(false);
    expect(shouldStore("error", "ERROR")).toBe(true);
  });

  test("log writes to the console method of its level, only above the threshold", () => {
    const spies = {
      debug: vi.spyOn(console, "debug").mockImplementation(() => {}),
      info: vi.spyOn(console, "info").mockImplementation(() => {}),
      warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
      error: vi.spyOn(console, "error").mockImplementation(() => {}),
    };
    log("DEBUG", "a", {}, "INFO");
    log("INFO", "b", { ruleId: "r" }, "INFO");
    log("WARN", "c", {}, "ERROR");
    log("ERROR", "d", {}, "ERROR");
    log("DEBUG", "e", {}, "DEBUG");
    log("INFO", "f");
    const events = (spy: { mock: { calls: unknown[][] } }) =>
      spy.mock.calls.map((c) => (JSON.parse(String(c[0])) as { event: string }).event);
    expect(events(spies.debug)).toEqual(["e"]);
    // "f" has no threshold: INFO is below the default (WARN).
    expect(events(spies.info)).toEqual(["b"]);
    expect(events(spies.warn)).toEqual([]);
    expect(events(spies.error)).toEqual(["d"]);
    expect(JSON.parse(String(spies.info.mock.calls[0][0]))).toEqual({
      component: "rules",
      level: "INFO",
      event: "b",
      ruleId: "r",
    });
  });
});

describe("the stored level (sent with each rule change)", () => {
  test("defaults to WARN, is stored, written only when it changes, and cleared without logLevel", async () => {
    const t = initConvexTest();
    const rule = ruleInput();
    const config = async () => await t.run(async (ctx) => await ctx.db.query("componentConfig").collect());
    expect(await t.query(api.lib.logging.getLogLevel, {})).toBe("WARN");
    // No level when nothing is stored: nothing written.
    const ruleId = await t.mutation(api.rules.createRule, { ...rule, config: {} });
    expect(await config()).toEqual([]);

    await t.mutation(api.rules.updateRule, { ruleId, name: "B", config: { logLevel: "INFO" } });
    expect(await t.query(api.lib.logging.getLogLevel, {})).toBe("INFO");
    const [row] = await config();
    await t.mutation(api.rules.updateRule, { ruleId, name: "C", config: { logLevel: "INFO" } });
    expect(await config()).toEqual([row]);

    // A call without config leaves it; a config without a level clears it.
    await t.mutation(api.rules.updateRule, { ruleId, name: "D" });
    expect(await t.query(api.lib.logging.getLogLevel, {})).toBe("INFO");
    await t.mutation(api.rules.updateRule, { ruleId, name: "E", config: {} });
    expect(await t.query(api.lib.logging.getLogLevel, {})).toBe("WARN");
    expect(await config()).toHaveLength(1);
  });
});

describe("dispatch", () => {
  test("stores the execution's logLevel and filters its stored logs by it", async () => {
    vi.spyOn(console, "info").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const t = initConvexTest();
    await t.mutation(api.rules.createRule, {
      name: "Runs",
      integrationId: "monday",
      triggerType: "status_changed",
      triggerConfig: {},
      conditions: [{ type: "field", config: { path: "status", op: "eq", value: "Done" } }],
      actions: [],
    });
    const dispatch = async (logLevel?: "WARN" | "INFO") => {
      const [result] = await t.mutation(api.dispatch.engine.execute, {
        integrationId: "monday",
        triggerType: "status_changed",
        event: { status: "Done" },
        ...(logLevel === undefined ? {} : { options: { logLevel } }),
      });
      const execution = await t.query(api.executions.queries.getExecution, { executionId: result.executionId });
      const logs = await t.query(api.logs.getExecutionLogs, { executionId: result.executionId });
      return { execution, messages: logs.map((l) => `${l.level} ${l.message}`) };
    };

    const byDefault = await dispatch();
    expect(byDefault.execution?.status).toBe("succeeded");
    expect(byDefault.execution?.logLevel).toBeUndefined();
    expect(byDefault.messages).toEqual([
      'info Rule "Runs" (v1) triggered',
      "info Execution succeeded: 0 action(s) ran",
    ]);

    // Under WARN, the info lines are not stored.
    const quiet = await dispatch("WARN");
    expect(quiet.execution?.logLevel).toBe("WARN");
    expect(quiet.messages).toEqual([]);
  });
});
