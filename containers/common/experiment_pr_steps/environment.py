"""SageMaker job identity, container image and installed packages of the machine a step runs on."""

import importlib.metadata
import json
import os

IMAGE_DIGEST_PREFIX = "sha256:"


def package_versions() -> str:
    """Return `name==version` for every installed distribution, sorted by name, one a line."""
    versions = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            versions[name.lower()] = distribution.version
    return "".join(f"{name}=={versions[name]}\n" for name in sorted(versions))


def image_digest(environ: dict[str, str]) -> str | None:
    """Return the container image digest from IMAGE_DIGEST, or from the `@sha256:` part of IMAGE_URI.

    NOTE: SageMaker sets neither variable; the pipeline definition passes them as the job's environment.
    """
    digest = environ.get("IMAGE_DIGEST", "").strip()
    if digest:
        return digest

    image_uri = environ.get("IMAGE_URI", "")
    if "@" + IMAGE_DIGEST_PREFIX in image_uri:
        return image_uri.split("@", 1)[1]
    return None


def sagemaker_job_tags(environ: dict[str, str]) -> dict[str, str]:
    """Return tags naming the SageMaker job and image, from the variables that are present."""
    tags = {}

    job_name = environ.get("TRAINING_JOB_NAME")
    training_env = environ.get("SM_TRAINING_ENV")
    if not job_name and training_env:
        try:
            job_name = json.loads(training_env).get("job_name")
        except json.JSONDecodeError:
            job_name = None
    if job_name:
        tags["experiment-pr.job-name"] = job_name

    job_arn = environ.get("TRAINING_JOB_ARN")
    if job_arn:
        tags["experiment-pr.job-arn"] = job_arn

    digest = image_digest(environ)
    if digest:
        tags["experiment-pr.image-digest"] = digest

    image_uri = environ.get("IMAGE_URI")
    if image_uri:
        tags["experiment-pr.image-uri"] = image_uri
    return tags


def log_environment(mlflow_module, environ: dict[str, str] | None = None) -> None:
    """Log the job tags and `environment.txt` (the installed package versions) to the active run."""
    environ = dict(os.environ) if environ is None else environ
    tags = sagemaker_job_tags(environ)
    if tags:
        mlflow_module.set_tags(tags)
    mlflow_module.log_text(package_versions(), "environment.txt")
