#!/usr/bin/env node
/**
 * Keeps the TypeScript snippets of the documentation equal to code that
 * compiles. Every ```ts / ```typescript / ```tsx block must sit right under
 * a marker naming its source (blank lines between are allowed):
 *
 *   <!-- snippet: docs/snippets/convex/patterns.ts#orPattern -->
 *   <!-- snippet: example/convex/convex.config.ts -->   (a whole file)
 *
 * The path is relative to the repository root. A region is the lines
 * between `// #region <name>` and `// #endregion <name>` (a bare
 * `// #endregion` closes the innermost), with the markers of regions nested
 * in it removed and the common indentation stripped; a whole file drops
 * every region marker line. Blank lines at either end are not compared.
 * Other blocks (json, sh, text, mermaid) are not checked unless marked.
 *
 * Usage:
 *   node scripts/snippets.mjs [--check]          check; exit 1 listing file:line of each problem
 *   node scripts/snippets.mjs --write            rewrite every marked block from its source
 *   node scripts/snippets.mjs [--skip FILE]... [FILE...]
 *
 * Without FILE arguments it checks README.md, CONTRIBUTING.md,
 * example/README.md and docs/**\/*.md; `--skip` leaves one of them out.
 */
/* global console, process */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { processMarkdown } from "./snippets-lib.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function usage(message) {
  console.error(`snippets: ${message}`);
  console.error("usage: node scripts/snippets.mjs [--check | --write] [--skip FILE]... [FILE...]");
  process.exit(2);
}

function parseArgs(argv) {
  const options = { write: false, skip: new Set(), files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--check") options.write = false;
    else if (arg === "--write") options.write = true;
    else if (arg === "--skip" || arg.startsWith("--skip=")) {
      const value = arg === "--skip" ? argv[++i] : arg.slice("--skip=".length);
      if (!value) usage("--skip needs a file");
      for (const file of value.split(",")) options.skip.add(relative(file));
    } else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
    else options.files.push(relative(arg));
  }
  return options;
}

/** A path as given on the command line, relative to the repository root with "/" separators. */
function relative(file) {
  return path.relative(root, path.resolve(process.cwd(), file)).split(path.sep).join("/");
}

function markdownUnder(dir) {
  const out = [];
  if (!existsSync(path.join(root, dir))) return out;
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") out.push(...markdownUnder(file));
    } else if (entry.name.endsWith(".md")) {
      out.push(file);
    }
  }
  return out.sort();
}

function defaultFiles() {
  const top = ["README.md", "CONTRIBUTING.md", "example/README.md"].filter((file) => existsSync(path.join(root, file)));
  return [...top, ...markdownUnder("docs")];
}

/** Reads a marker's source file, refusing paths outside the repository. */
function loadSource(file) {
  const absolute = path.resolve(root, file);
  if (path.isAbsolute(file) || (absolute !== root && !absolute.startsWith(root + path.sep))) {
    return { error: "the path must be relative to the repository root, inside it" };
  }
  if (!existsSync(absolute) || !statSync(absolute).isFile()) return { error: "no such file" };
  return { text: readFileSync(absolute, "utf8") };
}

const options = parseArgs(process.argv.slice(2));
const explicit = options.files.length > 0;
const files = (explicit ? options.files : defaultFiles()).filter((file) => !options.skip.has(file));
let problemCount = 0;
let rewritten = 0;
for (const file of files) {
  const absolute = path.join(root, file);
  if (!existsSync(absolute)) {
    console.error(`${file}: no such file`);
    problemCount++;
    continue;
  }
  const markdown = readFileSync(absolute, "utf8");
  const { problems, text, changed } = processMarkdown(markdown, { loadSource, write: options.write });
  if (changed > 0) {
    writeFileSync(absolute, text);
    rewritten += changed;
    console.log(`${file}: rewrote ${changed} block${changed === 1 ? "" : "s"}`);
  }
  for (const problem of problems) {
    console.error(`${file}:${problem.line}: ${problem.message}`);
    for (const line of problem.detail ?? []) console.error(`    ${line}`);
  }
  problemCount += problems.length;
}
const summary = `snippets: ${files.length} file${files.length === 1 ? "" : "s"}, ${problemCount} problem${problemCount === 1 ? "" : "s"}`;
if (problemCount > 0) {
  console.error(`${summary}${options.write ? "" : " (node scripts/snippets.mjs --write rewrites drifted blocks)"}`);
  process.exit(1);
}
console.log(options.write ? `${summary}, ${rewritten} block${rewritten === 1 ? "" : "s"} rewritten` : summary);
