import {
  mutationGeneric,
  queryGeneric,
  paginationOptsValidator,
  paginationResultValidator,
  type GenericDataModel,
  type GenericMutationCtx,
  type GenericQueryCtx,
  type PaginationOptions,
  type PaginationResult,
} from "convex/server";
import { ConvexError, v } from "convex/values";
import type { ComponentApi } from "../component/_generated/component.js";
import {
  vRule,
  vRuleInput,
  type ExecutionLog,
  type ImportError,
  type ImportResult,
  type Rule,
  type RuleExport,
  type RuleInput,
  type RulesErrorData,
} from "../shared.js";
import { fail } from "../component/errors.js";
import { checkDeclaredParts } from "./declarations.js";
import type { Integrations, RuleDraft, RulePatch } from "./integrations.js";

export {
  defineIntegration,
  type ActionDefinition,
  type ActionOf,
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
  type ErrorCode,
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

/** The narrowest ctx each method needs: a query's, or a mutation's. */
export type RunQueryCtx = { runQuery: GenericQueryCtx<GenericDataModel>["runQuery"] };
export type RunMutationCtx = RunQueryCtx & {
  runMutation: GenericMutationCtx<GenericDataModel>["runMutation"];
};

export type RulesOptions<Is extends Integrations> = {
  /** The integrations rules may use, by integration id. */
  integrations: Is;
};

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
    if (args.integrationId !== undefined) {
      const derived = checkDeclaredParts(this.options.integrations, {
        integrationId: args.integrationId,
        triggerType: args.triggerType,
        triggerConfig: args.triggerConfig,
        conditions: args.conditions,
        actions: args.actions,
      });
      if (derived !== undefined && args.triggerPattern === undefined) {
        args.triggerPattern = derived;
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
          await ruleOperation(ctxAsQuery, "updateRule", args.ruleId);
          return await this.update(ctx, args as RulePatch<Is>);
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
