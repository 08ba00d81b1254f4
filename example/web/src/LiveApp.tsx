/**
 * With VITE_CONVEX_URL: a deployment of the example app, read through its
 * own functions (rules.api in example/convex/rules.ts, behind its
 * `authorize`) with the hooks of convex-rules/react.
 */
import { ExecutionList, ExecutionTrace, useExecution, useExecutionLogs, useExecutions } from "convex-rules/react";
import { ConvexProvider, useQuery, type ConvexReactClient } from "convex/react";
import { Component, useState, type ReactNode } from "react";
import { api } from "../../convex/_generated/api.js";
import { NoSelection, Page, type IntegrationId } from "./Page.js";

/** The workspace shown: the rules' namespace. */
const namespace = import.meta.env.VITE_WORKSPACE ?? "acme";

export function LiveApp({ client, url }: { client: ConvexReactClient; url: string }) {
  return (
    <ConvexProvider client={client}>
      <Refused url={url}>
        <LivePage url={url} />
      </Refused>
    </ConvexProvider>
  );
}

function LivePage({ url }: { url: string }) {
  const [integrationId, setIntegrationId] = useState<IntegrationId>("monday");
  const rules = useQuery(api.rules.listRules, { integrationId, namespace, paginationOpts: { numItems: 100, cursor: null } });
  return (
    <Page
      source={
        <>
          Live from <code>{url}</code>, workspace <code>{namespace}</code>.
        </>
      }
      integrationId={integrationId}
      onIntegration={setIntegrationId}
      rules={rules?.page}
    >
      <LiveHistory key={integrationId} integrationId={integrationId} />
    </Page>
  );
}

/** The integration's executions in the workspace, newest first, and the trace of the one picked. */
function LiveHistory({ integrationId }: { integrationId: IntegrationId }) {
  const [selectedId, setSelectedId] = useState<string>();
  // #region usage
  const { results, status, loadMore } = useExecutions(api.rules.listExecutions, { integrationId, namespace });
  const execution = useExecution(api.rules.getExecution, selectedId);
  const logs = useExecutionLogs(api.rules.getExecutionLogs, selectedId);
  return (
    <>
      <ExecutionList executions={results} selectedId={selectedId} onSelect={setSelectedId}
        loadMore={status === "CanLoadMore" ? () => loadMore(20) : undefined} />
      {execution ? <ExecutionTrace execution={execution} logs={logs} /> : <NoSelection />}
    </>
  );
  // #endregion usage
}

/** Shows why the deployment refused a query (signed out, not a member, another workspace). */
class Refused extends Component<{ url: string; children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    const { error } = this.state;
    if (error === undefined) return this.props.children;
    const data = (error as { data?: { code?: string; message?: string } }).data;
    return (
      <div className="page" role="alert">
        <h1>{this.props.url} refused</h1>
        <p>{data?.message === undefined ? error.message : `${data.code}: ${data.message}`}</p>
        <p>
          The example app answers signed-in members of workspace <code>{namespace}</code> only (<code>authorize</code>{" "}
          in example/convex/rules.ts): give the ConvexReactClient your auth (<code>setAuth</code>), or leave{" "}
          <code>VITE_CONVEX_URL</code> unset to see what <code>npm run demo</code> recorded.
        </p>
      </div>
    );
  }
}
