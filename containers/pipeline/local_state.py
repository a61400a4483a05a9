"""The state file of a local execution, in the shape of DescribePipelineExecution and ListPipelineExecutionSteps.

    {"status": "Executing|Stopping|Stopped|Failed|Succeeded", "failureReason": str,
     "steps": [{"name", "status", "startTime", "endTime", "failureReason", "metadata"}, ...]}

Keys without a value are left out. A condition step has "metadata": {"Condition": {"Outcome": "True|False"}}.

Steps are listed in the order they started. Times are ISO 8601 in UTC with milliseconds. The file is
replaced atomically after every change, so a reader never sees a half-written file.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

# SageMaker truncates FailureReason to 1024 characters (ProcessingJob and TrainingJob API reference).
MAX_FAILURE_REASON = 1024

# Execution FailureReason that SageMaker Pipelines reports when a step fails; the step carries its own reason.
STEP_FAILURE_REASON = "Step failure: One or multiple steps failed."


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def truncate_reason(reason: str) -> str:
    if len(reason) <= MAX_FAILURE_REASON:
        return reason
    return reason[: MAX_FAILURE_REASON - 3] + "..."


class ExecutionStateFile:
    """The execution's status and its steps, written to ``path`` after every change."""

    def __init__(self, path: Path):
        self.path = path
        self.status = "Executing"
        self.failure_reason: str | None = None
        self.steps: list[dict] = []

    def step(self, name: str) -> dict:
        for step in self.steps:
            if step["name"] == name:
                return step
        raise KeyError(name)

    def start_step(self, name: str) -> None:
        self.steps.append({"name": name, "status": "Starting", "startTime": now_iso(), "endTime": None, "failureReason": None})
        self.write()

    def set_step(self, name: str, status: str, failure_reason: str | None = None, **extra) -> None:
        """Set a step's status; an end status (Succeeded, Failed, Stopped) also sets its end time."""
        step = self.step(name)
        step["status"] = status
        if status in ("Succeeded", "Failed", "Stopped"):
            step["endTime"] = now_iso()
        if failure_reason is not None:
            step["failureReason"] = truncate_reason(failure_reason)
        step.update(extra)
        self.write()

    def set_status(self, status: str, failure_reason: str | None = None) -> None:
        self.status = status
        if failure_reason is not None:
            self.failure_reason = truncate_reason(failure_reason)
        self.write()

    def write(self) -> None:
        # Absent values are left out, as the SageMaker API leaves them out, instead of written as null.
        document = {
            "status": self.status,
            "failureReason": self.failure_reason,
            "steps": [{key: value for key, value in step.items() if value is not None} for step in self.steps],
        }
        if document["failureReason"] is None:
            del document["failureReason"]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(document, handle, indent=2)
                handle.write("\n")
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
