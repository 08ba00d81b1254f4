import {
  mutationGeneric,
  queryGeneric,
  paginationOptsValidator,
  paginationResultValidator,
  type GenericActionCtx,
  type GenericDataModel,
  type GenericQueryCtx,
  type PaginationOptions,
  type PaginationResult,
} from "convex/server";
import { ConvexError, v } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import {
  vRule,
  vRuleInput,
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
} from "../shared.js";
import { fail } from "../component/errors.js";
import { checkDeclaredParts } from "./declarations.js";
import { handlesOf } from "./handlers.js";
import { sanitizeForStorage } from "../core/sanitize.js";
import type { HandlersOf, Integrations, RuleDraft, RulePatch } from "./integrations.js";

export { NonRetryableError } from "@convex-dev/workpool";
export { vActionHandlerArgs, vConditionHandlerArgs } from "./handlers.js";
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
};

/** The largest event `execute` sends; bigger events are truncated with a marker. */
export const MAX_EVENT_BYTES = 900 * 1024;

/**
 * What the host's `auth` callback of {@link Rules.api} is asked to allow.
 * For operations on one rule, `rule` is that rule as stored (null when it
 * does not exist), so the callback can check its namespace.
 */
export type RulesOperation =
  | { name: "createRule"; integrationId: string; namespace: string }
  | { name: "listRules"; integrationId: string; namespace: string }
  | {
      name: "getRule" | "updateRule" | "deleteRule" | "enableRule" | "disableRule";
      ruleId: string;
      rule: RuleDoc | null;
    };

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
  ) {}

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
  async create(ctx: RunMutationCtx, rule: RuleDraft<Is>): Promise<RuleId> {
    const args = this.checkedInput(rule as RuleInput);
    const ruleId = await ctx.runMutation(this.component.rules.createRule, args);
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
  async update(ctx: RunMutationCtx, patch: RulePatch<Is>): Promise<RuleDoc> {
    const args = { ...patch } as Record<string, any>;
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
      const derived = checkDeclaredParts(this.options.integrations, {
        integrationId: args.integrationId,
        triggerType: args.triggerType,
        triggerConfig: args.triggerConfig,
        conditions: args.conditions,
        actions: args.actions,
      });
      // A new trigger brings its own pattern (or none): never keep the old one.
      if (args.triggerType !== undefined && args.triggerPattern === undefined) {
        args.triggerPattern = derived ?? null;
      }
    }
    const rule = await ctx.runMutation(this.component.rules.updateRule, args as any);
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
    args: { ruleId: string; expectedVersion?: number },
  ): Promise<void> {
    await ctx.runMutation(this.component.rules.enableRule, args);
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
    args: { ruleId: string; expectedVersion?: number },
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
  async import(ctx: RunMutationCtx, args: { rules: RuleInput[] }): Promise<ImportResult> {
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
    return await ctx.runMutation(this.component.rules.importRules, { rules: checked });
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
    const results = await ctx.runMutation(this.component.engine.execute, {
      ...args,
      event: sanitized.value,
      ...(sanitized.sanitized ? { eventSanitized: true } : {}),
      handlers: await handlesOf(this.options.handlers?.[args.integrationId], defaultRetry),
      options: {
        ...(maxRulesPerEvent === undefined ? {} : { maxRulesPerEvent }),
        ...(maxDepth === undefined ? {} : { maxDepth }),
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
    const integrationId = args.rule?.integrationId;
    const rule = args.rule ? this.checkedInput(args.rule as RuleInput) : undefined;
    return await ctx.runQuery(this.component.testRule.testRule, {
      ...(args.ruleId === undefined ? {} : { ruleId: args.ruleId }),
      ...(rule === undefined ? {} : { rule }),
      event: sanitizeForStorage(args.event, { maxBytes: MAX_EVENT_BYTES }).value,
      ...(args.now === undefined ? {} : { now: args.now }),
      ...(integrationId === undefined
        ? {}
        : { handlers: await handlesOf(this.options.handlers?.[integrationId], undefined) }),
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
    return await ctx.runMutation(this.component.actions.replayExecution, args);
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
    return await ctx.runQuery(this.component.executions.getRuleExecutions, args);
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
    return await ctx.runQuery(this.component.executions.getExecution, args);
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
    return await ctx.runQuery(this.component.executions.listExecutions, args);
  }

  /**
   * Builds host functions that expose rule management to your app's
   * clients, asking `auth` before each operation (the component never sees
   * auth). Throw from `auth` to refuse.
   *
   * @example
   * ```ts
   * export const { createRule, getRule, listRules, updateRule, deleteRule } =
   *   rules.api({
   *     auth: async (ctx, operation) => {
   *       if (!(await ctx.auth.getUserIdentity())) throw new Error("Unauthorized");
   *     },
   *   });
   * ```
   */
  api<DataModel extends GenericDataModel>(opts: {
    auth: (
      ctx: GenericQueryCtx<DataModel>,
      operation: RulesOperation,
    ) => void | Promise<void>;
  }) {
    const ruleOperation = async (
      ctx: GenericQueryCtx<DataModel>,
      name: "getRule" | "updateRule" | "deleteRule" | "enableRule" | "disableRule",
      ruleId: string,
    ) => {
      const rule = await this.get(ctx, { ruleId });
      await opts.auth(ctx, { name, ruleId, rule });
      return rule;
    };
    return {
      createRule: mutationGeneric({
        args: vRuleInput.fields,
        returns: v.string(),
        handler: async (ctx, args): Promise<string> => {
          await opts.auth(ctx as unknown as GenericQueryCtx<DataModel>, {
            name: "createRule",
            integrationId: args.integrationId,
            namespace: args.namespace ?? "",
          });
          return await this.create(ctx, args as RuleDraft<Is>);
        },
      }),
      getRule: queryGeneric({
        args: { ruleId: v.string() },
        returns: v.union(vRule, v.null()),
        handler: async (ctx, args) =>
          await ruleOperation(ctx as GenericQueryCtx<DataModel>, "getRule", args.ruleId),
      }),
      listRules: queryGeneric({
        args: {
          integrationId: v.string(),
          namespace: v.optional(v.string()),
          paginationOpts: paginationOptsValidator,
        },
        returns: paginationResultValidator(vRule),
        handler: async (ctx, args) => {
          await opts.auth(ctx as GenericQueryCtx<DataModel>, {
            name: "listRules",
            integrationId: args.integrationId,
            namespace: args.namespace ?? "",
          });
          return await this.list(ctx, args);
        },
      }),
      updateRule: mutationGeneric({
        args: {
          ruleId: v.string(),
          expectedVersion: v.optional(v.number()),
          integrationId: v.optional(v.string()),
          name: v.optional(v.string()),
          description: v.optional(v.union(v.string(), v.null())),
          enabled: v.optional(v.boolean()),
          priority: v.optional(v.number()),
          triggerType: v.optional(v.string()),
          triggerConfig: v.optional(v.any()),
          triggerPattern: v.optional(v.any()),
          conditions: v.optional(v.array(v.any())),
          actions: v.optional(v.array(v.any())),
          metadata: v.optional(v.any()),
        },
        returns: vRule,
        handler: async (ctx, args) => {
          const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
          const rule = await ruleOperation(ctxAsQuery, "updateRule", args.ruleId);
          const integrationId = args.integrationId ?? rule?.integrationId;
          return await this.update(ctx, { ...args, integrationId } as RulePatch<Is>);
        },
      }),
      deleteRule: mutationGeneric({
        args: { ruleId: v.string() },
        returns: v.null(),
        handler: async (ctx, args) => {
          const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
          await ruleOperation(ctxAsQuery, "deleteRule", args.ruleId);
          await this.delete(ctx, args);
          return null;
        },
      }),
      enableRule: mutationGeneric({
        args: { ruleId: v.string(), expectedVersion: v.optional(v.number()) },
        returns: v.null(),
        handler: async (ctx, args) => {
          const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
          await ruleOperation(ctxAsQuery, "enableRule", args.ruleId);
          await this.enable(ctx, args);
          return null;
        },
      }),
      disableRule: mutationGeneric({
        args: { ruleId: v.string(), expectedVersion: v.optional(v.number()) },
        returns: v.null(),
        handler: async (ctx, args) => {
          const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
          await ruleOperation(ctxAsQuery, "disableRule", args.ruleId);
          await this.disable(ctx, args);
          return null;
        },
      }),
    };
  }

  /** Checks a rule against the declarations and fills in its derived pattern. */
  private checkedInput(rule: RuleInput): RuleInput {
    const derived = checkDeclaredParts(this.options.integrations, {
      integrationId: rule.integrationId,
      triggerType: rule.triggerType,
      triggerConfig: rule.triggerConfig,
      conditions: rule.conditions ?? [],
      actions: rule.actions,
    });
    const input: RuleInput = { ...rule, conditions: rule.conditions ?? [] };
    if (input.triggerPattern === undefined && derived !== undefined) {
      input.triggerPattern = derived;
    }
    return input;
  }
}
