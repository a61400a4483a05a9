import { describe, expect, it } from 'vitest';
import { parseCommands, suggestCommand, usageText, validateExperimentPath } from '../../../src/event/commands.js';

const PATTERN = 'experiments/*.json';

describe('parseCommands', () => {
  const table: [name: string, body: string, expected: unknown][] = [
    ['bare rerun', '/rerun', { kind: 'rerun', selection: { kind: 'changed' } }],
    ['rerun all', '/rerun all', { kind: 'rerun', selection: { kind: 'changed' } }],
    ['rerun failed', '/rerun failed', { kind: 'rerun', selection: { kind: 'failed' } }],
    ['rerun paths', '/rerun experiments/a.json experiments/b.json', { kind: 'rerun', selection: { kind: 'paths', paths: ['experiments/a.json', 'experiments/b.json'] } }],
    ['paths with commas and backticks', '/rerun `experiments/a.json`, ./experiments/b.json', { kind: 'rerun', selection: { kind: 'paths', paths: ['experiments/a.json', 'experiments/b.json'] } }],
    ['repeated path once', '/rerun experiments/a.json experiments/a.json', { kind: 'rerun', selection: { kind: 'paths', paths: ['experiments/a.json'] } }],
    ['surrounding whitespace', '   /rerun   \t', { kind: 'rerun', selection: { kind: 'changed' } }],
    ['mixed case word', '/Rerun', { kind: 'rerun', selection: { kind: 'changed' } }],
    ['upper case failed', '/RERUN Failed', { kind: 'rerun', selection: { kind: 'failed' } }],
    ['help', '/help', { kind: 'help' }],
    ['command after prose lines', 'Thanks for the fix!\r\n\r\n/rerun\r\n', { kind: 'rerun', selection: { kind: 'changed' } }],
  ];
  for (const [name, body, expected] of table) {
    it(`accepts ${name}`, () => {
      expect(parseCommands(body, PATTERN)).toMatchObject(expected as object);
    });
  }

  const ignored: [name: string, body: string][] = [
    ['empty body', ''],
    ['prose mention', 'please /rerun this when you can'],
    ['quoted line', '> /rerun\n\nI agree with the above.'],
    ['nested quote', '> > /rerun'],
    ['backtick fence', 'Try this:\n```\n/rerun\n```'],
    ['tilde fence', '~~~text\n/rerun failed\n~~~'],
    ['unclosed fence', '```\n/rerun'],
    ['longer closing fence needed', '````\n```\n/rerun\n````'],
    ['indented code', '    /rerun'],
    ['tab indent', '\t/rerun'],
    ['html comment', '<!--\n/rerun\n-->'],
    ['list item', '- /rerun'],
    ['inline code', 'Comment `/rerun` to try again'],
    ['path not a command', '/usr/bin/python crashed'],
    ['other bot command', '/lgtm'],
    ['prow hold', '/hold'],
    ['bare slash', '/'],
  ];
  for (const [name, body] of ignored) {
    it(`ignores ${name}`, () => {
      expect(parseCommands(body, PATTERN)).toEqual({ kind: 'none' });
    });
  }

  it('command after a closed fence counts', () => {
    const parsed = parseCommands('```\n/help\n```\n/rerun failed', PATTERN);

    expect(parsed).toMatchObject({ kind: 'rerun', selection: { kind: 'failed' } });
  });

  it('first of several commands wins', () => {
    const parsed = parseCommands('/rerun experiments/a.json\n/help\n/rerun failed', PATTERN);

    expect(parsed).toMatchObject({ kind: 'rerun', selection: { kind: 'paths', paths: ['experiments/a.json'] } });
    expect(parsed).toMatchObject({ ignored: ['/help', '/rerun failed'] });
  });

  it('misspelled command suggests rerun', () => {
    expect(parseCommands('/rerum', PATTERN)).toMatchObject({ kind: 'unknown', word: 'rerum', suggestion: 'rerun' });
  });

  it('swapped letters suggest rerun', () => {
    expect(parseCommands('/reurn', PATTERN)).toMatchObject({ kind: 'unknown', suggestion: 'rerun' });
  });

  it('prow habit suggests rerun', () => {
    expect(parseCommands('/retest', PATTERN)).toMatchObject({ kind: 'unknown', word: 'retest', suggestion: 'rerun' });
  });

  it('misspelled help suggests help', () => {
    expect(parseCommands('/hepl', PATTERN)).toMatchObject({ kind: 'unknown', suggestion: 'help' });
  });

  it('trailing text is an argument', () => {
    const parsed = parseCommands('/rerun experiments/a.json please', PATTERN);

    expect(parsed.kind).toBe('invalid');
    expect(parsed).toMatchObject({ problems: [expect.stringContaining('`please` is not an experiment file')] });
  });

  it('failed with paths is invalid', () => {
    expect(parseCommands('/rerun failed experiments/a.json', PATTERN)).toMatchObject({ kind: 'invalid', problems: [expect.stringContaining('`failed` takes no paths')] });
  });

  it('keeps the line for replies', () => {
    expect(parseCommands('  /rerun ../secrets.json  ', PATTERN)).toMatchObject({ kind: 'invalid', line: '/rerun ../secrets.json' });
  });
});

describe('validateExperimentPath', () => {
  it('accepts a matching path', () => {
    expect(validateExperimentPath('experiments/lora.json', PATTERN)).toEqual({ path: 'experiments/lora.json' });
  });

  it('drops a leading ./', () => {
    expect(validateExperimentPath('./experiments/lora.json', PATTERN)).toEqual({ path: 'experiments/lora.json' });
  });

  it('rejects ..', () => {
    expect(validateExperimentPath('experiments/../secrets.json', PATTERN)).toEqual({ problem: expect.stringContaining('contains `..`') });
  });

  it('rejects an absolute path', () => {
    expect(validateExperimentPath('/etc/passwd', PATTERN)).toEqual({ problem: expect.stringContaining('is an absolute path') });
  });

  it('rejects a drive letter', () => {
    expect(validateExperimentPath('C:/experiments/a.json', PATTERN)).toEqual({ problem: expect.stringContaining('is an absolute path') });
  });

  it('rejects backslashes', () => {
    expect(validateExperimentPath('experiments\\a.json', PATTERN)).toEqual({ problem: expect.stringContaining('backslash') });
  });

  it('rejects a path outside the glob', () => {
    expect(validateExperimentPath('src/main.ts', PATTERN)).toEqual({ problem: expect.stringContaining('does not match the `experiments` input `experiments/*.json`') });
  });

  it('rejects a nested path that * does not cross', () => {
    expect('problem' in validateExperimentPath('experiments/old/a.json', PATTERN)).toBe(true);
  });

  it('honors an exclusion in the input', () => {
    expect('problem' in validateExperimentPath('experiments/draft-a.json', 'experiments/*.json, !experiments/draft-*.json')).toBe(true);
  });
});

describe('suggestCommand', () => {
  it('leaves distant words alone', () => {
    expect(suggestCommand('assign')).toBeUndefined();
  });
});

describe('usageText', () => {
  it('ends with the docs link', () => {
    const text = usageText(PATTERN, 'https://github.com/acme/lab#commands');

    expect(text.trimEnd().endsWith('https://github.com/acme/lab#commands')).toBe(true);
  });

  it('names every command', () => {
    const text = usageText(PATTERN, 'https://example.test');

    for (const command of ['`/rerun`', '`/rerun failed`', '`/help`', 'experiments/*.json']) expect(text).toContain(command);
  });
});
