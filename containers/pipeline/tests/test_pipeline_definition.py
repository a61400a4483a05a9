"""The committed pipeline definition against the pipeline contract, the generator and the images."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import pipeline_layout as layout

# The SDK warns that a PipelineSession starts no job, which is the point of building offline.
pytestmark = pytest.mark.filterwarnings("ignore:Running within a PipelineSession")

PIPELINE_DIR = Path(__file__).resolve().parents[1]
CONTAINERS_DIR = PIPELINE_DIR.parent
DEFINITION = json.loads((PIPELINE_DIR / "definition.json").read_text())

# The pipeline contract: every parameter an experiment file may set, with its type and default
# (None: no default), then the four that the action fills.
CONTRACT = [
    ("ModelId", "String", "tiny-llama"),
    ("DatasetRevision", "String", "v1"),
    ("TrainDataUri", "String", None),
    ("EvalDataUri", "String", None),
    ("MaxSeqLength", "Integer", 512),
    ("MinOutputLength", "Integer", 1),
    ("MaxDroppedFraction", "Float", 0.5),
    ("LoraR", "Integer", 8),
    ("LoraAlpha", "Integer", 16),
    ("LoraDropout", "Float", 0.05),
    ("LoraTargetModules", "String", "q_proj,v_proj"),
    ("LearningRate", "Float", 0.0002),
    ("NumTrainEpochs", "Integer", 1),
    ("MaxSteps", "Integer", -1),
    ("PerDeviceTrainBatchSize", "Integer", 4),
    ("GradientAccumulationSteps", "Integer", 1),
    ("WeightDecay", "Float", 0.0),
    ("Seed", "Integer", 42),
    ("TrainingInstanceType", "String", "ml.g5.2xlarge"),
    ("TrainingInstanceCount", "Integer", 1),
    ("ProcessingInstanceType", "String", "ml.m5.xlarge"),
    ("MaxRuntimeSeconds", "Integer", 86400),
    ("PerplexityThreshold", "Float", 1000.0),
    ("RegisteredModelName", "String", "experiment-pr-adapters"),
    ("CommitSha", "String", None),
    ("MlflowParentRunId", "String", None),
    ("ExperimentFile", "String", None),
    ("MlflowTrackingUri", "String", None),
]

TRAINING_HYPERPARAMETERS = {
    "model_id": "ModelId", "lora_r": "LoraR", "lora_alpha": "LoraAlpha", "lora_dropout": "LoraDropout",
    "lora_target_modules": "LoraTargetModules", "learning_rate": "LearningRate",
    "num_train_epochs": "NumTrainEpochs", "max_steps": "MaxSteps",
    "per_device_train_batch_size": "PerDeviceTrainBatchSize",
    "gradient_accumulation_steps": "GradientAccumulationSteps", "weight_decay": "WeightDecay", "seed": "Seed",
    "max_seq_length": "MaxSeqLength", "tracking_uri": "MlflowTrackingUri", "parent_run_id": "MlflowParentRunId",
    "commit_sha": "CommitSha", "experiment_file": "ExperimentFile",
}


def steps_by_name() -> dict[str, dict]:
    found = {}
    for step in DEFINITION["Steps"]:
        found[step["Name"]] = step
        for branch in ("IfSteps", "ElseSteps"):
            for nested in step["Arguments"].get(branch, []):
                found[nested["Name"]] = nested
    return found


def references(value) -> set[str]:
    text = json.dumps(value)
    return set(re.findall(r'"Get": "([^"]+)"', text))


@pytest.mark.parametrize("name, kind, default", CONTRACT)
def test_definition_declares_parameter(name, kind, default):
    declared = {parameter["Name"]: parameter for parameter in DEFINITION["Parameters"]}

    assert name in declared
    assert declared[name]["Type"] == kind
    if default is None:
        assert "DefaultValue" not in declared[name]
    else:
        assert declared[name]["DefaultValue"] == default
        assert type(declared[name]["DefaultValue"]) is type(default)


def test_definition_declares_only_contract_parameters():
    assert [parameter["Name"] for parameter in DEFINITION["Parameters"]] == [name for name, _, _ in CONTRACT]


def test_definition_steps_and_order():
    assert [step["Name"] for step in DEFINITION["Steps"]] == ["Preprocess", "Train", "Evaluate", "CheckPerplexity"]
    check = steps_by_name()["CheckPerplexity"]
    assert [step["Name"] for step in check["Arguments"]["IfSteps"]] == ["Register"]
    assert check["Arguments"]["ElseSteps"] == []


def test_condition_compares_perplexity_with_threshold():
    condition = steps_by_name()["CheckPerplexity"]["Arguments"]["Conditions"]

    assert len(condition) == 1
    assert condition[0]["Type"] == "LessThanOrEqualTo"
    assert condition[0]["LeftValue"]["Std:JsonGet"]["Path"] == "metrics.eval_perplexity.value"
    assert condition[0]["LeftValue"]["Std:JsonGet"]["PropertyFile"] == {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"}
    assert condition[0]["RightValue"] == {"Get": "Parameters.PerplexityThreshold"}
    assert steps_by_name()["Evaluate"]["PropertyFiles"] == [
        {"FilePath": "evaluation.json", "OutputName": "evaluation", "PropertyFileName": "EvaluationReport"}
    ]


def test_training_uses_runtime_and_instance_parameters():
    arguments = steps_by_name()["Train"]["Arguments"]

    assert arguments["StoppingCondition"]["MaxRuntimeInSeconds"] == {"Get": "Parameters.MaxRuntimeSeconds"}
    assert arguments["ResourceConfig"]["InstanceType"] == {"Get": "Parameters.TrainingInstanceType"}
    assert arguments["ResourceConfig"]["InstanceCount"] == {"Get": "Parameters.TrainingInstanceCount"}
    assert arguments["Environment"] == {"SAGEMAKER_PROGRAM": layout.TRAINING_PROGRAM}


def test_training_hyperparameters_follow_contract():
    hyperparameters = steps_by_name()["Train"]["Arguments"]["HyperParameters"]

    assert set(hyperparameters) == set(TRAINING_HYPERPARAMETERS)
    for name, parameter in TRAINING_HYPERPARAMETERS.items():
        assert references(hyperparameters[name]) == {f"Parameters.{parameter}"}, name


@pytest.mark.parametrize("step_name", ["Preprocess", "Evaluate", "Register"])
def test_processing_steps_get_tracking_options(step_name):
    arguments = steps_by_name()[step_name]["Arguments"]["AppSpecification"]["ContainerArguments"]

    for option, parameter in [("--tracking-uri", "MlflowTrackingUri"), ("--parent-run-id", "MlflowParentRunId"),
                              ("--commit-sha", "CommitSha"), ("--experiment-file", "ExperimentFile")]:
        assert arguments[arguments.index(option) + 1] == {"Get": f"Parameters.{parameter}"}
    instance_type = steps_by_name()[step_name]["Arguments"]["ProcessingResources"]["ClusterConfig"]["InstanceType"]
    assert instance_type == {"Get": "Parameters.ProcessingInstanceType"}


def test_outputs_include_execution_id():
    outputs = [output["S3Output"]["S3Uri"] for step in steps_by_name().values()
               for output in step["Arguments"].get("ProcessingOutputConfig", {}).get("Outputs", [])]
    outputs.append(steps_by_name()["Train"]["Arguments"]["OutputDataConfig"]["S3OutputPath"])

    assert len(outputs) == 5
    for uri in outputs:
        assert "Execution.PipelineExecutionId" in references(uri), uri


def test_step_scripts_are_under_code_dir():
    for name, script in [("Preprocess", "preprocess.py"), ("Evaluate", "evaluate.py"), ("Register", "register.py")]:
        entrypoint = steps_by_name()[name]["Arguments"]["AppSpecification"]["ContainerEntrypoint"]
        assert entrypoint == ["python3", f"{layout.CODE_DIR}/{script}"]


@pytest.mark.parametrize("image, code_source", [("processing", layout.PROCESSING_CODE_SOURCE), ("training", layout.TRAINING_CODE_SOURCE)])
def test_dockerfile_copies_code_where_runner_expects(image, code_source):
    dockerfile = (CONTAINERS_DIR / image / "Dockerfile").read_text()
    relative_source = code_source.removeprefix("containers/")
    common_source = layout.COMMON_CODE_SOURCE.removeprefix("containers/")

    assert re.search(rf"^COPY {relative_source}/\*\.py {layout.CODE_DIR}/$", dockerfile, re.MULTILINE)
    assert re.search(rf"^COPY {common_source}/ {layout.COMMON_DIR}/$", dockerfile, re.MULTILINE)
    assert f"PYTHONPATH={layout.COMMON_DIR}" in dockerfile
    assert re.search(r"^FROM python:3\.11[\w.-]*@sha256:[0-9a-f]{64}", dockerfile, re.MULTILINE)
    assert "--require-hashes" in dockerfile


def test_build_check_passes_on_committed_file(capsys):
    # The committed file came from an earlier run, so this also shows that the output is stable across runs.
    import build_definition

    assert build_definition.main(["--check"]) == 0


def test_build_check_fails_on_changed_file(tmp_path, capsys):
    import build_definition

    changed = tmp_path / "definition.json"
    changed.write_text((PIPELINE_DIR / "definition.json").read_text().replace('"DefaultValue": 8,', '"DefaultValue": 16,'))

    assert build_definition.main(["--check", "--output", str(changed)]) == 1
    stderr = capsys.readouterr().err
    assert '-      "DefaultValue": 16,' in stderr
    assert '+      "DefaultValue": 8,' in stderr
    assert "run python containers/pipeline/build_definition.py" in stderr

