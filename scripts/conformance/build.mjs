// Joins harvested candidates with event-ruler's answers into the conformance
// data file. Usage:
//   node scripts/conformance/build.mjs candidates.jsonl answers.jsonl deviations.json > src/core/conformance/cases.json
import { readFileSync } from "node:fs";
import process from "node:process";

const [candidatesFile, answersFile, deviationsFile] = process.argv.slice(2);
const lines = (file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const candidates = lines(candidatesFile);
const answers = lines(answersFile);
const deviations = deviationsFile ? JSON.parse(readFileSync(deviationsFile, "utf8")) : {};

const cases = [];
candidates.forEach((candidate, i) => {
  const answer = answers[i];
  if (answer.jsonError || answer.flatError) return;
  const item = { source: candidate.source, pattern: candidate.rule };
  if (answer.error !== undefined) {
    if (candidate.event !== undefined) return; // one refusal case per rule is enough
    item.valid = false;
    item.refusal = answer.error.replace(/\n at \[Source[\s\S]*$/, "");
  } else if (candidate.event === undefined) {
    item.valid = true;
  } else {
    item.event = candidate.event;
    item.matches = answer.json;
    if (answer.flat !== answer.json) item.flatModeMatches = answer.flat;
  }
  const key = JSON.stringify([item.pattern, item.event ?? null]);
  if (deviations[key]) item.deviation = deviations[key];
  cases.push(item);
});
const about = {
  sources:
    "aws/event-ruler at commit 337e8d99026d3f6687f783535f157be8bf4ebbb7 (v2.0.1): the JSON " +
    "objects of each test method (file#method), README section or test data file, paired rule x event",
  answers:
    "event-ruler's own answer, computed by running it: refused (JsonRuleCompiler.check or addRule " +
    "threw), accepted (rule only), or matches = rulesForJSONEvent (array-consistent); " +
    "flatModeMatches = rulesForEvent where it differs",
};
process.stdout.write(`${JSON.stringify({ about, cases }, null, 1)}\n`);
