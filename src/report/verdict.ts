import type { ExperimentResult, Outcome, Report } from './types.js';

/** The conclusions of a completed check run that this action sets (a subset of the Checks API's enum). */
export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'action_required';

/**
 * Maps an outcome to the conclusion of the experiment's check run.
 *
 * - `no-baseline` is `neutral`: the execution ran, but nothing was compared, so the check does not claim
 *   "no regression". GitHub counts a neutral conclusion as passing for a required check.
 * - `not-started` (for example a fork pull request without credentials) is `neutral` too: nothing was
 *   wrong with the experiment, and a maintainer may `/rerun` it.
 * - `running` has no conclusion: its check run stays in progress until a later job finishes it.
 */
export function experimentConclusion(outcome: Outcome): CheckConclusion | undefined {
  switch (outcome) {
    case 'success':
      return 'success';
    case 'no-baseline':
    case 'not-started':
      return 'neutral';
    case 'regressed':
    case 'failed':
    case 'invalid':
    case 'metric-missing':
    case 'not-finite':
    case 'timed-out':
      return 'failure';
    case 'cancelled':
    case 'superseded':
      return 'cancelled';
    case 'running':
      return undefined;
  }
}

/** Outcomes that make the aggregate check fail. */
export function isFailure(outcome: Outcome): boolean {
  return experimentConclusion(outcome) === 'failure';
}

/** Outcomes that count as passed in the aggregate check and the comment's heading. */
export function isPassed(outcome: Outcome): boolean {
  return outcome === 'success' || outcome === 'no-baseline';
}

/**
 * Returns the conclusion of the aggregate check that branch protection requires, or `undefined` while an
 * experiment is still running.
 *
 * It is `success` only when every experiment passed (or no experiment changed), `failure` when any failed or
 * regressed beyond its allowance, and `cancelled` when any was cancelled or superseded. An experiment that was
 * not started makes it `action_required`, which does not satisfy a required check: a fork pull request
 * cannot be merged past a required experiment check until a maintainer runs it with `/rerun`.
 */
export function aggregateConclusion(results: ExperimentResult[]): CheckConclusion | undefined {
  const outcomes = results.map((result) => result.outcome);

  if (outcomes.some(isFailure)) return 'failure';
  if (outcomes.includes('running')) return undefined;
  if (outcomes.includes('cancelled') || outcomes.includes('superseded')) return 'cancelled';
  if (outcomes.includes('not-started')) return 'action_required';
  return 'success';
}

const OUTCOME_LABELS: Record<Outcome, string> = {
  success: 'passed',
  regressed: 'regressed',
  'no-baseline': 'no baseline',
  invalid: 'invalid',
  failed: 'failed',
  'metric-missing': 'metric missing',
  'not-finite': 'metric not finite',
  'timed-out': 'timed out',
  cancelled: 'cancelled',
  superseded: 'superseded',
  'not-started': 'not started',
  running: 'running',
};

const OUTCOME_ICONS: Record<Outcome, string> = {
  success: '✅',
  regressed: '❌',
  'no-baseline': '🆕',
  invalid: '⛔',
  failed: '❌',
  'metric-missing': '❌',
  'not-finite': '❌',
  'timed-out': '⏱️',
  cancelled: '⏹️',
  superseded: '⏭️',
  'not-started': '⏸️',
  running: '⏳',
};

/** Renders the status cell of an experiment: an icon and the outcome in words, for example `❌ regressed`. */
export function outcomeLabel(outcome: Outcome): string {
  return `${OUTCOME_ICONS[outcome]} ${OUTCOME_LABELS[outcome]}`;
}

/** Counts of each outcome in words, most severe first: `1 regressed, 1 failed, 3 passed`. */
export function countOutcomes(results: ExperimentResult[]): string {
  const order = Object.keys(OUTCOME_LABELS) as Outcome[];
  const severity = (outcome: Outcome): number => (isFailure(outcome) ? 0 : isPassed(outcome) ? 2 : 1);
  order.sort((a, b) => severity(a) - severity(b));

  const parts: string[] = [];
  for (const outcome of order) {
    const count = results.filter((result) => result.outcome === outcome).length;
    if (count > 0) parts.push(`${count} ${OUTCOME_LABELS[outcome]}`);
  }
  return parts.join(', ');
}

/** Renders a report's headline, its overall verdict with the counts, for the comment and the job summary. */
export function reportHeadline(report: Report): string {
  const { results } = report;
  if (results.length === 0) return '✅ No experiments changed';

  const noun = results.length === 1 ? 'experiment' : 'experiments';
  const counts = countOutcomes(results);
  switch (aggregateConclusion(results)) {
    case 'success':
      return `✅ ${results.length} ${noun} passed (${counts})`;
    case 'failure':
      return `❌ ${results.length} ${noun}: ${counts}`;
    case undefined:
      return `⏳ ${results.length} ${noun}, still running: ${counts}`;
    default:
      return `⚠️ ${results.length} ${noun}: ${counts}`;
  }
}
