/** MLflow RunStatus values. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName?: string;
  status: RunStatus;
  /** Milliseconds since the epoch. */
  startTime: number;
  endTime?: number;
}

/** An MLflow run with its latest metrics. Metric values may be NaN or ±Infinity. */
export interface Run {
  info: RunInfo;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Record<string, number>;
  /** The time each metric's latest value was logged, in milliseconds since the epoch, when the server returns it. */
  metricTimestamps?: Record<string, number>;
}

export interface SearchRunsRequest {
  experimentIds: string[];
  /** An MLflow search filter; build it with the helpers in `filter.ts`, never by string concatenation. */
  filter: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

export interface SearchRunsPage {
  runs: Run[];
  nextPageToken?: string;
}

/** The MLflow REST calls the action makes. */
export interface TrackingClient {
  /** The tracking server's base URL for people (the MLflow UI). */
  readonly uiBaseUrl: string;
  runUrl(experimentId: string, runId: string): string;
  getOrCreateExperiment(name: string): Promise<string>;
  createRun(experimentId: string, runName: string, tags: Record<string, string>): Promise<Run>;
  setTags(runId: string, tags: Record<string, string>): Promise<void>;
  logMetrics(runId: string, metrics: Record<string, number>): Promise<void>;
  endRun(runId: string, status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>): Promise<void>;
  getRun(runId: string): Promise<Run>;
  searchRuns(request: SearchRunsRequest): Promise<SearchRunsPage>;
}
