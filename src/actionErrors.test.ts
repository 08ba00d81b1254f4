import { ConvexError } from "convex/values";
import { describe, expect, test } from "vitest";
import { FatalActionError, RetryAfterError } from "./actionErrors.js";
import { fatalErrorOf } from "./core/fatalError.js";
import { retryAfterOf } from "./core/retryAfter.js";

describe("RetryAfterError", () => {
  test("carries its wait and message as ConvexError data", () => {
    const error = new RetryAfterError(1500, "rate limited");
    expect(error).toBeInstanceOf(ConvexError);
    expect(error.name).toBe("RetryAfterError");
    expect(error.data).toEqual({ code: "RETRY_AFTER", retryAfterMs: 1500, message: "rate limited" });
    expect(retryAfterOf(error)).toEqual({ retryAfterMs: 1500, message: "rate limited" });
    expect(new RetryAfterError(-1, "x").data.retryAfterMs).toBe(0);
    expect(new RetryAfterError(NaN, "x").data.retryAfterMs).toBe(0);
  });
});

describe("FatalActionError", () => {
  test("carries its message and code as ConvexError data", () => {
    const error = new FatalActionError("token revoked", { code: "401" });
    expect(error).toBeInstanceOf(ConvexError);
    expect(error.name).toBe("FatalActionError");
    expect(error.data).toEqual({ fatal: true, message: "token revoked", code: "401" });
    expect(fatalErrorOf(error)).toEqual({ message: "token revoked", code: "401" });
    expect(new FatalActionError("gone").data).toEqual({ fatal: true, message: "gone" });
  });
});
