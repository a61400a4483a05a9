"""Run one execution of the SageMaker pipeline definition on this machine, step by step, as processes.

    python containers/pipeline/local_pipeline.py --definition containers/pipeline/definition.json \\
        --parameters params.json --work-dir DIR --state DIR/state.json --repo-root ROOT

params.json contains {"Name": "value as a string"}, as StartPipelineExecution receives them. The steps run
in dependency order, one at a time, with the step scripts of the repository. local_steps.py describes how
container paths and S3 URIs map to folders under the work directory. The state file is rewritten after
every change. SIGTERM or SIGINT stops the execution: the running step's process group gets SIGTERM, then
SIGKILL after a grace period. The exit code is 0 whenever the final state was written, whatever the outcome.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from local_expressions import DefinitionError, Evaluator, resolve_parameters  # noqa: E402
from local_state import STEP_FAILURE_REASON, ExecutionStateFile  # noqa: E402
from local_steps import LocalPaths, StepProcess, collect_outputs, processing_step, read_property_files, training_step  # noqa: E402

# Seconds a stopped step's process gets between SIGTERM and SIGKILL.
STOP_GRACE_SECONDS = 10.0
# Seconds between two checks of a running step for a stop request or an exceeded MaxRuntimeInSeconds.
POLL_SECONDS = 0.2
# Characters of a failed step's stderr kept in its failure reason; the whole log stays in its folder.
STDERR_TAIL_CHARS = 700


def log(message: str) -> None:
    print(f"local-pipeline: {message}", file=sys.stderr, flush=True)


class StopRequested(Exception):
    """Raised inside the step loop once SIGTERM or SIGINT has arrived."""


class LocalExecution:
    def __init__(self, definition: dict, evaluator: Evaluator, paths: LocalPaths, state: ExecutionStateFile, execution_id: str):
        self.definition = definition
        self.evaluator = evaluator
        self.paths = paths
        self.state = state
        self.execution_id = execution_id
        self.stop_requested = False
        # Condition step name -> whether its conditions held.
        self.condition_outcomes: dict[str, bool] = {}

    def request_stop(self, signal_number, _frame) -> None:
        if not self.stop_requested:
            log(f"received {signal.Signals(signal_number).name}; stopping the execution")
            self.stop_requested = True

    def run(self) -> None:
        """Run the steps one at a time in dependency order, the definition's order breaking ties."""
        enabled = {step["Name"]: step for step in self.definition["Steps"]}
        order = list(enabled)
        finished: set[str] = set()
        failed = False

        while not failed:
            ready = [name for name in order if name not in finished and self._dependencies(enabled[name]) <= finished]
            if not ready:
                break
            if self.stop_requested:
                self.state.set_status("Stopped")
                return

            step = enabled[ready[0]]
            outcome = self._run_step(step)
            if outcome == "Stopped":
                self.state.set_status("Stopped")
                return
            if outcome == "Failed":
                failed = True
                continue

            finished.add(step["Name"])
            if step["Type"] == "Condition":
                # Only the chosen branch's steps run, and SageMaker does not list the others at all.
                branch = "IfSteps" if self.condition_outcomes[step["Name"]] else "ElseSteps"
                for branch_step in step["Arguments"].get(branch, []):
                    # A branch step depends on its condition step, and on what it refers to itself.
                    branch_step = {**branch_step, "DependsOn": [*branch_step.get("DependsOn", []), step["Name"]]}
                    enabled[branch_step["Name"]] = branch_step
                    order.append(branch_step["Name"])

        unreached = [name for name in order if name not in finished]
        if failed:
            self.state.set_status("Failed", STEP_FAILURE_REASON)
        elif unreached:
            self.state.set_status("Failed", f"steps {', '.join(unreached)} did not run because they depend on steps that did not run; check their references and DependsOn")
        else:
            self.state.set_status("Succeeded")

    def _dependencies(self, step: dict) -> set[str]:
        """Names of the steps that ``step`` refers to or lists in DependsOn, as SageMaker builds its DAG."""
        found = set(step.get("DependsOn", []))
        arguments = {key: value for key, value in step.get("Arguments", {}).items() if key not in ("IfSteps", "ElseSteps")}
        pending = [arguments]
        while pending:
            value = pending.pop()
            if isinstance(value, dict):
                reference = value.get("Get")
                if isinstance(reference, str) and reference.startswith("Steps."):
                    found.add(reference.split(".")[1])
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
        return found

    def _run_step(self, step: dict) -> str:
        """Run one step and return its end status: Succeeded, Failed or Stopped."""
        name = step["Name"]
        self.state.start_step(name)
        log(f"step {name} started")
        try:
            if step["Type"] == "Condition":
                return self._run_condition(step)

            root = self.paths.step_root(name)
            if root.exists():
                shutil.rmtree(root)
            if step["Type"] == "Processing":
                process = processing_step(step, self.evaluator, self.paths)
            elif step["Type"] == "Training":
                process = training_step(step, self.evaluator, self.paths, self.execution_id)
            else:
                raise DefinitionError(f"step {name} has the type {step['Type']!r}, which the local runner does not support")

            if self.stop_requested:
                raise StopRequested()
            return_code, reason = self._supervise(name, process)
            if return_code != 0:
                self.state.set_step(name, "Failed", reason)
                log(f"step {name} failed: {reason}")
                return "Failed"

            collect_outputs(process, self.paths)
            read_property_files(step, process, self.evaluator, self.paths)
            self.evaluator.step_properties.update(process.properties)
        except StopRequested:
            self.state.set_step(name, "Stopped")
            log(f"step {name} stopped")
            return "Stopped"
        except (DefinitionError, OSError) as error:
            self.state.set_step(name, "Failed", f"ClientError: {error}")
            log(f"step {name} failed: {error}")
            return "Failed"

        self.state.set_step(name, "Succeeded")
        log(f"step {name} succeeded")
        return "Succeeded"

    def _run_condition(self, step: dict) -> str:
        self.state.set_step(step["Name"], "Executing")
        holds = all(self.evaluator.condition_holds(condition) for condition in step["Arguments"]["Conditions"])
        self.condition_outcomes[step["Name"]] = holds
        outcome = "True" if holds else "False"
        self.state.set_step(step["Name"], "Succeeded", metadata={"Condition": {"Outcome": outcome}})
        log(f"step {step['Name']} evaluated to {outcome}")
        return "Succeeded"

    def _supervise(self, name: str, process: StepProcess) -> tuple[int, str]:
        """Run the step's process to its end; return its exit code and, when it failed, the reason."""
        process.root.mkdir(parents=True, exist_ok=True)
        stdout_path, stderr_path = process.root / "stdout.log", process.root / "stderr.log"
        with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
            child = subprocess.Popen(process.command, env=process.env, cwd=self.paths.repo_root, stdout=stdout, stderr=stderr, start_new_session=True)
            self.state.set_step(name, "Executing")
            log(f"step {name} is running as process {child.pid}; logs in {process.root}")

            started = time.monotonic()
            while child.poll() is None:
                if self.stop_requested:
                    self.state.set_status("Stopping")
                    self.state.set_step(name, "Stopping")
                    self._terminate(child)
                    raise StopRequested()
                if process.max_runtime is not None and time.monotonic() - started > process.max_runtime:
                    self._terminate(child)
                    return -1, f"ClientError: the step ran longer than its MaxRuntimeInSeconds ({process.max_runtime:g} s) and was stopped"
                time.sleep(POLL_SECONDS)

        if child.returncode == 0:
            return 0, ""
        return child.returncode, self._failure_reason(process, child.returncode, stderr_path)

    def _terminate(self, child: subprocess.Popen) -> None:
        # The step runs in its own session, so the whole process group (DataLoader workers too) gets the signal.
        _signal_group(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(child.pid, signal.SIGKILL)
            child.wait()

    def _failure_reason(self, process: StepProcess, return_code: int, stderr_path: Path) -> str:
        failure_file = process.failure_file
        if failure_file is not None and failure_file.is_file():
            message = failure_file.read_text(encoding="utf-8", errors="replace").strip()
            if message:
                return f"AlgorithmError: {message}"

        tail = stderr_path.read_bytes()[-STDERR_TAIL_CHARS:].decode("utf-8", errors="replace").strip()
        how = f"exit code {return_code}" if return_code > 0 else f"signal {signal.Signals(-return_code).name}"
        return f"AlgorithmError: the step's process ended with {how}; stderr ends with: {tail} (full log: {stderr_path})"


def _signal_group(pid: int, signal_number: int) -> None:
    try:
        os.killpg(pid, signal_number)
    except ProcessLookupError:
        pass


def execution_id_for(work_dir: Path) -> str:
    """Return a 12-character id in the style of SageMaker's PipelineExecutionId, stable for one work directory."""
    return hashlib.sha256(str(work_dir.resolve()).encode()).hexdigest()[:12]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run one execution of a SageMaker pipeline definition on this machine.")
    parser.add_argument("--definition", type=Path, required=True, help="pipeline definition JSON (containers/pipeline/definition.json)")
    parser.add_argument("--parameters", type=Path, required=True, help='JSON object {"Name": "value as a string"}')
    parser.add_argument("--work-dir", type=Path, required=True, help="folder for the steps' files and the local S3")
    parser.add_argument("--state", type=Path, required=True, help="state file, rewritten after every change")
    parser.add_argument("--repo-root", type=Path, required=True, help="repository root: step code and relative data paths")
    parser.add_argument("--execution-id", help="PipelineExecutionId of this execution (default: derived from --work-dir)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    state = ExecutionStateFile(args.state)
    try:
        state.write()
    except OSError as error:
        log(f"cannot write the state file {args.state}: {error}; check that its folder is writable")
        return 2

    execution_id = args.execution_id or execution_id_for(args.work_dir)
    try:
        definition = json.loads(args.definition.read_text(encoding="utf-8"))
        given = json.loads(args.parameters.read_text(encoding="utf-8"))
        if not isinstance(given, dict):
            raise DefinitionError(f"parameters file {args.parameters} must hold a JSON object of names and values")
        parameters = resolve_parameters(definition.get("Parameters", []), given)
    except (OSError, ValueError, DefinitionError) as error:
        state.set_status("Failed", f"the execution could not start: {error}")
        log(f"the execution could not start: {error}")
        return 0

    evaluator = Evaluator(parameters=parameters, execution={"PipelineExecutionId": execution_id, "PipelineExecutionArn": f"local:pipeline-execution/{execution_id}"})
    execution = LocalExecution(definition, evaluator, LocalPaths(args.work_dir.resolve(), args.repo_root), state, execution_id)
    signal.signal(signal.SIGTERM, execution.request_stop)
    signal.signal(signal.SIGINT, execution.request_stop)

    log(f"execution {execution_id} started in {args.work_dir}")
    try:
        execution.run()
    except Exception as error:  # noqa: BLE001 (a malformed definition must still end in a final state)
        traceback.print_exc()
        state.set_status("Failed", f"the local runner failed: {error!r}; its stderr has the traceback")
    log(f"execution {execution_id} ended with status {state.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
