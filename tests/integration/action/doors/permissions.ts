import { describe, expect, it } from 'vitest';
import type { Actor, RoleName } from '../../../harness/github/index.js';
import { baseParameters, experimentJson, REPOSITORY, runAction } from '../world.js';
import { botComments, collaborator, commentEvent, executionsOf, openPullRequest, reactionsOf, replies, type WorldRef } from './support.js';

/** Registers the tests of who may run `/rerun`. The collaborator permission API decides, and bots and plain issues are ignored. */
export function describePermissions(ref: WorldRef): void {
  describe('/rerun permission', () => {
    it.each(['read', 'triage'] as const)('rejects the %s role politely', async (role: RoleName) => {
      const world = ref.current;
      const path = `experiments/permission-${role}.json`;
      const author = collaborator(world, `reader-${role}`, role, 3100 + role.length);
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) });

      const event = commentEvent(world, pull.number, '/rerun', author);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      const [reply, ...more] = replies(world, pull.number);
      expect(more, 'replies after the first').toEqual([]);
      expect(reply?.body).toContain(`@${author.login}`);
      expect(reply?.body).toContain(role);
      expect(reply?.body).toContain(`only people with write access to ${REPOSITORY}`);
      expect(reply?.body).toContain('comment `/rerun` for you');
      expect(reactionsOf(world, event), 'reactions on a rejected command').toEqual([]);
    });

    it('rejects a user without a role on a private repository', async () => {
      const world = ref.current;
      const path = 'experiments/permission-none.json';
      const author: Actor = { login: 'passer-by', id: 3199, type: 'User' };
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) });

      const run = await runAction(world, commentEvent(world, pull.number, '/rerun', author));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(replies(world, pull.number)[0]?.body).toContain('permission `none`');
    });

    it.each(['admin', 'maintain', 'write'] as const)('runs for the %s role', async (role: RoleName) => {
      const world = ref.current;
      const path = `experiments/permission-${role}.json`;
      const author = collaborator(world, `runner-${role}`, role, 3200 + role.length);
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) });

      const event = commentEvent(world, pull.number, '/rerun', author);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(1);
      expect((await executionsOf(world, path))[0]?.parameters.CommitSha).toBe(pull.head);
      expect(replies(world, pull.number), 'replies to an allowed command').toEqual([]);
      expect(reactionsOf(world, event)).toEqual(['eyes', 'rocket']);
    });

    it('ignores a comment by a bot', async () => {
      const world = ref.current;
      const path = 'experiments/permission-bot.json';
      const bot: Actor = { login: 'renovate[bot]', id: 29139614, type: 'Bot' };
      world.github.state.setCollaborator(REPOSITORY, bot.login, 'write');
      const pull = openPullRequest(world, { [path]: experimentJson(baseParameters({ LoraR: 16 })) });

      const event = commentEvent(world, pull.number, '/rerun', bot);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(botComments(world, pull.number), 'comments of the action').toEqual([]);
      expect(reactionsOf(world, event), 'reactions on the bot comment').toEqual([]);
    });

    it('ignores /rerun on a plain issue', async () => {
      const world = ref.current;
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      openPullRequest(world, { 'experiments/permission-issue.json': experimentJson(baseParameters({ LoraR: 16 })) });
      const issue = world.github.state.addIssue(REPOSITORY);

      const event = commentEvent(world, issue, '/rerun', maintainer);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(botComments(world, issue), 'comments of the action on the issue').toEqual([]);
      expect(reactionsOf(world, event), 'reactions on the issue comment').toEqual([]);
      expect(world.github.state.checkRunsFor(REPOSITORY).filter((check) => check.name.includes('permission-issue')), 'check runs').toEqual([]);
    });
  });
}
