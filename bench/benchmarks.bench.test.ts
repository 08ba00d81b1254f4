/// <reference types="vite/client" />
/**
 * The benchmarks, one test per section, run by `npm run bench` (see
 * bench/run.mjs). Each section leaves its tables in the task's meta; the
 * reporter (bench/reporter.ts) prints them and writes BENCHMARKS.md.
 * A new section is a module returning a `Section` (bench/lib/report.ts) and
 * one more test here, named after the section's id (`npm run bench --
 * --section <id>` selects tests by name); sections run in order, in one worker.
 * The migration section, the longest, runs in a second worker at the same
 * time (bench/migration.bench.test.ts).
 */
import { afterEach, beforeEach, inject, test, vi } from "vitest";
import { holdScheduledFunctions } from "./lib/timers.js";
import { evaluationSection } from "./evaluation/section.js";
import { dispatchSection } from "./dispatch/section.js";
import { historySection } from "./history/section.js";
import { operationsSection } from "./operations/section.js";
import { scaleSection } from "./scale/section.js";
import "./lib/report.js";

const quick = inject("benchQuick");

beforeEach(() => {
  // Scheduled functions (workpool's loop, queued actions) never run: only
  // what `execute` itself does is measured. Date stays real.
  holdScheduledFunctions();
});
afterEach(() => {
  vi.useRealTimers();
});

// First, on a fresh heap: its figures are CPU times.
test("evaluation", async ({ task }) => {
  task.meta.benchSection = await evaluationSection(quick, (line) => console.log(line));
});

test("dispatch", async ({ task }) => {
  task.meta.benchSection = await dispatchSection(quick, (line) => console.log(line));
});

// Longer than the others' ten minutes: convex-test scans whole tables for
// each index read, so 10,000 candidates take about 17 minutes in the full run.
test("scale", { timeout: 45 * 60_000 }, async ({ task }) => {
  task.meta.benchSection = await scaleSection(quick, (line) => console.log(line));
});

test("history", async ({ task }) => {
  task.meta.benchSection = await historySection(quick, (line) => console.log(line));
});

test("operations", async ({ task }) => {
  task.meta.benchSection = await operationsSection(quick, (line) => console.log(line));
});
