/** `rules.health`: per-rule stats, and the health report (failing, auto-disabled, idle rules). */
import type { RuleHealthReport, RuleStats } from "../monitoring.js";
import type { Integrations } from "./integrations.js";
import type { RulesComponent, RunQueryCtx } from "./index.js";

export class HealthClient<Is extends Integrations> {
  constructor(private readonly component: RulesComponent) {}

  /**
   * A rule's stats: runs, succeeded, failed, skipped, last run / success /
   * failure time, average duration, and the failures in a row. One cheap
   * read (the rule's stats document plus the executions finished in the
   * last seconds); null when there is no such rule.
   *
   * @example
   * ```ts
   * const stats = await rules.health.getStats(ctx, { ruleId });
   * if (stats) console.log(`${stats.succeeded}/${stats.runs} succeeded, avg ${stats.averageDurationMs} ms`);
   * ```
   */
  async getStats(ctx: RunQueryCtx, args: { ruleId: string }): Promise<RuleStats | null> {
    return await ctx.runQuery(this.component.executions.stats.getRuleStats, args);
  }
  /**
   * The stats of up to 100 rules, in the order given (null for a rule that
   * does not exist): for a list view.
   *
   * @example
   * ```ts
   * const page = await rules.list(ctx, { integrationId: "monday", paginationOpts });
   * const stats = await rules.health.listStats(ctx, { ruleIds: page.page.map((r) => r.ruleId) });
   * ```
   */
  async listStats(
    ctx: RunQueryCtx,
    args: { ruleIds: string[] },
  ): Promise<Array<RuleStats | null>> {
    return await ctx.runQuery(this.component.executions.stats.getRulesStats, args);
  }
  /**
   * The rules of an integration and namespace that need attention: failed
   * within `failedWithinMs` (default 24 h), disabled automatically (with
   * why and when), or enabled but not run for `idleDays` (default 7) although
   * events of their trigger type kept arriving. Looks at up to `limit` rules
   * per call (default 200); continue with `cursor: continueCursor` until
   * `isDone`.
   *
   * @example
   * ```ts
   * const report = await rules.health.getReport(ctx, { integrationId: "monday", namespace: accountId });
   * for (const rule of report.rules) console.log(rule.name, rule.problems, rule.disabledReason);
   * ```
   */
  async getReport(
    ctx: RunQueryCtx,
    args: {
      integrationId: keyof Is & string;
      namespace?: string;
      failedWithinMs?: number;
      idleDays?: number;
      limit?: number;
      cursor?: string | null;
    },
  ): Promise<RuleHealthReport> {
    return await ctx.runQuery(this.component.executions.health.getRuleHealth, args);
  }
}
