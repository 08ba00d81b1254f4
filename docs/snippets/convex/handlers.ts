// The example's action handlers, for the snippets that construct a client of their own.
import type { HandlersOf } from "convex-rules";
import { internal } from "./_generated/api.js";
import type { monday } from "./monday.js";

export const handlers: HandlersOf<{ monday: typeof monday }> = {
  monday: {
    actions: {
      set_status: { action: internal.mondayApi.setStatus },
      notify: { action: internal.mondayApi.notify },
      create_update: { action: internal.mondayApi.createUpdate },
    },
  },
};
