/// <reference types="vite/client" />
// A host app for the client tests: its functions use the client the way a
// real app's would, through `components.rules`. Named *.test.ts so that no
// build ships it; vitest does not run it as a suite (see vitest.config.ts).
import { convexTest } from "convex-test";
import {
  componentsGeneric,
  defineSchema,
  defineTable,
  mutationGeneric,
  queryGeneric,
} from "convex/server";
import { register } from "../test.js";
import { ConvexError, v } from "convex/values";
import { defineIntegration, Rules, type RuleDraft } from "./index.js";
import type { ComponentApi } from "../component/_generated/component.js";

/**
 * A convex-test instance of this host app, with the rules component
 * registered, under Convex's transaction limits. `modules` is the calling
 * test's `import.meta.glob("./**\/*.ts")`: a glob never lists the file it
 * is written in, and this one must be listed.
 */
export function setupHost(modules: Record<string, () => Promise<any>>) {
  const t = convexTest({
    schema: defineSchema({ notes: defineTable({ text: v.string() }) }),
    modules,
    transactionLimits: true,
  });
  register(t);
  return t;
}

const components = componentsGeneric() as unknown as { rules: ComponentApi };

const github = defineIntegration({
  triggers: {
    pull_request_opened: {
      config: v.object({ repo: v.string(), base: v.optional(v.string()) }),
      pattern: ({ repo, base }) => ({
        repository: { full_name: [repo] },
        ...(base === undefined ? {} : { pull_request: { base: { ref: [base] } } }),
      }),
    },
    push: { config: v.object({ repo: v.string() }) },
  },
  conditions: {
    author_in_team: { config: v.object({ team: v.string() }) },
  },
  actions: {
    add_label: { config: v.object({ label: v.string() }) },
    comment: { config: v.object({ body: v.string() }) },
  },
});
const slack = defineIntegration({
  triggers: { message_posted: { config: v.object({ channel: v.string() }) } },
  actions: { reply: { config: v.object({ text: v.string() }) } },
});

export const rules = new Rules(components.rules, { integrations: { github, slack } });

export type Draft = RuleDraft<{ github: typeof github; slack: typeof slack }>;

export const create = mutationGeneric({
  args: { rule: v.any() },
  handler: async (ctx, args) => await rules.create(ctx, args.rule as Draft),
});
export const update = mutationGeneric({
  args: { patch: v.any() },
  handler: async (ctx, args) => await rules.update(ctx, args.patch),
});
/** Rules from a form or a file: any JSON text, parsed where the client gets it. */
export const createFromJson = mutationGeneric({
  args: { text: v.string() },
  handler: async (ctx, args) => await rules.create(ctx, JSON.parse(args.text)),
});
export const updateFromJson = mutationGeneric({
  args: { text: v.string() },
  handler: async (ctx, args) => await rules.update(ctx, JSON.parse(args.text)),
});
export const importFromJson = mutationGeneric({
  args: { text: v.string() },
  handler: async (ctx, args) => await rules.import(ctx, JSON.parse(args.text)),
});
export const testRuleFromJson = queryGeneric({
  args: { text: v.string() },
  handler: async (ctx, args) => await rules.testRule(ctx, JSON.parse(args.text)),
});
/** A push to `repo`, dispatched in a namespace. */
export const push = mutationGeneric({
  args: { repo: v.string(), namespace: v.string() },
  handler: async (ctx, args) =>
    await rules.execute(ctx, {
      integrationId: "github",
      triggerType: "push",
      namespace: args.namespace,
      event: { repository: { full_name: args.repo } },
    }),
});
export const remove = mutationGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.remove(ctx, args),
});
export const enable = mutationGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.enable(ctx, args),
});
export const disable = mutationGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.disable(ctx, args),
});
export const get = queryGeneric({
  args: { ruleId: v.string() },
  handler: async (ctx, args) => await rules.get(ctx, args),
});
/** The first 100 rules of an integration (optionally only enabled or disabled ones). */
export const byIntegration = queryGeneric({
  args: { integrationId: v.string(), enabled: v.optional(v.boolean()) },
  handler: async (ctx, args) =>
    (await rules.list(ctx, { ...args, paginationOpts: { numItems: 100, cursor: null } })).page,
});
export const list = queryGeneric({
  args: { integrationId: v.string(), cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, args) =>
    await rules.list(ctx, {
      integrationId: args.integrationId,
      paginationOpts: { numItems: 2, cursor: args.cursor },
    }),
});
export const importRules = mutationGeneric({
  args: { rules: v.any() },
  handler: async (ctx, args) => await rules.import(ctx, { rules: args.rules }),
});
export const exportRules = queryGeneric({
  args: { integrationId: v.string() },
  handler: async (ctx, args) =>
    await rules.export(ctx, {
      integrationId: args.integrationId,
      paginationOpts: { numItems: 100, cursor: null },
    }),
});
export const logs = queryGeneric({
  args: { executionId: v.string() },
  handler: async (ctx, args) => await rules.executions.getLogs(ctx, args),
});
export const {
  createRule,
  getRule,
  listRules,
  updateRule,
  deleteRule,
  enableRule,
  disableRule,
  importRules: apiImportRules,
  listExecutions,
  listRuleExecutions,
  getExecution,
  getExecutionLogs,
} = rules.api({
  auth: async (ctx, operation) => {
    const identity = await ctx.auth.getUserIdentity();
    if (!identity) throw new ConvexError({ code: "UNAUTHORIZED", message: "sign in" });
    const namespace = "namespace" in operation ? operation.namespace : operation.rule?.namespace;
    if (namespace !== undefined && namespace !== identity.subject) {
      throw new ConvexError({ code: "UNAUTHORIZED", message: "other tenant" });
    }
  },
});
