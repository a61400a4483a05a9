import { checkRunJson } from './resources.js';
import { findRepository, fullNameOf, notFound, paginate, validationFailed, type RouteRequest, type RouteResponse, type Routes } from './route.js';
import { repositoryKey, timestamp, type CheckRunState } from './state.js';

type CheckRunBody = {
  name?: string;
  head_sha?: string;
  details_url?: string;
  external_id?: string;
  status?: CheckRunState['status'];
  conclusion?: string;
  started_at?: string;
  completed_at?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: unknown[] };
};

/**
 * Applies a create or update body to a check run with GitHub's rules: a conclusion completes the run, and
 * a completed run needs a conclusion. Returns the 422 response when a rule fails.
 */
function apply(run: CheckRunState, body: CheckRunBody): RouteResponse | undefined {
  if (body.conclusion !== undefined) {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  } else if (body.status !== undefined) {
    run.status = body.status;
  }
  if (run.status === 'completed' && run.conclusion === null) {
    return validationFailed('Invalid request.\n\n"conclusion" is required when "status" is "completed".', [
      { resource: 'CheckRun', field: 'conclusion', code: 'missing_field' },
    ]);
  }

  if (body.name !== undefined) run.name = body.name;
  if (body.details_url !== undefined) run.detailsUrl = body.details_url;
  if (body.external_id !== undefined) run.externalId = body.external_id;
  if (body.started_at !== undefined) run.startedAt = body.started_at;
  if (run.status === 'completed') run.completedAt = body.completed_at ?? run.completedAt ?? timestamp();

  if (body.output) {
    // GitHub keeps the fields of an earlier output that an update leaves out, and adds up the annotations.
    run.output = {
      title: body.output.title ?? run.output.title,
      summary: body.output.summary ?? run.output.summary,
      text: body.output.text ?? run.output.text,
      annotations_count: run.output.annotations_count + (body.output.annotations?.length ?? 0),
    };
  }
  run.history.push(structuredClone(body) as Record<string, unknown>);
  return undefined;
}

function createCheckRun(request: RouteRequest): RouteResponse {
  const repository = findRepository(request);
  if (!repository) return notFound(`repository ${request.params.owner}/${request.params.repo}`);

  const body = (request.body ?? {}) as CheckRunBody;
  const headSha = String(body.head_sha);
  if (!request.state.commits.has(headSha)) {
    return validationFailed(`No commit found for SHA: ${headSha}`, [{ resource: 'CheckRun', field: 'head_sha', code: 'invalid' }]);
  }

  const run: CheckRunState = {
    id: request.state.newId(),
    repository: repositoryKey(fullNameOf(repository)),
    name: String(body.name),
    headSha,
    status: 'queued',
    conclusion: null,
    startedAt: timestamp(),
    completedAt: null,
    detailsUrl: null,
    externalId: null,
    output: { annotations_count: 0 },
    history: [],
  };
  const rejection = apply(run, body);
  if (rejection) return rejection;

  request.state.checkRuns.push(run);
  return { status: 201, body: checkRunJson(run, request.state, request.urls) };
}

function findCheckRun(request: RouteRequest): CheckRunState | undefined {
  const id = Number(request.params.check_run_id);
  const key = repositoryKey(`${request.params.owner}/${request.params.repo}`);
  return request.state.checkRuns.find((run) => run.id === id && run.repository === key);
}

function getCheckRun(request: RouteRequest): RouteResponse {
  const run = findCheckRun(request);
  if (!run) return notFound(`check run ${request.params.check_run_id} in ${request.params.owner}/${request.params.repo}`);
  return { status: 200, body: checkRunJson(run, request.state, request.urls) };
}

function updateCheckRun(request: RouteRequest): RouteResponse {
  const run = findCheckRun(request);
  if (!run) return notFound(`check run ${request.params.check_run_id} in ${request.params.owner}/${request.params.repo}`);

  // Validate on a copy so that a rejected update leaves the check run as it was.
  const draft = structuredClone(run);
  const rejection = apply(draft, (request.body ?? {}) as CheckRunBody);
  if (rejection) return rejection;

  Object.assign(run, draft);
  return { status: 200, body: checkRunJson(run, request.state, request.urls) };
}

/**
 * Check runs of a commit (SHA, branch or `heads/branch`), newest first. With `filter=latest`, the default,
 * only the newest check run of each name is listed, as GitHub lists the latest per check suite.
 */
function listCheckRunsForRef(request: RouteRequest): RouteResponse {
  const repository = findRepository(request);
  if (!repository) return notFound(`repository ${request.params.owner}/${request.params.repo}`);

  const commit = request.state.resolveRef(repository, request.params.ref ?? '');
  if (!commit) {
    return validationFailed(`No commit found for SHA: ${request.params.ref}`, [{ resource: 'Commit', field: 'ref', code: 'invalid' }]);
  }

  const name = request.query.get('check_name');
  const status = request.query.get('status');
  let runs = request.state
    .checkRunsFor(fullNameOf(repository), commit.sha)
    .filter((run) => !name || run.name === name)
    .filter((run) => !status || run.status === status)
    .sort((a, b) => b.id - a.id);
  if ((request.query.get('filter') ?? 'latest') === 'latest') {
    const seen = new Set<string>();
    runs = runs.filter((run) => !seen.has(run.name) && seen.add(run.name));
  }

  const { page, headers } = paginate(runs, request);
  const body = { total_count: runs.length, check_runs: page.map((run) => checkRunJson(run, request.state, request.urls)) };
  return { status: 200, body, headers };
}

export const checkRoutes: Routes = {
  'checks/create': createCheckRun,
  'checks/get': getCheckRun,
  'checks/update': updateCheckRun,
  'checks/list-for-ref': listCheckRunsForRef,
};
