"""HTTP front of the stand-in: the awsJson1.1 SageMaker protocol, forwarding to moto, and the control API."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standin_executions import ExecutionNotFound, ExecutionStore
from standin_model import request_violations, response_violations, validation_message
from standin_operations import HANDLED_OPERATIONS, MotoClient, Operations, ServiceError
from standin_runs import log_step_run
from standin_scenarios import ScenarioError, parse_scenario

CONTROL_PREFIX = '/__standin/'
TARGET_PREFIX = 'SageMaker.'

# Request headers that describe one hop and must not be copied onto the forwarded request.
_HOP_HEADERS = {'host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'}

log = logging.getLogger('sagemaker-standin')


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], moto_url: str, store: ExecutionStore | None = None):
        super().__init__(address, StandInHandler)
        self.store = store or ExecutionStore(log_run=log_step_run)
        self.moto = MotoClient(moto_url)
        self.operations = Operations(self.store, self.moto)
        self.violations_lock = threading.Lock()
        # Invalid requests that the stand-in rejected, and invalid responses that it produced itself.
        self.violations: list[dict[str, Any]] = []

    def record_violation(self, kind: str, operation: str, message: str) -> None:
        with self.violations_lock:
            self.violations.append({'kind': kind, 'operation': operation, 'message': message, 'time': time.time()})


class StandInHandler(BaseHTTPRequestHandler):
    server: StandInServer
    protocol_version = 'HTTP/1.1'

    def log_message(self, format: str, *args: Any) -> None:
        log.debug('%s %s', self.address_string(), format % args)

    def _body(self) -> bytes:
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('x-amzn-RequestId', str(uuid.uuid4()))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_aws(self, status: int, payload: dict[str, Any]) -> None:
        extra = None
        if '__type' in payload:
            extra = {'x-amzn-ErrorType': payload['__type']}
        self._send(status, json.dumps(payload).encode(), 'application/x-amz-json-1.1', extra)

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, allow_nan=False).encode(), 'application/json')

    def do_GET(self) -> None:
        self._dispatch('GET')

    def do_POST(self) -> None:
        self._dispatch('POST')

    def do_PUT(self) -> None:
        self._dispatch('PUT')

    def do_DELETE(self) -> None:
        self._dispatch('DELETE')

    def _dispatch(self, method: str) -> None:
        body = self._body()
        if self.path.startswith(CONTROL_PREFIX):
            self._control(method, self.path[len(CONTROL_PREFIX):].split('?', 1)[0], body)
            return
        target = self.headers.get('X-Amz-Target', '')
        operation = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else ''
        if method == 'POST' and operation in HANDLED_OPERATIONS:
            self._sagemaker(operation, body)
            return
        self._forward(method, body)

    def _forward(self, method: str, body: bytes) -> None:
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_HEADERS}
        try:
            status, response_headers, response_body = self.server.moto.send(method, self.path, body, headers)
        except OSError as error:
            log.error('forwarding %s %s to moto failed: %s', method, self.path, error)
            self._send_aws(502, {'__type': 'InternalFailure', 'Message': f'moto could not be reached: {error}'})
            return
        content_type = response_headers.get('Content-Type', 'application/x-amz-json-1.1')
        extra = {k: v for k, v in response_headers.items() if k.lower().startswith('x-amz')}
        self._send(status, response_body, content_type, extra)

    def _sagemaker(self, operation: str, raw: bytes) -> None:
        try:
            request = json.loads(raw or b'{}')
        except json.JSONDecodeError as error:
            self._send_aws(400, {'__type': 'SerializationException', 'Message': f'request body is not JSON: {error}'})
            return

        violations = request_violations(operation, request)
        if violations:
            message = validation_message(violations)
            log.warning('rejected an invalid %s request: %s', operation, message)
            self.server.record_violation('request', operation, message)
            self._send_aws(400, ServiceError('ValidationException', message).to_body())
            return

        try:
            response = self.server.operations.handle(operation, request, self.headers.get('Authorization'))
        except ServiceError as error:
            log.info('%s returned %s: %s', operation, error.error_type, error.message)
            self._send_aws(error.status, error.to_body())
            return

        violations = response_violations(operation, response)
        if violations:
            # A stand-in bug: the body does not match the service's output shape, so fail loudly.
            message = f'the stand-in produced an invalid {operation} response: {"; ".join(violations)}'
            log.error(message)
            self.server.record_violation('response', operation, message)
            self._send_aws(500, {'__type': 'InternalFailure', 'Message': message})
            return
        self._send_aws(200, response)

    def _control(self, method: str, path: str, raw: bytes) -> None:
        store = self.server.store
        try:
            data = json.loads(raw) if raw else {}
        except json.JSONDecodeError as error:
            self._send_json(400, {'error': f'control request body is not JSON: {error}'})
            return

        try:
            if method == 'GET' and path == 'health':
                self._send_json(200, {'status': 'ok'})
            elif method == 'POST' and path == 'scenarios':
                scenario = parse_scenario(data)
                store.set_scenario(scenario)
                self._send_json(200, scenario.to_json())
            elif method == 'GET' and path == 'executions':
                with store.lock:
                    payload = {
                        'startCount': store.start_count,
                        'executions': [e.to_control() for e in store.executions.values()],
                        'runErrors': list(store.run_errors),
                    }
                self._send_json(200, payload)
            elif method == 'POST' and path == 'advance':
                arn = data.get('arn')
                if not isinstance(arn, str):
                    self._send_json(400, {'error': 'advance needs {"arn": "<PipelineExecutionArn>"}'})
                    return
                with store.lock:
                    payload = store.advance(arn).to_control()
                self._send_json(200, payload)
            elif method == 'GET' and path == 'violations':
                with self.server.violations_lock:
                    self._send_json(200, {'violations': list(self.server.violations)})
            elif method == 'POST' and path == 'reset':
                store.reset()
                with self.server.violations_lock:
                    self.server.violations.clear()
                self._send_json(200, {'status': 'reset'})
            else:
                self._send_json(404, {'error': f'no control endpoint {method} {CONTROL_PREFIX}{path}'})
        except ScenarioError as error:
            log.warning('rejected an invalid scenario: %s', error)
            self._send_json(400, {'error': f'invalid scenario: {error}'})
        except ExecutionNotFound as error:
            log.warning('control call %s %s names no known execution: %s', method, path, error)
            self._send_json(404, {'error': f'no execution with ARN {error}'})
