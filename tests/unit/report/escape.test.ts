import { describe, expect, it } from 'vitest';

import { codeBlock, escapeCell, inlineCode, markdownLink, truncate } from '../../../src/report/escape.js';
import { cellsOf } from './fixtures.js';

describe('escapeCell', () => {
  it('escapes pipes', () => {
    expect(escapeCell('lr=2e-5 | wd=0.1')).toBe('lr=2e-5 \\| wd=0.1');
  });

  it('renders line breaks as <br>', () => {
    expect(escapeCell('a\nb\r\nc\rd')).toBe('a<br>b<br>c<br>d');
  });

  it('escapes HTML special characters', () => {
    expect(escapeCell('<img src=x onerror=alert(1)> & "q"')).toBe('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;');
  });

  it('escapes backticks and emphasis', () => {
    expect(escapeCell('`code` *bold* [link]')).toBe('\\`code\\` \\*bold\\* \\[link\\]');
  });

  it('keeps an escaped pipe in its cell', () => {
    const row = `| ${escapeCell('a\\|b')} | ${escapeCell('c\\')} |`;

    expect(cellsOf(row)).toHaveLength(2);
  });
});

describe('inlineCode', () => {
  it('wraps a plain value', () => {
    expect(inlineCode('LoraR')).toBe('`LoraR`');
  });

  it('outlasts backticks in the value', () => {
    expect(inlineCode('a``b')).toBe('```a``b```');
  });

  it('pads a value that starts with a backtick', () => {
    expect(inlineCode('`x')).toBe('`` `x ``');
  });

  it('escapes pipes only in tables', () => {
    expect(inlineCode('a|b', { inTable: true })).toBe('`a\\|b`');
    expect(inlineCode('a|b')).toBe('`a|b`');
  });

  it('splits lines into spans', () => {
    expect(inlineCode('a\nb')).toBe('`a`<br>`b`');
  });
});

describe('codeBlock', () => {
  it('uses a fence longer than the value', () => {
    expect(codeBlock('x\n````\ny')).toBe('`````text\nx\n````\ny\n`````');
  });
});

describe('markdownLink', () => {
  it('links an https URL', () => {
    expect(markdownLink('run', 'https://example.test/a b(c)')).toBe('[run](https://example.test/a%20b%28c%29)');
  });

  it('rejects a javascript URL', () => {
    expect(markdownLink('run', 'javascript:alert(1)')).toBeUndefined();
  });

  it('rejects an invalid URL', () => {
    expect(markdownLink('run', 'not a url')).toBeUndefined();
  });
});

describe('truncate', () => {
  it('keeps a short value', () => {
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('ends a long value with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
  });

  it('counts code points', () => {
    expect(truncate('😀😀😀', 2)).toBe('😀…');
  });
});
