import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import picomatch from 'picomatch';
import { parsePipelineParameters } from '../experiments/definition.js';
import { parseExperiment } from '../experiments/parse.js';
import { checkAgainstPipeline } from '../experiments/pipeline-check.js';
import { ACTION_PARAMETER_NAMES } from '../experiments/problems.js';
import type { PipelineParameter, ValidationError } from '../experiments/types.js';

/** Path of the project's pipeline definition, relative to the repository root. */
export const DEFAULT_DEFINITION_PATH = 'containers/pipeline/definition.json';

/** Folders that a glob such as `**\/*.json` never searches. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);

interface Output {
  write(chunk: string): unknown;
}

export interface ValidateOptions {
  /** A pipeline definition JSON to check parameters against; by default `containers/pipeline/definition.json` when it exists. */
  definitionPath?: string;
  /** `text`: `file:line:column: error: message (fix)` lines; `github`: `::error` workflow commands. */
  format?: 'text' | 'github';
  /** Folder that relative paths start from; the current directory by default. */
  cwd?: string;
  stdout: Output;
  stderr: Output;
}

/**
 * Validates experiment files offline: strict JSON, the JSON Schema, then the parameters the pipeline
 * definition declares. Paths may be files or globs (quoted, so the shell leaves them alone).
 * Returns the exit code: 0 when every file is valid, 1 on any error, 2 on a usage error.
 */
export async function runValidate(paths: string[], options: ValidateOptions): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const format = options.format ?? 'text';
  if (paths.length === 0) {
    options.stderr.write('error: missing experiment files; usage: sagemaker-experiment-pr validate [--definition FILE] [--format text|github] FILE...\n');
    return 2;
  }

  let declared: PipelineParameter[] | undefined;
  try {
    declared = await loadDeclaredParameters(cwd, options.definitionPath);
  } catch (error) {
    options.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (declared === undefined) {
    options.stderr.write(`note: ${DEFAULT_DEFINITION_PATH} not found, so the files are checked against the JSON Schema only; pass --definition FILE to check the pipeline's parameters too\n`);
  }

  const errors: ValidationError[] = [];
  const files: string[] = [];
  for (const argument of paths) {
    const expanded = await expandArgument(cwd, argument);
    if (typeof expanded === 'string') {
      errors.push({ file: argument, line: 1, column: 1, rule: 'no-file', message: expanded, fix: 'check the path, or quote a glob so that this command expands it' });
    } else {
      files.push(...expanded);
    }
  }

  const uniqueFiles = [...new Set(files)];
  for (const file of uniqueFiles) {
    errors.push(...(await validateFile(cwd, file, declared)));
  }

  for (const error of errors) {
    options.stdout.write(format === 'github' ? githubCommand(error) : textLine(error));
  }
  const failedFiles = new Set(errors.map((error) => error.file)).size;
  const summary =
    errors.length === 0
      ? `${plural(uniqueFiles.length, 'experiment file')} valid\n`
      : `${plural(errors.length, 'error')} in ${plural(failedFiles, 'file')} (${uniqueFiles.length} checked)\n`;
  options.stdout.write(summary);
  return errors.length === 0 ? 0 : 1;
}

/** Parses `validate` arguments (`[--definition FILE] [--format text|github] FILE...`) and runs the command. */
export async function runValidateCommand(argv: string[], io: { stdout: Output; stderr: Output; cwd?: string }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { definition: { type: 'string' }, format: { type: 'string', default: 'text' } } });
  } catch (error) {
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const format = parsed.values.format;
  if (format !== 'text' && format !== 'github') {
    io.stderr.write(`error: --format is "${String(format)}"; use text or github\n`);
    return 2;
  }
  return runValidate(parsed.positionals, { definitionPath: parsed.values.definition, format, ...io });
}

/** Returns the declared parameters, or undefined when no definition was given and the default file is absent. */
async function loadDeclaredParameters(cwd: string, definitionPath: string | undefined): Promise<PipelineParameter[] | undefined> {
  const chosen = definitionPath ?? DEFAULT_DEFINITION_PATH;
  const absolute = path.resolve(cwd, chosen);
  if (!existsSync(absolute)) {
    if (definitionPath === undefined) {
      return undefined;
    }
    throw new Error(`pipeline definition ${definitionPath} not found; give the path of the definition JSON, e.g. ${DEFAULT_DEFINITION_PATH}`);
  }

  let definition: unknown;
  try {
    definition = JSON.parse(await readFile(absolute, 'utf8'));
  } catch (error) {
    throw new Error(`pipeline definition ${chosen} is not valid JSON (${error instanceof Error ? error.message : String(error)}); regenerate it`);
  }
  return parsePipelineParameters(definition, chosen);
}

/** Expands one argument to repository-relative file paths, or returns why it names no file. */
async function expandArgument(cwd: string, argument: string): Promise<string[] | string> {
  const normalized = toPosix(argument);
  const info = await stat(path.resolve(cwd, normalized)).catch(() => undefined);
  if (info?.isFile()) {
    return [normalized];
  }
  if (info?.isDirectory()) {
    return `${argument} is a folder; give files, or a glob such as ${normalized}/*.json`;
  }

  const scan = picomatch.scan(normalized);
  if (!scan.isGlob) {
    return `${argument} not found`;
  }
  const matches = await findMatches(cwd, scan.base === '' ? '.' : scan.base, picomatch(normalized));
  return matches.length > 0 ? matches.sort() : `no file matches the glob ${argument}`;
}

async function findMatches(cwd: string, folder: string, isMatch: (file: string) => boolean): Promise<string[]> {
  const entries = await readdir(path.resolve(cwd, folder), { withFileTypes: true }).catch(() => []);
  const matches: string[] = [];
  for (const entry of entries) {
    const relative = folder === '.' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) {
      matches.push(...(await findMatches(cwd, relative, isMatch)));
    } else if (entry.isFile() && isMatch(relative)) {
      matches.push(relative);
    }
  }
  return matches;
}

async function validateFile(cwd: string, file: string, declared: PipelineParameter[] | undefined): Promise<ValidationError[]> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [{ file, line: 1, column: 1, rule: 'unreadable', message: `failed to read the file: ${reason}`, fix: 'check that it exists and is readable' }];
  }

  const parsed = parseExperiment(file, text);
  if (!parsed.ok) {
    return parsed.errors;
  }
  return declared === undefined ? [] : checkAgainstPipeline(parsed.experiment, declared, [...ACTION_PARAMETER_NAMES]);
}

/** Converts a path to the repository's `/` form without a leading `./`. */
function toPosix(file: string): string {
  return path.posix.normalize(file.replaceAll('\\', '/')).replace(/^\.\//, '');
}

/** Formats an error as the line that editors, pre-commit and problem matchers parse. */
function textLine(error: ValidationError): string {
  return `${error.file}:${error.line}:${error.column}: error: ${error.message} (${error.fix})\n`;
}

/** Formats an error as a GitHub Actions `::error` workflow command, which annotates the file in the pull request. */
function githubCommand(error: ValidationError): string {
  const properties = [
    `file=${escapeProperty(error.file)}`,
    `line=${error.line}`,
    `col=${error.column}`,
    `title=${escapeProperty(`experiment ${error.rule}`)}`,
  ].join(',');
  return `::error ${properties}::${escapeData(`${error.message} (${error.fix})`)}\n`;
}

// The escapes of the workflow command syntax, as @actions/core 3 applies them (lib/command.js).
function escapeData(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
