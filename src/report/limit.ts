/**
 * Fitting Markdown into GitHub's length limits.
 *
 * GitHub documents its limits in "characters" without saying which kind: an issue comment body may have at
 * most 65,536 (the API returns "Body is too long (maximum is 65536 characters)"), and a check run's
 * `output.summary` and `output.text` at most 65,535 each (REST API description). An issue on the REST API
 * description (github/rest-api-description, "Imprecise units in check-run output.summary") reports that the
 * check run limit behaves as a byte limit. So every limit here is measured in UTF-8 bytes,
 * which are never fewer than UTF-16 code units or code points: a text that fits in bytes fits under any of
 * the three readings.
 */

/** Maximum length of an issue or pull request comment body. */
export const COMMENT_MAX_LENGTH = 65_536;

/** Maximum length of a check run's `output.summary` and of its `output.text`. */
export const CHECK_OUTPUT_MAX_LENGTH = 65_535;

/** Maximum size of the job summary of one step: 1 MiB (GitHub Actions documentation, "Job summaries"). */
export const JOB_SUMMARY_MAX_LENGTH = 1024 * 1024;

const encoder = new TextEncoder();

/** Length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** The blocks that a cut must close: open `<details>` blocks and an open fenced code block. */
interface OpenBlocks {
  details: number;
  /** The fence (three or more backticks) of the code block the cut is in, if any. */
  fence?: string;
}

/** Updates `open` for one line. Tags inside a fenced code block are text, so they are not counted. */
function trackLine(line: string, open: OpenBlocks): void {
  const fence = /^(`{3,})/.exec(line)?.[1];
  if (open.fence !== undefined) {
    // CommonMark closes a block with a fence at least as long as the opening one and nothing after it.
    if (fence !== undefined && fence.length >= open.fence.length && line.trim() === fence) {
      open.fence = undefined;
    }
    return;
  }
  if (fence !== undefined) {
    open.fence = fence;
    return;
  }

  // The renderers write `<details>` and `</details>` on lines of their own; values are escaped, so no other
  // line can hold these tags.
  if (/^<details( open)?>$/.test(line.trim())) open.details += 1;
  if (line.trim() === '</details>' && open.details > 0) open.details -= 1;
}

/** Renders the lines that close the open blocks at the cut, then a blank line, then the pointer. */
function closing(open: OpenBlocks, pointer: string): string {
  const lines: string[] = [];
  if (open.fence !== undefined) lines.push(open.fence);
  for (let i = 0; i < open.details; i += 1) lines.push('', '</details>');
  lines.push('', pointer, '');
  return lines.join('\n');
}

/** A text cut to a limit, and whether it had to be cut. */
export interface FitResult {
  text: string;
  cut: boolean;
}

/**
 * Cuts `markdown` to at most `maxBytes` UTF-8 bytes when it is longer, at a line boundary.
 *
 * The cut never falls inside a line, so never inside a table row or an HTML tag. Any `<details>` block or
 * fenced code block that is open at the cut is closed, and `pointer` (one line saying where the rest is)
 * ends the text. The first line (the comment's marker) is always kept.
 */
export function fitMarkdown(markdown: string, maxBytes: number, pointer: string): FitResult {
  if (utf8Length(markdown) <= maxBytes) return { text: markdown, cut: false };

  const lines = markdown.split('\n');
  const open: OpenBlocks = { details: 0 };
  const keptLines: string[] = [];
  let keptBytes = 0;

  for (const [index, line] of lines.entries()) {
    const next: OpenBlocks = { ...open };
    trackLine(line, next);

    const lineBytes = utf8Length(line) + 1;
    const total = keptBytes + lineBytes + utf8Length(closing(next, pointer));
    if (total > maxBytes && index > 0) break;

    keptLines.push(line);
    keptBytes += lineBytes;
    Object.assign(open, next);
  }

  const text = `${keptLines.join('\n')}\n${closing(open, pointer)}`;
  if (utf8Length(text) > maxBytes) {
    throw new Error(
      `cannot fit the report into ${maxBytes} bytes: its first line and the pointer alone are longer; ` +
        'shorten the pointer line',
    );
  }
  return { text, cut: true };
}
