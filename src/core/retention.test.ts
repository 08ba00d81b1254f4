/**
 * Retention settings, pure: the documented defaults (14 days, failures 30
 * days, 100 per rule per status), inheritance rule > namespace >
 * integration > defaults field by field, the bounds of each field, and
 * which statuses the cleanup deletes after how long.
 */
import { describe, expect, test } from "vitest";
import {
  ageCutoff,
  DAY_MS,
  FAILURE_STATUSES,
  RETENTION_DEFAULTS,
  resolveRetention,
  retentionValueProblem,
} from "./retention.js";
import { RETAINED_STATUSES } from "../retentionValidators.js";

describe("resolveRetention", () => {
  test("nothing stored: 14 days, failures 30 days, 100 per outcome", () => {
    expect(RETENTION_DEFAULTS).toEqual({ days: 14, failedDays: 30, maxPerOutcome: 100 });
    expect(resolveRetention([])).toEqual({
      days: 14,
      failedDays: 30,
      maxPerOutcome: 100,
      sources: { days: "default", failedDays: "default", maxPerOutcome: "default" },
    });
    // Empty rows at every level change nothing.
    expect(
      resolveRetention([
        { source: "rule", values: null },
        { source: "namespace", values: {} },
        { source: "integration", values: null },
      ]).sources,
    ).toEqual({ days: "default", failedDays: "default", maxPerOutcome: "default" });
  });

  test("each field comes from the narrowest level that sets it", () => {
    const resolved = resolveRetention([
      { source: "rule", values: { maxPerOutcome: 10 } },
      { source: "namespace", values: { days: 3, maxPerOutcome: 50 } },
      { source: "integration", values: { days: 7, failedDays: 60, maxPerOutcome: 500 } },
    ]);
    expect(resolved).toEqual({
      days: 3,
      failedDays: 60,
      maxPerOutcome: 10,
      sources: { days: "namespace", failedDays: "integration", maxPerOutcome: "rule" },
    });
  });

  test("failures are kept at least as long as successes unless failedDays is set", () => {
    // days 45 above the default 30 for failures: failures follow to 45.
    expect(resolveRetention([{ source: "integration", values: { days: 45 } }]).failedDays).toBe(45);
    // days below 30: the default stands.
    expect(resolveRetention([{ source: "integration", values: { days: 2 } }]).failedDays).toBe(30);
    // An explicit shorter failedDays is honoured.
    const explicit = resolveRetention([{ source: "rule", values: { days: 45, failedDays: 5 } }]);
    expect(explicit.failedDays).toBe(5);
    expect(explicit.sources.failedDays).toBe("rule");
  });
});

describe("retentionValueProblem", () => {
  test("accepts the bounds and values inside them", () => {
    for (const [field, value] of [
      ["days", 1 / 24],
      ["days", 14],
      ["days", 3650],
      ["failedDays", 0.5],
      ["maxPerOutcome", 0],
      ["maxPerOutcome", 10_000],
    ] as const) {
      expect(retentionValueProblem(field, value), `${field} ${value}`).toBeNull();
    }
  });

  test("refuses values out of range, non-integer counts and non-finite numbers", () => {
    for (const [field, value] of [
      ["days", 0],
      ["days", 1 / 48],
      ["days", 3651],
      ["days", Number.NaN],
      ["failedDays", Number.POSITIVE_INFINITY],
      ["maxPerOutcome", -1],
      ["maxPerOutcome", 1.5],
      ["maxPerOutcome", 10_001],
    ] as const) {
      const problem = retentionValueProblem(field, value);
      expect(problem, `${field} ${value}`).not.toBeNull();
      expect(problem).toContain(String(value));
    }
    expect(retentionValueProblem("maxPerOutcome", 1.5)).toContain("an integer from 0 to 10000");
  });
});

describe("statuses and cutoffs", () => {
  test("every stored status but running is cleaned; failures and loop refusals keep failedDays", () => {
    expect([...RETAINED_STATUSES].sort()).toEqual(["failed", "loop_blocked", "rate_limited", "skipped", "succeeded"]);
    expect([...FAILURE_STATUSES].sort()).toEqual(["failed", "loop_blocked"]);
    const now = 1_000 * DAY_MS;
    const settings = { days: 14, failedDays: 30 };
    expect(ageCutoff("succeeded", settings, now)).toBe(now - 14 * DAY_MS);
    expect(ageCutoff("skipped", settings, now)).toBe(now - 14 * DAY_MS);
    expect(ageCutoff("rate_limited", settings, now)).toBe(now - 14 * DAY_MS);
    expect(ageCutoff("failed", settings, now)).toBe(now - 30 * DAY_MS);
    expect(ageCutoff("loop_blocked", settings, now)).toBe(now - 30 * DAY_MS);
  });
});
