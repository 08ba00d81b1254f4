// The entry point of `npm run demo`, run by vitest with ./vitest.config.ts
// (convex-test needs vite). Not a test: the main vitest config only runs
// *.test.ts files; demo.test.ts checks the scenario's outcomes.
import { test } from "vitest";
import { runDemo } from "./demo.js";

test("demo", async () => {
  const started = performance.now();
  await runDemo((line) => console.log(line));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\nDone in ${seconds} s.`);
});
