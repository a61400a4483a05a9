import type { ParameterValue } from '../experiments/types.js';
import type { ParameterChange } from './types.js';

/**
 * Lists the parameters whose value differs between the baseline version of an experiment (`before`, which
 * is undefined for a new file) and the pull request's version (`after`), sorted by name in code-point order.
 * Values are compared as the pipeline receives them. So 2e-5 and 0.00002 are one number once parsed, and a
 * numeric string equals the number it spells. Two strings are compared as text, because a String parameter
 * receives them as written.
 */
export function diffParameters(before: Record<string, ParameterValue> | undefined, after: Record<string, ParameterValue>): ParameterChange[] {
  const previous = before ?? {};
  const names = new Set([...Object.keys(previous), ...Object.keys(after)]);
  const changes: ParameterChange[] = [];

  for (const name of names) {
    const hadValue = Object.hasOwn(previous, name);
    const hasValue = Object.hasOwn(after, name);
    const oldValue = previous[name];
    const newValue = after[name];

    if (hadValue && hasValue && sameValue(oldValue!, newValue!)) continue;

    const change: ParameterChange = { name };
    if (hadValue) change.before = oldValue;
    if (hasValue) change.after = newValue;
    changes.push(change);
  }

  return changes.sort(compareNames);
}

function compareNames(left: ParameterChange, right: ParameterChange): number {
  if (left.name < right.name) return -1;
  if (left.name > right.name) return 1;
  return 0;
}

/** Checks whether two parameter values reach the pipeline as the same value. */
export function sameValue(left: ParameterValue, right: ParameterValue): boolean {
  if (typeof left === 'string' && typeof right === 'string') return left === right;
  if (typeof left === 'boolean' || typeof right === 'boolean') return asBoolean(left) === asBoolean(right) && asBoolean(left) !== undefined;

  const leftNumber = asNumber(left);
  const rightNumber = asNumber(right);
  return leftNumber !== undefined && leftNumber === rightNumber;
}

function asNumber(value: ParameterValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value.trim());
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Reads a boolean, or the strings `true` and `false` in any letter case. */
function asBoolean(value: ParameterValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}
