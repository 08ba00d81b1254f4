/// <reference types="vite/client" />
import type { TestConvex } from "convex-test";
import type { GenericSchema, SchemaDefinition } from "convex/server";
import workpool from "@convex-dev/workpool/test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import schema from "./component/schema.js";

const modules = import.meta.glob("./component/**/*.ts");

/**
 * Registers the rules component with a convex-test instance of a host app.
 *
 * Also registers the component's own workpool (it runs the actions) under
 * `${name}/workpool`, and its rate limiter (quotas) under `${name}/rateLimiter`.
 *
 * @param t - The test instance, from `convexTest(hostSchema, hostModules)`.
 * @param name - The name the host gives the component in `app.use(rules,
 *   { name })`; "rules" by default.
 */
export function register<
  Schema extends SchemaDefinition<GenericSchema, boolean>,
>(t: TestConvex<Schema>, name: string = "rules") {
  t.registerComponent(name, schema, modules);
  workpool.register(
    t as unknown as TestConvex<SchemaDefinition<GenericSchema, boolean>>,
    `${name}/workpool`,
  );
  rateLimiter.register(
    t as unknown as TestConvex<SchemaDefinition<GenericSchema, boolean>>,
    `${name}/rateLimiter`,
  );
}

export default { register, schema, modules };
