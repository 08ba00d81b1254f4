/// <reference types="vite/client" />
/**
 * The demo scenario behind `npm run demo`: the example app runs in-process on
 * convex-test's embedded Convex runtime, a workspace admin creates a few
 * monday.com rules, every sample webhook payload of example/fixtures/monday
 * is delivered (and one of them twice), and the demo prints what ran, what
 * was skipped and why, and the requests the actions sent to monday.com's API
 * (`fetch` is stubbed by a fake monday.com: nothing leaves the machine).
 *
 * It runs under vitest (convex-test needs vite's `import.meta.glob`): see
 * demo.run.ts and vitest.config.ts here. demo.test.ts checks its outcomes.
 * With `dataFile` it also writes what the engine recorded (`DemoData`): `npm
 * run demo` writes example/web/public/demo-data.json, the page example/web
 * shows without a deployment.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { convexTest } from "convex-test";
import { ConvexError } from "convex/values";
import type { Execution, ExecutionLog, RuleDraft, RuleDoc } from "convex-rules";
import { drain, register } from "convex-rules/test";
import { vi } from "vitest";
import { api, internal } from "../convex/_generated/api.js";
import { triggerTypeOf } from "../convex/events.js";
import type { monday } from "../convex/monday.js";
import { rules } from "../convex/rules.js";
import schema from "../convex/schema.js";
import { githubScenario, GITHUB_DEMO_SECRET, type ApiRequest, type GitHubDemoRow } from "./github.js";
import { renderTable } from "./table.js";

const modules = import.meta.glob("../convex/**/*.ts");
const fixtures = import.meta.glob<unknown>("../fixtures/monday/*.json", {
  eager: true,
  import: "default",
});

const WORKSPACE = "acme";
/**
 * The fake clock's start: with it, every time the engine records (and so
 * example/web/public/demo-data.json) is the same on every run. Ids are
 * already: convex-test numbers documents in order.
 */
const DEMO_START = new Date("2026-06-01T09:00:00.000Z");
const BOARD = "1771812698";
/** The delivery sent a second time, as monday.com does when it gets no 200. */
const REDELIVERED = "change_status_column_value.json";

type Draft = RuleDraft<{ monday: typeof monday }>;

/** The rules the admin creates, in this order; `disabled` ones are switched off after. */
const RULES: Array<
  Draft & { id: string; conditions: NonNullable<Draft["conditions"]>; disabled?: boolean }
> = [
  {
    id: "notify-when-done",
    name: "Notify the owner when an item is Done",
    integrationId: "monday",
    namespace: WORKSPACE,
    triggerType: "status_changed",
    triggerConfig: { boardId: BOARD, columnId: "status", to: "Done" },
    conditions: [{ type: "field", config: { path: "pulseName", op: "is_not_empty" } }],
    actions: [
      { type: "notify", config: { userId: "61280133", text: "{{event.pulseName}} is done" } },
    ],
  },
  {
    id: "help-when-stuck",
    name: "Ask for help when an item is Stuck",
    integrationId: "monday",
    namespace: WORKSPACE,
    triggerType: "status_changed",
    triggerConfig: { boardId: BOARD, columnId: "status", to: "Stuck" },
    conditions: [],
    actions: [
      { type: "create_update", config: { body: "{{event.pulseName}} is stuck: who can help?" } },
    ],
  },
  {
    id: "triage-new-items",
    name: "Triage new items",
    integrationId: "monday",
    namespace: WORKSPACE,
    triggerType: "item_created",
    triggerConfig: { boardId: BOARD, groupId: "new_group" },
    conditions: [],
    actions: [
      { type: "set_status", config: { columnId: "status", label: "Working on it" } },
      { type: "create_update", config: { body: "Triaged automatically by {{rule.name}}" } },
    ],
  },
  {
    id: "big-budget-alert",
    name: "Alert on budgets over $5,000",
    integrationId: "monday",
    namespace: WORKSPACE,
    triggerType: "column_changed",
    triggerConfig: { boardId: BOARD, columnId: "numbers" },
    conditions: [
      { type: "field", config: { path: "columnTitle", op: "eq", value: "Budget" } },
      { type: "field", config: { path: "value.value", op: "gt", value: 5000 } },
    ],
    actions: [
      {
        type: "notify",
        config: { userId: "61280133", text: "Budget of {{event.pulseName}}: {{event.value.value}}" },
      },
    ],
  },
  {
    id: "changelog-when-done",
    name: "Post a changelog entry when Done",
    integrationId: "monday",
    namespace: WORKSPACE,
    triggerType: "status_changed",
    triggerConfig: { boardId: BOARD, columnId: "status", to: "Done" },
    conditions: [],
    actions: [{ type: "create_update", config: { body: "Shipped: {{event.pulseName}}" } }],
    disabled: true,
  },
];

/** One line of the "what happened" table. */
export type DemoRow = {
  delivery: number;
  file: string;
  eventType: string;
  rule: string;
  /** The engine's execution status, or the demo's "no match" / "disabled" / "ignored". */
  status: string;
  why: string;
};

/** One request the actions sent to monday.com's GraphQL API (to the demo's fake). */
export type DemoRequest = {
  mutation: string;
  variables: Record<string, unknown>;
  idempotencyKey: string;
  rule: string;
};

/**
 * What the engine recorded, as its own functions return it: every rule of
 * the demo's integrations (`rules.list`) and every execution
 * (`rules.executions.get`) with its logs (`rules.executions.getLogs`),
 * monday.com's then GitHub's, newest first. `npm run demo` writes it to
 * example/web/public/demo-data.json, which example/web shows.
 */
export type DemoData = {
  generatedBy: "npm run demo";
  namespace: string;
  rules: RuleDoc[];
  executions: Array<{ execution: Execution; logs: ExecutionLog[] }>;
};

export type DemoOptions = {
  /** Writes the recorded `DemoData` to this file, as `demoDataJson` formats it. */
  dataFile?: string;
};

/** The integrations whose rules and executions `DemoData` holds. */
const RECORDED_INTEGRATIONS = ["monday", "github"] as const;

/** DemoData as the committed file holds it: two-space JSON, a final newline. */
export function demoDataJson(data: DemoData): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

export type DemoResult = {
  rows: DemoRow[];
  requests: DemoRequest[];
  /** Executions the engine recorded, by status (from `rules.executions.list`). */
  executions: Record<string, number>;
  /** The GitHub part: deliveries and what ran, and the Slack and GitHub API requests. */
  github: { rows: GitHubDemoRow[]; slack: ApiRequest[]; github: ApiRequest[] };
  /** What the engine recorded (what `dataFile` receives). */
  data: DemoData;
};

/** Runs the scenario, printing it line by line; returns what happened for tests. */
export async function runDemo(print: (line: string) => void, options: DemoOptions = {}): Promise<DemoResult> {
  vi.useFakeTimers();
  vi.setSystemTime(DEMO_START);
  vi.stubEnv("MONDAY_API_TOKEN", "demo-token");
  vi.stubEnv("GITHUB_WEBHOOK_SECRET", GITHUB_DEMO_SECRET);
  vi.stubEnv("GITHUB_TOKEN", "demo-token");
  vi.stubEnv("SLACK_BOT_TOKEN", "xoxb-demo-token");
  const sent: Array<Omit<DemoRequest, "rule">> = [];
  const apiRequests: ApiRequest[] = [];
  const monday = fakeMonday(sent);
  const others = fakeGitHubAndSlack(apiRequests);
  vi.stubGlobal("fetch", (url: string, init: RequestInit) =>
    url === "https://api.monday.com/v2" ? monday(url, init) : others(url, init),
  );
  try {
    const result = await scenario(print, sent, apiRequests);
    if (options.dataFile !== undefined) {
      await mkdir(dirname(options.dataFile), { recursive: true });
      await writeFile(options.dataFile, demoDataJson(result.data));
    }
    return result;
  } finally {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
    vi.useRealTimers();
  }
}

/**
 * A stand-in for https://api.monday.com/v2: records each GraphQL request
 * and answers it as monday.com would, with a made-up id.
 */
function fakeMonday(sent: Array<Omit<DemoRequest, "rule">>) {
  return async (url: string, init: RequestInit): Promise<Response> => {
    if (url !== "https://api.monday.com/v2") throw new Error(`the demo is offline: no ${url}`);
    const { query, variables } = JSON.parse(init.body as string) as {
      query: string;
      variables: Record<string, unknown>;
    };
    const mutation = /\{\s*(\w+)\(/.exec(query)?.[1] ?? "?";
    const idempotencyKey = new Headers(init.headers).get("Idempotency-Key") ?? "";
    sent.push({ mutation, variables, idempotencyKey });
    const answer =
      mutation === "create_notification" ? { text: variables.text } : { id: String(1772200000 + sent.length) };
    return new Response(JSON.stringify({ data: { [mutation]: answer } }), {
      headers: { "content-type": "application/json" },
    });
  };
}

/** Stand-ins for GitHub's REST API and Slack's chat.postMessage: record, answer success. */
function fakeGitHubAndSlack(sent: ApiRequest[]) {
  return async (url: string, init: RequestInit): Promise<Response> => {
    const body = JSON.parse(init.body as string) as Record<string, unknown>;
    if (url === "https://slack.com/api/chat.postMessage") {
      sent.push({ url, body });
      return Response.json({ ok: true, channel: "C024BE91L", ts: `1700000000.00000${sent.length}` });
    }
    if (url.startsWith("https://api.github.com/repos/")) {
      sent.push({ url, body });
      return Response.json({ html_url: `https://github.com${new URL(url).pathname}` }, { status: 201 });
    }
    throw new Error(`the demo is offline: no ${url}`);
  };
}

async function scenario(
  print: (line: string) => void,
  sent: Array<Omit<DemoRequest, "rule">>,
  apiRequests: ApiRequest[],
): Promise<DemoResult> {
  const t = convexTest({ schema, modules, transactionLimits: true });
  register(t);
  await t.mutation(internal.rules.addMember, {
    tokenIdentifier: "alice",
    workspaceId: WORKSPACE,
    role: "admin",
  });
  const alice = t.withIdentity({ tokenIdentifier: "alice", name: "Alice" });

  for (const { disabled, ...rule } of RULES) {
    const ruleId = await alice.mutation(api.rules.createRule, rule);
    if (disabled) await alice.mutation(api.rules.disableRule, { ruleId });
  }
  const listed = await alice.query(api.rules.listRules, {
    integrationId: "monday",
    namespace: WORKSPACE,
    paginationOpts: { numItems: 100, cursor: null },
  });
  const saved = listed.page as RuleDoc[];
  const ruleName = new Map(saved.map((r) => [r.ruleId as string, r.name]));

  print("convex-rules demo: monday.com webhooks through the example app");
  print("The app runs in-process on convex-test's embedded Convex runtime; nothing leaves this machine.");
  print("");
  print(`Workspace "${WORKSPACE}": admin alice created ${saved.length} rules on board ${BOARD}`);
  print(
    `(api.rules.createRule, then api.rules.disableRule for ${RULES.filter((r) => r.disabled).length} of them)`,
  );
  for (const line of renderTable(
    [
      { title: "Rule", width: 24 },
      { title: "When", width: 26 },
      { title: "If", width: 22 },
      { title: "Then", width: 30 },
      { title: "On", width: 3 },
    ],
    saved.map((r) => [
      `${r.name}\n(${r.ruleId})`,
      `${r.triggerType}\n${describeConfig(r.triggerConfig)}`,
      r.conditions.length === 0
        ? "always"
        : r.conditions.map((c) => `${c.id}: ${describeCondition(c.config)}`).join("\n"),
      r.actions.map((a) => `${a.id}: ${a.type} ${describeConfig(a.config)}`).join("\n"),
      r.enabled ? "yes" : "no",
    ]),
  )) {
    print(line);
  }

  // Deliveries in the order monday.com sends them: the URL challenge first,
  // then events by trigger time, then one event delivered again.
  const files = Object.entries(fixtures)
    .map(([path, body]) => ({ file: path.split("/").pop()!, body }))
    .sort((a, b) => triggerTime(a.body).localeCompare(triggerTime(b.body)));
  const redelivery = files.find((f) => f.file === REDELIVERED);
  if (!redelivery) throw new Error(`fixture ${REDELIVERED} is missing`);
  const deliveries = [...files, redelivery];

  const rows: DemoRow[] = [];
  const ruleOfAction = new Map<string, string>();
  for (const [index, { file, body }] of deliveries.entries()) {
    const delivery = index + 1;
    const event = eventOf(body);
    const eventType = event ? String(event.type) : "(no event)";
    const add = (rule: string, status: string, why: string) =>
      rows.push({ delivery, file, eventType, rule, status, why });

    let results: Array<{ executionId: string; ruleId: string; status: string }>;
    try {
      results = await t.mutation(internal.events.receiveMondayEvent, {
        workspaceId: WORKSPACE,
        body: JSON.stringify(body),
      });
    } catch (error) {
      if (!(error instanceof ConvexError)) throw error;
      const data = error.data as { code: string; message: string };
      const challenge = (body as { challenge?: unknown }).challenge !== undefined;
      add(
        "-",
        "ignored",
        `${data.code}: ${data.message}.` +
          (challenge
            ? " It is monday.com's URL check, not an event: the webhook endpoint answers it by echoing the challenge."
            : ""),
      );
      continue;
    }
    // Let the actions run (workpool jobs scheduled by the dispatch), one
    // fake timer at a time: the times recorded are the same on every run.
    await drain(t);

    const triggerType = event ? triggerTypeOf(event) : null;
    if (!triggerType) {
      add("-", "ignored", `No trigger of the monday integration handles "${eventType}" events: no rule is looked at.`);
      continue;
    }
    const considered = new Set(results.map((r) => r.ruleId));
    for (const result of results) {
      const execution = await t.query((ctx) =>
        rules.executions.get(ctx, { executionId: result.executionId }),
      );
      if (!execution) throw new Error(`execution ${result.executionId} not found`);
      const name = ruleName.get(result.ruleId) ?? result.ruleId;
      if (result.status === "duplicate") {
        const first = deliveries.findIndex((d) => eventOf(d.body)?.triggerUuid === event?.triggerUuid);
        add(
          name,
          "duplicate",
          `Same triggerUuid as delivery ${first + 1} (${String(event?.triggerUuid).slice(0, 8)}…): ` +
            `nothing ran again. The execution of delivery ${first + 1} ${execution.status}.`,
        );
        continue;
      }
      for (const action of execution.actions) {
        ruleOfAction.set(`${execution.executionId}:${action.id}`, name);
      }
      add(name, execution.status, explain(execution));
    }
    // A duplicate is answered from the first delivery's record: nothing was evaluated.
    if (results.some((r) => r.status === "duplicate")) continue;
    // Rules of this trigger the engine did not consider: testRule tells why.
    for (const rule of saved) {
      if (rule.triggerType !== triggerType || considered.has(rule.ruleId)) continue;
      const report = await t.query((ctx) =>
        rules.testRule(ctx, {
          ruleId: rule.ruleId,
          event: { ...event, boardId: String(event?.boardId) },
        }),
      );
      if (!rule.enabled) {
        if (report.patternMatched) {
          add(rule.name, "disabled", "Its trigger matches this event, but disabled rules are never candidates.");
        }
      } else if (!report.patternMatched) {
        add(rule.name, "no match", patternMismatch(rule.triggerPattern, { ...event, boardId: String(event?.boardId) }));
      }
    }
    if (!rows.some((r) => r.delivery === delivery)) {
      add("-", "no rules", `No rule of "${triggerType}" in this workspace.`);
    }
  }

  print("");
  print(`${deliveries.length} webhook deliveries (internal.events.receiveMondayEvent), actions run to completion after each:`);
  const eventCell = (row: DemoRow) => {
    const event = eventOf(deliveries[row.delivery - 1].body);
    const trigger = event ? triggerTypeOf(event) : null;
    const again = row.delivery > files.length ? "\n(delivered again)" : "";
    return `${row.delivery}. ${row.file}\n${row.eventType}${trigger ? ` → ${trigger}` : ""}${again}`;
  };
  for (const line of renderTable(
    [
      { title: "Delivery", width: 36 },
      { title: "Rule", width: 20 },
      { title: "Status", width: 9 },
      { title: "Why", width: 42 },
    ],
    rows.map((row, i) => [
      i > 0 && rows[i - 1].delivery === row.delivery ? "" : eventCell(row),
      row.rule,
      row.status,
      row.why,
    ]),
  )) {
    print(line);
  }
  print("succeeded / skipped / duplicate: what the engine recorded (rules.getExecution).");
  print("no match / disabled: rules the engine never considered; the reason comes from rules.testRule.");

  const requests: DemoRequest[] = sent.map((request) => ({
    ...request,
    rule: ruleOfAction.get(request.idempotencyKey) ?? "?",
  }));
  print("");
  print(
    `monday.com API: the ${requests.length} requests the actions sent (POST https://api.monday.com/v2, to a fake: nothing left this machine)`,
  );
  for (const line of renderTable(
    [
      { title: "#", width: 2 },
      { title: "Mutation", width: 26 },
      { title: "Variables", width: 50 },
      { title: "From rule", width: 24 },
    ],
    requests.map((r, i) => [
      String(i + 1),
      // The key is "<execution id>:<action id>": the same on every retry.
      `${r.mutation}\nIdempotency-Key …:${r.idempotencyKey.split(":").pop()}`,
      describeConfig(r.variables),
      r.rule,
    ]),
  )) {
    print(line);
  }

  const page = await t.query((ctx) =>
    rules.executions.list(ctx, {
      integrationId: "monday",
      namespace: WORKSPACE,
      paginationOpts: { numItems: 100, cursor: null },
    }),
  );
  const executions: Record<string, number> = {};
  for (const status of ["succeeded", "failed", "skipped", "loop_blocked", "running"]) {
    const n = page.page.filter((e) => e.status === status).length;
    if (n > 0) executions[status] = n;
  }
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  const ignored = new Set(rows.filter((r) => r.status === "ignored").map((r) => r.delivery)).size;
  print("");
  print(
    `Totals: ${deliveries.length} deliveries (${ignored} ignored, ${new Set(rows.filter((r) => r.status === "duplicate").map((r) => r.delivery)).size} duplicate); ` +
      `${page.page.length} executions recorded (${Object.entries(executions)
        .map(([status, n]) => `${n} ${status}`)
        .join(", ")}); ` +
      `${count("no match")} not matched, ${count("disabled")} disabled; ${requests.length} requests to monday.com.`,
  );
  const github = await githubScenario(t, WORKSPACE, print, apiRequests);
  return { rows, requests, executions, github, data: await recorded(t) };
}

/** The rules, executions and logs of the demo's workspace, through `rules`. */
async function recorded(t: ReturnType<typeof convexTest>): Promise<DemoData> {
  const data: DemoData = { generatedBy: "npm run demo", namespace: WORKSPACE, rules: [], executions: [] };
  const paginationOpts = { numItems: 100, cursor: null };
  for (const integrationId of RECORDED_INTEGRATIONS) {
    const scope = { integrationId, namespace: WORKSPACE, paginationOpts };
    const listed = await t.query((ctx) => rules.list(ctx, scope));
    data.rules.push(...listed.page);
    const page = await t.query((ctx) => rules.executions.list(ctx, scope));
    for (const { executionId } of page.page) {
      const [execution, logs] = await t.query(async (ctx) => [
        await rules.executions.get(ctx, { executionId }),
        await rules.executions.getLogs(ctx, { executionId }),
      ] as const);
      if (!execution) throw new Error(`execution ${executionId} not found`);
      data.executions.push({ execution, logs });
    }
  }
  return data;
}

function eventOf(body: unknown): Record<string, unknown> | null {
  const event = (body as { event?: unknown } | null)?.event;
  return typeof event === "object" && event !== null ? (event as Record<string, unknown>) : null;
}

/** A delivery's sort key: its event's trigger time; the challenge (none) first. */
function triggerTime(body: unknown): string {
  const time = eventOf(body)?.triggerTime;
  return typeof time === "string" ? time : "";
}

function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

function describeConfig(config: unknown): string {
  if (typeof config !== "object" || config === null) return show(config);
  return Object.entries(config)
    .map(([key, value]) => `${key}=${show(value)}`)
    .join(" ");
}

function describeCondition(config: { path?: string; op?: string; value?: unknown }): string {
  return [config.path, config.op, ...(config.value === undefined ? [] : [show(config.value)])].join(" ");
}

type ExplanationNode = {
  id: string;
  result: boolean | "skipped" | "error";
  path?: string;
  op?: string;
  actual?: unknown;
  expected?: unknown;
  error?: string;
};

/** Why an execution ended as it did: its first failing condition, or its actions. */
function explain(execution: Execution): string {
  const nodes = (execution.explanation ?? []) as ExplanationNode[];
  const failing = nodes.find((n) => n.result === false || n.result === "error");
  if (!execution.conditionsMet) {
    if (!failing) return execution.error ?? "conditions not met";
    const seen = failing.actual === undefined ? "nothing there" : show(failing.actual);
    return (
      `Condition ${failing.id} failed: ${failing.path} ${failing.op} ${show(failing.expected)}, ` +
      `but the event has ${failing.path} = ${seen}${failing.error ? ` (${failing.error})` : ""}. ` +
      `No action ran.`
    );
  }
  const held =
    nodes.length === 0
      ? "No conditions."
      : `Conditions held: ${nodes
          .filter((n) => n.path !== undefined)
          .map((n) => `${n.path} ${n.op}${n.expected === undefined ? "" : ` ${show(n.expected)}`} (saw ${show(n.actual)})`)
          .join("; ")}.`;
  const actions = execution.actions.map((a) => {
    const attempts = a.attempts > 1 ? `, ${a.attempts} attempts` : "";
    const outcome = a.status === "succeeded" ? "ok" : `${a.status}${a.error ? `: ${a.error}` : ""}`;
    return `${a.id} ${a.type} [${outcome}${attempts}] ${a.config === undefined ? "" : describeConfig(a.config)}`;
  });
  return [held, ...actions].join("\n");
}

/**
 * The first exact-value field of a trigger pattern the event does not have,
 * described for people; patterns with operators fall back to a generic text.
 */
function patternMismatch(pattern: unknown, event: unknown, prefix = ""): string {
  const generic = "Its trigger pattern does not match this event.";
  if (typeof pattern !== "object" || pattern === null) return generic;
  for (const [key, allowed] of Object.entries(pattern)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const value = (event as Record<string, unknown> | null)?.[key];
    if (Array.isArray(allowed)) {
      if (allowed.every((a) => typeof a !== "object") && !allowed.includes(value)) {
        const wants = allowed.map(show).join(" or ");
        return `The event has ${path} = ${value === undefined ? "nothing" : show(value)}; the rule's trigger wants ${wants}.`;
      }
    } else {
      const inner = patternMismatch(allowed, value, path);
      if (inner !== generic) return inner;
    }
  }
  return generic;
}
