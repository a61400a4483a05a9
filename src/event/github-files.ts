import type { getOctokit } from '@actions/github';
import type { Plan } from './plan.js';
import type { ChangedFile, FileSource } from '../flow/sources.js';

export type Octokit = ReturnType<typeof getOctokit>;

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: number }).status === 404;
}

/**
 * Experiment files through the GitHub API, at the commits the plan names, so that a `/rerun` (whose
 * workflow checks out the default branch) and a fork's pull request read the pull request's own files.
 * Nothing from the files is executed: they are data.
 */
export class GitHubFileSource implements FileSource {
  constructor(
    private readonly octokit: Octokit,
    private readonly owner: string,
    private readonly repo: string,
  ) {}

  async changedFiles(plan: Plan): Promise<ChangedFile[]> {
    if (plan.pullRequest) {
      // GitHub lists at most 3,000 files of a pull request, 100 per page.
      const files = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, {
        owner: this.owner,
        repo: this.repo,
        pull_number: plan.pullRequest.number,
        per_page: 100,
      });
      return files.map((file) => ({ filename: file.filename, status: file.status }));
    }

    if (plan.changedSince) {
      // NOTE: the compare API lists at most 300 files; a push that changes more experiments runs the first 300.
      const comparison = await this.octokit.rest.repos.compareCommitsWithBasehead({
        owner: this.owner,
        repo: this.repo,
        basehead: `${plan.changedSince}...${plan.headSha}`,
        per_page: 100,
      });
      return (comparison.data.files ?? []).map((file) => ({ filename: file.filename, status: file.status }));
    }
    return [];
  }

  async readFile(path: string, commit: string): Promise<string | undefined> {
    try {
      const response = await this.octokit.rest.repos.getContent({ owner: this.owner, repo: this.repo, path, ref: commit });
      const data = response.data as { type?: string; content?: string; encoding?: string };
      if (Array.isArray(response.data) || data.type !== 'file') return undefined;
      if (data.encoding === 'base64' && typeof data.content === 'string') {
        return Buffer.from(data.content, 'base64').toString('utf8');
      }
      // Files over 1 MB come without content; ask for the raw bytes instead.
      const raw = await this.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
        owner: this.owner,
        repo: this.repo,
        path,
        ref: commit,
        mediaType: { format: 'raw' },
      });
      return String(raw.data);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
