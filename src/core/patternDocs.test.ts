/// <reference types="vite/client" />
/**
 * The table of pattern operators in docs/patterns.md is checked here, row by
 * row: each pattern is valid, matches its "Matches" event and not the other one.
 */
import { describe, expect, test } from "vitest";
import doc from "../../docs/patterns.md?raw";
import { findPatternProblem } from "./pattern.js";
import { compilePattern } from "./patternMatch.js";
import { fromStoredPattern, toStoredPattern } from "./storedPattern.js";

const START = "<!-- pattern-examples:start -->";
const END = "<!-- pattern-examples:end -->";

function tableRows(): Array<{ operator: string; pattern: object; matches: unknown; doesNot: unknown }> {
  const table = doc.slice(doc.indexOf(START) + START.length, doc.indexOf(END));
  return table
    .split("\n")
    .filter((line) => line.startsWith("| ") && line.includes("`{"))
    .map((line) => {
      const cells = line.split(" | ").map((cell) => cell.replace(/^\| |\s\|$/g, "").trim());
      const json = (cell: string) => JSON.parse(cell.replace(/^`|`$/g, "")) as unknown;
      return { operator: cells[0], pattern: json(cells[1]) as object, matches: json(cells[2]), doesNot: json(cells[3]) };
    });
}

describe("docs/patterns.md pattern table", () => {
  const rows = tableRows();

  test("has a row for every operator", () => {
    const text = rows.map((row) => JSON.stringify(row.pattern)).join(" ");
    for (const operator of ["prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr", "$or"]) {
      expect(text).toContain(`"${operator}"`);
    }
    expect(rows.length).toBeGreaterThan(20);
  });

  test.each(rows.map((row) => [row.operator, row] as const))("%s", (_, row) => {
    expect(findPatternProblem(row.pattern)).toBeNull();
    const matches = compilePattern(row.pattern);
    expect(matches(row.matches)).toBe(true);
    expect(matches(row.doesNot)).toBe(false);
    // The stored form (`~or`) means the same.
    const stored = compilePattern(fromStoredPattern(toStoredPattern(row.pattern)));
    expect([stored(row.matches), stored(row.doesNot)]).toEqual([true, false]);
  });
});
