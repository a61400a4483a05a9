import { describe, expect, it } from 'vitest';
import { and, attributeEquals, quoteKey, quoteValue, tagEquals, validateCommitSha } from '../../../src/tracking/filter.js';
import { Tag } from '../../../src/tracking/tags.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('quoteKey', () => {
  it.each(['mlflow.source.git.commit', 'experiment-pr.content-hash', 'team:owner', 'with space'])('backticks %s', (key) => {
    expect(quoteKey(key)).toBe(`\`${key}\``);
  });

  it('rejects a key with a backtick', () => {
    expect(() => quoteKey('bad`key')).toThrow(/bad`key.*backtick/);
  });

  it('rejects an empty key', () => {
    expect(() => quoteKey('')).toThrow(/empty/);
  });
});

describe('quoteValue', () => {
  it('uses single quotes for plain text', () => {
    expect(quoteValue('experiments/llama.json')).toBe("'experiments/llama.json'");
  });

  it('uses double quotes for a single quote', () => {
    expect(quoteValue("it's")).toBe(`"it's"`);
  });

  it('keeps double quotes inside single quotes', () => {
    expect(quoteValue('say "hi"')).toBe(`'say "hi"'`);
  });

  it('keeps an inner backslash', () => {
    expect(quoteValue('a\\b')).toBe("'a\\b'");
  });

  it('quotes the empty string', () => {
    expect(quoteValue('')).toBe("''");
  });

  it('rejects both quote kinds', () => {
    expect(() => quoteValue(`it's "x"`)).toThrow(/both single and double quotes/);
  });

  it('rejects a trailing backslash', () => {
    expect(() => quoteValue('path\\')).toThrow(/end with a backslash/);
  });
});

describe('tagEquals', () => {
  it('quotes a dotted key and its value', () => {
    expect(tagEquals(Tag.file, 'experiments/a.json')).toBe("tags.`experiment-pr.file` = 'experiments/a.json'");
  });

  it('accepts a full commit SHA', () => {
    expect(tagEquals(Tag.commit, SHA)).toBe(`tags.\`mlflow.source.git.commit\` = '${SHA}'`);
  });

  it('lowercases an upper-case SHA', () => {
    expect(tagEquals(Tag.commit, SHA.toUpperCase())).toContain(`'${SHA}'`);
  });

  it.each([
    ['a short SHA', '0123456'],
    ['a branch name', 'main'],
    ['a quote injection', `${SHA.slice(0, 39)}' or tags.x = 'y`],
    ['41 digits', `${SHA}0`],
    ['non-hex digits', 'g'.repeat(40)],
  ])('rejects %s as a commit', (_case, value) => {
    expect(() => tagEquals(Tag.commit, value)).toThrow(/not 40 hexadecimal digits/);
  });

  it('formats a number value as text', () => {
    expect(tagEquals(Tag.pullRequest, 42)).toBe("tags.`experiment-pr.pull-request` = '42'");
  });
});

describe('validateCommitSha', () => {
  it('names the value and the fix', () => {
    expect(() => validateCommitSha('abc123')).toThrow(/"abc123" is not 40 hexadecimal digits; pass the full SHA/);
  });
});

describe('attributeEquals', () => {
  it('builds a status filter', () => {
    expect(attributeEquals('status', 'FINISHED')).toBe("attributes.status = 'FINISHED'");
  });

  it('rejects an unknown status', () => {
    expect(() => attributeEquals('status', 'DONE')).toThrow(/"DONE" is unknown/);
  });
});

describe('and', () => {
  it('joins clauses', () => {
    expect(and("tags.`a` = 'x'", "attributes.status = 'FINISHED'")).toBe("tags.`a` = 'x' and attributes.status = 'FINISHED'");
  });

  it('skips empty clauses', () => {
    expect(and('', "tags.`a` = 'x'")).toBe("tags.`a` = 'x'");
  });
});
