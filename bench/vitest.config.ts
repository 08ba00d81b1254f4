import { defineConfig } from "vitest/config";
import BenchReporter from "./reporter.js";

/** Benchmarks: run by `npm run bench` (bench/run.mjs), never by `npm test`. */
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    environment: "edge-runtime",
    include: ["bench/**/*.bench.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
    // Two workers: benchmarks.bench.test.ts runs its sections in order in
    // one (evaluation first: its figures are CPU times, compared as ratios
    // of engines timed interleaved), migration.bench.test.ts in the other.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
    reporters: [new BenchReporter()],
    provide: { benchQuick: process.env.BENCH_QUICK === "1" },
  },
});
