/**
 * The work that one door of the bot (a pull request, a `/rerun` comment, a check's re-run button, a push to
 * main, the local command) requests from the shared steps. The steps do not know which door built it.
 */
export interface Plan {
  door: 'pull_request' | 'issue_comment' | 'check_run' | 'push' | 'schedule' | 'local';
  owner: string;
  repo: string;
  /** The commit whose experiment files run: the pull request's head, never a merge commit. */
  headSha: string;
  /** Branch name of the head, for the `mlflow.source.git.branch` tag. */
  headRef: string;
  /** The commit to compare with; for a pull request, its base commit. Absent for a push to main. */
  baseSha?: string;
  baseRef?: string;
  /** For a push: the commit before it, to list the files the push changed. */
  changedSince?: string;
  pullRequest?: {
    number: number;
    /** True when the head branch lives in a fork, which gets no OIDC token and no secrets. */
    fromFork: boolean;
    htmlUrl?: string;
  };
  /**
   * The experiment files to run. `changed` means the files that the pull request (or push) changed and that
   * match the `experiments` input. A list names them, for a `/rerun path` command or a check's re-run button.
   */
  selection: { kind: 'changed' } | { kind: 'paths'; paths: string[] } | { kind: 'failed' };
  /**
   * The attempt key, `1` for a pull request's own run. `/rerun` and the re-run button make a new key from
   * the comment or check run id, so the pipeline really runs again. A re-run of the same workflow keeps the
   * key and gets the same execution back.
   */
  attempt: string;
  /** The reason the plan runs nothing (for example a fork's pull request), reported as a neutral check. */
  notStartedReason?: string;
  /** The comment that asked for the run, to react to when it ends. */
  commandCommentId?: number;
}
