/**
 * The chart of section 2: documents read per dispatch against rules in the
 * integration, ours (one line per candidate count) against the seed's
 * `by_integration` scan, both axes logarithmic, Convex's read limit marked.
 * A Vega-Lite spec; the reporter renders it to SVG (bench/lib/chart.ts).
 */
import type { Chart } from "../lib/report.js";

export const CHART_FILE = "bench/dispatch-reads.svg";
const READ_LIMIT = 32_000;

export type ChartPoint = {
  rules: number;
  candidates: number;
  /** Documents `execute` read (every candidate's conditions hold). */
  ours: number;
  /** Documents the baseline read; when it failed, where it stopped. */
  baselineRead: number;
  baselineFailed: boolean;
};

type Datum = { rules: number; reads: number; series: string; kind: "ours" | "baseline"; label?: string };

export function dispatchReadsChart(points: ChartPoint[]): Chart {
  const data: Datum[] = [];
  const candidates = [...new Set(points.map((p) => p.candidates))].sort((a, b) => a - b);
  for (const c of candidates) {
    for (const p of points.filter((q) => q.candidates === c)) {
      data.push({ rules: p.rules, reads: p.ours, series: `ours, ${c} candidate rule${c === 1 ? "" : "s"}`, kind: "ours" });
    }
  }
  // The scan reads the whole integration whatever the candidates: one line.
  const sizes = [...new Set(points.map((p) => p.rules))].sort((a, b) => a - b);
  for (const rules of sizes) {
    const p = points.find((q) => q.rules === rules)!;
    data.push({
      rules,
      // What the scan must read; past the limit the transaction fails instead.
      reads: p.baselineFailed ? rules : p.baselineRead,
      series: "baseline: by_integration scan",
      kind: "baseline",
      ...(p.baselineFailed ? { label: `fails: must read ${rules.toLocaleString("en-US")} (stopped at ${p.baselineRead.toLocaleString("en-US")})` } : {}),
    });
  }
  const x = {
    field: "rules",
    type: "quantitative",
    title: "rules in the integration",
    scale: { type: "log", domain: [sizes[0] / 1.5, sizes[sizes.length - 1] * 1.5] },
    axis: { values: sizes, format: "~s", grid: true },
  };
  const y = {
    field: "reads",
    type: "quantitative",
    title: "documents read per dispatch (execute)",
    scale: { type: "log", domain: [1, 300_000] },
    axis: { values: [1, 10, 100, 1_000, 10_000, 100_000], format: "~s", grid: true },
  };
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Documents read per dispatch, by rules in the integration",
      subtitle: "convex-test transaction metrics; every candidate's conditions hold (log scales)",
    },
    width: 560,
    height: 340,
    background: "white",
    layer: [
      {
        data: { values: data },
        mark: { type: "line", point: { size: 60, filled: true }, strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: {
            field: "series",
            type: "nominal",
            title: null,
            sort: [...candidates.map((c) => `ours, ${c} candidate rule${c === 1 ? "" : "s"}`), "baseline: by_integration scan"],
            scale: { range: ["#9ecae1", "#3182bd", "#08519c", "#d62728"] },
            legend: { orient: "bottom", columns: 2, labelLimit: 400, symbolType: "stroke" },
          },
          strokeDash: { field: "kind", type: "nominal", legend: null, scale: { domain: ["ours", "baseline"], range: [[1, 0], [6, 4]] } },
        },
      },
      {
        data: { values: [{ limit: READ_LIMIT }] },
        mark: { type: "rule", color: "#d62728", strokeDash: [2, 3] },
        encoding: { y: { field: "limit", type: "quantitative" } },
      },
      {
        data: { values: [{ limit: READ_LIMIT, text: `Convex limit: ${READ_LIMIT.toLocaleString("en-US")} documents read per transaction` }] },
        mark: { type: "text", align: "left", dy: -7, color: "#d62728", fontSize: 11 },
        encoding: {
          x: { value: 6 },
          y: { field: "limit", type: "quantitative" },
          text: { field: "text" },
        },
      },
      {
        data: { values: data.filter((d) => d.label !== undefined) },
        mark: { type: "point", shape: "cross", size: 220, color: "#d62728", strokeWidth: 2.5 },
        encoding: { x, y },
      },
      {
        data: { values: data.filter((d) => d.label !== undefined) },
        mark: { type: "text", align: "right", dx: -10, dy: -12, color: "#d62728", fontSize: 11 },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  };
  return { file: CHART_FILE, title: "Documents read per dispatch: ours against the by_integration scan", spec };
}
