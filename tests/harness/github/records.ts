/** The records that the GitHub stand-in stores, in GitHub's terms. */

/** A GitHub account as it appears in `user` fields. */
export interface Actor {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
}

/** Repository roles, from most to least access. `maintain` and `triage` have no legacy `permission` of their own. */
export type RoleName = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

/** The identity of the workflow's GITHUB_TOKEN on github.com: comments it writes show this user. */
export const GITHUB_ACTIONS_BOT: Actor = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

export interface Commit {
  sha: string;
  parents: string[];
  message: string;
  /** Repository-relative path → file content (UTF-8 text or raw bytes). */
  files: Map<string, string | Buffer>;
}

export interface RepositoryState {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  private: boolean;
  fork: boolean;
  /** Branch name → head commit SHA. */
  branches: Map<string, string>;
  collaborators: Map<string, RoleName>;
  /** Number of the next issue or pull request; both share one sequence on GitHub. */
  nextNumber: number;
  /** Issue numbers that are plain issues, not pull requests. */
  issues: Set<number>;
  pulls: Map<number, PullRequestState>;
}

export interface PullRequestState {
  number: number;
  id: number;
  title: string;
  state: 'open' | 'closed';
  user: Actor;
  headSha: string;
  headRef: string;
  /** Full name of the repository the head branch lives in; another one than the base's for a fork. */
  headRepository: string;
  baseSha: string;
  baseRef: string;
  /** The test merge commit that `pull_request` workflows check out (GITHUB_SHA); absent until one is made. */
  mergeCommitSha?: string;
  createdAt: string;
}

export interface ReactionState {
  id: number;
  content: string;
  user: Actor;
  createdAt: string;
}

export interface CommentState {
  id: number;
  repository: string;
  issueNumber: number;
  body: string;
  user: Actor;
  createdAt: string;
  updatedAt: string;
  reactions: ReactionState[];
}

export interface CheckRunOutput {
  title?: string;
  summary?: string;
  text?: string;
  annotations_count: number;
}

export interface CheckRunState {
  id: number;
  repository: string;
  name: string;
  headSha: string;
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  detailsUrl: string | null;
  externalId: string | null;
  output: CheckRunOutput;
  /** Every update, in order, with the request body as sent, so a test can see what a run reported on the way. */
  history: Record<string, unknown>[];
}

/** What a token may do: a fork pull request's GITHUB_TOKEN is read-only on github.com. */
export interface TokenGrant {
  actor: Actor;
  access: 'read' | 'write';
}

export interface RepositoryOptions {
  defaultBranch?: string;
  /** Default true. A user without a role gets permission `none` on a private repository and `read` on a public one. */
  private?: boolean;
  fork?: boolean;
}

export interface PullRequestOptions {
  number?: number;
  head: string;
  base: string;
  headRef?: string;
  baseRef?: string;
  title?: string;
  user?: Actor;
  /** Opens the pull request from `<user>/<repo>`, a fork, instead of a branch of the same repository. */
  fromFork?: boolean;
}
