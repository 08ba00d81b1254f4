/**
 * Case-insensitive comparison as EventBridge's matcher (aws/event-ruler)
 * does it: each character of the pattern matches its own lower-case or its
 * own upper-case form, taken one character at a time. A character whose
 * upper case is several characters ("ΰ" is "Ϋ́") matches those; the reverse
 * does not hold ("Ϋ́" in a pattern is three characters, none of which is
 * "ΰ"). Whole-string lower-casing would answer differently for such text.
 * Pure: no database, no ctx.
 */

/** A pattern prepared for case-insensitive matching: per character, its forms. */
export type CaseForms = string[][];

/** The lower- and upper-case forms of each character (code point) of `pattern`. */
export function caseForms(pattern: string): CaseForms {
  return Array.from(pattern, (char) => {
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    return lower === upper ? [lower] : [lower, upper];
  });
}

/** Whether `text` is `forms` exactly, each character in one of its forms. */
export function equalsIgnoringCase(forms: CaseForms, text: string): boolean {
  return forwardEnds(forms, text).has(text.length);
}

/** Whether `text` starts with `forms`, each character in one of its forms. */
export function startsWithIgnoringCase(forms: CaseForms, text: string): boolean {
  return forwardEnds(forms, text).size > 0;
}

/** Whether `text` ends with `forms`, each character in one of its forms. */
export function endsWithIgnoringCase(forms: CaseForms, text: string): boolean {
  // Walk back from the end: the set of positions where the unmatched rest
  // of the text ends. Forms differ in length, so several may be live.
  let starts = new Set([text.length]);
  for (let i = forms.length - 1; i >= 0 && starts.size > 0; i--) {
    const next = new Set<number>();
    for (const end of starts) {
      for (const form of forms[i]!) {
        const start = end - form.length;
        if (start >= 0 && text.startsWith(form, start)) next.add(start);
      }
    }
    starts = next;
  }
  return starts.size > 0;
}

/** The positions at which a prefix of `text` matching all of `forms` can end. */
function forwardEnds(forms: CaseForms, text: string): Set<number> {
  let ends = new Set([0]);
  for (let i = 0; i < forms.length && ends.size > 0; i++) {
    const next = new Set<number>();
    for (const start of ends) {
      for (const form of forms[i]!) {
        if (text.startsWith(form, start)) next.add(start + form.length);
      }
    }
    ends = next;
  }
  return ends;
}
