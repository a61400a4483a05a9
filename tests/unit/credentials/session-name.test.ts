import { describe, expect, it } from 'vitest';
import { roleSessionName, SESSION_NAME_MAX_LENGTH, SESSION_NAME_PATTERN } from '../../../src/credentials/session-name.js';

describe('roleSessionName', () => {
  it('joins repository, run id and attempt', () => {
    expect(roleSessionName('octo-org/llm-lab', '9876543210', '1')).toBe('experiment-pr@octo-org.llm-lab-9876543210-1');
  });

  it('is deterministic', () => {
    expect(roleSessionName('octo-org/llm-lab', 42, 2)).toBe(roleSessionName('octo-org/llm-lab', 42, 2));
  });

  it('differs per attempt', () => {
    expect(roleSessionName('octo-org/llm-lab', 42, 1)).not.toBe(roleSessionName('octo-org/llm-lab', 42, 2));
  });

  it('cuts a long repository name to 64 characters', () => {
    const name = roleSessionName(`an-organization-with-a-long-name/${'repository-'.repeat(8)}`, '12345678901', '3');
    expect(name.length).toBeLessThanOrEqual(SESSION_NAME_MAX_LENGTH);
    expect(name).toMatch(SESSION_NAME_PATTERN);
  });

  it('keeps run id and attempt after a cut', () => {
    const name = roleSessionName(`org/${'x'.repeat(100)}`, '12345678901', '3');
    expect(name.endsWith('-12345678901-3')).toBe(true);
  });

  it('keeps long names with a common start apart', () => {
    const prefix = `org/${'shared-prefix-'.repeat(6)}`;
    expect(roleSessionName(`${prefix}alpha`, 1, 1)).not.toBe(roleSessionName(`${prefix}beta`, 1, 1));
  });

  it('replaces characters STS does not allow', () => {
    const name = roleSessionName('org/repo with spaces#and/ünïcode', 7, 1);
    expect(name).toMatch(SESSION_NAME_PATTERN);
  });

  it('names a local run without run id', () => {
    expect(roleSessionName('org/repo', '', '')).toBe('experiment-pr@org.repo-local-1');
  });
});
