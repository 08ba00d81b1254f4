/** Trying a rule on a sample event without running anything. */
import { v } from "convex/values";
import { query } from "../_generated/server.js";
import { vHandlers, vRuleInput, type Condition } from "../../shared.js";
import { nestConditions } from "../../core/conditions.js";
import { evaluateConditions } from "../../core/evaluate.js";
import { flattenExplanation } from "../../core/explanation.js";
import { matchPattern } from "../../core/patternMatch.js";
import { validateRuleDefinition } from "../../core/ruleValidation.js";
import { renderTemplate } from "../../core/template.js";
import { customResults } from "./engine.js";
import { fail } from "../lib/errors.js";
import { getRuleDocOrFail } from "../rules.js";

/**
 * Evaluates a saved rule (`ruleId`) or an unsaved one (`rule`) against a
 * sample event: whether its pattern matches, the full condition explanation,
 * and each action's config with templates filled in (or why they cannot be).
 * Writes nothing and runs no action.
 */
export const testRule = query({
  args: {
    ruleId: v.optional(v.string()),
    rule: v.optional(vRuleInput),
    event: v.any(),
    handlers: v.optional(vHandlers),
    /** The time conditions compare dates with; now by default. */
    now: v.optional(v.number()),
  },
  returns: v.object({
    patternMatched: v.boolean(),
    conditionsMet: v.boolean(),
    wouldRun: v.boolean(),
    explanation: v.array(v.any()),
    actions: v.array(
      v.object({
        id: v.string(),
        type: v.string(),
        config: v.optional(v.any()),
        error: v.optional(v.string()),
      }),
    ),
  }),
  handler: async (ctx, args) => {
    if ((args.ruleId === undefined) === (args.rule === undefined)) {
      fail("INVALID_ARGUMENT", "rule: give exactly one of ruleId and rule", "rule");
    }
    let rule: {
      id: string;
      name: string;
      version: number;
      triggerPattern?: unknown;
      conditions: Condition[];
      actions: Array<{ id: string; type: string; config: unknown }>;
    };
    if (args.ruleId !== undefined) {
      const doc = await getRuleDocOrFail(ctx, args.ruleId);
      rule = { ...doc, conditions: nestConditions(doc.conditions) };
    } else {
      const { id, ...input } = args.rule!;
      const result = validateRuleDefinition(input);
      if (!result.ok) fail(result.problem.code, result.problem.message, result.problem.field);
      rule = {
        ...result.value,
        id: id ?? "(unsaved)",
        version: 0,
        conditions: nestConditions(result.value.conditions),
      };
    }
    const patternMatched = matchPattern(
      (rule.triggerPattern ?? undefined) as object | undefined,
      args.event,
    );
    const custom = await customResults(
      ctx,
      rule.conditions,
      args.event,
      args.handlers ?? { actions: {}, conditions: {} },
    );
    const evaluation = evaluateConditions(rule.conditions, args.event, {
      now: args.now ?? Date.now(),
      explain: true,
      custom: (node) => custom.get(node.id) ?? { error: `no result for condition ${node.id}` },
    });
    const context = {
      event: args.event,
      rule: { id: rule.id, name: rule.name, version: rule.version },
      actions: {},
    };
    const actions: Array<{ id: string; type: string; config?: any; error?: string }> = rule.actions.map((action) => {
      const rendered = renderTemplate(action.config, context);
      return rendered.ok
        ? { id: action.id, type: action.type, config: rendered.value }
        : {
            id: action.id,
            type: action.type,
            error: `${rendered.error} at config.${rendered.field}${rendered.error.includes("{{actions.") ? " (results of earlier actions exist only in a real run)" : ""}`,
          };
    });
    return {
      patternMatched,
      conditionsMet: evaluation.met,
      wouldRun: patternMatched && evaluation.met,
      explanation: flattenExplanation(evaluation.explanation ?? []) as any[],
      actions,
    };
  },
});
