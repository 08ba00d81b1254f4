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
import type * as engine from "../engine.js";
import type * as errors from "../errors.js";
import type * as executions from "../executions.js";
import type * as history from "../history.js";
import type * as logs from "../logs.js";
import type * as routes from "../routes.js";
import type * as ruleDocs from "../ruleDocs.js";
import type * as rules from "../rules.js";
import type * as testRule from "../testRule.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";
import { anyApi, componentsGeneric } from "convex/server";

const fullApi: ApiFromModules<{
  actions: typeof actions;
  engine: typeof engine;
  errors: typeof errors;
  executions: typeof executions;
  history: typeof history;
  logs: typeof logs;
  routes: typeof routes;
  ruleDocs: typeof ruleDocs;
  rules: typeof rules;
  testRule: typeof testRule;
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
};
