// Runs the `npm run demo` scenario and checks what it reports, so the demo
// cannot silently drift from what the engine does.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { demoDataJson, runDemo } from "./demo.js";
import { renderTable, wrap } from "./table.js";

describe("npm run demo", () => {
  test("reports what ran, what was skipped and why, the requests to monday.com and the totals", async () => {
    const lines: string[] = [];
    const result = await runDemo((line) => lines.push(line));

    expect(
      result.rows.map((r) => [r.delivery, r.file, r.eventType, r.rule, r.status]),
    ).toEqual([
      [1, "challenge.json", "(no event)", "-", "ignored"],
      [2, "change_status_column_value.json", "update_column_value", "Notify the owner when an item is Done", "succeeded"],
      [2, "change_status_column_value.json", "update_column_value", "Ask for help when an item is Stuck", "no match"],
      [2, "change_status_column_value.json", "update_column_value", "Post a changelog entry when Done", "disabled"],
      [3, "create_pulse.json", "create_pulse", "Triage new items", "succeeded"],
      [4, "change_column_value_numbers.json", "update_column_value", "Alert on budgets over $5,000", "skipped"],
      [5, "create_update.json", "create_update", "-", "no rules"],
      [6, "change_status_column_value.json", "update_column_value", "Notify the owner when an item is Done", "duplicate"],
    ]);
    const why = (delivery: number, status: string) =>
      result.rows.find((r) => r.delivery === delivery && r.status === status)?.why;
    expect(why(1, "ignored")).toContain("BAD_EVENT");
    expect(why(2, "succeeded")).toContain('a1 notify [ok] text="Ship onboarding emails is done"');
    expect(why(2, "no match")).toContain('value.label.text = "Done"; the rule\'s trigger wants "Stuck"');
    expect(why(3, "succeeded")).toContain('a2 create_update [ok] body="Triaged automatically by Triage new items"');
    // The explanation's first failing condition, with the value the engine saw.
    expect(why(4, "skipped")).toBe(
      "Condition c2 failed: value.value gt 5000, but the event has value.value = 1250.5. No action ran.",
    );
    expect(why(5, "no rules")).toBe('No rule of "update_created" in this workspace.');
    expect(why(6, "duplicate")).toBe(
      "Same triggerUuid as delivery 2 (6a4ffa64…): nothing ran again. The execution of delivery 2 succeeded.",
    );

    // The actions called monday.com's API (a fake here); the redelivery sent nothing twice.
    expect(result.requests).toEqual([
      {
        mutation: "create_notification",
        variables: { userId: "61280133", targetId: "1772099344", text: "Ship onboarding emails is done" },
        idempotencyKey: expect.stringMatching(/:a1$/),
        rule: "Notify the owner when an item is Done",
      },
      {
        mutation: "change_simple_column_value",
        variables: { boardId: "1771812698", itemId: "1772105520", columnId: "status", value: "Working on it" },
        idempotencyKey: expect.stringMatching(/:a1$/),
        rule: "Triage new items",
      },
      {
        mutation: "create_update",
        variables: { itemId: "1772105520", body: "Triaged automatically by Triage new items" },
        idempotencyKey: expect.stringMatching(/:a2$/),
        rule: "Triage new items",
      },
    ]);
    // One execution's two actions: two keys of the same execution.
    expect(result.requests[1].idempotencyKey.replace(/:a1$/, "")).toBe(
      result.requests[2].idempotencyKey.replace(/:a2$/, ""),
    );
    expect(result.executions).toEqual({ succeeded: 2, skipped: 1 });

    expect(lines[0]).toMatch(/^convex-rules demo/);
    expect(lines).toContain(
      "Totals: 6 deliveries (1 ignored, 1 duplicate); 3 executions recorded (2 succeeded, 1 skipped); " +
        "1 not matched, 1 disabled; 3 requests to monday.com.",
    );

    // GitHub: published deliveries run their rules, an unsigned one is refused,
    // and the Slack posts are the ones GitHub events caused.
    expect(result.github.rows.map((r) => [r.delivery, r.http, r.status])).toEqual([
      ["issues/opened", 200, "succeeded"],
      ["pull_request/closed (not merged)", 200, "-"],
      ["pull_request/closed, merged", 200, "succeeded"],
      ["workflow_run/completed", 200, "succeeded"],
      ["push (a tag)", 200, "-"],
      ["issues/opened, unsigned", 401, "-"],
    ]);
    expect(result.github.slack.map((r) => r.body)).toEqual([
      { channel: "#dev", text: "New issue #1: Spelling error in the README file" },
      { channel: "#dev", text: "Merged #2: Update the README with new information." },
      { channel: "#dev", text: "Workflow test #163 passed on master" },
    ]);
    expect(result.github.github.map((r) => r.url)).toEqual([
      "https://api.github.com/repos/Codertocat/Hello-World/issues/1/comments",
    ]);
    // What example/web shows: real records, each execution as rules.executions.get returns it.
    const statuses = result.data.executions.map(({ execution }) => `${execution.integrationId} ${execution.status}`);
    expect(statuses).toEqual([
      "monday skipped",
      "monday succeeded",
      "monday succeeded",
      "github succeeded",
      "github succeeded",
      "github succeeded",
    ]);
    expect(result.data.rules.map((r) => r.ruleId)).toEqual([
      "notify-when-done",
      "help-when-stuck",
      "triage-new-items",
      "big-budget-alert",
      "changelog-when-done",
      "welcome-issues",
      "announce-merges",
      "green-builds",
    ]);
    const skipped = result.data.executions[0]!;
    expect(skipped.execution.ruleName).toBe("Alert on budgets over $5,000");
    expect(skipped.execution.explanation).toContainEqual(
      expect.objectContaining({ id: "c2", result: false, path: "value.value", actual: 1250.5 }),
    );
    expect(result.data.executions[1]!.logs.map((log) => log.message)).toContain(
      "Action a2 (create_update) succeeded after 1 attempt(s)",
    );
    // The committed file is this run's output: ids and times are the same on
    // every run (a fixed fake clock, convex-test's numbered ids).
    const committed = readFileSync(new URL("../web/public/demo-data.json", import.meta.url), "utf8");
    const stale = "example/web/public/demo-data.json is out of date: run npm run demo";
    expect(JSON.parse(committed), stale).toEqual(JSON.parse(demoDataJson(result.data)));
    expect(committed === demoDataJson(result.data), stale).toBe(true);

    // Readable in a 120-column terminal.
    const tableLines = lines.filter((l) => /^[│┌├└]/.test(l));
    expect(tableLines.length).toBeGreaterThan(20);
    expect(Math.max(...tableLines.map((l) => l.length))).toBeLessThanOrEqual(120);
  });

  test("table cells wrap at spaces, break long words, and keep explicit line breaks", () => {
    expect(wrap("a bb ccc dddd", 6)).toEqual(["a bb", "ccc", "dddd"]);
    expect(wrap("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrap("one\ntwo", 10)).toEqual(["one", "two"]);
    expect(renderTable([{ title: "A", width: 3 }, { title: "B", width: 5 }], [["x y z", "1"]])).toEqual([
      "┌─────┬───┐",
      "│ A   │ B │",
      "├─────┼───┤",
      "│ x y │ 1 │",
      "│ z   │   │",
      "└─────┴───┘",
    ]);
  });
});
