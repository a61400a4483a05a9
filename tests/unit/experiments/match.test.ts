import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPERIMENTS_PATTERN, matchExperimentFiles, splitPatterns } from '../../../src/experiments/match.js';

describe('matchExperimentFiles', () => {
  it('selects files of the default glob', () => {
    const files = [
      { filename: 'experiments/lora-r16.json', status: 'modified' },
      { filename: 'experiments/nested/old.json', status: 'added' },
      { filename: 'README.md', status: 'modified' },
      { filename: 'experiments/notes.txt', status: 'added' },
    ];
    expect(matchExperimentFiles(files, DEFAULT_EXPERIMENTS_PATTERN)).toEqual([{ path: 'experiments/lora-r16.json', status: 'modified' }]);
  });

  it('skips removed files', () => {
    const files = [
      { filename: 'experiments/gone.json', status: 'removed' },
      { filename: 'experiments/kept.json', status: 'added' },
    ];
    expect(matchExperimentFiles(files, DEFAULT_EXPERIMENTS_PATTERN).map((file) => file.path)).toEqual(['experiments/kept.json']);
  });

  it('takes a renamed file at its new name', () => {
    const files = [{ filename: 'experiments/new-name.json', status: 'renamed' }];
    expect(matchExperimentFiles(files, DEFAULT_EXPERIMENTS_PATTERN)).toEqual([{ path: 'experiments/new-name.json', status: 'renamed' }]);
  });

  it('sorts paths and lists each once', () => {
    const files = [
      { filename: 'experiments/b.json', status: 'modified' },
      { filename: 'experiments/B.json', status: 'added' },
      { filename: 'experiments/a.json', status: 'modified' },
      { filename: 'experiments/b.json', status: 'modified' },
    ];
    expect(matchExperimentFiles(files, DEFAULT_EXPERIMENTS_PATTERN).map((file) => file.path)).toEqual([
      'experiments/B.json',
      'experiments/a.json',
      'experiments/b.json',
    ]);
  });

  it('accepts a comma and newline separated list', () => {
    const files = [
      { filename: 'experiments/a.json', status: 'added' },
      { filename: 'research/llama/b.json', status: 'added' },
      { filename: 'other/c.json', status: 'added' },
    ];
    const selected = matchExperimentFiles(files, 'experiments/*.json,\n research/**/*.json\n');
    expect(selected.map((file) => file.path)).toEqual(['experiments/a.json', 'research/llama/b.json']);
  });

  it('excludes what a ! glob matches', () => {
    const files = [
      { filename: 'experiments/a.json', status: 'added' },
      { filename: 'experiments/draft-b.json', status: 'added' },
    ];
    const selected = matchExperimentFiles(files, 'experiments/*.json, !experiments/draft-*.json');
    expect(selected.map((file) => file.path)).toEqual(['experiments/a.json']);
  });
});

describe('splitPatterns', () => {
  it('drops blank entries', () => {
    expect(splitPatterns(' a/*.json ,, \n\n!a/x.json ')).toEqual({ include: ['a/*.json'], exclude: ['a/x.json'] });
  });
});
