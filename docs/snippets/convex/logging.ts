// The snippet of docs/operations.md#logging, compiled as a module of the example app.
import { Rules } from "convex-rules";
import { components } from "./_generated/api.js";
import { handlers } from "./handlers.js";
import { monday } from "./monday.js";

// #region client
export const rules = new Rules(components.rules, { integrations: { monday }, handlers, logLevel: "INFO" });
// #endregion client
