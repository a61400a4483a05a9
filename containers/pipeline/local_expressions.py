"""Evaluate the expressions of a SageMaker pipeline definition for the local runner.

A definition refers to values with ``{"Get": "Parameters.X"}``, ``{"Get": "Execution.PipelineExecutionId"}``,
``{"Get": "Steps.S.<property path>"}``, ``{"Std:Join": ...}`` and ``{"Std:JsonGet": ...}``, and a condition
step compares such values. This module computes them the way SageMaker Pipelines would for one execution.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any


class DefinitionError(Exception):
    """Raised when the definition or the parameters cannot be run; the message names the value and the fix."""


@dataclass(frozen=True)
class ParameterValue:
    """A parameter's typed value and the exact string that StartPipelineExecution would have received."""

    value: Any
    text: str


_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_parameter(name: str, kind: str, text: str) -> ParameterValue:
    """Parse one parameter string as its declared type (String, Integer, Float or Boolean)."""
    if kind == "String":
        return ParameterValue(text, text)
    if kind == "Integer":
        if not _INTEGER.fullmatch(text.strip()):
            raise DefinitionError(f"parameter {name} is an Integer, but its value {text!r} is not a base-10 integer")
        return ParameterValue(int(text), text)
    if kind == "Float":
        try:
            number = float(text)
        except ValueError:
            raise DefinitionError(f"parameter {name} is a Float, but its value {text!r} is not a number") from None
        if not math.isfinite(number):
            raise DefinitionError(f"parameter {name} is a Float, but its value {text!r} is not finite")
        return ParameterValue(number, text)
    if kind == "Boolean":
        if text not in ("true", "false"):
            raise DefinitionError(f"parameter {name} is a Boolean, but its value {text!r} is neither 'true' nor 'false'")
        return ParameterValue(text == "true", text)
    raise DefinitionError(f"parameter {name} has the type {kind!r}, which the local runner does not support")


def _default_text(default: Any) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    return str(default)


def resolve_parameters(declared: list[dict], given: dict[str, Any]) -> dict[str, ParameterValue]:
    """Combine the definition's declared parameters with the given values, as StartPipelineExecution does.

    Raises DefinitionError for a name the definition does not declare, a missing value without a
    default, or a value that does not parse as the declared type.
    """
    declared_names = [parameter["Name"] for parameter in declared]
    unknown = sorted(set(given) - set(declared_names))
    if unknown:
        raise DefinitionError(
            f"parameters {', '.join(unknown)} are not declared by the pipeline definition; "
            f"declared parameters: {', '.join(declared_names)}"
        )

    resolved = {}
    for parameter in declared:
        name, kind = parameter["Name"], parameter.get("Type", "String")
        if name in given:
            text = given[name] if isinstance(given[name], str) else _default_text(given[name])
        elif "DefaultValue" in parameter:
            text = _default_text(parameter["DefaultValue"])
        else:
            raise DefinitionError(f"parameter {name} has no default value, so the parameters file must set it")
        resolved[name] = parse_parameter(name, kind, text)
    return resolved


def render(value: Any) -> str:
    """Render a value as SageMaker puts it into a string field (arguments, hyperparameters, Join)."""
    if isinstance(value, ParameterValue):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]")


def json_get(document: Any, path: str) -> Any:
    """Return the value at a JsonGet path such as ``metrics.eval_perplexity.value`` or ``items[0].name``."""
    current = document
    position = 0
    for match in _PATH_PART.finditer(path):
        if match.start() != position and path[position:match.start()] != ".":
            raise DefinitionError(f"JSON path {path!r} is invalid near position {position}")
        key, index, quoted = match.groups()
        if index is not None:
            path_key = int(index)
        elif quoted is not None:
            path_key = quoted
        else:
            path_key = key
        try:
            current = current[path_key]
        except (KeyError, IndexError, TypeError):
            raise DefinitionError(f"JSON path {path!r} not found in the property file") from None
        position = match.end()
    return current


@dataclass
class Evaluator:
    """Expression values of one execution: its parameters, its id, and the properties of finished steps."""

    parameters: dict[str, ParameterValue]
    execution: dict[str, str]
    # "Steps.<name>.<property path>" -> value, filled in as steps finish.
    step_properties: dict[str, Any] = field(default_factory=dict)
    # "Steps.<name>.PropertyFiles.<file name>" -> parsed JSON document.
    property_files: dict[str, Any] = field(default_factory=dict)

    def evaluate(self, expression: Any) -> Any:
        """Replace every Get, Std:Join and Std:JsonGet in ``expression`` with its value."""
        if isinstance(expression, list):
            return [self.evaluate(item) for item in expression]
        if not isinstance(expression, dict):
            return expression
        if set(expression) == {"Get"}:
            return self._get(expression["Get"])
        if set(expression) == {"Std:Join"}:
            join = expression["Std:Join"]
            return join.get("On", "").join(render(self.evaluate(item)) for item in join["Values"])
        if set(expression) == {"Std:JsonGet"}:
            json_get_arguments = expression["Std:JsonGet"]
            reference = json_get_arguments["PropertyFile"]["Get"]
            if reference not in self.property_files:
                raise DefinitionError(f"property file {reference} is not available; its step has not succeeded")
            return json_get(self.property_files[reference], json_get_arguments["Path"])
        if any(key.startswith("Std:") for key in expression):
            raise DefinitionError(f"the local runner does not support the function {sorted(expression)[0]}")
        return {key: self.evaluate(value) for key, value in expression.items()}

    def evaluate_text(self, expression: Any) -> str:
        return render(self.evaluate(expression))

    def _get(self, reference: str) -> Any:
        scope, _, name = reference.partition(".")
        if scope == "Parameters":
            if name not in self.parameters:
                raise DefinitionError(f"{reference} refers to a parameter that the definition does not declare")
            return self.parameters[name]
        if scope == "Execution":
            if name not in self.execution:
                raise DefinitionError(f"{reference} is not an execution variable that the local runner provides")
            return self.execution[name]
        if scope == "Steps":
            if reference not in self.step_properties:
                raise DefinitionError(f"{reference} is not available; its step has not succeeded or has no such property")
            return self.step_properties[reference]
        raise DefinitionError(f"{reference} has an unknown scope {scope!r}")

    def condition_holds(self, condition: dict) -> bool:
        """Evaluate one entry of a condition step's Conditions list."""
        kind = condition["Type"]
        if kind == "Not":
            return not self.condition_holds(condition["Expression"])
        if kind == "Or":
            return any(self.condition_holds(item) for item in condition["Conditions"])
        if kind == "In":
            query = _comparable(self.evaluate(condition["QueryValue"]))
            return any(query == _comparable(self.evaluate(item)) for item in condition["Values"])

        left = _comparable(self.evaluate(condition["LeftValue"]))
        right = _comparable(self.evaluate(condition["RightValue"]))
        if kind == "Equals":
            return left == right
        try:
            if kind == "GreaterThan":
                return left > right
            if kind == "GreaterThanOrEqualTo":
                return left >= right
            if kind == "LessThan":
                return left < right
            if kind == "LessThanOrEqualTo":
                return left <= right
        except TypeError:
            raise DefinitionError(f"condition {kind} cannot compare {left!r} with {right!r}") from None
        raise DefinitionError(f"condition type {kind!r} is not supported by the local runner")


def _comparable(value: Any) -> Any:
    """Return a parameter's typed value, and numbers as float so that 12 and 12.0 compare equal."""
    if isinstance(value, ParameterValue):
        value = value.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value
