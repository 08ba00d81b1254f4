/**
 * The mapping of a row of the legacy `mondayRules` table (the first,
 * monday.com-only version of the rules system, kept in host apps) to a
 * generic rule definition. Pure: no Convex server imports, no ctx; never
 * throws.
 *
 * The target types are those of the example monday.com integration
 * (example/convex/monday.ts): a host that migrates declares them.
 *
 * | legacy                                  | generic                                                        |
 * | --------------------------------------- | -------------------------------------------------------------- |
 * | `status_change` (to / from-to / any)    | `status_changed { boardId, columnId, from?, to? }`             |
 * | `column_change`                         | `column_changed { boardId, columnId? }`                        |
 * | `item_created` (any / one group)        | `item_created { boardId, groupId? }`                           |
 * | `item_moved`                            | `item_moved { boardId, groupId? }`                             |
 * | `update_created`                        | `update_created { boardId }`                                   |
 * | `date_arrived`                          | `date_arrived { boardId, columnId, offsetDays?, time? }`       |
 * | `every_time_period`                     | `every_time_period { boardId, every, at?, weekday? }`          |
 * | condition `{ columnId, operator, value }` | `field { path: "columnText.<columnId>", op, value? }`        |
 * | `notify { userIds, message }`           | one `notify { userId, text }` per user                         |
 * | `change_status`                         | `set_status { columnId, label }`                               |
 * | `move_to_group`, `create_item`, `create_update` | the same-named actions                                 |
 * | `webhook { url, method?, headers? }`    | `http.request { method, url, headers?, body: "{{event}}" }`    |
 *
 * Legacy conditions compared a column's text (what monday.com shows); the
 * engine compares event fields, so a migrated condition reads
 * `columnText.<columnId>`, which {@link mondayColumnTexts} fills from a
 * webhook event. A row that cannot be mapped (an unknown trigger, action or
 * operator, a malformed config) is still mapped to a rule, disabled, whose
 * unknown parts become types that can never run (`legacy:<type>`), with the
 * reason in `metadata.migration.unmappedReason`.
 */

/** The migration's name, as recorded in each migrated rule's `metadata.migration.name`. */
export const MONDAY_MIGRATION_NAME = "monday-rules-to-generic";
/** Migrated rule ids are this prefix followed by the legacy row's `_id`. */
export const LEGACY_RULE_ID_PREFIX = "legacy-monday-";
/** Prefix of the trigger, condition and action types a row's unknown parts become. */
export const LEGACY_TYPE_PREFIX = "legacy:";
/** Where a migrated condition reads a column's text in the event. */
export const COLUMN_TEXT_FIELD = "columnText";

/** A row of the legacy table as read from the database (loosely typed: old app versions). */
export type LegacyMondayRow = {
  _id: string;
  _creationTime: number;
  name?: unknown;
  boardId?: unknown;
  enabled?: unknown;
  triggerType?: unknown;
  triggerColumnId?: unknown;
  triggerValue?: unknown;
  conditions?: unknown;
  actionType?: unknown;
  actionConfig?: unknown;
  extraActions?: unknown;
  createdBy?: unknown;
  lastRunAt?: unknown;
  runCount?: unknown;
  createdAt?: unknown;
  updatedAt?: unknown;
  [field: string]: unknown;
};

export type MondayMappingOptions = {
  /** The integration the rules belong to. Default "monday". */
  integrationId?: string;
  /** The namespace (tenant) of the rules. Default "" (none). */
  namespace?: string;
  /** The legacy table's name, recorded in metadata. Default "mondayRules". */
  table?: string;
};

/** A rule definition as `importRules` takes it (structurally `RuleInput`). */
export type MappedRuleInput = {
  id: string;
  name: string;
  enabled: boolean;
  integrationId: string;
  namespace: string;
  triggerType: string;
  triggerConfig: Record<string, unknown>;
  conditions: Array<{ type: string; config: Record<string, unknown> }>;
  actions: Array<{ type: string; config: Record<string, unknown> }>;
  metadata: LegacyRuleMetadata;
};

/** What a migrated rule keeps in `metadata`. */
export type LegacyRuleMetadata = {
  /**
   * The legacy row: its `_id` as `id`, its `_creationTime` as
   * `creationTime` (Convex refuses field names starting with `_` inside a
   * document) and every other field, untouched, in `row`.
   */
  legacy: { table: string; id: string; creationTime: number; row: Record<string, unknown> };
  /** The legacy `createdBy` (a monday.com user id), when the row has one. */
  createdBy?: string;
  migration: {
    name: string;
    /** Why the row could not be mapped: the rule is then disabled. */
    unmappedReason?: string;
    /** What was mapped with a caveat (an unknown placeholder kept as text...). */
    warnings?: string[];
  };
};

export type MondayMapping = {
  legacyId: string;
  ruleId: string;
  rule: MappedRuleInput;
  /** The legacy `createdAt`, carried over as the rule's `createdAt`. */
  createdAt?: number;
  /** Set when the row could not be mapped; the rule is disabled. */
  unmappedReason?: string;
  warnings: string[];
};

/** The migrated rule id of a legacy row's `_id`. */
export function legacyRuleId(legacyId: string): string {
  return `${LEGACY_RULE_ID_PREFIX}${legacyId}`;
}

const LEGACY_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Why `legacyId` cannot be a legacy `_id` (ids of Convex documents), or null. */
export function legacyIdProblem(legacyId: unknown): string | null {
  if (typeof legacyId !== "string" || !LEGACY_ID.test(legacyId)) {
    return `${JSON.stringify(legacyId) ?? String(legacyId)} is not a document id (1 to 100 letters, digits, "_" or "-")`;
  }
  return null;
}

const NAME_LENGTH = 200;
const ACTIONS_LIMIT = 20;
const LEGACY_OPERATORS = {
  is: "eq",
  is_not: "neq",
  contains: "contains",
  greater_than: "gt",
  less_than: "lt",
  is_empty: "is_empty",
  is_not_empty: "is_not_empty",
} as const;
type LegacyOperator = keyof typeof LEGACY_OPERATORS;
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const PERIODS = ["day", "week", "month"];

/**
 * Maps one legacy row. Always returns a rule: when the row cannot be mapped,
 * the rule is disabled and `unmappedReason` says why. The row itself is
 * never changed.
 */
export function mapLegacyMondayRule(
  row: LegacyMondayRow,
  options: MondayMappingOptions = {},
): MondayMapping {
  const legacyId = String(row._id);
  const mapping = new Mapping(row, options);
  try {
    mapping.run();
  } catch (error) {
    // Defensive: the mapping reads loosely typed data; a bug must not lose the row.
    mapping.problems.push(`the row could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  return mapping.result(legacyId);
}

/**
 * The rule of a row that is imported without its mapping (its mapped rule
 * broke a limit, say): disabled, with a `legacy:` trigger that never runs,
 * no conditions and no actions, and the reason. `row` replaces the stored
 * copy of the row (pass a sanitized copy when the original is not storable).
 */
export function unmappableMondayRule(
  mapping: MondayMapping,
  reason: string,
  row: Record<string, unknown> = mapping.rule.metadata.legacy.row,
): MondayMapping {
  const legacy = mapping.rule.metadata.legacy;
  const triggerType =
    typeof row["triggerType"] === "string" ? legacyType(row["triggerType"]) : `${LEGACY_TYPE_PREFIX}unknown`;
  const metadata: LegacyRuleMetadata = {
    legacy: { ...legacy, row },
    ...(mapping.rule.metadata.createdBy === undefined ? {} : { createdBy: mapping.rule.metadata.createdBy }),
    migration: {
      name: MONDAY_MIGRATION_NAME,
      unmappedReason: reason,
      ...(mapping.warnings.length > 0 ? { warnings: mapping.warnings } : {}),
    },
  };
  return {
    ...mapping,
    unmappedReason: reason,
    rule: {
      ...mapping.rule,
      enabled: false,
      triggerType,
      triggerConfig: { boardId: mapping.rule.triggerConfig["boardId"] ?? "" },
      conditions: [],
      actions: [],
      metadata,
    },
  };
}

/**
 * Marks a mapped rule as unmapped (for example because the host's
 * integration does not declare one of its types): disabled, with the reason,
 * keeping its trigger, conditions and actions so it can be fixed and enabled.
 */
export function markUnmapped(mapping: MondayMapping, reason: string): MondayMapping {
  const unmappedReason =
    mapping.unmappedReason === undefined ? reason : `${mapping.unmappedReason}; ${reason}`;
  return {
    ...mapping,
    unmappedReason,
    rule: {
      ...mapping.rule,
      enabled: false,
      metadata: {
        ...mapping.rule.metadata,
        migration: { ...mapping.rule.metadata.migration, unmappedReason },
      },
    },
  };
}

/** `legacy:<type>`, with characters a key may not hold replaced by "_". */
function legacyType(type: string): string {
  const cleaned = type.replace(/[^A-Za-z0-9_.:-]/g, "_").slice(0, 100);
  return `${LEGACY_TYPE_PREFIX}${cleaned === "" ? "unknown" : cleaned}`;
}

class Mapping {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  private triggerType = `${LEGACY_TYPE_PREFIX}unknown`;
  private triggerConfig: Record<string, unknown> = {};
  private readonly conditions: MappedRuleInput["conditions"] = [];
  private readonly actions: MappedRuleInput["actions"] = [];
  private readonly boardId: string;

  constructor(
    private readonly row: LegacyMondayRow,
    private readonly options: MondayMappingOptions,
  ) {
    this.boardId = scalarText(row.boardId) ?? "";
  }

  run() {
    if (this.boardId === "") this.problems.push(`boardId: ${describe(this.row.boardId)} is not a board id`);
    this.mapTrigger();
    this.mapConditions();
    this.mapActions();
  }

  result(legacyId: string): MondayMapping {
    const row = this.row;
    const name = this.name(legacyId);
    const { _id: _ignoredId, _creationTime: _ignoredTime, ...fields } = row;
    const createdBy = scalarText(row.createdBy);
    const createdAt =
      typeof row.createdAt === "number" && Number.isFinite(row.createdAt) ? row.createdAt : undefined;
    const unmappedReason = this.problems.length > 0 ? this.problems.join("; ") : undefined;
    const metadata: LegacyRuleMetadata = {
      legacy: {
        table: this.options.table ?? "mondayRules",
        id: legacyId,
        creationTime: row._creationTime,
        row: fields,
      },
      ...(createdBy === undefined ? {} : { createdBy }),
      migration: {
        name: MONDAY_MIGRATION_NAME,
        ...(unmappedReason === undefined ? {} : { unmappedReason }),
        ...(this.warnings.length > 0 ? { warnings: [...this.warnings] } : {}),
      },
    };
    const ruleId = legacyRuleId(legacyId);
    return {
      legacyId,
      ruleId,
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(unmappedReason === undefined ? {} : { unmappedReason }),
      warnings: [...this.warnings],
      rule: {
        id: ruleId,
        name,
        enabled: unmappedReason === undefined && row.enabled === true,
        integrationId: this.options.integrationId ?? "monday",
        namespace: this.options.namespace ?? "",
        triggerType: this.triggerType,
        triggerConfig: this.triggerConfig,
        conditions: this.conditions,
        actions: this.actions,
        metadata,
      },
    };
  }

  private name(legacyId: string): string {
    const name = typeof this.row.name === "string" ? this.row.name.trim() : "";
    if (name === "") {
      this.warnings.push(`name: empty; named "Legacy rule ${legacyId}"`);
      return `Legacy rule ${legacyId}`;
    }
    if (name.length > NAME_LENGTH) {
      this.warnings.push(`name: cut to ${NAME_LENGTH} characters`);
      return name.slice(0, NAME_LENGTH);
    }
    return name;
  }

  // --- trigger -----------------------------------------------------------

  private mapTrigger() {
    const { triggerType, triggerValue } = this.row;
    const boardId = this.boardId;
    const column = scalarText(this.row.triggerColumnId);
    const type = typeof triggerType === "string" ? triggerType.trim() : "";
    const fail = (message: string) => {
      this.problems.push(`triggerValue: ${message}`);
      this.unknownTrigger(type);
    };
    switch (type) {
      case "status_change": {
        if (column === undefined) return this.missingColumn(type);
        const config: Record<string, unknown> = { boardId, columnId: column };
        if (typeof triggerValue === "string") {
          config["to"] = triggerValue;
        } else if (isObject(triggerValue)) {
          for (const key of Object.keys(triggerValue)) {
            if (key !== "from" && key !== "to") return fail(`unknown field "${key}" in ${describe(triggerValue)}`);
          }
          for (const key of ["from", "to"] as const) {
            const label = triggerValue[key];
            if (label === undefined || label === null) continue;
            if (typeof label !== "string") return fail(`${key} must be a status label, got ${describe(label)}`);
            config[key] = label;
          }
        } else if (triggerValue !== undefined && triggerValue !== null) {
          return fail(`${describe(triggerValue)} is not a status label nor { from?, to? }`);
        }
        return this.trigger("status_changed", config);
      }
      case "column_change":
        if (triggerValue !== undefined && triggerValue !== null) {
          this.warnings.push(`triggerValue: ${describe(triggerValue)} ignored (a column_change fires on any value)`);
        }
        return this.trigger("column_changed", column === undefined ? { boardId } : { boardId, columnId: column });
      case "item_created":
      case "item_moved": {
        let groupId: string | undefined;
        if (isObject(triggerValue)) {
          groupId = scalarText(triggerValue["groupId"]);
          if (triggerValue["groupId"] !== undefined && groupId === undefined) {
            return fail(`groupId must be a group id, got ${describe(triggerValue["groupId"])}`);
          }
        } else if (triggerValue !== undefined && triggerValue !== null) {
          return fail(`${describe(triggerValue)} is not { groupId }`);
        }
        if (type === "item_moved" && groupId === undefined) {
          this.warnings.push("triggerValue: no groupId; the rule fires on a move to any group");
        }
        return this.trigger(type, groupId === undefined ? { boardId } : { boardId, groupId });
      }
      case "update_created":
        return this.trigger("update_created", { boardId });
      case "date_arrived": {
        if (column === undefined) return this.missingColumn(type);
        const config: Record<string, unknown> = { boardId, columnId: column };
        const value = triggerValue ?? {};
        if (!isObject(value)) return fail(`${describe(value)} is not { offsetDays?, time? }`);
        if (value["offsetDays"] !== undefined && value["offsetDays"] !== null) {
          const days = integer(value["offsetDays"]);
          if (days === undefined) return fail(`offsetDays must be a whole number of days, got ${describe(value["offsetDays"])}`);
          config["offsetDays"] = days;
        }
        if (value["time"] !== undefined && value["time"] !== null) {
          const time = timeOfDay(value["time"]);
          if (time === undefined) return fail(`time must be "HH:MM", got ${describe(value["time"])}`);
          config["time"] = time;
        }
        return this.trigger("date_arrived", config);
      }
      case "every_time_period": {
        if (!isObject(triggerValue)) return fail(`${describe(triggerValue)} is not { every, at?, weekday? }`);
        const every = typeof triggerValue["every"] === "string" ? triggerValue["every"].trim().toLowerCase() : "";
        if (!PERIODS.includes(every)) {
          return fail(`every must be "day", "week" or "month", got ${describe(triggerValue["every"])}`);
        }
        const config: Record<string, unknown> = { boardId, every };
        if (triggerValue["at"] !== undefined && triggerValue["at"] !== null) {
          const at = timeOfDay(triggerValue["at"]);
          if (at === undefined) return fail(`at must be "HH:MM", got ${describe(triggerValue["at"])}`);
          config["at"] = at;
        }
        if (triggerValue["weekday"] !== undefined && triggerValue["weekday"] !== null) {
          const weekday = integer(triggerValue["weekday"]);
          if (weekday === undefined || weekday < 0 || weekday > 6) {
            return fail(`weekday must be 0 (Sunday) to 6, got ${describe(triggerValue["weekday"])}`);
          }
          config["weekday"] = weekday;
        }
        return this.trigger("every_time_period", config);
      }
      default:
        this.problems.push(`triggerType: ${describe(triggerType)} is not a known legacy trigger type`);
        return this.unknownTrigger(type);
    }
  }

  private trigger(type: string, config: Record<string, unknown>) {
    this.triggerType = type;
    this.triggerConfig = config;
  }

  private missingColumn(type: string) {
    this.problems.push(`triggerColumnId: a ${type} trigger needs the column, got ${describe(this.row.triggerColumnId)}`);
    this.unknownTrigger(type);
  }

  /** A trigger type no event is ever dispatched with: the rule can never run. */
  private unknownTrigger(type: string) {
    this.triggerType = legacyType(type);
    const config: Record<string, unknown> = { boardId: this.boardId };
    if (this.row.triggerColumnId !== undefined) config["columnId"] = this.row.triggerColumnId;
    if (this.row.triggerValue !== undefined) config["value"] = this.row.triggerValue;
    this.triggerConfig = config;
  }

  // --- conditions --------------------------------------------------------

  private mapConditions() {
    const list = this.row.conditions;
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) {
      this.problems.push(`conditions: ${describe(list)} is not a list`);
      this.conditions.push({ type: `${LEGACY_TYPE_PREFIX}condition`, config: { value: list } });
      return;
    }
    list.forEach((condition: unknown, index) => {
      const field = `conditions[${index}]`;
      const mapped = this.condition(condition, field);
      if (typeof mapped === "string") {
        this.problems.push(`${field}: ${mapped}`);
        // A custom type with no handler: evaluates to "error", so never holds.
        this.conditions.push({
          type: `${LEGACY_TYPE_PREFIX}condition`,
          config: isObject(condition) ? condition : { value: condition },
        });
      } else {
        this.conditions.push(mapped);
      }
    });
  }

  private condition(condition: unknown, field: string): MappedRuleInput["conditions"][number] | string {
    if (!isObject(condition)) return `${describe(condition)} is not { columnId, operator, value? }`;
    const columnId = scalarText(condition["columnId"]);
    if (columnId === undefined || /[.[\]]/.test(columnId)) {
      return `columnId ${describe(condition["columnId"])} is not a column id`;
    }
    const name =
      typeof condition["operator"] === "string"
        ? condition["operator"].trim().toLowerCase().replace(/[\s-]+/g, "_")
        : "";
    if (!Object.hasOwn(LEGACY_OPERATORS, name)) {
      return `operator ${describe(condition["operator"])} is not one of ${Object.keys(LEGACY_OPERATORS).join(", ")}`;
    }
    const operator = name as LegacyOperator;
    const op = LEGACY_OPERATORS[operator];
    const path = `${COLUMN_TEXT_FIELD}.${columnId}`;
    const value = condition["value"];
    if (operator === "is_empty" || operator === "is_not_empty") {
      if (value !== undefined && value !== null && value !== "") {
        this.warnings.push(`${field}.value: ${describe(value)} ignored by ${operator}`);
      }
      return { type: "field", config: { path, op } };
    }
    if (operator === "greater_than" || operator === "less_than") {
      // Numeric in the legacy system, even when stored as a string ("1000").
      const number = numeric(value);
      if (number === undefined) return `${operator} needs a number, got ${describe(value)}`;
      return { type: "field", config: { path, op, value: number } };
    }
    // is, is_not, contains: the legacy system compared the column's text.
    const text = typeof value === "string" ? value : typeof value === "number" && Number.isFinite(value) ? String(value) : undefined;
    if (text === undefined) return `${operator} needs a text or a number, got ${describe(value)}`;
    return { type: "field", config: { path, op, value: text } };
  }

  // --- actions -----------------------------------------------------------

  private mapActions() {
    const list: Array<{ type: unknown; config: unknown; field: string }> = [
      { type: this.row.actionType, config: this.row.actionConfig, field: "actionConfig" },
    ];
    const extra = this.row.extraActions;
    if (Array.isArray(extra)) {
      extra.forEach((action: unknown, index) => {
        const field = `extraActions[${index}]`;
        if (isObject(action)) {
          list.push({ type: action["type"], config: action["config"], field: `${field}.config` });
        } else {
          this.problems.push(`${field}: ${describe(action)} is not { type, config }`);
          list.push({ type: undefined, config: action, field: "" });
        }
      });
    } else if (extra !== undefined && extra !== null) {
      this.problems.push(`extraActions: ${describe(extra)} is not a list`);
    }
    for (const { type, config, field } of list) {
      if (field === "") {
        // Already reported: kept as an action that never runs.
        this.actions.push({ type: `${LEGACY_TYPE_PREFIX}unknown`, config: { value: config ?? null } });
      } else {
        this.action(type, config, field);
      }
    }
    if (this.actions.length > ACTIONS_LIMIT) {
      this.problems.push(`actions: ${this.actions.length} actions, more than the ${ACTIONS_LIMIT} a rule may have`);
      this.actions.splice(ACTIONS_LIMIT);
    }
  }

  private action(type: unknown, config: unknown, field: string) {
    const name = typeof type === "string" ? type.trim() : "";
    try {
      const mapped = this.mappedActions(name, type, config, field);
      this.actions.push(...mapped);
    } catch (error) {
      if (!(error instanceof ActionProblem)) throw error;
      this.problems.push(error.message);
      // An action type with no handler: it fails if the rule is ever enabled.
      this.actions.push({ type: legacyType(name), config: isObject(config) ? config : { value: config ?? null } });
    }
  }

  /** The generic actions of one legacy action; throws an ActionProblem when it cannot be mapped. */
  private mappedActions(
    name: string,
    type: unknown,
    config: unknown,
    field: string,
  ): MappedRuleInput["actions"] {
    const typeField = field === "actionConfig" ? "actionType" : field.replace(/\.config$/, ".type");
    const known = ["notify", "change_status", "move_to_group", "create_item", "create_update", "webhook"];
    if (!known.includes(name)) {
      throw new ActionProblem(`${typeField}: ${describe(type)} is not a known legacy action type`);
    }
    if (!isObject(config)) throw new ActionProblem(`${field}: ${describe(config)} is not an object`);
    const text = (key: string): string | undefined => {
      const value = config[key];
      if (value === undefined || value === null) return undefined;
      const scalar = scalarText(value);
      if (scalar === undefined) throw new ActionProblem(`${field}.${key}: ${describe(value)} is not text`);
      return scalar;
    };
    const required = (key: string): string => {
      const value = text(key);
      if (value === undefined) throw new ActionProblem(`${field}.${key}: missing`);
      return value;
    };
    const template = (key: string): string => {
      const value = required(key);
      const converted = convertPlaceholders(value);
      if (typeof converted !== "string") throw new ActionProblem(`${field}.${key}: ${converted.problem}`);
      for (const placeholder of unknownPlaceholders(value)) {
        this.warnings.push(`${field}.${key}: ${placeholder} is not a legacy placeholder; kept as text`);
      }
      return converted;
    };
    switch (name) {
      case "notify": {
        const raw = config["userIds"];
        if (raw === undefined || raw === null) throw new ActionProblem(`${field}.userIds: missing`);
        const users: unknown[] = Array.isArray(raw) ? raw : [raw];
        const ids = users.map((user, index) => {
          const id = scalarText(user);
          if (id === undefined) throw new ActionProblem(`${field}.userIds[${index}]: ${describe(user)} is not a user id`);
          return id;
        });
        const message = template("message");
        if (ids.length === 0) this.warnings.push(`${field}.userIds: empty; the notification had no recipient`);
        return ids.map((userId) => ({ type: "notify", config: { userId, text: message } }));
      }
      case "change_status":
        return [{ type: "set_status", config: { columnId: required("columnId"), label: required("label") } }];
      case "move_to_group":
        return [{ type: "move_to_group", config: { groupId: required("groupId") } }];
      case "create_item": {
        const boardId = text("boardId");
        const groupId = text("groupId");
        const itemName = template("itemName");
        return [
          {
            type: "create_item",
            config: {
              ...(boardId === undefined ? {} : { boardId }),
              ...(groupId === undefined ? {} : { groupId }),
              itemName,
            },
          },
        ];
      }
      case "create_update":
        return [{ type: "create_update", config: { body: template("body") } }];
      default: {
        // webhook
        const url = required("url");
        if (!/^https?:\/\/\S+$/i.test(url)) {
          throw new ActionProblem(`${field}.url: ${describe(url)} is not an http(s) URL`);
        }
        const method = text("method")?.toUpperCase() ?? "POST";
        if (!HTTP_METHODS.includes(method)) {
          throw new ActionProblem(`${field}.method: ${describe(config["method"])} is not one of ${HTTP_METHODS.join(", ")}`);
        }
        let headers: Record<string, string> | undefined;
        if (config["headers"] !== undefined && config["headers"] !== null) {
          if (!isObject(config["headers"])) {
            throw new ActionProblem(`${field}.headers: ${describe(config["headers"])} is not an object`);
          }
          headers = {};
          for (const [key, value] of Object.entries(config["headers"])) {
            const header = scalarText(value);
            if (header === undefined) throw new ActionProblem(`${field}.headers.${key}: ${describe(value)} is not text`);
            headers[key] = header;
          }
        }
        // The legacy webhook posted the event: "{{event}}" is the whole event.
        return [
          {
            type: "http.request",
            config: { method, url, ...(headers === undefined ? {} : { headers }), body: "{{event}}" },
          },
        ];
      }
    }
  }
}

class ActionProblem extends Error {}

// --- placeholders -----------------------------------------------------------

const LEGACY_PLACEHOLDERS: Record<string, string> = {
  "pulse.name": "{{event.pulseName}}",
  "board.name": "{{event.boardName}}",
};
const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}/g;

/**
 * Legacy `{pulse.name}` / `{board.name}` placeholders as engine templates.
 * Text that already holds `{{` or `}}` cannot be converted: the engine would
 * read it as a template.
 */
export function convertPlaceholders(text: string): string | { problem: string } {
  if (text.includes("{{") || text.includes("}}")) {
    return { problem: `${describe(text)} holds "{{" or "}}", which the engine reads as a template` };
  }
  return text.replace(PLACEHOLDER, (whole, name: string) => LEGACY_PLACEHOLDERS[name.toLowerCase()] ?? whole);
}

function unknownPlaceholders(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (LEGACY_PLACEHOLDERS[match[1]!.toLowerCase()] === undefined) found.push(match[0]);
  }
  return found;
}

// --- column texts of an event ------------------------------------------------

/**
 * The text of each column a monday.com webhook event carries, by column id,
 * as the legacy rules compared it (what monday.com shows in the column):
 * the changed column of `update_column_value` (a status's label, a number,
 * a date, the ids of people...), every entry of `create_pulse`'s
 * `columnValues`, `name` (the item name) and, for `create_update`,
 * `text_body` (the update's text). Put it in the event under `columnText`
 * so that migrated conditions (`columnText.<columnId>`) find it.
 *
 * @example
 * ```ts
 * await rules.execute(ctx, {
 *   integrationId: "monday",
 *   triggerType,
 *   event: { ...event, columnText: mondayColumnTexts(event) },
 * });
 * ```
 */
export function mondayColumnTexts(event: unknown): Record<string, string> {
  const texts: Record<string, string> = {};
  if (!isObject(event)) return texts;
  const set = (columnId: unknown, value: unknown) => {
    if (typeof columnId !== "string" || columnId === "" || columnId === "__proto__") return;
    const text = columnValueText(value);
    if (text !== undefined) texts[columnId] = text;
  };
  if (typeof event["pulseName"] === "string") texts["name"] = event["pulseName"];
  if (isObject(event["columnValues"])) {
    for (const [columnId, value] of Object.entries(event["columnValues"])) set(columnId, value);
  }
  if (event["type"] === "update_column_value") set(event["columnId"], event["value"] ?? null);
  if (event["type"] === "create_update" && typeof event["textBody"] === "string") texts["text_body"] = event["textBody"];
  return texts;
}

/** A column value's text, by the shapes monday.com sends; undefined when unknown. */
function columnValueText(value: unknown): string | undefined {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (!isObject(value)) return undefined;
  if (isObject(value["label"])) {
    const text = value["label"]["text"];
    return typeof text === "string" ? text : text === null || text === undefined ? "" : undefined;
  }
  if (Array.isArray(value["personsAndTeams"])) {
    return value["personsAndTeams"]
      .map((p: unknown) => (isObject(p) ? scalarText(p["id"]) : undefined))
      .filter((id): id is string => id !== undefined)
      .join(", ");
  }
  if (Array.isArray(value["chosenValues"])) {
    return value["chosenValues"]
      .map((c: unknown) => (isObject(c) && typeof c["name"] === "string" ? c["name"] : undefined))
      .filter((name): name is string => name !== undefined)
      .join(", ");
  }
  if ("date" in value) {
    const date = value["date"];
    if (date === null || date === undefined || date === "") return "";
    if (typeof date !== "string") return undefined;
    return typeof value["time"] === "string" && value["time"] !== "" ? `${date} ${value["time"]}` : date;
  }
  if ("checked" in value) return value["checked"] === true || value["checked"] === "true" ? "v" : "";
  if ("text" in value) return scalarText(value["text"]) ?? (value["text"] === null ? "" : undefined);
  if ("value" in value) {
    const inner = value["value"];
    if (inner === null || inner === undefined) return "";
    return scalarText(inner);
  }
  return undefined;
}

// --- helpers -----------------------------------------------------------------

function isObject(value: unknown): value is Record<string, any> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Text of a string or a finite number (ids were sometimes stored as numbers). */
function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  return undefined;
}

// One way to split a run of digits (not `\d+\.?\d*`), so linear time.
const NUMERIC = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** A number, or a string holding one ("1000", " 2.5 "); undefined otherwise. */
function numeric(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && NUMERIC.test(value)) return Number(value);
  return undefined;
}

function integer(value: unknown): number | undefined {
  const number = numeric(value);
  return number !== undefined && Number.isInteger(number) ? number : undefined;
}

/** "HH:MM" (a one-digit hour is padded); undefined when not a time of day. */
function timeOfDay(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = TIME.exec(value.trim());
  return match ? `${match[1]!.padStart(2, "0")}:${match[2]}` : undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
