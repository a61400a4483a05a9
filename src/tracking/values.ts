/**
 * Metric values on the wire. Protobuf's JSON mapping, which the MLflow server uses, writes NaN and the
 * infinities as the strings "NaN", "Infinity" and "-Infinity". Servers that serialize with Python's `json`
 * write them as the bare tokens NaN, Infinity and -Infinity, which `JSON.parse` rejects.
 */

/**
 * The value that MLflow's SQL store (sqlalchemy_store.py `sanitize_metric_value`, MLflow 3.17.2) writes in
 * place of ±Infinity, because SQL columns cannot hold an infinity. It is the largest finite double, so no
 * real metric carries it, and reading it back as ±Infinity restores what the step logged.
 */
const SQL_STORE_INFINITY = Number.MAX_VALUE;

/**
 * Parses a metric value from an MLflow response: a number, one of the strings "NaN", "Infinity",
 * "-Infinity" (also "inf" and "-inf"), or a numeric string. Returns NaN for anything else, so a malformed
 * value is reported as not finite rather than read as 0.
 */
export function parseMetricValue(value: unknown): number {
  if (typeof value === 'number') {
    if (value >= SQL_STORE_INFINITY) return Infinity;
    if (value <= -SQL_STORE_INFINITY) return -Infinity;
    return value;
  }
  if (typeof value !== 'string') return NaN;

  const text = value.trim().toLowerCase();
  if (text === 'nan') return NaN;
  if (text === 'infinity' || text === '+infinity' || text === 'inf') return Infinity;
  if (text === '-infinity' || text === '-inf') return -Infinity;
  if (text === '') return NaN;

  const parsed = Number(text);
  return parseMetricValue(parsed);
}

/**
 * Formats a metric value for runs/log-batch. The MLflow 3.17.2 server reads NaN and the infinities only
 * from the exact strings "NaN", "Infinity" and "-Infinity". It stores a bare NaN token or the string "nan"
 * as 0 without an error, so every non-finite value is sent as one of the three strings.
 */
export function serializeMetricValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/**
 * Parses an MLflow response body as JSON, accepting the bare tokens NaN, Infinity and -Infinity outside
 * strings by turning them into the strings that `parseMetricValue` reads. The text inside JSON strings is
 * left as it is, so a tag value "NaN" stays a string.
 */
export function parseMlflowJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const quoted = quoteBareNonFiniteTokens(text);
    if (quoted === text) throw error;
    return JSON.parse(quoted);
  }
}

const BARE_TOKENS = ['-Infinity', 'Infinity', 'NaN'] as const;

function quoteBareNonFiniteTokens(text: string): string {
  let output = '';
  let index = 0;

  while (index < text.length) {
    const char = text[index]!;

    // Copy a JSON string unchanged, honouring backslash escapes, so that its content is never rewritten.
    if (char === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') {
        end += text[end] === '\\' ? 2 : 1;
      }
      output += text.slice(index, end + 1);
      index = end + 1;
      continue;
    }

    const token = BARE_TOKENS.find((candidate) => text.startsWith(candidate, index));
    if (token) {
      output += `"${token}"`;
      index += token.length;
      continue;
    }

    output += char;
    index += 1;
  }
  return output;
}
