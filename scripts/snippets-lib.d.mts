// Types of scripts/snippets-lib.mjs, for scripts/snippets.test.ts (the script itself is plain Node ESM).

export declare const CHECKED_LANGUAGES: ReadonlySet<string>;

export type Target = { path: string; region: string | null };

export type Block = {
  /** 1-based line of the opening fence. */
  line: number;
  /** 1-based line of the closing fence (one past the end when unclosed). */
  endLine: number;
  indent: string;
  lang: string;
  content: string[];
  marker: (Target & { line: number }) | null;
  closed: boolean;
};

export type Problem = { line: number; message: string; detail?: string[] };

export type Difference = {
  index: number;
  expected: string | undefined;
  actual: string | undefined;
  expectedLines: number;
  actualLines: number;
};

export declare function splitLines(text: string): string[];
export declare function parseTarget(target: string): Target;
export declare function findBlocks(markdown: string): { blocks: Block[]; strayMarkers: Array<Target & { line: number }> };
export declare function dedent(lines: string[]): string[];
export declare function extractRegion(source: string, region: string | null): { lines: string[]; error?: undefined } | { error: string; lines?: undefined };
export declare function normalizeBlock(lines: string[]): { lines: string[]; lead: number };
export declare function firstDifference(expected: string[], actual: string[]): Difference | null;
export declare function processMarkdown(
  markdown: string,
  options: { loadSource: (path: string) => { text: string; error?: undefined } | { error: string; text?: undefined }; write?: boolean },
): { problems: Problem[]; text: string; changed: number };
