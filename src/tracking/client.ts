import { actionsLogger } from '../logging.js';
import { TrackingError } from './errors.js';
import { DEFAULT_RETRY_POLICY, createTransport, type RetryPolicy, type TrackingLogger, type Transport } from './http.js';
import { resolveServer, type ServerOptions, type TrackingServer } from './server.js';
import type { Run, RunStatus, SearchRunsPage, SearchRunsRequest, TrackingClient } from './types.js';
import { serializeMetricValue } from './values.js';
import { chunk, parseRun, toWireTags } from './wire.js';

export interface TrackingClientOptions extends ServerOptions {
  /** Defaults to the workflow log through @actions/core. */
  logger?: TrackingLogger;
  retry?: Partial<RetryPolicy>;
  /** Replaced in tests. */
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
  /** Base URL of the MLflow UI for links; defaults to the server's base URL. */
  uiBaseUrl?: string;
}

/**
 * Batch limits of runs/log-batch: 1,000 metrics and 100 tags per request
 * (MAX_METRICS_PER_BATCH and MAX_PARAMS_TAGS_PER_BATCH in mlflow/utils/validation.py, MLflow 3.17.2).
 */
const MAX_METRICS_PER_BATCH = 1000;
const MAX_TAGS_PER_BATCH = 100;

/** Largest page that runs/search returns (SEARCH_MAX_RESULTS_THRESHOLD, MLflow 3.17.2). */
export const SEARCH_MAX_RESULTS = 50_000;

/** Creates the MLflow REST client for a plain server URL or a SageMaker managed tracking server ARN. */
export function createTrackingClient(options: TrackingClientOptions): TrackingClient {
  const server = resolveServer(options);
  const transport = createTransport({
    server,
    logger: options.logger ?? actionsLogger,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    fetch: options.fetch ?? fetch,
    sleep: options.sleep,
  });
  return new RestTrackingClient(server, transport, options.uiBaseUrl);
}

class RestTrackingClient implements TrackingClient {
  readonly uiBaseUrl: string;

  constructor(
    private readonly server: TrackingServer,
    private readonly transport: Transport,
    uiBaseUrl: string | undefined,
  ) {
    // NOTE: the UI of a SageMaker managed server opens only through a presigned URL
    // (CreatePresignedMlflowTrackingServerUrl), so its run links need a signed-in browser session.
    this.uiBaseUrl = (uiBaseUrl ?? server.baseUrl).replace(/\/+$/, '');
  }

  runUrl(experimentId: string, runId: string): string {
    return `${this.uiBaseUrl}/#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}`;
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    const existing = await this.findExperiment(name);
    if (existing) return existing;

    try {
      const created = (await this.transport.send({ method: 'POST', call: 'experiments/create', body: { name } })) as { experiment_id?: string };
      if (!created.experiment_id) throw new Error(`MLflow experiments/create returned no experiment_id for ${JSON.stringify(name)}.`);
      return created.experiment_id;
    } catch (error) {
      // Another job may have created it between the lookup and the create.
      if (error instanceof TrackingError && error.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const raced = await this.findExperiment(name);
        if (raced) return raced;
      }
      throw error;
    }
  }

  private async findExperiment(name: string): Promise<string | undefined> {
    let response: { experiment?: { experiment_id?: string; lifecycle_stage?: string } };
    try {
      response = (await this.transport.send({ method: 'GET', call: 'experiments/get-by-name', query: { experiment_name: name } })) as typeof response;
    } catch (error) {
      if (error instanceof TrackingError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }

    const experiment = response.experiment;
    if (experiment?.lifecycle_stage === 'deleted') {
      throw new Error(
        `MLflow experiment ${JSON.stringify(name)} (id ${experiment.experiment_id}) is deleted; restore it with \`mlflow experiments restore --experiment-id ${experiment.experiment_id}\` or set mlflow-experiment to another name.`,
      );
    }
    return experiment?.experiment_id;
  }

  async createRun(experimentId: string, runName: string, tags: Record<string, string>): Promise<Run> {
    // NOTE: runs/create is retried like every call. When a response is lost after the server created the
    // run, the retry creates a second RUNNING run without an execution ARN tag, which no lookup selects.
    const response = (await this.transport.send({
      method: 'POST',
      call: 'runs/create',
      body: { experiment_id: experimentId, run_name: runName, start_time: Date.now(), tags: toWireTags(tags) },
    })) as { run?: unknown };
    return parseRun(response.run, 'runs/create');
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    for (const batch of chunk(toWireTags(tags), MAX_TAGS_PER_BATCH)) {
      await this.transport.send({ method: 'POST', call: 'runs/log-batch', body: { run_id: runId, tags: batch } });
    }
  }

  async logMetrics(runId: string, metrics: Record<string, number>): Promise<void> {
    const timestamp = Date.now();
    const entries = Object.entries(metrics).map(([key, value]) => ({ key, value: serializeMetricValue(value), timestamp, step: 0 }));
    for (const batch of chunk(entries, MAX_METRICS_PER_BATCH)) {
      await this.transport.send({ method: 'POST', call: 'runs/log-batch', body: { run_id: runId, metrics: batch } });
    }
  }

  async endRun(runId: string, status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>): Promise<void> {
    await this.transport.send({ method: 'POST', call: 'runs/update', body: { run_id: runId, status, end_time: Date.now() } });
  }

  async getRun(runId: string): Promise<Run> {
    const response = (await this.transport.send({ method: 'GET', call: 'runs/get', query: { run_id: runId } })) as { run?: unknown };
    return parseRun(response.run, 'runs/get');
  }

  async searchRuns(request: SearchRunsRequest): Promise<SearchRunsPage> {
    const maxResults = request.maxResults ?? 1000;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > SEARCH_MAX_RESULTS) {
      throw new Error(`runs/search maxResults ${maxResults} is out of range; MLflow accepts 1 to ${SEARCH_MAX_RESULTS}.`);
    }

    const body: Record<string, unknown> = {
      experiment_ids: request.experimentIds,
      filter: request.filter,
      run_view_type: 'ACTIVE_ONLY',
      max_results: maxResults,
    };
    if (request.orderBy?.length) body.order_by = request.orderBy;
    if (request.pageToken) body.page_token = request.pageToken;

    const response = (await this.transport.send({ method: 'POST', call: 'runs/search', body })) as {
      runs?: unknown[];
      next_page_token?: string;
    };
    return {
      runs: (response.runs ?? []).map((run) => parseRun(run, 'runs/search')),
      nextPageToken: response.next_page_token || undefined,
    };
  }

  toString(): string {
    return `MLflow tracking client for ${this.server.target}`;
  }
}
