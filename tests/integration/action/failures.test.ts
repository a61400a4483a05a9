import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pullRequestEvent } from '../../harness/github/index.js';
import { baseParameters, experimentJson, REPOSITORY, ROLE_ARN, runAction, seedMain, startWorld, type World } from './world.js';

let world: World;

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await world?.stop();
});

beforeEach(async () => {
  await world.sagemaker.reset();
});

afterEach(async () => {
  expect(world.github.violations()).toEqual([]);
  expect(await world.sagemaker.violations()).toEqual([]);
});

/** Open a pull request whose head adds or changes `files` on top of a main that has `mainFiles`. */
function openPullRequest(files: Record<string, string>, mainFiles: Record<string, string> = {}): { number: number; head: string } {
  const { state } = world.github;
  const { after } = seedMain(world, { 'experiments/.keep': '', ...mainFiles });
  const head = state.addCommit(files, { parent: after, repository: REPOSITORY });
  const pull = state.addPullRequest(REPOSITORY, { head, base: after });
  return { number: pull.number, head };
}

/** Return the bot's one comment on the pull request, with markdown's backslash escapes removed. */
function commentOf(number: number): string {
  const comments = world.github.state.commentsOn(REPOSITORY, number);
  expect(comments).toHaveLength(1);
  return comments[0]!.body.replace(/\\([\\`*_{}\[\]()#+\-.!|])/g, '$1').replace(/&quot;/g, '"');
}

describe('invalid experiment files', () => {
  it('rejects a duplicate key before any start', async () => {
    const text = '{\n  "parameters": {\n    "LearningRate": 2e-5,\n    "LearningRate": 1e-4\n  }\n}\n';
    const { number, head } = openPullRequest({ 'experiments/twice.json': text });

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

    expect(run.exitCode).toBe(1);
    expect(await world.sagemaker.startCount()).toBe(0);
    expect(commentOf(number)).toContain('experiments/twice.json:4:5');
    expect(commentOf(number)).toContain('duplicate key LearningRate');
    const check = world.github.state.checkRunsFor(REPOSITORY, head).find((entry) => entry.name.endsWith('twice.json'));
    expect(check?.conclusion).toBe('failure');
    const annotations = (check?.history ?? []).flatMap((update) => (update.output as { annotations?: { start_line: number }[] } | undefined)?.annotations ?? []);
    expect(annotations[0]?.start_line).toBe(4);
  });

  it('rejects an empty parameter naming the file and the parameter', async () => {
    const { number } = openPullRequest({ 'experiments/empty.json': experimentJson(baseParameters({ DatasetRevision: '' })) });

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

    expect(run.exitCode).toBe(1);
    expect(await world.sagemaker.startCount()).toBe(0);
    const body = commentOf(number);
    expect(body).toContain('experiments/empty.json');
    expect(body).toContain('DatasetRevision');
    expect(body).toContain('empty string');
  });

  it('rejects a parameter the pipeline does not declare', async () => {
    const { number } = openPullRequest({ 'experiments/typo.json': experimentJson(baseParameters({ LoraRank: 16 })) });

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number));

    expect(run.exitCode).toBe(1);
    expect(await world.sagemaker.startCount()).toBe(0);
    const body = commentOf(number);
    expect(body).toContain('LoraRank');
    expect(body).toContain('LoraR');
  });
});

describe('services that refuse or fail', () => {
  let sts: Server;
  let stsUrl: string;

  beforeAll(async () => {
    // An STS endpoint that refuses every token, as STS does when the trust policy's audience differs.
    sts = createServer((_request, response) => {
      response.writeHead(400, { 'content-type': 'text/xml' });
      response.end(
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
          '<Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error>' +
          '<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>',
      );
    });
    await new Promise<void>((resolve) => sts.listen(0, '127.0.0.1', resolve));
    const address = sts.address();
    stsUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => sts.close(resolve));
  });

  it('reports a refused role with the token claims and starts nothing', async () => {
    const { number } = openPullRequest({ 'experiments/refused.json': experimentJson(baseParameters()) });

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { env: { AWS_ENDPOINT_URL_STS: stsUrl } });

    expect(run.exitCode).toBe(1);
    expect(await world.sagemaker.startCount()).toBe(0);
    const body = commentOf(number);
    expect(body).toContain(ROLE_ARN);
    expect(body).toContain(`repo:${REPOSITORY}:pull_request`);
    expect(body).toContain('sts.amazonaws.com');
    // `::add-mask::` lines are commands to the runner, which hides the value everywhere else; they are not shown.
    const shown = run.log.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
    expect(shown).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/);
  });

  it('names the failed step and its own reason', async () => {
    const reason = "ClientError: ResourceLimitExceeded: The account-level service limit 'ml.g5.12xlarge for training job usage' is 0 Instances";
    await world.sagemaker.setScenario({
      match: { ExperimentFile: 'experiments/big.json' },
      steps: [{ name: 'Preprocess' }, { name: 'Train', outcome: 'Failed', failureReason: reason }],
    });
    const { number, head } = openPullRequest({ 'experiments/big.json': experimentJson(baseParameters({ TrainingInstanceType: 'ml.g5.12xlarge' })) });

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { inputs: { 'baseline-missing': 'skip' } });

    expect(run.exitCode).toBe(1);
    const body = commentOf(number);
    expect(body).toContain('Train');
    expect(body).toContain('ResourceLimitExceeded');
    const check = world.github.state.checkRunsFor(REPOSITORY, head).find((entry) => entry.name.endsWith('big.json'));
    expect(check?.conclusion).toBe('failure');
    expect(check?.output?.summary ?? '').toContain("ml.g5.12xlarge for training job usage");
  });

  it('shows a NaN perplexity as NaN and fails the check', async () => {
    await world.sagemaker.setScenario({ match: { ExperimentFile: 'experiments/nan.json' }, metrics: { eval_perplexity: 'NaN', eval_loss: 'Infinity' } });
    const { number, head } = openPullRequest({ 'experiments/nan.json': experimentJson(baseParameters()) });

    const run = await runAction(world, pullRequestEvent(world.github, REPOSITORY, number), { inputs: { 'baseline-missing': 'skip' } });

    expect(run.exitCode).toBe(1);
    expect(commentOf(number)).toContain('NaN');
    const check = world.github.state.checkRunsFor(REPOSITORY, head).find((entry) => entry.name.endsWith('nan.json'));
    expect(check?.conclusion).toBe('failure');
    expect(check?.output?.title ?? '').toMatch(/finite/);
    expect(JSON.parse(run.outputs.results ?? '[]')[0].candidate).toBe('NaN');
  });
});
