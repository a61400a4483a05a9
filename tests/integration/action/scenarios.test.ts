import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { describeBaselines } from './scenarios/baseline.js';
import { describeStickyComment } from './scenarios/comment.js';
import { describeRunsThatStartNothing } from './scenarios/no-run.js';
import { describeLargePullRequests } from './scenarios/scale.js';
import type { WorldRef } from './scenarios/support.js';
import { startWorld } from './world.js';

// One world (GitHub and SageMaker stand-ins, moto, MLflow) serves every scenario, because starting it takes
// about a minute on a busy 2-core machine. Each scenario uses its own files and pull request, and the
// SageMaker stand-in is reset (executions and scenarios) before each test.
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

describeBaselines(ref);
describeRunsThatStartNothing(ref);
describeStickyComment(ref);
describeLargePullRequests(ref);
