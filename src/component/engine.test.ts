/// <reference types="vite/client" />
import { test, expect } from "vitest";
import { api } from "./_generated/api.js";
import { initConvexTest } from "./setup.test.js";

test("probe", async () => {
  const t = initConvexTest();
  const m = await t.run(async (ctx) => await ctx.meta.getTransactionMetrics());
  console.log(JSON.stringify(m));
  for (const event of [
    { _secret: 1 },
    { "": 1 },
    { big: "x".repeat(2 * 1024 * 1024) },
    { arr: Array.from({ length: 10000 }, (_, i) => i) },
    { n: NaN, i: Infinity, b: 10n },
    { "é": 1 },
  ]) {
    try {
      const r = await t.mutation(api.engine.execute, { integrationId: "monday", triggerType: "x", event });
      console.log("ok", Object.keys(event), r);
    } catch (e) {
      console.log("err", Object.keys(event), String(e).slice(0, 300));
    }
  }
  expect(1).toBe(1);
});
