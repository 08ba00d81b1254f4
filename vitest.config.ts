import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "example/**/*.test.ts", "quickstart/**/*.test.ts", "scripts/**/*.test.ts"],
    // Shared test setup, named *.test.ts so Convex never deploys it.
    exclude: ["**/node_modules/**", "**/setup.test.ts", "**/engineHost.test.ts", "**/migrationHost.test.ts", "**/scheduleHost.test.ts", "**/opsHost.test.ts", "**/executionStates.test.ts"],
    server: { deps: { inline: ["convex-test"] } },
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts", "src/**/*.test.tsx", "src/**/_generated/**", "src/**/_ignore.ts"],
      reporter: ["text", "text-summary"],
      thresholds: { lines: 90 },
    },
  },
});
