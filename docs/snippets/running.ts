/**
 * docs/running.md's snippets, as code that compiles against the package and
 * the example app (example/convex): each `#region` is one snippet, checked
 * by scripts/snippets.mjs.
 */
import type { HttpOptions } from "convex-rules";
import { v } from "convex/values";
import { mutation } from "../../example/convex/_generated/server.js";
import { rules } from "../../example/convex/rules.js";

export const weeklyDigest = mutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    // #region schedule
    // A weekly digest: every Monday at 08:30, Paris time.
    const ruleId = await rules.create(ctx, {
      name: "Weekly digest",
      integrationId: "monday",
      namespace: "acme",
      triggerType: "every_time_period", // derives { weekly: { weekday: 1, at: "08:30", timeZone: "Europe/Paris" } }
      triggerConfig: { boardId: "3003", every: "week", weekday: 1, at: "08:30", timeZone: "Europe/Paris" },
      actions: [
        { type: "create_item", config: { boardId: "3003", itemName: "Digest of {{event.localDate}}" } },
      ],
    });
    const state = await rules.getSchedule(ctx, { ruleId }); // { schedule, nextSlot?, lastSlot?, lastFiredAt? }
    // #endregion schedule
    if (state === null) throw new Error("a scheduled rule has a schedule");
    return null;
  },
});

// #region httpPolicy
// new Rules(components.rules, { integrations, http: policy })
const policy: HttpOptions = {
  allowedHosts: ["hooks.example.com", "*.zapier.com"],
  // allowHttp: true,           // also allow http: URLs (https: only by default)
  // retry: { maxAttempts: 5, initialBackoffMs: 1000, base: 2 }, // or false
};
// #endregion httpPolicy
export { policy };

export const postDoneItems = mutation({
  args: {},
  returns: v.string(),
  handler: async (ctx) =>
    // #region httpRequest
    await rules.create(ctx, {
      name: "Post done items to our webhook",
      integrationId: "monday",
      triggerType: "status_changed",
      triggerConfig: { boardId: "1771812698", columnId: "status", to: "Done" },
      actions: [
        {
          type: "http.request",
          config: {
            method: "POST",
            url: "https://hooks.example.com/monday/done",
            headers: { "X-Source": "convex-rules" },
            body: { item: "{{event.pulseId}}", name: "{{event.pulseName}}" },
            timeoutMs: 5000,
          },
        },
      ],
    }),
  // #endregion httpRequest
});
