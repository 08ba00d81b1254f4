/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as actions from "../actions.js";
import type * as cleanup from "../cleanup.js";
import type * as crons from "../crons.js";
import type * as engine from "../engine.js";
import type * as errors from "../errors.js";
import type * as events from "../events.js";
import type * as executions from "../executions.js";
import type * as health from "../health.js";
import type * as history from "../history.js";
import type * as httpRequest from "../httpRequest.js";
import type * as logging from "../logging.js";
import type * as logs from "../logs.js";
import type * as migrations from "../migrations.js";
import type * as monitoringSchema from "../monitoringSchema.js";
import type * as quotas from "../quotas.js";
import type * as retention from "../retention.js";
import type * as routes from "../routes.js";
import type * as ruleDocs from "../ruleDocs.js";
import type * as rules from "../rules.js";
import type * as schedules from "../schedules.js";
import type * as stats from "../stats.js";
import type * as testRule from "../testRule.js";
import type * as transactionLimits from "../transactionLimits.js";
import type * as versionDocs from "../versionDocs.js";
import type * as versions from "../versions.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import { anyApi, componentsGeneric } from "convex/server";

const fullApi: ApiFromModules<{
  actions: typeof actions;
  cleanup: typeof cleanup;
  crons: typeof crons;
  engine: typeof engine;
  errors: typeof errors;
  events: typeof events;
  executions: typeof executions;
  health: typeof health;
  history: typeof history;
  httpRequest: typeof httpRequest;
  logging: typeof logging;
  logs: typeof logs;
  migrations: typeof migrations;
  monitoringSchema: typeof monitoringSchema;
  quotas: typeof quotas;
  retention: typeof retention;
  routes: typeof routes;
  ruleDocs: typeof ruleDocs;
  rules: typeof rules;
  schedules: typeof schedules;
  stats: typeof stats;
  testRule: typeof testRule;
  transactionLimits: typeof transactionLimits;
  versionDocs: typeof versionDocs;
  versions: typeof versions;
}> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
> = anyApi as any;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
> = anyApi as any;

export const components = componentsGeneric() as unknown as {
  workpool: import("@convex-dev/workpool/_generated/component.js").ComponentApi<"workpool">;
  rateLimiter: import("@convex-dev/rate-limiter/_generated/component.js").ComponentApi<"rateLimiter">;
};
