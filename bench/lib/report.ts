/**
 * What a benchmark section hands to the reporter (through the vitest task's
 * meta, so it must be plain JSON), and how tables are rendered on the
 * terminal and in BENCHMARKS.md.
 */

export type Cell = string | number;

export type Table = {
  /** Shown above the table. */
  caption?: string;
  columns: string[];
  rows: Cell[][];
  /** "l" or "r" per column; numbers default to right, text to left. */
  align?: Array<"l" | "r">;
};

/** A chart the reporter renders to SVG (bench/lib/chart.ts) and links from BENCHMARKS.md. */
export type Chart = {
  /** Where the SVG goes, relative to the repository root, e.g. "bench/dispatch-reads.svg". */
  file: string;
  /** Alt text and link text. */
  title: string;
  /** A Vega-Lite spec (plain JSON). */
  spec: Record<string, unknown>;
};

export type Section = {
  /** Stable key, for example "dispatch". */
  id: string;
  title: string;
  /** Paragraphs before the tables (what and how). */
  intro: string[];
  tables: Table[];
  /** Paragraphs after the tables (findings, caveats). */
  notes: string[];
  /** Lines such as "seeding 100,000 rules: 21.4 s" (run time, not a figure). */
  timings: string[];
  charts?: Chart[];
};

declare module "vitest" {
  interface TaskMeta {
    benchSection?: Section;
  }
  interface ProvidedContext {
    benchQuick: boolean;
  }
}

export function fmt(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toFixed(1);
}

function cellText(cell: Cell): string {
  return typeof cell === "number" ? fmt(cell) : cell;
}

function alignments(table: Table): Array<"l" | "r"> {
  return table.columns.map(
    (_, i) =>
      table.align?.[i] ??
      (table.rows.length > 0 && table.rows.every((row) => typeof row[i] === "number") ? "r" : "l"),
  );
}

/** A plain-text table for the terminal. */
export function renderText(table: Table): string {
  const text = table.rows.map((row) => row.map(cellText));
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...text.map((row) => (row[i] ?? "").length)),
  );
  const align = alignments(table);
  const line = (cells: string[]) =>
    "| " +
    cells
      .map((cell, i) => (align[i] === "r" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join(" | ") +
    " |";
  const rule = "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|";
  const out = [line(table.columns), rule, ...text.map(line)];
  return (table.caption ? `${table.caption}\n` : "") + out.join("\n");
}

/** A GitHub-flavoured Markdown table. */
export function renderMarkdown(table: Table): string {
  const align = alignments(table);
  const escape = (s: string) => s.replace(/\|/g, "\\|");
  const out = [
    `| ${table.columns.map(escape).join(" | ")} |`,
    `|${align.map((a) => (a === "r" ? "---:" : ":---")).join("|")}|`,
    ...table.rows.map((row) => `| ${row.map((c) => escape(cellText(c))).join(" | ")} |`),
  ];
  return (table.caption ? `${table.caption}\n\n` : "") + out.join("\n");
}

export function sectionText(section: Section): string {
  const parts = [
    `== ${section.title} ==`,
    ...section.tables.map(renderText),
    ...section.notes,
    ...(section.charts ?? []).map((chart) => `Chart: ${chart.file} (${chart.title})`),
    ...(section.timings.length > 0 ? [`Run time: ${section.timings.join("; ")}`] : []),
  ];
  return parts.join("\n\n");
}

export function sectionMarkdown(section: Section): string {
  const parts = [
    `## ${section.title}`,
    ...section.intro,
    ...section.tables.map(renderMarkdown),
    ...section.notes,
    ...(section.charts ?? []).map((chart) => `![${chart.title}](${chart.file})\n\nChart: [${chart.file}](${chart.file})`),
    ...(section.timings.length > 0
      ? [`Run time of this section (the harness's own time, not a performance figure): ${section.timings.join("; ")}.`]
      : []),
  ];
  return parts.join("\n\n");
}
