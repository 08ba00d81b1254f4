// The snippets compile as modules of the example app: its generated api.
export * from "../../../../example/convex/_generated/api.js";
