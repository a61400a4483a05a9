import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { clientRequestToken, executionDisplayName, MAX_DISPLAY_NAME_LENGTH } from '../../../src/pipeline/identity.js';

const identity = {
  repository: 'octo-org/llm-lab',
  commitSha: '1a2b3c4d5e6f708192a3b4c5d6e7f80912a3b4c5',
  file: 'experiments/llama2-lora.json',
  contentHash: 'f'.repeat(64),
  attempt: '1',
};

/** Reads a shape of the SageMaker service model that botocore ships, the source of the API's name patterns. */
function botocoreShape(name: string): { pattern?: string; max?: number; min?: number } | undefined {
  const venv = process.env.SEP_VENV ?? '/root/.cache/sep/venv-probe';
  const root = join(venv, 'lib', 'python3.11', 'site-packages', 'botocore', 'data', 'sagemaker');
  if (!existsSync(root)) return undefined;

  const version = readdirSync(root).sort().pop();
  if (!version) return undefined;
  const file = join(root, version, 'service-2.json.gz');
  const text = existsSync(file) ? gunzipSync(readFileSync(file)).toString('utf8') : readFileSync(join(root, version, 'service-2.json'), 'utf8');
  return (JSON.parse(text) as { shapes: Record<string, { pattern?: string; max?: number; min?: number }> }).shapes[name];
}

const displayNameShape = botocoreShape('PipelineExecutionName');
const tokenShape = botocoreShape('IdempotencyToken');

describe('clientRequestToken', () => {
  it('is the same for the same inputs', () => {
    expect(clientRequestToken({ ...identity })).toBe(clientRequestToken({ ...identity }));
  });

  it('changes with the attempt', () => {
    expect(clientRequestToken({ ...identity, attempt: '2' })).not.toBe(clientRequestToken(identity));
  });

  it('changes with the content hash', () => {
    expect(clientRequestToken({ ...identity, contentHash: 'e'.repeat(64) })).not.toBe(clientRequestToken(identity));
  });

  it('changes with the commit', () => {
    expect(clientRequestToken({ ...identity, commitSha: '0'.repeat(40) })).not.toBe(clientRequestToken(identity));
  });

  it('does not run fields together', () => {
    const joined = clientRequestToken({ ...identity, repository: 'octo-org/llm-la', file: `b${identity.file}` });
    expect(joined).not.toBe(clientRequestToken(identity));
  });

  it('is lowercase hex', () => {
    expect(clientRequestToken(identity)).toMatch(/^[0-9a-f]+$/);
  });

  it.skipIf(!tokenShape)('fits the API length limits', () => {
    const token = clientRequestToken(identity);
    expect(token.length).toBeGreaterThanOrEqual(tokenShape!.min!);
    expect(token.length).toBeLessThanOrEqual(tokenShape!.max!);
  });
});

describe('executionDisplayName', () => {
  it('joins stem, short SHA and attempt', () => {
    expect(executionDisplayName(identity)).toBe('llama2-lora-1a2b3c4-attempt-1');
  });

  it('replaces dots and underscores', () => {
    expect(executionDisplayName({ ...identity, file: 'experiments/lr_2e-5.v2.json' })).toBe('lr-2e-5-v2-1a2b3c4-attempt-1');
  });

  it('cuts a long file name to 82 characters', () => {
    const name = executionDisplayName({ ...identity, file: `experiments/${'very-long-experiment-name-'.repeat(6)}.json`, attempt: 12 });
    expect(name.length).toBeLessThanOrEqual(MAX_DISPLAY_NAME_LENGTH);
    expect(name.endsWith('-1a2b3c4-attempt-12')).toBe(true);
  });

  it('names a file of symbols only', () => {
    expect(executionDisplayName({ ...identity, file: 'experiments/___.json' })).toBe('experiment-1a2b3c4-attempt-1');
  });

  it.skipIf(!displayNameShape)('matches the botocore pattern', () => {
    const pattern = new RegExp(`^(?:${displayNameShape!.pattern})$`);
    const files = [
      identity.file,
      'experiments/-leading-hyphen.json',
      'experiments/trailing_.json',
      `experiments/${'a_b.c-'.repeat(30)}.json`,
      'experiments/ünïcode name.json',
    ];
    for (const file of files) {
      const name = executionDisplayName({ ...identity, file });
      expect(name, file).toMatch(pattern);
      expect(name.length, file).toBeLessThanOrEqual(displayNameShape!.max!);
    }
  });
});
