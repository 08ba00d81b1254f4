import fc from "fast-check";
import { describe, expect, test } from "vitest";
import samples from "../../example/fixtures/legacy-monday-rules.json";
import statusFixture from "../../example/fixtures/monday/change_status_column_value.json";
import numbersFixture from "../../example/fixtures/monday/change_column_value_numbers.json";
import pulseFixture from "../../example/fixtures/monday/create_pulse.json";
import updateFixture from "../../example/fixtures/monday/create_update.json";
import {
  convertPlaceholders,
  legacyIdProblem,
  legacyRuleId,
  mapLegacyMondayRule,
  markUnmapped,
  mondayColumnTexts,
  unmappableMondayRule,
  type LegacyMondayRow,
} from "./legacyMonday.js";
import { validateRuleDefinition } from "./ruleValidation.js";
import { evaluateConditions } from "./evaluate.js";

const BOARD = "1771812698";

function row(fields: Record<string, unknown>, id = "k17abc"): LegacyMondayRow {
  return { _id: id, _creationTime: 1_700_000_000_000.5, ...fields };
}

/** A minimal valid legacy row with `fields` changed. */
function base(fields: Record<string, unknown> = {}): LegacyMondayRow {
  return row({
    name: "A rule",
    boardId: BOARD,
    enabled: true,
    triggerType: "status_change",
    triggerColumnId: "status",
    triggerValue: "Done",
    actionType: "notify",
    actionConfig: { userIds: ["1"], message: "hi" },
    createdAt: 1_700_000_000_000,
    ...fields,
  });
}

const sampleRows = (samples as Array<Record<string, unknown>>).map((fields, i) =>
  row(fields, `sample${i}`),
);
const mappedSamples = sampleRows.map((r) => mapLegacyMondayRule(r, { namespace: "acme" }));
const byName = (name: string) => {
  const found = mappedSamples.find((m) => m.rule.name === name);
  if (!found) throw new Error(`no sample named ${name}`);
  return found;
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe("every sample row", () => {
  test("maps to a valid rule with a deterministic id, its legacy row and fields kept", () => {
    expect(mappedSamples).toHaveLength(14);
    for (const [i, mapping] of mappedSamples.entries()) {
      const { _id, _creationTime, ...fields } = sampleRows[i];
      expect(mapping.legacyId).toBe(_id);
      expect(mapping.ruleId).toBe(`legacy-monday-${_id}`);
      expect(mapping.rule.id).toBe(mapping.ruleId);
      expect(mapping.rule.integrationId).toBe("monday");
      expect(mapping.rule.namespace).toBe("acme");
      expect(mapping.rule.metadata.legacy).toEqual({
        table: "mondayRules",
        id: _id,
        creationTime: _creationTime,
        row: fields,
      });
      expect(mapping.createdAt).toBe(fields.createdAt);
      const { id: _ruleId, ...definition } = mapping.rule;
      const valid = validateRuleDefinition(definition);
      expect(valid.ok, JSON.stringify(valid)).toBe(true);
    }
  });

  test("the mapping never changes the row (deep-frozen input)", () => {
    const frozen = sampleRows.map((r) => deepFreeze(structuredClone(r)));
    for (const r of frozen) mapLegacyMondayRule(r);
    expect(frozen).toEqual(sampleRows);
  });

  test("mapping twice gives the same rule", () => {
    expect(sampleRows.map((r) => mapLegacyMondayRule(r, { namespace: "acme" }))).toEqual(mappedSamples);
  });

  test("status changes to a label: status_changed with `to`, {pulse.name} becomes a template", () => {
    const m = byName("Notify PM when done");
    expect(m.unmappedReason).toBeUndefined();
    expect(m.rule).toMatchObject({
      enabled: true,
      triggerType: "status_changed",
      triggerConfig: { boardId: BOARD, columnId: "status", to: "Done" },
      conditions: [],
      actions: [{ type: "notify", config: { userId: "61280133", text: "{{event.pulseName}} is done" } }],
    });
    expect(m.rule.metadata.createdBy).toBe("61280133");
    expect(m.rule.metadata.migration).toEqual({ name: "monday-rules-to-generic" });
  });

  test("from-to status change with a condition and extra actions, in order, one notify per user", () => {
    const m = byName("Stuck -> escalate");
    expect(m.rule).toMatchObject({
      triggerType: "status_changed",
      triggerConfig: { boardId: BOARD, columnId: "status", from: "Working on it", to: "Stuck" },
      conditions: [{ type: "field", config: { path: "columnText.priority", op: "eq", value: "High" } }],
      actions: [
        { type: "notify", config: { userId: "61280140", text: "Escalation: {{event.pulseName}} is stuck" } },
        { type: "notify", config: { userId: "61280151", text: "Escalation: {{event.pulseName}} is stuck" } },
        { type: "move_to_group", config: { groupId: "blocked" } },
      ],
    });
    expect(m.rule.metadata.createdBy).toBeUndefined();
  });

  test("any status change (no triggerValue), disabled, webhook -> http.request", () => {
    const m = byName("Any status change logs to webhook");
    expect(m.unmappedReason).toBeUndefined();
    expect(m.rule).toMatchObject({
      enabled: false,
      triggerType: "status_changed",
      triggerConfig: { boardId: BOARD, columnId: "status" },
      actions: [
        {
          type: "http.request",
          config: { method: "POST", url: "https://hooks.example.com/monday", body: "{{event}}" },
        },
      ],
    });
  });

  test("column change with a number stored as a string compared as a number", () => {
    const m = byName("Budget over 1000");
    expect(m.rule).toMatchObject({
      triggerType: "column_changed",
      triggerConfig: { boardId: BOARD, columnId: "numbers" },
      conditions: [{ type: "field", config: { path: "columnText.numbers", op: "gt", value: 1000 } }],
      actions: [{ type: "set_status", config: { columnId: "status", label: "Needs approval" } }],
    });
  });

  test("item created in any group and in one group", () => {
    expect(byName("New item welcome").rule).toMatchObject({
      triggerType: "item_created",
      triggerConfig: { boardId: "2001" },
      actions: [
        { type: "create_update", config: { body: "Thanks for filing {{event.pulseName}}! We will triage it today." } },
      ],
    });
    expect(byName("New item in intake group").rule).toMatchObject({
      triggerType: "item_created",
      triggerConfig: { boardId: "2001", groupId: "intake" },
      conditions: [{ type: "field", config: { path: "columnText.person", op: "is_empty" } }],
    });
  });

  test("item moved to a group", () => {
    expect(byName("Moved to done group").rule).toMatchObject({
      triggerType: "item_moved",
      triggerConfig: { boardId: "2001", groupId: "done" },
      actions: [{ type: "set_status", config: { columnId: "status", label: "Done" } }],
    });
  });

  test("update created, with an operator in upper case", () => {
    expect(byName("Comment ping").rule).toMatchObject({
      triggerType: "update_created",
      triggerConfig: { boardId: "2001" },
      conditions: [{ type: "field", config: { path: "columnText.text_body", op: "contains", value: "@Dana" } }],
    });
  });

  test("schedule triggers: date arrived and every time period", () => {
    expect(byName("Due date reminder").rule).toMatchObject({
      enabled: true,
      triggerType: "date_arrived",
      triggerConfig: { boardId: "3003", columnId: "date4", offsetDays: -1, time: "09:00" },
      conditions: [{ type: "field", config: { path: "columnText.status", op: "neq", value: "Done" } }],
    });
    expect(byName("Weekly digest").rule).toMatchObject({
      triggerType: "every_time_period",
      triggerConfig: { boardId: "3003", every: "week", at: "08:30", weekday: 1 },
      actions: [{ type: "create_item", config: { boardId: "3003", groupId: "digests", itemName: "Weekly digest" } }],
    });
  });

  test("an unknown placeholder is kept as text, with a warning; a disabled rule stays disabled", () => {
    const m = byName("Daily standup item");
    expect(m.unmappedReason).toBeUndefined();
    expect(m.rule).toMatchObject({
      enabled: false,
      triggerType: "every_time_period",
      triggerConfig: { boardId: "3003", every: "day", at: "07:45" },
      actions: [{ type: "create_item", config: { boardId: "3003", itemName: "Standup {date}" } }],
    });
    expect(m.warnings).toEqual(["actionConfig.itemName: {date} is not a legacy placeholder; kept as text"]);
    expect(m.rule.metadata.migration.warnings).toEqual(m.warnings);
  });

  test("a trigger type no version documents: unmapped, disabled, with a trigger that never runs", () => {
    const m = byName("Old recipe from the beta");
    expect(m.unmappedReason).toBe('triggerType: "subitem_status_change" is not a known legacy trigger type');
    expect(m.rule).toMatchObject({
      enabled: false,
      triggerType: "legacy:subitem_status_change",
      triggerConfig: { boardId: "3003", columnId: "status" },
      // The actions that could be mapped are kept, for whoever fixes the rule.
      actions: [{ type: "notify", config: { userId: "61280133", text: "Subitem changed" } }],
    });
    expect(m.rule.metadata.migration.unmappedReason).toBe(m.unmappedReason);
  });

  test("an action type that no longer exists: unmapped, disabled, the action kept as legacy:<type>", () => {
    const m = byName("Archived integration action");
    expect(m.unmappedReason).toBe('actionType: "send_sms" is not a known legacy action type');
    expect(m.rule).toMatchObject({
      enabled: false,
      triggerType: "status_changed",
      triggerConfig: { boardId: "3003", columnId: "status", to: "Shipped" },
      actions: [{ type: "legacy:send_sms", config: { phone: "+15550100", text: "Shipped!" } }],
    });
  });

  test("a number where a string was expected, and two conditions that must both hold", () => {
    expect(byName("Priority flips to low").rule).toMatchObject({
      triggerType: "status_changed",
      triggerConfig: { boardId: BOARD, columnId: "priority", to: "Low" },
      conditions: [
        { type: "field", config: { path: "columnText.numbers", op: "lt", value: 500 } },
        { type: "field", config: { path: "columnText.person", op: "is_not_empty" } },
      ],
      actions: [{ type: "move_to_group", config: { groupId: "backlog" } }],
    });
  });

  test("exactly the two odd rows are unmapped", () => {
    expect(mappedSamples.filter((m) => m.unmappedReason !== undefined).map((m) => m.rule.name)).toEqual([
      "Old recipe from the beta",
      "Archived integration action",
    ]);
  });
});

describe("triggers", () => {
  test.each([
    ["status to a label", { triggerValue: "Done" }, "status_changed", { boardId: BOARD, columnId: "status", to: "Done" }],
    ["status from only", { triggerValue: { from: "Stuck" } }, "status_changed", { boardId: BOARD, columnId: "status", from: "Stuck" }],
    ["status any (null)", { triggerValue: null }, "status_changed", { boardId: BOARD, columnId: "status" }],
    ["status any ({})", { triggerValue: {} }, "status_changed", { boardId: BOARD, columnId: "status" }],
    ["column change", { triggerType: "column_change", triggerColumnId: "text0", triggerValue: undefined }, "column_changed", { boardId: BOARD, columnId: "text0" }],
    ["column change, any column", { triggerType: "column_change", triggerColumnId: undefined, triggerValue: undefined }, "column_changed", { boardId: BOARD }],
    ["item created", { triggerType: "item_created", triggerColumnId: undefined, triggerValue: undefined }, "item_created", { boardId: BOARD }],
    ["item created in a group", { triggerType: "item_created", triggerValue: { groupId: "g" } }, "item_created", { boardId: BOARD, groupId: "g" }],
    ["item moved", { triggerType: "item_moved", triggerValue: { groupId: "g" } }, "item_moved", { boardId: BOARD, groupId: "g" }],
    ["update created", { triggerType: "update_created", triggerValue: undefined }, "update_created", { boardId: BOARD }],
    ["date arrived", { triggerType: "date_arrived", triggerColumnId: "date4", triggerValue: { offsetDays: "2", time: "7:05" } }, "date_arrived", { boardId: BOARD, columnId: "date4", offsetDays: 2, time: "07:05" }],
    ["date arrived, no value", { triggerType: "date_arrived", triggerColumnId: "date4", triggerValue: undefined }, "date_arrived", { boardId: BOARD, columnId: "date4" }],
    ["every month", { triggerType: "every_time_period", triggerValue: { every: "Month" } }, "every_time_period", { boardId: BOARD, every: "month" }],
    ["every week on a string weekday", { triggerType: "every_time_period", triggerValue: { every: "week", weekday: "5" } }, "every_time_period", { boardId: BOARD, every: "week", weekday: 5 }],
    ["a board id stored as a number", { boardId: 2001 }, "status_changed", { boardId: "2001", columnId: "status", to: "Done" }],
  ])("%s", (_what, fields, triggerType, triggerConfig) => {
    const m = mapLegacyMondayRule(base(fields));
    expect(m.unmappedReason).toBeUndefined();
    expect(m.rule.triggerType).toBe(triggerType);
    expect(m.rule.triggerConfig).toEqual(triggerConfig);
    expect(m.rule.enabled).toBe(true);
  });

  test.each([
    ["status without a column", { triggerColumnId: undefined }, "triggerColumnId: a status_change trigger needs the column", "legacy:status_change"],
    ["status value of the wrong type", { triggerValue: 3 }, "triggerValue: 3 is not a status label", "legacy:status_change"],
    ["status value with an unknown field", { triggerValue: { to: "Done", via: "x" } }, 'triggerValue: unknown field "via"', "legacy:status_change"],
    ["status label not text", { triggerValue: { to: 5 } }, "triggerValue: to must be a status label, got 5", "legacy:status_change"],
    ["group id not text", { triggerType: "item_moved", triggerValue: { groupId: {} } }, "triggerValue: groupId must be a group id", "legacy:item_moved"],
    ["item value not an object", { triggerType: "item_created", triggerValue: "g" }, 'triggerValue: "g" is not { groupId }', "legacy:item_created"],
    ["date without a column", { triggerType: "date_arrived", triggerColumnId: undefined }, "triggerColumnId: a date_arrived trigger needs the column", "legacy:date_arrived"],
    ["date value not an object", { triggerType: "date_arrived", triggerColumnId: "d", triggerValue: "soon" }, 'triggerValue: "soon" is not { offsetDays?, time? }', "legacy:date_arrived"],
    ["fractional offset", { triggerType: "date_arrived", triggerColumnId: "d", triggerValue: { offsetDays: 1.5 } }, "offsetDays must be a whole number of days, got 1.5", "legacy:date_arrived"],
    ["bad time", { triggerType: "date_arrived", triggerColumnId: "d", triggerValue: { time: "25:00" } }, 'time must be "HH:MM", got "25:00"', "legacy:date_arrived"],
    ["period without every", { triggerType: "every_time_period", triggerValue: { at: "08:00" } }, 'every must be "day", "week" or "month", got undefined', "legacy:every_time_period"],
    ["period value missing", { triggerType: "every_time_period", triggerValue: undefined }, "triggerValue: undefined is not { every, at?, weekday? }", "legacy:every_time_period"],
    ["weekday out of range", { triggerType: "every_time_period", triggerValue: { every: "week", weekday: 7 } }, "weekday must be 0 (Sunday) to 6, got 7", "legacy:every_time_period"],
    ["bad at", { triggerType: "every_time_period", triggerValue: { every: "day", at: "noon" } }, 'at must be "HH:MM", got "noon"', "legacy:every_time_period"],
    ["an unknown trigger type", { triggerType: "board_archived" }, 'triggerType: "board_archived" is not a known legacy trigger type', "legacy:board_archived"],
    ["a trigger type with odd characters", { triggerType: "on change!" }, "is not a known legacy trigger type", "legacy:on_change_"],
    ["no trigger type", { triggerType: undefined }, "triggerType: undefined is not a known legacy trigger type", "legacy:unknown"],
    ["no board", { boardId: "" }, 'boardId: "" is not a board id', "status_changed"],
  ])("unmapped: %s", (_what, fields, reason, triggerType) => {
    const m = mapLegacyMondayRule(base(fields));
    expect(m.unmappedReason).toContain(reason);
    expect(m.rule.triggerType).toBe(triggerType);
    expect(m.rule.enabled).toBe(false);
  });

  test("a column_change's triggerValue is ignored with a warning", () => {
    const m = mapLegacyMondayRule(base({ triggerType: "column_change", triggerColumnId: "c", triggerValue: "x" }));
    expect(m.unmappedReason).toBeUndefined();
    expect(m.warnings).toEqual(['triggerValue: "x" ignored (a column_change fires on any value)']);
  });

  test("an item_moved without a group fires on any move, with a warning", () => {
    const m = mapLegacyMondayRule(base({ triggerType: "item_moved", triggerValue: undefined }));
    expect(m.rule.triggerConfig).toEqual({ boardId: BOARD });
    expect(m.warnings).toEqual(["triggerValue: no groupId; the rule fires on a move to any group"]);
  });

  test("an unknown trigger keeps the legacy column and value in its config", () => {
    const m = mapLegacyMondayRule(base({ triggerType: "weird", triggerValue: { a: 1 } }));
    expect(m.rule.triggerConfig).toEqual({ boardId: BOARD, columnId: "status", value: { a: 1 } });
  });
});

describe("conditions", () => {
  const condition = (operator: unknown, value?: unknown, columnId: unknown = "col") =>
    mapLegacyMondayRule(base({ conditions: [{ columnId, operator, ...(value === undefined ? {} : { value }) }] }));

  test.each([
    ["is", "High", "eq", "High"],
    ["IS", "High", "eq", "High"],
    ["is_not", "Done", "neq", "Done"],
    ["Is Not", "Done", "neq", "Done"],
    ["contains", "@Dana", "contains", "@Dana"],
    ["CONTAINS", "@Dana", "contains", "@Dana"],
    ["greater_than", "1000", "gt", 1000],
    ["greater-than", 1000, "gt", 1000],
    ["less_than", " 2.5 ", "lt", 2.5],
    ["LESS_THAN", 500, "lt", 500],
    ["is", 42, "eq", "42"],
    ["is_empty", undefined, "is_empty", undefined],
    ["is_not_empty", undefined, "is_not_empty", undefined],
  ])("%s %j -> %s %j", (operator, value, op, expected) => {
    const m = condition(operator, value);
    expect(m.unmappedReason).toBeUndefined();
    expect(m.rule.conditions).toEqual([
      { type: "field", config: { path: "columnText.col", op, ...(expected === undefined ? {} : { value: expected }) } },
    ]);
  });

  test("a long run of digits that is not a number is refused in one pass", () => {
    const m = condition("greater_than", `${"1".repeat(100_000)}x`);
    expect(m.unmappedReason).toContain("conditions[0]: greater_than needs a number");
  });

  test("is_empty with a value: the value is ignored, with a warning", () => {
    const m = condition("is_empty", "x");
    expect(m.rule.conditions).toEqual([{ type: "field", config: { path: "columnText.col", op: "is_empty" } }]);
    expect(m.warnings).toEqual(['conditions[0].value: "x" ignored by is_empty']);
  });

  test.each([
    ["an unknown operator", ["between", [1, 2]], 'conditions[0]: operator "between" is not one of is, is_not'],
    ["an operator that is not text", [7, "x"], "conditions[0]: operator 7 is not one of"],
    ["a non-numeric greater_than", ["greater_than", "a lot"], 'conditions[0]: greater_than needs a number, got "a lot"'],
    ["a missing value", ["is", undefined], "conditions[0]: is needs a text or a number, got undefined"],
    ["an object value", ["contains", { a: 1 }], "conditions[0]: contains needs a text or a number"],
    ["a column id a path cannot hold", ["is", "x", "a.b"], 'conditions[0]: columnId "a.b" is not a column id'],
    ["no column id", ["is", "x", null], "conditions[0]: columnId null is not a column id"],
  ])("unmapped: %s; the condition becomes one that never holds", (_what, [operator, value, columnId], reason) => {
    const m = condition(operator, value, columnId);
    expect(m.unmappedReason).toContain(reason);
    expect(m.rule.enabled).toBe(false);
    expect(m.rule.conditions).toHaveLength(1);
    expect(m.rule.conditions[0].type).toBe("legacy:condition");
    const explained = evaluateConditions(
      m.rule.conditions.map((c, i) => ({ ...c, id: `c${i}` })),
      { columnText: { col: "1" } },
      { now: 0, explain: false },
    );
    expect(explained.met).toBe(false);
  });

  test("conditions that are not a list, or not objects", () => {
    expect(mapLegacyMondayRule(base({ conditions: "x" })).unmappedReason).toContain('conditions: "x" is not a list');
    expect(mapLegacyMondayRule(base({ conditions: [3] })).unmappedReason).toContain(
      "conditions[0]: 3 is not { columnId, operator, value? }",
    );
    expect(mapLegacyMondayRule(base({ conditions: null })).rule.conditions).toEqual([]);
  });

  test("mapped conditions compare numbers as numbers: 1250.5 > 1000 although both are text", () => {
    const m = byName("Budget over 1000");
    const conditions = m.rule.conditions.map((c, i) => ({ ...c, id: `c${i}` }));
    const at = (text: string) =>
      evaluateConditions(conditions, { columnText: { numbers: text } }, { now: 0, explain: false }).met;
    expect(at("1250.5")).toBe(true);
    expect(at("999")).toBe(false);
    expect(at("10000")).toBe(true);
    // As text, "9" > "1000"; as numbers it is not.
    expect(at("9")).toBe(false);
    expect(at("lots")).toBe(false);
  });
});

describe("actions", () => {
  const action = (actionType: unknown, actionConfig: unknown, extra?: unknown) =>
    mapLegacyMondayRule(base({ actionType, actionConfig, ...(extra === undefined ? {} : { extraActions: extra }) }));

  test.each([
    ["notify", { userIds: ["1", 2], message: "{pulse.name} on {board.name}" }, [
      { type: "notify", config: { userId: "1", text: "{{event.pulseName}} on {{event.boardName}}" } },
      { type: "notify", config: { userId: "2", text: "{{event.pulseName}} on {{event.boardName}}" } },
    ]],
    ["notify, one user id not in a list", { userIds: "7", message: "m" }, [{ type: "notify", config: { userId: "7", text: "m" } }]],
    ["change_status", { columnId: "status", label: "Done" }, [{ type: "set_status", config: { columnId: "status", label: "Done" } }]],
    ["move_to_group", { groupId: "g1" }, [{ type: "move_to_group", config: { groupId: "g1" } }]],
    ["create_item", { boardId: 5, itemName: "New {pulse.name}" }, [{ type: "create_item", config: { boardId: "5", itemName: "New {{event.pulseName}}" } }]],
    ["create_item without board", { itemName: "x", groupId: "g" }, [{ type: "create_item", config: { groupId: "g", itemName: "x" } }]],
    ["create_update", { body: "Seen { pulse.name }" }, [{ type: "create_update", config: { body: "Seen {{event.pulseName}}" } }]],
    ["webhook", { url: "https://h.example.com/x", method: "put", headers: { "X-Key": "k", "X-N": 1 } }, [
      { type: "http.request", config: { method: "PUT", url: "https://h.example.com/x", headers: { "X-Key": "k", "X-N": "1" }, body: "{{event}}" } },
    ]],
    ["webhook, default method", { url: "http://h.example.com" }, [{ type: "http.request", config: { method: "POST", url: "http://h.example.com", body: "{{event}}" } }]],
  ])("%s", (label, config, expected) => {
    const type = label.split(/[ ,]/)[0];
    const m = action(type, config);
    expect(m.unmappedReason).toBeUndefined();
    expect(m.rule.actions).toEqual(expected);
  });

  test("notify with no users maps to no action, with a warning", () => {
    const m = action("notify", { userIds: [], message: "m" });
    expect(m.unmappedReason).toBeUndefined();
    expect(m.rule.actions).toEqual([]);
    expect(m.warnings).toEqual(["actionConfig.userIds: empty; the notification had no recipient"]);
  });

  test("extraActions follow the first action, in order", () => {
    const m = action("change_status", { columnId: "s", label: "L" }, [
      { type: "create_update", config: { body: "b" } },
      { type: "move_to_group", config: { groupId: "g" } },
    ]);
    expect(m.rule.actions.map((a) => a.type)).toEqual(["set_status", "create_update", "move_to_group"]);
  });

  test.each([
    ["an unknown action type", ["send_sms", { phone: "1" }], 'actionType: "send_sms" is not a known legacy action type', "legacy:send_sms"],
    ["no action type", [undefined, {}], "actionType: undefined is not a known legacy action type", "legacy:unknown"],
    ["a config that is not an object", ["notify", "x"], 'actionConfig: "x" is not an object', "legacy:notify"],
    ["a missing field", ["change_status", { columnId: "s" }], "actionConfig.label: missing", "legacy:change_status"],
    ["a field that is not text", ["move_to_group", { groupId: ["g"] }], 'actionConfig.groupId: ["g"] is not text', "legacy:move_to_group"],
    ["notify without users", ["notify", { message: "m" }], "actionConfig.userIds: missing", "legacy:notify"],
    ["a user id that is not an id", ["notify", { userIds: [{}], message: "m" }], "actionConfig.userIds[0]: {} is not a user id", "legacy:notify"],
    ["text holding {{", ["create_update", { body: "use {{x}}" }], 'actionConfig.body: "use {{x}}" holds "{{" or "}}"', "legacy:create_update"],
    ["a webhook URL that is not http", ["webhook", { url: "ftp://x" }], 'actionConfig.url: "ftp://x" is not an http(s) URL', "legacy:webhook"],
    ["a webhook method", ["webhook", { url: "https://x", method: "TRACE" }], 'actionConfig.method: "TRACE" is not one of GET, POST', "legacy:webhook"],
    ["webhook headers not an object", ["webhook", { url: "https://x", headers: "h" }], 'actionConfig.headers: "h" is not an object', "legacy:webhook"],
    ["a webhook header that is not text", ["webhook", { url: "https://x", headers: { a: {} } }], "actionConfig.headers.a: {} is not text", "legacy:webhook"],
  ])("unmapped: %s; the action becomes one that never runs", (_what, [type, config], reason, mappedType) => {
    const m = action(type, config);
    expect(m.unmappedReason).toContain(reason);
    expect(m.rule.enabled).toBe(false);
    expect(m.rule.actions).toHaveLength(1);
    expect(m.rule.actions[0].type).toBe(mappedType);
  });

  test("an unknown extra action keeps its place; its reason names it", () => {
    const m = action("move_to_group", { groupId: "g" }, [
      { type: "archive", config: { why: "old" } },
      { type: "create_update", config: { body: "b" } },
      "not an action",
    ]);
    expect(m.rule.actions.map((a) => a.type)).toEqual(["move_to_group", "legacy:archive", "create_update", "legacy:unknown"]);
    expect(m.unmappedReason).toBe(
      'extraActions[2]: "not an action" is not { type, config }; extraActions[0].type: "archive" is not a known legacy action type',
    );
  });

  test("extraActions that are not a list", () => {
    expect(action("move_to_group", { groupId: "g" }, { a: 1 }).unmappedReason).toBe(
      'extraActions: {"a":1} is not a list',
    );
  });

  test("more than 20 actions: unmapped, cut to 20", () => {
    const userIds = Array.from({ length: 21 }, (_, i) => String(i));
    const m = action("notify", { userIds, message: "m" });
    expect(m.unmappedReason).toBe("actions: 21 actions, more than the 20 a rule may have");
    expect(m.rule.actions).toHaveLength(20);
  });
});

describe("rule fields", () => {
  test("name: trimmed, an empty one named after the row, a long one cut", () => {
    expect(mapLegacyMondayRule(base({ name: "  Spaced  " })).rule.name).toBe("Spaced");
    const empty = mapLegacyMondayRule(base({ name: "" }));
    expect(empty.rule.name).toBe("Legacy rule k17abc");
    expect(empty.warnings).toEqual(['name: empty; named "Legacy rule k17abc"']);
    expect(mapLegacyMondayRule(base({ name: 5 })).rule.name).toBe("Legacy rule k17abc");
    const long = mapLegacyMondayRule(base({ name: "x".repeat(250) }));
    expect(long.rule.name).toHaveLength(200);
    expect(long.warnings).toEqual(["name: cut to 200 characters"]);
  });

  test("enabled only when the legacy row says true and the row maps", () => {
    expect(mapLegacyMondayRule(base({ enabled: true })).rule.enabled).toBe(true);
    expect(mapLegacyMondayRule(base({ enabled: false })).rule.enabled).toBe(false);
    expect(mapLegacyMondayRule(base({ enabled: "yes" })).rule.enabled).toBe(false);
  });

  test("createdAt and createdBy carry over; odd ones are dropped", () => {
    const m = mapLegacyMondayRule(base({ createdAt: 5, createdBy: 61280133 }));
    expect(m.createdAt).toBe(5);
    expect(m.rule.metadata.createdBy).toBe("61280133");
    const odd = mapLegacyMondayRule(base({ createdAt: "yesterday", createdBy: null }));
    expect(odd.createdAt).toBeUndefined();
    expect(odd.rule.metadata.createdBy).toBeUndefined();
    expect(odd.rule.metadata.legacy.row.createdAt).toBe("yesterday");
  });

  test("options: integration, namespace and table", () => {
    const m = mapLegacyMondayRule(base(), { integrationId: "mon", namespace: "ws", table: "oldRules" });
    expect(m.rule).toMatchObject({ integrationId: "mon", namespace: "ws" });
    expect(m.rule.metadata.legacy.table).toBe("oldRules");
    expect(mapLegacyMondayRule(base()).rule.namespace).toBe("");
  });

  test("legacy ids", () => {
    expect(legacyRuleId("j57abc")).toBe("legacy-monday-j57abc");
    expect(legacyIdProblem("j57abc")).toBeNull();
    expect(legacyIdProblem("")).toContain("is not a document id");
    expect(legacyIdProblem("a b")).toContain("is not a document id");
    expect(legacyIdProblem(5)).toContain("5 is not a document id");
  });

  test("markUnmapped disables the rule and adds the reason", () => {
    const m = markUnmapped(mapLegacyMondayRule(base()), "not declared");
    expect(m.unmappedReason).toBe("not declared");
    expect(m.rule.enabled).toBe(false);
    expect(m.rule.metadata.migration.unmappedReason).toBe("not declared");
    expect(markUnmapped(m, "again").unmappedReason).toBe("not declared; again");
  });

  test("unmappableMondayRule keeps only the row, a never-running trigger and the reason", () => {
    const m = unmappableMondayRule(mapLegacyMondayRule(base()), "too big", { name: "short copy" });
    expect(m.rule).toMatchObject({
      enabled: false,
      triggerType: "legacy:unknown",
      triggerConfig: { boardId: BOARD },
      conditions: [],
      actions: [],
    });
    expect(m.rule.metadata.legacy.row).toEqual({ name: "short copy" });
    expect(m.rule.metadata.migration.unmappedReason).toBe("too big");
    const typed = unmappableMondayRule(mapLegacyMondayRule(base()), "too big");
    expect(typed.rule.triggerType).toBe("legacy:status_change");
  });
});

describe("placeholders", () => {
  test.each([
    ["{pulse.name} is done", "{{event.pulseName}} is done"],
    ["{Pulse.Name}", "{{event.pulseName}}"],
    ["on { board.name }", "on {{event.boardName}}"],
    ["{date} stays", "{date} stays"],
    ["{ not a placeholder", "{ not a placeholder"],
  ])("%j -> %j", (text, expected) => {
    expect(convertPlaceholders(text)).toBe(expected);
  });
  test("text with {{ or }} cannot be converted", () => {
    expect(convertPlaceholders("a {{b}}")).toEqual({ problem: expect.stringContaining('holds "{{" or "}}"') });
    expect(convertPlaceholders("a }}")).toEqual({ problem: expect.stringContaining('holds "{{" or "}}"') });
  });
});

describe("never throws, never loses a row", () => {
  test("any row maps to a rule with its id, disabled whenever it is unmapped", () => {
    const anything = fc.anything({ maxDepth: 3, withBigInt: true, withNullPrototype: true });
    fc.assert(
      fc.property(
        fc.record(
          {
            name: anything,
            boardId: anything,
            enabled: anything,
            triggerType: fc.oneof(fc.constantFrom("status_change", "column_change", "item_created", "item_moved", "update_created", "date_arrived", "every_time_period"), anything),
            triggerColumnId: anything,
            triggerValue: anything,
            conditions: fc.oneof(fc.array(fc.record({ columnId: anything, operator: anything, value: anything })), anything),
            actionType: fc.oneof(fc.constantFrom("notify", "change_status", "move_to_group", "create_item", "create_update", "webhook"), anything),
            actionConfig: anything,
            extraActions: anything,
            createdBy: anything,
            createdAt: anything,
          },
          { requiredKeys: [] },
        ),
        (fields) => {
          const m = mapLegacyMondayRule(row(fields, "fuzz1"));
          expect(m.rule.id).toBe("legacy-monday-fuzz1");
          expect(typeof m.rule.name).toBe("string");
          if (m.unmappedReason !== undefined) expect(m.rule.enabled).toBe(false);
          else {
            expect(m.rule.triggerType.startsWith("legacy:")).toBe(false);
            expect(m.rule.actions.every((a) => !a.type.startsWith("legacy:"))).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("mondayColumnTexts", () => {
  test("a status change: the label's text, and the item name", () => {
    expect(mondayColumnTexts(statusFixture.event)).toEqual({ name: "Ship onboarding emails", status: "Done" });
  });
  test("a numbers column: the number as text", () => {
    expect(mondayColumnTexts(numbersFixture.event)).toEqual({ name: "Ship onboarding emails", numbers: "1250.5" });
  });
  test("a new item: every column value it carries", () => {
    expect(mondayColumnTexts(pulseFixture.event)).toEqual({
      name: "Customer call: Acme renewal",
      person: "61280133",
      date4: "2026-11-27",
    });
  });
  test("an update: its text as text_body", () => {
    expect(mondayColumnTexts(updateFixture.event)).toEqual({
      text_body: "Looks good, shipping today. @Dana please review",
    });
  });
  test.each([
    [{ label: { text: null } }, ""],
    [{ personsAndTeams: [] }, ""],
    [{ chosenValues: [{ name: "A" }, { name: "B" }] }, "A, B"],
    [{ date: "2026-01-02", time: "10:00:00" }, "2026-01-02 10:00:00"],
    [{ date: null }, ""],
    [{ checked: "true" }, "v"],
    [{ checked: false }, ""],
    [{ text: "long text" }, "long text"],
    [{ value: null }, ""],
    [{ value: 3 }, "3"],
    [null, ""],
    ["plain", "plain"],
    [7, "7"],
  ])("value %j -> %j", (value, text) => {
    expect(mondayColumnTexts({ type: "update_column_value", columnId: "c", value })).toEqual({ c: text });
  });
  test("values of unknown shape, and events that are not objects", () => {
    expect(mondayColumnTexts({ type: "update_column_value", columnId: "c", value: { files: [] } })).toEqual({});
    expect(mondayColumnTexts({ type: "update_column_value", columnId: "", value: "x" })).toEqual({});
    expect(mondayColumnTexts(null)).toEqual({});
    expect(mondayColumnTexts([1])).toEqual({});
  });
});
