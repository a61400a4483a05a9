import { describe, expect, it } from 'vitest';
import { baseParameters, experimentJson, runAction } from '../world.js';
import { collaborator, commentEvent, openPullRequest, reactionsOf, replies, type WorldRef } from './support.js';

/** Registers the tests of comments that run nothing: help, a misspelled command, and commands that are only shown, not given. */
export function describeCommandReplies(ref: WorldRef): void {
  describe('comment without a run', () => {
    it('answers /help with the usage', async () => {
      const world = ref.current;
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, { 'experiments/reply-help.json': experimentJson(baseParameters({ LoraR: 16 })) });

      const event = commentEvent(world, pull.number, '/help', maintainer);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      const [reply, ...more] = replies(world, pull.number);
      expect(more, 'replies after the first').toEqual([]);
      expect(reply?.body.split('\n')[0]).toBe('> /help');
      expect(reply?.body).toContain('@mona');
      expect(reply?.body).toContain('| `/rerun failed` |');
      expect(reply?.body).toContain('Documentation: ');
      expect(reactionsOf(world, event), 'reactions on /help').toEqual([]);
    });

    it('suggests /rerun for /rerum', async () => {
      const world = ref.current;
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, { 'experiments/reply-typo.json': experimentJson(baseParameters({ LoraR: 16 })) });

      const run = await runAction(world, commentEvent(world, pull.number, '/rerum', maintainer));

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      const body = replies(world, pull.number)[0]?.body ?? '';
      expect(body).toContain('`/rerum` is not a command of this bot');
      expect(body).toContain('Did you mean `/rerun`?');
      expect(body).toContain('Nothing was run.');
    });

    it.each([
      ['quoted', 'As the docs say:\n\n> /rerun\n\nbut not yet.'],
      ['fenced', 'To run again, comment:\n\n```\n/rerun\n```\n'],
    ])('ignores a %s /rerun', async (kind, body) => {
      const world = ref.current;
      const maintainer = collaborator(world, 'mona', 'write', 3001);
      const pull = openPullRequest(world, { [`experiments/reply-${kind}.json`]: experimentJson(baseParameters({ LoraR: 16 })) });

      const event = commentEvent(world, pull.number, body, maintainer);
      const run = await runAction(world, event);

      expect(run.exitCode, run.log).toBe(0);
      expect(await world.sagemaker.startCount()).toBe(0);
      expect(replies(world, pull.number), 'replies').toEqual([]);
      expect(reactionsOf(world, event), 'reactions').toEqual([]);
    });
  });
}
