import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangedFile, FileSource } from '../flow/sources.js';
import type { Plan } from './plan.js';

function git(repoRoot: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Commit the working tree as it is now, tracked and untracked files but not ignored ones. A temporary index
 * leaves the user's index, branches and stash alone. The commit gives the local run a real SHA for the
 * MLflow tags and lets every file be read with `git show`. A clean tree returns HEAD.
 */
export function snapshotWorkingTree(repoRoot: string): string {
  const head = git(repoRoot, ['rev-parse', 'HEAD']);
  const directory = mkdtempSync(join(tmpdir(), 'experiment-pr-index-'));
  try {
    const index = join(directory, 'index');
    const gitIndex = git(repoRoot, ['rev-parse', '--git-path', 'index']);
    const indexPath = join(repoRoot, gitIndex);
    if (existsSync(indexPath)) copyFileSync(indexPath, index);
    const env = { GIT_INDEX_FILE: index };
    git(repoRoot, ['add', '--all'], env);
    const tree = git(repoRoot, ['write-tree'], env);
    if (tree === git(repoRoot, ['rev-parse', 'HEAD^{tree}'])) return head;
    return git(repoRoot, ['commit-tree', tree, '-p', head, '-m', 'sagemaker-experiment-pr: working tree of a local run'], {
      GIT_AUTHOR_NAME: 'sagemaker-experiment-pr',
      GIT_AUTHOR_EMAIL: 'local@sagemaker-experiment-pr.invalid',
      GIT_COMMITTER_NAME: 'sagemaker-experiment-pr',
      GIT_COMMITTER_EMAIL: 'local@sagemaker-experiment-pr.invalid',
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Experiment files read from the local git repository, with `git show COMMIT:PATH`. */
export class GitFileSource implements FileSource {
  constructor(private readonly repoRoot: string) {}

  async changedFiles(plan: Plan): Promise<ChangedFile[]> {
    if (!plan.baseSha) return [];
    const output = git(this.repoRoot, ['diff', '--name-status', '--no-renames', plan.baseSha, plan.headSha]);
    const statuses: Record<string, string> = { A: 'added', M: 'modified', D: 'removed', T: 'changed' };
    return output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [status = '', filename = ''] = line.split('\t');
        return { filename, status: statuses[status[0] ?? ''] ?? 'modified' };
      });
  }

  async readFile(path: string, commit: string): Promise<string | undefined> {
    try {
      return execFileSync('git', ['show', `${commit}:${path}`], { cwd: this.repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    } catch {
      return undefined;
    }
  }
}

export interface LocalPlanOptions {
  repoRoot: string;
  /** The branch or commit to compare with, `main` by default. */
  base: string;
  /** Experiment files named on the command line; otherwise the ones that differ from the base. */
  paths: string[];
}

/** Build the local command's plan: the working tree against the base branch, as a pull request would be. */
export function planLocal(options: LocalPlanOptions): Plan {
  const { repoRoot } = options;
  let baseSha: string;
  try {
    baseSha = git(repoRoot, ['rev-parse', '--verify', `${options.base}^{commit}`]);
  } catch {
    throw new Error(`The base "${options.base}" is not a branch or commit of ${repoRoot}; pass an existing one with --base, for example --base HEAD`);
  }
  const headSha = snapshotWorkingTree(repoRoot);
  // Uncommitted changes are on no branch: their runs must never count as a baseline of the branch.
  let headRef = 'working-tree';
  if (headSha === git(repoRoot, ['rev-parse', 'HEAD'])) {
    try {
      headRef = git(repoRoot, ['symbolic-ref', '--short', 'HEAD']);
    } catch {
      // A detached HEAD has no branch name.
    }
  }

  const remote = (() => {
    try {
      return git(repoRoot, ['config', '--get', 'remote.origin.url']);
    } catch {
      return '';
    }
  })();
  const match = /[/:]([^/:]+)\/([^/]+?)(\.git)?$/.exec(remote);

  return {
    door: 'local',
    owner: match?.[1] ?? 'local',
    repo: match?.[2] ?? 'repository',
    headSha,
    headRef,
    baseSha,
    baseRef: options.base,
    selection: options.paths.length > 0 ? { kind: 'paths', paths: options.paths } : { kind: 'changed' },
    attempt: '1',
  };
}
