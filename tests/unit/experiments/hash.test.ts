import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../../src/experiments/hash.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}');
  });

  it('writes equal doubles alike', () => {
    expect(canonicalJson({ x: 2e-5 })).toBe(canonicalJson({ x: 0.00002 }));
  });
});

describe('contentHash', () => {
  const parameters = { LoraR: 16, LearningRate: 2e-5, ModelId: 'tiny-llama' };

  it('is SHA-256 hex of the canonical parameters', () => {
    const expected = createHash('sha256').update('{"parameters":{"LearningRate":0.00002,"LoraR":16}}').digest('hex');
    expect(contentHash({ parameters: { LoraR: 16, LearningRate: 2e-5 } })).toBe(expected);
  });

  it('ignores key order', () => {
    const reordered = { ModelId: 'tiny-llama', LearningRate: 2e-5, LoraR: 16 };
    expect(contentHash({ parameters: reordered })).toBe(contentHash({ parameters }));
  });

  it('changes with a value', () => {
    expect(contentHash({ parameters: { ...parameters, LoraR: 32 } })).not.toBe(contentHash({ parameters }));
  });

  it('changes with an added parameter', () => {
    expect(contentHash({ parameters: { ...parameters, Seed: 42 } })).not.toBe(contentHash({ parameters }));
  });

  it('tells a string from a number', () => {
    expect(contentHash({ parameters: { DatasetRevision: '3' } })).not.toBe(contentHash({ parameters: { DatasetRevision: 3 } }));
  });

  it('ignores fields beside the parameters', () => {
    const withMetric = { parameters, metric: { name: 'eval_loss', goal: 'minimize' } };
    expect(contentHash(withMetric)).toBe(contentHash({ parameters }));
  });
});
