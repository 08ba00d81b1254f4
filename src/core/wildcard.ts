/**
 * EventBridge wildcards: `*` matches any run of characters (possibly empty),
 * `\*` a literal star and `\\` a literal backslash. Pure: no database, no ctx.
 */

/**
 * Why `wildcard` is not a wildcard EventBridge accepts, or null: it refuses
 * two stars in a row and a backslash before anything but `*` or `\`.
 */
export function wildcardProblem(wildcard: string): string | null {
  for (let i = 0; i < wildcard.length; i++) {
    const ch = wildcard[i];
    if (ch === "*" && wildcard[i + 1] === "*") {
      return `"wildcard" may not have two "*" in a row`;
    }
    if (ch === "\\") {
      const next = wildcard[i + 1];
      if (next !== "*" && next !== "\\") {
        return `"wildcard" allows a backslash only before "*" or "\\" (to match a literal star or backslash)`;
      }
      i++;
    }
  }
  return null;
}

/**
 * A linear-time matcher for a valid wildcard (see `wildcardProblem`): the
 * literal segments between stars must appear in order, the first at the
 * start and the last at the end; middle segments are found greedily
 * (leftmost), which is exact for star-only globs. No regex, so no
 * backtracking.
 */
export function compileWildcard(wildcard: string): (text: string) => boolean {
  const segments: string[] = [];
  let current = "";
  for (let i = 0; i < wildcard.length; i++) {
    const ch = wildcard[i];
    if (ch === "\\") {
      current += wildcard[i + 1];
      i++;
    } else if (ch === "*") {
      segments.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  segments.push(current);
  if (segments.length === 1) {
    const literal = segments[0];
    return (text) => text === literal;
  }
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1).filter((segment) => segment.length > 0);
  const minLength = segments.reduce((sum, segment) => sum + segment.length, 0);
  return (text) => {
    if (text.length < minLength || !text.startsWith(first) || !text.endsWith(last)) {
      return false;
    }
    const end = text.length - last.length;
    let position = first.length;
    for (const segment of middle) {
      const index = text.indexOf(segment, position);
      if (index < 0 || index + segment.length > end) return false;
      position = index + segment.length;
    }
    return true;
  };
}
