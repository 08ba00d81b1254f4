/**
 * The answers both webhook endpoints (http.ts, githubWebhook.ts) give: JSON
 * bodies, and how a recorded delivery or a refusal is reported.
 */
import { ConvexError } from "convex/values";

export function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/**
 * Runs `record` (the mutation that hands the delivery to the rules) and
 * answers 200 with what it recorded. A refusal (a `ConvexError`: a body the
 * rules engine will never accept) is a 400, so the sender does not retry it;
 * anything else is a 500, which it retries.
 */
export async function recordDelivery(record: () => Promise<Array<{ status: string }>>): Promise<Response> {
  try {
    const results = await record();
    return reply(200, {
      ok: true,
      executions: results.length,
      duplicate: results.some((r) => r.status === "duplicate"),
    });
  } catch (error) {
    if (error instanceof ConvexError) {
      const data = error.data as { message?: unknown } | string;
      const message = typeof data === "string" ? data : String(data?.message ?? "refused");
      return reply(400, { error: message });
    }
    throw error;
  }
}
