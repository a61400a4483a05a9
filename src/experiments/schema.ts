import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { findNodeAtLocation, type Node } from 'jsonc-parser';
import experimentSchema from '../../schemas/experiment.schema.json' with { type: 'json' };
import { LineIndex, type Position } from './position.js';
import {
  ACTION_PARAMETER_NAMES,
  describeValue,
  emptyStringProblem,
  reservedParameterProblem,
  tooManyParametersProblem,
  typeProblem,
  valueTooLongProblem,
  type Problem,
} from './problems.js';
import { closestName } from './suggest.js';
import type { PipelineParameterType, ValidationError } from './types.js';

/** The JSON Schema of experiment files, as shipped in `schemas/experiment.schema.json`. */
export const EXPERIMENT_SCHEMA = experimentSchema;

/** The part of a JSON Schema that the messages read. */
interface SchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, unknown>;
}

/** Parameter types by the JSON Schema type that documents them. */
const PIPELINE_TYPES: Record<string, PipelineParameterType> = {
  integer: 'Integer',
  number: 'Float',
  string: 'String',
  boolean: 'Boolean',
};

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // `verbose` keeps the failing value and its schema on each error, which the messages quote. A parameter
  // value may be a string, number or boolean, a union type that strict mode accepts only with allowUnionTypes.
  compiled ??= new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(experimentSchema);
  return compiled;
}

/**
 * Validates a parsed experiment file against the JSON Schema and returns each error at the line and column
 * of the value or key at fault. `root` is the jsonc-parser tree of the same text.
 */
export function schemaErrors(file: string, text: string, root: Node | undefined, value: unknown): ValidationError[] {
  const validate = validator();
  if (validate(value)) {
    return [];
  }

  const lines = new LineIndex(text);
  const errors: ValidationError[] = [];
  const found = validate.errors ?? [];
  // An empty string also fails the value's pattern; the empty-string message is the one that helps.
  const emptyPaths = new Set(found.filter((error) => error.keyword === 'minLength').map((error) => error.instancePath));

  for (const error of found) {
    // propertyNames reports each bad name twice: once for the inner pattern (with `propertyName`) and once itself.
    if (error.propertyName !== undefined) {
      continue;
    }
    if (error.keyword === 'pattern' && emptyPaths.has(error.instancePath)) {
      continue;
    }
    const path = instancePath(error);
    const place = positionOf(root, lines, path, keyOf(error), OBJECT_KEYWORDS.has(error.keyword));
    errors.push({ file, ...place, ...describeError(error, path) });
  }
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Splits an error's instance path into segments: `/parameters/LoraR` → ["parameters", "LoraR"]. */
function instancePath(error: ErrorObject): string[] {
  if (error.instancePath === '') {
    return [];
  }
  return error.instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Returns the key that an error is about, for the errors that point at a key rather than a value. */
function keyOf(error: ErrorObject): string | undefined {
  if (error.keyword === 'additionalProperties') {
    return String(error.params.additionalProperty);
  }
  if (error.keyword === 'propertyNames') {
    return String(error.params.propertyName);
  }
  return undefined;
}

/** Errors about an object as a whole, which point at the object's key (`"parameters": …`) rather than its `{`. */
const OBJECT_KEYWORDS = new Set(['maxProperties', 'minProperties', 'required']);

function positionOf(root: Node | undefined, lines: LineIndex, path: string[], key: string | undefined, atOwnKey: boolean): Position {
  if (root === undefined) {
    return { line: 1, column: 1 };
  }
  const node = findNodeAtLocation(root, path) ?? root;
  if (atOwnKey && node.parent?.type === 'property') {
    return lines.positionAt(node.parent.offset);
  }
  if (key === undefined) {
    return lines.positionAt(node.offset);
  }
  const property = node.children?.find((child) => child.children?.[0]?.value === key);
  return lines.positionAt(property?.offset ?? node.offset);
}

/** Names a place for messages: a parameter by its name, anything else by its dotted path. */
function labelOf(path: string[]): string {
  if (path.length === 2 && path[0] === 'parameters') {
    return path[1] ?? '';
  }
  return path.length === 0 ? 'the file' : path.join('.');
}

function describeError(error: ErrorObject, path: string[]): Problem {
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const label = labelOf(path);
  const quoted = path.length === 0 ? label : `"${label}"`;
  const isParameter = path.length === 2 && path[0] === 'parameters';
  const example = schema.examples?.[0];
  const exampleText = example === undefined ? '' : `, e.g. ${JSON.stringify(example)}`;

  switch (error.keyword) {
    case 'type': {
      const pipelineType = typeof schema.type === 'string' ? PIPELINE_TYPES[schema.type] : undefined;
      if (isParameter && pipelineType !== undefined) {
        const problem = typeProblem(label, error.data, pipelineType, example);
        if (problem !== undefined) {
          return problem;
        }
      }
      if (isParameter) {
        return {
          rule: 'wrong-type',
          message: `"${label}" is ${describeValue(error.data)}, but a parameter value must be a string, a number, true or false`,
          fix: 'give the value as a JSON string, number or boolean',
        };
      }
      if (path.length === 0) {
        return { rule: 'wrong-type', message: `the file is ${describeValue(error.data)}, but it must be a JSON object`, fix: 'write one object, e.g. {"parameters": {"LoraR": 16}}' };
      }
      return {
        rule: 'wrong-type',
        message: `${quoted} is ${describeValue(error.data)}, but it must be ${article(String(error.params.type))}`,
        fix: `give ${article(String(error.params.type))}${exampleText}`,
      };
    }

    case 'minLength':
      if (isParameter) {
        return emptyStringProblem(label, { title: schema.title, example, hasDefault: schema.title === undefined || schema.default !== undefined });
      }
      return { rule: 'empty-string', message: `${quoted} is an empty string`, fix: `give the ${schema.title ?? label}${exampleText}${path.length === 1 ? ', or remove the key' : ''}` };

    case 'maxLength':
      if (isParameter) {
        return valueTooLongProblem(label, String(error.data).length);
      }
      return { rule: 'too-long', message: `${quoted} is ${String(error.data).length} characters long, more than the ${String(error.params.limit)} allowed`, fix: 'shorten it' };

    case 'pattern':
      return patternProblem(quoted, String(error.data), schema, exampleText);

    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return rangeProblem(error, quoted, exampleText);

    case 'not':
      if (isParameter && (ACTION_PARAMETER_NAMES as readonly string[]).includes(label)) {
        return reservedParameterProblem(label);
      }
      return { rule: 'invalid-value', message: `${quoted} is ${describeValue(error.data)}, which it does not accept`, fix: `give another value; the parameter's description: ${schema.description ?? 'none'}` };

    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map((item) => JSON.stringify(item)).join(' or ');
      return { rule: 'invalid-value', message: `${quoted} is ${describeValue(error.data)}, but it must be ${allowed}`, fix: schema.description ?? `use ${allowed}` };
    }

    case 'required': {
      const missing = String(error.params.missingProperty);
      const missingSchema = schema.properties?.[missing] as SchemaNode | undefined;
      const missingExample = missingSchema?.examples?.[0] ?? (missing === 'parameters' ? { LoraR: 16 } : undefined);
      return {
        rule: 'missing-key',
        message: `${quoted} has no "${missing}"`,
        fix: `add "${missing}"${missingExample === undefined ? '' : `, e.g. "${missing}": ${JSON.stringify(missingExample)}`}`,
      };
    }

    case 'additionalProperties':
      return unknownKeyProblem(String(error.params.additionalProperty), path, schema);

    case 'maxProperties':
      return tooManyParametersProblem(Object.keys(error.data as object).length, ACTION_PARAMETER_NAMES.length);

    case 'minProperties':
      return { rule: 'empty-object', message: `${quoted} is empty`, fix: `give "relative" (a fraction, e.g. 0.02) or "absolute" (in the metric's unit), or remove ${quoted}` };

    case 'propertyNames': {
      const name = String(error.params.propertyName);
      return {
        rule: 'invalid-parameter-name',
        message: `parameter name ${JSON.stringify(name)} is not a valid SageMaker pipeline parameter name`,
        fix: "use 1 to 256 letters, digits, '-' or '_', as the pipeline definition declares the name",
      };
    }

    default:
      return { rule: error.keyword, message: `${quoted} ${error.message ?? 'is not valid'}`, fix: schema.description ?? 'see schemas/experiment.schema.json' };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function patternProblem(quoted: string, value: string, schema: SchemaNode, exampleText: string): Problem {
  if (value !== value.trim()) {
    return { rule: 'surrounding-whitespace', message: `${quoted} is ${JSON.stringify(value)}, with whitespace at its start or end`, fix: 'remove the spaces around the value' };
  }
  if (/\s/.test(value) && schema.title?.endsWith('URI')) {
    return { rule: 'invalid-format', message: `${quoted} is ${JSON.stringify(value)}, which contains whitespace`, fix: 'a URI or path has no spaces; encode them or rename the file' };
  }
  return {
    rule: 'invalid-format',
    message: `${quoted} is ${JSON.stringify(value)}, which is not a valid ${schema.title ?? 'value'}`,
    fix: exampleText === '' ? (schema.description ?? 'see schemas/experiment.schema.json') : `give a value in the form of the example${exampleText}`,
  };
}

function rangeProblem(error: ErrorObject, quoted: string, exampleText: string): Problem {
  const limit = String(error.params.limit);
  const bound: Record<string, string> = {
    minimum: `at least ${limit}`,
    exclusiveMinimum: `above ${limit}`,
    maximum: `at most ${limit}`,
    exclusiveMaximum: `below ${limit}`,
  };
  const requirement = bound[error.keyword] ?? `within ${limit}`;
  return { rule: 'out-of-range', message: `${quoted} is ${String(error.data)}, but it must be ${requirement}`, fix: `give a value ${requirement}${exampleText}` };
}

function unknownKeyProblem(key: string, path: string[], schema: SchemaNode): Problem {
  const where = path.length === 0 ? 'top-level key' : `key in "${path.join('.')}"`;
  const allowed = Object.keys(schema.properties ?? {});
  const parameterNames = Object.keys((EXPERIMENT_SCHEMA.properties.parameters.properties ?? {}) as object);

  if (path.length === 0 && parameterNames.includes(key)) {
    return { rule: 'unknown-key', message: `unknown top-level key "${key}"; ${key} is a pipeline parameter`, fix: `move "${key}" into "parameters"` };
  }
  const suggestion = closestName(key, allowed);
  const didYouMean = suggestion === undefined ? '' : `did you mean "${suggestion}"? `;
  return {
    rule: 'unknown-key',
    message: `unknown ${where} "${key}"`,
    fix: `${didYouMean}The allowed keys are ${allowed.map((name) => `"${name}"`).join(', ')}`,
  };
}
