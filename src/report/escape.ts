/**
 * Escaping for values that come from experiment files and services (descriptions, parameter values, failure
 * reasons) before they go into GitHub-flavoured Markdown. Every such value passes through one of these
 * functions, so no value can add a table cell, end a table row, open an HTML tag or leave a code span.
 */

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Escapes `&`, `<`, `>` and `"` as HTML entities. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, (character) => HTML_ENTITIES[character] ?? character);
}

/** Splits on CR LF, CR or LF, so a value from Windows or old Mac tools breaks lines the same way. */
function splitLines(value: string): string[] {
  return value.split(/\r\n|\r|\n/);
}

/**
 * Escapes a plain-text value for a table cell or a line of Markdown.
 *
 * Backslashes and the Markdown punctuation that starts emphasis, links and code spans get a backslash, so
 * the value is shown as written. A pipe becomes `\|`, which GFM tables read as a literal pipe, and a line
 * break becomes `<br>`, because a table row ends at the first line break.
 */
export function escapeCell(value: string): string {
  const lines = splitLines(value).map((line) => {
    const markdownSafe = line.replace(/[\\`*_[\]~|]/g, (character) => `\\${character}`);
    return escapeHtml(markdownSafe);
  });
  return lines.join('<br>');
}

/** Returns the length of the longest run of backticks in `value`. */
function longestBacktickRun(value: string): number {
  let longest = 0;
  for (const run of value.match(/`+/g) ?? []) {
    longest = Math.max(longest, run.length);
  }
  return longest;
}

/**
 * Wraps one line in a code span whose delimiter is longer than any backtick run inside it, so a backtick in
 * the value cannot close the span (CommonMark code spans end only at a run of the same length).
 */
function codeSpanLine(line: string): string {
  const fence = '`'.repeat(longestBacktickRun(line) + 1);
  const padded = line.startsWith('`') || line.endsWith('`') ? ` ${line} ` : line;
  return `${fence}${padded}${fence}`;
}

/**
 * Renders a value as inline code. A code span cannot hold `<br>`, so each line of a multi-line value becomes
 * its own span, joined by `<br>`.
 *
 * In a table cell (`inTable`), pipes are escaped as `\|`, which a GFM table reads as a literal pipe even
 * inside a code span. Outside a table the same `\|` would be shown with its backslash, so it is left as is.
 * HTML is not interpreted inside a code span, so nothing else needs escaping.
 */
export function inlineCode(value: string, { inTable = false }: { inTable?: boolean } = {}): string {
  const spans = splitLines(value).map((line) => {
    if (line === '') return '';
    return codeSpanLine(inTable ? line.replace(/\|/g, '\\|') : line);
  });
  return spans.join('<br>');
}

/** Truncates `value` to at most `maxCharacters` code points, ending it with `…` when it was longer. */
export function truncate(value: string, maxCharacters: number): string {
  const codePoints = Array.from(value);
  if (codePoints.length <= maxCharacters) return value;
  return `${codePoints.slice(0, maxCharacters - 1).join('')}…`;
}

/**
 * Renders a multi-line value (a failure reason, a log excerpt) as a fenced code block. The fence is longer
 * than any backtick run in the value, so the value cannot end the block early.
 */
export function codeBlock(value: string): string {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(value) + 1));
  const lines = splitLines(value).join('\n');
  return `${fence}text\n${lines}\n${fence}`;
}

/**
 * Renders a URL as a Markdown link, or returns `undefined` when it is not an http(s) URL, so a value from a
 * service cannot become a `javascript:` link or break the link syntax.
 */
export function markdownLink(text: string, url: string | undefined): string | undefined {
  if (url === undefined) return undefined;

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;

  // URL.href percent-encodes spaces and quotes; parentheses are encoded here so that they cannot end the link.
  const href = parsed.href.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\|/g, '%7C');
  return `[${escapeCell(text)}](${href})`;
}
