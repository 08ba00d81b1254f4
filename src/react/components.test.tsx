// @vitest-environment jsdom
/// <reference types="vite/client" />
// The React components on executions the real engine recorded in every
// state (client/executionStates.test.ts), rendered in jsdom with
// @testing-library/react and read as a user reads them: by role and text.
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { recordExecutionStates, type ExecutionStates } from "../client/executionStates.test.js";
import { shop } from "../client/engineHost.test.js";
import { ExecutionList, ExecutionTrace, RuleSummary, StatusBadge, whyOf } from "./index.js";

let states: ExecutionStates;
beforeAll(async () => {
  states = await recordExecutionStates(import.meta.glob("../client/**/*.ts"));
}, 30_000);
afterEach(cleanup);

const section = (name: string) => screen.getByRole("region", { name });

describe("<ExecutionTrace>", () => {
  test("succeeded: the condition that held with the value it saw, the action with its rendered config", () => {
    const { execution, logs } = states.succeeded;
    render(<ExecutionTrace execution={execution} logs={logs} />);
    expect(screen.getByRole("article", { name: "Execution of Ship paid orders" })).toBeTruthy();
    expect(within(section("Conditions")).getByText("held").closest("li")!.textContent).toContain("total gt 0 - saw 42");
    const actions = within(section("Actions"));
    expect(actions.getByText("succeeded")).toBeTruthy();
    expect(actions.getByText(/1 attempt,/).textContent).toBe("1 attempt, 0 ms");
    const config = actions.getByText("Config, as rendered").closest("details")!;
    expect(config.textContent).toContain('"orderId": "o-ok"');
    expect(within(section("Trigger")).getByText("delivery-1")).toBeTruthy();
    expect(within(section("Logs")).getAllByRole("row").length).toBe(logs.length + 1);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  test("skipped: the failed condition with the value the event had; no action ran", () => {
    const { execution, logs } = states.skipped;
    expect(logs).toEqual([]);
    render(<ExecutionTrace execution={execution} logs={logs} />);
    expect(within(section("Logs")).getByText("No logs: a rule that did not run writes none.")).toBeTruthy();
    const failed = within(section("Conditions")).getByLabelText("failed").closest("li")!;
    expect(failed.textContent).toContain("c1 total gte 1000 - saw 250");
    expect(screen.getByText("skipped", { selector: ".cr-trace-header .cr-status" })).toBeTruthy();
    expect(within(section("Actions")).getByText("No action ran: the conditions did not hold.")).toBeTruthy();
    expect(whyOf(execution)).toBe("c1: total gte 1000, saw 250");
  });

  test("failed after retries: each attempt counted, the error shown, the rule version it ran", () => {
    const { execution } = states.failedAfterRetries;
    render(<ExecutionTrace execution={execution} />);
    const action = within(section("Actions"));
    expect(action.getByText(/attempts,/).textContent).toMatch(/^3 attempts, \d/);
    const alerts = screen.getAllByRole("alert").map((alert) => alert.textContent);
    expect(alerts).toContain("flaky failure #3");
    expect(alerts).toContain("action a1 (flaky) failed: flaky failure #3");
    expect(screen.getByText("Rule version").nextSibling!.textContent).toBe(String(execution.ruleVersion));
  });

  test("rate limited, loop blocked: the reason, and no condition or action evaluated", () => {
    render(<ExecutionTrace execution={states.rateLimited.execution} />);
    expect(screen.getAllByRole("alert").map((alert) => alert.textContent).join(" ")).toContain("quota of 1 action runs");
    expect(within(section("Actions")).getByText("skipped")).toBeTruthy();
    cleanup();
    render(<ExecutionTrace execution={states.loopBlocked.execution} />);
    expect(screen.getByRole("alert").textContent).toContain("already in the causing chain");
    expect(within(section("Actions")).getByText("No action ran.")).toBeTruthy();
    expect(screen.getByText("loop blocked")).toBeTruthy();
  });
});

describe("<ExecutionList>", () => {
  test("one row per execution with status and why; picking one by click or keyboard selects it", () => {
    const executions = [
      states.succeeded.execution,
      states.skipped.execution,
      states.failedAfterRetries.execution,
      states.rateLimited.execution,
      states.loopBlocked.execution,
    ];
    const onSelect = vi.fn();
    const loadMore = vi.fn();
    render(
      <ExecutionList executions={executions} onSelect={onSelect} selectedId={executions[1]!.executionId} loadMore={loadMore} />,
    );
    const rows = within(screen.getByRole("table", { name: "Executions" })).getAllByRole("row").slice(1);
    expect(rows.map((row) => row.getAttribute("data-status"))).toEqual([
      "succeeded",
      "skipped",
      "failed",
      "rate_limited",
      "loop_blocked",
    ]);
    expect(rows[0]!.textContent).toContain("1 of 1 action ran");
    expect(rows[1]!.textContent).toContain("c1: total gte 1000, saw 250");
    expect(rows[1]!.getAttribute("aria-current")).toBe("true");
    expect(rows[2]!.textContent).toContain("action a1 (flaky) failed");
    fireEvent.click(within(rows[1]!).getByRole("button", { name: "Alert on big orders" }));
    expect(onSelect).toHaveBeenCalledWith(executions[1]!.executionId);
    // A native button: Enter and Space activate it from the keyboard.
    expect(within(rows[2]!).getByRole("button").tagName).toBe("BUTTON");
    fireEvent.click(screen.getByRole("button", { name: "More" }));
    expect(loadMore).toHaveBeenCalledOnce();
  });

  test("a duplicate delivery answers with the first delivery's execution", () => {
    const { answer, execution } = states.duplicate;
    expect(answer).toMatchObject({ status: "duplicate", executionId: states.succeeded.execution.executionId });
    render(
      <p>
        <StatusBadge status={answer.status} /> {whyOf(execution)}
      </p>,
    );
    expect(screen.getByText("duplicate")).toBeTruthy();
    expect(screen.getByText(/1 of 1 action ran/)).toBeTruthy();
  });

  test("empty: says so, and shows no More button without loadMore", () => {
    render(<ExecutionList executions={[]} />);
    expect(screen.getByText("No executions yet.")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });
});

describe("<RuleSummary>", () => {
  test("when, if, then in words, with the declarations' descriptions", () => {
    render(
      <RuleSummary
        integration={shop}
        rule={{
          name: "Big gold orders",
          enabled: false,
          triggerType: "order_created",
          triggerConfig: { storeId: "s1" },
          conditions: [
            { id: "c1", type: "field", config: { path: "total", op: "gte", value: 1000 } },
            {
              id: "c2",
              type: "any",
              config: {
                conditions: [
                  { id: "c3", type: "field", config: { path: "customer.tier", op: "eq", value: "gold" } },
                  { id: "c4", type: "field", config: { path: "customer.tier", op: "eq", value: "platinum" } },
                ],
              },
            },
          ],
          actions: [{ id: "a1", type: "ship", config: { orderId: "{{event.orderId}}" }, onError: "stop" }],
        }}
      />,
    );
    expect(screen.getByLabelText("Rule Big gold orders").textContent).toBe(
      'When order_created (storeId "s1"), if total gte 1000 and (customer.tier eq "gold" or customer.tier eq "platinum"), then ship (orderId "{{event.orderId}}"). (disabled)',
    );
  });
});
