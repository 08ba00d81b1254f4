/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import workpool from "@convex-dev/workpool/test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import schema from "./schema.js";

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

/** Fields a test execution needs besides the ones each test cares about. */
export const EXECUTION_DEFAULTS = {
  ruleName: "A rule",
  ruleVersion: 1,
  namespace: "",
  triggerType: "status_changed",
  actions: [] as never[],
  chain: [] as string[],
};
