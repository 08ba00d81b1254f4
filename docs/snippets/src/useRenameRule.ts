// src/useRenameRule.ts, in the React front end of an app with the example's rules.api functions
import { useMutation } from "convex/react";
import { ConvexError } from "convex/values";
import type { Rule, RulesErrorData } from "convex-rules";
import { api } from "../convex/_generated/api";

export function useRenameRule() {
  const updateRule = useMutation(api.rules.updateRule);
  return async (rule: Rule, name: string) => {
    try {
      await updateRule({ ruleId: rule.ruleId, expectedVersion: rule.version, name });
    } catch (error) {
      if (error instanceof ConvexError && (error.data as RulesErrorData).code === "VERSION_CONFLICT") {
        // Someone else changed the rule: show the new version and let the user retry.
      } else {
        throw error;
      }
    }
  };
}
