import { formatParameterValue as formatSentValue } from '../experiments/format.js';
import type { ParameterValue } from '../experiments/types.js';
import type { Delta } from '../comparison/types.js';

/**
 * Significant digits of a metric value. Perplexities of fine-tuned LLMs lie roughly between 1 and 100, and a
 * change in the third or fourth digit is what an experiment is about, so 4 digits show it without noise.
 */
export const METRIC_SIGNIFICANT_DIGITS = 4;

/** Shown in place of a delta that cannot be computed because a value is missing or not finite. */
export const NOT_AVAILABLE = 'n/a';

/** Formats a value that may be NaN or infinite: `NaN`, `∞` and `-∞` are shown as such, never as a number. */
function formatNonFinite(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '-∞';
  return undefined;
}

/** Formats a metric value with 4 significant digits, for example `12.35`, `0.004321` or `1.235e+5`. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined) return '–';

  const nonFinite = formatNonFinite(value);
  if (nonFinite !== undefined) return nonFinite;

  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(METRIC_SIGNIFICANT_DIGITS - 1);
  // Number() drops the trailing zeros that toPrecision keeps (12.30 → 12.3).
  return String(Number(value.toPrecision(METRIC_SIGNIFICANT_DIGITS)));
}

/** Formats a signed difference with the metric's precision, for example `+0.1234` or `-2.5`. */
export function formatSigned(value: number): string {
  const nonFinite = formatNonFinite(value);
  if (nonFinite !== undefined) return NOT_AVAILABLE;

  const text = formatMetric(value);
  return value > 0 ? `+${text}` : text;
}

/** Formats a fraction as a signed percentage with 2 decimals: 0.0195 → `+1.95 %`. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return NOT_AVAILABLE;

  const percent = (fraction * 100).toFixed(2);
  // toFixed rounds -0.001 to "-0.00"; a zero change has no sign.
  if (Number(percent) === 0) return '0.00 %';
  return fraction > 0 ? `+${percent} %` : `${percent} %`;
}

/** Returns whether both of the delta's values are finite, so that the delta can be shown as a number. */
export function isComparable(delta: Delta): boolean {
  return Number.isFinite(delta.baseline) && Number.isFinite(delta.candidate);
}

/** Formats the absolute delta, or returns `n/a` when a value is not finite. */
export function formatAbsoluteDelta(delta: Delta): string {
  if (!isComparable(delta) || !Number.isFinite(delta.absolute)) return NOT_AVAILABLE;
  return formatSigned(delta.absolute);
}

/**
 * Formats the relative delta with its direction: `▼` when the metric went down and `▲` when it went up, then
 * `better` or `worse` for the metric's goal (lower is better for perplexity and loss).
 */
export function formatRelativeDelta(delta: Delta): string {
  if (!isComparable(delta) || delta.direction === 'n/a') return NOT_AVAILABLE;

  const percent = Number.isFinite(delta.relative) ? formatPercent(delta.relative) : NOT_AVAILABLE;
  if (delta.direction === 'same' || delta.absolute === 0) return `${percent} (same)`;

  const arrow = delta.absolute < 0 ? '▼' : '▲';
  return `${percent} ${arrow} ${delta.direction}`;
}

/**
 * Formats a parameter value for the comment. The flow passes the strings that StartPipelineExecution sent,
 * which are shown as they are. A value that arrives as a number or boolean is formatted the same way the
 * pipeline formats it for sending (`formatParameterValue` of experiments, by its JSON type), so 2e-5 shows as
 * `2e-05`, as sent.
 */
export function formatParameterValue(value: ParameterValue | undefined): string {
  if (value === undefined) return '(not set)';
  if (value === '') return '""';
  return formatSentValue(value, 'String');
}
