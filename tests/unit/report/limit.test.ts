import { describe, expect, it } from 'vitest';

import { fitMarkdown, utf8Length } from '../../../src/report/limit.js';

const POINTER = 'The rest is in the check run.';

describe('fitMarkdown', () => {
  it('returns a short text unchanged', () => {
    expect(fitMarkdown('a\nb', 100, POINTER)).toEqual({ text: 'a\nb', cut: false });
  });

  it('cuts at a line boundary', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
    const { text, cut } = fitMarkdown(lines.join('\n'), 200, POINTER);

    expect(cut).toBe(true);
    expect(utf8Length(text)).toBeLessThanOrEqual(200);
    const keptLines = text.split('\n').slice(0, text.split('\n').indexOf(''));
    expect(keptLines).toEqual(lines.slice(0, keptLines.length));
    expect(text.trimEnd().endsWith(POINTER)).toBe(true);
  });

  it('closes an open details block', () => {
    const markdown = ['marker', '<details>', '<summary>s</summary>', '', ...Array(50).fill('x'.repeat(20)), '</details>'].join('\n');
    const { text } = fitMarkdown(markdown, 300, POINTER);

    expect(text.split('\n').filter((line) => line === '</details>')).toHaveLength(1);
  });

  it('closes an open code fence', () => {
    const markdown = ['marker', '````text', ...Array(50).fill('<details>'), '````'].join('\n');
    const { text } = fitMarkdown(markdown, 200, POINTER);
    const lines = text.split('\n');

    expect(lines.filter((line) => line === '````')).toHaveLength(1);
    expect(lines).not.toContain('</details>');
  });

  it('counts multi-byte characters as bytes', () => {
    const markdown = ['marker', ...Array(100).fill('✅✅✅')].join('\n');
    const { text } = fitMarkdown(markdown, 300, POINTER);

    expect(utf8Length(text)).toBeLessThanOrEqual(300);
    expect(text.length).toBeLessThan(300);
  });

  it('rejects a limit below the pointer', () => {
    expect(() => fitMarkdown('a\nb\nc\nd', 5, POINTER)).toThrow(/cannot fit the report into 5 bytes/);
  });
});
