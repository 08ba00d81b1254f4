/**
 * Validation and normalisation of rule definitions, shared by `createRule`,
 * `updateRule` and `importRules`. Pure: returns a problem instead of
 * throwing, so callers decide how to report it.
 */
import { convexSize } from "./convexSize.js";
import type { StorableValue } from "./storableValue.js";
import type {
  Action,
  ActionInput,
  ConditionInput,
  RuleDefinition,
  RuleInput,
} from "../shared.js";
import type { ErrorCode } from "./errorCodes.js";
import { LIMITS } from "./limits.js";
import {
  assignConditionIds,
  findConditionProblem,
  flattenConditions,
  idFormatProblem,
} from "./conditions.js";
import { findPatternProblem } from "./pattern.js";
import { findOrSpellingClash, fromStoredPattern, toStoredPattern } from "./storedPattern.js";
import { findScheduleProblem, type ScheduleSpec } from "./schedule.js";
import { CONVEX_VALUE_LIMITS, findUnstorable } from "./storable.js";

export type RuleProblem = { code: ErrorCode; field: string; message: string };

/**
 * A rule's definition ready to store (without id, timestamps and version):
 * the shape of `vRuleDefinition` in src/shared.ts.
 */
export type { RuleDefinition };

/** The fields a caller gives; optional ones take their defaults. */
export type RuleDefinitionInput = Omit<RuleInput, "id">;

export type ValidationOptions = {
  /** Custom condition types the integration declares (client-side check). */
  customConditionTypes?: ReadonlySet<string>;
};

export type Validated<T> = { ok: true; value: T } | { ok: false; problem: RuleProblem };

// Levels above a value in the stored rule document: the document itself is
// level 1, so `triggerConfig` starts at 1 and `conditions[i].config` at 3.
const TOP_LEVEL_FIELD_DEPTH = 1;
const ENTRY_CONFIG_DEPTH = 3;

/**
 * Room left in the 1 MiB document for what the definition does not hold:
 * the id (at most 128 characters), version, timestamps and system fields.
 */
export const RULE_DOCUMENT_RESERVE_BYTES = 1024;
const MAX_DEFINITION_BYTES = CONVEX_VALUE_LIMITS.maxSizeBytes - RULE_DOCUMENT_RESERVE_BYTES;

export function validateRuleId(id: unknown): RuleProblem | null {
  const problem = idFormatProblem(id);
  return problem ? invalid("id", problem) : null;
}

/**
 * The check of each definition field, in the order a definition is checked
 * (the first problem found is the one reported). Each takes the field's
 * value as given, `undefined` when absent.
 */
const FIELD_CHECKS: ReadonlyArray<
  readonly [keyof RuleDefinitionInput, (value: any, options: ValidationOptions) => RuleProblem | null]
> = [
  ["name", nameProblem],
  ["description", descriptionProblem],
  ["integrationId", (value) => keyProblem("integrationId", value)],
  ["namespace", namespaceProblem],
  ["priority", priorityProblem],
  ["triggerType", (value) => keyProblem("triggerType", value)],
  ["triggerConfig", (value) => storableProblem("triggerConfig", value, TOP_LEVEL_FIELD_DEPTH)],
  ["triggerPattern", patternProblem],
  ["schedule", scheduleProblem],
  ["conditions", (value, options) => conditionsProblem(value ?? [], options)],
  ["actions", actionsProblem],
  ["metadata", (value) => storableProblem("metadata", value, TOP_LEVEL_FIELD_DEPTH)],
];

/**
 * The first problem of the fields a patch sets, each checked as in a
 * complete definition; absent and `null` (cleared) fields are skipped.
 * Lets a caller refuse a patch before it crosses to the component (which
 * checks the rule the patch produces as a whole).
 */
export function findRulePatchProblem(
  patch: Partial<Record<keyof RuleDefinitionInput, unknown>>,
  options: ValidationOptions = {},
): RuleProblem | null {
  for (const [field, check] of FIELD_CHECKS) {
    const value = patch[field];
    if (value === undefined || value === null) continue;
    const problem = check(value, options);
    if (problem) return problem;
  }
  return null;
}

/** Validates a complete definition and fills in defaults and ids. */
export function validateRuleDefinition(
  input: RuleDefinitionInput,
  options: ValidationOptions = {},
): Validated<RuleDefinition> {
  let problem: RuleProblem | null = null;
  for (const [field, check] of FIELD_CHECKS) {
    problem = check(input[field], options);
    if (problem) break;
  }
  if (problem) return { ok: false, problem };
  const definition: RuleDefinition = {
    name: input.name,
    enabled: input.enabled ?? true,
    integrationId: input.integrationId,
    namespace: input.namespace ?? "",
    priority: input.priority ?? 0,
    triggerType: input.triggerType,
    triggerConfig: input.triggerConfig,
    conditions: flattenConditions(assignConditionIds(input.conditions ?? [])),
    actions: assignActionIds(input.actions),
  };
  if (input.description !== undefined) definition.description = input.description;
  // Stored, like it crosses Convex, with `$or` written `~or` (storedPattern.ts).
  if (input.triggerPattern !== undefined) definition.triggerPattern = toStoredPattern(input.triggerPattern);
  if (input.schedule !== undefined) definition.schedule = input.schedule as ScheduleSpec;
  if (input.metadata !== undefined) definition.metadata = input.metadata;
  const size = convexSize(definition as unknown as StorableValue);
  if (size > MAX_DEFINITION_BYTES) {
    return {
      ok: false,
      problem: invalid(
        "rule",
        `is ${size} bytes; a rule may hold at most ${MAX_DEFINITION_BYTES} bytes to fit Convex's 1 MiB document limit`,
      ),
    };
  }
  return { ok: true, value: definition };
}

function nameProblem(name: unknown): RuleProblem | null {
  if (typeof name !== "string" || name.trim().length === 0) {
    return invalid("name", "must not be empty");
  }
  if (name.length > LIMITS.nameLength) {
    return invalid("name", `is longer than ${LIMITS.nameLength} characters`);
  }
  return null;
}

function descriptionProblem(description: unknown): RuleProblem | null {
  if (description === undefined) return null;
  if (typeof description !== "string") return invalid("description", "must be a string");
  if (description.length > LIMITS.descriptionLength) {
    return invalid(
      "description",
      `is longer than ${LIMITS.descriptionLength} characters`,
    );
  }
  return null;
}

function keyProblem(field: string, value: unknown): RuleProblem | null {
  const problem = idFormatProblem(value);
  return problem ? invalid(field, problem) : null;
}

function namespaceProblem(namespace: unknown): RuleProblem | null {
  if (namespace === undefined || namespace === "") return null;
  return keyProblem("namespace", namespace);
}

function priorityProblem(priority: unknown): RuleProblem | null {
  if (priority === undefined) return null;
  return typeof priority === "number" && Number.isFinite(priority)
    ? null
    : invalid("priority", "must be a finite number");
}

function patternProblem(pattern: unknown): RuleProblem | null {
  if (pattern === undefined) return null;
  const clash = findOrSpellingClash(pattern);
  if (clash !== null) return invalid(clash, 'has both "$or" and "~or", two spellings of one operator');
  const problem = findPatternProblem(fromStoredPattern(pattern));
  if (problem) return invalid(problem.field, problem.message);
  return storableProblem("triggerPattern", toStoredPattern(pattern), TOP_LEVEL_FIELD_DEPTH);
}

function scheduleProblem(schedule: unknown): RuleProblem | null {
  if (schedule === undefined) return null;
  const problem = findScheduleProblem(schedule);
  return problem ? invalid(problem.field, problem.message) : null;
}

function conditionsProblem(
  conditions: ConditionInput[],
  options: ValidationOptions,
): RuleProblem | null {
  const problem = findConditionProblem(conditions, options.customConditionTypes);
  if (problem) return invalid(problem.field, problem.message);
  // Stored flat, so every node's config sits at the same depth.
  const flat = flattenConditions(assignConditionIds(conditions));
  for (const node of flat) {
    const stored = storableProblem(
      `conditions(${node.id}).config`,
      node.config,
      ENTRY_CONFIG_DEPTH,
    );
    if (stored) return stored;
  }
  return null;
}

function actionsProblem(actions: ActionInput[] | undefined): RuleProblem | null {
  if (!Array.isArray(actions)) return invalid("actions", "must be an array");
  if (actions.length > LIMITS.actions) {
    return invalid("actions", `has more than ${LIMITS.actions} actions`);
  }
  const seen = new Set<string>();
  for (let i = 0; i < actions.length; i++) {
    const action = actions[i]!;
    const field = `actions[${i}]`;
    if (action.id !== undefined) {
      const idProblem = idFormatProblem(action.id);
      if (idProblem) return invalid(`${field}.id`, idProblem);
      if (seen.has(action.id)) {
        return invalid(`${field}.id`, `duplicate action id "${action.id}"`);
      }
      seen.add(action.id);
    }
    const typeProblem = keyProblem(`${field}.type`, action.type);
    if (typeProblem) return typeProblem;
    const stored = storableProblem(`${field}.config`, action.config, ENTRY_CONFIG_DEPTH);
    if (stored) return stored;
  }
  return null;
}

/** Gives every action without an id the next free `a<n>`, in order. */
export function assignActionIds(actions: readonly ActionInput[]): Action[] {
  const used = new Set(actions.flatMap((a) => (a.id === undefined ? [] : [a.id])));
  let next = 1;
  return actions.map((action) => {
    let id = action.id;
    if (id === undefined) {
      while (used.has(`a${next}`)) next++;
      id = `a${next}`;
      used.add(id);
    }
    const assigned: Action = { id, type: action.type, config: action.config };
    if (action.onError !== undefined) assigned.onError = action.onError;
    return assigned;
  });
}

/**
 * Names a rule's own values may not use although Convex stores them: a
 * definition is read back into plain objects, where these name the
 * prototype chain (`__proto__` is refused already, as it starts with "_").
 */
const PROTOTYPE_NAMES: ReadonlyMap<string, string> = new Map([
  ["constructor", "is reserved (it names an object's prototype chain)"],
  ["prototype", "is reserved (it names an object's prototype chain)"],
]);

function storableProblem(
  field: string,
  value: unknown,
  depthOffset: number,
): RuleProblem | null {
  if (value === undefined) return null;
  const problem = findUnstorable(value, { path: field, depthOffset, refusedNames: PROTOTYPE_NAMES });
  return problem ? invalid(problem.path, problem.message) : null;
}

function invalid(field: string, message: string): RuleProblem {
  return { code: "INVALID_RULE", field, message: `${field}: ${message}` };
}
