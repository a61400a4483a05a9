"""Build the SageMaker pipeline definition of the experiment pipeline and write definition.json.

    python containers/pipeline/build_definition.py            # write containers/pipeline/definition.json
    python containers/pipeline/build_definition.py --check    # exit 1 with a diff when the file is stale

The steps are Preprocess -> Train -> Evaluate -> CheckPerplexity -> Register. The output is sorted JSON,
so two runs with the same options give identical bytes. Nothing here calls AWS: the session has a
fixed region and refuses every request, and the image URIs, role and S3 prefix come from options.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import contextlib
import os
import socket
import sys
import warnings
from pathlib import Path

# The SDK warns on import that v2 is deprecated; that warning is no help to the people running this script.
os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
# The Estimator creates a boto3 client of its own. Without this, its credential lookup would query the
# EC2 instance metadata service, although no request that needs credentials is ever sent.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

# The SDK logs each config file it skips (to stdout), its telemetry notice (also when opted out), and a
# warning per job name it drops from the definition. None of these needs action here, so only errors show.
# The levels are set before the import because the SDK keeps a level that is already set.
logging.getLogger("sagemaker").setLevel(logging.ERROR)
logging.getLogger("sagemaker.config").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message="Running within a PipelineSession")

import boto3  # noqa: E402
from botocore.exceptions import HTTPClientError  # noqa: E402
from sagemaker.workflow.pipeline_context import PipelineSession  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline_steps import build_pipeline  # noqa: E402

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "definition.json"

# Placeholders for the account's values; the README explains how to replace them with these options.
DEFAULT_PROCESSING_IMAGE = "<account>.dkr.ecr.<region>.amazonaws.com/experiment-pr-processing:latest"
DEFAULT_TRAINING_IMAGE = "<account>.dkr.ecr.<region>.amazonaws.com/experiment-pr-training:latest"
DEFAULT_ROLE_ARN = "arn:aws:iam::<account>:role/experiment-pr-sagemaker-execution"
DEFAULT_ARTIFACT_PREFIX = "s3://<bucket>/experiment-pr"

# The region only fills SDK fields that need one; no request is sent, so any valid name works.
SESSION_REGION = "us-east-1"


# SDK defaults that replace the machine's SageMaker config files: no telemetry request to S3.
SDK_CONFIG = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}


class NetworkCallAttempted(RuntimeError):
    """Raised when the SDK tries to reach the network while the definition is built."""


def _refuse_request(request, **_kwargs):
    raise NetworkCallAttempted(
        f"building the definition tried to call AWS ({request.method} {request.url}); "
        "pass explicit S3 URIs, role and image URIs so that the SDK needs no lookup"
    )


@contextlib.contextmanager
def no_network():
    """Make every socket connection fail while the pipeline is built, whatever library opens it."""

    def refuse_connect(_socket, address):
        raise NetworkCallAttempted(f"building the definition tried to connect to {address}; it must work offline")

    original_connect = socket.socket.connect
    socket.socket.connect = refuse_connect
    try:
        yield
    finally:
        socket.socket.connect = original_connect


def offline_session() -> PipelineSession:
    """Return a PipelineSession that refuses every AWS request and ignores SageMaker config files.

    A config file under /etc/xdg/sagemaker or ~/.config/sagemaker could inject defaults (VPC,
    tags, KMS keys) into the definition, which would make the output depend on the machine.
    """
    boto_session = boto3.Session(
        region_name=SESSION_REGION,
        aws_access_key_id="offline",
        aws_secret_access_key="offline",
    )
    boto_session.events.register("before-send", _refuse_request)
    return PipelineSession(boto_session=boto_session, sagemaker_config=SDK_CONFIG)


def render_definition(args: argparse.Namespace) -> str:
    """Build the pipeline and return its definition as sorted, indented JSON with a final newline."""
    with no_network():
        pipeline = build_pipeline(
            session=offline_session(),
            processing_image=args.processing_image,
            training_image=args.training_image,
            role_arn=args.role_arn,
            artifact_prefix=args.artifact_prefix.rstrip("/"),
        )
        definition = json.loads(pipeline.definition())
    return json.dumps(definition, indent=2, sort_keys=True) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="definition file to write or check")
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing it; exit 1 when they differ")
    parser.add_argument("--processing-image", default=DEFAULT_PROCESSING_IMAGE, help="ECR URI of the processing image")
    parser.add_argument("--training-image", default=DEFAULT_TRAINING_IMAGE, help="ECR URI of the training image")
    parser.add_argument("--role-arn", default=DEFAULT_ROLE_ARN, help="IAM role that the processing and training jobs run as")
    parser.add_argument(
        "--artifact-prefix",
        default=DEFAULT_ARTIFACT_PREFIX,
        help="S3 prefix of the data and model outputs; each execution writes under <prefix>/<execution id>/",
    )
    args = parser.parse_args(argv)

    # The SDK would look up a bare role name in IAM, which needs credentials and the network.
    if not args.role_arn.startswith("arn:"):
        parser.error(f"--role-arn {args.role_arn!r} is not an ARN; give the full ARN, such as arn:aws:iam::123456789012:role/NAME")
    if not args.artifact_prefix.startswith("s3://"):
        parser.error(f"--artifact-prefix {args.artifact_prefix!r} is not an S3 URI; give one such as s3://my-bucket/experiment-pr")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        rendered = render_definition(args)
    except (NetworkCallAttempted, HTTPClientError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    if not args.check:
        args.output.write_text(rendered, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
        return 0

    try:
        committed = args.output.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(f"{args.output} not found; run python containers/pipeline/build_definition.py to create it", file=sys.stderr)
        return 1
    if committed == rendered:
        return 0

    diff = difflib.unified_diff(
        committed.splitlines(keepends=True),
        rendered.splitlines(keepends=True),
        fromfile=f"{args.output} (committed)",
        tofile=f"{args.output} (generated)",
    )
    sys.stderr.writelines(diff)
    print(
        f"\n{args.output} differs from the generated definition; "
        "run python containers/pipeline/build_definition.py and commit the result",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
