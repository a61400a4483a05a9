import { describe, expect, it } from 'vitest';
import { diffParameters } from '../../../src/comparison/parameters.js';

describe('diffParameters', () => {
  it('finds a changed value', () => {
    expect(diffParameters({ Epochs: 3 }, { Epochs: 4 })).toEqual([{ name: 'Epochs', before: 3, after: 4 }]);
  });

  it('treats 2e-5 and 0.00002 as one value', () => {
    expect(diffParameters({ LearningRate: 2e-5 }, { LearningRate: 0.00002 })).toEqual([]);
  });

  it('treats a numeric string as its number', () => {
    expect(diffParameters({ LearningRate: '2e-5' }, { LearningRate: 0.00002 })).toEqual([]);
  });

  it('compares two strings as text', () => {
    expect(diffParameters({ Revision: '2e-5' }, { Revision: '0.00002' })).toHaveLength(1);
  });

  it('treats a boolean string as the boolean', () => {
    expect(diffParameters({ UseLora: 'True' }, { UseLora: true })).toEqual([]);
  });

  it('reports a boolean change', () => {
    expect(diffParameters({ UseLora: false }, { UseLora: true })).toEqual([{ name: 'UseLora', before: false, after: true }]);
  });

  it('reports an added parameter', () => {
    expect(diffParameters({}, { LoraRank: 16 })).toEqual([{ name: 'LoraRank', after: 16 }]);
  });

  it('reports a removed parameter', () => {
    expect(diffParameters({ LoraRank: 16 }, {})).toEqual([{ name: 'LoraRank', before: 16 }]);
  });

  it('reports every parameter of a new file', () => {
    expect(diffParameters(undefined, { B: 1, A: 'x' })).toEqual([
      { name: 'A', after: 'x' },
      { name: 'B', after: 1 },
    ]);
  });

  it('sorts by name', () => {
    const changes = diffParameters({ Zeta: 1, alpha: 1, Beta: 1 }, { Zeta: 2, alpha: 2, Beta: 2 });
    expect(changes.map((change) => change.name)).toEqual(['Beta', 'Zeta', 'alpha']);
  });

  it('reports a number replaced by text', () => {
    expect(diffParameters({ BatchSize: 8 }, { BatchSize: 'auto' })).toHaveLength(1);
  });

  it('reports an empty string replacing zero', () => {
    expect(diffParameters({ Warmup: 0 }, { Warmup: '' })).toHaveLength(1);
  });
});
