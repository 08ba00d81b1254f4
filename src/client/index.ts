import {
  type GenericActionCtx,
  type GenericDataModel,
  type PaginationOptions,
  type PaginationResult,
} from "convex/server";
import { ConvexError } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import { rulesApi, type RulesApiOptions } from "./api.js";
import { ExecutionsClient } from "./executions.js";
import { HealthClient } from "./health.js";
import { QuotasClient } from "./quotas.js";
import { RetentionClient } from "./retention.js";
import { VersionsClient } from "./versions.js";
export { ExecutionsClient, HealthClient, QuotasClient, RetentionClient, VersionsClient };
export type { RulesApiOptions, RulesOperation } from "./api.js";
import {
  EVENT_MAX_BYTES,
  LOG_LEVELS,
  type ExecuteResult,
  type ImportError,
  type RetryBehavior,
  type ImportResult,
  type Rule,
  type RuleExport,
  type RuleInput,
  type RulesErrorData,
  type ScheduleSpec,
  vRuleInput,
  vUpdateRuleArgs,
} from "../shared.js";
import { fail } from "../component/lib/errors.js";
import { checkDeclaredParts } from "./declarations.js";
import {
  checkShape,
  codeByField,
  CREATE_ARGUMENTS,
  UPDATE_ARGUMENTS,
  vCreateInput,
  vImportInput,
  vTestRuleInput,
} from "./inputShape.js";
import { findRulePatchProblem, validateRuleDefinition } from "../core/ruleValidation.js";
import { handlesOf, type HttpOptions } from "./handlers.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import { httpPolicyProblem } from "../core/httpPolicy.js";
import { toStoredPattern } from "../core/storedPattern.js";
import type { HandlersOf, Integrations, RuleDraft, RulePatch } from "./integrations.js";
import { MigrationClient } from "./migration.js";
import type { ClientConfig, Handlers } from "../shared.js";
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
  MigrationClient,
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

import type { RulesLogLevel } from "../shared.js";
export { vRulesLogLevel, type RulesLogLevel } from "../shared.js";
// Retention and its cleanup.
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
/** What the sub-clients (`rules.versions`...) need of the client itself. */
export type ClientHooks = {
  integrations: Integrations;
  http: HttpOptions | undefined;
  clientConfig: (integrationIds?: Iterable<string>) => Promise<ClientConfig>;
};

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
  /** Executions, their logs, replay: `rules.executions.get(ctx, { executionId })`. */
  readonly executions: ExecutionsClient;
  /** Rule versions and rollback: `rules.versions.list(ctx, { ruleId, paginationOpts })`. */
  readonly versions: VersionsClient;
  /** Action-run quotas: `rules.quotas.set(ctx, { integrationId, perMonth })`. */
  readonly quotas: QuotasClient<Is>;
  /** Retention settings and cleanup: `rules.retention.set(ctx, { integrationId, days })`. */
  readonly retention: RetentionClient<Is>;
  /** Stats and the health report: `rules.health.getStats(ctx, { ruleId })`. */
  readonly health: HealthClient<Is>;
  /** The legacy mondayRules migration: `rules.migration.define(migrations, { namespace })`. */
  readonly migration: MigrationClient;

  constructor(
    public component: RulesComponent,
    public options: RulesOptions<Is>,
  ) {
    const hooks: ClientHooks = {
      integrations: options.integrations,
      http: options.http,
      clientConfig: (integrationIds) => this.clientConfig(integrationIds),
    };
    this.executions = new ExecutionsClient(component);
    this.versions = new VersionsClient(component, hooks);
    this.quotas = new QuotasClient(component);
    this.retention = new RetentionClient(component);
    this.health = new HealthClient(component);
    this.migration = new MigrationClient({
      component,
      integrations: options.integrations,
      logLevel: options.logLevel,
      check: (rule) => this.checkedInput(rule),
      config: (integrationIds) => this.clientConfig(integrationIds),
    });
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
    /** `actor`: who creates it, kept with its first version (see `rules.versions.list`). */
    rule: RuleDraft<Is> & { actor?: string },
  ): Promise<RuleId> {
    checkShape(vCreateInput, rule, { code: codeByField(CREATE_ARGUMENTS), rootField: "rule" });
    const { actor, ...draft } = rule;
    const args = this.checkedInput(draft as RuleInput);
    const ruleId = await ctx.runMutation(this.component.rules.createRule, {
      ...args,
      ...(actor === undefined ? {} : { actor }),
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
    /** `actor`: who makes the change, kept with the new version (see `rules.versions.list`). */
    patch: RulePatch<Is> & { actor?: string },
  ): Promise<RuleDoc> {
    checkShape(vUpdateRuleArgs, patch, { code: codeByField(UPDATE_ARGUMENTS), rootField: "patch" });
    const args = { ...patch } as Record<string, any>;
    const declared = ["triggerType", "triggerConfig", "conditions", "actions"].filter(
      (field) => args[field] !== undefined,
    );
    if (declared.length > 0 && args["integrationId"] === undefined) {
      // Without it, nothing could check these against the declarations.
      fail(
        "INVALID_ARGUMENT",
        `integrationId: required to change ${declared.join(", ")}`,
        "integrationId",
      );
    }
    if ((args["triggerType"] === undefined) !== (args["triggerConfig"] === undefined)) {
      fail(
        "INVALID_ARGUMENT",
        "triggerConfig: triggerType and triggerConfig change together",
        args["triggerType"] === undefined ? "triggerType" : "triggerConfig",
      );
    }
    if (args["integrationId"] !== undefined) {
      const derived = checkDeclaredParts(
        this.options.integrations,
        {
          integrationId: args["integrationId"],
          triggerType: args["triggerType"],
          triggerConfig: args["triggerConfig"],
          conditions: args["conditions"],
          actions: args["actions"],
        },
        { http: this.options.http },
      );
      // A new trigger brings its own pattern (or none): never keep the old one.
      if (args["triggerType"] !== undefined && args["triggerPattern"] === undefined) {
        args["triggerPattern"] = derived ?? null;
      }
      // Likewise its schedule.
      if (args["triggerType"] !== undefined && args["schedule"] === undefined) {
        args["schedule"] =
          this.derivedSchedule(args["integrationId"], args["triggerType"], args["triggerConfig"]) ?? null;
      }
    }
    // Checked here too, so a value Convex cannot carry (a "$x" key) fails
    // with its field before it crosses to the component.
    const problem = findRulePatchProblem(args);
    if (problem) fail(problem.code, problem.message, problem.field);
    if (args["triggerPattern"] !== undefined) args["triggerPattern"] = toStoredPattern(args["triggerPattern"]);
    const config = await this.clientConfig(args["integrationId"] === undefined ? undefined : [args["integrationId"] as string]);
    const rule = await ctx.runMutation(this.component.rules.updateRule, { ...args, config } as any);
    return rule as RuleDoc;
  }

  /**
   * Deletes a rule now; its executions and logs are deleted in the
   * background.
   *
   * @example
   * ```ts
   * await rules.remove(ctx, { ruleId });
   * ```
   */
  async remove(ctx: RunMutationCtx, args: { ruleId: string }): Promise<void> {
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
   * One page of the rules of an integration in one namespace, oldest first;
   * `enabled` keeps only enabled (or only disabled) ones, through their own
   * index range.
   *
   * @example
   * ```ts
   * const { page, continueCursor, isDone } = await rules.list(ctx, {
   *   integrationId: "monday",
   *   enabled: true,
   *   paginationOpts: { numItems: 20, cursor: null },
   * });
   * ```
   */
  async list(
    ctx: RunQueryCtx,
    args: {
      integrationId: string;
      namespace?: string;
      enabled?: boolean;
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
    checkShape(vImportInput, args, { code: "INVALID_ARGUMENT", rootField: "args" });
    const errors: ImportError[] = [];
    const checked: RuleInput[] = [];
    for (const [index, rule] of args.rules.entries()) {
      try {
        checked.push(this.checkedInput(rule));
      } catch (error) {
        if (!(error instanceof ConvexError)) throw error;
        const data = error.data as RulesErrorData;
        const id: unknown = typeof rule === "object" && rule !== null ? rule.id : undefined;
        errors.push({
          index,
          ...(typeof id === "string" ? { id } : {}),
          code: data.code,
          message: data.message,
          ...(data.field === undefined ? {} : { field: data.field }),
        });
      }
    }
    if (errors.length > 0) {
      fail(
        "IMPORT_FAILED",
        `rules: ${errors.length} of ${args.rules.length} rules are invalid; rules[${errors[0]!.index}]: ${errors[0]!.message}`,
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
    checkShape(vTestRuleInput, args, { code: "INVALID_ARGUMENT", rootField: "args" });
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
    checkShape(vRuleInput, rule, { code: "INVALID_RULE", rootField: "rule" });
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
    // The component checks it again; here a value Convex cannot carry (a
    // "$x" or "__proto__" key) fails with its field before it crosses.
    const problem = validateRuleDefinition(input);
    if (!problem.ok) fail(problem.problem.code, problem.problem.message, problem.problem.field);
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
