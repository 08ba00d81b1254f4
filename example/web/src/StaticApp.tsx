/**
 * Without a deployment: what `npm run demo` recorded (the engine's own
 * output, public/demo-data.json), shown with the same components.
 */
import { ExecutionList, ExecutionTrace } from "convex-rules/react";
import { useEffect, useState } from "react";
import type { DemoData } from "../../demo/demo.js";
import { NoSelection, Page, type IntegrationId } from "./Page.js";

export function StaticApp() {
  const [data, setData] = useState<DemoData>();
  const [error, setError] = useState<string>();
  const [integrationId, setIntegrationId] = useState<IntegrationId>("monday");
  const [selectedId, setSelectedId] = useState<string>();
  useEffect(() => {
    fetch("demo-data.json")
      .then(async (response) => {
        if (!response.ok) throw new Error(`demo-data.json: HTTP ${response.status}`);
        setData((await response.json()) as DemoData);
      })
      .catch((e: unknown) => setError(String(e)));
  }, []);

  const recorded = data?.executions.filter(({ execution }) => execution.integrationId === integrationId) ?? [];
  const selected = recorded.find(({ execution }) => execution.executionId === selectedId);
  return (
    <Page
      source={
        <>
          Recorded by <code>npm run demo</code>: the example app on convex-test, nothing deployed. Set{" "}
          <code>VITE_CONVEX_URL</code> to read a deployment.
        </>
      }
      integrationId={integrationId}
      onIntegration={(id) => {
        setIntegrationId(id);
        setSelectedId(undefined);
      }}
      rules={data?.rules.filter((rule) => rule.integrationId === integrationId)}
    >
      {error !== undefined ? (
        <p role="alert">{error}</p>
      ) : (
        <>
          <ExecutionList
            executions={recorded.map(({ execution }) => execution)}
            selectedId={selectedId}
            onSelect={setSelectedId}
          />
          {selected ? <ExecutionTrace execution={selected.execution} logs={selected.logs} /> : <NoSelection />}
        </>
      )}
    </Page>
  );
}
