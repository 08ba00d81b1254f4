/**
 * Timers during benchmarks: scheduled functions (workpool's loop, queued
 * actions) must never run, so that only what a measured function does is
 * counted; the clock stays real unless frozen on purpose.
 */
import { vi } from "vitest";

const TIMERS = ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] as const;

/** convex-test runs scheduled functions on setTimeout: these never fire. */
export function holdScheduledFunctions() {
  vi.useRealTimers();
  vi.useFakeTimers({ toFake: [...TIMERS] });
}

/** Also freezes Date.now() at `now` (until holdScheduledFunctions again). */
export function freezeClock(now: number) {
  vi.useRealTimers();
  vi.useFakeTimers({ toFake: [...TIMERS, "Date"], now });
}
