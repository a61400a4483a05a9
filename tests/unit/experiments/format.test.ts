import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatParameterValue } from '../../../src/experiments/format.js';

/** Each Float case and the string it is sent as: the string Python's repr() gives for the same double. */
const FLOAT_CASES: [number, string][] = [
  [2e-5, '2e-05'],
  [1e-7, '1e-07'],
  [0.1, '0.1'],
  [1e21, '1e+21'],
  [3, '3.0'],
  [-0, '-0.0'],
  [0.0002, '0.0002'],
  [0.00012, '0.00012'],
  [1.5e-5, '1.5e-05'],
  [123.456, '123.456'],
  [1e15, '1000000000000000.0'],
  [1e16, '1e+16'],
  [-2.5e-9, '-2.5e-09'],
  [1.7976931348623157e308, '1.7976931348623157e+308'],
  [5e-324, '5e-324'],
];

const python = process.env.SEP_VENV === undefined ? undefined : `${process.env.SEP_VENV}/bin/python`;

describe('formatParameterValue Float', () => {
  it.each(FLOAT_CASES)('formats %d as %s', (value, expected) => {
    expect(formatParameterValue(value, 'Float')).toBe(expected);
  });

  it.each(FLOAT_CASES)('reads %d back from its string', (value) => {
    expect(Object.is(Number(formatParameterValue(value, 'Float')), value)).toBe(true);
  });

  it.skipIf(python === undefined || !existsSync(python))('matches Python float() and repr() (needs SEP_VENV)', () => {
    const strings = FLOAT_CASES.map(([value]) => formatParameterValue(value, 'Float'));
    const script = 'import json, sys\nprint(json.dumps([repr(float(s)) for s in json.loads(sys.argv[1])]))';
    const output = execFileSync(python as string, ['-c', script, JSON.stringify(strings)], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual(strings);
  });
});

describe('formatParameterValue other types', () => {
  it('formats an Integer in base 10', () => {
    expect(formatParameterValue(16, 'Integer')).toBe('16');
  });

  it('formats a large Integer without exponent', () => {
    expect(formatParameterValue(1e21, 'Integer')).toBe('1000000000000000000000');
  });

  it('formats a negative Integer', () => {
    expect(formatParameterValue(-1, 'Integer')).toBe('-1');
  });

  it('formats a Boolean as true or false', () => {
    expect(formatParameterValue(true, 'Boolean')).toBe('true');
    expect(formatParameterValue(false, 'Boolean')).toBe('false');
  });

  it('keeps a String unchanged', () => {
    expect(formatParameterValue(' s3://bucket/x ', 'String')).toBe(' s3://bucket/x ');
  });

  it('formats a fraction given for an Integer as a float', () => {
    expect(formatParameterValue(8.5, 'Integer')).toBe('8.5');
  });
});
