/** Conversions between stored rule documents and the public shapes. */
import type { Doc } from "../_generated/dataModel.js";
import type { Rule, RuleExport } from "../../shared.js";
import { nestConditions } from "../../core/conditions.js";
import type { RuleDefinitionInput } from "../../core/ruleValidation.js";

export function toRule(doc: Doc<"rules">): Rule {
  const rule: Rule = {
    ruleId: doc.id,
    name: doc.name,
    enabled: doc.enabled,
    integrationId: doc.integrationId,
    namespace: doc.namespace,
    priority: doc.priority,
    version: doc.version,
    triggerType: doc.triggerType,
    triggerConfig: doc.triggerConfig,
    conditions: nestConditions(doc.conditions),
    actions: doc.actions,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.description !== undefined) rule.description = doc.description;
  if (doc.triggerPattern !== undefined) rule.triggerPattern = doc.triggerPattern;
  if (doc.schedule !== undefined) rule.schedule = doc.schedule;
  if (doc.metadata !== undefined) rule.metadata = doc.metadata;
  // Auto-disable marks (health.ts).
  if (doc.autoDisabled !== undefined) rule.autoDisabled = doc.autoDisabled;
  if (doc.disabledReason !== undefined) rule.disabledReason = doc.disabledReason;
  if (doc.disabledAt !== undefined) rule.disabledAt = doc.disabledAt;
  return rule;
}

/** The definition of a stored rule, in the shape `importRules` accepts. */
export function toExport(doc: Doc<"rules">): RuleExport {
  const exported: RuleExport = {
    id: doc.id,
    name: doc.name,
    enabled: doc.enabled,
    integrationId: doc.integrationId,
    namespace: doc.namespace,
    priority: doc.priority,
    triggerType: doc.triggerType,
    triggerConfig: doc.triggerConfig,
    conditions: nestConditions(doc.conditions),
    actions: doc.actions,
  };
  if (doc.description !== undefined) exported.description = doc.description;
  if (doc.triggerPattern !== undefined) exported.triggerPattern = doc.triggerPattern;
  if (doc.schedule !== undefined) exported.schedule = doc.schedule;
  if (doc.metadata !== undefined) exported.metadata = doc.metadata;
  return exported;
}

/** A stored rule as validation input, to apply a partial update to it. */
export function toDefinitionInput(doc: Doc<"rules">): RuleDefinitionInput {
  const { id: _id, ...definition } = toExport(doc);
  return definition;
}
