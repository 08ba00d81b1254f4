#!/usr/bin/env node
// `npm run bench [-- --quick]`: runs the benchmarks under vitest (convex-test
// needs vite's import.meta.glob) with bench/vitest.config.ts. The mode reaches
// the benchmark through the BENCH_QUICK environment variable.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import console from "node:console";

const usage = `Usage: npm run bench [-- [--quick] [--section <name>]...]

  --quick           smaller workloads (evaluation: fewer repetitions,
                    json-rules-engine timed on 40 events; dispatch: 100 and
                    10,000 rules; scale: 2,500 candidates for one event
                    (the full run adds 10,000); history: 10,000 executions;
                    migration: 2,000 legacy rows; operations: cleanup of
                    2,000 executions), about a minute
  --section <name>  run only this section (repeatable): evaluation, dispatch,
                    scale, history, migration, operations; prints its
                    tables, leaves BENCHMARKS.md as it is
  --write           with --section: replace those sections in BENCHMARKS.md
                    (the rest stays from the last full run; the header says
                    which sections were rerun, when)
  --help            this text

Prints the tables and writes them to BENCHMARKS.md.`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(usage);
  process.exit(0);
}
const sections = [];
const unknown = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--quick" || arg === "--write") continue;
  const name = arg === "--section" ? args[++i] : arg.startsWith("--section=") ? arg.slice("--section=".length) : null;
  if (name === null) unknown.push(arg);
  else if (name !== undefined && /^[a-z][a-z0-9-]*$/.test(name)) sections.push(name);
  else unknown.push(`--section ${name ?? "(no name)"}`);
}
if (unknown.length > 0) {
  console.error(`Unknown argument(s): ${unknown.join(" ")}\n\n${usage}`);
  process.exit(2);
}
const quick = args.includes("--quick");
const write = args.includes("--write");
if (write && sections.length === 0) {
  console.error(`--write needs --section: a full run writes BENCHMARKS.md anyway.\n\n${usage}`);
  process.exit(2);
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
const started = Date.now();
const child = spawn(
  process.execPath,
  [
    vitest,
    "run",
    "--config",
    join("bench", "vitest.config.ts"),
    // The tests are named after their sections (bench/benchmarks.bench.test.ts).
    ...(sections.length > 0 ? ["--testNamePattern", `^(${sections.join("|")})$`] : []),
  ],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, BENCH_QUICK: quick ? "1" : "0", BENCH_SECTIONS: sections.join(","), BENCH_WRITE: write ? "1" : "0" },
  },
);
const loadBefore = loadavg()[0];
child.on("exit", (code, signal) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const cpu = childrenCpuSeconds();
  console.log(
    `\n${quick ? "Quick" : "Full"} benchmark run ${code === 0 ? "finished" : "FAILED"} in ${seconds} s (wall clock)` +
      (cpu === null ? "" : `, ${cpu.toFixed(1)} s of CPU`) +
      `; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after (other work on the machine slows the wall clock).`,
  );
  if (code === 0 && sections.length === 0) recordRunTime(seconds, cpu);
  process.exit(code ?? (signal ? 1 : 0));
});

/** Adds the run's own time to BENCHMARKS.md, which the reporter wrote just before. */
function recordRunTime(seconds, cpu) {
  const file = join(root, "BENCHMARKS.md");
  const text = readFileSync(file, "utf8");
  const line =
    `- Run time: ${seconds} s wall clock` + (cpu === null ? "" : `, ${cpu.toFixed(1)} s of CPU`) + " (two workers)";
  writeFileSync(file, text.replace(/^(- Mode: .*)$/m, `$1\n${line}`));
}

/**
 * CPU seconds (user + system) of the finished child processes (vitest and its
 * workers), from /proc/self/stat on Linux (cutime, cstime in USER_HZ = 100
 * ticks per second); null elsewhere.
 */
function childrenCpuSeconds() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 of stat(5), counted from 1 with pid and comm first.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}
