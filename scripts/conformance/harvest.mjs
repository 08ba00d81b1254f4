// Harvests candidate conformance cases from a checkout of aws/event-ruler:
// every JSON object written as a string literal in one test method (or one
// README code block, or one test data file), paired rule x event within it.
// Prints JSON lines {source, rule, event?} for oracle.sh to answer.
//
// Usage: node scripts/conformance/harvest.mjs <event-ruler work tree> > candidates.jsonl
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";

const root = process.argv[2];
const MAX_PAIRS_PER_SOURCE = 80;
const out = [];
const seen = new Set();

function emit(source, rule, event) {
  const key = JSON.stringify([rule, event]);
  if (seen.has(key)) return;
  seen.add(key);
  out.push(event === undefined ? { source, rule } : { source, rule, event });
}

/** Java string literal contents, with its escapes decoded. */
function unescapeJava(body) {
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e) => {
    if (e[0] === "u") return String.fromCharCode(parseInt(e.slice(1), 16));
    return { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", 0: "\0" }[e] ?? e;
  });
}

/** The values of Java string expressions ("a" + "b" ...) and text blocks. */
function javaStrings(code) {
  const strings = [];
  const re = /"""\n([\s\S]*?)"""|"((?:[^"\\\n]|\\.)*)"((?:\s*\+\s*"(?:[^"\\\n]|\\.)*")*)/g;
  for (const m of code.matchAll(re)) {
    if (m[1] !== undefined) {
      strings.push(m[1]);
      continue;
    }
    let text = unescapeJava(m[2]);
    for (const part of (m[3] ?? "").matchAll(/"((?:[^"\\\n]|\\.)*)"/g))
      text += unescapeJava(part[1]);
    strings.push(text);
  }
  return strings;
}

function parseObject(text) {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(trimmed);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Whether every leaf of `value` is an array or nested object: shaped like a rule. */
function ruleShaped(value) {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.every((k) => Array.isArray(value[k]) || ruleShaped(value[k]));
}

function pairUp(source, objects) {
  const rules = objects.filter(ruleShaped);
  const events = objects.filter((o) => !ruleShaped(o));
  let pairs = 0;
  for (const rule of rules) {
    emit(source, rule);
    for (const event of events) {
      if (pairs++ >= MAX_PAIRS_PER_SOURCE) return;
      emit(source, rule, event);
    }
  }
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [join(dir, d.name)],
  );
}

// Java tests: one source per test method.
for (const file of walk(join(root, "src/test")).filter((f) => f.endsWith("Test.java"))) {
  const code = readFileSync(file, "utf8");
  const path = relative(root, file);
  const methods = [
    ...code.matchAll(
      /(?:public|private|protected)?\s*(?:static\s+)?void\s+(\w+)\s*\([^)]*\)[^{]*\{/g,
    ),
  ];
  for (let i = 0; i < methods.length; i++) {
    const body = code.slice(methods[i].index, methods[i + 1]?.index ?? code.length);
    const objects = javaStrings(body).map(parseObject).filter(Boolean);
    if (objects.length > 0) pairUp(`${path}#${methods[i][1]}`, objects);
  }
}

// README: rules and events of each section are paired within the section.
const readme = readFileSync(join(root, "README.md"), "utf8");
let section = "README.md";
let sectionObjects = [];
const flush = () => {
  if (sectionObjects.length) pairUp(section, sectionObjects);
  sectionObjects = [];
};
const lines = readme.split("\n");
for (let i = 0; i < lines.length; i++) {
  const heading = /^#+\s+(.*)/.exec(lines[i]);
  if (heading) {
    flush();
    section = `README.md#${heading[1].trim()}`;
    continue;
  }
  if (lines[i].startsWith("```")) {
    const block = [];
    for (i++; i < lines.length && !lines[i].startsWith("```"); i++) block.push(lines[i]);
    const object = parseObject(block.join("\n"));
    if (object) sectionObjects.push(object);
  }
}
flush();

// Test data files: the array rules against the array events.
const data = join(root, "src/test/data");
const read = (name) => JSON.parse(readFileSync(join(data, name), "utf8"));
const arrayRules = [1, 2, 3, 4].map((n) => read(`arrayRule${n}.json`));
const arrayEvents = [1, 2, 3, 4].map((n) => read(`arrayEvent${n}.json`));
arrayRules.forEach((rule, r) =>
  arrayEvents.forEach((event, e) =>
    emit(`src/test/data/arrayRule${r + 1}.json x arrayEvent${e + 1}.json`, rule, event),
  ),
);
for (const name of [
  "orRelationshipRules.json",
  "wrongOrRelationshipRules.json",
  "normalRulesWithOrWording.json",
]) {
  read(name).forEach((rule, i) => emit(`src/test/data/${name}[${i}]`, rule));
}

// CIDRTest lists bare CIDRs and addresses: each CIDR becomes a rule on field
// "a" (the field its tests use), each address an event and an exact-value rule.
{
  const path = "src/test/software/amazon/event/ruler/CIDRTest.java";
  const code = readFileSync(join(root, path), "utf8");
  const methods = [...code.matchAll(/void\s+(\w+)\s*\(/g)];
  const addresses = new Set();
  const cidrs = [];
  for (let i = 0; i < methods.length; i++) {
    const body = code.slice(methods[i].index, methods[i + 1]?.index ?? code.length);
    for (const list of body.matchAll(/String\[\]\s+(\w+)\s*=\s*\{([\s\S]*?)\};/g)) {
      if (list[1] === "wanted" || list[1].startsWith("wanted")) continue;
      for (const text of javaStrings(list[2])) {
        if (text.includes("/")) cidrs.push({ text, source: `${path}#${methods[i][1]}` });
        else addresses.add(text);
      }
    }
  }
  const family = (text) => (text.includes(":") ? 6 : 4);
  const list = [...addresses];
  for (const { text, source } of cidrs) {
    emit(source, { a: [{ cidr: text }] });
    if (source.endsWith("#SpotMalformedCIDRs")) continue;
    for (const address of list) {
      if (family(address) === family(text)) emit(source, { a: [{ cidr: text }] }, { a: address });
    }
  }
  // An exact address against itself and its neighbours in the lists.
  list.forEach((address, i) => {
    for (const other of list.slice(i, i + 3))
      emit(`${path}#exact-address`, { a: [address] }, { a: other });
  });
}

for (const item of out) process.stdout.write(`${JSON.stringify(item)}\n`);
