/**
 * Section "Condition evaluation throughput": the same 1,000
 * rules and 200 events in our evaluator, json-rules-engine and
 * json-logic-js. First every (rule, event) pair must get the same answer
 * from all three; then each is timed (wall clock: pure CPU work, no
 * database), interleaved, several repetitions, median reported.
 */
import { expect } from "vitest";
import { fmt, type Section, type Table } from "../lib/report.js";
import { candidateRunner, jsonLogicRunner, jsonRulesEngineRunner, ours, type Prepared, type Runner } from "./engines.js";
import { regexLeavesTable } from "./regexLeaves.js";
import { EVENTS, RULES, SEED, generateEvents, generateRules, shapeOf } from "./workload.js";

export const TARGET_VS_JSON_RULES_ENGINE = 100;
/** The bare evaluator (explanation off). */
export const TARGET_VS_JSON_LOGIC = 2;
/** The whole per-candidate work of dispatch, stored explanation included. */
export const TARGET_CANDIDATE_VS_JSON_LOGIC = 1;
/** Events the pass of a synchronous engine is first timed on, to size its repetitions. */
const PROBE_EVENTS = 5;

type Mode = {
  repetitions: number;
  /**
   * A synchronous engine's repetition repeats the pass over all events until
   * it lasts this long; an engine slower than that is timed on a prefix of
   * the events that takes about this long.
   */
  minRepetitionMs: number;
  /**
   * Events json-rules-engine is timed on per repetition (its pass over all
   * events takes seconds): a window that moves on by as many events each
   * repetition, wrapping around, so the repetitions cover every event.
   */
  jsonRulesEngineEvents: number;
  /** Events of the agreement check (every rule on each). */
  agreementEvents: number;
};
const FULL: Mode = { repetitions: 5, minRepetitionMs: 400, jsonRulesEngineEvents: 50, agreementEvents: EVENTS };
const QUICK: Mode = { repetitions: 3, minRepetitionMs: 100, jsonRulesEngineEvents: 20, agreementEvents: 50 };

type Measured = {
  prepared: Prepared;
  /** Rule-evaluations per second, one per repetition. */
  rates: number[];
  events: number;
  passes: number;
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (n: number) => Math.round(n);
const times = (n: number) => `${n >= 100 ? n.toFixed(0) : n.toFixed(1)}x`;
const ns = (rate: number) => Math.round(1e9 / rate);

export async function evaluationSection(quick: boolean, log: (line: string) => void): Promise<Section> {
  const mode = quick ? QUICK : FULL;
  const started = performance.now();
  const rules = generateRules();
  const events = generateEvents();
  const shape = shapeOf(rules);
  const now = Date.now();

  const prepared = {
    off: ours(rules, "off", now),
    tree: ours(rules, "tree", now),
    stored: ours(rules, "stored", now),
    candidate: candidateRunner(rules, now),
    logic: jsonLogicRunner(rules),
    jre: jsonRulesEngineRunner(rules),
  };

  // Agreement: every (rule, event) pair, every engine (and every variant of ours).
  const agreeEvents = events.slice(0, mode.agreementEvents);
  const pairs = RULES * agreeEvents.length;
  log(`evaluation: checking that all engines agree on ${fmt(pairs)} (rule, event) pairs...`);
  const agreeStarted = performance.now();
  const reference: boolean[][] = events.map((event) => prepared.off.runner.matches(event));
  const matchedPerEvent = reference.map((row) => row.filter(Boolean).length);
  const totalMatched = matchedPerEvent.slice(0, agreeEvents.length).reduce((a, b) => a + b, 0);
  const agreement: Array<{ runner: Runner; matched: number; disagreements: string[] }> = [];
  // The previous stored path's answer is the explanation-on answer (one evaluate call).
  for (const { runner } of [prepared.off, prepared.tree, prepared.candidate, prepared.logic, prepared.jre]) {
    const disagreements: string[] = [];
    let matched = 0;
    for (let e = 0; e < agreeEvents.length; e++) {
      const row = await runner.matches(agreeEvents[e]);
      for (let r = 0; r < rules.length; r++) {
        if (row[r]) matched++;
        if (row[r] !== reference[e][r]) {
          disagreements.push(`${rules[r].id} on event ${e}: ours ${reference[e][r]}, ${runner.label} ${row[r]}`);
        }
      }
    }
    agreement.push({ runner, matched, disagreements });
  }
  const agreeSeconds = (performance.now() - agreeStarted) / 1000;
  const disagreeing = agreement.filter((a) => a.disagreements.length > 0);
  expect(
    disagreeing.map((a) => `${a.runner.label}: ${a.disagreements.length} disagreements, e.g. ${a.disagreements.slice(0, 3).join("; ")}`),
    "all engines must agree on every (rule, event) pair",
  ).toEqual([]);
  log(`  agreed in ${agreeSeconds.toFixed(1)} s: ${fmt(totalMatched)} matching pairs in every engine`);

  // Timing. The agreement check ran most engines over all events (warm-up);
  // each synchronous engine gets 3 more passes while its repetition is sized.
  const timedStarted = performance.now();
  const measured: Measured[] = [];
  for (const p of Object.values(prepared)) {
    const runner = p.runner;
    if (runner.async) {
      measured.push({ prepared: p, rates: [], events: mode.jsonRulesEngineEvents, passes: 1 });
      continue;
    }
    const probe = events.slice(0, PROBE_EVENTS);
    let probeMs = Infinity;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      runner.pass(probe);
      probeMs = Math.min(probeMs, performance.now() - t0);
    }
    const passMs = (probeMs * EVENTS) / PROBE_EVENTS;
    if (runner.slow) {
      // The stored explanation: one pass over a window of the events.
      const count = Math.min(EVENTS, Math.max(PROBE_EVENTS, Math.ceil((mode.minRepetitionMs * PROBE_EVENTS) / probeMs)));
      measured.push({ prepared: p, rates: [], events: count, passes: 1 });
    } else {
      measured.push({ prepared: p, rates: [], events: EVENTS, passes: Math.ceil(mode.minRepetitionMs / passMs) });
    }
  }
  for (let rep = 0; rep < mode.repetitions; rep++) {
    // Interleaved, the order rotating, so that drift hits every engine alike.
    for (let k = 0; k < measured.length; k++) {
      const m = measured[(k + rep) % measured.length];
      const from = (rep * m.events) % EVENTS;
      const window = Array.from({ length: m.events }, (_, i) => (from + i) % EVENTS);
      const subset = window.map((i) => events[i]);
      const expected = window.reduce((sum, i) => sum + matchedPerEvent[i], 0) * m.passes;
      let matched = 0;
      const t0 = performance.now();
      const runner = m.prepared.runner;
      for (let pass = 0; pass < m.passes; pass++) {
        matched += runner.async ? await runner.pass(subset) : runner.pass(subset);
      }
      const ms = performance.now() - t0;
      expect(matched, `${m.prepared.runner.label}: matches while timed (as many as ours)`).toBe(expected);
      m.rates.push((m.passes * m.events * RULES) / (ms / 1000));
    }
    log(`  repetition ${rep + 1}/${mode.repetitions}: ${measured.map((m) => `${m.prepared.runner.id} ${fmt(round(m.rates[rep]))}/s`).join(", ")}`);
  }
  const timedSeconds = (performance.now() - timedStarted) / 1000;

  const by = (id: string) => measured.find((m) => m.prepared.runner.id === id)!;
  const rate = (id: string) => median(by(id).rates);
  const ourRate = rate("ours-off");
  const vsJre = ourRate / rate("json-rules-engine");
  const vsLogic = ourRate / rate("json-logic");
  const passJre = vsJre >= TARGET_VS_JSON_RULES_ENGINE;
  const passLogic = vsLogic >= TARGET_VS_JSON_LOGIC;
  const candidateVsLogic = rate("ours-candidate") / rate("json-logic");
  const passCandidate = candidateVsLogic >= TARGET_CANDIDATE_VS_JSON_LOGIC;
  log(`  per candidate (evaluateCandidate) ${times(candidateVsLogic)} json-logic-js (target ${TARGET_CANDIDATE_VS_JSON_LOGIC}x: ${passCandidate ? "PASS" : "FAIL"})`);
  log(`  ours ${times(vsJre)} json-rules-engine (target ${TARGET_VS_JSON_RULES_ENGINE}x: ${passJre ? "PASS" : "FAIL"}), ${times(vsLogic)} json-logic-js (target ${TARGET_VS_JSON_LOGIC}x: ${passLogic ? "PASS" : "FAIL"})`);

  const throughput: Table = {
    caption: "Rule-evaluations per second (median of the repetitions; range = slowest and fastest repetition).",
    columns: ["engine", "rule-evaluations / s", "range / s", "ns per rule-evaluation", "ours (explanation off) is", "target", "pass"],
    align: ["l", "r", "r", "r", "r", "l", "l"],
    rows: ["ours-off", "json-logic", "json-rules-engine"].map((id) => {
      const m = by(id);
      const r = median(m.rates);
      const target =
        id === "json-logic" ? `>= ${TARGET_VS_JSON_LOGIC}x` : id === "json-rules-engine" ? `>= ${TARGET_VS_JSON_RULES_ENGINE}x` : "";
      const pass = id === "json-logic" ? passLogic : id === "json-rules-engine" ? passJre : undefined;
      return [
        m.prepared.runner.label,
        round(r),
        `${fmt(round(Math.min(...m.rates)))} - ${fmt(round(Math.max(...m.rates)))}`,
        ns(r),
        id === "ours-off" ? "" : `${times(ourRate / r)} faster`,
        target,
        pass === undefined ? "" : pass ? "PASS" : "FAIL",
      ];
    }),
  };
  const explanation: Table = {
    caption: "Our cost of producing the stored explanation (`engine.execute` always stores one).",
    columns: ["ours", "rule-evaluations / s", "ns per rule-evaluation", "cost vs explanation off"],
    align: ["l", "r", "r", "r"],
    rows: ["ours-off", "ours-tree", "ours-candidate", "ours-stored"].map((id) => {
      const r = rate(id);
      return [by(id).prepared.runner.label, round(r), ns(r), id === "ours-off" ? "1.0x" : `${(ourRate / r).toFixed(1)}x`];
    }),
  };
  const logicRate = rate("json-logic");
  const perCandidate: Table = {
    caption:
      "The per-candidate path of dispatch against json-logic-js on the same rules and events (rate / json-logic-js rate; json-logic-js builds no explanation).",
    columns: ["ours", "rule-evaluations / s", "json-logic-js / s", "ratio", "target", "pass"],
    align: ["l", "r", "r", "r", "l", "l"],
    rows: [
      ["ours-off", TARGET_VS_JSON_LOGIC],
      ["ours-candidate", TARGET_CANDIDATE_VS_JSON_LOGIC],
      ["ours-stored", undefined],
    ].map(([id, target]) => {
      const r = rate(id as string);
      return [
        by(id as string).prepared.runner.label,
        round(r),
        round(logicRate),
        times(r / logicRate),
        target === undefined ? "(before)" : `>= ${target as number}x`,
        target === undefined ? "" : r / logicRate >= (target as number) ? "PASS" : "FAIL",
      ];
    }),
  };
  const method: Table = {
    caption: "What one rule-evaluation is, per engine, and the one-time preparation of the 1,000 rules (not timed above).",
    columns: ["engine", "timed", "preparation (once)", "events per repetition", "passes per repetition"],
    align: ["l", "l", "r", "r", "r"],
    rows: measured.map((m) => [
      m.prepared.runner.label,
      m.prepared.runner.timed,
      `${m.prepared.setupMs.toFixed(1)} ms`,
      m.events,
      m.passes,
    ]),
  };

  const regexStarted = performance.now();
  const regexLeaves = regexLeavesTable(quick);
  const regexSeconds = (performance.now() - regexStarted) / 1000;
  log(`  regex leaves timed in ${regexSeconds.toFixed(1)} s`);

  const leaves = Object.entries(shape.leaves)
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op} ${fmt(n)}`)
    .join(", ");
  const groups = Object.entries(shape.groups)
    .map(([type, n]) => `${type} ${fmt(n)}`)
    .join(", ");
  const totalSeconds = (performance.now() - started) / 1000;
  return {
    id: "evaluation",
    title: "Condition evaluation throughput",
    intro: [
      `The same ${fmt(RULES)} rules and ${fmt(EVENTS)} events (generated from seed 0x${SEED.toString(16)}; bench/evaluation/workload.ts) in each engine's own format. ` +
        `Rules are nested all/any/not trees of field comparisons: ${fmt(shape.nodes)} nodes, groups ${groups}; leaves ${leaves} ` +
        `(equality, \`in\`, numeric comparison, string prefix, array membership), up to ${shape.maxDepth} levels deep. ` +
        `Events are webhook-like objects with top-level and nested fields (\`user.role\`, \`value.label.text\`), every field present with one type.`,
      "Translations (bench/evaluation/translate.ts): json-rules-engine gets `all`/`any`/`not` with `equal`, `in`, `greaterThan(Inclusive)`, " +
        "`lessThan(Inclusive)`, `contains`; a nested field is its top-level fact plus a JSONPath (`{ fact: \"user\", path: \"$.role\" }`), " +
        "the engine's default path resolver; **json-rules-engine has no string-prefix operator, so the benchmark adds a custom operator " +
        "`startsWith`** (`engine.addOperator`). json-logic-js gets `and`/`or`/`!` with `===`, `in`, `>`, `>=`, `<`, `<=`; a prefix is its " +
        "built-in `substr` compared with `===`, array membership `in` with the array second.",
      `Agreement first: for ${agreeEvents.length === EVENTS ? "all " : ""}${fmt(pairs)} (rule, event) pairs` +
        `${agreeEvents.length === EVENTS ? "" : ` (quick mode: the first ${agreeEvents.length} events; the full run checks all ${fmt(RULES * EVENTS)})`}, ` +
        "json-rules-engine, json-logic-js and our evaluator " +
        "(explanation off and on) must give the same answer; one disagreement fails the benchmark.",
      `How it is timed: wall clock (\`performance.now()\`), in one process, after warm-up (the agreement pass, then 3 more passes of each synchronous engine over ${PROBE_EVENTS} events). ` +
        `${mode.repetitions} repetitions, the engines interleaved in a rotating order; a repetition of a synchronous engine repeats the pass over all ${fmt(EVENTS)} events ` +
        `until it lasts at least ${mode.minRepetitionMs} ms (the slow previous per-candidate path: one pass over as many consecutive events as take about that long). ` +
        `json-rules-engine is asynchronous: one \`Engine\` holding all ${fmt(RULES)} rules, \`await engine.run(event)\` per event, one event after the other ` +
        `(never concurrently), over ${mode.jsonRulesEngineEvents} consecutive events per repetition, the window moving on by ${mode.jsonRulesEngineEvents} events each repetition; ` +
        `ours evaluates the ${fmt(RULES)} compiled rules per event (compiled once, as \`execute\` keeps compiled conditions between events). ` +
        "Every repetition counts its matches and must find the agreed number. The machine is shared and noisy: compare ratios, not absolute figures.",
    ],
    tables: [throughput, perCandidate, explanation, method, regexLeaves],
    notes: [
      `Agreement: PASS. ${fmt(totalMatched)} of ${fmt(pairs)} pairs match (${((100 * totalMatched) / pairs).toFixed(1)}%), ` +
        `the same pairs in ${agreement.map((a) => a.runner.label).join(", ")}.`,
      `Targets: at least ${TARGET_VS_JSON_RULES_ENGINE}x json-rules-engine: ${passJre ? "PASS" : "FAIL"} (${times(vsJre)}); ` +
        `explanation off, at least ${TARGET_VS_JSON_LOGIC}x json-logic-js: ${passLogic ? "PASS" : "FAIL"} (${times(vsLogic)}); ` +
        `per candidate with the stored explanation, at least ${TARGET_CANDIDATE_VS_JSON_LOGIC}x json-logic-js: ${passCandidate ? "PASS" : "FAIL"} (${times(candidateVsLogic)}).`,
    ],
    timings: [
      `agreement check ${agreeSeconds.toFixed(1)} s`,
      `timing ${timedSeconds.toFixed(1)} s`,
      `regex leaves ${regexSeconds.toFixed(1)} s`,
      `whole section ${totalSeconds.toFixed(1)} s`,
    ],
  };
}
