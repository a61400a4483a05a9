import { formatParameterValue } from '../experiments/format.js';
import type { Experiment, PipelineParameter } from '../experiments/types.js';
import { errorMessage, type Logger } from '../logging.js';
import { buildStartParameters } from '../pipeline/parameters.js';
import { clientRequestToken, executionDisplayName } from '../pipeline/identity.js';
import type { Executor, ParameterAssignment } from '../pipeline/types.js';
import { and, tagEquals } from '../tracking/filter.js';
import { parentRunTags } from '../tracking/runs.js';
import { Tag } from '../tracking/tags.js';
import type { Run, TrackingClient } from '../tracking/types.js';

/** Everything the launch of one execution needs that does not change between experiments. */
export interface LaunchContext {
  owner: string;
  repo: string;
  serverUrl: string;
  workflowRunUrl?: string;
  executor: Executor;
  tracking: TrackingClient;
  /** MLflow experiment id of the runs. */
  experimentId: string;
  /** The tracking URI the steps log to, passed to the pipeline as MlflowTrackingUri. */
  trackingUri: string;
  declared: PipelineParameter[];
  logger: Logger;
}

/** One version of an experiment file to run: the pull request's, or its base version as the baseline. */
export interface LaunchRequest {
  experiment: Experiment;
  commitSha: string;
  branch: string;
  purpose: 'pull-request' | 'baseline' | 'main';
  /** `1` for the first run of this content at this commit; `/rerun` and the re-run button make new keys. */
  attempt: string;
  pullRequest?: number;
}

export interface Launched {
  request: LaunchRequest;
  executor: Executor['kind'];
  /** 1 for the first run of this content at this commit, 2 for the first `/rerun`, and so on. */
  attemptNumber: number;
  parentRun: Run;
  runUrl: string;
  executionArn: string;
  executionUrl?: string;
  parameters: ParameterAssignment[];
}

function tagsOf(context: LaunchContext, request: LaunchRequest): Record<string, string> {
  // parentRunTags checks that the commit is 40 hex digits before it reaches a tag or a filter.
  return parentRunTags({
    commit: request.commitSha,
    branch: request.branch,
    repoUrl: `${context.serverUrl}/${context.owner}/${context.repo}`,
    repository: `${context.owner}/${context.repo}`,
    file: request.experiment.path,
    contentHash: request.experiment.contentHash,
    attempt: request.attempt,
    pullRequest: request.pullRequest,
    purpose: request.purpose,
    executor: context.executor.kind,
    workflowRunUrl: context.workflowRunUrl,
  });
}

/**
 * Find the parent runs of the same file, commit and content, oldest first: the earlier tries of each
 * attempt. A re-run of the same workflow gets the same execution back from SageMaker, so it reuses the
 * parent run of its attempt. `/rerun` makes a new attempt.
 */
async function findTries(context: LaunchContext, request: LaunchRequest): Promise<Run[]> {
  const page = await context.tracking.searchRuns({
    experimentIds: [context.experimentId],
    filter: and(
      tagEquals(Tag.repository, `${context.owner}/${context.repo}`),
      tagEquals(Tag.file, request.experiment.path),
      tagEquals(Tag.commit, request.commitSha),
      tagEquals(Tag.contentHash, request.experiment.contentHash),
      tagEquals(Tag.executor, context.executor.kind),
    ),
    orderBy: ['attributes.start_time ASC'],
    // NOTE: past 100 tries of one content at one commit, later attempts are not found and get new parent runs.
    maxResults: 100,
  });
  return page.runs;
}

/**
 * Number an attempt among the tries, in the order they started. Attempt keys (`1`, `comment-<id>`,
 * `check-<id>`) identify attempts; this numbers them for people.
 */
function attemptNumber(tries: Run[], attempt: string): number {
  const keys = [...new Set(tries.map((run) => run.tags[Tag.attempt] ?? '1'))];
  const index = keys.indexOf(attempt);
  return index >= 0 ? index + 1 : keys.length + 1;
}

/**
 * Return the parent run that the execution logs under. Two workflow runs of the same head can each create a
 * parent run before either starts, and the token then gives both the execution that the first one started,
 * with that run's MlflowParentRunId. The later parent run is ended KILLED, so that no baseline lookup takes
 * it, and this run follows the execution's own parent run.
 */
async function adoptExecutionOwner(context: LaunchContext, parentRun: Run, executionArn: string): Promise<Run> {
  let owner: string | undefined;
  try {
    owner = (await context.executor.parameterValues(executionArn)).MlflowParentRunId;
  } catch (error) {
    // The execution has started: losing track of it would be worse than missing a rare duplicate.
    context.logger.warning(`Could not read the parameters of execution ${executionArn}, so a parent run created by a concurrent workflow run would go unnoticed: ${errorMessage(error)}`);
    return parentRun;
  }
  if (!owner || owner === parentRun.info.runId) return parentRun;

  context.logger.info(`Execution ${executionArn} belongs to parent run ${owner}, which another workflow run created; ending the duplicate ${parentRun.info.runId}.`);
  await context.tracking.setTags(parentRun.info.runId, { [Tag.duplicateOf]: owner });
  await context.tracking.endRun(parentRun.info.runId, 'KILLED');
  return context.tracking.getRun(owner);
}

/**
 * Create (or find) the parent MLflow run, then start the execution with the experiment's parameters and
 * the four the action adds. The ClientRequestToken makes a repeated start return the same execution.
 */
export async function launchExecution(context: LaunchContext, request: LaunchRequest): Promise<Launched> {
  const { experiment } = request;
  const shortSha = request.commitSha.slice(0, 7);

  const tries = await findTries(context, request);
  let parentRun = tries.find((run) => (run.tags[Tag.attempt] ?? '1') === request.attempt);
  if (parentRun) {
    context.logger.info(`Reusing parent run ${parentRun.info.runId} of ${experiment.path} at ${shortSha} (attempt ${request.attempt}).`);
  } else {
    const runName = `${experiment.path}@${shortSha}${request.attempt === '1' ? '' : `#${request.attempt}`}`;
    parentRun = await context.tracking.createRun(context.experimentId, runName, tagsOf(context, request));
    context.logger.info(`Created parent run ${parentRun.info.runId} for ${experiment.path} at ${shortSha}.`);
  }


  const parameters = buildStartParameters(
    experiment,
    context.declared,
    {
      commitSha: request.commitSha,
      parentRunId: parentRun.info.runId,
      experimentFile: experiment.path,
      trackingUri: context.trackingUri,
    },
    formatParameterValue,
  );

  const identity = {
    repository: `${context.owner}/${context.repo}`,
    commitSha: request.commitSha,
    file: experiment.path,
    contentHash: experiment.contentHash,
    attempt: request.attempt,
  };
  const executionArn = await context.executor.start({
    displayName: executionDisplayName(identity),
    clientRequestToken: clientRequestToken(identity),
    parameters,
    description: `${experiment.path} at ${request.commitSha} (${request.purpose}, attempt ${request.attempt})`,
  });
  parentRun = await adoptExecutionOwner(context, parentRun, executionArn);
  await context.tracking.setTags(parentRun.info.runId, { [Tag.executionArn]: executionArn });
  context.logger.info(`Started execution ${executionArn} for ${experiment.path} (parent run ${parentRun.info.runId}).`);

  return {
    request,
    executor: context.executor.kind,
    attemptNumber: attemptNumber(tries, request.attempt),
    parentRun,
    runUrl: context.tracking.runUrl(context.experimentId, parentRun.info.runId),
    executionArn,
    executionUrl: context.executor.executionUrl(executionArn),
    parameters,
  };
}
