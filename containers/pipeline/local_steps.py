"""Turn a Processing or Training step of the definition into a local process, and collect its outputs.

Path mapping of a local execution with work directory WORK:
  - each step's container filesystem is WORK/steps/<step name>/, so the container path /opt/ml/X of the
    step Train is WORK/steps/Train/opt/ml/X; arguments that start with /opt/ml/ are rewritten the same way;
  - S3 is WORK/s3/: s3://BUCKET/KEY is the file or folder WORK/s3/BUCKET/KEY; step outputs are copied
    there when the step succeeds, as SageMaker uploads them at the end of a job;
  - an input whose URI is not s3:// is a path relative to the repository root, which must stay inside it;
  - the step scripts under /opt/ml/code in the images are run from the repository folders that the
    Dockerfiles copy there, with containers/common on PYTHONPATH, by this runner's Python interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import pipeline_layout as layout
from local_expressions import DefinitionError, Evaluator, render


@dataclass
class StepProcess:
    """Command, environment and limits of one step's process, and the outputs to collect when it succeeds."""

    command: list[str]
    env: dict[str, str]
    root: Path
    # Seconds before the process is stopped; None for no limit.
    max_runtime: float | None = None
    # (local folder, S3 URI) pairs copied to the local S3 after success.
    uploads: list[tuple[Path, str]] = field(default_factory=list)
    # Output name -> S3 URI, for the step's property files.
    outputs: dict[str, str] = field(default_factory=dict)
    # Property path -> value, set on the evaluator after success.
    properties: dict[str, str] = field(default_factory=dict)
    # (local folder to archive as model.tar.gz, its S3 URI), for a training step.
    model_archive: tuple[Path, str] | None = None
    # Local copy of the file where the container may write why it failed: /opt/ml/output/failure for a
    # training job (FailureReason), /opt/ml/output/message for a processing job (ExitMessage).
    failure_file: Path | None = None


class LocalPaths:
    """Maps container paths, S3 URIs and repository paths of one execution to local paths."""

    def __init__(self, work_dir: Path, repo_root: Path):
        self.work_dir = work_dir
        self.repo_root = repo_root.resolve()
        self.s3_root = work_dir / "s3"

    def step_root(self, step_name: str) -> Path:
        return self.work_dir / "steps" / step_name

    def container_path(self, step_name: str, container_path: str) -> Path:
        if not (container_path == layout.CONTAINER_ROOT or container_path.startswith(layout.CONTAINER_ROOT + "/")):
            raise DefinitionError(f"container path {container_path!r} of step {step_name} is outside {layout.CONTAINER_ROOT}")
        return self.step_root(step_name) / container_path.lstrip("/")

    def s3_path(self, uri: str) -> Path:
        bucket_and_key = uri[len("s3://"):].strip("/")
        parts = bucket_and_key.split("/")
        if not bucket_and_key or any(part in ("", ".", "..") for part in parts):
            raise DefinitionError(f"S3 URI {uri!r} is not of the form s3://bucket/key")
        return self.s3_root.joinpath(*parts)

    def input_source(self, uri: str, parameter_hint: str) -> Path:
        """Return the local file or folder that a step input's URI points to."""
        if uri.startswith("s3://"):
            local = self.s3_path(uri)
            if not local.exists():
                raise DefinitionError(
                    f"input {parameter_hint} is {uri}, which the local run cannot read: only outputs of earlier "
                    "steps are in its local S3; give a path relative to the repository root instead"
                )
            return local

        candidate = (self.repo_root / uri).resolve()
        if not candidate.is_relative_to(self.repo_root):
            raise DefinitionError(f"input {parameter_hint} is {uri!r}, which is outside the repository root {self.repo_root}")
        if not candidate.exists():
            raise DefinitionError(f"input {parameter_hint} is {uri!r}, but {candidate} does not exist")
        return candidate

    def map_argument(self, step_name: str, argument: str) -> str:
        if argument.startswith(layout.CONTAINER_ROOT + "/"):
            return str(self.container_path(step_name, argument))
        return argument


def copy_input(source: Path, destination: Path) -> None:
    """Copy as SageMaker downloads an S3Prefix input: a file into the folder, a folder's contents into it."""
    destination.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, destination, dirs_exist_ok=True)
    else:
        shutil.copy2(source, destination / source.name)


# Variables of the GitHub Actions runner that carry tokens or the action's inputs. A SageMaker job does not
# receive them and the step code does not use them, so the local steps do not get them either.
RUNNER_ONLY_PREFIXES = ("INPUT_", "ACTIONS_")
RUNNER_ONLY_NAMES = {"GITHUB_TOKEN", "GH_TOKEN"}


def step_environment(paths: LocalPaths, extra: dict[str, str]) -> dict[str, str]:
    """Return this process's environment without the runner's tokens, plus PYTHONPATH and ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in RUNNER_ONLY_NAMES and not name.startswith(RUNNER_ONLY_PREFIXES)
    }
    common = str(paths.repo_root / layout.COMMON_CODE_SOURCE)
    env["PYTHONPATH"] = common + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # Unbuffered output, so that a step's log is complete up to the moment it fails or is stopped.
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def code_path(paths: LocalPaths, container_script: str, code_source: str) -> Path:
    """Return the repository file that the image copies to ``container_script`` under CODE_DIR."""
    prefix = layout.CODE_DIR + "/"
    if not container_script.startswith(prefix):
        raise DefinitionError(f"step script {container_script!r} is not under {layout.CODE_DIR}, where the images keep the step code")
    script = paths.repo_root / code_source / container_script[len(prefix):]
    if not script.is_file():
        raise DefinitionError(f"step script {script} not found; it is the repository copy of {container_script}")
    return script


def processing_step(step: dict, evaluator: Evaluator, paths: LocalPaths) -> StepProcess:
    name = step["Name"]
    arguments = step["Arguments"]
    app = arguments["AppSpecification"]
    root = paths.step_root(name)

    entrypoint = [evaluator.evaluate_text(item) for item in app.get("ContainerEntrypoint", [])]
    if len(entrypoint) < 2 or Path(entrypoint[0]).name not in ("python", "python3"):
        raise DefinitionError(f"step {name} has the entrypoint {entrypoint}; the local runner runs only 'python3 <script>' entrypoints")
    script = code_path(paths, entrypoint[1], layout.PROCESSING_CODE_SOURCE)
    container_arguments = [paths.map_argument(name, evaluator.evaluate_text(item)) for item in app.get("ContainerArguments", [])]

    for processing_input in arguments.get("ProcessingInputs", []):
        s3_input = processing_input["S3Input"]
        uri = evaluator.evaluate_text(s3_input["S3Uri"])
        source = paths.input_source(uri, f"{processing_input['InputName']} of step {name}")
        copy_input(source, paths.container_path(name, s3_input["LocalPath"]))

    process = StepProcess(
        command=[sys.executable, str(script), *entrypoint[2:], *container_arguments],
        env=step_environment(paths, {key: evaluator.evaluate_text(value) for key, value in arguments.get("Environment", {}).items()}),
        root=root,
        failure_file=paths.container_path(name, f"{layout.CONTAINER_ROOT}/output/message"),
    )
    for output in arguments.get("ProcessingOutputConfig", {}).get("Outputs", []):
        s3_output = output["S3Output"]
        local = paths.container_path(name, s3_output["LocalPath"])
        local.mkdir(parents=True, exist_ok=True)
        uri = evaluator.evaluate_text(s3_output["S3Uri"])
        process.uploads.append((local, uri))
        process.outputs[output["OutputName"]] = uri
        process.properties[f"Steps.{name}.ProcessingOutputConfig.Outputs['{output['OutputName']}'].S3Output.S3Uri"] = uri
    return process


def _decode_hyperparameter(text: str):
    """Decode a hyperparameter as the SageMaker training toolkit does: JSON when it parses, else the string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _env_value(value) -> str:
    # The toolkit writes strings as they are and other values as compact, sorted JSON.
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))


def training_step(step: dict, evaluator: Evaluator, paths: LocalPaths, execution_id: str) -> StepProcess:
    name = step["Name"]
    arguments = step["Arguments"]
    root = paths.step_root(name)
    environment = {key: evaluator.evaluate_text(value) for key, value in arguments.get("Environment", {}).items()}

    program = environment.get("SAGEMAKER_PROGRAM")
    if not program:
        raise DefinitionError(f"training step {name} sets no SAGEMAKER_PROGRAM in its Environment, so the local runner cannot tell which script the toolkit runs")
    script = code_path(paths, f"{layout.CODE_DIR}/{program}", layout.TRAINING_CODE_SOURCE)

    channels = {}
    for channel in arguments.get("InputDataConfig", []):
        channel_name = channel["ChannelName"]
        uri = evaluator.evaluate_text(channel["DataSource"]["S3DataSource"]["S3Uri"])
        local = paths.container_path(name, f"{layout.CONTAINER_ROOT}/input/data/{channel_name}")
        copy_input(paths.input_source(uri, f"channel {channel_name} of step {name}"), local)
        channels[channel_name] = str(local)

    hyperparameters = {key: _decode_hyperparameter(evaluator.evaluate_text(value)) for key, value in arguments.get("HyperParameters", {}).items()}
    model_dir = paths.container_path(name, f"{layout.CONTAINER_ROOT}/model")
    output_data_dir = paths.container_path(name, f"{layout.CONTAINER_ROOT}/output/data")
    model_dir.mkdir(parents=True, exist_ok=True)
    output_data_dir.mkdir(parents=True, exist_ok=True)

    job_name = f"{execution_id}-{name}"
    training_env = {
        "channel_input_dirs": channels,
        "current_host": "algo-1",
        "hosts": ["algo-1"],
        "hyperparameters": hyperparameters,
        "input_dir": str(paths.container_path(name, f"{layout.CONTAINER_ROOT}/input")),
        "job_name": job_name,
        "model_dir": str(model_dir),
        "num_cpus": os.cpu_count() or 1,
        "output_data_dir": str(output_data_dir),
        "output_dir": str(paths.container_path(name, f"{layout.CONTAINER_ROOT}/output")),
        "user_entry_point": program,
    }
    sm_environment = {
        "SM_TRAINING_ENV": _env_value(training_env),
        "SM_HPS": _env_value(hyperparameters),
        "SM_CHANNELS": _env_value(sorted(channels)),
        "SM_MODEL_DIR": str(model_dir),
        "SM_OUTPUT_DATA_DIR": str(output_data_dir),
        "SM_OUTPUT_DIR": training_env["output_dir"],
        "SM_INPUT_DIR": training_env["input_dir"],
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": _env_value(["algo-1"]),
        "SM_NUM_CPUS": str(training_env["num_cpus"]),
        "SM_USER_ENTRY_POINT": program,
    }
    sm_environment.update({f"SM_CHANNEL_{channel.upper()}": local for channel, local in channels.items()})
    sm_environment.update({f"SM_HP_{key.upper()}": _env_value(value) for key, value in hyperparameters.items()})

    # The toolkit passes hyperparameters sorted by name as `--name value`, values rendered with str().
    command = [sys.executable, str(script)]
    for key in sorted(hyperparameters):
        command += [f"--{key}", render(hyperparameters[key])]

    max_runtime = arguments.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
    output_path = evaluator.evaluate_text(arguments["OutputDataConfig"]["S3OutputPath"]).rstrip("/")
    model_uri = f"{output_path}/{job_name}/output/model.tar.gz"
    process = StepProcess(
        command=command,
        env=step_environment(paths, {**environment, **sm_environment}),
        root=root,
        max_runtime=float(evaluator.evaluate_text(max_runtime)) if max_runtime is not None else None,
        model_archive=(model_dir, model_uri),
        failure_file=paths.container_path(name, f"{layout.CONTAINER_ROOT}/output/failure"),
    )
    process.properties[f"Steps.{name}.ModelArtifacts.S3ModelArtifacts"] = model_uri
    return process


def collect_outputs(process: StepProcess, paths: LocalPaths) -> None:
    """Copy a succeeded step's outputs to the local S3, as SageMaker uploads them at the end of a job."""
    for local, uri in process.uploads:
        destination = paths.s3_path(uri)
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(local, destination)

    if process.model_archive is not None:
        model_dir, uri = process.model_archive
        archive = paths.s3_path(uri)
        archive.parent.mkdir(parents=True, exist_ok=True)
        # SageMaker archives the contents of /opt/ml/model, so the archive has no top-level folder.
        with tarfile.open(archive, "w:gz") as tar:
            for item in sorted(model_dir.iterdir()):
                tar.add(item, arcname=item.name)


def read_property_files(step: dict, process: StepProcess, evaluator: Evaluator, paths: LocalPaths) -> None:
    """Load the step's property files from its outputs; raise DefinitionError when one is missing or not JSON."""
    for property_file in step.get("PropertyFiles", []):
        output_name = property_file["OutputName"]
        if output_name not in process.outputs:
            raise DefinitionError(f"property file {property_file['PropertyFileName']} refers to output {output_name!r}, which step {step['Name']} does not declare")
        path = paths.s3_path(process.outputs[output_name]) / property_file["FilePath"]
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DefinitionError(f"property file {property_file['FilePath']} not found in output {output_name} of step {step['Name']}") from None
        except ValueError as error:
            raise DefinitionError(f"property file {property_file['FilePath']} of step {step['Name']} is not valid JSON: {error}") from None
        evaluator.property_files[f"Steps.{step['Name']}.PropertyFiles.{property_file['PropertyFileName']}"] = document
