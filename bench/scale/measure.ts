/**
 * Measuring a whole dispatch, first transaction and continuations alike.
 *
 * - The first transaction is `execute`'s handler run inside `t.run`, so its
 *   transaction metrics (and the share of Convex's limits they are) can be
 *   read at its end.
 * - Continuations (`dispatch/engine.continueDispatch`) run as convex-test schedules
 *   them; the instance's `engine` module is wrapped so that each records its
 *   own transaction's metrics when it ends. The engine itself is unchanged.
 */
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import { vi } from "vitest";
import type { api } from "../../src/component/_generated/api.js";
import type { Id } from "../../src/component/_generated/dataModel.js";
import type { MutationCtx } from "../../src/component/_generated/server.js";
import { execute } from "../../src/component/dispatch/engine.js";
import { sameValue } from "../../src/core/sameValue.js";
import {
  largestShare,
  metricsDiff,
  metricsNow,
  moduleKey,
  type ComponentTest,
  type Metrics,
  type Modules,
  type Share,
} from "../lib/convex.js";

export type ExecuteArgs = FunctionArgs<typeof api.dispatch.engine.execute>;
type ExecuteResults = FunctionReturnType<typeof api.dispatch.engine.execute>;
type Handler = (ctx: MutationCtx, args: never) => Promise<unknown>;

const executeHandler = (execute as unknown as { _handler: (ctx: MutationCtx, args: ExecuteArgs) => Promise<ExecuteResults> })
  ._handler;

/** One transaction of a dispatch: its metrics and largest share, or why it failed. */
export type Transaction = { metrics: Metrics; share: Share } | { error: string };

/** What the wrapped continuations of one instance recorded, in the order they ran. */
export type Observed = { continuations: Transaction[] };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps `dispatch/engine.continueDispatch` of an instance's modules to record each run into `observed`. */
export function observeContinuations(observed: Observed): (modules: Modules) => Modules {
  return (modules) => {
    const key = moduleKey("dispatch/engine");
    const load = modules[key];
    return {
      ...modules,
      [key]: async () => {
        const engine = await load();
        const original = engine.continueDispatch as { _handler: Handler };
        const _handler: Handler = async (ctx, args) => {
          try {
            const result = await original._handler(ctx, args);
            observed.continuations.push({ metrics: await metricsNow(ctx), share: await largestShare(ctx) });
            return result;
          } catch (error) {
            observed.continuations.push({ error: message(error) });
            throw error;
          }
        };
        return { ...engine, continueDispatch: { ...original, _handler } };
      },
    };
  };
}

export type Dispatch = {
  /** What `execute` returned: the first batch's executions. */
  results: ExecuteResults;
  first: { metrics: Metrics; share: Share };
  continuations: Transaction[];
  /** Summed over every transaction of the dispatch. */
  total: Metrics;
  /** The stored event (`ruleEvents`). */
  eventRef: Id<"ruleEvents">;
};

const ZERO: Metrics = { documentsRead: 0, bytesRead: 0, documentsWritten: 0, bytesWritten: 0, databaseQueries: 0 };

function sum(a: Metrics, b: Metrics): Metrics {
  return {
    documentsRead: a.documentsRead + b.documentsRead,
    bytesRead: a.bytesRead + b.bytesRead,
    documentsWritten: a.documentsWritten + b.documentsWritten,
    bytesWritten: a.bytesWritten + b.bytesWritten,
    databaseQueries: a.databaseQueries + b.databaseQueries,
  };
}

/**
 * Dispatches one event: the first transaction, then (with `finish`) every
 * continuation it schedules, until none is left. Without `finish`, scheduled
 * functions stay held and only the first transaction runs. Returns the
 * error's message when the first transaction fails (nothing is recorded).
 */
export async function dispatch(
  t: ComponentTest,
  observed: Observed,
  args: ExecuteArgs,
  finish: boolean,
): Promise<Dispatch | { error: string }> {
  const seen = observed.continuations.length;
  let first;
  try {
    first = await t.run(async (ctx) => {
      const before = await metricsNow(ctx);
      const results = await executeHandler(ctx, args);
      return { results, metrics: metricsDiff(await metricsNow(ctx), before), share: await largestShare(ctx) };
    });
  } catch (error) {
    return { error: message(error) };
  }
  if (finish) await t.finishAllScheduledFunctions(vi.runAllTimers);
  const continuations = observed.continuations.slice(seen);
  if (first.results.length === 0) throw new Error("benchmark event matched no rule");
  const eventRef = await t.run(async (ctx) => {
    const execution = await ctx.db.get("ruleExecutions", first.results[0].executionId as Id<"ruleExecutions">);
    if (!execution?.eventRef) throw new Error("execution without a stored event");
    return execution.eventRef;
  });
  return {
    results: first.results,
    first: { metrics: first.metrics, share: first.share },
    continuations,
    total: continuations.reduce((acc, c) => ("error" in c ? acc : sum(acc, c.metrics)), sum(ZERO, first.metrics)),
    eventRef,
  };
}

/** Continuations convex-test ran or holds, by state (a cross-check of the wrapper's count). */
export async function continuationStates(t: ComponentTest): Promise<Record<string, number>> {
  return await t.run(async (ctx) => {
    const jobs = await ctx.db.system.query("_scheduled_functions").collect();
    const states: Record<string, number> = {};
    for (const job of jobs) {
      if (job.name !== "dispatch/engine:continueDispatch") continue;
      states[job.state.kind] = (states[job.state.kind] ?? 0) + 1;
    }
    return states;
  });
}

export type ExecutionRow = { ruleId: string; status: string; error?: string };

/** Every execution recorded against a stored event, in insertion order, read in pages. */
export async function executionsOf(t: ComponentTest, eventRef: Id<"ruleEvents">): Promise<ExecutionRow[]> {
  const rows: ExecutionRow[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { rows: ExecutionRow[]; isDone: boolean; next: string } = await t.run(async (ctx) => {
      const result = await ctx.db
        .query("ruleExecutions")
        .withIndex("by_event_ref", (q) => q.eq("eventRef", eventRef))
        .paginate({ numItems: 2_000, cursor });
      return {
        rows: result.page.map((e) => ({ ruleId: e.ruleId, status: e.status, ...(e.error === undefined ? {} : { error: e.error }) })),
        isDone: result.isDone,
        next: result.continueCursor,
      };
    });
    rows.push(...page.rows);
    if (page.isDone) return rows;
    cursor = page.next;
  }
}

/** Whether the stored event is the one sent, whole (never a truncation marker). */
export async function storedWhole(t: ComponentTest, eventRef: Id<"ruleEvents">, event: unknown): Promise<boolean> {
  return await t.run(async (ctx) => {
    const stored = await ctx.db.get("ruleEvents", eventRef);
    return stored !== null && stored.sanitized === undefined && sameValue(stored.data, event);
  });
}
