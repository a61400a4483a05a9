"""The options that every step takes, parsed in one place."""

import argparse
import re
from dataclasses import dataclass

COMMIT_SHA_PATTERN = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class CommonOptions:
    tracking_uri: str
    parent_run_id: str
    commit_sha: str
    experiment_file: str


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Add the tracking options of every step.

    Processing steps receive them in kebab case (`--tracking-uri`), and the SageMaker training toolkit passes
    hyperparameters in snake case (`--tracking_uri`), so both spellings are accepted.
    """
    group = parser.add_argument_group("tracking")
    group.add_argument(
        "--tracking-uri", "--tracking_uri", dest="tracking_uri", required=True,
        help="MLflow tracking server: a URL, or a SageMaker MLflow tracking server ARN",
    )
    group.add_argument(
        "--parent-run-id", "--parent_run_id", dest="parent_run_id", required=True,
        help="MLflow run that the action created for this execution; the step nests its own run under it",
    )
    group.add_argument(
        "--commit-sha", "--commit_sha", dest="commit_sha", required=True,
        help="head commit of the pull request, 40 hexadecimal digits",
    )
    group.add_argument(
        "--experiment-file", "--experiment_file", dest="experiment_file", required=True,
        help="repository-relative path of the experiment file",
    )


def common_options(args: argparse.Namespace) -> CommonOptions:
    """Validate the tracking options and return them; raise ValueError naming the invalid value."""
    commit_sha = args.commit_sha.strip().lower()
    if not COMMIT_SHA_PATTERN.match(commit_sha):
        raise ValueError(
            f"invalid --commit-sha {args.commit_sha!r}: expected the full commit SHA, 40 hexadecimal digits"
        )

    parent_run_id = args.parent_run_id.strip()
    if not parent_run_id:
        raise ValueError("missing --parent-run-id: pass the id of the MLflow run that the action created")

    tracking_uri = args.tracking_uri.strip()
    if not tracking_uri:
        raise ValueError("missing --tracking-uri: pass the MLflow tracking server URL or ARN")

    return CommonOptions(
        tracking_uri=tracking_uri,
        parent_run_id=parent_run_id,
        commit_sha=commit_sha,
        experiment_file=args.experiment_file.strip(),
    )
