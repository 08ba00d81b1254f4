/**
 * Slack, an action-only integration: no triggers, one action that posts a
 * message through Slack's Web API (slackApi.ts). Its own rules would be
 * scheduled ones; GitHub rules use it through `github.actions.slack_post_message`.
 */
import { defineIntegration } from "convex-rules";
import { v } from "convex/values";

export const slack = defineIntegration({
  triggers: {},
  actions: {
    post_message: {
      description: "Post a message to a channel, as the app's bot",
      config: v.object({
        channel: v.string(),
        text: v.string(),
        /** Block Kit blocks; `text` is then the notification's fallback. */
        blocks: v.optional(v.array(v.any())),
      }),
    },
  },
});
