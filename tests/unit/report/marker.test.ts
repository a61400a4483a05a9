import { describe, expect, it } from 'vitest';

import { parseMarker, renderMarker } from '../../../src/report/marker.js';
import { HEAD_SHA } from './fixtures.js';

describe('marker', () => {
  it('round-trips head and time', () => {
    const marker = { headSha: HEAD_SHA, updatedAt: '2024-05-01T12:00:00.000Z' };

    expect(parseMarker(`${renderMarker(marker)}\n## report`)).toEqual(marker);
  });

  it('ignores a comment without the marker', () => {
    expect(parseMarker('## report')).toBeUndefined();
  });

  it('ignores a quoted marker', () => {
    expect(parseMarker(`> ${renderMarker({ headSha: HEAD_SHA, updatedAt: 'x' })}`)).toBeUndefined();
  });

  it('ignores a marker after the first line', () => {
    expect(parseMarker(`hello\n${renderMarker({ headSha: HEAD_SHA, updatedAt: 'x' })}`)).toBeUndefined();
  });

  it('keeps a marker with an invalid head', () => {
    expect(parseMarker('<!-- sagemaker-experiment-pr: head=xyz updated=t -->')?.headSha).toBe('');
  });
});
