import { describe, expect, it } from 'vitest';
import { parseMetricValue, parseMlflowJson, serializeMetricValue } from '../../../src/tracking/values.js';
import { parseRun } from '../../../src/tracking/wire.js';

describe('parseMetricValue', () => {
  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['inf', Infinity],
    ['-inf', -Infinity],
    ['1.25', 1.25],
    [1.25, 1.25],
    [0, 0],
  ])('reads %j', (input, expected) => {
    expect(parseMetricValue(input)).toBe(expected);
  });

  it('reads the SQL store infinity as Infinity', () => {
    expect(parseMetricValue(1.7976931348623157e308)).toBe(Infinity);
  });

  it('reads the SQL store negative infinity as -Infinity', () => {
    expect(parseMetricValue(-1.7976931348623157e308)).toBe(-Infinity);
  });

  it('reads garbage as NaN, not 0', () => {
    expect(parseMetricValue('')).toBeNaN();
  });

  it('reads null as NaN', () => {
    expect(parseMetricValue(null)).toBeNaN();
  });
});

describe('serializeMetricValue', () => {
  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [3.5, 3.5],
  ])('writes %s', (input, expected) => {
    expect(serializeMetricValue(input)).toBe(expected);
  });
});

describe('parseMlflowJson', () => {
  it('reads bare non-finite tokens', () => {
    const body = parseMlflowJson('{"metrics":[{"key":"a","value":NaN},{"key":"b","value":Infinity},{"key":"c","value":-Infinity}]}') as {
      metrics: { value: unknown }[];
    };
    expect(body.metrics.map((metric) => parseMetricValue(metric.value))).toEqual([NaN, Infinity, -Infinity]);
  });

  it('leaves strings with the tokens alone', () => {
    const body = parseMlflowJson('{"tag":"NaN Infinity \\" NaN","value":NaN}') as { tag: string };
    expect(body.tag).toBe('NaN Infinity " NaN');
  });

  it('still rejects invalid JSON', () => {
    expect(() => parseMlflowJson('<html>')).toThrow();
  });
});

describe('parseRun', () => {
  // A runs/get response of a failed evaluation, as MLflow's protobuf JSON writes it.
  const response = {
    info: { run_id: 'r1', experiment_id: '7', status: 'FINISHED', start_time: 1700000000000, end_time: '1700000100000' },
    data: {
      metrics: [
        { key: 'eval_perplexity', value: 'NaN', timestamp: 1700000050000, step: 0 },
        { key: 'eval_loss', value: 'Infinity', timestamp: 1700000050000, step: 0 },
      ],
      params: [{ key: 'LearningRate', value: '2e-05' }],
      tags: [{ key: 'mlflow.source.git.commit', value: 'abc' }],
    },
  };

  it('parses a NaN perplexity as a number', () => {
    expect(parseRun(response, 'runs/get').metrics.eval_perplexity).toBeNaN();
  });

  it('parses an infinite loss as Infinity', () => {
    expect(parseRun(response, 'runs/get').metrics.eval_loss).toBe(Infinity);
  });

  it('reads an int64 written as a string', () => {
    expect(parseRun(response, 'runs/get').info.endTime).toBe(1700000100000);
  });

  it('keeps metric timestamps', () => {
    expect(parseRun(response, 'runs/get').metricTimestamps?.eval_loss).toBe(1700000050000);
  });

  it('reads tags and params', () => {
    const run = parseRun(response, 'runs/get');
    expect(run.tags['mlflow.source.git.commit']).toBe('abc');
    expect(run.params.LearningRate).toBe('2e-05');
  });

  it('rejects a run without an id', () => {
    expect(() => parseRun({ info: { experiment_id: '1', status: 'FINISHED' } }, 'runs/get')).toThrow(/runs\/get returned a run without run_id/);
  });

  it('rejects an unknown status', () => {
    expect(() => parseRun({ info: { run_id: 'r', experiment_id: '1', status: 'DONE' } }, 'runs/get')).toThrow(/unknown status "DONE"/);
  });
});
