/**
 * The error contract, asserted the same way in every suite: a call fails
 * with a `ConvexError` whose data has the stable `code` and, for bad input,
 * the `field` it names (the message names it too).
 */
import { ConvexError } from "convex/values";
import { expect } from "vitest";
import type { ErrorCode, RulesErrorData } from "../shared.js";

/**
 * Awaits `call`, expects it to fail with a `ConvexError` of `code` (and of
 * `field`, named in the message, when given); returns the error's data.
 *
 * @example
 * ```ts
 * const data = await expectRulesError(t.mutation(api.rules.createRule, bad), "INVALID_ARGUMENT", "name");
 * ```
 */
export async function expectRulesError(call: Promise<unknown>, code: ErrorCode, field?: string): Promise<RulesErrorData> {
  const data = await rulesErrorOf(call);
  expect(data.code).toBe(code);
  if (field !== undefined) {
    expect(data.field).toBe(field);
    expect(data.message).toContain(field);
  }
  return data;
}

/**
 * Awaits `call`, expects it to fail with a `ConvexError`, and returns the
 * error's data, for tests that assert more than the code and field.
 *
 * @example
 * ```ts
 * expect(await rulesErrorOf(rules.create(ctx, draft))).toMatchObject({ code: "INVALID_RULE" });
 * ```
 */
export async function rulesErrorOf(call: Promise<unknown>): Promise<RulesErrorData> {
  let caught: unknown;
  try {
    await call;
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected the call to fail").toBeInstanceOf(ConvexError);
  return (caught as ConvexError<RulesErrorData>).data;
}
