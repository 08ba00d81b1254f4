#!/usr/bin/env node
/**
 * The consumer test: packs this package, installs the tarball into a fresh
 * host app outside the source tree (the README's quick start, copied from
 * quickstart/), and there typechecks it (with the strict flags a consumer
 * may use), imports the package in plain Node, and runs its test. Catches
 * what the in-repo suite cannot: files missing from the tarball, exports
 * that only resolve inside the repository, peer dependencies, shipped
 * sources that fail a stricter tsconfig.
 *
 * The app gets `convex`, `convex-helpers`, convex-test, vitest and
 * TypeScript at the versions of this repository's lockfile.
 *
 * Usage: `npm run test:consumer` (`--keep` leaves the app in the temp dir).
 */
/* global console, process */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const keep = process.argv.includes("--keep");

function run(command, args, cwd) {
  console.log(`consumer: ${path.relative(root, cwd) || "."}$ ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd, stdio: "inherit", env: { ...process.env, CI: "1" } });
  if (result.status !== 0) {
    console.error(`consumer: \`${command} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8"));
function locked(name) {
  const entry = lock.packages[`node_modules/${name}`];
  if (!entry?.version) throw new Error(`consumer: ${name} is not in package-lock.json`);
  return entry.version;
}

const work = mkdtempSync(path.join(tmpdir(), "convex-rules-consumer-"));
try {
  run("npm", ["pack", "--pack-destination", work, "--silent"], root);
  const tarball = readdirSync(work).find((file) => file.endsWith(".tgz"));
  if (!tarball) throw new Error("consumer: npm pack wrote no tarball");

  const app = path.join(work, "app");
  cpSync(path.join(root, "quickstart"), app, { recursive: true });
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify(
      {
        name: "convex-rules-quickstart",
        private: true,
        type: "module",
        dependencies: {
          "convex-rules": `file:${path.join(work, tarball)}`,
          convex: locked("convex"),
          "convex-helpers": locked("convex-helpers"),
        },
        devDependencies: {
          "@edge-runtime/vm": locked("@edge-runtime/vm"),
          "convex-test": locked("convex-test"),
          typescript: locked("typescript"),
          vitest: locked("vitest"),
        },
      },
      null,
      2,
    ),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], app);
  run(
    "npx",
    ["tsc", "--noEmit", "-p", "convex", "--noUncheckedIndexedAccess", "--noPropertyAccessFromIndexSignature"],
    app,
  );
  run("node", ["--input-type=module", "-e", 'const m = await import("convex-rules"); if (typeof m.Rules !== "function") process.exit(1);'], app);
  run("npx", ["vitest", "run"], app);
  console.log(`consumer: the packed ${tarball} installs, typechecks and passes the quick start's test`);
} finally {
  if (keep) console.log(`consumer: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
