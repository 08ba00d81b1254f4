/**
 * The page's frame, the same in both modes: where the data comes from, the
 * integration picked, its rules in words, and the history below.
 */
import type { RuleDoc } from "convex-rules";
import { RuleSummary } from "convex-rules/react";
import type { ReactNode } from "react";
import { github } from "../../convex/github.js";
import { monday } from "../../convex/monday.js";

/** The integrations shown, with their declarations (the words of RuleSummary). */
export const INTEGRATIONS = [
  { id: "monday", label: "monday.com", definition: monday },
  { id: "github", label: "GitHub", definition: github },
] as const;

export type IntegrationId = (typeof INTEGRATIONS)[number]["id"];

export type PageProps = {
  /** Where the data comes from, in words. */
  source: ReactNode;
  integrationId: IntegrationId;
  onIntegration: (integrationId: IntegrationId) => void;
  /** The integration's rules; undefined while loading. */
  rules: readonly RuleDoc[] | undefined;
  /** The history and the trace of the execution picked. */
  children: ReactNode;
};

export function Page({ source, integrationId, onIntegration, rules, children }: PageProps) {
  const integration = INTEGRATIONS.find((i) => i.id === integrationId)!;
  return (
    <div className="page">
      <header>
        <h1>convex-rules: see why a rule ran</h1>
        <p className="source">{source}</p>
      </header>
      <nav className="tabs" aria-label="Integrations">
        {INTEGRATIONS.map((i) => (
          <button key={i.id} type="button" aria-pressed={i.id === integrationId} onClick={() => onIntegration(i.id)}>
            {i.label}
          </button>
        ))}
      </nav>
      <section aria-labelledby="rules-title">
        <h2 id="rules-title">Rules</h2>
        {rules === undefined ? (
          <p className="placeholder">Loading…</p>
        ) : (
          <ul className="rules">
            {rules.map((rule) => (
              <li key={rule.ruleId}>
                <RuleSummary rule={rule} integration={integration.definition} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <p className="hint">Pick an execution to see why it ran, or why it didn&apos;t.</p>
        <div className="history">{children}</div>
      </section>
    </div>
  );
}

/** What the trace's place shows until an execution is picked. */
export function NoSelection() {
  return <p className="placeholder">No execution picked.</p>;
}
