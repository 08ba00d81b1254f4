/// <reference types="vite/client" />
/**
 * The migration section, in a file of its own so that it runs in a second
 * worker beside the others (bench/vitest.config.ts): it only counts
 * documents, so sharing the machine changes none of its figures, and it is
 * the longest section (convex-test scans a table on every index query, so
 * 10,000 legacy rows take minutes).
 */
import { afterEach, beforeEach, inject, test, vi } from "vitest";
import { holdScheduledFunctions } from "./lib/timers.js";
import { migrationSection } from "./migration/section.js";
import "./lib/report.js";

const quick = inject("benchQuick");

beforeEach(() => {
  holdScheduledFunctions();
});
afterEach(() => {
  vi.useRealTimers();
});

test(
  "migration",
  async ({ task }) => {
    task.meta.benchSection = await migrationSection(quick, (line) => console.log(line));
  },
  40 * 60_000,
);
