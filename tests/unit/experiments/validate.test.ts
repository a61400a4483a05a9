import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runValidate, runValidateCommand } from '../../../src/cli/validate.js';

/** A folder laid out like a repository: experiments/*.json and a pipeline definition. */
const REPOSITORY = fileURLToPath(new URL('../../fixtures/experiments/', import.meta.url));

async function validate(paths: string[], options: { definitionPath?: string; format?: 'text' | 'github' } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runValidate(paths, {
    ...options,
    cwd: REPOSITORY,
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  });
  return { code, lines: stdout.split('\n').filter((line) => line !== ''), stderr };
}

async function command(argv: string[]) {
  let stderr = '';
  const code = await runValidateCommand(argv, { cwd: REPOSITORY, stdout: { write: () => true }, stderr: { write: (chunk: string) => (stderr += chunk) } });
  return { code, stderr };
}

describe('runValidate', () => {
  it('exits 0 on a valid file', async () => {
    const result = await validate(['experiments/valid.json']);
    expect(result.code).toBe(0);
    expect(result.lines).toEqual(['1 experiment file valid']);
  });

  it('prints file:line:column lines and exits 1', async () => {
    const result = await validate(['experiments/empty.json']);
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      `experiments/empty.json:4:24: error: "DatasetRevision" is an empty string (give the dataset revision, e.g. "v3", or remove the key to use the pipeline's default)`,
      '1 error in 1 file (1 checked)',
    ]);
  });

  it('prints workflow commands for github', async () => {
    const result = await validate(['experiments/duplicate-key.json'], { format: 'github' });
    expect(result.lines[0]).toMatch(/^::error file=experiments\/duplicate-key\.json,line=5,col=5,title=experiment duplicate-key::duplicate key LearningRate/);
  });

  it('reports a glob that matches nothing', async () => {
    const result = await validate(['experiments/none-*.json']);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toContain('experiments/none-*.json:1:1: error: no file matches the glob experiments/none-*.json');
  });

  it('reports a missing file', async () => {
    const result = await validate(['experiments/missing.json']);
    expect(result.code).toBe(1);
    expect(result.lines[0]).toContain('experiments/missing.json not found');
  });

  it('expands a quoted glob', async () => {
    const result = await validate(['./experiments/*.json']);
    expect(result.code).toBe(1);
    expect(result.lines.at(-1)).toMatch(/in 6 files \(9 checked\)$/);
  });

  it('notes a missing default definition', async () => {
    const result = await validate(['experiments/valid.json']);
    expect(result.stderr).toContain('containers/pipeline/definition.json not found');
  });

  it('checks parameters against a definition', async () => {
    const result = await validate(['experiments/typo.json'], { definitionPath: 'definition.json' });
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe('experiments/typo.json:4:5: error: "LearningRat" is not a parameter of the pipeline (did you mean "LearningRate"?)');
  });

  it('exits 2 without paths', async () => {
    expect((await validate([])).code).toBe(2);
  });

  it('exits 2 on a missing definition file', async () => {
    const result = await validate(['experiments/valid.json'], { definitionPath: 'nowhere.json' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pipeline definition nowhere.json not found');
  });
});

describe('runValidateCommand', () => {
  it('exits 2 on an unknown format', async () => {
    const result = await command(['--format', 'xml', 'experiments/valid.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--format is "xml"');
  });

  it('exits 2 on an unknown option', async () => {
    expect((await command(['--strict', 'experiments/valid.json'])).code).toBe(2);
  });

  it('passes the definition option on', async () => {
    expect((await command(['--definition', 'definition.json', 'experiments/typo.json'])).code).toBe(1);
  });
});
