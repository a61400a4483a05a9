"""Register step: record the trained LoRA adapter as a version of an MLflow registered model.

The pipeline runs this step only when eval_perplexity <= PerplexityThreshold. The script also rejects a
non-finite eval_perplexity in evaluation.json itself, so a run outside the pipeline cannot register it
either. The adapter becomes an MLflow logged model of this step's run, and the model version carries the
commit, the experiment file and the parent run as tags.
"""

import argparse
import math
import sys
import tempfile
from pathlib import Path

import mlflow
from mlflow.tracking import MlflowClient

from experiment_pr_steps.evaluation_file import read_metric
from experiment_pr_steps.failure import StepFailure, failure_report
from experiment_pr_steps.models import adapter_directory
from experiment_pr_steps.options import add_common_options, common_options
from experiment_pr_steps.tracking import COMMIT_TAG, FILE_TAG, nested_run

STEP_NAME = "Register"
ADAPTER_MODEL_NAME = "adapter"
# Seconds to wait for the registry to mark the new version READY (MLflow's own default is 300).
REGISTRATION_WAIT_SECONDS = 300


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/processing/model"))
    parser.add_argument("--evaluation-dir", type=Path, default=Path("/opt/ml/processing/evaluation"))
    parser.add_argument("--registered-model-name", required=True, help="MLflow registered model to add a version to")
    parser.add_argument("--model-id", required=True, help="base model that the adapter was trained on")
    add_common_options(parser)
    return parser.parse_args(argv)


def version_tags(args: argparse.Namespace, options, perplexity: float) -> dict[str, str]:
    return {
        COMMIT_TAG: options.commit_sha,
        FILE_TAG: options.experiment_file,
        "experiment-pr.parent-run-id": options.parent_run_id,
        "experiment-pr.base-model": args.model_id,
        "eval_perplexity": repr(perplexity),
    }


def run(args: argparse.Namespace) -> None:
    options = common_options(args)
    perplexity = read_metric(args.evaluation_dir, "eval_perplexity")
    if not math.isfinite(perplexity):
        raise StepFailure(
            f"Register rejected the adapter: eval_perplexity is {perplexity} in "
            f"{args.evaluation_dir / 'evaluation.json'}, and only a finite perplexity can be registered. "
            "Check the Train step's loss for divergence (lower LearningRate) and the Evaluate step's data"
        )

    with nested_run(options, STEP_NAME) as run, tempfile.TemporaryDirectory() as scratch:
        adapter_dir = adapter_directory(args.model_dir, Path(scratch))
        tags = version_tags(args, options, perplexity)
        mlflow.log_params({"model_id": args.model_id, "registered_model_name": args.registered_model_name})
        mlflow.log_metric("eval_perplexity", perplexity)

        logged_model = mlflow.initialize_logged_model(
            name=ADAPTER_MODEL_NAME,
            source_run_id=run.info.run_id,
            experiment_id=run.info.experiment_id,
            tags=tags,
            model_type="peft-lora-adapter",
        )
        MlflowClient(tracking_uri=options.tracking_uri).log_model_artifacts(logged_model.model_id, str(adapter_dir))
        mlflow.finalize_logged_model(logged_model.model_id, "READY")

        version = mlflow.register_model(
            f"models:/{logged_model.model_id}",
            args.registered_model_name,
            await_registration_for=REGISTRATION_WAIT_SECONDS,
            tags=tags,
        )
        mlflow.set_tags({
            "experiment-pr.registered-model": version.name,
            "experiment-pr.registered-model-version": str(version.version),
        })
        print(f"{STEP_NAME}: registered {version.name} version {version.version} from logged model "
              f"{logged_model.model_id} (eval_perplexity={perplexity})")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with failure_report(None):
        run(args)


if __name__ == "__main__":
    main()
