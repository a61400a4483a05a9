/**
 * Baseline lookup benchmark: fills an MLflow experiment with 10,000 runs of varied files, content hashes,
 * branches and statuses, then times `findBaseline` (one server-side runs/search) over 50 lookups and, for
 * contrast, a client-side scan of every page of the experiment. Each lookup's result is checked against the
 * generated data. Run with `SEP_VENV=… npx tsx bench/baseline-lookup.ts`; the result goes to
 * bench/results/baseline-lookup.json.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findBaseline } from '../src/comparison/baseline.js';
import { createTrackingClient } from '../src/tracking/client.js';
import { Tag } from '../src/tracking/tags.js';
import type { RunStatus } from '../src/tracking/types.js';
import { startMlflow } from '../tests/harness/mlflow.js';
import { venvBin } from '../tests/harness/process.js';

const RUN_COUNT = 10_000;
const FILE_COUNT = 50;
const HASHES_PER_FILE = 20;
const LOOKUPS = 50;
const SCANS = 3;

interface GeneratedRun {
  id: string;
  file: string;
  hash: string;
  branch: string;
  status: RunStatus;
  startTime: number;
}

/** A small seeded generator (mulberry32), so that every run of the benchmark fills the same data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function generateRuns(next: () => number): GeneratedRun[] {
  const statuses: [RunStatus, number][] = [['FINISHED', 0.6], ['FAILED', 0.2], ['KILLED', 0.1], ['RUNNING', 0.1]];
  const start = Date.UTC(2025, 0, 1);
  const runs: GeneratedRun[] = [];

  for (let index = 0; index < RUN_COUNT; index += 1) {
    let pick = next();
    const status = statuses.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'FINISHED';
    runs.push({
      id: index.toString(16).padStart(32, '0'),
      file: `experiments/model-${Math.floor(next() * FILE_COUNT)}.json`,
      hash: `hash-${Math.floor(next() * HASHES_PER_FILE)}`,
      branch: next() < 0.7 ? 'main' : `feature/${Math.floor(next() * 100)}`,
      status,
      // One run a minute, in milliseconds.
      startTime: start + index * 60_000,
    });
  }
  return runs;
}

/**
 * Inserts the runs straight into the server's SQLite store in one transaction. Creating 10,000 runs through
 * the REST API takes about 10 minutes on 2 cores (an estimate from about 27 requests/s), and only the lookups
 * are measured.
 */
async function insertRuns(databasePath: string, experimentId: string, runs: GeneratedRun[]): Promise<void> {
  const script = `
import json, sqlite3, sys
runs = json.load(sys.stdin)
db = sqlite3.connect(sys.argv[1])
with db:
    for run in runs:
        db.execute(
            "insert into runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time,"
            " end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) values (?, ?, 'UNKNOWN', '', '', '', ?, ?, ?, '', 'active', '', ?)",
            (run["id"], run["id"], run["status"], run["startTime"], None if run["status"] == "RUNNING" else run["startTime"] + 1, int(sys.argv[2])),
        )
        for key, value in run["tags"].items():
            db.execute("insert into tags (key, value, run_uuid) values (?, ?, ?)", (key, value, run["id"]))
`;
  const payload = runs.map((run) => ({
    ...run,
    tags: { [Tag.file]: run.file, [Tag.contentHash]: run.hash, [Tag.branch]: run.branch, [Tag.runName]: run.id },
  }));

  await new Promise<void>((resolve, reject) => {
    const child = execFile(venvBin('python'), ['-c', script, databasePath, experimentId], { maxBuffer: 1 << 20 }, (error) => (error ? reject(error) : resolve()));
    child.stdin?.end(JSON.stringify(payload));
  });
}

async function mlflowVersion(): Promise<string> {
  const { stdout } = await promisify(execFile)(venvBin('python'), ['-c', "from importlib.metadata import version; print(version('mlflow'))"]);
  return stdout.trim();
}

function expectedBaseline(runs: GeneratedRun[], file: string, hash: string): string | undefined {
  const matches = runs.filter((run) => run.file === file && run.hash === hash && run.branch === 'main' && run.status === 'FINISHED');
  return matches.sort((left, right) => right.startTime - left.startTime)[0]?.id;
}

function percentile(sorted: number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

function summarize(durations: number[], requests: number[]) {
  const sorted = [...durations].sort((left, right) => left - right);
  return {
    count: durations.length,
    requestsPerLookup: Math.max(...requests),
    medianMs: Number(percentile(sorted, 0.5).toFixed(1)),
    p95Ms: Number(percentile(sorted, 0.95).toFixed(1)),
  };
}

async function main(): Promise<void> {
  const mlflow = await startMlflow();
  try {
    let requestCount = 0;
    const countingFetch: typeof fetch = (input, init) => {
      requestCount += 1;
      return fetch(input, init);
    };
    const client = createTrackingClient({ trackingUri: mlflow.url, fetch: countingFetch, logger: { debug: () => {}, info: () => {} } });
    const experimentId = await client.getOrCreateExperiment('bench baseline-lookup');

    const next = random(20250101);
    const runs = generateRuns(next);
    const fillStart = performance.now();
    await insertRuns(join(mlflow.directory, 'mlflow.db'), experimentId, runs);
    const fillSeconds = (performance.now() - fillStart) / 1000;

    const lookupDurations: number[] = [];
    const lookupRequests: number[] = [];
    let wrong = 0;
    let withBaseline = 0;
    for (let index = 0; index < LOOKUPS; index += 1) {
      const file = `experiments/model-${Math.floor(next() * FILE_COUNT)}.json`;
      const hash = `hash-${Math.floor(next() * HASHES_PER_FILE)}`;
      const before = requestCount;
      const started = performance.now();
      const found = await findBaseline(client, { experimentId, file, contentHash: hash, branch: 'main' });
      lookupDurations.push(performance.now() - started);
      lookupRequests.push(requestCount - before);
      if (found?.info.runId !== expectedBaseline(runs, file, hash)) wrong += 1;
      if (found) withBaseline += 1;
    }

    const scanDurations: number[] = [];
    const scanRequests: number[] = [];
    for (let index = 0; index < SCANS; index += 1) {
      const before = requestCount;
      const started = performance.now();
      let pageToken: string | undefined;
      let seen = 0;
      do {
        const page = await client.searchRuns({ experimentIds: [experimentId], filter: '', maxResults: 1000, pageToken });
        seen += page.runs.length;
        pageToken = page.nextPageToken;
      } while (pageToken);
      scanDurations.push(performance.now() - started);
      scanRequests.push(requestCount - before);
      if (seen !== RUN_COUNT) throw new Error(`the scan saw ${seen} runs, expected ${RUN_COUNT}`);
    }

    const result = {
      runs: RUN_COUNT,
      fillSeconds: Number(fillSeconds.toFixed(1)),
      findBaseline: { ...summarize(lookupDurations, lookupRequests), withBaseline, wrongAnswers: wrong },
      clientSideScan: summarize(scanDurations, scanRequests),
      environment: {
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        server: `mlflow server ${await mlflowVersion()}, SQLite backend store, 1 worker, 127.0.0.1`,
      },
      date: new Date().toISOString(),
    };

    console.log(`Baseline lookup over ${RUN_COUNT} runs (${result.environment.cores} cores, ${result.environment.cpu})`);
    console.log('| method | lookups | HTTP requests each | median ms | p95 ms |');
    console.log('|---|---|---|---|---|');
    for (const [name, row] of [['findBaseline (server-side filter)', result.findBaseline], ['client-side scan of all pages', result.clientSideScan]] as const) {
      console.log(`| ${name} | ${row.count} | ${row.requestsPerLookup} | ${row.medianMs} | ${row.p95Ms} |`);
    }
    console.log(`${withBaseline} of ${LOOKUPS} lookups found a baseline; ${wrong} results differ from the generated data.`);

    const directory = join(import.meta.dirname, 'results');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'baseline-lookup.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (wrong > 0) process.exitCode = 1;
  } finally {
    await mlflow.stop();
  }
}

await main();
