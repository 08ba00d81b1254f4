/**
 * `rules.versions`: every change to a rule is a version. Reading them, the
 * version an execution ran, and rolling a rule back to one.
 */
import type { PaginationOptions, PaginationResult } from "convex/server";
import type { RuleVersion } from "../shared.js";
import { checkDeclaredParts } from "./declarations.js";
import type { ClientHooks, RuleDoc, RulesComponent, RunMutationCtx, RunQueryCtx } from "./index.js";

export class VersionsClient {
  constructor(
    private readonly component: RulesComponent,
    private readonly hooks: ClientHooks,
  ) {}

  /**
   * One page of a rule's versions, newest first (the current version first;
   * at most 100 per page). Each has the full definition at that version, when
   * and by whom (`actor`) it was made, and the fields it changed. Fails with
   * `RULE_NOT_FOUND` when the rule does not exist.
   *
   * @example
   * ```ts
   * const { page } = await rules.versions.list(ctx, {
   *   ruleId,
   *   paginationOpts: { numItems: 20, cursor: null },
   * });
   * for (const v of page) console.log(v.version, v.actor, v.changes.join(", "));
   * ```
   */
  async list(
    ctx: RunQueryCtx,
    args: { ruleId: string; paginationOpts: PaginationOptions },
  ): Promise<PaginationResult<RuleVersion>> {
    return await ctx.runQuery(this.component.rules.versions.listRuleVersions, args);
  }
  /**
   * One version of a rule, or null.
   *
   * @example
   * ```ts
   * const v2 = await rules.versions.get(ctx, { ruleId, version: 2 });
   * console.log(v2?.rule.actions);
   * ```
   */
  async get(
    ctx: RunQueryCtx,
    args: { ruleId: string; version: number },
  ): Promise<RuleVersion | null> {
    return await ctx.runQuery(this.component.rules.versions.getRuleVersion, args);
  }
  /**
   * Restores the definition a rule had at `version` (`enabled` included) as
   * a new version, after checking it against today's declarations of its
   * integration (`INVALID_RULE` when, say, an action type was removed since).
   * A no-op when the rule already has that definition. Returns the rule.
   *
   * @example
   * ```ts
   * const rule = await rules.versions.rollback(ctx, {
   *   ruleId,
   *   version: 3,
   *   expectedVersion: 5,
   *   actor: user.email,
   * });
   * ```
   */
  async rollback(
    ctx: RunMutationCtx,
    args: { ruleId: string; version: number; expectedVersion?: number; actor?: string },
  ): Promise<RuleDoc> {
    const target = await this.get(ctx, { ruleId: args.ruleId, version: args.version });
    if (target) {
      const { integrationId, triggerType, triggerConfig, conditions, actions } = target.rule;
      checkDeclaredParts(
        this.hooks.integrations,
        { integrationId, triggerType, triggerConfig, conditions, actions },
        { http: this.hooks.http },
      );
    }
    // Without the version, the component answers with its own error.
    const rule = await ctx.runMutation(this.component.rules.versions.rollbackRule, {
      ...args,
      config: await this.hooks.clientConfig(target ? [target.rule.integrationId] : undefined),
    });
    return rule as RuleDoc;
  }
  /**
   * The version of its rule an execution ran, with that version's config;
   * null when the rule was deleted since or the version was never recorded.
   *
   * @example
   * ```ts
   * const execution = await rules.executions.get(ctx, { executionId });
   * const ran = await rules.versions.getForExecution(ctx, { executionId });
   * // ran?.rule.conditions are the conditions the explanation refers to.
   * ```
   */
  async getForExecution(
    ctx: RunQueryCtx,
    args: { executionId: string },
  ): Promise<RuleVersion | null> {
    return await ctx.runQuery(this.component.rules.versions.getExecutionRuleVersion, args);
  }
}
