// The snippets compile as modules of the example app: its generated server.
export * from "../../../../example/convex/_generated/server.js";
