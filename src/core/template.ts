/**
 * Action configs are templates: `{{ event.pulseName }}` inside a string is
 * replaced by the value at that path in the run's context. Paths are only
 * looked up (see paths.ts), never evaluated as code. Pure.
 */
import { getPath, tryParsePath, type PathSegment } from "./paths.js";

export type RenderResult =
  | { ok: true; value: unknown }
  | { ok: false; error: string; field: string };

/** Where a template breaks a rule: `field` locates the string in the config. */
export type TemplateProblem = { field: string; error: string };

/**
 * Renders every string inside `value` (arrays and plain objects are walked;
 * object keys are never templated). A string that is exactly one
 * placeholder becomes the raw value (a number stays a number); otherwise
 * values are written as text. A missing value or a placeholder that is not
 * a path is an error naming the field, like `items[2].text`, or "" for the
 * value itself. Never throws, never mutates `value`; parts without
 * placeholders are returned as the same references.
 */
export function renderTemplate(
  value: unknown,
  context: Record<string, unknown>,
): RenderResult {
  try {
    return { ok: true, value: render(value, context, "") };
  } catch (error) {
    if (error instanceof TemplateFailure) {
      return { ok: false, error: error.message, field: error.field };
    }
    throw error;
  }
}

/** Whether any string inside `value` holds a `{{ ... }}` placeholder. */
export function hasPlaceholders(value: unknown): boolean {
  let found = false;
  visitStrings(value, "", (text) => {
    if (!found && scan(text).length > 0) found = true;
  });
  return found;
}

/** Every valid path referenced by a placeholder in `value`, each once, in order. */
export function placeholderPaths(value: unknown): string[] {
  const paths = new Set<string>();
  visitStrings(value, "", (text) => {
    for (const p of scan(text)) if (p.segments) paths.add(p.path);
  });
  return [...paths];
}

/** The first placeholder in `value` whose inner text is not a path, or null. */
export function templateProblem(value: unknown): TemplateProblem | null {
  let problem: TemplateProblem | null = null;
  visitStrings(value, "", (text, field) => {
    if (problem) return;
    const bad = scan(text).find((p) => p.segments === null);
    if (bad) problem = { field, error: invalidMessage(bad) };
  });
  return problem;
}

type Placeholder = {
  start: number;
  end: number;
  /** The inner text, trimmed. */
  path: string;
  segments: readonly PathSegment[] | null;
};

/**
 * Template paths use the path grammar, with names limited to letters,
 * digits and `_ - $ @ : %`: `{{ 1 + 1 }}` or `{{ a('x') }}` is refused
 * rather than looked up as a strange field name.
 */
const TEMPLATE_NAME = /^[\p{L}\p{M}\p{N}_\-$@:%]+$/u;

/** Placeholders in `text`, left to right. `{{` without a later `}}` is literal. */
function scan(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  let open = text.indexOf("{{");
  while (open !== -1) {
    const close = text.indexOf("}}", open + 2);
    if (close === -1) break;
    const path = text.slice(open + 2, close).trim();
    found.push({ start: open, end: close + 2, path, segments: templatePath(path) });
    open = text.indexOf("{{", close + 2);
  }
  return found;
}

function templatePath(path: string): readonly PathSegment[] | null {
  const segments = tryParsePath(path);
  if (segments === null) return null;
  for (const s of segments) {
    if (typeof s === "string" && !TEMPLATE_NAME.test(s)) return null;
  }
  return segments;
}

class TemplateFailure extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

function render(value: unknown, context: unknown, field: string): unknown {
  if (typeof value === "string") return renderString(value, context, field);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const rendered = render(item, context, `${field}[${i}]`);
      if (out === undefined && !Object.is(rendered, item)) out = value.slice(0, i);
      if (out !== undefined) out.push(rendered);
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = value[key];
    const rendered = render(item, context, field ? `${field}.${key}` : key);
    if (out === undefined && !Object.is(rendered, item)) {
      out = {};
      for (let j = 0; j < i; j++) setOwn(out, keys[j]!, value[keys[j]!]);
    }
    if (out !== undefined) setOwn(out, key, rendered);
  }
  return out ?? value;
}

function renderString(text: string, context: unknown, field: string): unknown {
  const placeholders = scan(text);
  if (placeholders.length === 0) return text;
  const values = placeholders.map((p) => lookup(p, context, field));
  const only = placeholders[0]!;
  if (placeholders.length === 1 && only.start === 0 && only.end === text.length) {
    return values[0];
  }
  let out = "";
  let at = 0;
  placeholders.forEach((p, i) => {
    out += text.slice(at, p.start) + asText(values[i], p, field);
    at = p.end;
  });
  return out + text.slice(at);
}

function lookup(p: Placeholder, context: unknown, field: string): unknown {
  if (p.segments === null) throw new TemplateFailure(invalidMessage(p), field);
  const found = getPath(context, p.segments);
  if (!found.found) throw new TemplateFailure(`missing value for {{${p.path}}}`, field);
  return found.value;
}

function invalidMessage(p: Placeholder): string {
  return `{{${p.path}}} is not a path: use dotted names with [n] indexes, like {{event.items[0].name}}`;
}

/** Text form of a value: strings as is, objects as JSON (bigints as strings). */
function asText(value: unknown, p: Placeholder, field: string): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return String(value);
  try {
    const json = JSON.stringify(value, (_key, v) =>
      typeof v === "bigint" ? v.toString() : v,
    ) as string | undefined;
    return json ?? String(value);
  } catch {
    throw new TemplateFailure(`cannot write {{${p.path}}} as text`, field);
  }
}

/** Calls `visit` with every string inside `value` and its field. */
function visitStrings(
  value: unknown,
  field: string,
  visit: (text: string, field: string) => void,
): void {
  if (typeof value === "string") {
    visit(value, field);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => visitStrings(item, `${field}[${i}]`, visit));
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      visitStrings(value[key], field ? `${field}.${key}` : key, visit);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Assigns an own property, even one named `__proto__`. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
