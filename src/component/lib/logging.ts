/**
 * Structured logging: one JSON object per console line, with
 * `component: "rules"`, the level, an `event` name and the ids involved, so
 * that log-streaming tools (Axiom, Datadog, ...) can filter and group on
 * them. The threshold is the client's `logLevel` option ("DEBUG", "INFO",
 * "WARN", "ERROR"; default "WARN", so a busy deployment's logs show only
 * what needs attention), which travels with each execution
 * (`ruleExecutions.logLevel`); work that runs without a client call (the
 * retention cron) uses the level the client sent last (stored when it
 * changed).
 *
 * Events (level): `dispatch` (INFO, DEBUG when no rule matched; one per
 * `execute`: what was considered and how it ended), `dispatch.duplicate`
 * (INFO), `execution.finished` (INFO succeeded, WARN failed / rate_limited,
 * DEBUG skipped), `execution.loop_blocked` (WARN), `action.attempt_failed`
 * (WARN), `quota.exceeded` (WARN), `quota.wait` (INFO), `rule.auto_disabled`
 * (WARN), `cleanup.started`, `cleanup.batch`, `cleanup.finished`.
 *
 * Stored execution logs (`ruleExecutionLogs`) honour the client's
 * `logLevel` too, but without one they keep "INFO" lines: an execution's
 * history says what ran even when the console is quiet. `appendLog`
 * (logs.ts) drops lines below that threshold, so debug lines (an action's
 * filled-in config) are stored only under "DEBUG".
 */
import { query, type MutationCtx, type QueryCtx } from "../_generated/server.js";
import { LOG_LEVELS, vRulesLogLevel, type LogLevel, type RulesLogLevel } from "../../shared.js";

/** The console threshold when the client sets no `logLevel`. */
export const DEFAULT_LOG_LEVEL: RulesLogLevel = "WARN";
/** The threshold of stored execution logs when the client sets no `logLevel`. */
export const DEFAULT_STORED_LOG_LEVEL: RulesLogLevel = "INFO";

/** Whether a console message of `level` passes `threshold` (absent: "WARN"). */
export function shouldLog(level: RulesLogLevel, threshold: RulesLogLevel | undefined): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold ?? DEFAULT_LOG_LEVEL);
}

/** Whether an execution log line of `level` is stored under `threshold` (absent: "INFO"). */
export function shouldStore(level: LogLevel, threshold: RulesLogLevel | undefined): boolean {
  return LOG_LEVELS.indexOf(level.toUpperCase() as RulesLogLevel) >= LOG_LEVELS.indexOf(threshold ?? DEFAULT_STORED_LOG_LEVEL);
}

/** The ids and figures of a log line. Values must be JSON (bigints become strings). */
export type LogFields = {
  integrationId?: string;
  namespace?: string;
  ruleId?: string;
  executionId?: string;
  eventId?: string;
  actionId?: string;
  [field: string]: unknown;
};

const CONSOLE: Record<RulesLogLevel, (line: string) => void> = {
  DEBUG: (line) => console.debug(line),
  INFO: (line) => console.info(line),
  WARN: (line) => console.warn(line),
  ERROR: (line) => console.error(line),
};

/** Fields that every line sets itself; a field of the same name is dropped. */
const RESERVED = new Set(["component", "level", "event"]);

/**
 * Writes one JSON line `{ component: "rules", level, event, ...fields }`
 * when `level` passes `threshold` (the client's `logLevel`; absent: "WARN").
 * Fields that are `undefined` are left out.
 *
 * @example
 * ```ts
 * log("WARN", "action.attempt_failed", { executionId, ruleId, actionId, attempt, error }, execution.logLevel);
 * // {"component":"rules","level":"WARN","event":"action.attempt_failed","executionId":"...",...}
 * ```
 */
export function log(
  level: RulesLogLevel,
  event: string,
  fields: LogFields = {},
  threshold?: RulesLogLevel,
): void {
  if (!shouldLog(level, threshold)) return;
  CONSOLE[level](formatLine(level, event, fields));
}

/** The JSON line `log` writes. */
export function formatLine(level: RulesLogLevel, event: string, fields: LogFields): string {
  const line: Record<string, unknown> = { component: "rules", level, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && !RESERVED.has(key)) line[key] = value;
  }
  try {
    return JSON.stringify(line, (_key, value: unknown) =>
      typeof value === "bigint" ? value.toString() : value instanceof Error ? value.message : value,
    );
  } catch {
    // A cycle or a throwing toJSON in a field: keep the line, without the fields.
    return JSON.stringify({ component: "rules", level, event, fieldsDropped: true });
  }
}

/** The level the client sent last (dispatch/clientConfig.ts), for work that runs without a client call. */
export async function configuredLogLevel(ctx: QueryCtx): Promise<RulesLogLevel | undefined> {
  const config = await ctx.db.query("componentConfig").first();
  return config?.logLevel;
}

/**
 * Stores the client's `logLevel` for the work that runs without a client
 * call (the retention cron). Writes only when it changed; absent stores
 * the default.
 */
export async function storeLogLevel(ctx: MutationCtx, logLevel: RulesLogLevel | undefined): Promise<void> {
  const config = await ctx.db.query("componentConfig").first();
  if (config) {
    if (config.logLevel !== logLevel) {
      await ctx.db.patch("componentConfig", config._id, { logLevel, updatedAt: Date.now() });
    }
  } else if (logLevel !== undefined) {
    await ctx.db.insert("componentConfig", { logLevel, updatedAt: Date.now() });
  }
}

/** The level the client sent last ("WARN" when it sent none). */
export const getLogLevel = query({
  args: {},
  returns: vRulesLogLevel,
  handler: async (ctx) => (await configuredLogLevel(ctx)) ?? DEFAULT_LOG_LEVEL,
});
