import { describe, expect, it } from 'vitest';

import { aggregateConclusion, experimentConclusion } from '../../../src/report/verdict.js';
import type { Outcome } from '../../../src/report/types.js';
import { successResult } from './fixtures.js';

const CONCLUSIONS: [Outcome, string | undefined][] = [
  ['success', 'success'],
  ['regressed', 'failure'],
  ['failed', 'failure'],
  ['invalid', 'failure'],
  ['metric-missing', 'failure'],
  ['not-finite', 'failure'],
  ['timed-out', 'failure'],
  ['no-baseline', 'neutral'],
  ['not-started', 'neutral'],
  ['cancelled', 'cancelled'],
  ['superseded', 'cancelled'],
  ['running', undefined],
];

describe('experimentConclusion', () => {
  it.each(CONCLUSIONS)('%s concludes %s', (outcome, conclusion) => {
    expect(experimentConclusion(outcome)).toBe(conclusion);
  });
});

function resultsWith(...outcomes: Outcome[]) {
  return outcomes.map((outcome, i) => successResult({ path: `experiments/${i}.json`, outcome }));
}

describe('aggregateConclusion', () => {
  it('succeeds with no experiments', () => {
    expect(aggregateConclusion([])).toBe('success');
  });

  it('succeeds when all passed', () => {
    expect(aggregateConclusion(resultsWith('success', 'no-baseline'))).toBe('success');
  });

  it('fails when one regressed', () => {
    expect(aggregateConclusion(resultsWith('success', 'regressed'))).toBe('failure');
  });

  it('fails on a failure while another runs', () => {
    expect(aggregateConclusion(resultsWith('failed', 'running'))).toBe('failure');
  });

  it('stays open while one runs', () => {
    expect(aggregateConclusion(resultsWith('success', 'running'))).toBeUndefined();
  });

  it('is cancelled when one was superseded', () => {
    expect(aggregateConclusion(resultsWith('success', 'superseded'))).toBe('cancelled');
  });

  it('requires action when one was not started', () => {
    expect(aggregateConclusion(resultsWith('success', 'not-started'))).toBe('action_required');
  });
});
