/**
 * The monday.com webhook endpoint: `POST /monday/webhook?workspace=<id>`.
 *
 * - The challenge monday.com sends when a webhook is created
 *   (`{ "challenge": "..." }`) is echoed back as is.
 * - Every other request must carry monday.com's `Authorization` JWT, signed
 *   (HS256) with the app's signing secret (the `MONDAY_SIGNING_SECRET`
 *   environment variable): 401 otherwise, and nothing runs.
 * - A body that is not a monday.com event (not JSON, no `event`, fields of
 *   the wrong type) gets 400 with a short reason, and nothing runs.
 * - An event is handed to `internal.events.receiveMondayEvent` (trigger type
 *   from the event type and column type, `triggerUuid` as the event id, the
 *   board as routing field) for the rules of the workspace named by the
 *   `workspace` query parameter; 200 once it is recorded. Its actions run
 *   afterwards, through the rules engine's workpool. A redelivery (same
 *   `triggerUuid`) runs nothing twice.
 *
 * Why the workspace is in the URL: monday.com signs requests only for
 * webhooks an app created with its own token (the `create_webhook`
 * mutation), so the app writes the URL, workspace included, and a request
 * signed with the app's secret can only come from such a webhook. The
 * token's `aud` is that URL (monday.com's docs: check that `aud` matches
 * your endpoint): a token must name this path and this `workspace`, so a
 * signed request for one workspace cannot be replayed against another's.
 */
import { httpRouter } from "convex/server";
import { errors as joseErrors, jwtVerify } from "jose";
import { internal } from "./_generated/api.js";
import { httpAction } from "./_generated/server.js";
import { githubWebhook } from "./githubWebhook.js";
import { recordDelivery, reply } from "./webhookReplies.js";

/** Convex functions read environment variables from `process.env`. */
declare const process: { env: Record<string, string | undefined> };

/** Bigger bodies are refused: monday.com's events are a few KiB. */
export const MAX_BODY_BYTES = 1024 * 1024;
const WORKSPACE = /^[A-Za-z0-9_.:-]{1,128}$/;

const http = httpRouter();

http.route({
  path: "/monday/webhook",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
    const text = await request.text();
    if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) {
      return reply(413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
    }
    let body: unknown;
    let parsed = true;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      parsed = false;
    }

    // monday.com's URL check: echo the challenge. It proves only that this
    // endpoint answers; nothing runs.
    if (isObject(body) && "challenge" in body && !("event" in body)) {
      if (typeof body.challenge !== "string") return reply(400, { error: "challenge: not a string" });
      return reply(200, { challenge: body.challenge });
    }

    const secret = process.env.MONDAY_SIGNING_SECRET;
    if (!secret) return reply(500, { error: "MONDAY_SIGNING_SECRET is not set on this deployment" });
    const denied = await verifySignature(request.headers.get("Authorization"), secret, new URL(request.url));
    if (denied) return reply(401, { error: denied });

    if (!parsed) return reply(400, { error: "body: not JSON" });
    const problem = envelopeProblem(body);
    if (problem) return reply(400, { error: problem });
    const workspaceId = new URL(request.url).searchParams.get("workspace");
    if (workspaceId === null || !WORKSPACE.test(workspaceId)) {
      return reply(400, {
        error: "workspace: missing or invalid query parameter (?workspace=<id>, letters, digits, _ . : -)",
      });
    }
    // The text, not the parsed body: Convex refuses some JSON as an
    // argument ("$" field names...); rules.execute makes any event storable.
    return await recordDelivery(() =>
      ctx.runMutation(internal.events.receiveMondayEvent, { workspaceId, body: text }),
    );
  }),
});

// GitHub's webhook deliveries (githubWebhook.ts).
http.route({ path: "/github/webhook", method: "POST", handler: githubWebhook });

export default http;

/**
 * Why the Authorization header is not a valid monday.com signature for this
 * endpoint, or null: signed with the secret (HS256), not expired, and its
 * `aud` the URL of this endpoint, with the same path and `workspace`.
 */
async function verifySignature(header: string | null, secret: string, endpoint: URL): Promise<string | null> {
  if (!header) return "missing Authorization header";
  const token = header.replace(/^Bearer\s+/i, "").trim();
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ["HS256"],
      clockTolerance: 30,
    });
    const audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (audiences.length === 0) return "token has no audience (aud)";
    return audiences.some((aud) => sameEndpoint(aud, endpoint)) ? null : "token is for another endpoint (aud)";
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return "expired token";
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "bad signature";
    if (error instanceof joseErrors.JOSEAlgNotAllowed) return "bad signature (HS256 expected)";
    return "invalid token";
  }
}

/** Whether `aud` names `endpoint`: the same path and the same `workspace` parameter. */
function sameEndpoint(aud: string, endpoint: URL): boolean {
  let url: URL;
  try {
    url = new URL(aud);
  } catch {
    return false;
  }
  return url.pathname === endpoint.pathname && url.searchParams.get("workspace") === endpoint.searchParams.get("workspace");
}

/** What is wrong with a webhook body's envelope, or null. */
function envelopeProblem(body: unknown): string | null {
  if (!isObject(body)) return "body: not a JSON object";
  const event = body.event;
  if (event === undefined) return "body.event: missing";
  if (!isObject(event)) return "body.event: not an object";
  if (typeof event.type !== "string" || event.type === "") return "event.type: not a string";
  if (typeof event.triggerUuid !== "string" || event.triggerUuid === "" || event.triggerUuid.length > 256) {
    return "event.triggerUuid: not a string of 1 to 256 characters";
  }
  if (typeof event.boardId !== "number" && !(typeof event.boardId === "string" && /^\d+$/.test(event.boardId))) {
    return "event.boardId: not a number";
  }
  for (const field of ["pulseId", "userId"] as const) {
    const value = event[field];
    if (value !== undefined && value !== null && typeof value !== "number") {
      return `event.${field}: not a number`;
    }
  }
  for (const field of ["columnId", "columnType", "groupId", "pulseName"] as const) {
    const value = event[field];
    if (value !== undefined && value !== null && typeof value !== "string") {
      return `event.${field}: not a string`;
    }
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

