/**
 * `<RuleSummary>`: a rule in words - "when ... if ... then ..." - from the
 * integration's declarations (their descriptions) when given.
 */
import type { IntegrationDefinition } from "../client/integrations.js";
import type { Rule } from "../shared.js";
import { showValue } from "../core/trace.js";

export type RuleSummaryProps = {
  rule: Pick<Rule, "name" | "enabled" | "triggerType" | "triggerConfig" | "conditions" | "actions">;
  /** The rule's integration, for the descriptions of its trigger and actions. */
  integration?: IntegrationDefinition;
  className?: string;
};

/**
 * @example
 * ```tsx
 * <RuleSummary rule={rule} integration={github} />
 * // When a pull request was merged (repo "acme/web"), if always, then slack_post_message (...)
 * ```
 */
export function RuleSummary({ rule, integration, className }: RuleSummaryProps) {
  const trigger = integration?.triggers[rule.triggerType];
  return (
    <p className={["cr-summary", className].filter(Boolean).join(" ")} aria-label={`Rule ${rule.name}`}>
      <strong>When</strong> {trigger?.description ?? rule.triggerType}
      {configText(rule.triggerConfig)}, <strong>if</strong> {conditionsText(rule.conditions)}, <strong>then</strong>{" "}
      {rule.actions.length === 0
        ? "nothing"
        : rule.actions
            .map((action) => `${integration?.actions[action.type]?.description ?? action.type}${configText(action.config)}`)
            .join(", then ")}
      .{rule.enabled ? null : " (disabled)"}
    </p>
  );
}

function configText(config: unknown): string {
  if (typeof config !== "object" || config === null) return "";
  const entries = Object.entries(config);
  return entries.length === 0 ? "" : ` (${entries.map(([key, value]) => `${key} ${showValue(value)}`).join(", ")})`;
}

type ConditionLike = { type: string; config?: unknown };

function conditionsText(conditions: readonly ConditionLike[]): string {
  return conditions.length === 0 ? "always" : conditions.map(conditionText).join(" and ");
}

function conditionText(condition: ConditionLike): string {
  const config = (condition.config ?? {}) as { path?: string; op?: string; value?: unknown; conditions?: ConditionLike[] };
  if (condition.type === "field") {
    return [config.path, config.op, ...(config.value === undefined ? [] : [showValue(config.value)])].join(" ");
  }
  if (condition.type === "all" || condition.type === "any" || condition.type === "not") {
    const inner = (config.conditions ?? []).map(conditionText);
    const joiner = condition.type === "any" ? " or " : " and ";
    return `${condition.type === "not" ? "not " : ""}(${inner.join(joiner)})`;
  }
  return `${condition.type}${configText(config)}`;
}
