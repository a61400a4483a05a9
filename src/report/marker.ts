/**
 * The hidden marker on the first line of the bot's pull request comment, for example
 * `<!-- sagemaker-experiment-pr: head=0123…cdef updated=2024-05-01T12:00:00.000Z -->`.
 *
 * An HTML comment is not rendered, so people do not see it. The action finds its own comment by this marker
 * instead of by author, because the author depends on the token (`github-actions[bot]` for GITHUB_TOKEN, a
 * person or an app for others). The head SHA records which commit the comment reports, so that a run for an
 * older head can see that a newer report is already there and leave it alone.
 */

const MARKER_PREFIX = '<!-- sagemaker-experiment-pr:';

/** The fields of a marker. */
export interface CommentMarker {
  /** The pull request head commit that the comment reports (40 hex digits). */
  headSha: string;
  /** When the report was rendered, as an ISO 8601 timestamp. */
  updatedAt: string;
}

/** Renders the marker line. */
export function renderMarker(marker: CommentMarker): string {
  return `${MARKER_PREFIX} head=${marker.headSha} updated=${marker.updatedAt} -->`;
}

/**
 * Reads the marker from a comment body, or returns `undefined` when the body is not a comment of this
 * action.
 *
 * Only the first line counts. A person who quotes the bot's comment starts the line with `>`, and one who
 * mentions the marker in prose does not start the comment with it, so neither is taken for the bot's
 * comment. A marker whose head is not a 40-digit hex SHA still identifies the comment, with an empty head.
 */
export function parseMarker(body: string | null | undefined): CommentMarker | undefined {
  if (!body) return undefined;

  const firstLine = (body.split('\n', 1)[0] ?? '').trim();
  if (!firstLine.startsWith(MARKER_PREFIX) || !firstLine.endsWith('-->')) return undefined;

  const head = /\bhead=([0-9a-f]{40})\b/.exec(firstLine)?.[1];
  const updated = /\bupdated=(\S+)/.exec(firstLine)?.[1];
  return { headSha: head ?? '', updatedAt: updated ?? '' };
}
