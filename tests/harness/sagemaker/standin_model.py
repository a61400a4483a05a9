"""Validation of requests and responses against the SageMaker service model that botocore ships.

botocore's ParamValidator checks types, required members and minimum lengths, but it skips the `max`,
`pattern` and `enum` constraints because the service enforces them. The stand-in must enforce them too,
so it walks each shape itself and words each violation the way the service's ValidationException does:
"Value 'x' at 'pipelineExecutionDisplayName' failed to satisfy constraint: Member must ...".
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

# ParamValidator error kinds that the constraint walker below reports in the service's own wording.
_KINDS_REPORTED_BY_WALKER = {'missing required field', 'invalid length', 'invalid range'}

# Maximum length of a value quoted in a violation message, in characters, so one huge list does not flood the log.
_MAX_QUOTED_VALUE = 200


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """Load the SageMaker service model (API version 2017-07-24) of the installed botocore."""
    return ServiceModel(Loader().load_service_model('sagemaker', 'service-2'), 'sagemaker')


def operation_model(operation: str) -> OperationModel:
    return service_model().operation_model(operation)


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _java_length(value: str) -> int:
    """Count UTF-16 code units, because the service's length limits count Java string length."""
    return len(value.encode('utf-16-le')) // 2


def _quote(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(',', ':'), default=str)
    if len(text) > _MAX_QUOTED_VALUE:
        text = text[:_MAX_QUOTED_VALUE] + '...'
    return text


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Walker:
    """Collects constraint violations of one value against one shape.

    Request paths follow the service's notation (`pipelineParameters.1.member.value`, 1-based). Response
    paths follow the JSON document (`PipelineExecutionSteps[0].StepStatus`), which is easier to find in
    the stand-in's own output.
    """

    def __init__(self, is_response: bool):
        self.is_response = is_response
        self.violations: list[str] = []

    def _member_path(self, parent: str, member: str) -> str:
        name = member if self.is_response else _lower_first(member)
        return f'{parent}.{name}' if parent else name

    def _item_path(self, parent: str, index: int) -> str:
        return f'{parent}[{index}]' if self.is_response else f'{parent}.{index + 1}.member'

    def _report(self, value: Any, path: str, constraint: str) -> None:
        quoted_value = 'null' if value is None else f"'{_quote(value)}'"
        self.violations.append(f"Value {quoted_value} at '{path}' failed to satisfy constraint: {constraint}")

    def walk(self, value: Any, shape: Shape, path: str) -> None:
        kind = shape.type_name
        if kind == 'structure':
            self._walk_structure(value, shape, path)
        elif kind == 'list':
            self._walk_list(value, shape, path)
        elif kind == 'map':
            self._walk_map(value, shape, path)
        elif kind == 'string':
            self._walk_string(value, shape, path)
        elif kind in ('integer', 'long', 'float', 'double'):
            self._walk_number(value, shape, path)
        elif kind == 'timestamp' and self.is_response:
            # The awsJson1.1 protocol sends timestamps as epoch seconds; a string here would be a stand-in bug.
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                self._report(value, path, 'Member must be a timestamp in epoch seconds')

    def _walk_structure(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, dict):
            return
        for required in shape.required_members:
            if value.get(required) is None:
                self._report(None, self._member_path(path, required), 'Member must not be null')
        for name, member_value in value.items():
            member_shape = shape.members.get(name)
            if member_shape is not None and member_value is not None:
                self.walk(member_value, member_shape, self._member_path(path, name))

    def _walk_list(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, list):
            return
        self._check_length(value, len(value), shape, path)
        for index, item in enumerate(value):
            self.walk(item, shape.member, self._item_path(path, index))

    def _walk_map(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, dict):
            return
        self._check_length(value, len(value), shape, path)
        for key, item in value.items():
            self.walk(key, shape.key, f'{path}.{key}.key')
            self.walk(item, shape.value, f'{path}.{key}.value')

    def _walk_string(self, value: Any, shape: Shape, path: str) -> None:
        if not isinstance(value, str):
            return
        self._check_length(value, _java_length(value), shape, path)
        pattern = shape.metadata.get('pattern')
        if pattern is not None and _compiled(pattern).fullmatch(value) is None:
            self._report(value, path, f'Member must satisfy regular expression pattern: {pattern}')
        enum = shape.metadata.get('enum')
        if enum and value not in enum:
            self._report(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")

    def _walk_number(self, value: Any, shape: Shape, path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        minimum = shape.metadata.get('min')
        maximum = shape.metadata.get('max')
        if minimum is not None and value < minimum:
            self._report(value, path, f'Member must have value greater than or equal to {minimum}')
        if maximum is not None and value > maximum:
            self._report(value, path, f'Member must have value less than or equal to {maximum}')

    def _check_length(self, value: Any, length: int, shape: Shape, path: str) -> None:
        minimum = shape.metadata.get('min')
        maximum = shape.metadata.get('max')
        if minimum is not None and length < minimum:
            self._report(value, path, f'Member must have length greater than or equal to {minimum}')
        if maximum is not None and length > maximum:
            self._report(value, path, f'Member must have length less than or equal to {maximum}')


def _type_violations(value: Any, shape: Shape) -> list[str]:
    """Run botocore's ParamValidator and keep the kinds that the walker does not word itself."""
    report = ParamValidator().validate(value, shape)
    # botocore keeps the structured errors only in the private `_errors` list (botocore 1.x); its public
    # report is one formatted string. Each entry is (kind, name, details).
    type_errors = [error for error in report._errors if error[0] not in _KINDS_REPORTED_BY_WALKER]
    if not type_errors:
        return []
    filtered = type(report)()
    filtered._errors = type_errors
    return filtered.generate_report().splitlines()


def request_violations(operation: str, params: Any) -> list[str]:
    """List every way `params` breaks the operation's input shape, in the service's wording."""
    shape = operation_model(operation).input_shape
    if not isinstance(params, dict):
        return [f'The request body of {operation} must be a JSON object, not {type(params).__name__}']
    walker = _Walker(is_response=False)
    walker.walk(params, shape, '')
    return _type_violations(params, shape) + walker.violations


def response_violations(operation: str, body: Any) -> list[str]:
    """List every way a response body breaks the operation's output shape (types, required, enums, limits)."""
    shape = operation_model(operation).output_shape
    if shape is None:
        return [] if body == {} else [f'{operation} has no output shape, but the body is {_quote(body)}']
    walker = _Walker(is_response=True)
    walker.walk(body, shape, '')
    return _type_violations(body, shape) + walker.violations


def validation_message(violations: list[str]) -> str:
    """Join violations the way the service's ValidationException message does."""
    count = len(violations)
    noun = 'validation error' if count == 1 else 'validation errors'
    return f"{count} {noun} detected: {'; '.join(violations)}"
