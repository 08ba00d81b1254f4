// @vitest-environment jsdom
/**
 * The page's live mode (VITE_CONVEX_URL) without a deployment: a stand-in
 * for ConvexReactClient answers the example app's functions with what `npm
 * run demo` recorded, and records what the page asked for.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import type { ConvexReactClient } from "convex/react";
import { getFunctionName, type FunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { createElement } from "react";
import { afterEach, expect, test } from "vitest";
import type { DemoData } from "../demo/demo.js";
import { LiveApp } from "./src/LiveApp.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const data = JSON.parse(readFileSync(path.join(here, "public/demo-data.json"), "utf8")) as DemoData;
const URL_ = "https://example-123.convex.cloud";

type Args = Record<string, any>;

/** What useQuery and usePaginatedQuery use of a client: watchQuery and the logger. */
function fakeClient(answer: (name: string, args: Args) => unknown) {
  const asked: Array<[string, Args]> = [];
  const client = {
    logger: console,
    watchQuery(query: FunctionReference<"query">, args: Args) {
      const name = getFunctionName(query);
      asked.push([name, args]);
      return { localQueryResult: () => answer(name, args), onUpdate: () => () => {} };
    },
  };
  return { client: client as unknown as ConvexReactClient, asked };
}

/** The example app's read functions, over the recorded data. */
function recorded(name: string, args: Args): unknown {
  const page = <T>(items: T[]) => ({ page: items, isDone: true, continueCursor: "" });
  const find = () => data.executions.find(({ execution }) => execution.executionId === args.executionId);
  switch (name) {
    case "rules:listRules":
      return page(data.rules.filter((r) => r.integrationId === args.integrationId && r.namespace === args.namespace));
    case "rules:listExecutions":
      return page(
        data.executions
          .map(({ execution }) => execution)
          .filter((e) => e.integrationId === args.integrationId && e.namespace === args.namespace),
      );
    case "rules:getExecution":
      return find()?.execution ?? null;
    case "rules:getExecutionLogs":
      return find()?.logs ?? [];
  }
  throw new Error(`the page asked for ${name}`);
}

afterEach(cleanup);

test("reads the workspace's rules and history through the app's functions, and the trace of the one picked", () => {
  const { client, asked } = fakeClient(recorded);
  render(createElement(LiveApp, { client, url: URL_ }));

  expect(screen.getByText(URL_)).toBeTruthy();
  expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toHaveLength(5);
  const history = screen.getByRole("table", { name: "Executions" });
  const skipped = within(history).getByRole("button", { name: "Alert on budgets over $5,000" });
  fireEvent.click(skipped);
  const trace = screen.getByRole("article", { name: "Execution of Alert on budgets over $5,000" });
  expect(trace.querySelector('.cr-condition[data-result="false"]')?.textContent).toBe(
    "failed c2 value.value gt 5000 - saw 1250.5",
  );

  const executionId = data.executions.find(({ execution }) => execution.status === "skipped")!.execution.executionId;
  const names = new Set(asked.map(([name]) => name));
  expect([...names].sort()).toEqual([
    "rules:getExecution",
    "rules:getExecutionLogs",
    "rules:listExecutions",
    "rules:listRules",
  ]);
  expect(asked).toContainEqual([
    "rules:listExecutions",
    { integrationId: "monday", namespace: "acme", paginationOpts: expect.objectContaining({ numItems: 20, cursor: null }) },
  ]);
  expect(asked).toContainEqual(["rules:getExecution", { executionId }]);
  expect(asked).toContainEqual(["rules:getExecutionLogs", { executionId }]);

  // Another integration: its rules and history, nothing picked.
  fireEvent.click(screen.getByRole("button", { name: "GitHub" }));
  expect(within(screen.getByRole("table", { name: "Executions" })).getAllByRole("button")).toHaveLength(3);
  expect(screen.getByText("No execution picked.")).toBeTruthy();
});

test("a refusal of the deployment is shown with its code and message", () => {
  const { client } = fakeClient(() => {
    throw new ConvexError({ code: "UNAUTHORIZED", message: "sign in first" });
  });
  const quiet = console.error;
  console.error = () => {}; // React reports the error the boundary catches.
  try {
    render(createElement(LiveApp, { client, url: URL_ }));
  } finally {
    console.error = quiet;
  }
  expect(screen.getByRole("alert").textContent).toContain("UNAUTHORIZED: sign in first");
});
