/** `rules.quotas`: limits of action runs per integration and namespace, and their usage. */
import type { Quota, QuotaStatus, WhenExceeded } from "../shared.js";
import type { Integrations } from "./integrations.js";
import type { RulesComponent, RunMutationCtx, RunQueryCtx } from "./index.js";

export class QuotasClient<Is extends Integrations> {
  constructor(private readonly component: RulesComponent) {}

  /**
   * Limits the action runs of one namespace of an integration (or, without
   * `namespace`, of each namespace that has no quota of its own) per
   * minute, hour and month (30 days). Over a limit, an execution is
   * recorded `rate_limited` and its remaining actions do not run
   * (`whenExceeded: "reject"`, the default), or the action waits for the
   * next window (`"wait"`). Replaces the scope's previous quota.
   *
   * @example
   * ```ts
   * // monday.com's plan: 25,000 automation actions a month per account.
   * await rules.quotas.set(ctx, {
   *   integrationId: "monday",
   *   perMonth: 25_000,
   *   perMinute: 100,
   *   whenExceeded: "reject",
   * });
   * ```
   */
  async set(
    ctx: RunMutationCtx,
    args: {
      integrationId: keyof Is & string;
      namespace?: string;
      perMinute?: number;
      perHour?: number;
      perMonth?: number;
      whenExceeded?: WhenExceeded;
    },
  ): Promise<Quota> {
    return await ctx.runMutation(this.component.dispatch.quotas.setQuota, args);
  }
  /**
   * Removes the quota of a namespace (or, without `namespace`, the
   * integration's default). Returns false when there was none.
   *
   * @example
   * ```ts
   * await rules.quotas.remove(ctx, { integrationId: "monday", namespace: accountId });
   * ```
   */
  async remove(
    ctx: RunMutationCtx,
    args: { integrationId: keyof Is & string; namespace?: string },
  ): Promise<boolean> {
    return await ctx.runMutation(this.component.dispatch.quotas.removeQuota, args);
  }
  /**
   * The quota set for a namespace (or, without `namespace`, the
   * integration's default), or null.
   *
   * @example
   * ```ts
   * const quota = await rules.quotas.get(ctx, { integrationId: "monday" });
   * ```
   */
  async get(
    ctx: RunQueryCtx,
    args: { integrationId: keyof Is & string; namespace?: string },
  ): Promise<Quota | null> {
    return await ctx.runQuery(this.component.dispatch.quotas.getQuota, args);
  }
  /**
   * The quota in force for a namespace (default "") and how much of each
   * window is used; null when no quota applies.
   *
   * @example
   * ```ts
   * const usage = await rules.quotas.getUsage(ctx, { integrationId: "monday", namespace: accountId });
   * const month = usage?.windows.find((w) => w.window === "month");
   * if (month) console.log(`${month.used} of ${month.limit} actions this month`);
   * ```
   */
  async getUsage(
    ctx: RunQueryCtx,
    args: { integrationId: keyof Is & string; namespace?: string },
  ): Promise<QuotaStatus | null> {
    return await ctx.runQuery(this.component.dispatch.quotas.getQuotaUsage, args);
  }
}
