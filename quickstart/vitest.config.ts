// #region vitest
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "edge-runtime", // npm install -D @edge-runtime/vm
    server: { deps: { inline: ["convex-test"] } },
  },
});
// #endregion vitest
