import {
  type GenericActionCtx,
  type GenericDataModel,
  type PaginationOptions,
  type PaginationResult,
} from "convex/server";
import { ConvexError } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import { rulesApi, type RulesApiOptions } from "./api.js";
export type { RulesApiOptions, RulesOperation } from "./api.js";
import {
  EVENT_MAX_BYTES,
  LOG_LEVELS,
  type ExecuteResult,
  type Execution,
  type ExecutionLog,
  type ExecutionStatus,
  type ImportError,
  type RetryBehavior,
  type ImportResult,
  type Rule,
  type RuleExport,
  type RuleInput,
  type RulesErrorData,
  type ScheduleSpec,
} from "../shared.js";
import { fail } from "../component/lib/errors.js";
import { checkDeclaredParts } from "./declarations.js";
import { handlesOf, type HttpOptions } from "./handlers.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import { httpPolicyProblem } from "../core/httpPolicy.js";
import { toStoredPattern } from "../core/storedPattern.js";
import type { HandlersOf, Integrations, RuleDraft, RulePatch } from "./integrations.js";
import type { Migrations } from "@convex-dev/migrations";
import type { GenericDataModel as HostDataModel, TableNamesInDataModel } from "convex/server";
import {
  defineMondayMigration,
  migrateMondayRow,
  type MigrationDeps,
  type MigrationWriteCtx,
  type MondayMigrationOptions,
} from "./migration.js";
import type { ClientConfig, Handlers, MigratedRow, MigratedRulesPage } from "../shared.js";
import type { LegacyMondayRow } from "../core/legacyMonday.js";
import type { RuleHealthReport, RuleStats } from "../monitoring.js";
import { checkAutoDisable, monitoringFor, type AutoDisableOptions } from "./monitoring.js";

export { NonRetryableError } from "@convex-dev/workpool";
export { parseRetryAfter } from "../core/retryAfter.js";
export { FatalActionError, RetryAfterError } from "../actionErrors.js";
// Stats, auto-disable and health.
export {
  AUTO_DISABLE_DEFAULTS,
  vRuleHealth,
  vRuleHealthReport,
  vRuleStats,
  type HealthProblem,
  type RuleHealth,
  type RuleHealthReport,
  type RuleStats,
} from "../monitoring.js";
export type { AutoDisableOptions, AutoDisableSettings } from "./monitoring.js";
export { vActionHandlerArgs, vConditionHandlerArgs, type HttpOptions } from "./handlers.js";
export {
  HTTP_REQUEST_ACTION,
  vHttpRequestConfig,
  type HttpRequestConfig,
} from "../shared.js";
export {
  defineIntegration,
  type ActionDefinition,
  type ActionHandler,
  type ActionOf,
  type ConditionHandler,
  type HandlersOf,
  type ConditionDefinition,
  type ConditionOf,
  type FieldConditionConfig,
  type HttpRequestAction,
  type IntegrationDefinition,
  type Integrations,
  type PatternValue,
  type RuleCommonFields,
  type RuleDraft,
  type RulePatch,
  type TriggerDefinition,
  type TriggerOf,
  type TriggerPattern,
} from "./integrations.js";
export {
  ERROR_CODES,
  FIELD_OPERATORS,
  LIMITS,
  vRule,
  vRuleInput,
  vRuleExport,
  vImportResult,
  vExecutionLog,
  vExecution,
  vExecuteResult,
  vScheduleSpec,
  type ErrorCode,
  type ExecuteResult,
  type Execution,
  type ExecutionStatus,
  type RetryBehavior,
  type ExecutionLog,
  type ImportError,
  type ImportResult,
  type Rule,
  type RuleExport,
  type RuleInput,
  type RulesErrorData,
  type ScheduleSpec,
} from "../shared.js";
export {
  MONDAY_MIGRATION_BATCH_SIZE,
  MONDAY_MIGRATION_NAME,
  legacyRuleId,
  mapLegacyMondayRule,
  mondayColumnTexts,
  type LegacyMondayRow,
  type LegacyRuleMetadata,
  type MigrationWriteCtx,
  type MondayMigrationOptions,
} from "./migration.js";
export {
  vMigratedRow,
  vMigratedRule,
  vMigratedRulesPage,
  type MigratedRow,
  type MigratedRule,
  type MigratedRulesPage,
} from "../shared.js";

import type { Quota, QuotaStatus, RuleVersion, RulesLogLevel, WhenExceeded } from "../shared.js";
export { vRulesLogLevel, type RulesLogLevel } from "../shared.js";
// Retention and its cleanup.
import type { CleanupRun, EffectiveRetention, RetentionRow } from "../retentionValidators.js";
export { RETENTION_DEFAULTS } from "../core/retention.js";
export {
  vCleanupRun,
  vEffectiveRetention,
  vRetentionRow,
  type CleanupRun,
  type EffectiveRetention,
  type RetentionRow,
  type RetentionSource,
  type RetentionValues,
} from "../retentionValidators.js";
export {
  vQuota,
  vQuotaStatus,
  vRuleVersion,
  type Quota,
  type QuotaStatus,
  type QuotaWindow,
  type RuleChangeOperation,
  type RuleVersion,
  type WhenExceeded,
} from "../shared.js";

/** A rule's public key, as every method takes and returns it. */
export type RuleId = string & { __brand: "RuleId" };
/** An execution's id. */
export type ExecutionId = string & { __brand: "ExecutionId" };

/** A rule as the client returns it: `Rule` with a branded `ruleId`. */
export type RuleDoc = Omit<Rule, "ruleId"> & { ruleId: RuleId };

export type RulesComponent = ComponentApi;

/**
 * The narrowest ctx each method needs: one that can run queries, or queries
 * and mutations. Typed by an action's ctx, whose methods take the fewest
 * arguments, so that a query's, a mutation's and an action's ctx all fit
 * (an action handler calls `execute` with `causedBy`).
 */
export type RunQueryCtx = { runQuery: GenericActionCtx<GenericDataModel>["runQuery"] };
export type RunMutationCtx = RunQueryCtx & {
  runMutation: GenericActionCtx<GenericDataModel>["runMutation"];
};

export type RulesOptions<Is extends Integrations> = {
  /** The integrations rules may use, by integration id. */
  integrations: Is;
  /** The host functions that run each integration's actions and custom conditions. */
  handlers?: HandlersOf<Is>;
  /** Rules one event may run; the rest are recorded as skipped. Default 100. */
  maxRulesPerEvent?: number;
  /** Longest chain of events caused by actions before loop protection cuts it. Default 5. */
  maxDepth?: number;
  /** Retries of actions whose type sets none. Default 3 attempts, 1 s backoff doubling. */
  defaultRetry?: RetryBehavior;
  /**
   * Enables the built-in `http.request` action, for every integration:
   * requests go only to `allowedHosts` ("hooks.example.com",
   * "hooks.example.com:8443", "*.zapier.com" for any subdomain, "*" for any
   * public host name), over https unless `allowHttp`. IP addresses and
   * localhost only when listed exactly. Sent with each event and stored with
   * each action run, so retries and replays keep the policy of their
   * dispatch. Without it, http.request actions are refused.
   */
  http?: HttpOptions;
  /**
   * Stats per rule (`getRuleStats`). Default true. With `false`, the
   * executions this client dispatches are not counted, and its events do
   * not keep the per-trigger activity `getRuleHealth` uses to find idle
   * rules. Stats never add a write to an execution either way.
   */
  stats?: boolean;
  /**
   * Disabling failing rules automatically: after `consecutiveFailures`
   * failed executions in a row (default 5; `false`: never), and at once
   * when an action throws `FatalActionError` (`onFatal`, default true).
   * `integrations` overrides these per integration; `false` turns both off.
   * Stored with each execution, as its completion runs without the client.
   */
  autoDisable?: AutoDisableOptions<keyof Is & string> | false;
  /**
   * The least severe level written to the console - one JSON object per
   * line, `{"component":"rules","level":"WARN","event":"action.attempt_failed",
   * "executionId":...}` - and stored in execution logs: "DEBUG", "INFO",
   * "WARN" or "ERROR". Absent, the console shows "WARN" and above, and
   * execution logs keep "INFO" and above; set "INFO" to print every
   * dispatch and finished execution too. Debug lines (an action's filled-in config,
   * skipped executions, dispatches that matched nothing) are printed and
   * stored only under "DEBUG". Sent with each event and stored with each
   * execution, so its retries and completions use the level of their
   * dispatch; rule changes send it, stored for the hourly retention cleanup.
   */
  logLevel?: RulesLogLevel;
};

/** The largest event `execute` sends; bigger events are truncated with a marker. */
export const MAX_EVENT_BYTES = EVENT_MAX_BYTES;

/**
 * The rules engine's client. Create one per set of integrations and call its
 * methods from your queries, mutations and actions.
 *
 * @example
 * ```ts
 * import { components } from "./_generated/api";
 * import { Rules } from "convex-rules";
 *
 * export const rules = new Rules(components.rules, {
 *   integrations: { monday },
 * });
 * ```
 */
export class Rules<Is extends Integrations> {
  constructor(
    public component: RulesComponent,
    public options: RulesOptions<Is>,
  ) {
    if (options.http !== undefined) {
      const problem = httpPolicyProblem(options.http);
      if (problem) {
        const field = `http${problem.field ? `.${problem.field}` : ""}`;
        fail("INVALID_ARGUMENT", `${field}: ${problem.message}`, field);
      }
    }
    checkAutoDisable(options.autoDisable);
    if (options.logLevel !== undefined && !LOG_LEVELS.includes(options.logLevel)) {
      fail(
        "INVALID_ARGUMENT",
        `logLevel: must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(options.logLevel)}`,
        "logLevel",
      );
    }
  }

  /**
   * Creates a rule and returns its id. Trigger, condition and action types
   * and their configs must match the integration's declarations, at compile
   * time and at run time (`INVALID_RULE` otherwise).
   *
   * @example
   * ```ts
   * const ruleId = await rules.create(ctx, {
   *   name: "Notify when done",
   *   integrationId: "monday",
   *   triggerType: "status_changed",
   *   triggerConfig: { boardId: "1771812698", columnId: "status", to: "Done" },
   *   actions: [{ type: "notify", config: { userId: "61280133", text: "Done!" } }],
   * });
   * ```
   */
  async create(
    ctx: RunMutationCtx,
    rule: RuleDraft<Is>,
    /** `actor`: who creates it, kept with its first version (see `listRuleVersions`). */
    options: { actor?: string } = {},
  ): Promise<RuleId> {
    const args = this.checkedInput(rule as RuleInput);
    const ruleId = await ctx.runMutation(this.component.rules.createRule, {
      ...args,
      ...(options.actor === undefined ? {} : { actor: options.actor }),
      config: await this.clientConfig([args.integrationId]),
    });
    return ruleId as RuleId;
  }

  /**
   * Changes some fields of a rule and returns it as stored. To change its
   * trigger, conditions or actions, name its `integrationId` (they are checked
   * against that integration's declarations). `null` clears a field.
   *
   * @example
   * ```ts
   * const rule = await rules.update(ctx, {
   *   ruleId,
   *   expectedVersion: 3,
   *   name: "Notify the owner when done",
   * });
   * ```
   */
  async update(
    ctx: RunMutationCtx,
    patch: RulePatch<Is>,
    /** `actor`: who makes the change, kept with the new version (see `listRuleVersions`). */
    options: { actor?: string } = {},
  ): Promise<RuleDoc> {
    const args = { ...patch } as Record<string, any>;
    if (options.actor !== undefined) args.actor = options.actor;
    const declared = ["triggerType", "triggerConfig", "conditions", "actions"].filter(
      (field) => args[field] !== undefined,
    );
    if (declared.length > 0 && args.integrationId === undefined) {
      // Without it, nothing could check these against the declarations.
      fail(
        "INVALID_ARGUMENT",
        `integrationId: required to change ${declared.join(", ")}`,
        "integrationId",
      );
    }
    if ((args.triggerType === undefined) !== (args.triggerConfig === undefined)) {
      fail(
        "INVALID_ARGUMENT",
        "triggerConfig: triggerType and triggerConfig change together",
        args.triggerType === undefined ? "triggerType" : "triggerConfig",
      );
    }
    if (args.integrationId !== undefined) {
      const derived = checkDeclaredParts(
        this.options.integrations,
        {
          integrationId: args.integrationId,
          triggerType: args.triggerType,
          triggerConfig: args.triggerConfig,
          conditions: args.conditions,
          actions: args.actions,
        },
        { http: this.options.http },
      );
      // A new trigger brings its own pattern (or none): never keep the old one.
      if (args.triggerType !== undefined && args.triggerPattern === undefined) {
        args.triggerPattern = derived ?? null;
      }
      // Likewise its schedule.
      if (args.triggerType !== undefined && args.schedule === undefined) {
        args.schedule =
          this.derivedSchedule(args.integrationId, args.triggerType, args.triggerConfig) ?? null;
      }
    }
    if (args.triggerPattern !== undefined) args.triggerPattern = toStoredPattern(args.triggerPattern);
    const config = await this.clientConfig(args.integrationId === undefined ? undefined : [args.integrationId as string]);
    const rule = await ctx.runMutation(this.component.rules.updateRule, { ...args, config } as any);
    return rule as RuleDoc;
  }

  /**
   * Deletes a rule now; its executions and logs are deleted in the
   * background.
   *
   * @example
   * ```ts
   * await rules.delete(ctx, { ruleId });
   * ```
   */
  async delete(ctx: RunMutationCtx, args: { ruleId: string }): Promise<void> {
    await ctx.runMutation(this.component.rules.deleteRule, { ruleId: args.ruleId });
  }

  /**
   * Enables a rule.
   *
   * @example
   * ```ts
   * await rules.enable(ctx, { ruleId });
   * ```
   */
  async enable(
    ctx: RunMutationCtx,
    args: { ruleId: string; expectedVersion?: number; actor?: string },
  ): Promise<void> {
    await ctx.runMutation(this.component.rules.enableRule, { ...args, config: await this.clientConfig() });
  }

  /**
   * Disables a rule: it stays stored but no event runs it.
   *
   * @example
   * ```ts
   * await rules.disable(ctx, { ruleId });
   * ```
   */
  async disable(
    ctx: RunMutationCtx,
    args: { ruleId: string; expectedVersion?: number; actor?: string },
  ): Promise<void> {
    await ctx.runMutation(this.component.rules.disableRule, args);
  }

  /**
   * The rule with this id, or null.
   *
   * @example
   * ```ts
   * const rule = await rules.get(ctx, { ruleId });
   * ```
   */
  async get(ctx: RunQueryCtx, args: { ruleId: string }): Promise<RuleDoc | null> {
    const rule = await ctx.runQuery(this.component.rules.getRule, { ruleId: args.ruleId });
    return rule as RuleDoc | null;
  }

  /**
   * Up to `limit` (default 100, at most 1000) rules of an integration in one
   * namespace, oldest first; `enabled` keeps only enabled or disabled ones.
   *
   * @example
   * ```ts
   * const active = await rules.getByIntegration(ctx, {
   *   integrationId: "monday",
   *   namespace: workspaceId,
   *   enabled: true,
   * });
   * ```
   */
  async getByIntegration(
    ctx: RunQueryCtx,
    args: {
      integrationId: string;
      namespace?: string;
      enabled?: boolean;
      limit?: number;
    },
  ): Promise<RuleDoc[]> {
    const rules = await ctx.runQuery(this.component.rules.getRulesByIntegration, args);
    return rules as RuleDoc[];
  }

  /**
   * One page of the rules of an integration in one namespace, oldest first.
   *
   * @example
   * ```ts
   * const { page, continueCursor, isDone } = await rules.list(ctx, {
   *   integrationId: "monday",
   *   paginationOpts: { numItems: 20, cursor: null },
   * });
   * ```
   */
  async list(
    ctx: RunQueryCtx,
    args: {
      integrationId: string;
      namespace?: string;
      paginationOpts: PaginationOptions;
    },
  ): Promise<PaginationResult<RuleDoc>> {
    const result = await ctx.runQuery(this.component.rules.listRules, args);
    return result as PaginationResult<RuleDoc>;
  }

  /**
   * Upserts up to 500 rules by id, all or nothing: any invalid rule fails the
   * call with `IMPORT_FAILED` and a per-rule report in `data.errors`. Rules
   * are checked against the integrations' declarations first.
   *
   * @example
   * ```ts
   * const { created, updated, unchanged } = await rules.import(ctx, {
   *   rules: exportedPage.page,
   * });
   * ```
   */
  async import(
    ctx: RunMutationCtx,
    args: { rules: RuleInput[]; actor?: string },
  ): Promise<ImportResult> {
    const errors: ImportError[] = [];
    const checked: RuleInput[] = [];
    for (const [index, rule] of args.rules.entries()) {
      try {
        checked.push(this.checkedInput(rule));
      } catch (error) {
        if (!(error instanceof ConvexError)) throw error;
        const data = error.data as RulesErrorData;
        errors.push({
          index,
          ...(rule.id === undefined ? {} : { id: rule.id }),
          code: data.code,
          message: data.message,
          ...(data.field === undefined ? {} : { field: data.field }),
        });
      }
    }
    if (errors.length > 0) {
      fail(
        "IMPORT_FAILED",
        `rules: ${errors.length} of ${args.rules.length} rules are invalid; rules[${errors[0].index}]: ${errors[0].message}`,
        "rules",
        { errors },
      );
    }
    return await ctx.runMutation(this.component.rules.importRules, {
      rules: checked,
      ...(args.actor === undefined ? {} : { actor: args.actor }),
      config: await this.clientConfig(checked.map((rule) => rule.integrationId)),
    });
  }

  /**
   * A scheduled rule's next slot (absent when none is left) and the last
   * slot that fired, as ms since the epoch; null when the rule does not fire
   * on a schedule (none, disabled, or no such rule).
   *
   * @example
   * ```ts
   * const state = await rules.getSchedule(ctx, { ruleId });
   * if (state?.nextSlot) console.log(new Date(state.nextSlot).toISOString());
   * ```
   */
  async getSchedule(
    ctx: RunQueryCtx,
    args: { ruleId: string },
  ): Promise<{
    ruleId: RuleId;
    schedule: ScheduleSpec;
    nextSlot?: number;
    lastSlot?: number;
    lastFiredAt?: number;
  } | null> {
    const state = await ctx.runQuery(this.component.dispatch.schedules.getSchedule, { ruleId: args.ruleId });
    return state as { ruleId: RuleId; schedule: ScheduleSpec; nextSlot?: number } | null;
  }

  /**
   * One page of rule definitions in exactly the shape `import` accepts.
   *
   * @example
   * ```ts
   * const page = await rules.export(ctx, {
   *   integrationId: "monday",
   *   paginationOpts: { numItems: 100, cursor: null },
   * });
   * ```
   */
  async export(
    ctx: RunQueryCtx,
    args: {
      integrationId: string;
      namespace?: string;
      paginationOpts: PaginationOptions;
    },
  ): Promise<PaginationResult<RuleExport>> {
    return await ctx.runQuery(this.component.rules.exportRules, args);
  }

  /**
   * The logs of an execution, in the order they were written.
   *
   * @example
   * ```ts
   * const logs = await rules.getExecutionLogs(ctx, { executionId });
   * ```
   */
  async getExecutionLogs(
    ctx: RunQueryCtx,
    args: { executionId: string; limit?: number },
  ): Promise<ExecutionLog[]> {
    return await ctx.runQuery(this.component.logs.getExecutionLogs, args);
  }

  /**
   * Dispatches an event: runs every enabled rule of the integration and
   * namespace whose trigger type and pattern match it and whose conditions
   * hold; actions run afterwards, durably. Returns what happened to each rule
   * considered. A redelivered `eventId` runs nothing again. Call it from an
   * action's handler with `causedBy: execution.executionId` so loop
   * protection can follow the chain.
   *
   * @example
   * ```ts
   * const results = await rules.execute(ctx, {
   *   integrationId: "monday",
   *   triggerType: "status_changed",
   *   event: body.event,
   *   eventId: body.event.triggerUuid,
   * });
   * ```
   */
  async execute<K extends keyof Is & string>(
    ctx: RunMutationCtx,
    args: {
      integrationId: K;
      triggerType: keyof Is[K]["triggers"] & string;
      event: unknown;
      eventId?: string;
      namespace?: string;
      causedBy?: string;
    },
  ): Promise<Array<ExecuteResult & { ruleId: RuleId; executionId: ExecutionId }>> {
    const integration = this.options.integrations[args.integrationId];
    if (!integration || !Object.hasOwn(this.options.integrations, args.integrationId)) {
      fail(
        "INVALID_ARGUMENT",
        `integrationId: "${args.integrationId}" is not a declared integration`,
        "integrationId",
      );
    }
    // Outside data may break Convex's value rules (a "$type" key, 20 levels
    // of nesting, megabytes): make it a value the component can receive.
    const sanitized = sanitizeForStorage(args.event, { maxBytes: MAX_EVENT_BYTES });
    const { maxRulesPerEvent, maxDepth, defaultRetry } = this.options;
    const results = await ctx.runMutation(this.component.dispatch.engine.execute, {
      ...args,
      event: sanitized.value,
      ...(sanitized.sanitized ? { eventSanitized: true } : {}),
      handlers: await handlesOf(
        this.options.handlers?.[args.integrationId],
        defaultRetry,
        this.options.http,
      ),
      options: {
        ...(maxRulesPerEvent === undefined ? {} : { maxRulesPerEvent }),
        ...(maxDepth === undefined ? {} : { maxDepth }),
        // Stats and auto-disable settings, when not the defaults.
        ...this.monitoringOption(args.integrationId),
        ...(this.options.logLevel === undefined ? {} : { logLevel: this.options.logLevel }),
      },
    });
    return results as Array<ExecuteResult & { ruleId: RuleId; executionId: ExecutionId }>;
  }

  /**
   * Evaluates a saved rule (`ruleId`) or an unsaved one (`rule`) against a
   * sample event, running nothing and writing nothing: whether the pattern
   * matches, the condition explanation, and each action's filled-in config.
   *
   * @example
   * ```ts
   * const report = await rules.testRule(ctx, { ruleId, event: sampleEvent });
   * if (!report.wouldRun) console.log(report.explanation);
   * ```
   */
  async testRule(
    ctx: RunQueryCtx,
    args: ({ ruleId: string; rule?: undefined } | { rule: RuleDraft<Is>; ruleId?: undefined }) & {
      event: unknown;
      now?: number;
    },
  ) {
    // A saved rule's custom conditions need its integration's handlers, so
    // the rule is read first to learn which integration it belongs to.
    const integrationId =
      args.rule?.integrationId ??
      (args.ruleId === undefined ? undefined : (await this.get(ctx, { ruleId: args.ruleId }))?.integrationId);
    const rule = args.rule ? this.checkedInput(args.rule as RuleInput) : undefined;
    return await ctx.runQuery(this.component.dispatch.testRule.testRule, {
      ...(args.ruleId === undefined ? {} : { ruleId: args.ruleId }),
      ...(rule === undefined ? {} : { rule }),
      event: sanitizeForStorage(args.event, { maxBytes: MAX_EVENT_BYTES }).value,
      ...(args.now === undefined ? {} : { now: args.now }),
      ...(integrationId === undefined
        ? {}
        : { handlers: await handlesOf(this.options.handlers?.[integrationId as keyof Is & string], undefined) }),
    });
  }

  /**
   * Re-runs the failed actions of a failed execution (and the ones its
   * failure stopped); actions that succeeded never run again.
   *
   * @example
   * ```ts
   * await rules.replayExecution(ctx, { executionId });
   * ```
   */
  async replayExecution(
    ctx: RunMutationCtx,
    args: { executionId: string },
  ): Promise<{ executionId: string; status: ExecutionStatus; replayed: string[] }> {
    return await ctx.runMutation(this.component.dispatch.actions.replayExecution, args);
  }

  /**
   * The latest executions of a rule, newest first (default 50, at most 1000).
   *
   * @example
   * ```ts
   * const recent = await rules.getRuleExecutions(ctx, { ruleId, limit: 20 });
   * ```
   */
  async getRuleExecutions(
    ctx: RunQueryCtx,
    args: { ruleId: string; limit?: number },
  ): Promise<Execution[]> {
    return await ctx.runQuery(this.component.executions.queries.getRuleExecutions, args);
  }

  /**
   * One execution with its explanation and per-action results, or null.
   *
   * @example
   * ```ts
   * const execution = await rules.getExecution(ctx, { executionId });
   * ```
   */
  async getExecution(ctx: RunQueryCtx, args: { executionId: string }): Promise<Execution | null> {
    return await ctx.runQuery(this.component.executions.queries.getExecution, args);
  }

  /**
   * One page of an integration's executions in a namespace, newest first,
   * optionally of one status.
   *
   * @example
   * ```ts
   * const failures = await rules.listExecutions(ctx, {
   *   integrationId: "monday",
   *   status: "failed",
   *   paginationOpts: { numItems: 25, cursor: null },
   * });
   * ```
   */
  async listExecutions(
    ctx: RunQueryCtx,
    args: {
      integrationId: string;
      namespace?: string;
      status?: ExecutionStatus;
      paginationOpts: PaginationOptions;
    },
  ): Promise<PaginationResult<Execution>> {
    return await ctx.runQuery(this.component.executions.queries.listExecutions, args);
  }

  /**
   * Builds host functions that expose rule management to your app's
   * clients, asking `auth` before each operation (the component never sees
   * auth). Throw from `auth` to refuse.
   *
   * @example
   * ```ts
   * export const { createRule, getRule, listRules, updateRule, deleteRule,
   *   enableRule, disableRule, importRules, exportRules } = rules.api({
   *     auth: async (ctx, operation) => {
   *       if (!(await ctx.auth.getUserIdentity())) throw new Error("Unauthorized");
   *     },
   *   });
   * ```
   */
  api<DataModel extends GenericDataModel>(opts: RulesApiOptions<DataModel>) {
    return rulesApi(this, opts);
  }

  /** Checks a rule against the declarations and fills in its derived pattern. */
  private checkedInput(rule: RuleInput): RuleInput {
    const derived = checkDeclaredParts(
      this.options.integrations,
      {
        integrationId: rule.integrationId,
        triggerType: rule.triggerType,
        triggerConfig: rule.triggerConfig,
        conditions: rule.conditions ?? [],
        actions: rule.actions,
      },
      { http: this.options.http },
    );
    const input: RuleInput = { ...rule, conditions: rule.conditions ?? [] };
    if (input.triggerPattern === undefined && derived !== undefined) {
      input.triggerPattern = derived;
    }
    // Convex carries `$or` as `~or` (src/core/storedPattern.ts).
    if (input.triggerPattern !== undefined) input.triggerPattern = toStoredPattern(input.triggerPattern);
    if (input.schedule === undefined) {
      const schedule = this.derivedSchedule(rule.integrationId, rule.triggerType, rule.triggerConfig);
      if (schedule !== undefined) input.schedule = schedule;
    }
    return input;
  }

  /** The schedule a (declared, checked) trigger derives from its config, if any. */
  private derivedSchedule(
    integrationId: string,
    triggerType: string,
    triggerConfig: unknown,
  ): ScheduleSpec | undefined {
    const trigger = this.options.integrations[integrationId]?.triggers[triggerType];
    return trigger?.schedule?.(triggerConfig);
  }

  /**
   * What travels with each call that manages rules, for the component to
   * store when it changed: the handles of these integrations' handlers (all
   * of them when not given), for scheduled fires, and the log level, for
   * the retention cron.
   */
  private async clientConfig(integrationIds?: Iterable<string>): Promise<ClientConfig> {
    const handlers: Record<string, Handlers> = {};
    for (const integrationId of new Set(integrationIds ?? Object.keys(this.options.integrations))) {
      if (!Object.hasOwn(this.options.integrations, integrationId)) continue;
      handlers[integrationId] = await handlesOf(
        this.options.handlers?.[integrationId as keyof Is & string],
        this.options.defaultRetry,
        this.options.http,
      );
    }
    return { handlers, ...(this.options.logLevel === undefined ? {} : { logLevel: this.options.logLevel }) };
  }

  /**
   * Defines the migration of your app's legacy `mondayRules` table with
   * @convex-dev/migrations (install it beside this component:
   * `app.use(migrations)`). Each batch maps its legacy rows, checks each
   * rule against the integration's declarations and upserts it by its
   * derived id (`legacy-monday-<_id>`), so a rerun never duplicates a rule.
   * A row that cannot be mapped becomes a disabled rule with the reason
   * (`listMigratedRules`). The legacy table is left as it is. Run, resume,
   * dry-run and watch it with the migrations component's runner and CLI.
   *
   * @example
   * ```ts
   * // convex/migrations.ts
   * export const migrations = new Migrations<DataModel>(components.migrations);
   * export const migrateMondayRules = rules.defineMondayMigration(migrations, { namespace: "acme" });
   * export const run = migrations.runner();
   * // npx convex run migrations:run '{"fn": "migrations:migrateMondayRules", "dryRun": true}'
   * ```
   */
  defineMondayMigration<DM extends HostDataModel, TableName extends TableNamesInDataModel<DM>>(
    migrations: Migrations<DM>,
    options: MondayMigrationOptions<TableName> & { batchSize?: number } = {},
  ) {
    return defineMondayMigration(this.migrationDeps(), migrations, options);
  }

  /**
   * Migrates one legacy `mondayRules` row (what each batch of
   * {@link Rules.defineMondayMigration} does per row), for a host that
   * drives the migration itself: maps it, checks it against the
   * declarations and creates, updates or leaves its rule as it is.
   *
   * @example
   * ```ts
   * const { ruleId, outcome, unmappedReason } = await rules.migrateMondayRow(ctx, legacyRow, { namespace: "acme" });
   * ```
   */
  async migrateMondayRow(
    ctx: MigrationWriteCtx,
    row: LegacyMondayRow,
    options: MondayMigrationOptions = {},
  ): Promise<MigratedRow> {
    return await migrateMondayRow(this.migrationDeps(), ctx, row, options);
  }

  /**
   * One page of the rules the migration wrote, in legacy id order;
   * `unmappedOnly` keeps those whose row could not be mapped (a page may
   * then hold fewer than `limit`, at most 100). Follow `continueCursor`
   * until `isDone`.
   *
   * @example
   * ```ts
   * const { page } = await rules.listMigratedRules(ctx, { cursor: null, unmappedOnly: true });
   * for (const rule of page) console.log(rule.legacyId, rule.unmappedReason);
   * ```
   */
  async listMigratedRules(
    ctx: RunQueryCtx,
    args: { cursor: string | null; limit?: number; unmappedOnly?: boolean },
  ): Promise<MigratedRulesPage> {
    return await ctx.runQuery(this.component.rules.migrations.listMigratedRules, args);
  }

  /**
   * The rule migrated from the legacy `mondayRules` row with this `_id`, or
   * null: code that still holds legacy ids finds the rule that replaced it.
   *
   * @example
   * ```ts
   * const rule = await rules.getRuleByLegacyId(ctx, { legacyId: legacyRule._id });
   * ```
   */
  async getRuleByLegacyId(ctx: RunQueryCtx, args: { legacyId: string }): Promise<RuleDoc | null> {
    const rule = await ctx.runQuery(this.component.rules.migrations.getRuleByLegacyId, {
      legacyId: args.legacyId,
    });
    return rule as RuleDoc | null;
  }

  /** What the migration needs from this client: its component, declarations and checks. */
  private migrationDeps(): MigrationDeps {
    return {
      component: this.component,
      integrations: this.options.integrations,
      check: (rule) => this.checkedInput(rule),
      config: (integrationIds) => this.clientConfig(integrationIds),
    };
  }

  // --- Rule history and quotas -----------------------------------

  /**
   * One page of a rule's versions, newest first (the current version first;
   * at most 100 per page). Each has the full definition at that version, when
   * and by whom (`actor`) it was made, and the fields it changed. Fails with
   * `RULE_NOT_FOUND` when the rule does not exist.
   *
   * @example
   * ```ts
   * const { page } = await rules.listRuleVersions(ctx, {
   *   ruleId,
   *   paginationOpts: { numItems: 20, cursor: null },
   * });
   * for (const v of page) console.log(v.version, v.actor, v.changes.join(", "));
   * ```
   */
  async listRuleVersions(
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
   * const v2 = await rules.getRuleVersion(ctx, { ruleId, version: 2 });
   * console.log(v2?.rule.actions);
   * ```
   */
  async getRuleVersion(
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
   * const rule = await rules.rollbackRule(ctx, {
   *   ruleId,
   *   version: 3,
   *   expectedVersion: 5,
   *   actor: user.email,
   * });
   * ```
   */
  async rollbackRule(
    ctx: RunMutationCtx,
    args: { ruleId: string; version: number; expectedVersion?: number; actor?: string },
  ): Promise<RuleDoc> {
    const target = await this.getRuleVersion(ctx, { ruleId: args.ruleId, version: args.version });
    if (target) {
      const { integrationId, triggerType, triggerConfig, conditions, actions } = target.rule;
      checkDeclaredParts(
        this.options.integrations,
        { integrationId, triggerType, triggerConfig, conditions, actions },
        { http: this.options.http },
      );
    }
    // Without the version, the component answers with its own error.
    const rule = await ctx.runMutation(this.component.rules.versions.rollbackRule, {
      ...args,
      config: await this.clientConfig(target ? [target.rule.integrationId] : undefined),
    });
    return rule as RuleDoc;
  }

  /**
   * The version of its rule an execution ran, with that version's config;
   * null when the rule was deleted since or the version was never recorded.
   *
   * @example
   * ```ts
   * const execution = await rules.getExecution(ctx, { executionId });
   * const ran = await rules.getExecutionRuleVersion(ctx, { executionId });
   * // ran?.rule.conditions are the conditions the explanation refers to.
   * ```
   */
  async getExecutionRuleVersion(
    ctx: RunQueryCtx,
    args: { executionId: string },
  ): Promise<RuleVersion | null> {
    return await ctx.runQuery(this.component.rules.versions.getExecutionRuleVersion, args);
  }

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
   * await rules.setQuota(ctx, {
   *   integrationId: "monday",
   *   perMonth: 25_000,
   *   perMinute: 100,
   *   whenExceeded: "reject",
   * });
   * ```
   */
  async setQuota(
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
   * await rules.removeQuota(ctx, { integrationId: "monday", namespace: accountId });
   * ```
   */
  async removeQuota(
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
   * const quota = await rules.getQuota(ctx, { integrationId: "monday" });
   * ```
   */
  async getQuota(
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
   * const usage = await rules.getQuotaUsage(ctx, { integrationId: "monday", namespace: accountId });
   * const month = usage?.windows.find((w) => w.window === "month");
   * if (month) console.log(`${month.used} of ${month.limit} actions this month`);
   * ```
   */
  async getQuotaUsage(
    ctx: RunQueryCtx,
    args: { integrationId: keyof Is & string; namespace?: string },
  ): Promise<QuotaStatus | null> {
    return await ctx.runQuery(this.component.dispatch.quotas.getQuotaUsage, args);
  }

  // --- Stats, auto-disable and health ---------------------------------

  /**
   * A rule's stats: runs, succeeded, failed, skipped, last run / success /
   * failure time, average duration, and the failures in a row. One cheap
   * read (the rule's stats document plus the executions finished in the
   * last seconds); null when there is no such rule.
   *
   * @example
   * ```ts
   * const stats = await rules.getRuleStats(ctx, { ruleId });
   * if (stats) console.log(`${stats.succeeded}/${stats.runs} succeeded, avg ${stats.averageDurationMs} ms`);
   * ```
   */
  async getRuleStats(ctx: RunQueryCtx, args: { ruleId: string }): Promise<RuleStats | null> {
    return await ctx.runQuery(this.component.executions.stats.getRuleStats, args);
  }

  /**
   * The stats of up to 100 rules, in the order given (null for a rule that
   * does not exist): for a list view.
   *
   * @example
   * ```ts
   * const page = await rules.list(ctx, { integrationId: "monday", paginationOpts });
   * const stats = await rules.getRulesStats(ctx, { ruleIds: page.page.map((r) => r.ruleId) });
   * ```
   */
  async getRulesStats(
    ctx: RunQueryCtx,
    args: { ruleIds: string[] },
  ): Promise<Array<RuleStats | null>> {
    return await ctx.runQuery(this.component.executions.stats.getRulesStats, args);
  }

  // --- Retention and cleanup -------------------------------------------

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
   * await rules.setRetention(ctx, { integrationId: "monday", days: 7, failedDays: 60 });
   * await rules.setRetention(ctx, { integrationId: "monday", ruleId, maxPerOutcome: 1000 });
   * ```
   */
  async setRetention(
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
   * const { days, failedDays, maxPerOutcome, sources } = await rules.getRetention(ctx, { integrationId: "monday", ruleId });
   * ```
   */
  async getRetention(
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
   * await rules.clearRetention(ctx, { integrationId: "monday", ruleId });
   * ```
   */
  async clearRetention(
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
   * for (const row of await rules.listRetention(ctx, { integrationId: "monday" })) console.log(row.ruleId, row.days);
   * ```
   */
  async listRetention(
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
   * const { started } = await rules.runCleanup(ctx);
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
   * const { running, lastRun } = await rules.getCleanupStatus(ctx);
   * if (lastRun) console.log(`${lastRun.executionsDeleted} executions deleted in ${lastRun.batches} batches`);
   * ```
   */
  async getCleanupStatus(
    ctx: RunQueryCtx,
  ): Promise<{ running: CleanupRun | null; lastRun: CleanupRun | null; fullCheckRequested: boolean }> {
    return await ctx.runQuery(this.component.retention.cleanup.getCleanupStatus, {});
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
   * const report = await rules.getRuleHealth(ctx, { integrationId: "monday", namespace: accountId });
   * for (const rule of report.rules) console.log(rule.name, rule.problems, rule.disabledReason);
   * ```
   */
  async getRuleHealth(
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

  /**
   * The log level the hourly retention cleanup uses: the one this client
   * (or another) sent with its last rule change ("WARN" when none was).
   *
   * @example
   * ```ts
   * const level = await rules.getSavedLogLevel(ctx); // "WARN"
   * ```
   */
  async getSavedLogLevel(ctx: RunQueryCtx): Promise<RulesLogLevel> {
    return await ctx.runQuery(this.component.lib.logging.getLogLevel, {});
  }

  /** `options.monitoring` of a dispatch of `integrationId`, when not the defaults. */
  private monitoringOption(integrationId: string) {
    const monitoring = monitoringFor(this.options, integrationId);
    return monitoring === undefined ? {} : { monitoring };
  }
}
