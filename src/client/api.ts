/**
 * `rules.api(...)`: host functions that expose rule management to the
 * app's own clients, each asking the host's `auth` callback first (the
 * component never sees auth).
 */
import {
  mutationGeneric,
  queryGeneric,
  paginationOptsValidator,
  paginationResultValidator,
  type GenericDataModel,
  type GenericQueryCtx,
  type RegisteredMutation,
} from "convex/server";
import { v, type Infer } from "convex/values";
import {
  vExecution,
  vExecutionLog,
  vExecutionStatus,
  vImportResult,
  vRule,
  vRuleExport,
  vRuleInput,
  vScopePageArgs,
  type ImportResult,
  type Rule,
  type RuleInput,
} from "../shared.js";
import { checkShape, codeByField, UPDATE_ARGUMENTS, vApiUpdateInput, vImportInput } from "./inputShape.js";
import type { RuleDoc, Rules } from "./index.js";
import type { Integrations, RuleDraft } from "./integrations.js";

/**
 * What the host's `auth` callback of `rules.api` is asked to allow.
 * For operations on one rule, `rule` is that rule as stored (null when it
 * does not exist), so the callback can check its namespace.
 */
export type RulesOperation =
  | {
      /**
       * `importRules` asks once per integration and namespace that the
       * imported rules belong to; the others once per call.
       */
      name: "createRule" | "listRules" | "importRules" | "exportRules" | "listExecutions";
      integrationId: string;
      namespace: string;
    }
  | {
      /** Reads of one execution: asked with the execution's own scope, once it is read. */
      name: "getExecution" | "getExecutionLogs";
      integrationId: string;
      namespace: string;
      executionId: string;
    }
  | {
      name: "getRule" | "updateRule" | "deleteRule" | "enableRule" | "disableRule" | "listRuleExecutions";
      ruleId: string;
      rule: RuleDoc | null;
    };

/** What `rules.api` takes: the check run before every operation. Throw from it to refuse. */
export type RulesApiOptions<DataModel extends GenericDataModel> = {
  auth: (ctx: GenericQueryCtx<DataModel>, operation: RulesOperation) => void | Promise<void>;
};

/**
 * The host functions of `rules.api(opts)`: create, import, export, get,
 * list, update, delete, enable and disable rules, each after `opts.auth`.
 *
 * @example
 * ```ts
 * export const { createRule, getRule, listRules } = rulesApi(rules, {
 *   auth: async (ctx) => {
 *     if (!(await ctx.auth.getUserIdentity())) throw new Error("Unauthorized");
 *   },
 * });
 * ```
 */
export function rulesApi<Is extends Integrations, DataModel extends GenericDataModel>(
  rules: Rules<Is>,
  opts: RulesApiOptions<DataModel>,
) {
  const ruleOperation = async (
    ctx: GenericQueryCtx<DataModel>,
    name: "getRule" | "updateRule" | "deleteRule" | "enableRule" | "disableRule" | "listRuleExecutions",
    ruleId: string,
  ) => {
    const rule = await rules.get(ctx, { ruleId });
    await opts.auth(ctx, { name, ruleId, rule });
    return rule;
  };
  const scopeOperation = async (
    ctx: GenericQueryCtx<DataModel>,
    name: "listRules" | "exportRules" | "listExecutions",
    args: { integrationId: string; namespace?: string },
  ) => await opts.auth(ctx, { name, integrationId: args.integrationId, namespace: args.namespace ?? "" });
  // An execution is read first: auth is asked with its own scope, and a
  // missing one answers null without asking.
  const executionOperation = async (
    ctx: GenericQueryCtx<DataModel>,
    name: "getExecution" | "getExecutionLogs",
    executionId: string,
  ) => {
    const execution = await rules.executions.get(ctx, { executionId });
    if (execution) {
      await opts.auth(ctx, {
        name,
        integrationId: execution.integrationId,
        namespace: execution.namespace,
        executionId,
      });
    }
    return execution;
  };
  // The three functions that take a rule check its shape themselves, with a
  // coded error naming the field, before auth sees it: Convex's argument
  // validation would refuse it with neither. Their types are still exact.
  return {
    createRule: mutationGeneric({
      args: v.any(),
      returns: v.string(),
      handler: async (ctx, args: unknown): Promise<string> => {
        checkShape(vRuleInput, args, { code: "INVALID_RULE", rootField: "rule" });
        await opts.auth(ctx as unknown as GenericQueryCtx<DataModel>, {
          name: "createRule",
          integrationId: args.integrationId,
          namespace: args.namespace ?? "",
        });
        return await rules.create(ctx, args as RuleDraft<Is>);
      },
    }) as RegisteredMutation<"public", RuleInput, Promise<string>>,
    importRules: mutationGeneric({
      args: v.any(),
      returns: vImportResult,
      handler: async (ctx, args: unknown): Promise<ImportResult> => {
        checkShape(vImportInput.omit("actor"), args, { code: "INVALID_ARGUMENT", rootField: "args" });
        const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
        const scopes = new Map<string, { integrationId: string; namespace: string }>();
        for (const rule of args.rules) {
          // A malformed rule fails the import, with its index, before any write.
          const scope = scopeOf(rule);
          if (scope) scopes.set(JSON.stringify(scope), scope);
        }
        for (const scope of scopes.values()) {
          await opts.auth(ctxAsQuery, { name: "importRules", ...scope });
        }
        return await rules.import(ctx, { rules: args.rules as RuleInput[] });
      },
    }) as RegisteredMutation<"public", { rules: RuleInput[] }, Promise<ImportResult>>,
    exportRules: queryGeneric({
      args: vScopePageArgs.fields,
      returns: paginationResultValidator(vRuleExport),
      handler: async (ctx, args) => {
        await scopeOperation(ctx as GenericQueryCtx<DataModel>, "exportRules", args);
        return await rules.export(ctx, args);
      },
    }),
    getRule: queryGeneric({
      args: { ruleId: v.string() },
      returns: v.union(vRule, v.null()),
      handler: async (ctx, args) =>
        await ruleOperation(ctx as GenericQueryCtx<DataModel>, "getRule", args.ruleId),
    }),
    listRules: queryGeneric({
      args: vScopePageArgs.fields,
      returns: paginationResultValidator(vRule),
      handler: async (ctx, args) => {
        await scopeOperation(ctx as GenericQueryCtx<DataModel>, "listRules", args);
        return await rules.list(ctx, args);
      },
    }),
    updateRule: mutationGeneric({
      args: v.any(),
      returns: vRule,
      handler: async (ctx, args: unknown) => {
        checkShape(vApiUpdateInput, args, { code: codeByField(UPDATE_ARGUMENTS), rootField: "patch" });
        const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
        const rule = await ruleOperation(ctxAsQuery, "updateRule", args.ruleId);
        const integrationId = args.integrationId ?? rule?.integrationId;
        return await rules.update(ctx, { ...args, integrationId } as Parameters<Rules<Is>["update"]>[1]);
      },
    }) as RegisteredMutation<"public", Infer<typeof vApiUpdateInput>, Promise<Rule>>,
    deleteRule: mutationGeneric({
      args: { ruleId: v.string() },
      returns: v.null(),
      handler: async (ctx, args) => {
        const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
        await ruleOperation(ctxAsQuery, "deleteRule", args.ruleId);
        await rules.remove(ctx, args);
        return null;
      },
    }),
    enableRule: mutationGeneric({
      args: { ruleId: v.string(), expectedVersion: v.optional(v.number()) },
      returns: v.null(),
      handler: async (ctx, args) => {
        const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
        await ruleOperation(ctxAsQuery, "enableRule", args.ruleId);
        await rules.enable(ctx, args);
        return null;
      },
    }),
    // Reads of the history, for the React components (convex-rules/react).
    listExecutions: queryGeneric({
      args: { ...vScopePageArgs.fields, status: v.optional(vExecutionStatus) },
      returns: paginationResultValidator(vExecution),
      handler: async (ctx, args) => {
        await scopeOperation(ctx as GenericQueryCtx<DataModel>, "listExecutions", args);
        return await rules.executions.list(ctx, args);
      },
    }),
    listRuleExecutions: queryGeneric({
      args: { ruleId: v.string(), paginationOpts: paginationOptsValidator },
      returns: paginationResultValidator(vExecution),
      handler: async (ctx, args) => {
        const rule = await ruleOperation(ctx as GenericQueryCtx<DataModel>, "listRuleExecutions", args.ruleId);
        // A rule that is gone has no history to show (it is being deleted).
        if (!rule) return { page: [], isDone: true, continueCursor: "" };
        return await rules.executions.listForRulePaged(ctx, args);
      },
    }),
    getExecution: queryGeneric({
      args: { executionId: v.string() },
      returns: v.union(vExecution, v.null()),
      handler: async (ctx, args) =>
        await executionOperation(ctx as GenericQueryCtx<DataModel>, "getExecution", args.executionId),
    }),
    getExecutionLogs: queryGeneric({
      args: { executionId: v.string() },
      returns: v.array(vExecutionLog),
      handler: async (ctx, args) => {
        const execution = await executionOperation(ctx as GenericQueryCtx<DataModel>, "getExecutionLogs", args.executionId);
        return execution ? await rules.executions.getLogs(ctx, args) : [];
      },
    }),
    disableRule: mutationGeneric({
      args: { ruleId: v.string(), expectedVersion: v.optional(v.number()) },
      returns: v.null(),
      handler: async (ctx, args) => {
        const ctxAsQuery = ctx as unknown as GenericQueryCtx<DataModel>;
        await ruleOperation(ctxAsQuery, "disableRule", args.ruleId);
        await rules.disable(ctx, args);
        return null;
      },
    }),
  };
}

/** The integration and namespace a rule of an import names, when both are well-formed. */
function scopeOf(rule: unknown): { integrationId: string; namespace: string } | null {
  if (typeof rule !== "object" || rule === null) return null;
  const { integrationId, namespace } = rule as { integrationId?: unknown; namespace?: unknown };
  if (typeof integrationId !== "string") return null;
  if (namespace !== undefined && typeof namespace !== "string") return null;
  return { integrationId, namespace: namespace ?? "" };
}
