"""Expression evaluation of the local runner: parameters, Get, Std:Join, Std:JsonGet and conditions."""

from __future__ import annotations

import pytest

from local_expressions import DefinitionError, Evaluator, json_get, parse_parameter, resolve_parameters

DECLARED = [
    {"Name": "LearningRate", "Type": "Float", "DefaultValue": 0.0002},
    {"Name": "LoraR", "Type": "Integer", "DefaultValue": 8},
    {"Name": "Enabled", "Type": "Boolean", "DefaultValue": False},
    {"Name": "CommitSha", "Type": "String"},
]


def evaluator(**given: str) -> Evaluator:
    return Evaluator(parameters=resolve_parameters(DECLARED, {"CommitSha": "abc", **given}), execution={"PipelineExecutionId": "exec123"})


def test_float_keeps_sent_text():
    value = parse_parameter("LearningRate", "Float", "2e-05")

    assert value.value == 2e-05
    assert value.text == "2e-05"


def test_defaults_render_as_python_would():
    rendered = evaluator().evaluate_text({"Std:Join": {"On": ",", "Values": [
        {"Get": "Parameters.LearningRate"}, {"Get": "Parameters.LoraR"}, {"Get": "Parameters.Enabled"}]}})

    assert rendered == "0.0002,8,false"


@pytest.mark.parametrize("name, text", [("LoraR", "8.0"), ("LoraR", ""), ("LearningRate", "nan"), ("LearningRate", "fast"), ("Enabled", "True")])
def test_parameter_rejects_wrong_type(name, text):
    with pytest.raises(DefinitionError, match=name):
        resolve_parameters(DECLARED, {"CommitSha": "abc", name: text})


def test_join_with_execution_id():
    joined = evaluator().evaluate({"Std:Join": {"On": "/", "Values": ["s3://bucket/prefix", {"Get": "Execution.PipelineExecutionId"}, "train"]}})

    assert joined == "s3://bucket/prefix/exec123/train"


def test_json_get_nested_and_indexed():
    document = {"metrics": {"eval_perplexity": {"value": 12.5}}, "items": [{"name": "first"}]}

    assert json_get(document, "metrics.eval_perplexity.value") == 12.5
    assert json_get(document, "items[0].name") == "first"


def test_json_get_missing_path():
    with pytest.raises(DefinitionError, match="not found"):
        json_get({"metrics": {}}, "metrics.eval_perplexity.value")


def test_step_property_before_step_fails():
    with pytest.raises(DefinitionError, match="has not succeeded"):
        evaluator().evaluate({"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"})


@pytest.mark.parametrize("kind, left, right, expected", [
    ("LessThanOrEqualTo", 12.5, 12.5, True),
    ("LessThanOrEqualTo", 12.6, 12.5, False),
    ("LessThan", 12.5, 12.5, False),
    ("GreaterThan", 3, 2.5, True),
    ("GreaterThanOrEqualTo", 2, 2.0, True),
    ("Equals", 8, 8.0, True),
])
def test_comparison_conditions(kind, left, right, expected):
    assert evaluator().condition_holds({"Type": kind, "LeftValue": left, "RightValue": right}) is expected


def test_condition_compares_parameter_value():
    condition = {"Type": "LessThanOrEqualTo", "LeftValue": 0.0001, "RightValue": {"Get": "Parameters.LearningRate"}}

    assert evaluator(LearningRate="2e-04").condition_holds(condition) is True
    assert evaluator(LearningRate="5e-05").condition_holds(condition) is False


def test_not_or_in_conditions():
    is_eight = {"Type": "Equals", "LeftValue": {"Get": "Parameters.LoraR"}, "RightValue": 8}

    assert evaluator().condition_holds({"Type": "Not", "Expression": is_eight}) is False
    assert evaluator(LoraR="4").condition_holds({"Type": "Or", "Conditions": [is_eight, {"Type": "Equals", "LeftValue": 1, "RightValue": 1}]}) is True
    assert evaluator().condition_holds({"Type": "In", "QueryValue": {"Get": "Parameters.LoraR"}, "Values": [4, 8]}) is True
