import type { ExperimentResult, Report } from './types.js';
import type { ValidationError } from '../experiments/types.js';
import type { Octokit } from './comment.js';
import { truncate } from './escape.js';
import { renderAggregateOutput, renderCheckOutput, type CheckOutput } from './check-output.js';
import { aggregateConclusion, experimentConclusion, type CheckConclusion } from './verdict.js';

/** Default name of the aggregate check run (the `check-name` input), which branch protection can require. */
export const DEFAULT_CHECK_NAME = 'experiment-pr';

/** The Checks API accepts at most 50 annotations per request; further ones go in later updates. */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;

/** Maximum annotation message we send, in characters. The Checks API allows 64 KB, far more than a fix needs. */
const ANNOTATION_MESSAGE_MAX_CHARACTERS = 4_000;

/** Maximum annotation title: the Checks API's limit of 255 characters. */
const ANNOTATION_TITLE_MAX_CHARACTERS = 255;

/**
 * Name of an experiment's check run: the aggregate check's name, a slash, and the file path, for example
 * `experiment-pr / experiments/llama2-lora.json`. It stays the same across runs and commits, so branch
 * protection can require the check of one experiment as well as the aggregate.
 */
export function experimentCheckName(checkName: string, path: string): string {
  return `${checkName} / ${path}`;
}

export interface CreateCheckRequest {
  owner: string;
  repo: string;
  /** The pull request's head commit, never the merge commit that `GITHUB_SHA` is on pull request events. */
  headSha: string;
  name: string;
  /** The page with the whole report, usually the workflow run. */
  detailsUrl?: string;
  /** A reference the action can read back, such as the experiment's path. */
  externalId?: string;
}

export interface CheckRunReference {
  id: number;
  url: string;
}

export interface CompleteCheckRequest {
  owner: string;
  repo: string;
  checkRunId: number;
  detailsUrl?: string;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
}

/** Creates a check run in progress, for an experiment or for the aggregate. */
export async function createExperimentCheck(octokit: Octokit, request: CreateCheckRequest): Promise<CheckRunReference> {
  const { data } = await octokit.rest.checks.create({
    owner: request.owner,
    repo: request.repo,
    head_sha: request.headSha,
    name: request.name,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    ...(request.detailsUrl ? { details_url: request.detailsUrl } : {}),
    ...(request.externalId ? { external_id: request.externalId } : {}),
  });
  return { id: data.id, url: data.html_url ?? data.url };
}

/** Builds one failure annotation per validation error, on the line and column where the error is, with its fix. */
export function annotationsFor(errors: ValidationError[]): Annotation[] {
  return errors.map((error) => {
    // Lines and columns start at 1 in the Checks API; an error about the whole file points at its start.
    const line = Math.max(1, error.line);
    const column = Math.max(1, error.column);
    return {
      path: error.file,
      start_line: line,
      end_line: line,
      start_column: column,
      end_column: column,
      annotation_level: 'failure',
      title: truncate(`${error.rule} (${error.file}:${error.line}:${error.column})`, ANNOTATION_TITLE_MAX_CHARACTERS),
      message: truncate(`${error.message}\nFix: ${error.fix}`, ANNOTATION_MESSAGE_MAX_CHARACTERS),
    };
  });
}

/** Splits annotations into the batches of at most 50 that one request may carry. */
export function annotationBatches(annotations: Annotation[]): Annotation[][] {
  const batches: Annotation[][] = [];
  for (let start = 0; start < annotations.length; start += MAX_ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(start, start + MAX_ANNOTATIONS_PER_REQUEST));
  }
  return batches;
}

/**
 * Updates a check run with its output and, when `conclusion` is set, completes it. Annotations beyond the
 * first 50 go in further updates, which GitHub appends to the ones already there.
 */
async function updateCheck(
  octokit: Octokit,
  request: CompleteCheckRequest,
  conclusion: CheckConclusion | undefined,
  output: CheckOutput,
  annotations: Annotation[],
): Promise<CheckRunReference> {
  const [first = [], ...rest] = annotationBatches(annotations);
  const state = conclusion
    ? { status: 'completed' as const, conclusion, completed_at: new Date().toISOString() }
    : { status: 'in_progress' as const };

  const { data } = await octokit.rest.checks.update({
    owner: request.owner,
    repo: request.repo,
    check_run_id: request.checkRunId,
    ...state,
    ...(request.detailsUrl ? { details_url: request.detailsUrl } : {}),
    output: { ...output, ...(first.length > 0 ? { annotations: first } : {}) },
  });

  for (const batch of rest) {
    await octokit.rest.checks.update({
      owner: request.owner,
      repo: request.repo,
      check_run_id: request.checkRunId,
      output: { title: output.title, summary: output.summary, annotations: batch },
    });
  }
  return { id: data.id, url: data.html_url ?? data.url };
}

/**
 * Completes an experiment's check run with the conclusion of its outcome (see `experimentConclusion`), the
 * result's title and summary, and one annotation per validation error. A `running` result leaves the check
 * in progress with the output updated. Returns the conclusion, or `undefined` while running.
 */
export async function completeExperimentCheck(
  octokit: Octokit,
  request: CompleteCheckRequest,
  result: ExperimentResult,
): Promise<CheckConclusion | undefined> {
  const conclusion = experimentConclusion(result.outcome);
  await updateCheck(octokit, request, conclusion, renderCheckOutput(result), annotationsFor(result.errors));
  return conclusion;
}

export interface AggregateCheckRequest extends CreateCheckRequest {
  /** The aggregate check run that `createExperimentCheck` started; a new one is created when absent. */
  checkRunId?: number;
}

/**
 * Completes the aggregate check (the `check-name` input) for the whole report: success when every experiment
 * passed or no experiment changed, failure when any failed or regressed beyond its allowance (see
 * `aggregateConclusion` for the rest). It stays in progress while an experiment is running.
 */
export async function completeAggregateCheck(
  octokit: Octokit,
  request: AggregateCheckRequest,
  report: Report,
): Promise<{ checkRun: CheckRunReference; conclusion: CheckConclusion | undefined }> {
  const checkRunId = request.checkRunId ?? (await createExperimentCheck(octokit, request)).id;

  const conclusion = aggregateConclusion(report.results);
  const completeRequest = { owner: request.owner, repo: request.repo, checkRunId, detailsUrl: request.detailsUrl };
  const checkRun = await updateCheck(octokit, completeRequest, conclusion, renderAggregateOutput(report), []);
  return { checkRun, conclusion };
}
