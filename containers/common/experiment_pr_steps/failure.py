"""Report why a step failed where SageMaker, the local runner and a person can read it."""

import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

# A processing job's ExitMessage is the first 1 KB of /opt/ml/output/message (SageMaker developer guide,
# "Save and Access Metadata Information About Your Processing Job").
PROCESSING_MESSAGE_FILE = Path("/opt/ml/output/message")
# A training job's FailureReason comes from /opt/ml/output/failure, also at most 1 KB (DescribeTrainingJob).
TRAINING_FAILURE_FILE = Path("/opt/ml/output/failure")
SAGEMAKER_MESSAGE_LIMIT_BYTES = 1024


class StepFailure(Exception):
    """A failure whose message already states what failed, on which value, and what to do next."""


def truncate_utf8(text: str, limit_bytes: int) -> str:
    """Cut text to at most limit_bytes of UTF-8 without splitting a character."""
    return text.encode("utf-8")[:limit_bytes].decode("utf-8", errors="ignore")


def write_failure(reason: str, output_dir: Path | None, sagemaker_file: Path) -> None:
    """Write the reason to stderr, to `<output_dir>/failure`, and to the SageMaker file when /opt/ml exists."""
    print(f"ERROR: {reason}", file=sys.stderr, flush=True)

    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        (output_dir / "failure").write_text(reason + "\n", encoding="utf-8")

    # Outside a SageMaker container /opt/ml does not exist, and a step must not create it there.
    if sagemaker_file.parent.parent.is_dir():
        try:
            sagemaker_file.parent.mkdir(parents=True, exist_ok=True)
            sagemaker_file.write_text(truncate_utf8(reason, SAGEMAKER_MESSAGE_LIMIT_BYTES), encoding="utf-8")
        except OSError as error:
            print(f"WARNING: could not write {sagemaker_file}: {error}", file=sys.stderr)


@contextmanager
def failure_report(output_dir: Path | None, sagemaker_file: Path = PROCESSING_MESSAGE_FILE):
    """Turn any exception into a written reason and exit status 1.

    A StepFailure's message is written as it is; any other exception is written as `Type: message` after
    its traceback on stderr.
    """
    try:
        yield
    except StepFailure as failure:
        write_failure(str(failure), output_dir, sagemaker_file)
        raise SystemExit(1) from failure
    except Exception as error:  # noqa: BLE001 - every failure must leave a reason behind
        traceback.print_exc()
        write_failure(f"{type(error).__name__}: {error}", output_dir, sagemaker_file)
        raise SystemExit(1) from error
