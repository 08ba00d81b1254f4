/**
 * The engines compared, each prepared once from the same rules and then run
 * over events. A pass evaluates every rule against every given event and
 * returns how many (rule, event) pairs matched, so no work can be skipped.
 */
import jsonLogic, { type RulesLogic } from "json-logic-js";
import { Engine } from "json-rules-engine";
import { convexToJson, type Value } from "convex/values";
import { compileCandidate, evaluateCandidate, EXPLANATION_MAX_BYTES } from "../../src/core/candidate.js";
import { flattenConditions } from "../../src/core/conditions.js";
import { compileConditions, type CompiledConditions } from "../../src/core/evaluate.js";
import { flattenExplanation } from "../../src/core/explanation.js";
import { sanitizeForStorage } from "../../src/core/sanitize.js";
import { STARTS_WITH, toJsonLogic, toJsonRulesEngine } from "./translate.js";
import type { BenchEvent, BenchRule } from "./workload.js";

type RunnerInfo = {
  id: string;
  label: string;
  /** What one rule-evaluation is, in this engine's terms. */
  timed: string;
};
export type SyncRunner = RunnerInfo & {
  async: false;
  /** Too slow for whole passes over all events: timed on a window of them. */
  slow: boolean;
  pass: (events: readonly BenchEvent[]) => number;
  /** For the agreement check: which rules (by index) match `event`. */
  matches: (event: BenchEvent) => boolean[];
};
export type AsyncRunner = RunnerInfo & {
  async: true;
  pass: (events: readonly BenchEvent[]) => Promise<number>;
  matches: (event: BenchEvent) => Promise<boolean[]>;
};
export type Runner = SyncRunner | AsyncRunner;

export type Prepared<R extends Runner = Runner> = { runner: R; setupMs: number };

function timedSetup<T>(build: () => T): [T, number] {
  const started = performance.now();
  const value = build();
  return [value, performance.now() - started];
}

/** A pass over events with one function per (rule, event): how many matched. */
function passOf<C>(compiled: readonly C[], one: (c: C, event: BenchEvent) => boolean) {
  return (events: readonly BenchEvent[]): number => {
    let matched = 0;
    for (let e = 0; e < events.length; e++) {
      const event = events[e];
      for (let r = 0; r < compiled.length; r++) if (one(compiled[r], event)) matched++;
    }
    return matched;
  };
}

/** Our evaluator; `explain` as `engine.execute` would pass it. */
export function ours(
  rules: readonly BenchRule[],
  variant: "off" | "tree" | "stored",
  now: number,
): Prepared<SyncRunner> {
  const [compiled, setupMs] = timedSetup(() => rules.map((r) => compileConditions(r.conditions)));
  const ctx = { now, explain: variant !== "off" };
  const one = (c: CompiledConditions, event: BenchEvent): boolean => c.evaluate(event, ctx).met;
  const labels = {
    off: ["ours (explanation off)", "`compiled.evaluate(event, { now, explain: false })`"],
    tree: ["ours (explanation on)", "`compiled.evaluate(event, { now, explain: true })`: the explanation tree"],
  } as const;
  if (variant === "stored") return previousDispatchPath(rules, now);
  return {
    setupMs,
    runner: {
      id: `ours-${variant}`,
      label: labels[variant][0],
      timed: labels[variant][1],
      async: false,
      slow: false,
      pass: passOf(compiled, one),
      matches: (event) => compiled.map((c) => one(c, event)),
    },
  };
}

/**
 * The per-candidate work `execute` did before `evaluateCandidate`: the
 * compiled-cache key (`JSON.stringify(convexToJson(route.conditions))`)
 * looked up, the explanation tree, `flattenExplanation`, then
 * `sanitizeForStorage` of the whole (64 KiB cap).
 */
function previousDispatchPath(rules: readonly BenchRule[], now: number): Prepared<SyncRunner> {
  const [routes, setupMs] = timedSetup(() => {
    const cache = new Map<string, CompiledConditions>();
    return rules.map((r) => {
      const conditions = flattenConditions(r.conditions);
      cache.set(JSON.stringify(convexToJson(conditions as Value)), compileConditions(r.conditions));
      return { conditions, cache };
    });
  });
  const ctx = { now, explain: true };
  const one = (route: (typeof routes)[number], event: BenchEvent): boolean => {
    const compiled = route.cache.get(JSON.stringify(convexToJson(route.conditions as Value)))!;
    const result = compiled.evaluate(event, ctx);
    sanitizeForStorage(flattenExplanation(result.explanation ?? []), {
      maxBytes: EXPLANATION_MAX_BYTES,
      depthOffset: 1,
    });
    return result.met;
  };
  return {
    setupMs,
    runner: {
      id: "ours-stored",
      label: "ours, previous per-candidate path",
      timed:
        "cache key `JSON.stringify(convexToJson(route.conditions))` looked up, `compiled.evaluate(event, { now, explain: true })`, " +
        "`flattenExplanation`, `sanitizeForStorage` (64 KiB cap): what `execute` did per candidate before `evaluateCandidate`",
      async: false,
      slow: true,
      pass: passOf(routes, one),
      matches: (event) => routes.map((route) => one(route, event)),
    },
  };
}

/**
 * The whole per-candidate work of dispatch: `evaluateCandidate` on the
 * rule's compiled stored conditions (compiled once, as `execute` caches
 * them by route id), the stored explanation included.
 */
export function candidateRunner(rules: readonly BenchRule[], now: number): Prepared<SyncRunner> {
  const [compiled, setupMs] = timedSetup(() => rules.map((r) => compileCandidate(flattenConditions(r.conditions))));
  const options = { now };
  const one = (c: (typeof compiled)[number], event: BenchEvent): boolean => evaluateCandidate(c, event, options).met;
  return {
    setupMs,
    runner: {
      id: "ours-candidate",
      label: "ours per candidate (`evaluateCandidate`)",
      timed:
        "`evaluateCandidate(compiled, event, { now })`: evaluation, flat explanation and its stored form (64 KiB cap), what `execute` stores",
      async: false,
      slow: false,
      pass: passOf(compiled, one),
      matches: (event) => compiled.map((c) => one(c, event)),
    },
  };
}

export function jsonLogicRunner(rules: readonly BenchRule[]): Prepared<SyncRunner> {
  const [logic, setupMs] = timedSetup((): RulesLogic[] => rules.map((r) => toJsonLogic(r.conditions)));
  const one = (rule: RulesLogic, event: BenchEvent) =>
    jsonLogic.truthy(jsonLogic.apply(rule, event as unknown as Record<string, unknown>));
  return {
    setupMs,
    runner: {
      id: "json-logic",
      label: "json-logic-js 2.0.5",
      timed: "`jsonLogic.truthy(jsonLogic.apply(rule, event))` (no compile step exists)",
      async: false,
      slow: false,
      pass: (events) => {
        let matched = 0;
        for (let e = 0; e < events.length; e++) {
          const event = events[e];
          const data = event as unknown as Record<string, unknown>;
          for (let r = 0; r < logic.length; r++) if (jsonLogic.truthy(jsonLogic.apply(logic[r], data))) matched++;
        }
        return matched;
      },
      matches: (event) => logic.map((rule) => one(rule, event)),
    },
  };
}

/**
 * One json-rules-engine Engine holding all the rules, run once per event:
 * `engine.run(event)` makes each top-level field of the event a fact and
 * evaluates every rule; a rule matched when it is among `results`.
 */
export function jsonRulesEngineRunner(rules: readonly BenchRule[]): Prepared<AsyncRunner> {
  const [engine, setupMs] = timedSetup(() => {
    const built = new Engine([], { allowUndefinedFacts: true });
    built.addOperator(STARTS_WITH.name, STARTS_WITH.evaluate);
    rules.forEach((rule, index) =>
      built.addRule({
        name: rule.id,
        conditions: toJsonRulesEngine(rule.conditions),
        event: { type: "matched", params: { index } },
      }),
    );
    return built;
  });
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const run = (event: BenchEvent) => engine.run(event as unknown as Record<string, unknown>);
  return {
    setupMs,
    runner: {
      id: "json-rules-engine",
      label: "json-rules-engine 7.3.1",
      timed:
        "`await engine.run(event)`, one Engine holding all 1,000 rules, per event (rule-evaluations = events x 1,000)",
      async: true,
      pass: async (events) => {
        let matched = 0;
        for (const event of events) matched += (await run(event)).results.length;
        return matched;
      },
      matches: async (event) => {
        const out = rules.map(() => false);
        for (const result of (await run(event)).results) {
          const i = index.get(String(result.name));
          if (i === undefined) throw new Error(`json-rules-engine reported an unknown rule ${String(result.name)}`);
          out[i] = true;
        }
        return out;
      },
    },
  };
}
