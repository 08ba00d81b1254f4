// The example page: `npm run web` (dev server), `npm run web:build` (to
// example/web/dist). Vite's own transform compiles the TSX (React's
// automatic runtime); no React plugin is needed without fast refresh.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative asset URLs: the built page works from any folder or static host.
  base: "./",
  oxc: { jsx: { runtime: "automatic" } },
  build: { outDir: "dist", emptyOutDir: true },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
