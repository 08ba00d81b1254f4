/**
 * The conformance suite: cases from aws/event-ruler's tests and README (the
 * matcher EventBridge runs on), each with its source and event-ruler's own
 * answer in its array-consistent mode (rulesForJSONEvent). A case marked
 * `deviation` is one where this matcher deliberately answers otherwise; the
 * test checks that it still does, so the list stays true.
 */
import { describe, expect, test } from "vitest";
import { findPatternProblem } from "../pattern.js";
import { compilePattern } from "../patternMatch.js";
import data from "./cases.json" with { type: "json" };
import userGuide from "./userGuide.json" with { type: "json" };

type Case = {
  source: string;
  pattern: Record<string, unknown>;
  valid?: boolean;
  refusal?: string;
  event?: unknown;
  matches?: boolean;
  flatModeMatches?: boolean;
  deviation?: string;
};

/** What this matcher answers: refused, accepted, or whether the event matches. */
function answer(item: Case): "refused" | "accepted" | boolean {
  if (findPatternProblem(item.pattern) !== null) return "refused";
  if (item.event === undefined) return "accepted";
  return compilePattern(item.pattern)(item.event);
}

function expected(item: Case): "refused" | "accepted" | boolean {
  if (item.valid === false) return "refused";
  if (item.event === undefined) return "accepted";
  return item.matches as boolean;
}

describe("conformance with event-ruler", () => {
  const all = data.cases as Case[];

  test("every case agrees, except the listed deviations", () => {
    const disagreements = all.filter((item) => {
      const same = answer(item) === expected(item);
      return item.deviation === undefined ? !same : same;
    });
    expect(disagreements).toEqual([]);
  });
});

describe("conformance with the EventBridge user guide", () => {
  test("every example answers as its section says", () => {
    const cases = userGuide.cases as Case[];
    const disagreements = cases.filter((item) => answer(item) !== expected(item));
    expect(disagreements).toEqual([]);
    expect(cases.length).toBeGreaterThan(40);
  });
});
