import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startWorld } from '../world.js';
import { describeCheckRerun } from './check-rerun.js';
import { describeCommandReplies } from './command-replies.js';
import { describeForkPullRequests } from './fork.js';
import { describeGuardrails } from './guardrails.js';
import { describePermissions } from './permissions.js';
import { describeRerunComment } from './rerun-comment.js';
import { describeSupersededHead } from './superseded.js';
import type { WorldRef } from './support.js';

// The doors of the bot (a `/rerun` comment, a check's re-run button, a fork, a push to a pull request) run
// the bundled action against one world: GitHub and SageMaker stand-ins, moto and MLflow. Starting MLflow
// takes tens of seconds on a loaded machine, so the world is shared. Each test opens its own pull request
// with its own experiment files, and the SageMaker stand-in is reset (executions and scenarios) before
// each test.
const ref = {} as WorldRef;
// The GitHub stand-in keeps its records for the whole file, so each test checks only the ones it added.
let violationsBefore = 0;
let unimplementedBefore = 0;

beforeAll(async () => {
  ref.current = await startWorld();
});

afterAll(async () => {
  await ref.current?.stop();
});

beforeEach(async () => {
  await ref.current.sagemaker.reset();
  violationsBefore = ref.current.github.violations().length;
  unimplementedBefore = ref.current.github.unimplemented().length;
});

afterEach(async () => {
  expect(ref.current.github.violations().slice(violationsBefore)).toEqual([]);
  expect(ref.current.github.unimplemented().slice(unimplementedBefore)).toEqual([]);
  expect(await ref.current.sagemaker.violations()).toEqual([]);
});

describeRerunComment(ref);
describePermissions(ref);
describeCommandReplies(ref);
describeForkPullRequests(ref);
describeCheckRerun(ref);
describeSupersededHead(ref);
describeGuardrails(ref);
