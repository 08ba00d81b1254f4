/**
 * Charts: a section hands the reporter a Vega-Lite spec (plain JSON, through
 * the vitest task's meta); the reporter renders it to SVG with vega, headless
 * (no browser, no canvas), and writes it beside BENCHMARKS.md.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
