// The snippet of docs/conditions.md, in a whole rule checked against the example's monday.com declarations.
import type { RuleDraft } from "convex-rules";
import type { monday } from "./monday.js";

export const releaseDone = {
  name: "A release is done",
  integrationId: "monday",
  triggerType: "status_changed",
  triggerConfig: { boardId: "1771812698", columnId: "status" },
  // #region conditions
  conditions: [
    {
      type: "any",
      config: {
        conditions: [
          { type: "field", config: { path: "pulseName", op: "starts_with", value: "Release" } },
          { type: "field", config: { path: "value.label.text", op: "in", value: ["Done", "Shipped"] } },
        ],
      },
    },
    {
      type: "not",
      config: { conditions: [{ type: "field", config: { path: "userId", op: "eq", value: "-4" } }] },
    },
  ],
  // #endregion conditions
  actions: [{ type: "notify", config: { userId: "61280133", text: "{{event.pulseName}} is out" } }],
} satisfies RuleDraft<{ monday: typeof monday }>;
