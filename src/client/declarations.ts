/**
 * Runtime checks of rule definitions against the integrations' declarations:
 * the same rules the types enforce, for callers that bypass the types (a
 * host's public mutation receiving JSON from a browser).
 */
import type { GenericValidator } from "convex/values";
import { fail } from "../component/lib/errors.js";
import { findConditionProblem } from "../core/conditions.js";
import { checkRequestUrl, httpRequestConfigProblem } from "../core/httpPolicy.js";
import { hasPlaceholders } from "../core/template.js";
import {
  HTTP_REQUEST_ACTION,
  vHttpRequestConfig,
  type ActionInput,
  type ConditionInput,
  type HttpPolicy,
} from "../shared.js";
import type { IntegrationDefinition, Integrations } from "./integrations.js";
import { checkShape } from "./inputShape.js";

/** The part of a rule checked against declarations. */
export type DeclaredParts = {
  integrationId: string;
  triggerType?: string;
  triggerConfig?: unknown;
  conditions?: ConditionInput[];
  actions?: ActionInput[];
};

/**
 * Checks every declared part present in `rule` and returns the pattern its
 * trigger type derives from the config, if any.
 */
export function checkDeclaredParts(
  integrations: Integrations,
  rule: DeclaredParts,
  options: { http?: HttpPolicy } = {},
): object | undefined {
  const integration = integrationOrFail(integrations, rule.integrationId);
  let derivedPattern: object | undefined;
  if (rule.triggerType !== undefined) {
    const trigger = integration.triggers[rule.triggerType];
    if (!Object.hasOwn(integration.triggers, rule.triggerType) || !trigger) {
      fail(
        "INVALID_RULE",
        `triggerType: "${rule.triggerType}" is not a trigger of integration "${rule.integrationId}"; expected one of ${Object.keys(integration.triggers).join(", ")}`,
        "triggerType",
      );
    }
    checkConfig(trigger.config, rule.triggerConfig, "triggerConfig");
    derivedPattern = trigger.pattern?.(rule.triggerConfig);
  }
  if (rule.conditions !== undefined) {
    checkConditions(integration, rule.conditions);
  }
  for (const [index, action] of (rule.actions ?? []).entries()) {
    const declared = integration.actions[action.type];
    // The built-in http.request, unless the integration declares its own.
    if (action.type === HTTP_REQUEST_ACTION && !Object.hasOwn(integration.actions, action.type)) {
      checkHttpRequestAction(action.config, `actions[${index}]`, options.http);
      continue;
    }
    if (!Object.hasOwn(integration.actions, action.type) || !declared) {
      fail(
        "INVALID_RULE",
        `actions[${index}].type: "${action.type}" is not an action of integration "${rule.integrationId}"; expected one of ${Object.keys(integration.actions).join(", ")}`,
        `actions[${index}].type`,
      );
    }
    checkConfig(declared.config, action.config, `actions[${index}].config`);
  }
  return derivedPattern;
}

function integrationOrFail(
  integrations: Integrations,
  integrationId: string,
): IntegrationDefinition {
  const integration = integrations[integrationId];
  if (!Object.hasOwn(integrations, integrationId) || !integration) {
    fail(
      "INVALID_RULE",
      `integrationId: "${integrationId}" is not a declared integration; expected one of ${Object.keys(integrations).join(", ")}`,
      "integrationId",
    );
  }
  return integration;
}

function checkConditions(
  integration: IntegrationDefinition,
  conditions: ConditionInput[],
) {
  const custom = integration.conditions ?? {};
  const problem = findConditionProblem(conditions, new Set(Object.keys(custom)));
  if (problem) fail("INVALID_RULE", `${problem.field}: ${problem.message}`, problem.field);
  const visit = (list: ConditionInput[], base: string) => {
    for (const [index, node] of list.entries()) {
      const field = `${base}[${index}]`;
      const declared = Object.hasOwn(custom, node.type) ? custom[node.type] : undefined;
      if (declared) {
        checkConfig(declared.config, node.config, `${field}.config`);
      } else if (Array.isArray(node.config?.conditions)) {
        visit(node.config.conditions, `${field}.config.conditions`);
      }
    }
  };
  visit(conditions, "conditions");
}

/**
 * The built-in `http.request` action: its config's shape, and its URL
 * against the client's policy when the URL holds no template (a templated
 * URL is checked when the action runs).
 */
function checkHttpRequestAction(config: unknown, field: string, http: HttpPolicy | undefined) {
  if (!http) {
    fail(
      "INVALID_RULE",
      `${field}.type: the built-in "${HTTP_REQUEST_ACTION}" action needs the http option of the Rules client ({ http: { allowedHosts: [...] } })`,
      `${field}.type`,
    );
  }
  checkConfig(vHttpRequestConfig, config, `${field}.config`);
  const problem = httpRequestConfigProblem(config);
  if (problem) {
    const at = `${field}.config${problem.field ? `.${problem.field}` : ""}`;
    fail("INVALID_RULE", `${at}: ${problem.message}`, at);
  }
  const url = (config as { url: string }).url;
  if (!hasPlaceholders(url)) {
    const checked = checkRequestUrl(url, http);
    if (!checked.ok) fail("INVALID_RULE", `${field}.config.url: ${checked.message}`, `${field}.config.url`);
  }
}

function checkConfig(validator: GenericValidator, value: unknown, field: string) {
  checkShape(validator, value, { code: "INVALID_RULE", field, rootField: field });
}
