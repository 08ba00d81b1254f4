// The example app's monday.com integration, so that snippets can import it as an app would.
export { monday } from "../../../example/convex/monday.js";
