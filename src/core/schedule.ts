/**
 * Schedule triggers: when a rule fires without any event. A schedule spec is
 * one of
 *
 * - `{ every: { minutes: n } }` / `{ every: { hours: n } }`: slots at the
 *   multiples of the period since 1970-01-01T00:00Z (every 15 minutes fires
 *   at :00, :15, :30 and :45 of every UTC hour);
 * - `{ daily: { at, timeZone? } }`: every day at `at` ("HH:MM" or
 *   "HH:MM:SS"), local time of `timeZone` (an IANA name; default "UTC");
 * - `{ weekly: { weekday, at, timeZone? } }`: `weekday` 0 (Sunday) to 6;
 * - `{ monthly: { day, at, timeZone? } }`: `day` 1 to 31, clamped to the
 *   last day of shorter months (31 fires on 30 April and 28/29 February);
 * - `{ once: { date, offsetDays?, at?, timeZone? } }`: "date arrives": one
 *   slot, `offsetDays` calendar days from `date` (an ISO date, or date-time
 *   with or without an offset), at `at` (default: the time `date` carries,
 *   else midnight), local time of `timeZone`.
 *
 * Local times are converted to instants with `Intl.DateTimeFormat` (no time
 * zone data of our own). Daylight saving time follows Temporal's
 * "compatible" disambiguation: a local time that does not exist (in the
 * spring-forward gap) fires that many minutes later (02:30 in Paris on the
 * last Sunday of March fires at 03:30), and a local time that exists twice
 * (fall back) fires once, at its first occurrence.
 *
 * Pure: no Convex imports, no clock.
 */

export type ScheduleSpec =
  | { every: { minutes: number } | { hours: number } }
  | { daily: { at: string; timeZone?: string } }
  | { weekly: { weekday: number; at: string; timeZone?: string } }
  | { monthly: { day: number; at: string; timeZone?: string } }
  | { once: { date: string; offsetDays?: number; at?: string; timeZone?: string } };

export type ScheduleKind = "every" | "daily" | "weekly" | "monthly" | "once";

export type ScheduleProblem = { field: string; message: string };

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ["every", "daily", "weekly", "monthly", "once"];

export const SCHEDULE_LIMITS = {
  /** `every.minutes`: from 1 minute to a day. */
  maxMinutes: 24 * 60,
  /** `every.hours`: from 1 hour to a week. */
  maxHours: 7 * 24,
  /** `once.offsetDays`: about ten years either way. */
  maxOffsetDays: 3660,
} as const;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const AT_RE = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{1,3}))?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?$/;

const FIELDS: Record<ScheduleKind, { required: string[]; optional: string[] }> = {
  every: { required: [], optional: ["minutes", "hours"] },
  daily: { required: ["at"], optional: ["timeZone"] },
  weekly: { required: ["weekday", "at"], optional: ["timeZone"] },
  monthly: { required: ["day", "at"], optional: ["timeZone"] },
  once: { required: ["date"], optional: ["offsetDays", "at", "timeZone"] },
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)
  );
}

/**
 * Why `spec` is not a valid schedule, naming the field
 * (`schedule.daily.at`), or null.
 */
export function findScheduleProblem(spec: unknown, field = "schedule"): ScheduleProblem | null {
  if (!isPlainObject(spec)) {
    return { field, message: `must be an object with one of ${SCHEDULE_KINDS.join(", ")}` };
  }
  const keys = Object.keys(spec);
  if (keys.length !== 1 || !(SCHEDULE_KINDS as readonly string[]).includes(keys[0]!)) {
    const unknown = keys.find((key) => !(SCHEDULE_KINDS as readonly string[]).includes(key));
    return unknown !== undefined
      ? { field: `${field}.${unknown}`, message: `is not a schedule kind; expected one of ${SCHEDULE_KINDS.join(", ")}` }
      : { field, message: `must have exactly one of ${SCHEDULE_KINDS.join(", ")}` };
  }
  const kind = keys[0] as ScheduleKind;
  const body = spec[kind];
  const base = `${field}.${kind}`;
  if (!isPlainObject(body)) return { field: base, message: "must be an object" };
  const { required, optional } = FIELDS[kind];
  for (const key of Object.keys(body)) {
    if (!required.includes(key) && !optional.includes(key)) {
      return {
        field: `${base}.${key}`,
        message: `is not a field of a ${kind} schedule; expected ${[...required, ...optional].join(", ")}`,
      };
    }
  }
  for (const key of required) {
    if (body[key] === undefined) return { field: `${base}.${key}`, message: "is required" };
  }
  if (kind === "every") {
    const hasMinutes = body["minutes"] !== undefined;
    const hasHours = body["hours"] !== undefined;
    if (hasMinutes === hasHours) {
      return { field: base, message: "must have exactly one of minutes, hours" };
    }
    return hasMinutes
      ? integerProblem(body["minutes"], `${base}.minutes`, 1, SCHEDULE_LIMITS.maxMinutes)
      : integerProblem(body["hours"], `${base}.hours`, 1, SCHEDULE_LIMITS.maxHours);
  }
  const problem =
    (body["at"] === undefined ? null : atProblem(body["at"], `${base}.at`)) ??
    (body["timeZone"] === undefined ? null : timeZoneProblem(body["timeZone"], `${base}.timeZone`)) ??
    (kind === "weekly" ? integerProblem(body["weekday"], `${base}.weekday`, 0, 6) : null) ??
    (kind === "monthly" ? integerProblem(body["day"], `${base}.day`, 1, 31) : null) ??
    (kind === "once" ? dateProblem(body["date"], `${base}.date`) : null) ??
    (kind === "once" && body["offsetDays"] !== undefined
      ? integerProblem(
          body["offsetDays"],
          `${base}.offsetDays`,
          -SCHEDULE_LIMITS.maxOffsetDays,
          SCHEDULE_LIMITS.maxOffsetDays,
        )
      : null);
  return problem;
}

function integerProblem(value: unknown, field: string, min: number, max: number): ScheduleProblem | null {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    return { field, message: `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}` };
  }
  return null;
}

function atProblem(value: unknown, field: string): ScheduleProblem | null {
  if (typeof value !== "string" || !AT_RE.test(value)) {
    return { field, message: `must be a time "HH:MM" or "HH:MM:SS" (00:00 to 23:59:59), got ${JSON.stringify(value)}` };
  }
  return null;
}

function timeZoneProblem(value: unknown, field: string): ScheduleProblem | null {
  if (typeof value !== "string" || !isTimeZone(value)) {
    return { field, message: `must be an IANA time zone such as "Europe/Paris" or "UTC", got ${JSON.stringify(value)}` };
  }
  return null;
}

function dateProblem(value: unknown, field: string): ScheduleProblem | null {
  const parsed = typeof value === "string" ? parseDate(value) : null;
  if (!parsed) {
    return {
      field,
      message: `must be an ISO date "YYYY-MM-DD" or date-time "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]", got ${JSON.stringify(value)}`,
    };
  }
  return null;
}

/** Whether `timeZone` is a time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Throws when `spec` is invalid: callers store only validated specs. */
export function assertSchedule(spec: unknown): asserts spec is ScheduleSpec {
  const problem = findScheduleProblem(spec);
  if (problem) throw new Error(`${problem.field}: ${problem.message}`);
}

/** The kind of a (valid) schedule. */
export function scheduleKind(spec: ScheduleSpec): ScheduleKind {
  return Object.keys(spec)[0] as ScheduleKind;
}

/** The time zone a schedule's local times are in ("UTC" for `every`). */
export function scheduleTimeZone(spec: ScheduleSpec): string {
  if ("every" in spec) return "UTC";
  const body = Object.values(spec)[0] as { timeZone?: string };
  return body.timeZone ?? "UTC";
}

/**
 * The first slot strictly after `afterMs`, or null when there is none (a
 * `once` schedule whose slot is not after `afterMs`). Throws on an invalid
 * spec.
 */
export function nextSlot(spec: ScheduleSpec, afterMs: number): number | null {
  assertSchedule(spec);
  if (!Number.isFinite(afterMs)) throw new Error(`afterMs: must be a finite number, got ${afterMs}`);
  if ("every" in spec) {
    const period = "minutes" in spec.every ? spec.every.minutes * MINUTE : spec.every.hours * HOUR;
    return (Math.floor(afterMs / period) + 1) * period;
  }
  if ("once" in spec) {
    const slot = onceSlot(spec.once);
    return slot > afterMs ? slot : null;
  }
  const timeZone = scheduleTimeZone(spec);
  const today = localParts(afterMs, timeZone);
  if ("daily" in spec) {
    const time = parseAt(spec.daily.at);
    // Local days are 23 to 25 hours long: the slot is on the local date of
    // `afterMs`, or the next one; yesterday's is checked for safety.
    for (let k = -1; k <= 2; k++) {
      const slot = toInstant({ ...addDays(today, k), ...time }, timeZone);
      if (slot > afterMs) return slot;
    }
  } else if ("weekly" in spec) {
    const time = parseAt(spec.weekly.at);
    for (let k = -1; k <= 8; k++) {
      const date = addDays(today, k);
      if (weekdayOf(date) !== spec.weekly.weekday) continue;
      const slot = toInstant({ ...date, ...time }, timeZone);
      if (slot > afterMs) return slot;
    }
  } else {
    const time = parseAt(spec.monthly.at);
    for (let k = -1; k <= 2; k++) {
      const month = addMonths(today, k);
      const day = Math.min(spec.monthly.day, daysInMonth(month.year, month.month));
      const slot = toInstant({ ...month, day, ...time }, timeZone);
      if (slot > afterMs) return slot;
    }
  }
  // Unreachable for valid specs: every window above holds a slot.
  throw new Error("nextSlot: no slot found");
}

/**
 * How many slots lie strictly between `afterMs` and `beforeMs`, counting at
 * most `cap`: the slots a late fire coalesced.
 */
export function countSlotsBetween(spec: ScheduleSpec, afterMs: number, beforeMs: number, cap = 100): number {
  let count = 0;
  let slot = nextSlot(spec, afterMs);
  while (slot !== null && slot < beforeMs && count < cap) {
    count++;
    slot = nextSlot(spec, slot);
  }
  return count;
}

/** A slot as the schedule's local calendar sees it, for events and templates. */
export function describeSlot(
  spec: ScheduleSpec,
  slot: number,
): { timeZone: string; localDate: string; localTime: string; localWeekday: number; iso: string } {
  const timeZone = scheduleTimeZone(spec);
  const p = localParts(slot, timeZone);
  return {
    timeZone,
    localDate: `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`,
    localTime: `${pad(p.hour)}:${pad(p.minute)}`,
    localWeekday: weekdayOf(p),
    iso: new Date(slot).toISOString(),
  };
}

// --- once ----------------------------------------------------------------

type ParsedDate = {
  year: number;
  month: number;
  day: number;
  time?: { hour: number; minute: number; second: number; ms: number };
  /** "Z" or "±HH:MM" when the date-time names its own offset. */
  offset?: string;
};

function parseDate(value: string): ParsedDate | null {
  const match = DATE_RE.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s, frac, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const parsed: ParsedDate = { year, month, day };
  if (h !== undefined) {
    parsed.time = {
      hour: Number(h),
      minute: Number(mi),
      second: s === undefined ? 0 : Number(s),
      ms: frac === undefined ? 0 : Number(frac.padEnd(3, "0")),
    };
  }
  if (offset !== undefined) parsed.offset = offset;
  return parsed;
}

function onceSlot(once: { date: string; offsetDays?: number; at?: string; timeZone?: string }): number {
  const timeZone = once.timeZone ?? "UTC";
  const parsed = parseDate(once.date)!;
  const offsetDays = once.offsetDays ?? 0;
  let local: LocalDateTime;
  let ms = 0;
  if (parsed.offset !== undefined && parsed.time !== undefined) {
    // An instant: exact unless shifted or re-timed in the schedule's zone.
    const instant = Date.parse(once.date);
    if (offsetDays === 0 && once.at === undefined) return instant;
    local = localParts(instant, timeZone);
    ms = instant - Math.floor(instant / 1000) * 1000;
  } else {
    const time = parsed.time ?? { hour: 0, minute: 0, second: 0, ms: 0 };
    local = { year: parsed.year, month: parsed.month, day: parsed.day, ...time };
    ms = time.ms;
  }
  if (once.at !== undefined) {
    local = { ...local, ...parseAt(once.at) };
    ms = 0;
  }
  return toInstant({ ...local, ...addDays(local, offsetDays) }, timeZone) + ms;
}

// --- local time ----------------------------------------------------------

type LocalDate = { year: number; month: number; day: number };
type LocalTime = { hour: number; minute: number; second: number };
type LocalDateTime = LocalDate & LocalTime;

function parseAt(at: string): LocalTime {
  const [, h, m, s] = AT_RE.exec(at)!;
  return { hour: Number(h), minute: Number(m), second: s === undefined ? 0 : Number(s) };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(timeZone, format);
  }
  return format;
}

/** The local date and time (to the second) of an instant in `timeZone`. */
export function localParts(ms: number, timeZone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  // The formatter's options ask for every field read below, so each is set.
  // Some engines print midnight as 24 even with hourCycle h23.
  const hour = fields["hour"] === 24 ? 0 : fields["hour"]!;
  return {
    year: fields["year"]!,
    month: fields["month"]!,
    day: fields["day"]!,
    hour,
    minute: fields["minute"]!,
    second: fields["second"]!,
  };
}

/** A local date-time read as if it were UTC. */
function wallClock(t: LocalDateTime): number {
  return civil(t.year, t.month - 1, t.day).setUTCHours(t.hour, t.minute, t.second, 0);
}

/** The offset of `timeZone` from UTC at an instant, in ms (Paris in summer: +7,200,000). */
function offsetAt(ms: number, timeZone: string): number {
  const seconds = Math.floor(ms / 1000) * 1000;
  return wallClock(localParts(seconds, timeZone)) - seconds;
}

/**
 * The instant of a local date-time in `timeZone`, with "compatible"
 * disambiguation: a time in a gap moves forward by the gap, a time that
 * occurs twice takes its first occurrence.
 */
export function toInstant(local: LocalDateTime, timeZone: string): number {
  const wall = wallClock(local);
  // The offsets a day either side bracket any transition near this time.
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const valid = [wall - before, wall - after].filter((t) => offsetAt(t, timeZone) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the offset before the transition puts the time past it, by
  // exactly the gap's length.
  return wall - before;
}

/** A UTC date at midnight of a civil date; `setUTCFullYear` rolls days and months over. */
function civil(year: number, monthIndex: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d;
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = civil(date.year, date.month - 1, date.day + days);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function addMonths(date: LocalDate, months: number): { year: number; month: number } {
  const index = date.year * 12 + (date.month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

function daysInMonth(year: number, month: number): number {
  return civil(year, month, 0).getUTCDate();
}

/** 0 (Sunday) to 6, like `Date.prototype.getDay`. */
function weekdayOf(date: LocalDate): number {
  return civil(date.year, date.month - 1, date.day).getUTCDay();
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}
