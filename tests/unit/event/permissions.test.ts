import { getOctokit } from '@actions/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBot, requireWritePermission } from '../../../src/event/permissions.js';
import { GitHubState, startGitHubStandIn, type GitHubStandIn, type RoleName } from '../../harness/github/index.js';

const OWNER = 'acme';
const REPO = 'llm-lab';

let standIn: GitHubStandIn;

beforeAll(async () => {
  const state = new GitHubState();
  state.addRepository(`${OWNER}/${REPO}`, { private: true });
  for (const role of ['admin', 'maintain', 'write', 'triage', 'read'] as RoleName[]) state.setCollaborator(`${OWNER}/${REPO}`, `${role}-user`, role);
  standIn = await startGitHubStandIn({ state });
  // The first request compiles GitHub's OpenAPI description, which takes seconds on a busy machine.
  await getOctokit('test-token', { baseUrl: standIn.url }).rest.repos.get({ owner: OWNER, repo: REPO });
}, 60_000);

afterAll(async () => {
  await standIn.stop();
});

function check(login: string, type?: string) {
  return requireWritePermission(getOctokit('test-token', { baseUrl: standIn.url }), OWNER, REPO, login, type);
}

describe('requireWritePermission', () => {
  for (const role of ['admin', 'maintain', 'write']) {
    it(`allows ${role}`, async () => {
      expect(await check(`${role}-user`)).toBeUndefined();
    });
  }

  for (const role of ['triage', 'read']) {
    it(`refuses ${role}`, async () => {
      const refusal = await check(`${role}-user`);

      expect(refusal).toContain(`@${role}-user`);
      expect(refusal).toContain('only people with write access to acme/llm-lab');
      expect(refusal).toContain('Ask a maintainer to comment `/rerun`');
    });
  }

  it('names the triage role', async () => {
    expect(await check('triage-user')).toContain('the triage role, permission `read`');
  });

  it('refuses a stranger with none', async () => {
    expect(await check('stranger')).toContain('permission `none`');
  });

  it('refuses a bot without asking', async () => {
    const before = standIn.requests().length;

    expect(await check('renovate[bot]', 'Bot')).toContain('is a bot');
    expect(standIn.requests().length).toBe(before);
  });

  it('refuses on a 404', async () => {
    const refusal = await requireWritePermission(getOctokit('test-token', { baseUrl: standIn.url }), OWNER, 'missing-repo', 'admin-user');

    expect(refusal).toContain('has no access to acme/missing-repo');
  });

  it('refuses when the API fails', async () => {
    const failing = { rest: { repos: { getCollaboratorPermissionLevel: async () => Promise.reject(Object.assign(new Error('Server Error'), { status: 502 })) } } };
    const refusal = await requireWritePermission(failing as unknown as Parameters<typeof requireWritePermission>[0], OWNER, REPO, 'admin-user');

    expect(refusal).toContain('Could not check whether @admin-user has write access to acme/llm-lab: Server Error');
    expect(refusal).toContain('Nothing was started');
  });
});

describe('isBot', () => {
  it('detects the type', () => {
    expect(isBot('helper', 'Bot')).toBe(true);
  });

  it('detects the suffix', () => {
    expect(isBot('github-actions[bot]')).toBe(true);
  });

  it('passes a user', () => {
    expect(isBot('octocat', 'User')).toBe(false);
  });
});
