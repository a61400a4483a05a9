#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runLocal } from './cli/local.js';
import { runValidateCommand } from './cli/validate.js';
import { errorMessage } from './logging.js';

const DOCS = 'https://github.com/sagemaker-experiment-pr/sagemaker-experiment-pr#readme';

const USAGE = `Usage:
  sagemaker-experiment-pr validate [--definition FILE] [--format text|github] FILE...
      Check experiment files offline: JSON syntax, the experiment schema, and the parameters that the
      pipeline definition declares (containers/pipeline/definition.json by default). Exits 1 on errors.
  sagemaker-experiment-pr local [--base REF] [--experiments GLOB] [--tracking-uri URL] [--python PATH]
                                [--baseline-missing run|skip] [--timeout-minutes N] [FILE...]
      Run the experiments that differ between the working tree and REF (default main), or the FILEs
      named, with the local executor, and print the comment a pull request would get.

Docs: ${DOCS}
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'validate') {
    return runValidateCommand(rest, { stdout: process.stdout, stderr: process.stderr });
  }
  if (command === 'local') {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        base: { type: 'string', default: 'main' },
        experiments: { type: 'string', default: 'experiments/*.json' },
        'tracking-uri': { type: 'string' },
        python: { type: 'string' },
        'baseline-missing': { type: 'string', default: 'run' },
        'timeout-minutes': { type: 'string', default: '30' },
      },
    });
    const baselineMissing = values['baseline-missing'];
    if (baselineMissing !== 'run' && baselineMissing !== 'skip') {
      process.stderr.write(`--baseline-missing is "${baselineMissing}": use run or skip.\n`);
      return 2;
    }
    const timeoutMinutes = Number(values['timeout-minutes']);
    if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0) {
      process.stderr.write(`--timeout-minutes is "${values['timeout-minutes']}": give a positive number of minutes.\n`);
      return 2;
    }
    return runLocal({
      paths: positionals,
      base: values.base,
      experimentsPattern: values.experiments,
      trackingUri: values['tracking-uri'] ?? process.env.MLFLOW_TRACKING_URI,
      python: values.python,
      baselineMissing,
      timeoutMinutes,
      repoRoot: process.cwd(),
      stdout: process.stdout,
    });
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
  return 2;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`error: ${errorMessage(error)}\n`);
  process.exitCode = 1;
}
