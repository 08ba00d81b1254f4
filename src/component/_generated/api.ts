/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as crons from "../crons.js";
import type * as dispatch_actions from "../dispatch/actions.js";
import type * as dispatch_clientConfig from "../dispatch/clientConfig.js";
import type * as dispatch_engine from "../dispatch/engine.js";
import type * as dispatch_httpRequest from "../dispatch/httpRequest.js";
import type * as dispatch_quotas from "../dispatch/quotas.js";
import type * as dispatch_schedules from "../dispatch/schedules.js";
import type * as dispatch_testRule from "../dispatch/testRule.js";
import type * as executions_deletion from "../executions/deletion.js";
import type * as executions_events from "../executions/events.js";
import type * as executions_health from "../executions/health.js";
import type * as executions_history from "../executions/history.js";
import type * as executions_monitoringSchema from "../executions/monitoringSchema.js";
import type * as executions_queries from "../executions/queries.js";
import type * as executions_records from "../executions/records.js";
import type * as executions_stats from "../executions/stats.js";
import type * as lib_batches from "../lib/batches.js";
import type * as lib_errors from "../lib/errors.js";
import type * as lib_logging from "../lib/logging.js";
import type * as lib_transactionLimits from "../lib/transactionLimits.js";
import type * as logs from "../logs.js";
import type * as retention_cleanup from "../retention/cleanup.js";
import type * as retention_settings from "../retention/settings.js";
import type * as rules from "../rules.js";
import type * as rules_migrations from "../rules/migrations.js";
import type * as rules_routes from "../rules/routes.js";
import type * as rules_ruleDocs from "../rules/ruleDocs.js";
import type * as rules_versionDocs from "../rules/versionDocs.js";
import type * as rules_versions from "../rules/versions.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import { anyApi, componentsGeneric } from "convex/server";

const fullApi: ApiFromModules<{
  crons: typeof crons;
  "dispatch/actions": typeof dispatch_actions;
  "dispatch/clientConfig": typeof dispatch_clientConfig;
  "dispatch/engine": typeof dispatch_engine;
  "dispatch/httpRequest": typeof dispatch_httpRequest;
  "dispatch/quotas": typeof dispatch_quotas;
  "dispatch/schedules": typeof dispatch_schedules;
  "dispatch/testRule": typeof dispatch_testRule;
  "executions/deletion": typeof executions_deletion;
  "executions/events": typeof executions_events;
  "executions/health": typeof executions_health;
  "executions/history": typeof executions_history;
  "executions/monitoringSchema": typeof executions_monitoringSchema;
  "executions/queries": typeof executions_queries;
  "executions/records": typeof executions_records;
  "executions/stats": typeof executions_stats;
  "lib/batches": typeof lib_batches;
  "lib/errors": typeof lib_errors;
  "lib/logging": typeof lib_logging;
  "lib/transactionLimits": typeof lib_transactionLimits;
  logs: typeof logs;
  "retention/cleanup": typeof retention_cleanup;
  "retention/settings": typeof retention_settings;
  rules: typeof rules;
  "rules/migrations": typeof rules_migrations;
  "rules/routes": typeof rules_routes;
  "rules/ruleDocs": typeof rules_ruleDocs;
  "rules/versionDocs": typeof rules_versionDocs;
  "rules/versions": typeof rules_versions;
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
