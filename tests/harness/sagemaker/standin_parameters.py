"""Pipeline parameters of a StartPipelineExecution request, checked against the pipeline definition.

NOTE: SageMaker rejects undeclared or ill-typed parameters as ValidationException, but the messages here
are the stand-in's own wording, not the service's verbatim text. A declared parameter without a default
that the request leaves out is accepted here; how the service treats it was not checked.
"""

from __future__ import annotations

import json
import re
from typing import Any

# The value formats that both Python's float()/int() (the step scripts) and the service accept. Python
# alone would also take "1_000", "inf" and "nan", which a Java-side parser rejects, so those are invalid.
_INTEGER = re.compile(r'[+-]?[0-9]+')
_FLOAT = re.compile(r'[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')
_BOOLEAN = ('true', 'false')


class ParameterError(ValueError):
    """A request parameter that the pipeline definition does not accept."""


def declared_parameters(definition_json: str) -> dict[str, dict[str, Any]]:
    """Return the definition's parameters by name: {'Type': 'Integer', 'DefaultValue': 8}."""
    try:
        definition = json.loads(definition_json)
    except json.JSONDecodeError as error:
        raise ParameterError(f'the pipeline definition is not valid JSON: {error}') from error
    declared = {}
    for parameter in definition.get('Parameters', []):
        declared[parameter['Name']] = {'Type': parameter.get('Type', 'String'), 'DefaultValue': parameter.get('DefaultValue')}
    return declared


def _default_as_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _check_value(name: str, declared_type: str, value: str) -> str | None:
    if declared_type == 'Integer' and not _INTEGER.fullmatch(value):
        return f"Pipeline parameter '{name}' is declared Integer, but value '{value}' is not a base-10 integer"
    if declared_type == 'Float' and not _FLOAT.fullmatch(value):
        return f"Pipeline parameter '{name}' is declared Float, but value '{value}' is not a decimal number such as 2e-05"
    if declared_type == 'Boolean' and value not in _BOOLEAN:
        return f"Pipeline parameter '{name}' is declared Boolean, but value '{value}' is not true or false"
    return None


def resolve_parameters(pipeline_arn: str, definition_json: str, parameters: list[dict[str, str]]) -> dict[str, str]:
    """Check the request's parameters and return every parameter's value, defaults included.

    Raises ParameterError listing every undeclared, repeated or ill-typed parameter.
    """
    declared = declared_parameters(definition_json)
    problems = []
    request_values: dict[str, str] = {}
    for parameter in parameters:
        name = parameter['Name']
        value = parameter['Value']
        if name in request_values:
            problems.append(f"Pipeline parameter '{name}' is given more than once")
            continue
        request_values[name] = value
        if name not in declared:
            problems.append(f"Pipeline parameter '{name}' is not declared in the definition of {pipeline_arn}")
            continue
        problem = _check_value(name, declared[name]['Type'], value)
        if problem:
            problems.append(problem)
    if problems:
        raise ParameterError('; '.join(problems))

    resolved = {}
    for name, declaration in declared.items():
        default = _default_as_string(declaration['DefaultValue'])
        if default is not None:
            resolved[name] = default
    resolved.update(request_values)
    return resolved
