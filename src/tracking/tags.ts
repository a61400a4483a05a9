/**
 * Tags on the parent MLflow run of an execution. The `mlflow.*` ones are MLflow's standard tags, which the
 * MLflow UI shows as the run's source; the project's own tags share the `experiment-pr.` prefix.
 * The README lists every one of them.
 */
export const TAG_PREFIX = 'experiment-pr.';

export const Tag = {
  commit: 'mlflow.source.git.commit',
  branch: 'mlflow.source.git.branch',
  repoUrl: 'mlflow.source.git.repoURL',
  parentRunId: 'mlflow.parentRunId',
  runName: 'mlflow.runName',
  repository: `${TAG_PREFIX}repository`,
  pullRequest: `${TAG_PREFIX}pull-request`,
  file: `${TAG_PREFIX}file`,
  contentHash: `${TAG_PREFIX}content-hash`,
  attempt: `${TAG_PREFIX}attempt`,
  executionArn: `${TAG_PREFIX}execution-arn`,
  workflowRunUrl: `${TAG_PREFIX}workflow-run-url`,
  /** `pull-request` for a PR's run, `baseline` for a run of the base version, `main` for a push to main. */
  purpose: `${TAG_PREFIX}purpose`,
  executor: `${TAG_PREFIX}executor`,
  /** On a parent run whose execution was stopped because a newer head commit replaced it: that commit. */
  supersededBy: `${TAG_PREFIX}superseded-by`,
  /** On a parent run that a concurrent workflow run created for an execution that already had one: that run's id. */
  duplicateOf: `${TAG_PREFIX}duplicate-of`,
} as const;
