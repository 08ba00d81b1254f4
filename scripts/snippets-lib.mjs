/**
 * The pure part of scripts/snippets.mjs: finding the code blocks of a
 * Markdown file and their markers, extracting regions of source files, and
 * comparing the two. No I/O, so that scripts/snippets.test.ts can test it.
 *
 * A marker is an HTML comment on the last non-blank line before a fenced
 * block: `<!-- snippet: <path>#<region> -->`, or `<!-- snippet: <path> -->`
 * for a whole file. A region is the lines between `// #region <name>` and
 * `// #endregion <name>` (a bare `// #endregion` closes the innermost).
 */

/** The languages whose blocks must carry a marker. */
export const CHECKED_LANGUAGES = new Set(["ts", "typescript", "tsx"]);

const MARKER = /^\s*<!--\s*snippet:\s*(\S+)\s*-->\s*$/;
const REGION_START = /^\s*\/\/\s*#region\b[ \t]*(.*?)\s*$/;
const REGION_END = /^\s*\/\/\s*#endregion\b[ \t]*(.*?)\s*$/;
const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})(.*)$/;
const REGION_NAME = /^[\w.-]+$/;

/** Lines of a text, with any line ending. */
export function splitLines(text) {
  return text.replace(/\r\n?/g, "\n").split("\n");
}

/** `path#region` as `{ path, region }` (`region` null for a whole file). */
export function parseTarget(target) {
  const hash = target.indexOf("#");
  if (hash === -1) return { path: target, region: null };
  return { path: target.slice(0, hash), region: target.slice(hash + 1) };
}

/**
 * The fenced code blocks of a Markdown text, each with the marker above it
 * (null when none). `line` is the 1-based line of the opening fence;
 * `content` has the fence's indentation removed, as Markdown renders it.
 * Markers that no block follows are returned in `strayMarkers`.
 */
export function findBlocks(markdown) {
  const lines = splitLines(markdown);
  const blocks = [];
  const markers = new Map();
  for (let i = 0; i < lines.length; i++) {
    const markerLine = MARKER.exec(lines[i]);
    if (markerLine) {
      markers.set(i, markerLine[1]);
      continue;
    }
    const open = FENCE_OPEN.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, rest] = open;
    // A backtick fence's info string may not hold a backtick (that is inline code).
    if (fence[0] === "`" && rest.includes("`")) continue;
    const lang = (rest.trim().split(/\s+/)[0] ?? "").toLowerCase();
    const close = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    const content = lines.slice(i + 1, end).map((line) => stripIndent(line, indent.length));
    let above = i - 1;
    while (above >= 0 && lines[above].trim() === "") above--;
    let marker = null;
    if (above >= 0 && markers.has(above)) {
      marker = { ...parseTarget(markers.get(above)), line: above + 1 };
      markers.delete(above);
    }
    blocks.push({ line: i + 1, endLine: end + 1, indent, lang, content, marker, closed: end < lines.length });
    i = end;
  }
  const strayMarkers = [...markers].map(([index, target]) => ({ ...parseTarget(target), line: index + 1 }));
  return { blocks, strayMarkers };
}

/** Removes up to `count` leading spaces (Markdown's rule for fenced block content). */
function stripIndent(line, count) {
  let i = 0;
  while (i < count && line[i] === " ") i++;
  return line.slice(i);
}

/** Lines with blank ones emptied, edge blank lines dropped and the common indentation removed. */
export function dedent(lines) {
  const cleaned = lines.map((line) => (line.trim() === "" ? "" : line.trimEnd()));
  let start = 0;
  let end = cleaned.length;
  while (start < end && cleaned[start] === "") start++;
  while (end > start && cleaned[end - 1] === "") end--;
  const body = cleaned.slice(start, end);
  const indents = body.filter((line) => line !== "").map((line) => /^\s*/.exec(line)[0].length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return body.map((line) => line.slice(common));
}

/**
 * The lines of `region` in a source text (the whole text when `region` is
 * null), with the markers of nested regions removed and dedented. Returns
 * `{ lines }`, or `{ error }` when the region is missing or the file's
 * markers are malformed.
 */
export function extractRegion(source, region) {
  const lines = splitLines(source);
  const open = [];
  const seen = new Set();
  const captured = [];
  let capturing = region === null;
  let found = region === null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const start = REGION_START.exec(line);
    if (start) {
      const name = start[1];
      if (!REGION_NAME.test(name)) return { error: `line ${i + 1}: "#region" needs a name of letters, digits, _ . -` };
      if (seen.has(name)) return { error: `line ${i + 1}: region "${name}" is defined twice` };
      seen.add(name);
      open.push({ name, line: i + 1 });
      if (name === region) {
        found = true;
        capturing = true;
      }
      continue;
    }
    const end = REGION_END.exec(line);
    if (end) {
      const innermost = open.pop();
      if (!innermost) return { error: `line ${i + 1}: "#endregion" without an open region` };
      if (end[1] !== "" && end[1] !== innermost.name) {
        return { error: `line ${i + 1}: "#endregion ${end[1]}" but the innermost open region is "${innermost.name}"` };
      }
      if (innermost.name === region) capturing = false;
      continue;
    }
    if (capturing) captured.push(line);
  }
  if (open.length > 0) {
    const last = open[open.length - 1];
    return { error: `line ${last.line}: region "${last.name}" is never closed` };
  }
  if (!found) return { error: `no region "${region}"` };
  return { lines: dedent(captured) };
}

/**
 * A block's lines as compared: blank lines emptied, trailing white space
 * and the blank lines at either end dropped. `lead` counts the dropped
 * leading lines, to report block line numbers.
 */
export function normalizeBlock(lines) {
  const cleaned = lines.map((line) => line.trimEnd());
  let lead = 0;
  let end = cleaned.length;
  while (lead < end && cleaned[lead] === "") lead++;
  while (end > lead && cleaned[end - 1] === "") end--;
  return { lines: cleaned.slice(lead, end), lead };
}

/**
 * The first difference between a region's lines (`expected`) and a block's
 * content (`actual`), or null when they are equal. `index` is 0-based in
 * the block's content.
 */
export function firstDifference(expected, actual) {
  const block = normalizeBlock(actual);
  const length = Math.max(expected.length, block.lines.length);
  for (let i = 0; i < length; i++) {
    if (expected[i] !== block.lines[i]) {
      return {
        index: i + block.lead,
        expected: expected[i],
        actual: block.lines[i],
        expectedLines: expected.length,
        actualLines: block.lines.length,
      };
    }
  }
  return null;
}

/**
 * Checks (or, with `write`, rewrites) the marked blocks of one Markdown
 * text. `loadSource(path)` returns `{ text }` or `{ error }`. Returns the
 * problems, each `{ line, message, detail? }`, and the text (rewritten when
 * `write` and a block changed).
 */
export function processMarkdown(markdown, { loadSource, write = false }) {
  const { blocks, strayMarkers } = findBlocks(markdown);
  const problems = [];
  const replacements = [];
  for (const marker of strayMarkers) {
    problems.push({ line: marker.line, message: "snippet marker is not followed by a code block" });
  }
  for (const block of blocks) {
    if (!block.closed) {
      problems.push({ line: block.line, message: "code block is never closed" });
      continue;
    }
    if (!block.marker) {
      if (CHECKED_LANGUAGES.has(block.lang)) {
        problems.push({
          line: block.line,
          message: `\`\`\`${block.lang} block without a <!-- snippet: <path>#<region> --> marker`,
        });
      }
      continue;
    }
    const { path, region, line } = block.marker;
    const target = region === null ? path : `${path}#${region}`;
    const source = loadSource(path);
    if (source.error !== undefined) {
      problems.push({ line, message: `${target}: ${source.error}` });
      continue;
    }
    const extracted = extractRegion(source.text, region);
    if (extracted.error !== undefined) {
      problems.push({ line, message: `${path}: ${extracted.error}` });
      continue;
    }
    const difference = firstDifference(extracted.lines, block.content);
    if (!difference) continue;
    if (write) {
      replacements.push({ block, lines: extracted.lines });
      continue;
    }
    const show = (text) => (text === undefined ? "(end of block)" : JSON.stringify(text));
    problems.push({
      line: block.line + 1 + difference.index,
      message: `block differs from ${target} (block line ${difference.index + 1})`,
      detail: [
        `source: ${show(difference.expected)}`,
        `block:  ${show(difference.actual)}`,
        `(${difference.expectedLines} lines in the source, ${difference.actualLines} in the block)`,
      ],
    });
  }
  if (replacements.length === 0) return { problems, text: markdown, changed: 0 };
  const lines = splitLines(markdown);
  // From the end, so earlier line numbers stay valid.
  for (const { block, lines: code } of replacements.reverse()) {
    const indented = code.map((text) => (text === "" ? "" : block.indent + text));
    lines.splice(block.line, block.endLine - block.line - 1, ...indented);
  }
  return { problems, text: lines.join("\n"), changed: replacements.length };
}
