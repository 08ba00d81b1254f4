/**
 * The parsing of scripts/snippets.mjs: regions of source files, code blocks
 * and their markers in Markdown, and what a check reports.
 */
import { describe, expect, test } from "vitest";
import { extractRegion, findBlocks, firstDifference, processMarkdown } from "./snippets-lib.mjs";

const source = [
  'import { v } from "convex/values";',
  "",
  "export const rule = {",
  "  // #region outer",
  "  conditions: [",
  "    // #region inner",
  '    { type: "field" },',
  "    // #endregion inner",
  "  ],",
  "  // #endregion outer",
  "  // #region bare",
  "  actions: [],",
  "  // #endregion",
  "};",
].join("\n");

/** A loader over an in-memory tree. */
const files =
  (tree: Record<string, string>) =>
  (path: string): { text: string } | { error: string } =>
    path in tree ? { text: tree[path]! } : { error: "no such file" };

describe("extractRegion", () => {
  test("drops the markers of nested regions and the common indentation", () => {
    expect(extractRegion(source, "outer")).toEqual({
      lines: ["conditions: [", '  { type: "field" },', "],"],
    });
    expect(extractRegion(source, "inner")).toEqual({ lines: ['{ type: "field" },'] });
  });

  test("a bare #endregion closes the innermost region", () => {
    expect(extractRegion(source, "bare")).toEqual({ lines: ["actions: [],"] });
  });

  test("a whole file is every line but the region markers", () => {
    expect(extractRegion(source, null).lines).toEqual([
      'import { v } from "convex/values";',
      "",
      "export const rule = {",
      "  conditions: [",
      '    { type: "field" },',
      "  ],",
      "  actions: [],",
      "};",
    ]);
  });

  test("a missing region, or malformed markers, is an error", () => {
    expect(extractRegion(source, "nope")).toEqual({ error: 'no region "nope"' });
    expect(extractRegion("// #region a\nx", "a").error).toBe('line 1: region "a" is never closed');
    expect(extractRegion("// #region a\n// #region b\n// #endregion a\n", "a").error).toMatch(
      /"#endregion a" but the innermost open region is "b"/,
    );
    expect(extractRegion("x\n// #endregion\n", null).error).toMatch(/without an open region/);
    expect(extractRegion("// #region a\n// #endregion\n// #region a\n// #endregion\n", "a").error).toMatch(/defined twice/);
  });
});

describe("findBlocks", () => {
  test("finds fenced blocks, their language and the marker above them", () => {
    const markdown = [
      "# Title", // 1
      "<!-- snippet: src/a.ts#outer -->", // 2
      "", // 3
      "```ts", // 4
      "conditions: [", // 5
      "```", // 6
      "```json", // 7
      "{}", // 8
      "```", // 9
      "1. A step:", // 10
      "   <!-- snippet: src/a.ts -->", // 11
      "   ```typescript", // 12
      "   const x = 1;", // 13
      "   ```", // 14
    ].join("\n");
    const { blocks, strayMarkers } = findBlocks(markdown);
    expect(strayMarkers).toEqual([]);
    expect(blocks.map((block) => [block.line, block.lang, block.marker, block.content])).toEqual([
      [4, "ts", { path: "src/a.ts", region: "outer", line: 2 }, ["conditions: ["]],
      [7, "json", null, ["{}"]],
      [12, "typescript", { path: "src/a.ts", region: null, line: 11 }, ["const x = 1;"]],
    ]);
  });

  test("a marker applies only to the block right below it", () => {
    const { blocks, strayMarkers } = findBlocks("<!-- snippet: a.ts#x -->\nSome text.\n```ts\n1\n```\n");
    expect(blocks[0]!.marker).toBeNull();
    expect(strayMarkers).toEqual([{ path: "a.ts", region: "x", line: 1 }]);
  });
});

describe("processMarkdown", () => {
  const loadSource = files({ "src/a.ts": source });

  test("an equal block passes, blank edge lines aside", () => {
    const markdown = '<!-- snippet: src/a.ts#outer -->\n```ts\n\nconditions: [\n  { type: "field" },\n],\n```\n';
    expect(processMarkdown(markdown, { loadSource }).problems).toEqual([]);
  });

  test("a TS block without a marker is reported; other languages are not", () => {
    const markdown = "Text\n\n```tsx\nconst a = 1;\n```\n\n```sh\nnpm test\n```\n\n```\nplain\n```\n";
    expect(processMarkdown(markdown, { loadSource }).problems).toEqual([
      { line: 3, message: "```tsx block without a <!-- snippet: <path>#<region> --> marker" },
    ]);
  });

  test("a drifted block is reported at its first differing line", () => {
    const markdown = '<!-- snippet: src/a.ts#outer -->\n```ts\nconditions: [\n  { type: "all" },\n],\n```\n';
    expect(processMarkdown(markdown, { loadSource }).problems).toEqual([
      {
        line: 4,
        message: "block differs from src/a.ts#outer (block line 2)",
        detail: ['source: "  { type: \\"field\\" },"', 'block:  "  { type: \\"all\\" },"', "(3 lines in the source, 3 in the block)"],
      },
    ]);
    expect(firstDifference(["a", "b"], ["a"])).toMatchObject({ index: 1, expected: "b", actual: undefined });
  });

  test("a missing file or region is reported at the marker", () => {
    const markdown = "<!-- snippet: src/b.ts#x -->\n```ts\n```\n\n<!-- snippet: src/a.ts#nope -->\n```ts\n```\n";
    expect(processMarkdown(markdown, { loadSource }).problems).toEqual([
      { line: 1, message: "src/b.ts#x: no such file" },
      { line: 5, message: 'src/a.ts: no region "nope"' },
    ]);
  });

  test("write rewrites drifted blocks from their source, keeping the fence's indentation", () => {
    const markdown = "1. Step:\n\n   <!-- snippet: src/a.ts#outer -->\n   ```ts\n   old\n   ```\n\nAfter.\n";
    const { problems, text, changed } = processMarkdown(markdown, { loadSource, write: true });
    expect(problems).toEqual([]);
    expect(changed).toBe(1);
    expect(text).toBe(
      '1. Step:\n\n   <!-- snippet: src/a.ts#outer -->\n   ```ts\n   conditions: [\n     { type: "field" },\n   ],\n   ```\n\nAfter.\n',
    );
    expect(processMarkdown(text, { loadSource }).problems).toEqual([]);
  });
});
