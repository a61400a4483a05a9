import { createHash } from 'node:crypto';
import type { Commit } from './state.js';

/** One changed file between two commits, in the fields of GitHub's `diff-entry`. */
export interface FileChange {
  filename: string;
  status: 'added' | 'modified' | 'removed';
  additions: number;
  deletions: number;
  changes: number;
  /** Unified diff hunk; absent for binary content, as on GitHub. */
  patch?: string;
  /** Git blob SHA of the file's content at the head commit (at the base commit when removed). */
  sha: string;
}

/** Git's blob id: SHA-1 of `blob <size>\0<content>`, so `sha` fields look like the ones GitHub sends. */
export function blobSha(content: string | Buffer): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function isBinary(content: string | Buffer): boolean {
  return typeof content !== 'string' && content.includes(0);
}

function lines(content: string | Buffer): string[] {
  const text = content.toString();
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/**
 * Builds one hunk around the changed middle of a file: the common leading and trailing lines are cut, and
 * what is left is shown as removed then added. This is not a minimal diff, but the counts match such a hunk.
 */
function hunk(before: string[], after: string[]): { patch: string; additions: number; deletions: number } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start += 1;

  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore -= 1;
    endAfter -= 1;
  }

  const removed = before.slice(start, endBefore);
  const added = after.slice(start, endAfter);
  const header = `@@ -${removed.length ? start + 1 : start},${removed.length} +${added.length ? start + 1 : start},${added.length} @@`;
  const body = [...removed.map((line) => `-${line}`), ...added.map((line) => `+${line}`)];
  return { patch: [header, ...body].join('\n'), additions: added.length, deletions: removed.length };
}

/** Lists the files that differ between two commits, sorted by path as GitHub lists them. */
export function changedFiles(base: Commit, head: Commit): FileChange[] {
  const paths = new Set([...base.files.keys(), ...head.files.keys()]);
  const changes: FileChange[] = [];

  for (const filename of [...paths].sort()) {
    const before = base.files.get(filename);
    const after = head.files.get(filename);
    if (before !== undefined && after !== undefined && Buffer.compare(Buffer.from(before), Buffer.from(after)) === 0) continue;

    let status: FileChange['status'] = 'modified';
    if (before === undefined) status = 'added';
    if (after === undefined) status = 'removed';
    const current = (after ?? before) as string | Buffer;
    if (isBinary(before ?? '') || isBinary(after ?? '')) {
      changes.push({ filename, status, additions: 0, deletions: 0, changes: 0, sha: blobSha(current) });
      continue;
    }

    const { patch, additions, deletions } = hunk(lines(before ?? ''), lines(after ?? ''));
    changes.push({ filename, status, additions, deletions, changes: additions + deletions, patch, sha: blobSha(current) });
  }
  return changes;
}
