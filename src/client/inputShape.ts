/**
 * The first check of every input that carries a rule: its whole shape
 * against the validator the component declares for it, before anything
 * reads a field. A rule parsed from a form or a file can be any JSON, and
 * Convex's own argument check (or a `for...of` over an object) would fail
 * it without a code or a field.
 */
import { validate, ValidationError } from "convex-helpers/validators";
import { v, type GenericValidator } from "convex/values";
import { fail } from "../component/lib/errors.js";
import { vRuleInput, vRulePatch, vUpdateRuleArgs, type ErrorCode } from "../shared.js";

/** `rules.create`'s argument: a rule and who creates it. */
export const vCreateInput = vRuleInput.extend({ actor: v.optional(v.string()) });
/** `rules.import`'s arguments; each rule is checked on its own, to report it by index. */
export const vImportInput = v.object({ rules: v.array(v.any()), actor: v.optional(v.string()) });
/** `rules.testRule`'s arguments; a `rule` is checked as `vRuleInput`, the event is outside data. */
export const vTestRuleInput = v.object({
  ruleId: v.optional(v.string()),
  rule: v.optional(v.any()),
  event: v.any(),
  now: v.optional(v.number()),
});
/** `updateRule` as the host's `rules.api` exposes it: the actor is the host's to record. */
export const vApiUpdateInput = vUpdateRuleArgs.omit("actor");

/** The arguments of `rules.create` that are not the rule. */
export const CREATE_ARGUMENTS: ReadonlySet<string> = new Set(["actor"]);
/** The arguments of `rules.update` that are not the patch, and the patch as a whole. */
export const UPDATE_ARGUMENTS: ReadonlySet<string> = new Set([
  "patch",
  ...Object.keys(vUpdateRuleArgs.fields).filter((field) => !Object.hasOwn(vRulePatch.fields, field)),
]);

export type ShapeOptions = {
  /**
   * The code of the error (`INVALID_RULE` for a rule, `INVALID_ARGUMENT` for
   * the rest), or a function of the refused field that picks it.
   */
  code: ErrorCode | ((field: string) => ErrorCode);
  /** Prefixed to every reported field, e.g. `actions[0].config`; none for a whole argument. */
  field?: string;
  /** The field named when the value itself is of the wrong kind (it has no path of its own). */
  rootField: string;
};

/**
 * Throws `ConvexError` `{ code, field, message }` naming the first part of
 * `value` that `validator` refuses: a missing or unknown field, a wrong
 * type, `null` where a value belongs. Narrows `value` on success.
 *
 * @example
 * ```ts
 * checkShape(vRuleInput, JSON.parse(text), { code: "INVALID_RULE", rootField: "rule" });
 * ```
 */
export function checkShape<T>(
  validator: GenericValidator & { type: T },
  value: unknown,
  options: ShapeOptions,
): asserts value is T {
  try {
    validate(withOwnFieldsOnly(validator), value, {
      throw: true,
      ...(options.field === undefined ? {} : { _pathPrefix: options.field }),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const field = error.path || options.field || options.rootField;
    const code = typeof options.code === "function" ? options.code(field) : options.code;
    fail(code, `${field}: ${describe(error)}`, field);
  }
}

const ownFieldsOnly = new WeakMap<object, GenericValidator>();

/**
 * `validator` with every object's field map free of a prototype. The
 * validate function looks a value's field names up in that map, and in a
 * plain object inherited names (`__proto__`, `constructor`, `toString`)
 * would pass as declared fields and go unchecked.
 */
function withOwnFieldsOnly(validator: GenericValidator): GenericValidator {
  const known = ownFieldsOnly.get(validator);
  if (known) return known;
  const copy: Record<string, unknown> = { ...validator, kind: validator.kind, isOptional: validator.isOptional };
  switch (validator.kind) {
    case "object":
      copy["fields"] = Object.assign(
        Object.create(null),
        Object.fromEntries(Object.entries(validator.fields).map(([name, field]) => [name, withOwnFieldsOnly(field)])),
      );
      break;
    case "array":
      copy["element"] = withOwnFieldsOnly(validator.element);
      break;
    case "union":
      copy["members"] = validator.members.map(withOwnFieldsOnly);
      break;
    case "record":
      copy["key"] = withOwnFieldsOnly(validator.key);
      copy["value"] = withOwnFieldsOnly(validator.value);
      break;
  }
  const shadow = copy as unknown as GenericValidator;
  ownFieldsOnly.set(validator, shadow);
  return shadow;
}

/**
 * `INVALID_ARGUMENT` for the arguments around a rule (a top-level name in
 * `argumentFields`: `ruleId`, `actor`, ...), `INVALID_RULE` for the rule's
 * own fields and any field it does not have.
 *
 * @example
 * ```ts
 * checkShape(vUpdateRuleArgs, patch, { code: codeByField(UPDATE_ARGUMENTS), rootField: "patch" });
 * ```
 */
export function codeByField(argumentFields: ReadonlySet<string>): (field: string) => ErrorCode {
  return (field) => (argumentFields.has(field.split(/[.[]/, 1)[0]!) ? "INVALID_ARGUMENT" : "INVALID_RULE");
}

function describe(error: ValidationError): string {
  if (error.expected === "nothing") return "is not a field this input accepts";
  if (error.got === "undefined") return `is required (${kindName(error.expected)})`;
  // An object validator names the prototype it refused as "expected".
  if (error.expected === "Array" && error.got === "object") return "must be an object, not an array";
  return `must be ${kindName(error.expected)}, not ${error.got}`;
}

const KIND_NAMES: Record<string, string> = {
  object: "an object",
  array: "an array",
  string: "a string",
  number: "a number",
  float64: "a number",
  boolean: "a boolean",
  null: "null",
  union: "one of the accepted kinds",
};

function kindName(kind: string): string {
  return Object.hasOwn(KIND_NAMES, kind) ? KIND_NAMES[kind]! : JSON.stringify(kind);
}
