import { createHash } from 'node:crypto';
import type { ParameterValue } from './types.js';

/**
 * Serializes a JSON value with object keys sorted (by UTF-16 code unit) and no whitespace, so that two files
 * that differ only in key order or layout give the same string. Numbers use JavaScript's shortest form,
 * so `2e-5` and `0.00002` (the same double) serialize alike.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units.
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Returns the content hash of an experiment: SHA-256 (hex) of the canonical JSON of `{"parameters": …}`.
 *
 * Only the parameters decide what an execution computes, so only they are hashed: an edit of the description,
 * `$schema`, the metric or the allowed regression changes how a result is read, not the result, so it keeps
 * the hash. A parameter set to its pipeline default still hashes differently from one left out, because
 * the default lives in the pipeline definition and can change there.
 */
export function contentHash(content: { parameters: Record<string, ParameterValue> }): string {
  const canonical = canonicalJson({ parameters: content.parameters });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
