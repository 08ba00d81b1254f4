// The example app's rules client, so that snippets can `import { rules } from "./rules"` as an app would.
export { rules } from "../../../example/convex/rules.js";
