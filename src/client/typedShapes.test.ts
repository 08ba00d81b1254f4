/**
 * The client's integration-typed rule shapes (`RuleDraft`, `RulePatch`) are
 * written by hand, since they are typed by each integration's declarations,
 * while the component's validators are derived from `vRuleDefinition`. These
 * checks (at type level, run by `tsc` and vitest's typecheck of this file)
 * fail when a rule field is added to or removed from one side only.
 */
import { v, type Infer } from "convex/values";
import { describe, expectTypeOf, test } from "vitest";
import type { vRuleInput, vUpdateRuleArgs } from "../shared.js";
import { defineIntegration, type RuleDraft, type RulePatch } from "./integrations.js";

// Only its type is used: a declared integration to instantiate the typed shapes with.
const _github = defineIntegration({
  triggers: { push: { config: v.object({ repo: v.string() }) } },
  conditions: { author_in_team: { config: v.object({ team: v.string() }) } },
  actions: { comment: { config: v.object({ body: v.string() }) } },
});
type Is = { github: typeof _github };

/** Every key of any member of a union. */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

describe("typed rule shapes follow the validators", () => {
  test("a RuleDraft has exactly the fields of vRuleInput", () => {
    expectTypeOf<KeysOfUnion<RuleDraft<Is>>>().toEqualTypeOf<keyof Infer<typeof vRuleInput>>();
  });

  test("a RulePatch has exactly the fields of vUpdateRuleArgs, but the actor (an option of update)", () => {
    expectTypeOf<KeysOfUnion<RulePatch<Is>>>().toEqualTypeOf<
      Exclude<keyof Infer<typeof vUpdateRuleArgs>, "actor">
    >();
  });
});
