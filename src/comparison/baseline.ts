import { and, attributeEquals, tagEquals } from '../tracking/filter.js';
import { Tag } from '../tracking/tags.js';
import type { Run, TrackingClient } from '../tracking/types.js';

export interface FindBaselineRequest {
  experimentId: string;
  /** Repository-relative path of the experiment file. */
  file: string;
  /** Content hash of the file's version at the pull request's base commit. */
  contentHash: string;
  /** The branch whose runs are baselines, usually `main`. */
  branch: string;
  /** `owner/repo`; set it when several repositories share the MLflow experiment. */
  repository?: string;
  /** `sagemaker` or `local`; set it so that a local run is never compared with a SageMaker run. */
  executor?: 'sagemaker' | 'local';
}

/** Builds the runs/search filter of a baseline: a FINISHED run of the file with the same content hash on the baseline branch. */
export function baselineFilter(request: FindBaselineRequest): string {
  const clauses = [
    tagEquals(Tag.file, request.file),
    tagEquals(Tag.contentHash, request.contentHash),
    tagEquals(Tag.branch, request.branch),
    attributeEquals('status', 'FINISHED'),
  ];
  if (request.repository !== undefined) clauses.push(tagEquals(Tag.repository, request.repository));
  if (request.executor !== undefined) clauses.push(tagEquals(Tag.executor, request.executor));
  return and(...clauses);
}

/**
 * Finds the newest baseline parent run with one runs/search that filters and orders on the server and requests
 * one result, so it finds the run however many runs the experiment has (a client-side scan of MLflow's
 * default page of 1,000 runs misses the 1,001st). Returns undefined when there is none.
 */
export async function findBaseline(client: TrackingClient, request: FindBaselineRequest): Promise<Run | undefined> {
  const page = await client.searchRuns({
    experimentIds: [request.experimentId],
    filter: baselineFilter(request),
    orderBy: ['attributes.start_time DESC'],
    maxResults: 1,
  });
  const run = page.runs[0];
  if (!run) return undefined;

  // A nested run that copied its parent's tags can match too, and a filter cannot exclude it on servers
  // without `IS NULL` on tags, so a nested hit is replaced by its parent when that parent qualifies.
  const parentRunId = run.tags[Tag.parentRunId];
  if (!parentRunId) return run;

  const parent = await client.getRun(parentRunId);
  // NOTE: when the nested hit's parent is still running, an older finished parent run may exist, and this
  // returns undefined instead of finding it. Steps that leave the content-hash tag off nested runs avoid this.
  return isBaselineOf(parent, request) ? parent : undefined;
}

function isBaselineOf(run: Run, request: FindBaselineRequest): boolean {
  return (
    run.info.status === 'FINISHED' &&
    run.tags[Tag.parentRunId] === undefined &&
    run.tags[Tag.file] === request.file &&
    run.tags[Tag.contentHash] === request.contentHash &&
    run.tags[Tag.branch] === request.branch
  );
}
