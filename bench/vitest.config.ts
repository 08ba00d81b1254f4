import { defineConfig } from "vitest/config";
import BenchReporter from "./reporter.js";

/** Benchmarks: run by `npm run bench` (bench/run.mjs), never by `npm test`. */
export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    environment: "edge-runtime",
    include: ["bench/**/*.bench.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
    // One worker, one file, in order: the figures do not depend on it, but a
    // 2-core machine seeds faster without competition.
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
    reporters: [new BenchReporter()],
    provide: { benchQuick: process.env.BENCH_QUICK === "1" },
  },
});
