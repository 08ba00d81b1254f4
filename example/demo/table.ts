/**
 * A small text table for the demo's terminal output: box-drawing borders,
 * columns wrapped at a maximum width, a separator line between rows.
 */

export type Column = { title: string; width: number };

/** Splits `text` into lines of at most `width` characters, at spaces when it can. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      let rest = word;
      while (rest.length > 0) {
        const room = line.length === 0 ? width : width - line.length - 1;
        if (rest.length <= room) {
          line = line.length === 0 ? rest : `${line} ${rest}`;
          rest = "";
        } else if (line.length > 0) {
          lines.push(line);
          line = "";
        } else {
          lines.push(rest.slice(0, width));
          rest = rest.slice(width);
        }
      }
    }
    lines.push(line);
  }
  return lines;
}

/** Renders `rows` (one string per column; "\n" starts a new line) as lines of text. */
export function renderTable(columns: Column[], rows: string[][]): string[] {
  const widths = columns.map((column, i) =>
    Math.max(
      column.title.length,
      ...rows.map((row) => Math.max(...wrap(row[i] ?? "", column.width).map((l) => l.length))),
    ),
  );
  const rule = (left: string, mid: string, right: string) =>
    left + widths.map((w) => "─".repeat(w + 2)).join(mid) + right;
  const line = (cells: string[]) =>
    "│" + cells.map((cell, i) => ` ${cell.padEnd(widths[i])} `).join("│") + "│";
  const out = [rule("┌", "┬", "┐"), line(columns.map((c) => c.title)), rule("├", "┼", "┤")];
  rows.forEach((row, r) => {
    if (r > 0) out.push(rule("├", "┼", "┤"));
    const cells = columns.map((column, i) => wrap(row[i] ?? "", column.width));
    const height = Math.max(...cells.map((c) => c.length));
    for (let l = 0; l < height; l++) out.push(line(cells.map((c) => c[l] ?? "")));
  });
  out.push(rule("└", "┴", "┘"));
  return out;
}
