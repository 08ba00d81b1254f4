import { defineApp } from "convex/server";
import migrations from "@convex-dev/migrations/convex.config.js";
import rules from "convex-rules/convex.config.js";

const app = defineApp();
app.use(rules);
// Runs the move of the legacy mondayRules table into rules (migration.ts).
app.use(migrations);

export default app;
