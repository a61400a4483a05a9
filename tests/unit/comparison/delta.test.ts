import { describe, expect, it } from 'vitest';
import { computeDelta } from '../../../src/comparison/delta.js';
import type { MetricSpec } from '../../../src/experiments/types.js';

const PERPLEXITY: MetricSpec = { name: 'eval_perplexity', goal: 'minimize' };
const ACCURACY: MetricSpec = { name: 'eval_accuracy', goal: 'maximize' };

describe('computeDelta minimize', () => {
  it('computes absolute and relative deltas', () => {
    const delta = computeDelta(PERPLEXITY, 8, 6);
    expect(delta.absolute).toBe(-2);
    expect(delta.relative).toBe(-0.25);
  });

  it('calls a lower perplexity better', () => {
    expect(computeDelta(PERPLEXITY, 8, 6).direction).toBe('better');
  });

  it('calls a higher perplexity worse', () => {
    expect(computeDelta(PERPLEXITY, 8, 9).direction).toBe('worse');
  });

  it('calls an equal value same', () => {
    const delta = computeDelta(PERPLEXITY, 8, 8);
    expect(delta.direction).toBe('same');
    expect(delta.relative).toBe(0);
  });

  it('keeps the inputs', () => {
    const delta = computeDelta(PERPLEXITY, 8, 6);
    expect(delta.baseline).toBe(8);
    expect(delta.candidate).toBe(6);
    expect(delta.metric).toBe(PERPLEXITY);
  });
});

describe('computeDelta maximize', () => {
  it('calls a higher value better', () => {
    expect(computeDelta(ACCURACY, 0.5, 0.6).direction).toBe('better');
  });

  it('calls a lower value worse', () => {
    expect(computeDelta(ACCURACY, 0.6, 0.5).direction).toBe('worse');
  });

  it('fails a drop beyond the allowance', () => {
    expect(computeDelta(ACCURACY, 0.6, 0.5, { absolute: 0.05 }).withinAllowed).toBe(false);
  });
});

describe('computeDelta non-finite', () => {
  it('gives n/a for a NaN candidate', () => {
    const delta = computeDelta(PERPLEXITY, 8, NaN);
    expect(delta.direction).toBe('n/a');
    expect(delta.absolute).toBeNaN();
    expect(delta.relative).toBeNaN();
  });

  it('fails a NaN candidate', () => {
    expect(computeDelta(PERPLEXITY, 8, NaN).withinAllowed).toBe(false);
  });

  it('fails an infinite candidate', () => {
    const delta = computeDelta(PERPLEXITY, 8, Infinity);
    expect(delta.direction).toBe('n/a');
    expect(delta.withinAllowed).toBe(false);
  });

  it('passes a finite candidate over an infinite baseline', () => {
    const delta = computeDelta(PERPLEXITY, Infinity, 8);
    expect(delta.direction).toBe('n/a');
    expect(delta.absolute).toBeNaN();
    expect(delta.withinAllowed).toBe(true);
  });

  it('gives n/a for a NaN baseline', () => {
    expect(computeDelta(PERPLEXITY, NaN, 8).direction).toBe('n/a');
  });
});

describe('computeDelta zero baseline', () => {
  it('has no relative delta', () => {
    const delta = computeDelta(ACCURACY, 0, 0.1);
    expect(delta.absolute).toBe(0.1);
    expect(delta.relative).toBeNaN();
  });

  it('fails any worsening against a relative allowance', () => {
    expect(computeDelta(PERPLEXITY, 0, 0.001, { relative: 0.5 }).withinAllowed).toBe(false);
  });

  it('has zero relative delta when equal', () => {
    expect(computeDelta(PERPLEXITY, 0, 0).relative).toBe(0);
  });
});

describe('computeDelta allowance', () => {
  it('passes any worsening without an allowance', () => {
    const delta = computeDelta(PERPLEXITY, 8, 80);
    expect(delta.direction).toBe('worse');
    expect(delta.withinAllowed).toBe(true);
  });

  it('passes an empty allowance like none', () => {
    expect(computeDelta(PERPLEXITY, 8, 80, {}).withinAllowed).toBe(true);
  });

  it('passes a worsening at the relative limit', () => {
    expect(computeDelta(PERPLEXITY, 10, 10.2, { relative: 0.02 }).withinAllowed).toBe(true);
  });

  it('fails a worsening past the relative limit', () => {
    expect(computeDelta(PERPLEXITY, 10, 10.21, { relative: 0.02 }).withinAllowed).toBe(false);
  });

  it('passes a worsening at the absolute limit', () => {
    expect(computeDelta(PERPLEXITY, 7.3, 7.6, { absolute: 0.3 }).withinAllowed).toBe(true);
  });

  it('fails a worsening past the absolute limit', () => {
    expect(computeDelta(PERPLEXITY, 7.3, 7.7, { absolute: 0.3 }).withinAllowed).toBe(false);
  });

  it('passes when only one of both limits is exceeded', () => {
    expect(computeDelta(PERPLEXITY, 10, 10.5, { relative: 0.02, absolute: 1 }).withinAllowed).toBe(true);
  });

  it('fails when both limits are exceeded', () => {
    expect(computeDelta(PERPLEXITY, 10, 11.5, { relative: 0.02, absolute: 1 }).withinAllowed).toBe(false);
  });

  it('passes an improvement with a zero allowance', () => {
    expect(computeDelta(PERPLEXITY, 10, 9, { absolute: 0 }).withinAllowed).toBe(true);
  });

  it('fails any worsening with a zero allowance', () => {
    expect(computeDelta(PERPLEXITY, 10, 10.001, { absolute: 0 }).withinAllowed).toBe(false);
  });

  it('rejects a negative allowance', () => {
    expect(() => computeDelta(PERPLEXITY, 10, 9, { relative: -0.1 })).toThrow(/allowedRegression.relative is -0.1/);
  });
});
