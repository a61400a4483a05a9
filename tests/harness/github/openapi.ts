import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';

// ajv-formats is CommonJS: under NodeNext the default import is its `module.exports`, whose `default` is the plugin.
const addFormats = formatsModule.default;

/**
 * GitHub's published REST description for api.github.com (npm `@octokit/openapi`, OpenAPI 3.0.3, about 13 MB).
 * The stand-in reads it once per process and compiles validators only for the operations it meets.
 */
const DESCRIPTION_PATH = 'node_modules/@octokit/openapi/generated/api.github.com.json';

/** The `$id` under which the description's component schemas are registered with ajv. */
const COMPONENTS_ID = 'https://openapi.github.test/components';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
  'x-multi-segment'?: boolean;
}

/** One operation of the description, found by method and path. */
export interface Operation {
  operationId: string;
  method: string;
  /** The path template as the description writes it, for example `/repos/{owner}/{repo}/pulls/{pull_number}`. */
  template: string;
  pathParams: Record<string, string>;
}

/** A failed check of a request or a response against the description. */
export interface SchemaError {
  location: 'path' | 'query' | 'body' | 'response';
  path: string;
  message: string;
}

interface CompiledTemplate {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  literalLength: number;
  operation: JsonObject;
}

let description: JsonObject | undefined;
let templates: CompiledTemplate[] | undefined;
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction | null>();

function loadDescription(): JsonObject {
  if (!description) {
    const require = createRequire(import.meta.url);
    let file: string;
    try {
      file = require.resolve('@octokit/openapi/generated/api.github.com.json');
    } catch {
      file = DESCRIPTION_PATH;
    }
    description = JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
  }
  return description;
}

/** Follows a local `$ref` such as `#/components/parameters/owner` within the description. */
function resolveRef(node: Json): Json {
  let current = node;
  while (current && typeof current === 'object' && !Array.isArray(current) && typeof current.$ref === 'string') {
    let target: Json = loadDescription();
    for (const segment of current.$ref.replace(/^#\//, '').split('/')) {
      target = (target as JsonObject)[segment.replace(/~1/g, '/').replace(/~0/g, '~')] ?? null;
    }
    current = target;
  }
  return current;
}

/**
 * Rewrites one OpenAPI 3.0 schema into JSON Schema that ajv checks as the description means it:
 * `nullable: true` also admits null, and component references point at the schemas registered under COMPONENTS_ID.
 */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!node || typeof node !== 'object') return node;

  const converted: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      converted.$ref = value.replace('#/components/schemas/', `${COMPONENTS_ID}#/$defs/`);
    } else if (key === 'nullable' || key === 'example' || key === 'examples' || key === 'discriminator') {
      continue;
    } else {
      converted[key] = toJsonSchema(value);
    }
  }
  if (node.nullable !== true) return converted;

  if (typeof converted.type === 'string') {
    converted.type = [converted.type, 'null'];
    if (Array.isArray(converted.enum) && !converted.enum.includes(null)) converted.enum = [...converted.enum, null];
    return converted;
  }
  return { anyOf: [{ type: 'null' }, converted] };
}

function getAjv(): Ajv {
  if (ajv) return ajv;

  // strict: false because the description contains OpenAPI keywords (x-github, readOnly, deprecated) that are
  // not JSON Schema. allErrors makes a 422 list every invalid field, as GitHub's own 422 body does.
  ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  for (const format of ['int32', 'int64', 'binary', 'byte', 'repo.nwo', 'ssh-key', 'ssh-key fingerprint']) {
    ajv.addFormat(format, true);
  }

  const schemas = (loadDescription().components as JsonObject).schemas as JsonObject;
  const definitions: JsonObject = {};
  for (const [name, schema] of Object.entries(schemas)) definitions[name] = toJsonSchema(schema);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: definitions });
  return ajv;
}

function compileTemplates(): CompiledTemplate[] {
  if (templates) return templates;
  templates = [];

  const paths = loadDescription().paths as JsonObject;
  for (const [template, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item as JsonObject)) {
      if (!operation || typeof operation !== 'object' || Array.isArray(operation) || !('operationId' in operation)) continue;

      const multiSegment = new Set(
        parametersOf(operation).filter((p) => p['x-multi-segment']).map((p) => p.name),
      );
      const names: string[] = [];
      const source = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{([^}]+)\\\}/g, (_, name: string) => {
        names.push(name);
        return multiSegment.has(name) ? '(.+)' : '([^/]+)';
      });
      templates.push({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        names,
        literalLength: template.replace(/\{[^}]+\}/g, '').length,
        operation,
      });
    }
  }

  // A literal segment wins over a parameter, as in GitHub's router: `/pulls/comments` is not pull number "comments".
  templates.sort((a, b) => b.literalLength - a.literalLength);
  return templates;
}

function parametersOf(operation: JsonObject): Parameter[] {
  const list = (operation.parameters ?? []) as Json[];
  return list.map((entry) => resolveRef(entry) as unknown as Parameter);
}

/** Finds the operation of the description that `method` and `pathname` call, or undefined when GitHub has none. */
export function findOperation(method: string, pathname: string): Operation | undefined {
  for (const candidate of compileTemplates()) {
    if (candidate.method !== method.toUpperCase()) continue;

    const match = candidate.pattern.exec(pathname);
    if (!match) continue;

    const pathParams: Record<string, string> = {};
    candidate.names.forEach((name, index) => {
      pathParams[name] = decodeURIComponent(match[index + 1] ?? '');
    });
    return {
      operationId: String(candidate.operation.operationId),
      method: candidate.method,
      template: candidate.template,
      pathParams,
    };
  }
  return undefined;
}

function operationObject(operation: Operation): JsonObject {
  const found = compileTemplates().find((t) => t.method === operation.method && t.template === operation.template);
  if (!found) throw new Error(`operation ${operation.method} ${operation.template} is not in the description`);
  return found.operation;
}

function validatorFor(key: string, schema: () => Json | undefined): ValidateFunction | null {
  if (!validators.has(key)) {
    const source = schema();
    validators.set(key, source === undefined ? null : getAjv().compile(toJsonSchema(source) as object));
  }
  return validators.get(key) ?? null;
}

function describeErrors(location: SchemaError['location'], errors: ErrorObject[] | null | undefined): SchemaError[] {
  return (errors ?? []).map((error) => ({
    location,
    path: error.instancePath || '/',
    message: `${error.message ?? 'is invalid'}${error.params && Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ''}`,
  }));
}

/** Converts a path or query string to the type its schema declares, as GitHub parses `per_page=100` as a number. */
function coerce(value: string, schema: JsonObject | undefined): Json {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Checks path parameters, the query and the JSON body of a request against its operation. */
export function validateRequest(operation: Operation, query: URLSearchParams, body: unknown): SchemaError[] {
  const errors: SchemaError[] = [];
  const definition = operationObject(operation);

  for (const parameter of parametersOf(definition)) {
    if (parameter.in !== 'path' && parameter.in !== 'query') continue;

    const raw = parameter.in === 'path' ? operation.pathParams[parameter.name] : query.get(parameter.name) ?? undefined;
    if (raw === undefined) {
      if (parameter.required) errors.push({ location: parameter.in, path: parameter.name, message: 'is required' });
      continue;
    }

    const key = `${operation.operationId} parameter ${parameter.name}`;
    const validate = validatorFor(key, () => parameter.schema);
    if (validate && !validate(coerce(raw, parameter.schema))) {
      for (const error of describeErrors(parameter.in, validate.errors)) {
        errors.push({ ...error, path: `${parameter.name}${error.path === '/' ? '' : error.path}` });
      }
    }
  }

  const requestBody = resolveRef(definition.requestBody ?? null) as JsonObject | null;
  const bodySchema = ((requestBody?.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
  if (requestBody?.required && body === undefined) {
    errors.push({ location: 'body', path: '/', message: 'a JSON body is required' });
  } else if (bodySchema !== undefined && body !== undefined) {
    const validate = validatorFor(`${operation.operationId} body`, () => bodySchema);
    if (validate && !validate(body)) errors.push(...describeErrors('body', validate.errors));
  }
  return errors;
}

/**
 * Checks a response body against the schema the operation declares for `status`. A 2xx status that the
 * operation does not declare is an error, because GitHub would never send it.
 */
export function validateResponse(operation: Operation, status: number, body: unknown): SchemaError[] {
  const responses = operationObject(operation).responses as JsonObject;
  const declared = resolveRef(responses[String(status)] ?? null) as JsonObject | null;
  if (!declared) {
    if (status < 300) return [{ location: 'response', path: '/', message: `status ${status} is not declared` }];
    return [];
  }

  const schema = ((declared.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
  if (schema === undefined) {
    return body === undefined ? [] : [{ location: 'response', path: '/', message: `status ${status} has no body` }];
  }
  const validate = validatorFor(`${operation.operationId} response ${status}`, () => schema);
  if (validate && !validate(body)) return describeErrors('response', validate.errors);
  return [];
}

/** Returns a deep copy of a named example from the description's `components.examples`. */
export function exampleValue(name: string): unknown {
  const examples = (loadDescription().components as JsonObject).examples as JsonObject;
  const example = examples[name] as JsonObject | undefined;
  if (!example || !('value' in example)) throw new Error(`the description has no example named ${name}`);
  return structuredClone(example.value);
}

/**
 * Checks a webhook payload against the description's schema of that event, named as in its `x-webhooks`
 * section (`pull-request-opened`, `issue-comment-created`, `check-run-rerequested`, `push`).
 */
export function validateWebhook(name: string, payload: unknown): SchemaError[] {
  const webhooks = loadDescription()['x-webhooks'] as JsonObject;
  const operation = ((webhooks[name] as JsonObject | undefined)?.post ?? null) as JsonObject | null;
  const requestBody = resolveRef(operation?.requestBody ?? null) as JsonObject | null;
  const schema = ((requestBody?.content as JsonObject | undefined)?.['application/json'] as JsonObject | undefined)?.schema;
  if (schema === undefined) throw new Error(`the description has no webhook named ${name}`);

  const validate = validatorFor(`webhook ${name}`, () => schema);
  if (validate && !validate(payload)) return describeErrors('body', validate.errors);
  return [];
}
