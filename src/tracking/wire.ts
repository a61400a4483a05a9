import type { Run, RunStatus } from './types.js';
import { parseMetricValue } from './values.js';

/**
 * Conversion of MLflow's JSON run (`{info, data: {metrics, params, tags}}`) into a `Run`. MLflow writes
 * int64 fields such as `start_time` as JSON numbers, and protobuf's JSON mapping writes them as strings,
 * so both are read.
 */

interface WireKeyValue {
  key?: unknown;
  value?: unknown;
  timestamp?: unknown;
  step?: unknown;
}

interface WireRun {
  info?: Record<string, unknown>;
  data?: { metrics?: WireKeyValue[]; params?: WireKeyValue[]; tags?: WireKeyValue[] };
}

const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

function readInteger(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return undefined;
}

function readString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function readPairs(entries: WireKeyValue[] | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const key = readString(entry.key);
    if (key !== undefined) pairs[key] = readString(entry.value) ?? '';
  }
  return pairs;
}

/** Converts one run of a runs/get or runs/search response. */
export function parseRun(json: unknown, call: string): Run {
  const wire = (json ?? {}) as WireRun;
  const info = wire.info ?? {};

  const runId = readString(info.run_id) ?? readString(info.run_uuid);
  const experimentId = readString(info.experiment_id);
  if (!runId || !experimentId) {
    throw new Error(`MLflow ${call} returned a run without run_id or experiment_id; check that the tracking URI points at an MLflow tracking server.`);
  }

  const statusText = readString(info.status);
  const status = RUN_STATUSES.find((candidate) => candidate === statusText);
  if (!status) {
    throw new Error(`MLflow ${call} returned run ${runId} with the unknown status ${JSON.stringify(statusText)}.`);
  }

  const metrics: Record<string, number> = {};
  const metricTimestamps: Record<string, number> = {};
  for (const entry of wire.data?.metrics ?? []) {
    const key = readString(entry.key);
    if (key === undefined) continue;
    metrics[key] = parseMetricValue(entry.value);
    metricTimestamps[key] = readInteger(entry.timestamp) ?? 0;
  }

  return {
    info: {
      runId,
      experimentId,
      runName: readString(info.run_name),
      status,
      startTime: readInteger(info.start_time) ?? 0,
      endTime: readInteger(info.end_time),
    },
    tags: readPairs(wire.data?.tags),
    params: readPairs(wire.data?.params),
    metrics,
    metricTimestamps,
  };
}

/** Tags as MLflow's `RunTag` list. */
export function toWireTags(tags: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** Splits a list into chunks of at most `size` entries. */
export function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
