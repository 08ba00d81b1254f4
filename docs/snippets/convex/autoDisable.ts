// Snippets of docs/operations.md#auto-disable-and-health, compiled as a module of the example app.
import { v } from "convex/values";
import { vActionHandlerArgs } from "convex-rules";
import { components } from "./_generated/api.js";
import { internalAction } from "./_generated/server.js";
import { handlers } from "./handlers.js";
import { monday } from "./monday.js";
// #region client
import { FatalActionError, Rules } from "convex-rules";

export const rules: Rules<{ monday: typeof monday }> = new Rules(components.rules, {
  integrations: { monday },
  handlers,
  // 3 failures in a row; fatal errors disable at once (onFatal, default true).
  autoDisable: { consecutiveFailures: 3, integrations: { monday: { consecutiveFailures: 10 } } },
});
// #endregion client

/** An action handler on a board that may have been deleted. */
export const archiveBoard = internalAction({
  args: vActionHandlerArgs(v.object({ boardId: v.string() })),
  handler: async (_ctx, args) => {
    const response = await fetch("https://api.monday.com/v2", {
      method: "POST",
      body: JSON.stringify({ query: `mutation { archive_board(board_id: ${args.config.boardId}) { id } }` }),
    });
    const body = (await response.json()) as { error_code?: string };
    // #region fatal
    if (body.error_code === "ResourceNotFoundException") {
      throw new FatalActionError(`board ${args.config.boardId} was deleted`, { code: "6000" });
    }
    // #endregion fatal
    return null;
  },
});
