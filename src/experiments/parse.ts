import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { contentHash } from './hash.js';
import { LineIndex } from './position.js';
import { schemaErrors } from './schema.js';
import { parseStrictJson } from './syntax.js';
import type { AllowedRegression, Experiment, MetricSpec, ParameterValue, ParseResult, ValidationError } from './types.js';

/** The metric an experiment is compared on when its file names none. */
export const DEFAULT_METRIC: MetricSpec = { name: 'eval_perplexity', goal: 'minimize' };

/** U+FEFF, which a UTF-8 file that starts with the bytes EF BB BF decodes to. */
const BYTE_ORDER_MARK = '\uFEFF';

/** An experiment file's content after the JSON Schema check. */
interface ExperimentContent {
  description?: string;
  parameters: Record<string, ParameterValue>;
  metric?: MetricSpec;
  allowedRegression?: AllowedRegression;
}

/**
 * Parses and validates one experiment file: strict JSON first, then the JSON Schema. Every error carries the
 * file, a 1-based line and column and the fix. A leading byte order mark is ignored, and lines and columns
 * are counted without it, as editors show them.
 */
export function parseExperiment(path: string, text: string): ParseResult {
  const body = text.startsWith(BYTE_ORDER_MARK) ? text.slice(BYTE_ORDER_MARK.length) : text;

  const parsed = parseStrictJson(path, body);
  if (parsed.errors.length > 0) {
    return { ok: false, errors: parsed.errors };
  }

  const root = parseTree(body);
  // A number too large for a double is reported once, as such, not again as a wrong type by the schema.
  const rangeErrors = nonFiniteNumberErrors(path, body, root);
  const rangePlaces = new Set(rangeErrors.map((error) => `${error.line}:${error.column}`));
  const errors = [
    ...rangeErrors,
    ...schemaErrors(path, body, root, parsed.value).filter((error) => !rangePlaces.has(`${error.line}:${error.column}`)),
  ];
  if (errors.length > 0) {
    return { ok: false, errors };
  }

  const content = parsed.value as ExperimentContent;
  const positions = parameterPositions(body, root);
  const experiment: Experiment = {
    path,
    parameters: content.parameters,
    metric: content.metric ?? { ...DEFAULT_METRIC },
    contentHash: contentHash(content),
    parameterLines: Object.fromEntries(Object.entries(positions.keys).map(([name, position]) => [name, position.line])),
    parameterColumns: Object.fromEntries(Object.entries(positions.keys).map(([name, position]) => [name, position.column])),
    parametersPosition: positions.parameters,
  };
  if (content.description !== undefined) {
    experiment.description = content.description;
  }
  if (content.allowedRegression !== undefined) {
    experiment.allowedRegression = content.allowedRegression;
  }
  return { ok: true, experiment };
}

/**
 * Returns an error for each number too large for a double (such as 1e400), which JSON.parse would turn into
 * Infinity without a word, and neither Python nor SageMaker takes as a parameter value.
 */
function nonFiniteNumberErrors(file: string, text: string, root: Node | undefined): ValidationError[] {
  const lines = new LineIndex(text);
  const errors: ValidationError[] = [];

  const visitNode = (node: Node): void => {
    if (node.type === 'number' && !Number.isFinite(node.value)) {
      errors.push({
        file,
        ...lines.positionAt(node.offset),
        rule: 'out-of-range',
        message: `the number ${text.slice(node.offset, node.offset + node.length)} is too large for a double-precision float`,
        fix: 'give a number between -1.7976931348623157e308 and 1.7976931348623157e308',
      });
    }
    node.children?.forEach(visitNode);
  };

  if (root !== undefined) {
    visitNode(root);
  }
  return errors;
}

/** Finds the 1-based line and column of the "parameters" key and of each parameter's key. */
function parameterPositions(text: string, root: Node | undefined) {
  const lines = new LineIndex(text);
  const keys: Record<string, { line: number; column: number }> = {};
  const parametersNode = root === undefined ? undefined : findNodeAtLocation(root, ['parameters']);
  const parametersKey = parametersNode?.parent?.children?.[0];

  for (const property of parametersNode?.children ?? []) {
    const key = property.children?.[0];
    if (key !== undefined && typeof key.value === 'string') {
      keys[key.value] = lines.positionAt(key.offset);
    }
  }
  return { keys, parameters: lines.positionAt(parametersKey?.offset ?? 0) };
}
