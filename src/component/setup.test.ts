/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import workpool from "@convex-dev/workpool/test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import type { FunctionArgs, FunctionReturnType } from "convex/server";
import schema from "./schema.js";
import { api } from "./_generated/api.js";
import type { MutationCtx } from "./_generated/server.js";
import { execute } from "./dispatch/engine.js";
import type { RuleInput } from "../shared.js";

type TransactionMetric =
  | "bytesRead"
  | "bytesWritten"
  | "databaseQueries"
  | "documentsRead"
  | "documentsWritten"
  | "functionsScheduled"
  | "scheduledFunctionArgsBytes";

export const modules = import.meta.glob("./**/*.ts");

/**
 * A convex-test instance of the component alone, with Convex's limits on
 * (or tighter ones, to prove a transaction stays under a share of them).
 */
export function initConvexTest(transactionLimits: true | Partial<Record<TransactionMetric, number>> = true) {
  const t = convexTest({ schema, modules, transactionLimits });
  workpool.register(t, "workpool");
  rateLimiter.register(t, "rateLimiter");
  return t;
}

/** A rule with no conditions and no actions, with `overrides` on top. */
export function ruleInput(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    name: "A rule",
    integrationId: "monday",
    triggerType: "status_changed",
    triggerConfig: {},
    conditions: [],
    actions: [],
    ...overrides,
  };
}

/** Fields a test execution needs besides the ones each test cares about. */
export const EXECUTION_DEFAULTS = {
  ruleName: "A rule",
  ruleVersion: 1,
  namespace: "",
  triggerType: "status_changed",
  actions: [] as never[],
  chain: [] as string[],
};

/** The handler behind the registered `execute`, to run inside `t.run` and measure it. */
export const executeHandler = (
  execute as unknown as {
    _handler: (
      ctx: MutationCtx,
      args: FunctionArgs<typeof api.dispatch.engine.execute>,
    ) => Promise<FunctionReturnType<typeof api.dispatch.engine.execute>>;
  }
)._handler;
