"""Parameters and steps of the experiment pipeline, built with the SageMaker Python SDK (v2 workflow API)."""

from __future__ import annotations

from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.processing import ProcessingInput, ProcessingOutput, Processor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionLessThanOrEqualTo
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_context import PipelineSession
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

import pipeline_layout as layout

# Parameters that an experiment file may set, with the pipeline's defaults. TrainDataUri and
# EvalDataUri have no default, so every execution must name its data.
EXPERIMENT_PARAMETERS = [
    ParameterString("ModelId", default_value="tiny-llama"),
    ParameterString("DatasetRevision", default_value="v1"),
    ParameterString("TrainDataUri"),
    ParameterString("EvalDataUri"),
    ParameterInteger("MaxSeqLength", default_value=512),
    ParameterInteger("MinOutputLength", default_value=1),
    ParameterFloat("MaxDroppedFraction", default_value=0.5),
    ParameterInteger("LoraR", default_value=8),
    ParameterInteger("LoraAlpha", default_value=16),
    ParameterFloat("LoraDropout", default_value=0.05),
    ParameterString("LoraTargetModules", default_value="q_proj,v_proj"),
    ParameterFloat("LearningRate", default_value=0.0002),
    ParameterInteger("NumTrainEpochs", default_value=1),
    ParameterInteger("MaxSteps", default_value=-1),
    ParameterInteger("PerDeviceTrainBatchSize", default_value=4),
    ParameterInteger("GradientAccumulationSteps", default_value=1),
    ParameterFloat("WeightDecay", default_value=0.0),
    ParameterInteger("Seed", default_value=42),
    ParameterString("TrainingInstanceType", default_value="ml.g5.2xlarge"),
    ParameterInteger("TrainingInstanceCount", default_value=1),
    ParameterString("ProcessingInstanceType", default_value="ml.m5.xlarge"),
    ParameterInteger("MaxRuntimeSeconds", default_value=86400),
    ParameterFloat("PerplexityThreshold", default_value=1000.0),
    ParameterString("RegisteredModelName", default_value="experiment-pr-adapters"),
]

# Parameters that the action fills for every execution; experiment files may not set them.
ACTION_PARAMETERS = [
    ParameterString("CommitSha"),
    ParameterString("MlflowParentRunId"),
    ParameterString("ExperimentFile"),
    ParameterString("MlflowTrackingUri"),
]


def build_pipeline(
    session: PipelineSession,
    processing_image: str,
    training_image: str,
    role_arn: str,
    artifact_prefix: str,
) -> Pipeline:
    """Return the pipeline with its five steps; ``artifact_prefix`` is an S3 URI without a trailing slash."""
    p = {parameter.name: parameter for parameter in EXPERIMENT_PARAMETERS + ACTION_PARAMETERS}

    def execution_uri(*parts: str) -> Join:
        # Every execution writes under its own id, so reruns and parallel executions never share data.
        return Join(on="/", values=[artifact_prefix, ExecutionVariables.PIPELINE_EXECUTION_ID, *parts])

    def tracking_arguments() -> list:
        return [
            "--tracking-uri", p["MlflowTrackingUri"],
            "--parent-run-id", p["MlflowParentRunId"],
            "--commit-sha", p["CommitSha"],
            "--experiment-file", p["ExperimentFile"],
        ]

    def processor(script: str) -> Processor:
        return Processor(
            role=role_arn,
            image_uri=processing_image,
            instance_count=1,
            instance_type=p["ProcessingInstanceType"],
            entrypoint=["python3", f"{layout.CODE_DIR}/{script}"],
            sagemaker_session=session,
        )

    root = layout.PROCESSING_ROOT
    preprocess = ProcessingStep(
        name=layout.PREPROCESS,
        step_args=processor("preprocess.py").run(
            inputs=[
                ProcessingInput(source=p["TrainDataUri"], destination=f"{root}/input/train", input_name="train"),
                ProcessingInput(source=p["EvalDataUri"], destination=f"{root}/input/eval", input_name="eval"),
            ],
            outputs=[
                ProcessingOutput(output_name=name, source=f"{root}/output/{name}", destination=execution_uri("preprocess", name))
                for name in ("train", "eval", "report")
            ],
            arguments=[
                "--input-dir", f"{root}/input",
                "--output-dir", f"{root}/output",
                "--model-id", p["ModelId"],
                "--max-seq-length", p["MaxSeqLength"],
                "--min-output-length", p["MinOutputLength"],
                "--max-dropped-fraction", p["MaxDroppedFraction"],
                "--train-data-uri", p["TrainDataUri"],
                "--eval-data-uri", p["EvalDataUri"],
                "--dataset-revision", p["DatasetRevision"],
                *tracking_arguments(),
            ],
        ),
    )
    preprocessed = preprocess.properties.ProcessingOutputConfig.Outputs

    estimator = Estimator(
        image_uri=training_image,
        role=role_arn,
        instance_count=p["TrainingInstanceCount"],
        instance_type=p["TrainingInstanceType"],
        max_run=p["MaxRuntimeSeconds"],
        output_path=execution_uri("train"),
        # SageMaker Debugger and its profiler are on by default; the training script reports to MLflow instead.
        disable_profiler=True,
        debugger_hook_config=False,
        # The training toolkit in the image runs this script from /opt/ml/code.
        environment={"SAGEMAKER_PROGRAM": layout.TRAINING_PROGRAM},
        hyperparameters={
            "model_id": p["ModelId"],
            "lora_r": p["LoraR"],
            "lora_alpha": p["LoraAlpha"],
            "lora_dropout": p["LoraDropout"],
            "lora_target_modules": p["LoraTargetModules"],
            "learning_rate": p["LearningRate"],
            "num_train_epochs": p["NumTrainEpochs"],
            "max_steps": p["MaxSteps"],
            "per_device_train_batch_size": p["PerDeviceTrainBatchSize"],
            "gradient_accumulation_steps": p["GradientAccumulationSteps"],
            "weight_decay": p["WeightDecay"],
            "seed": p["Seed"],
            "max_seq_length": p["MaxSeqLength"],
            "tracking_uri": p["MlflowTrackingUri"],
            "parent_run_id": p["MlflowParentRunId"],
            "commit_sha": p["CommitSha"],
            "experiment_file": p["ExperimentFile"],
        },
        sagemaker_session=session,
    )
    train = TrainingStep(
        name=layout.TRAIN,
        step_args=estimator.fit(
            inputs={
                "train": TrainingInput(s3_data=preprocessed["train"].S3Output.S3Uri),
                "eval": TrainingInput(s3_data=preprocessed["eval"].S3Output.S3Uri),
            }
        ),
    )
    model_artifacts = train.properties.ModelArtifacts.S3ModelArtifacts

    evaluation_report = PropertyFile(
        name=layout.EVALUATION_PROPERTY_FILE,
        output_name=layout.EVALUATION_OUTPUT,
        path=layout.EVALUATION_FILE,
    )
    evaluate = ProcessingStep(
        name=layout.EVALUATE,
        step_args=processor("evaluate.py").run(
            inputs=[
                ProcessingInput(source=model_artifacts, destination=f"{root}/model", input_name="model"),
                ProcessingInput(source=preprocessed["eval"].S3Output.S3Uri, destination=f"{root}/eval", input_name="eval"),
            ],
            outputs=[
                ProcessingOutput(
                    output_name=layout.EVALUATION_OUTPUT,
                    source=f"{root}/evaluation",
                    destination=execution_uri("evaluate"),
                )
            ],
            arguments=[
                "--model-dir", f"{root}/model",
                "--eval-dir", f"{root}/eval",
                "--output-dir", f"{root}/evaluation",
                "--model-id", p["ModelId"],
                "--max-seq-length", p["MaxSeqLength"],
                *tracking_arguments(),
            ],
        ),
        property_files=[evaluation_report],
    )

    register = ProcessingStep(
        name=layout.REGISTER,
        step_args=processor("register.py").run(
            inputs=[
                ProcessingInput(source=model_artifacts, destination=f"{root}/model", input_name="model"),
                ProcessingInput(
                    source=evaluate.properties.ProcessingOutputConfig.Outputs[layout.EVALUATION_OUTPUT].S3Output.S3Uri,
                    destination=f"{root}/evaluation",
                    input_name="evaluation",
                ),
            ],
            arguments=[
                "--model-dir", f"{root}/model",
                "--evaluation-dir", f"{root}/evaluation",
                "--registered-model-name", p["RegisteredModelName"],
                "--model-id", p["ModelId"],
                *tracking_arguments(),
            ],
        ),
    )

    check_perplexity = ConditionStep(
        name=layout.CHECK_PERPLEXITY,
        conditions=[
            ConditionLessThanOrEqualTo(
                left=JsonGet(step_name=evaluate.name, property_file=evaluation_report, json_path=layout.PERPLEXITY_JSON_PATH),
                right=p["PerplexityThreshold"],
            )
        ],
        if_steps=[register],
        else_steps=[],
    )

    return Pipeline(
        name="experiment-pr",
        parameters=EXPERIMENT_PARAMETERS + ACTION_PARAMETERS,
        steps=[preprocess, train, evaluate, check_perplexity],
        # MLflow carries the tracking; SageMaker Experiments would only add a second, unused record.
        pipeline_experiment_config=None,
        sagemaker_session=session,
    )
