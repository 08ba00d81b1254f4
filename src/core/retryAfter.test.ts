import { ConvexError } from "convex/values";
import { describe, expect, test } from "vitest";
import { parseRetryAfter, retryAfterOf } from "./retryAfter.js";

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 10, 20, 9, 0, 0);
  test.each([
    ["30", 30_000],
    [" 2 ", 2000],
    ["0", 0],
    ["1.5", 1500],
    ["Fri, 20 Nov 2026 09:01:00 GMT", 60_000],
    // A date in the past means "now".
    ["Fri, 20 Nov 2026 08:00:00 GMT", 0],
    ["", undefined],
    ["-5", undefined],
    ["soon", undefined],
    // Digits alone are seconds, never a year.
    ["2026", 2_026_000],
    [null, undefined],
    [undefined, undefined],
  ])("%j -> %j", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe("retryAfterOf", () => {
  test("is recognised from its data alone (after crossing a function boundary)", () => {
    expect(
      retryAfterOf(new ConvexError({ code: "RETRY_AFTER", retryAfterMs: 10, message: "m" })),
    ).toEqual({ retryAfterMs: 10, message: "m" });
    expect(retryAfterOf({ data: { code: "RETRY_AFTER", retryAfterMs: 10, message: "m" } })).toEqual({
      retryAfterMs: 10,
      message: "m",
    });
    expect(retryAfterOf(new ConvexError({ code: "OTHER", retryAfterMs: 10 }))).toBeNull();
    expect(retryAfterOf(new ConvexError({ code: "RETRY_AFTER", retryAfterMs: "10" }))).toBeNull();
    expect(retryAfterOf(new Error("RETRY_AFTER"))).toBeNull();
    expect(retryAfterOf("RETRY_AFTER")).toBeNull();
  });
});
