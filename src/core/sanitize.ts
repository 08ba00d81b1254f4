/**
 * Makes outside data (webhook payloads) storable in a Convex document:
 * refused field names are renamed, cycles are cut, and what is too deep,
 * too long, too wide or too big is cut, with a note for each change. The
 * rules checked are those of storable.ts. Pure.
 */
import { convexSize, utf8Length } from "./convexSize.js";
import type { StorableValue } from "./storableValue.js";
import { CONVEX_VALUE_LIMITS, fieldNameProblem } from "./storable.js";

export type SanitizeOptions = {
  /** Largest size of the result, as measured by `convexSize` (at most 1 MiB). */
  maxBytes?: number;
  /** Nesting levels above the value in the stored document (see storable.ts). */
  depthOffset?: number;
};

export type SanitizeResult = {
  value: StorableValue;
  /** Whether anything was changed. */
  sanitized: boolean;
  /** What was changed, in short sentences (at most 20). */
  notes: string[];
};

export const DEFAULT_SANITIZE_MAX_BYTES = 256 * 1024;

const MAX_NOTES = 20;
const MAX_FIELD_NAME_LENGTH = 1024;
/** Renamed fields stay short enough for "..." and a `~n` suffix. */
const RENAMED_LENGTH = 1000;
const PREVIEW_CHARS = 1024;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
/** In unicode mode `\p{Cs}` matches only unpaired surrogates. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;
const SIMPLE_KEY = /^[A-Za-z0-9_$]+$/;
/** Bytes of the shortest form `shorten` gives a string ("...[truncated 1 chars]"). */
const SHORTEST_STRING_BYTES = 22;
/**
 * The walk stops after reading this many times `maxBytes` (each string
 * counted up to `maxBytes`), even if strings could still be shortened to
 * fit: only shared strings (the same long text under many objects) make it
 * read that much more than it can keep.
 */
const READ_BUDGET_FACTOR = 16;
const encoder = new TextEncoder();
/** Marks undefined, functions and symbols: dropped from objects, null in arrays. */
const DROP = Symbol("drop");
/** Marks a field or item whose getter threw (the message is in `Walk.readError`). */
const UNREADABLE = Symbol("unreadable");

/**
 * A copy of `value` that Convex can store within `maxBytes` (default
 * 256 KiB) at `depthOffset` levels down (default 0). Refused field names
 * become `x:` plus the name with non-ASCII bytes percent-encoded (`_id` ->
 * `x:_id`, `é` -> `x:%C3%A9`, with `~2`, `~3`... on collision); a
 * reference back to an enclosing object or array (a cycle) becomes a
 * "[cycle: refers back to ...]" string naming where that object is, while
 * the same object reached twice without a cycle is kept twice; objects
 * nested too deep become a "[truncated: ...]" string; arrays keep their
 * first 8,192 items and objects their first 1,024 fields; undefined in
 * arrays becomes null; undefined, functions and symbols are dropped from
 * objects; Dates, Maps and class instances become their JSON or String()
 * form, boxed primitives their primitive; a field whose getter throws
 * becomes an "[unreadable value: ...]" string; bigints outside 64 bits
 * become strings; lone surrogates become U+FFFD. If still too big, the
 * longest strings are shortened, and failing that the value becomes
 * `{ truncated: true, preview, originalBytes }`. The walk stops reading as
 * soon as the result can only be that preview, so its work is bounded by
 * `maxBytes` even for shared objects that double at every level.
 * A value that is already storable is returned as is, with `sanitized: false`.
 */
export function sanitizeForStorage(
  value: unknown,
  options: SanitizeOptions = {},
): SanitizeResult {
  const maxBytes = Math.max(
    1,
    Math.min(
      Math.floor(options.maxBytes ?? DEFAULT_SANITIZE_MAX_BYTES),
      CONVEX_VALUE_LIMITS.maxSizeBytes,
    ),
  );
  const levels = Math.max(0, CONVEX_VALUE_LIMITS.maxDepth - (options.depthOffset ?? 0));
  const walk = new Walk(levels, maxBytes);
  let result: unknown;
  try {
    result = walk.value(value, 0);
    if (result === DROP) {
      walk.note(`replaced ${describe(value)} with null`);
      walk.size += 1;
      result = null;
    }
  } catch (error) {
    walk.note("replaced a value that could not be read with a message");
    result = unreadableMarker(error);
    walk.size = convexSize(result as string);
  }
  const notes = walk.finishNotes();
  if (walk.size > maxBytes) {
    const shrunk = shrink(result as StorableValue, walk.size, maxBytes, levels, walk.stopped);
    notes.push(shrunk.note);
    result = shrunk.value;
  }
  return {
    value: result as StorableValue,
    sanitized: walk.changed || notes.length > 0,
    notes,
  };
}

/** One walk over the input: copies only what changes, and sums the output's size. */
class Walk {
  changed = false;
  size = 0;
  /** Whether the walk stopped before reading the whole input (see `spent`). */
  stopped = false;
  private stopNote: string | undefined;
  /** Error thrown by the last read that gave UNREADABLE. */
  private readError: unknown;
  /** Bytes `size` would lose if every string were shortened as far as `shorten` goes. */
  private stringExcess = 0;
  /** Bytes of strings beyond their first `maxBytes`, left out of the read budget. */
  private longStringExcess = 0;
  private notes: string[] = [];
  private skipped = 0;
  private readonly path: (string | number)[] = [];
  /** The objects and arrays being walked, each with the length of its path. */
  private readonly ancestors = new Map<object, number>();

  constructor(
    private readonly levels: number,
    private readonly maxBytes: number,
  ) {}

  note(message: string): void {
    this.changed = true;
    if (this.notes.length < MAX_NOTES - 2) {
      this.notes.push(this.path.length > 0 ? `${message} at ${this.where()}` : message);
    } else {
      this.skipped++;
    }
  }

  /** The notes, keeping room for one about size. */
  finishNotes(): string[] {
    if (this.stopNote !== undefined) {
      // Kept even past the limit: it explains the missing end of the value.
      if (this.notes.length === MAX_NOTES - 2) {
        this.notes.pop();
        this.skipped++;
      }
      this.notes.push(this.stopNote);
    }
    if (this.skipped > 0) this.notes.push(`and ${this.skipped} more changes`);
    return this.notes;
  }

  value(v: unknown, level: number): unknown {
    switch (typeof v) {
      case "string":
        return this.string(v);
      case "number":
        this.size += 9;
        return v;
      case "boolean":
        this.size += 1;
        return v;
      case "bigint":
        if (v >= MIN_INT64 && v <= MAX_INT64) {
          this.size += 9;
          return v;
        }
        this.note("replaced a bigint outside the 64-bit range with a string");
        return this.string(v.toString());
      case "object":
        break;
      default:
        return DROP;
    }
    if (v === null) {
      this.size += 1;
      return null;
    }
    if (v instanceof ArrayBuffer) {
      this.size += 2 + v.byteLength;
      return v;
    }
    const ancestorAt = this.ancestors.get(v);
    if (ancestorAt !== undefined) return this.cycle(ancestorAt);
    const array = Array.isArray(v);
    const plain = array || isPlainObject(v);
    if (plain && level >= this.levels) {
      this.note(`cut ${array ? "an array" : "an object"} nested deeper than ${this.levels} levels`);
      return this.string(`[truncated: nested deeper than ${this.levels} levels]`);
    }
    this.ancestors.set(v, this.path.length);
    const cleaned = array
      ? this.array(v, level + 1)
      : plain
        ? this.object(v as Record<string, unknown>, level + 1)
        : this.converted(v, level);
    this.ancestors.delete(v);
    return cleaned;
  }

  /**
   * Whether reading more is pointless or too costly: the result can only
   * become a preview (it is over `maxBytes` even with every string
   * shortened), or `READ_BUDGET_FACTOR` times `maxBytes` were read. Notes
   * it the first time.
   */
  private spent(): boolean {
    if (this.stopped) return true;
    let reason: string;
    if (this.size - this.stringExcess > this.maxBytes) {
      reason = `stopped reading: over ${this.maxBytes} bytes even with every string shortened`;
    } else if (this.size - this.longStringExcess > READ_BUDGET_FACTOR * this.maxBytes) {
      reason = `stopped reading after ${READ_BUDGET_FACTOR * this.maxBytes} bytes`;
    } else {
      return false;
    }
    this.stopNote = this.path.length > 0 ? `${reason} at ${this.where()}` : reason;
    this.changed = true;
    this.stopped = true;
    return true;
  }

  /** A reference to the ancestor whose path has `depth` segments. */
  private cycle(depth: number): string {
    this.note("replaced a reference back to an enclosing value (a cycle) with a marker");
    return this.string(`[cycle: refers back to ${depth === 0 ? "the root" : this.where(depth)}]`);
  }

  /** `v[key]`, or UNREADABLE when a getter or proxy throws. */
  private read(v: object, key: string | number): unknown {
    try {
      return (v as Record<string | number, unknown>)[key];
    } catch (error) {
      this.readError = error;
      return UNREADABLE;
    }
  }

  private unreadable(): string {
    this.note("replaced a value that could not be read with a message");
    return this.string(unreadableMarker(this.readError));
  }

  private string(s: string): string {
    if (LONE_SURROGATE.test(s)) {
      this.note("replaced unpaired surrogates (invalid unicode) in a string with U+FFFD");
      s = s.replace(LONE_SURROGATES, "\uFFFD");
    }
    const bytes = utf8Length(s);
    this.size += 2 + bytes;
    if (bytes > SHORTEST_STRING_BYTES) this.stringExcess += bytes - SHORTEST_STRING_BYTES;
    // One long string is read once: it alone never stops the walk.
    if (bytes > this.maxBytes) this.longStringExcess += bytes - this.maxBytes;
    return s;
  }

  private array(v: readonly unknown[], level: number): unknown[] {
    const { maxArrayLength } = CONVEX_VALUE_LIMITS;
    let out: unknown[] | undefined;
    if (v.length > maxArrayLength) {
      this.note(`kept the first ${maxArrayLength} of ${v.length} items`);
      out = [];
    }
    const n = Math.min(v.length, maxArrayLength);
    this.size += 2;
    for (let i = 0; i < n; i++) {
      if (this.spent()) {
        out ??= v.slice(0, i);
        break;
      }
      this.path.push(i);
      const item = this.read(v, i);
      let cleaned = item === UNREADABLE ? this.unreadable() : this.value(item, level);
      if (cleaned === DROP) {
        this.note(`replaced ${describe(item)} with null`);
        this.size += 1;
        cleaned = null;
      }
      this.path.pop();
      if (out === undefined && !Object.is(cleaned, item)) out = v.slice(0, i);
      if (out !== undefined) out.push(cleaned);
    }
    return out ?? (v as unknown[]);
  }

  private object(v: Record<string, unknown>, level: number): Record<string, unknown> {
    const { maxObjectFields } = CONVEX_VALUE_LIMITS;
    const keys = Object.keys(v);
    let out: Record<string, unknown> | undefined;
    let taken: Set<string> | undefined;
    let kept = 0;
    this.size += 2;
    for (let i = 0; i < keys.length; i++) {
      if (this.spent()) {
        out ??= copyFields(v, keys, i);
        break;
      }
      const key = keys[i]!;
      const item = this.read(v, key);
      if (item === undefined) {
        // Skipped by Convex, but a refused name still fails some checks.
        if (needsRename(key)) {
          this.note(`dropped undefined field ${show(key)}`);
          out ??= copyFields(v, keys, i);
        }
        continue;
      }
      if (kept === maxObjectFields) {
        this.note(`kept the first ${maxObjectFields} of ${keys.length} fields`);
        out ??= copyFields(v, keys, i);
        break;
      }
      let name = key;
      if (needsRename(key)) {
        taken ??= new Set(keys.filter((k) => !needsRename(k)));
        name = freeName(renameField(key), taken);
        this.note(`renamed field ${show(key)} to ${show(name)}`);
      }
      // The stored name: a cycle marker names the path in the stored value.
      this.path.push(name);
      const cleaned = item === UNREADABLE ? this.unreadable() : this.value(item, level);
      this.path.pop();
      if (cleaned === DROP) {
        this.note(`dropped field ${show(key)} holding ${describe(item)}`);
        out ??= copyFields(v, keys, i);
        continue;
      }
      kept++;
      this.size += utf8Length(name) + 1;
      if (out === undefined && (name !== key || !Object.is(cleaned, item))) {
        out = copyFields(v, keys, i);
      }
      if (out !== undefined) out[name] = cleaned;
    }
    return out ?? v;
  }

  /** A Date, Map, class instance...: stored as its JSON or String() form. */
  private converted(v: object, level: number): unknown {
    const kind = kindOf(v);
    let plain: unknown;
    try {
      plain = toPlain(v);
    } catch {
      this.note(`replaced a ${kind} that could not be read with null`);
      this.size += 1;
      return null;
    }
    if (
      plain !== null &&
      typeof plain === "object" &&
      !Array.isArray(plain) &&
      !isPlainObject(plain) &&
      !(plain instanceof ArrayBuffer)
    ) {
      plain = safeString(plain);
    }
    this.note(`converted a ${kind} to ${describe(plain)}`);
    return this.value(plain, level);
  }

  /** The path of the value being walked, or of its ancestor with `depth` segments. */
  private where(depth = this.path.length): string {
    let out = "";
    for (const segment of this.path.slice(0, depth)) {
      if (typeof segment === "number") out += `[${segment}]`;
      else if (SIMPLE_KEY.test(segment)) out += out ? `.${segment}` : segment;
      else out += `[${show(segment)}]`;
    }
    return out;
  }
}

/** Refused by Convex, or longer than the 1,024 characters `convexToJson` allows. */
function needsRename(name: string): boolean {
  return name.length > MAX_FIELD_NAME_LENGTH || fieldNameProblem(name) !== null;
}

/**
 * `x:` plus the name with `%`, control and non-ASCII characters
 * percent-encoded, cut to leave room for a `~n` suffix.
 */
function renameField(name: string): string {
  let out = "x:";
  for (const char of name) {
    const code = char.codePointAt(0)!;
    let piece = char;
    if (code < 0x20 || code > 0x7e || code === 0x25) {
      piece = "";
      for (const byte of encoder.encode(char)) {
        piece += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
      }
    }
    if (out.length + piece.length > RENAMED_LENGTH) return `${out}...`;
    out += piece;
  }
  return out;
}

function freeName(name: string, taken: Set<string>): string {
  let free = name;
  for (let n = 2; taken.has(free); n++) free = `${name}~${n}`;
  taken.add(free);
  return free;
}

/** A fresh object with the fields before `end` (all valid and unchanged). */
function copyFields(
  v: Record<string, unknown>,
  keys: string[],
  end: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < end; i++) {
    const key = keys[i]!;
    const item = v[key];
    if (item !== undefined) out[key] = item;
  }
  return out;
}

function unreadableMarker(error: unknown): string {
  const reason = error instanceof Error ? error.message : "unknown error";
  return `[unreadable value: ${cut(reason, 200).replace(LONE_SURROGATES, "\uFFFD")}]`;
}

function toPlain(v: object): unknown {
  if (v instanceof Number || v instanceof Boolean || v instanceof String || v instanceof BigInt) {
    return v.valueOf();
  }
  if (ArrayBuffer.isView(v)) {
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice().buffer;
  }
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return toJSON.call(v);
  if (v instanceof Map) {
    return Object.fromEntries([...v].map(([k, x]) => [safeString(k), x]));
  }
  if (v instanceof Set) return [...v];
  const text = String(v);
  return text.startsWith("[object ") ? { ...v } : text;
}

/** Size over the limit: shorten the longest strings, or fall back to a preview. */
function shrink(
  value: StorableValue,
  size: number,
  maxBytes: number,
  levels: number,
  partial: boolean,
): { value: StorableValue; note: string } {
  const strings: string[] = [];
  collectStrings(value, strings);
  const bytes = strings.map(utf8Length);
  const sizeWithCap = (cap: number) => {
    let total = size;
    strings.forEach((s, i) => {
      if (s.length <= cap) return;
      const short = shorten(s, cap);
      // ASCII text (bytes === length) needs no byte count.
      const shortBytes = bytes[i] === s.length ? short.length : utf8Length(short);
      total -= Math.max(0, bytes[i]! - shortBytes);
    });
    return total;
  };
  if (strings.length > 0 && sizeWithCap(0) <= maxBytes) {
    // The largest cap that fits: sizeWithCap grows with cap.
    let low = 0;
    let high = strings.reduce((longest, s) => Math.max(longest, s.length), 0);
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (sizeWithCap(mid) <= maxBytes) low = mid;
      else high = mid - 1;
    }
    let count = 0;
    const capped = capStrings(value, low, () => count++);
    if (convexSize(capped) <= maxBytes) {
      return {
        value: capped,
        note: `shortened ${count} long ${count === 1 ? "string" : "strings"} to ${low} characters to fit in ${maxBytes} bytes`,
      };
    }
  }
  return {
    value: preview(value, size, maxBytes, levels),
    note: `replaced the value (${partial ? "over " : ""}${size} bytes) with a preview: it does not fit in ${maxBytes} bytes`,
  };
}

function preview(value: StorableValue, size: number, maxBytes: number, levels: number): StorableValue {
  let json = "";
  try {
    json = JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "";
  } catch {
    // Keep the empty preview.
  }
  const shell = { truncated: true, preview: "", originalBytes: size };
  const room = maxBytes - (levels >= 1 ? convexSize(shell) : 2);
  if (room < 0) return null;
  // At most 3 UTF-8 bytes per UTF-16 unit.
  const text = cut(json, Math.min(PREVIEW_CHARS, Math.floor(room / 3)));
  return levels >= 1 ? { ...shell, preview: text } : text;
}

function collectStrings(value: StorableValue, into: string[]): void {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) collectStrings(value[key] as StorableValue, into);
  }
}

function capStrings(value: StorableValue, cap: number, onShorten: () => void): StorableValue {
  if (typeof value === "string") {
    if (value.length <= cap) return value;
    const short = shorten(value, cap);
    if (utf8Length(short) >= utf8Length(value)) return value;
    onShorten();
    return short;
  }
  if (Array.isArray(value)) return value.map((item) => capStrings(item, cap, onShorten));
  if (isPlainObject(value)) {
    const out: Record<string, StorableValue> = {};
    for (const key of Object.keys(value)) {
      const item = value[key] as StorableValue | undefined;
      if (item !== undefined) out[key] = capStrings(item, cap, onShorten);
    }
    return out;
  }
  return value;
}

function shorten(s: string, cap: number): string {
  const prefix = cut(s, cap);
  return `${prefix}...[truncated ${s.length - prefix.length} chars]`;
}

/** The first `n` UTF-16 units of `s`, without splitting a surrogate pair. */
function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  const end = n > 0 && isHighSurrogate(s.charCodeAt(n - 1)) ? n - 1 : n;
  return s.slice(0, end);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function kindOf(v: object): string {
  try {
    return Object.prototype.toString.call(v).slice(8, -1);
  } catch {
    return "object";
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof ArrayBuffer) return "bytes";
  const type = typeof v;
  return type === "object" ? "an object" : `a ${type}`;
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return "[unprintable]";
  }
}

function show(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
}
