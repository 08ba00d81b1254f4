/** `rules.retention`: how long executions stay, and the cleanup that deletes them. */
import type { RulesLogLevel } from "../shared.js";
import type { CleanupRun, EffectiveRetention, RetentionRow } from "../retentionValidators.js";
import type { Integrations } from "./integrations.js";
import type { RulesComponent, RunMutationCtx, RunQueryCtx } from "./index.js";

export class RetentionClient<Is extends Integrations> {
  constructor(private readonly component: RulesComponent) {}

  /**
   * Sets how long executions (with their logs) are kept, for an integration
   * (`namespace` omitted), one namespace of it, or one rule (`ruleId`); a
   * narrower scope overrides a wider one field by field. `days`: finished
   * executions (default 14); `failedDays`: failed and loop-blocked ones
   * (default 30, never less than `days` unless set); `maxPerOutcome`: at
   * most this many per rule per status, newest first (default 100). An
   * omitted field keeps its stored value; `null` clears it. Returns the
   * settings now in force at that scope. The hourly cleanup applies them.
   *
   * @example
   * ```ts
   * await rules.retention.set(ctx, { integrationId: "monday", days: 7, failedDays: 60 });
   * await rules.retention.set(ctx, { integrationId: "monday", ruleId, maxPerOutcome: 1000 });
   * ```
   */
  async set(
    ctx: RunMutationCtx,
    args: {
      integrationId: keyof Is & string;
      namespace?: string;
      ruleId?: string;
      days?: number | null;
      failedDays?: number | null;
      maxPerOutcome?: number | null;
    },
  ): Promise<EffectiveRetention> {
    return await ctx.runMutation(this.component.retention.settings.setRetention, args);
  }
  /**
   * The retention in force for an integration, a namespace of it, or a
   * rule, where each field comes from ("rule", "namespace", "integration"
   * or "default"), and what is stored at exactly that scope.
   *
   * @example
   * ```ts
   * const { days, failedDays, maxPerOutcome, sources } = await rules.retention.get(ctx, { integrationId: "monday", ruleId });
   * ```
   */
  async get(
    ctx: RunQueryCtx,
    args: { integrationId: keyof Is & string; namespace?: string; ruleId?: string },
  ): Promise<EffectiveRetention> {
    return await ctx.runQuery(this.component.retention.settings.getRetention, args);
  }
  /**
   * Removes the retention stored at one scope: it inherits again.
   *
   * @example
   * ```ts
   * await rules.retention.remove(ctx, { integrationId: "monday", ruleId });
   * ```
   */
  async remove(
    ctx: RunMutationCtx,
    args: { integrationId: keyof Is & string; namespace?: string; ruleId?: string },
  ): Promise<null> {
    return await ctx.runMutation(this.component.retention.settings.clearRetention, args);
  }
  /**
   * Every retention setting stored for an integration (its own, its
   * namespaces', its rules'), at most 1,000.
   *
   * @example
   * ```ts
   * for (const row of await rules.retention.list(ctx, { integrationId: "monday" })) console.log(row.ruleId, row.days);
   * ```
   */
  async list(
    ctx: RunQueryCtx,
    args: { integrationId: keyof Is & string },
  ): Promise<RetentionRow[]> {
    return await ctx.runQuery(this.component.retention.settings.listRetention, args);
  }
  /**
   * Starts a retention cleanup now (the component's cron also starts one
   * every hour), unless one is in progress: `started` is then false and
   * `runStartedAt` is that run's. The run deletes in batches that schedule
   * each other until done.
   *
   * @example
   * ```ts
   * const { started } = await rules.retention.runCleanup(ctx);
   * ```
   */
  async runCleanup(
    ctx: RunMutationCtx,
    args: { logLevel?: RulesLogLevel } = {},
  ): Promise<{ started: boolean; runStartedAt: number }> {
    return await ctx.runMutation(this.component.retention.cleanup.runCleanup, args);
  }
  /**
   * The cleanup run in progress (null between runs), the last finished one
   * (batches, executions, logs and events deleted), and whether settings
   * changed since.
   *
   * @example
   * ```ts
   * const { running, lastRun } = await rules.retention.getCleanupStatus(ctx);
   * if (lastRun) console.log(`${lastRun.executionsDeleted} executions deleted in ${lastRun.batches} batches`);
   * ```
   */
  async getCleanupStatus(
    ctx: RunQueryCtx,
  ): Promise<{ running: CleanupRun | null; lastRun: CleanupRun | null; fullCheckRequested: boolean }> {
    return await ctx.runQuery(this.component.retention.cleanup.getCleanupStatus, {});
  }
}
