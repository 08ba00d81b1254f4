/// <reference types="vite/client" />
import { convexTest } from "convex-test";
import schema from "./schema.js";

export const modules = import.meta.glob("./**/*.ts");

/** A convex-test instance of the component alone, with Convex's limits on. */
export function initConvexTest() {
  return convexTest({ schema, modules, transactionLimits: true });
}
