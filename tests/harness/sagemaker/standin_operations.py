"""The SageMaker operations that the stand-in handles itself, and its calls to moto for the rest."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from standin_executions import ExecutionNotFound, ExecutionStore
from standin_parameters import ParameterError, resolve_parameters

HANDLED_OPERATIONS = (
    'StartPipelineExecution',
    'DescribePipelineExecution',
    'ListPipelineExecutionSteps',
    'StopPipelineExecution',
    'ListPipelineExecutions',
    'ListPipelineParametersForExecution',
)

# Used on calls to moto when the client sent no Authorization header: moto picks the service and region
# from the credential scope and checks no signature.
_FALLBACK_AUTHORIZATION = (
    'AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sagemaker/aws4_request, '
    'SignedHeaders=host;x-amz-target, Signature=0'
)

# Page size of the list operations when the request gives no MaxResults.
# NOTE: the service's own default page size is not documented; 10 keeps paging visible in tests.
_DEFAULT_PAGE_SIZE = 10


class ServiceError(Exception):
    """An error response in the service's form: HTTP status, `__type` and message."""

    def __init__(self, error_type: str, message: str, status: int = 400):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status

    def to_body(self) -> dict[str, str]:
        # SageMaker's modeled errors carry `Message`; the validation layer's ValidationException uses `message`.
        key = 'message' if self.error_type == 'ValidationException' else 'Message'
        return {'__type': self.error_type, key: self.message}


class MotoClient:
    """Sends SageMaker JSON requests to the moto server, forwarding the client's own headers."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host = parts.hostname or '127.0.0.1'
        self.port = parts.port or 80

    def send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def call(self, operation: str, params: dict[str, Any], authorization: str | None) -> tuple[int, dict[str, Any]]:
        headers = {
            'Content-Type': 'application/x-amz-json-1.1',
            'X-Amz-Target': f'SageMaker.{operation}',
            'Authorization': authorization or _FALLBACK_AUTHORIZATION,
        }
        status, _, body = self.send('POST', '/', json.dumps(params).encode(), headers)
        return status, json.loads(body or b'{}')


def _pipeline_name(name_or_arn: str) -> str:
    # PipelineNameOrArn: a name, or arn:aws:sagemaker:<region>:<account>:pipeline/<name>.
    return name_or_arn.split(':pipeline/', 1)[1] if ':pipeline/' in name_or_arn else name_or_arn


def _page(items: list[Any], request: dict[str, Any]) -> tuple[list[Any], str | None]:
    start = 0
    token = request.get('NextToken')
    if token:
        if not token.isdigit():
            raise ServiceError('ValidationException', f"NextToken '{token}' is not a token this stand-in returned")
        start = int(token)
    size = request.get('MaxResults', _DEFAULT_PAGE_SIZE)
    end = start + size
    return items[start:end], (str(end) if end < len(items) else None)


class Operations:
    def __init__(self, store: ExecutionStore, moto: MotoClient):
        self.store = store
        self.moto = moto

    def handle(self, operation: str, request: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        handler = getattr(self, f'_{operation}')
        return handler(request, authorization)

    def _describe_pipeline(self, name_or_arn: str, authorization: str | None) -> dict[str, Any]:
        name = _pipeline_name(name_or_arn)
        status, body = self.moto.call('DescribePipeline', {'PipelineName': name}, authorization)
        if status == 200:
            return body
        message = body.get('message') or body.get('Message') or ''
        if 'Could not find pipeline' in message:
            # moto returns ValidationException here, but the service returns ResourceNotFound.
            raise ServiceError('ResourceNotFound', f"Pipeline '{name_or_arn}' does not exist.")
        raise ServiceError(body.get('__type', 'InternalFailure'), f'DescribePipeline on moto failed: {message}', status)

    def _execution(self, arn: str):
        try:
            return self.store.get(arn)
        except ExecutionNotFound:
            raise ServiceError('ResourceNotFound', f"Pipeline execution '{arn}' does not exist.") from None

    def _StartPipelineExecution(self, request: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        pipeline = self._describe_pipeline(request['PipelineName'], authorization)
        pipeline_arn = pipeline['PipelineArn']

        # The same token for the same pipeline returns the first execution and starts nothing.
        earlier = self.store.find_by_token(pipeline_arn, request['ClientRequestToken'])
        if earlier is not None:
            return {'PipelineExecutionArn': earlier.arn}

        try:
            resolved = resolve_parameters(
                pipeline_arn, pipeline.get('PipelineDefinition', '{}'), request.get('PipelineParameters', [])
            )
        except ParameterError as error:
            raise ServiceError('ValidationException', str(error)) from None
        execution = self.store.start(pipeline_arn, pipeline['PipelineName'], request, resolved)
        return {'PipelineExecutionArn': execution.arn}

    def _DescribePipelineExecution(self, request: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        arn = request['PipelineExecutionArn']
        self._execution(arn)
        return self.store.poll(arn, lambda execution: execution.to_api())

    def _ListPipelineExecutionSteps(self, request: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        arn = request.get('PipelineExecutionArn')
        if not arn:
            raise ServiceError('ValidationException', 'PipelineExecutionArn is required by this stand-in')
        self._execution(arn)
        steps = self.store.poll(arn, lambda execution: [step.to_api() for step in execution.steps])
        # The service lists the newest step first unless SortOrder is Ascending.
        if request.get('SortOrder', 'Descending') == 'Descending':
            steps.reverse()
        page, token = _page(steps, request)
        body: dict[str, Any] = {'PipelineExecutionSteps': page}
        if token:
            body['NextToken'] = token
        return body

    def _StopPipelineExecution(self, request: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        arn = request['PipelineExecutionArn']
        with self.store.lock:
            execution = self._execution(arn)
            if execution.status in ('Succeeded', 'Failed'):
                # NOTE: the service's exact error for stopping a finished execution is not documented;
                # ConflictException is the error that StopPipelineExecution declares for a state conflict.
                raise ServiceError(
                    'ConflictException',
                    f"Pipeline execution '{arn}' is {execution.status} and can no longer be stopped.",
                )
            self.store.stop(arn)
        return {'PipelineExecutionArn': arn}

    def _ListPipelineExecutions(self, request: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        pipeline = self._describe_pipeline(request['PipelineName'], authorization)
        with self.store.lock:
            executions = [e for e in self.store.executions.values() if e.pipeline_arn == pipeline['PipelineArn']]
        created_after = request.get('CreatedAfter')
        created_before = request.get('CreatedBefore')
        if created_after is not None:
            executions = [e for e in executions if e.creation_time > created_after]
        if created_before is not None:
            executions = [e for e in executions if e.creation_time < created_before]

        if request.get('SortBy', 'CreationTime') == 'PipelineExecutionArn':
            executions.sort(key=lambda e: e.arn)
        else:
            # Insertion order breaks ties between executions created in the same millisecond.
            order = {arn: index for index, arn in enumerate(self.store.executions)}
            executions.sort(key=lambda e: (e.creation_time, order[e.arn]))
        if request.get('SortOrder', 'Descending') == 'Descending':
            executions.reverse()

        page, token = _page([e.to_summary() for e in executions], request)
        body: dict[str, Any] = {'PipelineExecutionSummaries': page}
        if token:
            body['NextToken'] = token
        return body

    def _ListPipelineParametersForExecution(self, request: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        execution = self._execution(request['PipelineExecutionArn'])
        # NOTE: returns the parameters as the start request sent them; whether the service adds the
        # definition's defaults is not documented.
        page, token = _page(list(execution.parameters), request)
        body: dict[str, Any] = {'PipelineParameters': page}
        if token:
            body['NextToken'] = token
        return body
