import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  countSlotsBetween,
  describeSlot,
  findScheduleProblem,
  localParts,
  nextSlot,
  type ScheduleSpec,
} from "./schedule.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The first `n` slots after `start`, as ISO strings. */
function slots(spec: ScheduleSpec, start: string, n: number): string[] {
  const out: string[] = [];
  let after = at(start);
  for (let i = 0; i < n; i++) {
    const slot = nextSlot(spec, after);
    if (slot === null) break;
    out.push(iso(slot)!);
    after = slot;
  }
  return out;
}

/** How a slot reads on the wall clock of `timeZone`: "2024-03-31 09:00:00 (0)". */
function wall(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

describe("findScheduleProblem", () => {
  test("accepts every kind", () => {
    const valid: unknown[] = [
      { every: { minutes: 1 } },
      { every: { minutes: 1440 } },
      { every: { hours: 168 } },
      { daily: { at: "09:00" } },
      { daily: { at: "23:59:59", timeZone: "Europe/Paris" } },
      { weekly: { weekday: 0, at: "00:00", timeZone: "America/New_York" } },
      { monthly: { day: 31, at: "09:30", timeZone: "UTC" } },
      { once: { date: "2024-06-10" } },
      { once: { date: "2024-06-10", offsetDays: -1, at: "09:00", timeZone: "Europe/Paris" } },
      { once: { date: "2024-06-10T14:30" } },
      { once: { date: "2024-06-10T14:30:15.5Z" } },
      { once: { date: "2024-06-10T14:30:00+05:30", offsetDays: 3660 } },
    ];
    for (const spec of valid) expect(findScheduleProblem(spec), JSON.stringify(spec)).toBeNull();
  });

  test("names the field of every problem", () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [null, "schedule", /one of every, daily, weekly, monthly, once/],
      [[{ daily: {} }], "schedule", /must be an object/],
      [{}, "schedule", /exactly one of/],
      [{ daily: { at: "09:00" }, weekly: { weekday: 1, at: "09:00" } }, "schedule", /exactly one/],
      [{ hourly: {} }, "schedule.hourly", /not a schedule kind/],
      [{ daily: "09:00" }, "schedule.daily", /must be an object/],
      [{ daily: {} }, "schedule.daily.at", /required/],
      [{ daily: { at: "09:00", tz: "UTC" } }, "schedule.daily.tz", /not a field of a daily schedule/],
      [{ every: {} }, "schedule.every", /exactly one of minutes, hours/],
      [{ every: { minutes: 5, hours: 1 } }, "schedule.every", /exactly one/],
      [{ every: { minutes: 0 } }, "schedule.every.minutes", /integer from 1 to 1440/],
      [{ every: { minutes: 1.5 } }, "schedule.every.minutes", /integer/],
      [{ every: { minutes: "5" } }, "schedule.every.minutes", /integer/],
      [{ every: { hours: 169 } }, "schedule.every.hours", /1 to 168/],
      [{ daily: { at: "9:00" } }, "schedule.daily.at", /HH:MM/],
      [{ daily: { at: "24:00" } }, "schedule.daily.at", /HH:MM/],
      [{ daily: { at: "09:60" } }, "schedule.daily.at", /HH:MM/],
      [{ daily: { at: "09:00", timeZone: "Mars/Olympus" } }, "schedule.daily.timeZone", /IANA/],
      [{ daily: { at: "09:00", timeZone: "" } }, "schedule.daily.timeZone", /IANA/],
      [{ weekly: { weekday: 7, at: "09:00" } }, "schedule.weekly.weekday", /0 to 6/],
      [{ weekly: { at: "09:00" } }, "schedule.weekly.weekday", /required/],
      [{ monthly: { day: 0, at: "09:00" } }, "schedule.monthly.day", /1 to 31/],
      [{ monthly: { day: 32, at: "09:00" } }, "schedule.monthly.day", /1 to 31/],
      [{ once: { date: "2024-02-30" } }, "schedule.once.date", /ISO date/],
      [{ once: { date: "2024-13-01" } }, "schedule.once.date", /ISO date/],
      [{ once: { date: "10/06/2024" } }, "schedule.once.date", /ISO date/],
      [{ once: { date: "2024-06-10T25:00" } }, "schedule.once.date", /ISO date/],
      [{ once: { date: 1718000000000 } }, "schedule.once.date", /ISO date/],
      [{ once: { date: "2024-06-10", offsetDays: 1.5 } }, "schedule.once.offsetDays", /integer/],
      [{ once: { date: "2024-06-10", offsetDays: -4000 } }, "schedule.once.offsetDays", /-3660 to 3660/],
      [{ once: { date: "2024-06-10", at: "noon" } }, "schedule.once.at", /HH:MM/],
    ];
    for (const [spec, field, message] of cases) {
      const problem = findScheduleProblem(spec);
      expect(problem, JSON.stringify(spec)).not.toBeNull();
      expect(problem!.field, JSON.stringify(spec)).toBe(field);
      expect(problem!.message, JSON.stringify(spec)).toMatch(message);
    }
  });

  test("uses the given field prefix", () => {
    expect(findScheduleProblem({ daily: {} }, "rules[3].schedule")?.field).toBe(
      "rules[3].schedule.daily.at",
    );
  });

  test("nextSlot refuses an invalid spec and a non-finite time", () => {
    expect(() => nextSlot({ daily: { at: "25:00" } } as ScheduleSpec, 0)).toThrow(/schedule.daily.at/);
    expect(() => nextSlot({ daily: { at: "09:00" } }, Number.NaN)).toThrow(/afterMs/);
  });
});

describe("every N minutes or hours", () => {
  test("slots are multiples of the period since the epoch, strictly after", () => {
    const spec = { every: { minutes: 15 } };
    expect(slots(spec, "2024-05-01T10:07:13.250Z", 4)).toEqual([
      "2024-05-01T10:15:00.000Z",
      "2024-05-01T10:30:00.000Z",
      "2024-05-01T10:45:00.000Z",
      "2024-05-01T11:00:00.000Z",
    ]);
    // Exactly on a slot: the next one.
    expect(iso(nextSlot(spec, at("2024-05-01T10:15:00Z")))).toBe("2024-05-01T10:30:00.000Z");
    expect(slots({ every: { hours: 6 } }, "2024-05-01T10:00:00Z", 3)).toEqual([
      "2024-05-01T12:00:00.000Z",
      "2024-05-01T18:00:00.000Z",
      "2024-05-02T00:00:00.000Z",
    ]);
  });

  test("are unaffected by daylight saving time (they are UTC)", () => {
    const spec = { every: { hours: 1 } };
    const list = slots(spec, "2024-03-31T00:30:00Z", 3);
    expect(list).toEqual(["2024-03-31T01:00:00.000Z", "2024-03-31T02:00:00.000Z", "2024-03-31T03:00:00.000Z"]);
  });
});

describe("daily", () => {
  test("09:00 in Paris across the spring change stays 09:00 local", () => {
    const spec = { daily: { at: "09:00", timeZone: "Europe/Paris" } };
    const list = slots(spec, "2024-03-29T12:00:00Z", 4);
    expect(list).toEqual([
      "2024-03-30T08:00:00.000Z", // CET, UTC+1
      "2024-03-31T07:00:00.000Z", // CEST from 31 March, UTC+2
      "2024-04-01T07:00:00.000Z",
      "2024-04-02T07:00:00.000Z",
    ]);
    for (const slot of list) expect(wall(Date.parse(slot), "Europe/Paris")).toMatch(/ 09:00:00$/);
  });

  test("09:00 in New York across the autumn change stays 09:00 local", () => {
    const spec = { daily: { at: "09:00", timeZone: "America/New_York" } };
    expect(slots(spec, "2024-11-02T12:00:00Z", 3)).toEqual([
      "2024-11-02T13:00:00.000Z", // EDT, UTC-4 (after 08:00 local: today)
      "2024-11-03T14:00:00.000Z", // EST from 3 November, UTC-5
      "2024-11-04T14:00:00.000Z",
    ]);
  });

  test("a time in the spring-forward gap fires later by the gap, once", () => {
    // Paris, 31 March 2024: 02:00 jumps to 03:00, so 02:30 does not exist.
    const paris = { daily: { at: "02:30", timeZone: "Europe/Paris" } };
    const list = slots(paris, "2024-03-30T12:00:00Z", 2);
    expect(list).toEqual(["2024-03-31T01:30:00.000Z", "2024-04-01T00:30:00.000Z"]);
    expect(wall(Date.parse(list[0]), "Europe/Paris")).toBe("2024-03-31 03:30:00");
    expect(wall(Date.parse(list[1]), "Europe/Paris")).toBe("2024-04-01 02:30:00");
    // New York, 10 March 2024: 02:00 jumps to 03:00.
    const ny = { daily: { at: "02:30", timeZone: "America/New_York" } };
    expect(wall(nextSlot(ny, at("2024-03-10T05:00:00Z"))!, "America/New_York")).toBe("2024-03-10 03:30:00");
    // Lord Howe Island moves by 30 minutes: 02:00 jumps to 02:30.
    const lordHowe = { daily: { at: "02:15", timeZone: "Australia/Lord_Howe" } };
    expect(wall(nextSlot(lordHowe, at("2024-10-05T00:00:00Z"))!, "Australia/Lord_Howe")).toBe(
      "2024-10-06 02:45:00",
    );
    // Santiago changes at midnight: 00:00 jumps to 01:00.
    const santiago = { daily: { at: "00:30", timeZone: "America/Santiago" } };
    expect(wall(nextSlot(santiago, at("2024-09-07T12:00:00Z"))!, "America/Santiago")).toBe(
      "2024-09-08 01:30:00",
    );
  });

  test("a time that occurs twice (fall back) fires once, at its first occurrence", () => {
    // Paris, 27 October 2024: 03:00 CEST falls back to 02:00 CET.
    const paris = { daily: { at: "02:30", timeZone: "Europe/Paris" } };
    expect(slots(paris, "2024-10-26T12:00:00Z", 2)).toEqual([
      "2024-10-27T00:30:00.000Z", // 02:30 CEST; 01:30Z (02:30 CET) does not fire
      "2024-10-28T01:30:00.000Z",
    ]);
    // Between the two occurrences: the next day's.
    expect(iso(nextSlot(paris, at("2024-10-27T01:00:00Z")))).toBe("2024-10-28T01:30:00.000Z");
    // New York, 3 November 2024: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    const ny = { daily: { at: "01:30", timeZone: "America/New_York" } };
    expect(slots(ny, "2024-11-03T00:00:00Z", 2)).toEqual([
      "2024-11-03T05:30:00.000Z",
      "2024-11-04T06:30:00.000Z",
    ]);
  });

  test("UTC is the default time zone, and seconds count", () => {
    expect(iso(nextSlot({ daily: { at: "09:00:30" } }, at("2024-05-01T09:00:00Z")))).toBe(
      "2024-05-01T09:00:30.000Z",
    );
    expect(iso(nextSlot({ daily: { at: "09:00" } }, at("2024-05-01T09:00:00Z")))).toBe(
      "2024-05-02T09:00:00.000Z",
    );
    // A half-hour zone without daylight saving time.
    expect(iso(nextSlot({ daily: { at: "09:00", timeZone: "Asia/Kolkata" } }, at("2024-05-01T00:00:00Z")))).toBe(
      "2024-05-01T03:30:00.000Z",
    );
  });
});

describe("weekly", () => {
  test("Monday 08:30 in New York, across the spring change", () => {
    const spec = { weekly: { weekday: 1, at: "08:30", timeZone: "America/New_York" } };
    expect(slots(spec, "2024-02-28T00:00:00Z", 3)).toEqual([
      "2024-03-04T13:30:00.000Z", // EST
      "2024-03-11T12:30:00.000Z", // EDT from 10 March
      "2024-03-18T12:30:00.000Z",
    ]);
  });

  test("the same weekday later today, and Sunday as 0", () => {
    // 2024-05-05 is a Sunday.
    const sunday = { weekly: { weekday: 0, at: "18:00" } };
    expect(iso(nextSlot(sunday, at("2024-05-05T17:00:00Z")))).toBe("2024-05-05T18:00:00.000Z");
    expect(iso(nextSlot(sunday, at("2024-05-05T18:00:00Z")))).toBe("2024-05-12T18:00:00.000Z");
  });
});

describe("monthly", () => {
  test("the 31st is clamped to the end of shorter months", () => {
    const spec = { monthly: { day: 31, at: "09:00", timeZone: "Europe/Paris" } };
    expect(slots(spec, "2024-01-01T00:00:00Z", 6).map((s) => wall(Date.parse(s), "Europe/Paris"))).toEqual([
      "2024-01-31 09:00:00",
      "2024-02-29 09:00:00",
      "2024-03-31 09:00:00", // the day Paris moves to summer time
      "2024-04-30 09:00:00",
      "2024-05-31 09:00:00",
      "2024-06-30 09:00:00",
    ]);
    expect(slots({ monthly: { day: 30, at: "00:00" } }, "2023-02-01T00:00:00Z", 2)).toEqual([
      "2023-02-28T00:00:00.000Z",
      "2023-03-30T00:00:00.000Z",
    ]);
  });

  test("across a year end", () => {
    expect(slots({ monthly: { day: 15, at: "12:00" } }, "2024-12-20T00:00:00Z", 2)).toEqual([
      "2025-01-15T12:00:00.000Z",
      "2025-02-15T12:00:00.000Z",
    ]);
  });
});

describe("once (date arrives)", () => {
  test("one day before a date, at 09:00 in the board's time zone", () => {
    const spec = { once: { date: "2024-06-10", offsetDays: -1, at: "09:00", timeZone: "Europe/Paris" } };
    const slot = nextSlot(spec, at("2024-01-01T00:00:00Z"));
    expect(iso(slot)).toBe("2024-06-09T07:00:00.000Z");
    // The same slot from any earlier time; none at or after it.
    expect(nextSlot(spec, slot! - 1)).toBe(slot);
    expect(nextSlot(spec, slot!)).toBeNull();
    expect(nextSlot(spec, slot! + 86_400_000)).toBeNull();
  });

  test("offsets are calendar days: across a DST change the local time holds", () => {
    const spec = { once: { date: "2024-04-02", offsetDays: -3, at: "09:00", timeZone: "Europe/Paris" } };
    expect(wall(nextSlot(spec, 0)!, "Europe/Paris")).toBe("2024-03-30 09:00:00");
    expect(iso(nextSlot(spec, 0))).toBe("2024-03-30T08:00:00.000Z");
    expect(wall(nextSlot({ once: { date: "2024-03-31", offsetDays: 2 } }, 0)!, "UTC")).toBe("2024-04-02 00:00:00");
    expect(wall(nextSlot({ once: { date: "2024-12-31", offsetDays: 1 } }, 0)!, "UTC")).toBe("2025-01-01 00:00:00");
  });

  test("dates, local date-times and instants", () => {
    expect(iso(nextSlot({ once: { date: "2024-06-10" } }, 0))).toBe("2024-06-10T00:00:00.000Z");
    expect(iso(nextSlot({ once: { date: "2024-06-10T14:30", timeZone: "America/New_York" } }, 0))).toBe(
      "2024-06-10T18:30:00.000Z",
    );
    // An instant is exact, whatever the time zone...
    expect(iso(nextSlot({ once: { date: "2024-06-10T14:30:00.250+02:00", timeZone: "Asia/Tokyo" } }, 0))).toBe(
      "2024-06-10T12:30:00.250Z",
    );
    // ...until it is moved in that zone's calendar.
    expect(
      iso(nextSlot({ once: { date: "2024-06-10T23:30:00Z", offsetDays: 1, timeZone: "Asia/Tokyo" } }, 0)),
    ).toBe("2024-06-11T23:30:00.000Z");
    expect(
      iso(nextSlot({ once: { date: "2024-06-10T23:30:00Z", at: "09:00", timeZone: "Asia/Tokyo" } }, 0)),
    ).toBe("2024-06-11T00:00:00.000Z"); // 23:30Z is 11 June in Tokyo: 09:00 JST that day
  });
});

describe("describeSlot and countSlotsBetween", () => {
  test("a slot in the schedule's calendar", () => {
    const spec = { daily: { at: "09:00", timeZone: "Asia/Kolkata" } };
    expect(describeSlot(spec, at("2024-01-01T03:30:00Z"))).toEqual({
      timeZone: "Asia/Kolkata",
      localDate: "2024-01-01",
      localTime: "09:00",
      localWeekday: 1,
      iso: "2024-01-01T03:30:00.000Z",
    });
    expect(describeSlot({ every: { minutes: 5 } }, at("2024-01-06T23:55:00Z"))).toMatchObject({
      timeZone: "UTC",
      localDate: "2024-01-06",
      localWeekday: 6,
    });
  });

  test("counts the slots strictly between two times, up to a cap", () => {
    const spec = { every: { minutes: 15 } };
    expect(countSlotsBetween(spec, at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z"))).toBe(3);
    expect(countSlotsBetween(spec, at("2024-01-01T00:00:00Z"), at("2024-01-01T00:15:00Z"))).toBe(0);
    expect(countSlotsBetween(spec, at("2024-01-01T00:00:00Z"), at("2024-02-01T00:00:00Z"), 50)).toBe(50);
    expect(countSlotsBetween({ once: { date: "2024-01-01T00:30" } }, 0, at("2025-01-01T00:00:00Z"))).toBe(1);
  });
});

// --- properties --------------------------------------------------------

const ZONES = [
  "UTC",
  "Europe/Paris",
  "Europe/London",
  "America/New_York",
  "America/Santiago",
  "America/St_Johns",
  "America/Havana",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Asia/Kolkata",
  "Asia/Tehran",
];

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const atArb = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom(0, 0, 0, 30))
  .map(([h, m, s]) =>
    [h, m].map((n) => String(n).padStart(2, "0")).join(":") + (s === 0 ? "" : `:${String(s).padStart(2, "0")}`),
  );
/** Times likely to sit on or near DST changes (their usual hours) as well as anywhere. */
const localArb = fc.oneof(atArb, fc.constantFrom("00:00", "00:30", "01:30", "02:00", "02:30", "02:15", "03:00"));
const zoneArb = fc.constantFrom(...ZONES);
const afterArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) });

const recurringArb: fc.Arbitrary<ScheduleSpec> = fc.oneof(
  fc.integer({ min: 1, max: 1440 }).map((minutes) => ({ every: { minutes } })),
  fc.integer({ min: 1, max: 168 }).map((hours) => ({ every: { hours } })),
  fc.tuple(localArb, zoneArb).map(([a, timeZone]) => ({ daily: { at: a, timeZone } })),
  fc
    .tuple(fc.integer({ min: 0, max: 6 }), localArb, zoneArb)
    .map(([weekday, a, timeZone]) => ({ weekly: { weekday, at: a, timeZone } })),
  fc
    .tuple(fc.integer({ min: 1, max: 31 }), localArb, zoneArb)
    .map(([day, a, timeZone]) => ({ monthly: { day, at: a, timeZone } })),
);

type Local = { year: number; month: number; day: number; hour: number; minute: number; second: number };

function sameLocal(a: Local, b: Local): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second
  );
}

/**
 * An oracle independent of the implementation: the instant of a local time,
 * found by trying every offset a time zone can have (15-minute steps).
 * "Compatible" disambiguation: the first occurrence; in a gap, the time
 * moved forward by the gap (the offset just before the transition).
 */
function oracleInstant(local: Local, timeZone: string): number {
  const wallMs = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const valid: number[] = [];
  for (let offset = -14 * HOUR; offset <= 14 * HOUR; offset += 15 * MIN) {
    const t = wallMs - offset;
    if (sameLocal(localParts(t, timeZone), local)) valid.push(t);
  }
  if (valid.length > 0) return Math.min(...valid);
  // A gap: find the transition nearest this wall time, and the offset before it.
  const offsetAt = (t: number) => {
    const p = localParts(t, timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
  };
  let best: { distance: number; before: number } | null = null;
  for (let t = wallMs - 30 * HOUR; t < wallMs + 30 * HOUR; t += 15 * MIN) {
    const before = offsetAt(t);
    if (offsetAt(t + 15 * MIN) !== before) {
      const distance = Math.abs(t - (wallMs - before));
      if (!best || distance < best.distance) best = { distance, before };
    }
  }
  return wallMs - best!.before;
}

function addDays(date: { year: number; month: number; day: number }, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function parseTime(a: string) {
  const [hour, minute, second = 0] = a.split(":").map(Number);
  return { hour, minute, second };
}

/** The next slot by brute force: each candidate local date, through the oracle. */
function oracleNextSlot(spec: ScheduleSpec, after: number): number {
  if ("every" in spec) {
    const period = "minutes" in spec.every ? spec.every.minutes * MIN : spec.every.hours * HOUR;
    let slot = 0;
    while (slot <= after) slot = (Math.floor(after / period) + 1) * period;
    return slot;
  }
  const body = Object.values(spec)[0] as { at: string; timeZone: string; weekday?: number; day?: number };
  const today = localParts(after, body.timeZone);
  for (let k = -2; k <= 40; k++) {
    const date = addDays(today, k);
    if ("weekly" in spec && new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() !== spec.weekly.weekday) {
      continue;
    }
    if ("monthly" in spec) {
      const last = new Date(Date.UTC(date.year, date.month, 0)).getUTCDate();
      if (date.day !== Math.min(spec.monthly.day, last)) continue;
    }
    const slot = oracleInstant({ ...date, ...parseTime(body.at) }, body.timeZone);
    if (slot > after) return slot;
  }
  throw new Error("oracle: no slot");
}

describe("properties", () => {
  test("the next slot is the oracle's: strictly after, on the requested local time", () => {
    fc.assert(
      fc.property(recurringArb, afterArb, (spec, after) => {
        const slot = nextSlot(spec, after);
        expect(slot).not.toBeNull();
        expect(slot!).toBeGreaterThan(after);
        expect(slot).toBe(oracleNextSlot(spec, after));
      }),
      { numRuns: 300 },
    );
  });

  test("idempotent: any time between `after` and the slot gives the same slot", () => {
    fc.assert(
      fc.property(recurringArb, afterArb, fc.double({ min: 0, max: 1, noNaN: true }), (spec, after, f) => {
        const slot = nextSlot(spec, after)!;
        const between = Math.min(slot - 1, after + Math.floor((slot - after) * f));
        expect(between).toBeLessThan(slot);
        expect(nextSlot(spec, between)).toBe(slot);
        expect(nextSlot(spec, slot - 1)).toBe(slot);
      }),
      { numRuns: 300 },
    );
  });

  test("monotonic: a later `after` never gives an earlier slot", () => {
    fc.assert(
      fc.property(recurringArb, afterArb, fc.integer({ min: 0, max: 40 * DAY }), (spec, after, delta) => {
        expect(nextSlot(spec, after + delta)!).toBeGreaterThanOrEqual(nextSlot(spec, after)!);
      }),
      { numRuns: 300 },
    );
  });

  test("a chain of slots lands on the local time every time it exists, never twice a day", () => {
    fc.assert(
      fc.property(
        fc.tuple(localArb, zoneArb).map(([a, timeZone]) => ({ daily: { at: a, timeZone } })),
        afterArb,
        (spec, after) => {
          let previous = after;
          const dates = new Set<string>();
          for (let i = 0; i < 10; i++) {
            const slot = nextSlot(spec, previous)!;
            const local = describeSlot(spec, slot);
            expect(dates.has(local.localDate)).toBe(false);
            dates.add(local.localDate);
            const parts = localParts(slot, spec.daily.timeZone);
            const wanted = parseTime(spec.daily.at);
            if (parts.hour !== wanted.hour || parts.minute !== wanted.minute || parts.second !== wanted.second) {
              // Only in a gap: that local time does not exist on that date
              // (or, for a gap across midnight, on the day before).
              const date = { year: parts.year, month: parts.month, day: parts.day };
              const exists = (k: number) => {
                const d = addDays(date, k);
                const instant = oracleInstant({ ...d, ...wanted }, spec.daily.timeZone);
                return sameLocal(localParts(instant, spec.daily.timeZone), { ...d, ...wanted });
              };
              const earlierInDay = parts.hour * 3600 + parts.minute * 60 + parts.second <
                wanted.hour * 3600 + wanted.minute * 60 + wanted.second;
              expect(earlierInDay ? exists(-1) : exists(0)).toBe(false);
            }
            previous = slot;
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test("every: a multiple of the period, at most one period away", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1440 }),
        fc.integer({ min: -1e12, max: 4e12 }),
        (minutes, after) => {
          const slot = nextSlot({ every: { minutes } }, after)!;
          expect(Math.abs(slot % (minutes * MIN))).toBe(0);
          expect(slot).toBeGreaterThan(after);
          expect(slot - after).toBeLessThanOrEqual(minutes * MIN);
        },
      ),
    );
  });

  test("once: one slot, the same from any earlier time, none after", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2039, 0, 1) }),
        fc.integer({ min: -30, max: 30 }),
        localArb,
        zoneArb,
        (dateMs, offsetDays, a, timeZone) => {
          const date = new Date(dateMs).toISOString().slice(0, 10);
          const spec = { once: { date, offsetDays, at: a, timeZone } };
          const slot = nextSlot(spec, 0)!;
          expect(nextSlot(spec, slot - 1)).toBe(slot);
          expect(nextSlot(spec, slot)).toBeNull();
          const target = addDays(
            { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) },
            offsetDays,
          );
          expect(slot).toBe(oracleInstant({ ...target, ...parseTime(a) }, timeZone));
        },
      ),
      { numRuns: 200 },
    );
  });
});
