import { describe, expect, it } from 'vitest';
import { CredentialsError } from '../../../src/credentials/errors.js';
import { parseDeclaredParameters, SageMakerExecutor } from '../../../src/pipeline/sagemaker.js';
import { SageMakerCallError, toSageMakerError } from '../../../src/pipeline/sagemaker-errors.js';

const context = { operation: 'StartPipelineExecution', pipelineName: 'llm-fine-tuning', region: 'eu-west-1' };

function awsError(name: string, message: string, httpStatusCode: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}

describe('parseDeclaredParameters', () => {
  it('types each declared parameter', () => {
    const definition = JSON.stringify({
      Version: '2020-12-01',
      Parameters: [
        { Name: 'ModelId', Type: 'String', DefaultValue: 'tiny-llama' },
        { Name: 'LoraR', Type: 'Integer', DefaultValue: 8 },
        { Name: 'LearningRate', Type: 'Float', DefaultValue: 0.0002 },
        { Name: 'CommitSha', Type: 'String' },
      ],
    });
    expect(parseDeclaredParameters(definition, 'llm')).toEqual([
      { name: 'ModelId', type: 'String', defaultValue: 'tiny-llama' },
      { name: 'LoraR', type: 'Integer', defaultValue: 8 },
      { name: 'LearningRate', type: 'Float', defaultValue: 0.0002 },
      { name: 'CommitSha', type: 'String' },
    ]);
  });

  it('returns no parameters for a definition without them', () => {
    expect(parseDeclaredParameters('{"Version":"2020-12-01","Steps":[]}', 'llm')).toEqual([]);
  });

  it('rejects an unknown type', () => {
    const definition = JSON.stringify({ Parameters: [{ Name: 'Tags', Type: 'List' }] });
    expect(() => parseDeclaredParameters(definition, 'llm')).toThrow('Parameter 1 of pipeline "llm" has Name "Tags" and Type "List"');
  });

  it('rejects a definition that is not JSON', () => {
    expect(() => parseDeclaredParameters('{', 'llm')).toThrow('The definition of pipeline "llm" is not valid JSON');
  });
});

describe('SageMakerExecutor.executionUrl', () => {
  const executor = new SageMakerExecutor({ pipelineName: 'llm', region: 'eu-west-1', logger: { info: () => {}, warning: () => {} } });

  it('links the console of the execution region', () => {
    expect(executor.executionUrl('arn:aws:sagemaker:eu-west-1:123456789012:pipeline/llm/execution/abc123')).toBe(
      'https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1#/pipelines/llm/executions/abc123',
    );
  });

  it('returns undefined for another partition', () => {
    expect(executor.executionUrl('arn:aws-cn:sagemaker:cn-north-1:123456789012:pipeline/llm/execution/abc123')).toBeUndefined();
  });
});

describe('toSageMakerError', () => {
  it('names the IAM action on access denied', () => {
    const error = toSageMakerError(awsError('AccessDeniedException', 'not authorized', 400), context);
    expect(error.message).toContain('`sagemaker:StartPipelineExecution`');
  });

  it('names pipeline-name and region when not found', () => {
    const error = toSageMakerError(awsError('ResourceNotFound', 'Pipeline llm-fine-tuning does not exist', 400), context);
    expect(error.message).toContain('Check the `pipeline-name` input ("llm-fine-tuning") and `aws-region` (eu-west-1)');
  });

  it('marks throttling as transient', () => {
    const error = toSageMakerError(awsError('ThrottlingException', 'Rate exceeded', 400), context) as SageMakerCallError;
    expect(error.transient).toBe(true);
  });

  it('passes credentials errors through', () => {
    const rejected = new CredentialsError('rejected', 'STS rejected the token');
    expect(toSageMakerError(rejected, context)).toBe(rejected);
  });
});
