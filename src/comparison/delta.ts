import type { AllowedRegression, MetricSpec } from '../experiments/types.js';
import type { Delta } from './types.js';

/**
 * Relative tolerance of the allowance comparison. A worsening equal to the allowance passes, and
 * floating-point rounding must not turn "equal" into "worse": (10.2 - 10) / 10 is 0.020000000000000018.
 */
const ROUNDING_TOLERANCE = 1e-9;

/**
 * Computes the delta of one metric between the baseline and the pull request's run (the candidate).
 *
 * - `absolute` is candidate − baseline and `relative` is that over |baseline|; both are NaN when either value
 *   is not finite, and `relative` is NaN when the baseline is 0 and the values differ.
 * - `direction` follows the metric's goal (lower is better for `minimize`, such as perplexity), and is
 *   `n/a` when either value is not finite.
 * - `withinAllowed` is false when the candidate is worse than the allowance permits, and when the candidate
 *   is not finite (a NaN or infinite perplexity is a failed result). Without an allowance, a regression is
 *   reported by `direction` but `withinAllowed` stays true, because training is not deterministic and a
 *   check that fails on any small worsening would block most pull requests. A non-finite baseline gives
 *   nothing to regress from, so a finite candidate is within the allowance.
 */
export function computeDelta(metric: MetricSpec, baseline: number, candidate: number, allowed?: AllowedRegression): Delta {
  validateAllowance(allowed);

  const finite = Number.isFinite(baseline) && Number.isFinite(candidate);
  if (!finite) {
    return {
      metric,
      baseline,
      candidate,
      absolute: NaN,
      relative: NaN,
      direction: 'n/a',
      withinAllowed: Number.isFinite(candidate),
    };
  }

  const absolute = candidate - baseline;
  const relative = relativeChange(absolute, baseline);
  const direction = directionOf(metric, absolute);
  const withinAllowed = direction !== 'worse' || !exceedsAllowance(Math.abs(absolute), baseline, allowed);

  return { metric, baseline, candidate, absolute, relative, direction, withinAllowed };
}

function relativeChange(absolute: number, baseline: number): number {
  if (absolute === 0) return 0;
  if (baseline === 0) return NaN;
  return absolute / Math.abs(baseline);
}

function directionOf(metric: MetricSpec, absolute: number): Delta['direction'] {
  if (absolute === 0) return 'same';
  const improved = metric.goal === 'minimize' ? absolute < 0 : absolute > 0;
  return improved ? 'better' : 'worse';
}

/**
 * Checks whether a worsening (a positive amount in the metric's unit) is beyond the allowance. With both
 * limits given, it must exceed both. Without any limit, it never exceeds the allowance.
 */
function exceedsAllowance(worsening: number, baseline: number, allowed: AllowedRegression | undefined): boolean {
  const limits: boolean[] = [];

  if (allowed?.absolute !== undefined) {
    limits.push(exceeds(worsening, allowed.absolute));
  }
  if (allowed?.relative !== undefined) {
    // From a baseline of 0, any worsening is an infinite relative change.
    const relativeWorsening = baseline === 0 ? Infinity : worsening / Math.abs(baseline);
    limits.push(exceeds(relativeWorsening, allowed.relative));
  }

  return limits.length > 0 && limits.every(Boolean);
}

function exceeds(amount: number, limit: number): boolean {
  return amount - limit > ROUNDING_TOLERANCE * Math.max(1, Math.abs(limit));
}

function validateAllowance(allowed: AllowedRegression | undefined): void {
  for (const [name, value] of Object.entries(allowed ?? {})) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(
        `allowedRegression.${name} is ${JSON.stringify(value)}; it must be a finite number of at least 0 ` +
          '(relative is a fraction of the baseline, 0.02 for 2 %; absolute is in the metric\'s unit).',
      );
    }
  }
}
