import { createHash } from 'node:crypto';
import type { JobContext } from './oidc.js';
import {
  GITHUB_ACTIONS_BOT,
  type Actor,
  type CommentState,
  type CheckRunState,
  type Commit,
  type PullRequestOptions,
  type PullRequestState,
  type RepositoryOptions,
  type RepositoryState,
  type RoleName,
  type TokenGrant,
} from './records.js';

export * from './records.js';

export function repositoryKey(fullName: string): string {
  return fullName.toLowerCase();
}

function now(): string {
  // GitHub's timestamps carry whole seconds.
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * In-memory GitHub: repositories with their commits, branches and collaborators, pull requests, issue
 * comments with reactions, and check runs. Tests build it, the stand-in's routes read and change it, and
 * tests inspect it afterwards.
 */
export class GitHubState {
  readonly repositories = new Map<string, RepositoryState>();
  /** Commit SHA → commit. SHAs are global, like object ids in a repository network of forks. */
  readonly commits = new Map<string, Commit>();
  readonly comments: CommentState[] = [];
  readonly checkRuns: CheckRunState[] = [];
  /** Tokens with a grant of their own. Any other token acts as `defaultActor` with write access. */
  readonly tokens = new Map<string, TokenGrant>();
  defaultActor: Actor = GITHUB_ACTIONS_BOT;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN → the job whose ID tokens the stand-in issues for it. */
  readonly jobs = new Map<string, JobContext>();

  private nextId = 1000;

  newId(): number {
    this.nextId += 1;
    return this.nextId;
  }

  addRepository(fullName: string, options: RepositoryOptions = {}): RepositoryState {
    const [owner, name] = fullName.split('/');
    if (!owner || !name) throw new Error(`repository name ${JSON.stringify(fullName)} is not of the form owner/name`);

    const repository: RepositoryState = {
      owner,
      name,
      id: this.newId(),
      defaultBranch: options.defaultBranch ?? 'main',
      private: options.private ?? true,
      fork: options.fork ?? false,
      branches: new Map(),
      collaborators: new Map(),
      nextNumber: 1,
      issues: new Set(),
      pulls: new Map(),
    };
    this.repositories.set(repositoryKey(fullName), repository);
    return repository;
  }

  repository(fullName: string): RepositoryState | undefined {
    return this.repositories.get(repositoryKey(fullName));
  }

  requireRepository(fullName: string): RepositoryState {
    const repository = this.repository(fullName);
    if (!repository) throw new Error(`the stand-in has no repository ${fullName}: call state.addRepository first`);
    return repository;
  }

  /**
   * Stores a commit whose tree is its parent's tree with `changes` applied (null removes a path), and moves
   * `branch` to it when given. Returns the SHA, a 40-hex-digit hash of the tree and the parent.
   */
  addCommit(
    changes: Record<string, string | Buffer | null>,
    options: { parent?: string; repository?: string; branch?: string; message?: string } = {},
  ): string {
    const parent = options.parent ? this.requireCommit(options.parent) : undefined;
    const files = new Map(parent?.files ?? []);
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) files.delete(path);
      else files.set(path, content);
    }

    const hash = createHash('sha1');
    hash.update(`parent ${parent?.sha ?? ''}\nmessage ${options.message ?? ''}\n`);
    for (const [path, content] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(`${path}\0`);
      hash.update(content);
      hash.update('\0');
    }
    // Two commits with the same tree and parent would collide, so a counter keeps each one distinct.
    hash.update(String(this.newId()));
    const sha = hash.digest('hex');

    this.commits.set(sha, { sha, parents: parent ? [parent.sha] : [], message: options.message ?? 'commit', files });
    if (options.branch) {
      const repository = this.requireRepository(options.repository ?? this.onlyRepositoryName());
      repository.branches.set(options.branch, sha);
    }
    return sha;
  }

  requireCommit(sha: string): Commit {
    const commit = this.commits.get(sha);
    if (!commit) throw new Error(`the stand-in has no commit ${sha}: create it with state.addCommit`);
    return commit;
  }

  /** Resolves a SHA, a branch name, or `refs/heads/<branch>` / `heads/<branch>` to a commit of `repository`. */
  resolveRef(repository: RepositoryState, ref: string): Commit | undefined {
    const branch = ref.replace(/^refs\//, '').replace(/^heads\//, '');
    const sha = repository.branches.get(branch) ?? ref;
    return this.commits.get(sha);
  }

  setCollaborator(fullName: string, login: string, role: RoleName): void {
    this.requireRepository(fullName).collaborators.set(login.toLowerCase(), role);
  }

  addPullRequest(fullName: string, options: PullRequestOptions): PullRequestState {
    const repository = this.requireRepository(fullName);
    this.requireCommit(options.head);
    this.requireCommit(options.base);

    const number = options.number ?? repository.nextNumber;
    repository.nextNumber = Math.max(repository.nextNumber, number + 1);
    const user = options.user ?? { login: 'octocat', id: 583231, type: 'User' };
    const pull: PullRequestState = {
      number,
      id: this.newId(),
      title: options.title ?? `Change experiments (#${number})`,
      state: 'open',
      user,
      headSha: options.head,
      headRef: options.headRef ?? `change-${number}`,
      headRepository: options.fromFork ? `${user.login}/${repository.name}` : `${repository.owner}/${repository.name}`,
      baseSha: options.base,
      baseRef: options.baseRef ?? repository.defaultBranch,
      createdAt: now(),
    };
    repository.pulls.set(number, pull);
    return pull;
  }

  /** Creates the merge commit of a pull request (head's tree over base), as GitHub does for `pull_request` runs. */
  mergeCommit(fullName: string, number: number): string {
    const pull = this.requirePull(fullName, number);
    if (!pull.mergeCommitSha) {
      const head = this.requireCommit(pull.headSha);
      const changes = Object.fromEntries(head.files);
      pull.mergeCommitSha = this.addCommit(changes, { parent: pull.baseSha, message: `Merge ${pull.headSha} into ${pull.baseSha}` });
    }
    return pull.mergeCommitSha;
  }

  /** Pushes a new head commit to a pull request's branch, as a `synchronize` event follows. */
  pushToPull(fullName: string, number: number, changes: Record<string, string | Buffer | null>): string {
    const pull = this.requirePull(fullName, number);
    pull.headSha = this.addCommit(changes, { parent: pull.headSha, message: 'update' });
    pull.mergeCommitSha = undefined;
    return pull.headSha;
  }

  requirePull(fullName: string, number: number): PullRequestState {
    const pull = this.requireRepository(fullName).pulls.get(number);
    if (!pull) throw new Error(`the stand-in has no pull request #${number} in ${fullName}: call state.addPullRequest first`);
    return pull;
  }

  /** Opens a plain issue (not a pull request) and returns its number. */
  addIssue(fullName: string): number {
    const repository = this.requireRepository(fullName);
    const number = repository.nextNumber;
    repository.nextNumber += 1;
    repository.issues.add(number);
    return number;
  }

  addComment(fullName: string, issueNumber: number, body: string, user: Actor): CommentState {
    const time = now();
    const comment: CommentState = {
      id: this.newId(),
      repository: repositoryKey(fullName),
      issueNumber,
      body,
      user,
      createdAt: time,
      updatedAt: time,
      reactions: [],
    };
    this.comments.push(comment);
    return comment;
  }

  /** Returns the comments of one issue or pull request, oldest first. */
  commentsOn(fullName: string, issueNumber: number): CommentState[] {
    return this.comments.filter((c) => c.repository === repositoryKey(fullName) && c.issueNumber === issueNumber);
  }

  /** Returns the check runs of a repository, oldest first, optionally for one head SHA. */
  checkRunsFor(fullName: string, headSha?: string): CheckRunState[] {
    return this.checkRuns.filter((run) => run.repository === repositoryKey(fullName) && (!headSha || run.headSha === headSha));
  }

  /** Registers a token with its own identity and access, such as a fork pull request's read-only token. */
  grantToken(token: string, grant: TokenGrant): void {
    this.tokens.set(token, grant);
  }

  grantFor(token: string): TokenGrant {
    return this.tokens.get(token) ?? { actor: this.defaultActor, access: 'write' };
  }

  private onlyRepositoryName(): string {
    const [only, ...rest] = this.repositories.values();
    if (!only || rest.length > 0) throw new Error('addCommit needs options.repository when a branch is given and the stand-in has several repositories');
    return `${only.owner}/${only.name}`;
  }
}

export { now as timestamp };
