// convex/seed.ts
import { v } from "convex/values";
import { internalMutation } from "./_generated/server.js";
import { rules } from "./rules.js";

export const seedRules = internalMutation({
  args: { workspaceId: v.string(), boardId: v.string(), userId: v.string() },
  returns: v.null(),
  handler: async (ctx, { workspaceId, boardId, userId }) => {
    // A status becomes Done: notify a user, linked to the item.
    await rules.create(ctx, {
      name: "Tell me when something is done",
      integrationId: "monday",
      namespace: workspaceId,
      triggerType: "status_changed",
      triggerConfig: { boardId, columnId: "status", to: "Done" },
      actions: [{ type: "notify", config: { userId, text: "{{event.pulseName}} is done" } }],
    });
    // An update mentions @Dana: notify her with the update's text.
    await rules.create(ctx, {
      name: "Mentions of Dana",
      integrationId: "monday",
      namespace: workspaceId,
      triggerType: "update_created",
      triggerConfig: { boardId },
      conditions: [{ type: "field", config: { path: "columnText.text_body", op: "contains", value: "@Dana" } }],
      actions: [{ type: "notify", config: { userId, text: "Mentioned: {{event.textBody}}" } }],
    });
    // An item is created in the "topics" group: set its status.
    await rules.create(ctx, {
      name: "New topics are being worked on",
      integrationId: "monday",
      namespace: workspaceId,
      triggerType: "item_created",
      triggerConfig: { boardId, groupId: "topics" },
      actions: [{ type: "set_status", config: { columnId: "status", label: "Working on it" } }],
    });
    return null;
  },
});
