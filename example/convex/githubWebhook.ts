/**
 * POST /github/webhook?workspace=<id>: GitHub's webhook deliveries for the
 * rules of one workspace (registered in http.ts).
 *
 * - The body must carry a valid `X-Hub-Signature-256`: HMAC-SHA256 of the raw
 *   body with the webhook's secret, checked in constant time by
 *   @octokit/webhooks-methods. Missing or wrong: 401, and nothing runs.
 * - Each workspace's webhook has its own secret, derived from the
 *   deployment's `GITHUB_WEBHOOK_SECRET` and the workspace id
 *   (`webhookSecretFor`), so a delivery signed for one workspace's URL is
 *   refused at another's.
 * - `X-GitHub-Event` and the payload's `action` select the trigger type
 *   (github.ts); `X-GitHub-Delivery` is the event id, so a redelivery runs
 *   nothing twice. `ping` (sent when the webhook is created) runs nothing.
 */
import { verify } from "@octokit/webhooks-methods";
import { internal } from "./_generated/api.js";
import { v } from "convex/values";
import { httpAction, internalAction } from "./_generated/server.js";
import { recordDelivery, reply } from "./webhookReplies.js";

/** Convex functions read environment variables from `process.env`. */
declare const process: { env: Record<string, string | undefined> };

/** GitHub caps deliveries at 25 MB; bigger bodies are refused. */
export const MAX_GITHUB_BODY_BYTES = 25 * 1024 * 1024;
const WORKSPACE = /^[A-Za-z0-9_.:-]{1,128}$/;
const DELIVERY = /^[A-Za-z0-9-]{1,128}$/;

/**
 * The secret to give GitHub for a workspace's webhook: hex HMAC-SHA256 of
 * the workspace id, keyed with the deployment's secret.
 */
export async function webhookSecretFor(deploymentSecret: string, workspaceId: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(deploymentSecret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`github-webhook:${workspaceId}`));
  return Array.from(new Uint8Array(mac), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A workspace's webhook secret, for the admin who creates the webhook:
 * `npx convex run githubWebhook:webhookSecret '{"workspaceId": "acme"}'`.
 */
export const webhookSecret = internalAction({
  args: { workspaceId: v.string() },
  returns: v.string(),
  handler: async (_ctx, { workspaceId }) => {
    const deploymentSecret = process.env.GITHUB_WEBHOOK_SECRET;
    if (!deploymentSecret) throw new Error("GITHUB_WEBHOOK_SECRET is not set on this deployment");
    return await webhookSecretFor(deploymentSecret, workspaceId);
  },
});

export const githubWebhook = httpAction(async (ctx, request) => {
  const text = await request.text();
  if (new TextEncoder().encode(text).byteLength > MAX_GITHUB_BODY_BYTES) {
    return reply(413, { error: `body larger than ${MAX_GITHUB_BODY_BYTES} bytes` });
  }
  const workspaceId = new URL(request.url).searchParams.get("workspace");
  if (workspaceId === null || !WORKSPACE.test(workspaceId)) {
    return reply(400, { error: "workspace: missing or invalid query parameter (?workspace=<id>)" });
  }
  const deploymentSecret = process.env.GITHUB_WEBHOOK_SECRET;
  if (!deploymentSecret) return reply(500, { error: "GITHUB_WEBHOOK_SECRET is not set on this deployment" });

  // #region verify
  const signature = request.headers.get("x-hub-signature-256");
  if (!signature) return reply(401, { error: "X-Hub-Signature-256: missing" });
  const secret = await webhookSecretFor(deploymentSecret, workspaceId);
  const valid = await verify(secret, text, signature).catch(() => false);
  if (!valid) return reply(401, { error: "X-Hub-Signature-256: does not match the body" });
  // #endregion verify

  const event = request.headers.get("x-github-event");
  const delivery = request.headers.get("x-github-delivery");
  if (!event || !delivery || !DELIVERY.test(delivery)) {
    return reply(400, { error: "X-GitHub-Event and X-GitHub-Delivery: missing or malformed" });
  }
  if (event === "ping") return reply(200, { ok: true, executions: 0, duplicate: false });
  // The text, not the parsed body: Convex refuses some JSON as an
  // argument; rules.execute makes any event storable.
  return await recordDelivery(() =>
    ctx.runMutation(internal.events.receiveGitHubEvent, { workspaceId, event, delivery, body: text }),
  );
});

