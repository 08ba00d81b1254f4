/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import type * as events from "../events.js";
import type * as github from "../github.js";
import type * as githubApi from "../githubApi.js";
import type * as githubWebhook from "../githubWebhook.js";
import type * as http from "../http.js";
import type * as migration from "../migration.js";
import type * as monday from "../monday.js";
import type * as mondayApi from "../mondayApi.js";
import type * as rules from "../rules.js";
import type * as slack from "../slack.js";
import type * as slackApi from "../slackApi.js";
import type * as webhookReplies from "../webhookReplies.js";

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
declare const fullApi: ApiFromModules<{
  events: typeof events;
  github: typeof github;
  githubApi: typeof githubApi;
  githubWebhook: typeof githubWebhook;
  http: typeof http;
  migration: typeof migration;
  monday: typeof monday;
  mondayApi: typeof mondayApi;
  rules: typeof rules;
  slack: typeof slack;
  slackApi: typeof slackApi;
  webhookReplies: typeof webhookReplies;
}>;
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {
  migrations: import("@convex-dev/migrations/_generated/component.js").ComponentApi<"migrations">;
  rules: import("convex-rules/_generated/component.js").ComponentApi<"rules">;
};
