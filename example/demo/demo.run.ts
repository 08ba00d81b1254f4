// The entry point of `npm run demo`, run by vitest with ./vitest.config.ts
// (convex-test needs vite). Not a test: the main vitest config only runs
// *.test.ts files; demo.test.ts checks the scenario's outcomes.
import { fileURLToPath } from "node:url";
import { test } from "vitest";
import { runDemo } from "./demo.js";

/** What the engine recorded, for the example page (example/web) to show. */
const DATA_FILE = fileURLToPath(new URL("../web/public/demo-data.json", import.meta.url));

test("demo", async () => {
  const started = performance.now();
  await runDemo((line) => console.log(line), { dataFile: DATA_FILE });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`\nWrote what the engine recorded to example/web/public/demo-data.json.`);
  console.log(`Done in ${seconds} s.`);
});
