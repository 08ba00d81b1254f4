/**
 * Integrations: what a host declares about its trigger, condition and action
 * types, and the types that make rule definitions checked at compile time.
 */
import type { FunctionReference } from "convex/server";
import type { GenericValidator, Infer } from "convex/values";
import type { FieldOperator, HttpRequestConfig, RetryBehavior } from "../shared.js";
import type { ScheduleSpec } from "../core/schedule.js";

/**
 * An EventBridge event pattern (see docs/patterns.md). `$or`
 * is accepted here and stored and returned as `~or`, because Convex field
 * names cannot start with `$`.
 */
export type TriggerPattern = {
  /** At least two patterns, one of which must match as well. */
  $or?: TriggerPattern[];
  /** `$or` as the component stores and returns it. */
  "~or"?: TriggerPattern[];
  [field: string]: PatternValue[] | TriggerPattern | TriggerPattern[] | undefined;
};
/** A string operand, or one compared without regard to case. */
type TextOperand = string | { "equals-ignore-case": string };
/** Values `anything-but` excludes: strings or numbers, or strings matched by an operator. */
type ExcludedValues =
  | string
  | number
  | string[]
  | number[]
  | { prefix: string | string[] }
  | { suffix: string | string[] }
  | { wildcard: string | string[] }
  | { "equals-ignore-case": string | string[] };
export type PatternValue =
  | string
  | number
  | boolean
  | null
  | { prefix: TextOperand }
  | { suffix: TextOperand }
  | { "equals-ignore-case": string }
  | { wildcard: string }
  | { cidr: string }
  | { "anything-but": ExcludedValues }
  | { numeric: [string, number] | [string, number, string, number] }
  | { exists: boolean };

/** A trigger type: the shape of its config and, optionally, the pattern it implies. */
export type TriggerDefinition<V extends GenericValidator = GenericValidator> = {
  config: V;
  /**
   * Derives the rule's `triggerPattern` from its config, so that dispatch
   * can route events by it. Used when a rule gives no pattern of its own.
   */
  pattern?: (config: Infer<V>) => TriggerPattern | undefined;
  /**
   * Derives the rule's `schedule` from its config: the rule then fires on
   * that schedule, without any event (see the README's "Schedule
   * triggers"). Used when a rule gives no schedule of its own.
   */
  schedule?: (config: Infer<V>) => ScheduleSpec | undefined;
  description?: string;
};

/** A custom condition type, answered by a host query (see `RulesOptions.handlers`). */
export type ConditionDefinition<V extends GenericValidator = GenericValidator> = {
  config: V;
  description?: string;
};

/** An action type: the shape of its config (its host function: `RulesOptions.handlers`). */
export type ActionDefinition<V extends GenericValidator = GenericValidator> = {
  config: V;
  description?: string;
};

/**
 * The host function that runs an action type: an action or a mutation
 * taking `vActionHandlerArgs(config)`; its return value is recorded as the
 * action's result.
 */
export type ActionHandler = (
  | { action: FunctionReference<"action", "public" | "internal"> }
  | { mutation: FunctionReference<"mutation", "public" | "internal"> }
) & {
  /**
   * Retries of a failed attempt (exponential backoff with jitter); `false`
   * never retries. Default: the client's `defaultRetry`, else 3 attempts.
   */
  retry?: RetryBehavior | false;
};

/** The host query answering a custom condition: `vConditionHandlerArgs(config)` to a boolean. */
export type ConditionHandler = { query: FunctionReference<"query", "public" | "internal"> };

export type IntegrationDefinition = {
  triggers: Record<string, TriggerDefinition<any>>;
  conditions?: Record<string, ConditionDefinition<any>>;
  actions: Record<string, ActionDefinition<any>>;
};

export type Integrations = Record<string, IntegrationDefinition>;

/**
 * Declares an integration. An identity function that keeps the literal
 * types, so rule definitions can be checked against the declaration.
 *
 * @example
 * ```ts
 * const monday = defineIntegration({
 *   triggers: {
 *     item_created: { config: v.object({ boardId: v.string() }) },
 *   },
 *   actions: {
 *     notify: { config: v.object({ userId: v.string(), text: v.string() }) },
 *   },
 * });
 * ```
 */
export function defineIntegration<const I extends IntegrationDefinition>(integration: I): I {
  return integration;
}

type Keys<T> = keyof T & string;

type CustomConditionTypes<I extends IntegrationDefinition> =
  I["conditions"] extends Record<string, ConditionDefinition<any>>
    ? Keys<I["conditions"]>
    : never;

/** A `field` condition's config. */
export type FieldConditionConfig<C = unknown> = {
  /** Dotted path into the event, with `[n]` indexes: `value.label.text`. */
  path: string;
  op: FieldOperator;
  value?: unknown;
  valuePath?: string;
  /** For `every` / `some`: conditions applied to each array element. */
  conditions?: C[];
};

/** A condition of a rule of integration `I`. */
export type ConditionOf<I extends IntegrationDefinition> =
  | { id?: string; type: "all" | "any"; config: { conditions: ConditionOf<I>[] } }
  | { id?: string; type: "not"; config: { conditions: [ConditionOf<I>] } }
  | { id?: string; type: "field"; config: FieldConditionConfig<ConditionOf<I>> }
  | {
      [C in CustomConditionTypes<I>]: {
        id?: string;
        type: C;
        config: Infer<NonNullable<I["conditions"]>[C]["config"]>;
      };
    }[CustomConditionTypes<I>];

/**
 * The built-in `http.request` action, which every integration may use (it
 * runs only when the client has the `http` option). Strings of its config
 * may hold templates.
 */
export type HttpRequestAction = {
  id?: string;
  type: "http.request";
  config: HttpRequestConfig;
};

/** An action of a rule of integration `I`: a declared one, or the built-in `http.request`. */
export type ActionOf<I extends IntegrationDefinition> =
  | {
      [A in Keys<I["actions"]>]: {
        id?: string;
        type: A;
        config: Infer<I["actions"][A]["config"]>;
      };
    }[Keys<I["actions"]>]
  | ("http.request" extends Keys<I["actions"]> ? never : HttpRequestAction);

/** A trigger type and its config, of integration `I`. */
export type TriggerOf<I extends IntegrationDefinition> = {
  [T in Keys<I["triggers"]>]: {
    triggerType: T;
    triggerConfig: Infer<I["triggers"][T]["config"]>;
  };
}[Keys<I["triggers"]>];

/**
 * The host functions of each integration's action and custom condition
 * types. Kept apart from the declarations so that a declaration's type never
 * depends on the app's generated `api` (which would be circular).
 */
export type HandlersOf<Is extends Integrations> = {
  [K in Keys<Is>]?: {
    actions?: { [A in Keys<Is[K]["actions"]>]?: ActionHandler };
    conditions?: { [C in CustomConditionTypes<Is[K]>]?: ConditionHandler };
  };
};

/** Fields every rule has, whatever its integration. */
export type RuleCommonFields = {
  /** Stable public key; generated when omitted. */
  id?: string;
  name: string;
  description?: string;
  enabled?: boolean;
  namespace?: string;
  priority?: number;
  /** Overrides the pattern the trigger type derives from its config. */
  triggerPattern?: TriggerPattern;
  /** Fire on this schedule; overrides the schedule the trigger type derives. */
  schedule?: ScheduleSpec;
  metadata?: unknown;
};

/** A new rule, typed by the declarations of the integrations. */
export type RuleDraft<Is extends Integrations> = {
  [K in Keys<Is>]: RuleCommonFields &
    TriggerOf<Is[K]> & {
      integrationId: K;
      conditions?: ConditionOf<Is[K]>[];
      actions: ActionOf<Is[K]>[];
    };
}[Keys<Is>];

/** The changeable fields of a rule, typed by its integration. */
export type RulePatch<Is extends Integrations> = {
  ruleId: string;
  /** Fails with VERSION_CONFLICT when the rule is no longer at this version. */
  expectedVersion?: number;
  name?: string;
  description?: string | null;
  enabled?: boolean;
  priority?: number;
  triggerPattern?: TriggerPattern | null;
  /** A new schedule; null removes it (the rule then fires on events only). */
  schedule?: ScheduleSpec | null;
  metadata?: unknown;
} & (
  | { integrationId?: undefined; triggerType?: undefined; triggerConfig?: undefined; conditions?: undefined; actions?: undefined }
  | {
      [K in Keys<Is>]: {
        /** Required to change the trigger, conditions or actions: the rule's integration. */
        integrationId: K;
        conditions?: ConditionOf<Is[K]>[];
        actions?: ActionOf<Is[K]>[];
      } & (
        | { triggerType?: undefined; triggerConfig?: undefined }
        | TriggerOf<Is[K]>
      );
    }[Keys<Is>]
);
