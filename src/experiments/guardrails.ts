import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import picomatch from 'picomatch';
import guardrailsSchema from '../../schemas/guardrails.schema.json' with { type: 'json' };
import type { Plan } from '../event/plan.js';
import type { FileSource } from '../flow/sources.js';
import { LineIndex } from './position.js';
import { closestName } from './suggest.js';
import { parseStrictJson } from './syntax.js';
import type { Experiment, ParameterValue, PipelineParameter, ValidationError } from './types.js';

/** A repository's limits on experiments (`schemas/guardrails.schema.json`); an absent key sets no limit. */
export interface GuardrailLimits {
  allowedInstanceTypes?: string[];
  maxInstanceCount?: number;
  maxRuntimeSeconds?: number;
  allowedDataPrefixes?: string[];
  maxConcurrentExecutions?: number;
}

export interface Guardrails {
  /** Repository-relative path of the guardrail file (the `config` input). */
  path: string;
  limits: GuardrailLimits;
  /** Problems of the file itself. When there are any, every experiment is rejected with them. */
  problems: ValidationError[];
  /** Returns the limits that the experiment breaks, using the pipeline's default for a parameter it does not set. */
  check(experiment: Experiment, declared: PipelineParameter[]): ValidationError[];
  /**
   * Returns an error for each experiment, by path, that would exceed `maxConcurrentExecutions` of the pull
   * request when `running` of its executions already run. Experiments start in path order.
   */
  checkConcurrency(experiments: Experiment[], running: number, pullRequest: number): Map<string, ValidationError>;
}

/** The pipeline parameters that name an instance type, so `allowedInstanceTypes` applies to each. */
export const INSTANCE_TYPE_PARAMETERS = ['TrainingInstanceType', 'ProcessingInstanceType'] as const;

/** The parameters that name data, which must lie under `allowedDataPrefixes`; ModelId only when it is an s3:// URI. */
const DATA_PARAMETERS = ['TrainDataUri', 'EvalDataUri'] as const;

const BYTE_ORDER_MARK = '\uFEFF';

// `verbose` keeps the failing value on each error, which the messages quote.
const validate = new Ajv2020({ allErrors: true, verbose: true }).compile(guardrailsSchema);

/** Returns the description of one schema property, for the fix of an error about it. */
function propertyDescription(key: string): string {
  const property = (guardrailsSchema.properties as Record<string, { description?: string }>)[key];
  return property?.description ?? '';
}

function describeSchemaError(error: ErrorObject, file: string): { key: string; message: string; fix: string } {
  const key = error.instancePath.split('/')[1] ?? '';
  if (error.keyword === 'additionalProperties') {
    const unknown = String(error.params.additionalProperty);
    const suggestion = closestName(unknown, Object.keys(guardrailsSchema.properties));
    return {
      key: unknown,
      message: `${file}: unknown key "${unknown}"`,
      fix: suggestion ? `did you mean "${suggestion}"? Rename the key` : `remove it; the keys are ${Object.keys(guardrailsSchema.properties).filter((name) => name !== '$schema').join(', ')}`,
    };
  }
  if (key === '') {
    return { key: '(file)', message: `${file}: the file ${error.message ?? 'is invalid'}`, fix: 'write one JSON object, e.g. {"maxInstanceCount": 1}' };
  }
  const item = error.instancePath.split('/')[2];
  const subject = `"${key}"${item === undefined ? '' : ` item ${item}`}`;
  const problem = error.keyword === 'pattern' ? `${JSON.stringify(error.data)} is not ${PATTERN_MEANING[key] ?? 'in the expected form'}` : (error.message ?? 'is invalid');
  return { key, message: `${file}: ${subject} ${problem}`, fix: `${propertyDescription(key)} Change it in ${file} on the base branch.` };
}

/** Meaning of each string pattern of the schema, in words. */
const PATTERN_MEANING: Record<string, string> = {
  allowedInstanceTypes: 'a SageMaker instance type or glob, e.g. "ml.g5.2xlarge" or "ml.g5.*"',
  allowedDataPrefixes: 'an s3:// URI prefix, e.g. "s3://team-datasets/instructions/"',
};

/** Parses and validates the guardrail file; returns its limits, or its problems with their places. */
export function parseGuardrails(file: string, text: string): { limits: GuardrailLimits; problems: ValidationError[] } {
  const body = text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text;
  const parsed = parseStrictJson(file, body);
  if (parsed.errors.length > 0) {
    // The strict-JSON fixes speak of experiment files; the same rules hold here.
    const problems = parsed.errors.map((error) => ({ ...error, message: `${file}: ${error.message}`, fix: error.fix.replaceAll('experiment files are', 'the guardrail file is') }));
    return { limits: {}, problems };
  }
  if (validate(parsed.value)) return { limits: parsed.value as GuardrailLimits, problems: [] };

  const root = parseTree(body);
  const lines = new LineIndex(body);
  const problems = (validate.errors ?? []).map((error) => {
    const described = describeSchemaError(error, file);
    const segments = error.instancePath.split('/').slice(1).map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
    const node = root && findNodeAtLocation(root, error.keyword === 'additionalProperties' ? [described.key] : segments);
    // A key's node is its value; the key itself sits in the parent property, whose first child it is.
    const place = node?.parent?.type === 'property' ? (node.parent.children?.[0] ?? node) : node;
    return { file, ...lines.positionAt(place?.offset ?? 0), rule: 'invalid-guardrails', message: described.message, fix: described.fix };
  });
  return { limits: {}, problems: problems.sort((a, b) => a.line - b.line || a.column - b.column) };
}

/** The value the execution will use: the experiment's own, or else the pipeline's declared default. */
function effectiveValue(experiment: Experiment, declared: PipelineParameter[], name: string): { value: ParameterValue; fromDefault: boolean } | undefined {
  const own = experiment.parameters[name];
  if (own !== undefined) return { value: own, fromDefault: false };
  const fallback = declared.find((parameter) => parameter.name === name)?.defaultValue;
  return fallback === undefined ? undefined : { value: fallback, fromDefault: true };
}

/** True when `uri` lies under `prefix`, matching whole path segments. */
export function underPrefix(uri: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return uri.startsWith(prefix);
  return uri === prefix || uri.startsWith(`${prefix}/`);
}

/** Checks one experiment against the limits; `file` is the guardrail file's path, for the messages. */
export function checkLimits(experiment: Experiment, declared: PipelineParameter[], limits: GuardrailLimits, file: string): ValidationError[] {
  const errors: ValidationError[] = [];
  const fail = (name: string, fromDefault: boolean, rule: string, message: string, fix: string): void => {
    // A value from the pipeline's default has no line of its own, so the error points at "parameters".
    const line = fromDefault ? (experiment.parametersPosition?.line ?? 1) : (experiment.parameterLines[name] ?? 1);
    const column = fromDefault ? (experiment.parametersPosition?.column ?? 1) : (experiment.parameterColumns?.[name] ?? 1);
    errors.push({ file: experiment.path, line, column, rule, message: `${message} of ${file}${fromDefault ? ` (the value is the pipeline's default, because ${experiment.path} does not set ${name})` : ''}`, fix });
  };
  const raise = `or ask a maintainer to change it in ${file} on the base branch`;

  if (limits.allowedInstanceTypes) {
    const allowed = limits.allowedInstanceTypes;
    const matches = picomatch(allowed);
    for (const name of INSTANCE_TYPE_PARAMETERS) {
      const entry = effectiveValue(experiment, declared, name);
      if (!entry || matches(String(entry.value))) continue;
      fail(name, entry.fromDefault, 'instance-type-not-allowed', `${name} "${String(entry.value)}" is not in allowedInstanceTypes [${allowed.join(', ')}]`, `set "${name}" to one of ${allowed.join(', ')}, ${raise}`);
    }
  }

  const numericLimits = [
    ['TrainingInstanceCount', 'maxInstanceCount', limits.maxInstanceCount, 'instance-count-too-high'],
    ['MaxRuntimeSeconds', 'maxRuntimeSeconds', limits.maxRuntimeSeconds, 'runtime-too-long'],
  ] as const;
  for (const [name, key, maximum, rule] of numericLimits) {
    if (maximum === undefined) continue;
    const entry = effectiveValue(experiment, declared, name);
    if (!entry || Number(entry.value) <= maximum) continue;
    fail(name, entry.fromDefault, rule, `${name} ${String(entry.value)} is more than ${key} ${maximum}`, `set "${name}" to at most ${maximum}, ${raise}`);
  }

  if (limits.allowedDataPrefixes) {
    const prefixes = limits.allowedDataPrefixes;
    for (const name of [...DATA_PARAMETERS, 'ModelId']) {
      const entry = effectiveValue(experiment, declared, name);
      if (!entry) continue;
      const uri = String(entry.value);
      if (name === 'ModelId' && !uri.startsWith('s3://')) continue;
      if (prefixes.some((prefix) => underPrefix(uri, prefix))) continue;
      fail(name, entry.fromDefault, 'data-prefix-not-allowed', `${name} "${uri}" is not under allowedDataPrefixes [${prefixes.join(', ')}]`, `put the data under one of ${prefixes.join(', ')}, ${raise}`);
    }
  }
  return errors;
}

/** Errors for the experiments beyond `maximum` executions of one pull request, given `running` already. */
export function concurrencyErrors(experiments: Experiment[], running: number, pullRequest: number, maximum: number, file: string): Map<string, ValidationError> {
  const errors = new Map<string, ValidationError>();
  const ordered = [...experiments].sort((a, b) => a.path.localeCompare(b.path));
  const free = Math.max(0, maximum - running);

  for (const experiment of ordered.slice(free)) {
    errors.set(experiment.path, {
      file: experiment.path,
      line: experiment.parametersPosition?.line ?? 1,
      column: experiment.parametersPosition?.column ?? 1,
      rule: 'too-many-executions',
      message:
        `${experiment.path} was not started: pull request #${pullRequest} has ${running} execution${running === 1 ? '' : 's'} running ` +
        `and ${free} more may start, so ${ordered.length} would exceed maxConcurrentExecutions ${maximum} of ${file}`,
      fix: `comment \`/rerun failed\` once running executions have ended, or ask a maintainer to raise maxConcurrentExecutions in ${file} on the base branch`,
    });
  }
  return errors;
}

/**
 * Reads the guardrail file at the plan's base commit, so that a pull request cannot raise its own limits
 * (a push to the baseline branch has no base, and reads it at its head). A missing file sets no limits.
 * An invalid file rejects every experiment with the file's problems, so nothing starts under limits that
 * cannot be read.
 */
export async function loadGuardrails(files: FileSource, path: string, plan: Plan): Promise<Guardrails> {
  const commit = plan.baseSha ?? plan.headSha;
  const text = await files.readFile(path, commit);
  const { limits, problems } = text === undefined ? { limits: {}, problems: [] } : parseGuardrails(path, text);

  return {
    path,
    limits,
    problems,
    check: (experiment, declared) => (problems.length > 0 ? problems : checkLimits(experiment, declared, limits, path)),
    checkConcurrency: (experiments, running, pullRequest) => {
      if (limits.maxConcurrentExecutions === undefined) return new Map();
      return concurrencyErrors(experiments, running, pullRequest, limits.maxConcurrentExecutions, path);
    },
  };
}
