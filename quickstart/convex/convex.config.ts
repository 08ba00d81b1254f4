// #region config
import { defineApp } from "convex/server";
import rules from "convex-rules/convex.config.js";

const app = defineApp();
app.use(rules);

export default app;
// #endregion config
