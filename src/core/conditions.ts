/**
 * Structure of condition trees: validation, id assignment, and the flat
 * storage form. Pure: no database, no ctx. Evaluation lives in the engine.
 */
import {
  FIELD_CONDITION_TYPE,
  FIELD_OPERATORS,
  GROUP_CONDITION_TYPES,
  LIMITS,
  type Condition,
  type ConditionInput,
} from "../shared.js";

export type ConditionProblem = { field: string; message: string };

/** A condition node in storage: groups keep no children in `config`. */
export type StoredCondition = {
  id: string;
  type: string;
  config: any;
  parent?: string;
};

const OPERATORS_WITHOUT_VALUE = new Set([
  "exists",
  "not_exists",
  "is_empty",
  "is_not_empty",
  "changed",
]);
const OPERATORS_WITH_LIST = new Set(["in", "nin"]);
const OPERATORS_WITH_SUBTREE = new Set(["every", "some"]);
const FIELD_CONFIG_KEYS = new Set([
  "path",
  "op",
  "value",
  "valuePath",
  "conditions",
]);

export function isGroupType(type: string): boolean {
  return (GROUP_CONDITION_TYPES as readonly string[]).includes(type);
}

/**
 * Checks a condition tree. `customTypes`, when given, is the set of custom
 * condition types the integration declares; any other non-built-in type is
 * then an error. Without it (the component alone), custom types pass and the
 * client is the one that knows the integration's declarations.
 */
export function findConditionProblem(
  conditions: readonly ConditionInput[],
  customTypes?: ReadonlySet<string>,
): ConditionProblem | null {
  let nodes = 0;
  const seen = new Set<string>();
  const visit = (
    list: readonly ConditionInput[],
    base: string,
    depth: number,
  ): ConditionProblem | null => {
    if (depth > LIMITS.conditionDepth) {
      return {
        field: base,
        message: `nests condition groups deeper than ${LIMITS.conditionDepth} levels`,
      };
    }
    for (let i = 0; i < list.length; i++) {
      const node = list[i];
      const field = `${base}[${i}]`;
      nodes++;
      if (nodes > LIMITS.conditions) {
        return {
          field: "conditions",
          message: `has more than ${LIMITS.conditions} conditions (groups and leaves counted)`,
        };
      }
      if (node.id !== undefined) {
        const idProblem = idFormatProblem(node.id);
        if (idProblem) return { field: `${field}.id`, message: idProblem };
        if (seen.has(node.id)) {
          return {
            field: `${field}.id`,
            message: `duplicate condition id "${node.id}"`,
          };
        }
        seen.add(node.id);
      }
      if (typeof node.type !== "string" || node.type.length === 0) {
        return { field: `${field}.type`, message: "must be a non-empty string" };
      }
      const problem = isGroupType(node.type)
        ? groupProblem(node, field, depth)
        : node.type === FIELD_CONDITION_TYPE
          ? fieldProblem(node.config, field, depth)
          : customProblem(node, field);
      if (problem) return problem;
    }
    return null;
  };
  const groupProblem = (
    node: ConditionInput,
    field: string,
    depth: number,
  ): ConditionProblem | null => {
    const children = node.config?.conditions;
    if (!isPlainObject(node.config) || !Array.isArray(children)) {
      return {
        field: `${field}.config.conditions`,
        message: `a "${node.type}" group needs config.conditions, an array of conditions`,
      };
    }
    const extra = Object.keys(node.config).filter((k) => k !== "conditions");
    if (extra.length > 0) {
      return {
        field: `${field}.config.${extra[0]}`,
        message: `is not a field of a "${node.type}" group`,
      };
    }
    if (node.type === "not" && children.length !== 1) {
      return {
        field: `${field}.config.conditions`,
        message: `a "not" group needs exactly one condition, got ${children.length}`,
      };
    }
    if (children.length === 0) {
      return {
        field: `${field}.config.conditions`,
        message: `an "${node.type}" group needs at least one condition`,
      };
    }
    return visit(children, `${field}.config.conditions`, depth + 1);
  };
  const fieldProblem = (
    raw: unknown,
    field: string,
    depth: number,
  ): ConditionProblem | null => {
    if (!isPlainObject(raw)) {
      return { field: `${field}.config`, message: "must be an object" };
    }
    const config: Record<string, any> = raw;
    for (const key of Object.keys(config)) {
      if (!FIELD_CONFIG_KEYS.has(key)) {
        return {
          field: `${field}.config.${key}`,
          message: "is not a field of a field condition",
        };
      }
    }
    if (typeof config.path !== "string" || config.path.length === 0) {
      return {
        field: `${field}.config.path`,
        message: "must be a non-empty path such as item.status or items[0].name",
      };
    }
    const pathProblem = pathSyntaxProblem(config.path);
    if (pathProblem) return { field: `${field}.config.path`, message: pathProblem };
    const op = config.op;
    if (!(FIELD_OPERATORS as readonly string[]).includes(op)) {
      return {
        field: `${field}.config.op`,
        message: `unknown operator ${JSON.stringify(op)}; expected one of ${FIELD_OPERATORS.join(", ")}`,
      };
    }
    if (config.valuePath !== undefined) {
      if (config.value !== undefined) {
        return {
          field: `${field}.config.valuePath`,
          message: "give either value or valuePath, not both",
        };
      }
      const p =
        typeof config.valuePath === "string" && config.valuePath.length > 0
          ? pathSyntaxProblem(config.valuePath)
          : "must be a non-empty path";
      if (p) return { field: `${field}.config.valuePath`, message: p };
    }
    const hasOperand = config.value !== undefined || config.valuePath !== undefined;
    if (OPERATORS_WITH_SUBTREE.has(op)) {
      if (!Array.isArray(config.conditions) || config.conditions.length === 0) {
        return {
          field: `${field}.config.conditions`,
          message: `operator "${op}" needs config.conditions, applied to each array element`,
        };
      }
      return visit(config.conditions, `${field}.config.conditions`, depth + 1);
    }
    if (config.conditions !== undefined) {
      return {
        field: `${field}.config.conditions`,
        message: `only "every" and "some" take nested conditions`,
      };
    }
    if (OPERATORS_WITHOUT_VALUE.has(op)) {
      if (hasOperand) {
        return {
          field: `${field}.config.value`,
          message: `operator "${op}" takes no value`,
        };
      }
      return null;
    }
    if (!hasOperand) {
      return {
        field: `${field}.config.value`,
        message: `operator "${op}" needs a value or a valuePath`,
      };
    }
    if (config.valuePath !== undefined) return null;
    return operandProblem(op, config.value, `${field}.config.value`);
  };
  const customProblem = (
    node: ConditionInput,
    field: string,
  ): ConditionProblem | null => {
    if (customTypes && !customTypes.has(node.type)) {
      const known = [
        ...GROUP_CONDITION_TYPES,
        FIELD_CONDITION_TYPE,
        ...customTypes,
      ].join(", ");
      return {
        field: `${field}.type`,
        message: `unknown condition type "${node.type}"; expected one of ${known}`,
      };
    }
    if (!isPlainObject(node.config)) {
      return { field: `${field}.config`, message: "must be an object" };
    }
    return null;
  };
  return visit(conditions, "conditions", 1);
}

function operandProblem(
  op: string,
  value: unknown,
  field: string,
): ConditionProblem | null {
  if (OPERATORS_WITH_LIST.has(op) && !Array.isArray(value)) {
    return { field, message: `operator "${op}" needs an array of values` };
  }
  if (op === "between") {
    if (!Array.isArray(value) || value.length !== 2) {
      return { field, message: `operator "between" needs [low, high]` };
    }
  }
  if (op === "matches") {
    if (typeof value !== "string") {
      return { field, message: `operator "matches" needs a regular expression string` };
    }
    if (value.length > LIMITS.regexLength) {
      return {
        field,
        message: `regular expression is longer than ${LIMITS.regexLength} characters`,
      };
    }
    try {
      new RegExp(value);
    } catch (error) {
      return { field, message: `invalid regular expression: ${(error as Error).message}` };
    }
  }
  if (["gt", "gte", "lt", "lte"].includes(op)) {
    if (typeof value !== "number" && typeof value !== "string") {
      return { field, message: `operator "${op}" needs a number or a string` };
    }
  }
  if (op === "within") {
    if (typeof value !== "string" && typeof value !== "number") {
      return {
        field,
        message: `operator "within" needs a window such as "7 days" or a number of milliseconds`,
      };
    }
  }
  return null;
}

const PATH = /^[^.[\]]+(\[\d+\])*(\.[^.[\]]+(\[\d+\])*)*$/;

/** Paths are dotted with `[n]` indexes: `value.label.text`, `items[0].id`. */
export function pathSyntaxProblem(path: string): string | null {
  return PATH.test(path)
    ? null
    : `"${path}" is not a path: use dotted names with [n] indexes, like items[0].name`;
}

const ID = /^[A-Za-z0-9_.:-]+$/;

export function idFormatProblem(id: unknown): string | null {
  if (typeof id !== "string" || id.length === 0) return "must be a non-empty string";
  if (id.length > LIMITS.idLength) {
    return `is longer than ${LIMITS.idLength} characters`;
  }
  if (!ID.test(id)) {
    return `"${id}" may only contain letters, digits, "_", "-", ".", ":"`;
  }
  return null;
}

/**
 * Gives every condition without an id the next free `c<n>`, depth first, so
 * that the same input always gets the same ids. Returns a new tree.
 */
export function assignConditionIds(
  conditions: readonly ConditionInput[],
): Condition[] {
  const used = new Set<string>();
  collectIds(conditions, used);
  let next = 1;
  const freshId = () => {
    while (used.has(`c${next}`)) next++;
    used.add(`c${next}`);
    return `c${next}`;
  };
  const assign = (list: readonly ConditionInput[]): Condition[] =>
    list.map((node) => {
      const id = node.id ?? freshId();
      const children = childrenOf(node);
      if (!children) return { id, type: node.type, config: node.config };
      return {
        id,
        type: node.type,
        config: { ...node.config, conditions: assign(children) },
      };
    });
  return assign(conditions);
}

function collectIds(list: readonly ConditionInput[], used: Set<string>) {
  for (const node of list) {
    if (node.id !== undefined) used.add(node.id);
    const children = childrenOf(node);
    if (children) collectIds(children, used);
  }
}

/** The nested conditions of a group or an every/some leaf, if any. */
function childrenOf(node: ConditionInput): ConditionInput[] | undefined {
  const nested = node.config?.conditions;
  if (!Array.isArray(nested)) return undefined;
  if (isGroupType(node.type)) return nested;
  if (node.type === FIELD_CONDITION_TYPE) return nested;
  return undefined;
}

/** Flattens a tree (with ids) into storage order: parents before children. */
export function flattenConditions(tree: readonly Condition[]): StoredCondition[] {
  const out: StoredCondition[] = [];
  const visit = (list: readonly Condition[], parent?: string) => {
    for (const node of list) {
      const children = childrenOf(node) as Condition[] | undefined;
      if (!children) {
        out.push(withParent({ id: node.id, type: node.type, config: node.config }, parent));
        continue;
      }
      const { conditions: _children, ...rest } = node.config;
      out.push(withParent({ id: node.id, type: node.type, config: rest }, parent));
      visit(children, node.id);
    }
  };
  visit(tree);
  return out;
}

/** Rebuilds the tree from its flat storage form. */
export function nestConditions(stored: readonly StoredCondition[]): Condition[] {
  const byParent = new Map<string | undefined, StoredCondition[]>();
  for (const node of stored) {
    const list = byParent.get(node.parent);
    if (list) list.push(node);
    else byParent.set(node.parent, [node]);
  }
  const hasChildren = new Set(
    stored.filter((n) => n.parent !== undefined).map((n) => n.parent),
  );
  const build = (parent: string | undefined): Condition[] =>
    (byParent.get(parent) ?? []).map((node) => {
      if (!hasChildren.has(node.id)) {
        return { id: node.id, type: node.type, config: node.config };
      }
      return {
        id: node.id,
        type: node.type,
        config: { ...node.config, conditions: build(node.id) },
      };
    });
  return build(undefined);
}

function withParent(node: StoredCondition, parent?: string): StoredCondition {
  return parent === undefined ? node : { ...node, parent };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
