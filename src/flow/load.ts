import { matchExperimentFiles } from '../experiments/match.js';
import { parseExperiment } from '../experiments/parse.js';
import type { Experiment, ValidationError } from '../experiments/types.js';
import type { Plan } from '../event/plan.js';
import type { FileSource } from './sources.js';

/** An experiment file at the plan's head: parsed, or rejected with its errors. */
export type LoadedExperiment =
  | { path: string; ok: true; experiment: Experiment }
  | { path: string; ok: false; errors: ValidationError[] };

/** Select the plan's experiment paths, in a stable order. Removed files are not selected. */
export async function selectExperimentPaths(
  plan: Plan,
  files: FileSource,
  pattern: string,
  failedPaths: () => Promise<string[]>,
): Promise<string[]> {
  if (plan.selection.kind === 'paths') {
    return [...new Set(plan.selection.paths)].sort();
  }
  if (plan.selection.kind === 'failed') {
    return [...new Set(await failedPaths())].sort();
  }
  const changed = await files.changedFiles(plan);
  return matchExperimentFiles(changed, pattern).map((file) => file.path);
}

/** Read and parse each selected file at the plan's head commit. */
export async function loadExperiments(paths: string[], commit: string, files: FileSource): Promise<LoadedExperiment[]> {
  const loaded: LoadedExperiment[] = [];
  for (const path of paths) {
    const text = await files.readFile(path, commit);
    if (text === undefined) {
      loaded.push({
        path,
        ok: false,
        errors: [
          {
            file: path,
            line: 1,
            column: 1,
            rule: 'missing-file',
            message: `${path} does not exist at commit ${commit}`,
            fix: 'name an experiment file that exists in the pull request, for example `/rerun experiments/name.json`',
          },
        ],
      });
      continue;
    }

    const parsed = parseExperiment(path, text);
    loaded.push(parsed.ok ? { path, ok: true, experiment: parsed.experiment } : { path, ok: false, errors: parsed.errors });
  }
  return loaded;
}
