// `npm run demo`: runs demo.run.ts (not a test) with a reporter that shows
// only the demo's own output.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import DemoReporter from "./reporter.js";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["example/demo/demo.run.ts"],
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    reporters: [new DemoReporter()],
    testTimeout: 60_000,
  },
});
