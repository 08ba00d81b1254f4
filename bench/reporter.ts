/**
 * A quiet vitest reporter for the benchmarks: prints progress lines and each
 * section's tables as they finish, any failure in full, and at the end writes
 * BENCHMARKS.md (only when every section succeeded).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem, platform, release, arch } from "node:os";
import { join } from "node:path";
import type { UserConsoleLog } from "vitest";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { sectionMarkdown, sectionText, type Section } from "./lib/report.js";
import { renderSvg } from "./lib/chart.js";

export default class BenchReporter implements Reporter {
  private sections: Section[] = [];
  private failures = 0;
  private root = process.cwd();

  onInit(vitest: { config: { root: string } }) {
    this.root = vitest.config.root;
    const quick = process.env.BENCH_QUICK === "1";
    process.stdout.write(`${machineLine()}\nMode: ${quick ? "quick" : "full"}\n\n`);
  }

  onUserConsoleLog(log: UserConsoleLog) {
    const stream = log.type === "stderr" ? process.stderr : process.stdout;
    stream.write(log.content.endsWith("\n") ? log.content : `${log.content}\n`);
  }

  onTestCaseResult(testCase: TestCase) {
    const result = testCase.result();
    if (result.state === "failed") {
      this.failures++;
      process.stderr.write(`\nFAILED: ${testCase.fullName}\n`);
      for (const error of result.errors ?? []) {
        process.stderr.write(`${error.stack ?? error.message}\n`);
        if (error.diff) process.stderr.write(`${error.diff}\n`);
      }
      return;
    }
    const section = testCase.meta().benchSection;
    if (section) {
      this.sections.push(section);
      process.stdout.write(`\n${sectionText(section)}\n\n`);
    }
  }

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<{ message: string; stack?: string }>,
  ) {
    for (const module of testModules) {
      for (const error of module.errors()) {
        this.failures++;
        process.stderr.write(`\nFAILED to load ${module.moduleId}:\n${error.stack ?? error.message}\n`);
      }
    }
    for (const error of unhandledErrors) {
      this.failures++;
      process.stderr.write(`\nUnhandled error:\n${error.stack ?? error.message}\n`);
    }
    const selected = (process.env.BENCH_SECTIONS ?? "").split(",").filter((name) => name !== "");
    const missing = selected.filter((name) => !this.sections.some((section) => section.id === name));
    if (this.failures > 0 || this.sections.length === 0 || missing.length > 0) {
      if (missing.length > 0) process.stderr.write(`\nNo section ran for: ${missing.join(", ")}.\n`);
      process.stderr.write("\nBENCHMARKS.md not written: the run did not complete.\n");
      process.exitCode = 1;
      return;
    }
    if (selected.length > 0 && process.env.BENCH_WRITE !== "1") {
      // Some sections only (`--section`): BENCHMARKS.md keeps the full run's tables.
      process.stdout.write(`BENCHMARKS.md not written: only ${selected.join(", ")} ran (--section).\n`);
      return;
    }
    // Charts (SVG, rendered headless by vega), then the tables that link them.
    const charts: Array<[string, string]> = [];
    for (const chart of this.sections.flatMap((section) => section.charts ?? [])) {
      try {
        charts.push([join(this.root, chart.file), await renderSvg(chart.spec as never)]);
      } catch (error) {
        process.stderr.write(`\nFAILED to render ${chart.file}:\n${error instanceof Error ? error.stack : String(error)}\n`);
        process.stderr.write("\nBENCHMARKS.md not written: the run did not complete.\n");
        process.exitCode = 1;
        return;
      }
    }
    for (const [path, svg] of charts) {
      writeFileSync(path, svg);
      process.stdout.write(`Wrote ${path}\n`);
    }
    const file = join(this.root, "BENCHMARKS.md");
    const text = selected.length > 0 ? replaceSections(readFileSync(file, "utf8"), this.sections) : markdown(inReportOrder(this.sections));
    writeFileSync(file, text);
    process.stdout.write(`Wrote ${file}\n`);
  }
}

/** Sections run in two workers and finish in any order; the report keeps this one. */
const REPORT_ORDER = ["evaluation", "dispatch", "scale", "history", "operations", "migration"];

/**
 * `text` (a full run's BENCHMARKS.md) with the given sections replaced by
 * a new run of them alone (`--section <name> --write`), and a header line
 * saying which sections were rerun, when and in which mode.
 */
function replaceSections(text: string, sections: Section[]): string {
  let out = text;
  for (const section of sections) {
    const heading = `## ${section.title}`;
    const start = out.indexOf(`\n${heading}\n`);
    const fresh = sectionMarkdown(section);
    if (start < 0) {
      out = `${out.trimEnd()}\n\n${fresh}\n`;
      continue;
    }
    const next = out.indexOf("\n## ", start + heading.length + 1);
    out = `${out.slice(0, start + 1)}${fresh}\n${next < 0 ? "" : out.slice(next)}`;
  }
  const quick = process.env.BENCH_QUICK === "1";
  const note =
    `- Rerun alone on ${new Date().toISOString()} (${quick ? "quick" : "full"} mode, \`--section ... --write\`): ` +
    sections.map((section) => section.id).join(", ");
  return out.replace(/^(- Mode: .*(?:\n- Run time: .*)?)$/m, `$1\n${note}`);
}

function inReportOrder(sections: Section[]): Section[] {
  const rank = (id: string) => {
    const index = REPORT_ORDER.indexOf(id);
    return index === -1 ? REPORT_ORDER.length : index;
  };
  return [...sections].sort((a, b) => rank(a.id) - rank(b.id));
}

function machineLine(): string {
  const list = cpus();
  const model = list[0]?.model.trim() ?? "unknown CPU";
  return `Node ${process.version} on ${platform()} ${release()} ${arch()}, ${list.length} cores (${model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
}

function markdown(sections: Section[]): string {
  const quick = process.env.BENCH_QUICK === "1";
  const header = [
    "# Benchmarks",
    "",
    "Generated by `npm run bench" + (quick ? " -- --quick" : "") + "`; do not edit by hand.",
    "",
    `- Date: ${new Date().toISOString()}`,
    `- Node: ${process.version}`,
    `- Machine: ${machineLine().replace(/^Node \S+ on /, "")}`,
    `- Mode: ${quick ? "quick (`--quick`)" : "full"}`,
  ].join("\n");
  return [header, ...sections.map(sectionMarkdown)].join("\n\n") + "\n";
}
