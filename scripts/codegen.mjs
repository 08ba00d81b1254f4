#!/usr/bin/env node
/**
 * Regenerates `src/component/_generated/component.ts` and
 * `src/component/_generated/api.ts` without a Convex deployment.
 *
 * `npx convex codegen` builds `ComponentApi` from the deployment's analysis of
 * the pushed code, so it cannot run here (see CONVEX-NOTES.md section 1). This
 * script does the same analysis locally: it imports the compiled component
 * modules from `dist/` (run `npm run build` first; `npm run codegen` does
 * both), reads each registered function's `exportArgs()` / `exportReturns()`
 * (the JSON the CLI sends to the backend), and renders them with the CLI's
 * own helpers (`validatorToType`, `header`, `compareStrings`,
 * `moduleIdentifier`), so the output has exactly the CLI's shape:
 *
 * - component.ts: `ComponentApi<Name>` with every PUBLIC function as a
 *   `FunctionReference<kind, "internal", Args, Returns, Name>` (internal
 *   functions are not exported by a component), ids flattened to `string`.
 * - api.ts: `api` / `internal` from `ApiFromModules` over every module. The
 *   `components` block (child components used in convex.config.ts) is kept
 *   from the existing file, since it cannot be derived without the bundler.
 *
 * Usage: `npm run codegen`, or `node scripts/codegen.mjs` after a build.
 * `--check` writes nothing and exits 1 when a file is out of date;
 * `--no-prettier` uses the built-in layout instead of prettier 3.6.2.
 */
/* global console, process */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = path.join(root, "src", "component");
const distDir = path.join(root, "dist", "component");
const generatedDir = path.join(srcDir, "_generated");
const check = process.argv.includes("--check");

// The Convex CLI's own codegen helpers. They are CommonJS files outside the
// package's `exports` map, so they are loaded by absolute path.
const require = createRequire(import.meta.url);
const convexPackage = path.dirname(require.resolve("convex/package.json"));
const templates = path.join(convexPackage, "dist", "cjs", "cli", "codegen_templates");
const { validatorToType, parseValidator } = require(
  path.join(templates, "validator_helpers.js"),
);
const { header, compareStrings, compareModulePaths } = require(
  path.join(templates, "common.js"),
);
const { moduleIdentifier, importPath } = require(path.join(templates, "api.js"));

/**
 * The component's modules, as paths relative to src/component, with the
 * CLI's rules (convex/dist/cjs/bundler/index.js `entryPoints`): every .ts
 * file outside `_generated/`, except `schema.ts`, dotfiles and names with
 * more than one dot (`convex.config.ts`, `*.test.ts`).
 */
function componentModules(dir = srcDir, root_ = srcDir) {
  const modules = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(root_, full).split(path.sep).join("/");
    if (entry.isDirectory()) {
      if (rel === "_generated" || entry.name.startsWith(".")) continue;
      // A nested component definition is not part of this component.
      if (existsSync(path.join(full, "convex.config.ts"))) continue;
      modules.push(...componentModules(full, root_));
      continue;
    }
    const base = entry.name;
    if (!/\.tsx?$/.test(base)) continue;
    if (base.startsWith(".") || base.startsWith("#")) continue;
    if (base === "schema.ts") continue;
    if ((base.match(/\./g) ?? []).length > 1) continue;
    if (rel.includes(" ")) continue;
    const source = readFileSync(full, "utf8");
    if (!/^\s{0,100}(import|export)/m.test(source)) continue;
    modules.push(rel);
  }
  return modules.sort(compareModulePaths);
}

const KINDS = [
  ["isQuery", "query"],
  ["isMutation", "mutation"],
  ["isAction", "action"],
];

/** The registered Convex functions a compiled module exports. */
function registeredFunctions(moduleExports, modulePath) {
  const functions = [];
  for (const [name, value] of Object.entries(moduleExports)) {
    if (name === "default") continue;
    if (value === null || (typeof value !== "function" && typeof value !== "object")) {
      continue;
    }
    const kind = KINDS.find(([flag]) => value[flag] === true)?.[1];
    if (!kind) continue;
    if (value.isPublic !== true && value.isInternal !== true) {
      throw new Error(`${modulePath}:${name} is a ${kind} with no visibility`);
    }
    functions.push({
      name,
      kind,
      visibility: value.isPublic === true ? "public" : "internal",
      args: value.exportArgs(),
      returns: value.exportReturns(),
    });
  }
  return functions;
}

/** `codegenFunctionReference` of the CLI, for a component export. */
function functionReference(fn, where) {
  let argsType = "any";
  const argsValidator = parseValidator(fn.args);
  if (argsValidator) {
    if (argsValidator.type !== "object" && argsValidator.type !== "any") {
      throw new Error(`${where}: unexpected argument validator type ${argsValidator.type}`);
    }
    argsType = validatorToType(argsValidator, false);
  }
  let returnsType = "any";
  const returnsValidator = parseValidator(fn.returns);
  if (returnsValidator) returnsType = validatorToType(returnsValidator, false);
  return { kind: fn.kind, argsType, returnsType };
}

/** Imports the compiled modules; returns the tree of public functions. */
async function exportTree(modules) {
  const tree = {};
  const missing = [];
  for (const modulePath of modules) {
    const compiled = path.join(distDir, modulePath.replace(/\.tsx?$/, ".js"));
    if (!existsSync(compiled)) {
      missing.push(path.relative(root, compiled));
      continue;
    }
    const moduleExports = await import(pathToFileURL(compiled).href);
    for (const fn of registeredFunctions(moduleExports, modulePath)) {
      if (fn.visibility !== "public") continue;
      let branch = tree;
      for (const part of importPath(modulePath).split("/")) {
        branch[part] ??= { type: "branch", branch: {} };
        if (branch[part].type !== "branch") {
          throw new Error(`Ambiguous function name: ${fn.name} in ${modulePath}`);
        }
        branch = branch[part].branch;
      }
      branch[fn.name] = {
        type: "leaf",
        leaf: functionReference(fn, `${modulePath}:${fn.name}`),
      };
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `Not compiled: ${missing.join(", ")}. Run \`npm run build\` first (or \`npm run codegen\`).`,
    );
  }
  return tree;
}

const sortedEntries = (branch) =>
  Object.entries(branch).sort(([a], [b]) => compareStrings(a, b));

/** The CLI's `codegenExport` lines: what it hands to prettier. */
function exportLines(node) {
  if (node.type === "leaf") {
    const { kind, argsType, returnsType } = node.leaf;
    return [`FunctionReference<"${kind}", "internal", ${argsType}, ${returnsType}, Name>`];
  }
  const lines = ["{"];
  for (const [name, child] of sortedEntries(node.branch)) {
    lines.push(`${name}:`, ...exportLines(child), ",");
  }
  lines.push("}");
  return lines;
}

/** The CLI's `componentTS`. */
function componentTs(tree) {
  return [
    header("Generated `ComponentApi` utility."),
    `
    import type { FunctionReference } from "convex/server";

    /**
    * A utility for referencing a Convex component's exposed API.
    *
    * Useful when expecting a parameter like \`components.myComponent\`.
    * Usage:
    * \`\`\`ts
    * async function myFunction(ctx: QueryCtx, component: ComponentApi) {
    *   return ctx.runQuery(component.someFile.someQuery, { ...args });
    * }
    * \`\`\`
    */`,
    `export type ComponentApi<Name extends string | undefined = string | undefined> = `,
    ...exportLines({ type: "branch", branch: tree }),
    `;`,
  ].join("\n");
}

/**
 * The `components` initializer of the existing api.ts. Child components are
 * declared through `use()`, which only runs inside the Convex bundler, so
 * they are kept as they are rather than derived.
 */
function existingComponentsBlock(apiPath) {
  if (!existsSync(apiPath)) return "{}";
  const match = /export const components = componentsGeneric\(\) as unknown as ([\s\S]*?);\s*$/.exec(
    readFileSync(apiPath, "utf8"),
  );
  return match ? match[1].trim() : "{}";
}

/** The CLI's `componentApiTSWithTypes` (dynamic api). */
function apiTs(modules, componentsBlock) {
  const lines = [header("Generated `api` utility.")];
  for (const modulePath of modules) {
    lines.push(
      `import type * as ${moduleIdentifier(modulePath)} from "../${importPath(modulePath)}.js";`,
    );
  }
  lines.push(`
    import type {
      ApiFromModules,
      FilterApi,
      FunctionReference,
    } from "convex/server";
    import { anyApi, componentsGeneric } from "convex/server";

    const fullApi: ApiFromModules<{
  `);
  for (const modulePath of modules) {
    lines.push(`  "${importPath(modulePath)}": typeof ${moduleIdentifier(modulePath)},`);
  }
  lines.push(`}> = anyApi as any;`);
  lines.push(`
    /**
     * A utility for referencing Convex functions in your app's public API.
     *
     * Usage:
     * \`\`\`js
     * const myFunctionReference = api.myModule.myFunction;
     * \`\`\`
     */
    export const api: FilterApi<typeof fullApi, FunctionReference<any, "public">> = anyApi as any;

    /**
     * A utility for referencing Convex functions in your app's internal API.
     *
     * Usage:
     * \`\`\`js
     * const myFunctionReference = internal.myModule.myFunction;
     * \`\`\`
     */
    export const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">> = anyApi as any;
  `);
  lines.push(`
  export const components = componentsGeneric() as unknown as ${componentsBlock};`);
  return lines.join("\n");
}

// --- formatting ------------------------------------------------------------

let prettierWorks = !process.argv.includes("--no-prettier");

/** Formats with prettier 3.6.2, as the CLI does; null when it cannot run. */
function prettier(source, filename) {
  if (!prettierWorks) return null;
  const result = spawnSync(
    "npx",
    ["--no-install", "prettier", "--stdin-filepath", path.join(generatedDir, filename)],
    { input: source, encoding: "utf8", cwd: root, shell: process.platform === "win32" },
  );
  if (result.status === 0 && result.stdout) return result.stdout;
  prettierWorks = false;
  const reason = (result.stderr || String(result.error)).trim().split("\n").pop();
  console.warn(`codegen: prettier unavailable (${reason}); using the built-in layout`);
  return null;
}

/** Strips the common indentation of a template block. */
function dedent(text) {
  const lines = text.replace(/^\n/, "").replace(/\n\s*$/, "").split("\n");
  const margin = Math.min(
    ...lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)[0].length),
  );
  return lines.map((l) => l.slice(margin)).join("\n");
}

/** Splits `text` at top-level occurrences of `separator`. */
function splitTopLevel(text, separator) {
  const parts = [];
  let depth = 0;
  let quote = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"') quote = c;
    else if ("{<([".includes(c)) depth++;
    else if ("}>)]".includes(c)) depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part !== "");
}

/** `validatorToType` text on one line, with prettier's `;` between fields. */
function oneLine(text) {
  const union = splitTopLevel(text, "|");
  if (union.length > 1) return union.map(oneLine).join(" | ");
  if (text.startsWith("{") && text.endsWith("}")) {
    const fields = splitTopLevel(text.slice(1, -1), ",").map(splitField);
    if (fields.length === 0) return "{}";
    return `{ ${fields.map(([name, type]) => `${name}: ${oneLine(type)}`).join("; ")} }`;
  }
  const generic = /^(Array|Record)<([\s\S]*)>$/.exec(text);
  if (generic) {
    return `${generic[1]}<${splitTopLevel(generic[2], ",").map(oneLine).join(", ")}>`;
  }
  return text;
}

/** `name?: type` into its name (with `?`) and type. */
function splitField(field) {
  const colon = field.indexOf(": ");
  return [field.slice(0, colon), field.slice(colon + 2)];
}

/**
 * Lays out one `validatorToType` string, whose first line starts at column
 * `indent.length` with `room` characters left: on one line when it fits,
 * else object types and unions are broken as prettier breaks them. Lines
 * after the first carry their indentation.
 */
function layoutType(text, indent, room = 80 - indent.length) {
  const flat = oneLine(text);
  if (flat.length <= room) return flat;
  const inner = indent + "  ";
  const union = splitTopLevel(text, "|");
  const objects = union.filter((member) => member.startsWith("{"));
  if (
    union.length > 1 &&
    objects.length === 1 &&
    union.every((member) => member.startsWith("{") || member === "null")
  ) {
    // Prettier hugs `{ ... } | null`.
    const rest = union.filter((member) => member === "null");
    const tail = rest.map((member) => ` | ${member}`).join("");
    const laid = layoutType(objects[0], indent, room - tail.length);
    return union[0] === "null" ? `${rest.join(" | ")} | ${laid}` : `${laid}${tail}`;
  }
  if (union.length > 1) {
    return union
      .map((member) => `| ${layoutType(member, inner, 80 - inner.length)}`)
      .join(`\n${indent}`);
  }
  if (text.startsWith("{") && text.endsWith("}")) {
    const fields = splitTopLevel(text.slice(1, -1), ",").map(splitField);
    const lines = fields.map(([name, type]) => {
      const laid = layoutType(type, inner, 80 - inner.length - name.length - 3);
      if (!laid.startsWith("| ")) return `${inner}${name}: ${laid};`;
      const deeper = inner + "  ";
      return `${inner}${name}:\n${deeper}${layoutType(type, deeper, 80 - deeper.length - 1)};`;
    });
    return `{\n${lines.join("\n")}\n${indent}}`;
  }
  const array = /^Array<([\s\S]*)>$/.exec(text);
  if (array) {
    const element = array[1];
    if (element.startsWith("{") && splitTopLevel(element, "|").length === 1) {
      return `Array<${layoutType(element, indent, room - 7)}>`;
    }
    return `Array<\n${inner}${layoutType(element, inner)}\n${indent}>`;
  }
  const record = /^Record<([\s\S]*)>$/.exec(text);
  if (record) {
    const [keys, values] = splitTopLevel(record[1], ",");
    const laid = [layoutType(keys, inner, 80 - inner.length - 1), layoutType(values, inner)];
    return `Record<\n${inner}${laid[0]},\n${inner}${laid[1]}\n${indent}>`;
  }
  return flat;
}

/** The CLI's header comment, indented as prettier leaves it. */
function headerComment(description) {
  return header(description)
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .map((line) => (line.startsWith("*") ? ` ${line}` : line))
    .join("\n");
}

/** component.ts laid out without prettier. */
function componentTsFallback(tree) {
  const lines = [
    headerComment("Generated `ComponentApi` utility."),
    "",
    `import type { FunctionReference } from "convex/server";`,
    "",
    dedent(`
      /**
       * A utility for referencing a Convex component's exposed API.
       *
       * Useful when expecting a parameter like \`components.myComponent\`.
       * Usage:
       * \`\`\`ts
       * async function myFunction(ctx: QueryCtx, component: ComponentApi) {
       *   return ctx.runQuery(component.someFile.someQuery, { ...args });
       * }
       * \`\`\`
       */`),
    `export type ComponentApi<Name extends string | undefined = string | undefined> =`,
  ];
  const branch = (node, indent) => {
    const out = ["{"];
    for (const [name, child] of sortedEntries(node)) {
      const inner = indent + "  ";
      if (child.type === "branch") {
        out.push(`${inner}${name}: ${branch(child.branch, inner)};`);
        continue;
      }
      const { kind, argsType, returnsType } = child.leaf;
      const arg = indent + "    ";
      const laid = (type) => layoutType(type, arg, 80 - arg.length - 1);
      out.push(
        `${inner}${name}: FunctionReference<`,
        `${arg}"${kind}",`,
        `${arg}"internal",`,
        `${arg}${laid(argsType)},`,
        `${arg}${laid(returnsType)},`,
        `${arg}Name`,
        `${inner}>;`,
      );
    }
    out.push(`${indent}}`);
    return out.join("\n");
  };
  lines.push(`  ${branch(tree, "  ")};`, "");
  return lines.join("\n");
}

/** api.ts laid out without prettier (the shape prettier gives it). */
function apiTsFallback(modules, componentsBlock) {
  const names = modules.map((m) => [importPath(m), moduleIdentifier(m)]);
  const key = (p) => (/^[A-Za-z_$][\w$]*$/.test(p) ? p : `"${p}"`);
  return [
    headerComment("Generated `api` utility."),
    "",
    ...names.map(([p, id]) => `import type * as ${id} from "../${p}.js";`),
    "",
    "import type {",
    "  ApiFromModules,",
    "  FilterApi,",
    "  FunctionReference,",
    '} from "convex/server";',
    'import { anyApi, componentsGeneric } from "convex/server";',
    "",
    "const fullApi: ApiFromModules<{",
    ...names.map(([p, id]) => `  ${key(p)}: typeof ${id};`),
    "}> = anyApi as any;",
    "",
    dedent(`
      /**
       * A utility for referencing Convex functions in your app's public API.
       *
       * Usage:
       * \`\`\`js
       * const myFunctionReference = api.myModule.myFunction;
       * \`\`\`
       */
      export const api: FilterApi<
        typeof fullApi,
        FunctionReference<any, "public">
      > = anyApi as any;

      /**
       * A utility for referencing Convex functions in your app's internal API.
       *
       * Usage:
       * \`\`\`js
       * const myFunctionReference = internal.myModule.myFunction;
       * \`\`\`
       */
      export const internal: FilterApi<
        typeof fullApi,
        FunctionReference<any, "internal">
      > = anyApi as any;
    `),
    "",
    `export const components = componentsGeneric() as unknown as ${componentsBlock};`,
    "",
  ].join("\n");
}

// --- main ------------------------------------------------------------------

const modules = componentModules();
const tree = await exportTree(modules);
const apiPath = path.join(generatedDir, "api.ts");
const componentsBlock = existingComponentsBlock(apiPath);
const outputs = [
  [
    "component.ts",
    () => prettier(componentTs(tree), "component.ts") ?? componentTsFallback(tree),
  ],
  [
    "api.ts",
    () =>
      prettier(apiTs(modules, componentsBlock), "api.ts") ??
      apiTsFallback(modules, componentsBlock),
  ],
];
if (
  /\.use\(/.test(readFileSync(path.join(srcDir, "convex.config.ts"), "utf8")) &&
  componentsBlock === "{}"
) {
  console.warn(
    "codegen: convex.config.ts uses child components; declare them in the `components` block of src/component/_generated/api.ts by hand (it is kept as is).",
  );
}

// --- the example app's _generated/ (an app gets .js + .d.ts files) ---------

const exampleDir = path.join(root, "example", "convex");
const { serverCodegen } = require(path.join(templates, "server.js"));
const { apiCodegen } = require(path.join(templates, "api.js"));

/** The CLI's data model for an app with a schema, read from its template. */
function appDataModelDts() {
  const source = readFileSync(
    path.join(convexPackage, "dist", "esm", "cli", "codegen_templates", "dataModel.js"),
    "utf8",
  );
  const marker = "const dynamicDataModelContent = ";
  const start = source.indexOf(marker) + marker.length;
  const end = source.indexOf("`;", start) + 1;
  return new Function("header", `return ${source.slice(start, end)}`)(header);
}

/**
 * An app's `_generated/` files, as `npx convex codegen` writes them for a
 * JavaScript-output app, with `components` declared from `components`
 * (name to the package path of its `ComponentApi`).
 */
function appOutputs(appDir, components) {
  const modules = componentModules(appDir, appDir).map((m) => m.replace(/\.ts$/, ""));
  const server = serverCodegen({ useTypeScript: false });
  const api = apiCodegen(modules, { useTypeScript: false });
  const componentsDts = `
export declare const components: {
${Object.entries(components)
  .map(([name, from]) => `  ${name}: import("${from}").ComponentApi<"${name}">;`)
  .join("\n")}
};
`;
  return [
    ["server.d.ts", server.DTS],
    ["server.js", server.JS],
    ["dataModel.d.ts", appDataModelDts()],
    ["api.d.ts", api.DTS + componentsDts],
    [
      "api.js",
      api.JS.replace(
        'import { anyApi } from "convex/server";',
        'import { anyApi, componentsGeneric } from "convex/server";',
      ) + "\nexport const components = componentsGeneric();\n",
    ],
  ].map(([filename, source]) => [
    path.join(appDir, "_generated", filename),
    () => prettier(source, filename) ?? source,
  ]);
}

const exampleOutputs = [
  ...appOutputs(exampleDir, {
    migrations: "@convex-dev/migrations/_generated/component.js",
    rules: "convex-rules/_generated/component.js",
  }),
  // The README's quick start, also installed from the packed tarball by scripts/consumer.mjs.
  ...appOutputs(path.join(root, "quickstart", "convex"), { rules: "convex-rules/_generated/component.js" }),
];

let stale = false;
for (const [target, render] of [
  ...outputs.map(([filename, r]) => [path.join(generatedDir, filename), r]),
  ...exampleOutputs,
]) {
  const file = target;
  const formatted = render();
  const current = existsSync(file) ? readFileSync(file, "utf8") : null;
  const relative = path.relative(root, file);
  if (current === formatted) {
    console.log(`codegen: ${relative} is up to date`);
  } else if (check) {
    stale = true;
    console.error(`codegen: ${relative} is out of date; run \`npm run codegen\``);
  } else {
    writeFileSync(file, formatted);
    console.log(`codegen: wrote ${relative}`);
  }
}
const count = (node) =>
  Object.values(node).reduce(
    (sum, child) => sum + (child.type === "leaf" ? 1 : count(child.branch)),
    0,
  );
console.log(`codegen: ${modules.length} modules, ${count(tree)} public functions in ComponentApi`);
if (stale) process.exit(1);
