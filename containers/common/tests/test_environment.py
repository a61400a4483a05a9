import importlib.metadata
import json

from experiment_pr_steps.environment import image_digest, package_versions, sagemaker_job_tags

DIGEST = "sha256:" + "ab" * 32


def test_image_digest_from_image_uri():
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/steps@{DIGEST}"

    assert image_digest({"IMAGE_URI": uri}) == DIGEST


def test_image_digest_absent_for_tag_uri():
    assert image_digest({"IMAGE_URI": "123456789012.dkr.ecr.us-east-1.amazonaws.com/steps:latest"}) is None


def test_job_tags_from_training_environment():
    environ = {
        "SM_TRAINING_ENV": json.dumps({"job_name": "pipelines-abc-Train-xyz"}),
        "TRAINING_JOB_ARN": "arn:aws:sagemaker:us-east-1:123456789012:training-job/pipelines-abc-train-xyz",
        "IMAGE_DIGEST": DIGEST,
    }

    tags = sagemaker_job_tags(environ)

    assert tags["experiment-pr.job-name"] == "pipelines-abc-Train-xyz"
    assert tags["experiment-pr.job-arn"] == environ["TRAINING_JOB_ARN"]
    assert tags["experiment-pr.image-digest"] == DIGEST


def test_job_tags_empty_outside_sagemaker():
    assert sagemaker_job_tags({}) == {}


def test_package_versions_lists_installed_versions():
    lines = package_versions().splitlines()

    assert f"mlflow=={importlib.metadata.version('mlflow')}" in lines
    assert f"torch=={importlib.metadata.version('torch')}" in lines
    names = [line.split("==")[0] for line in lines]
    assert names == sorted(names)
