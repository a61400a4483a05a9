"""Stand-ins for the step scripts: they accept the same options and write the same files, without torch.

Each stub appends {"step", "pid", "argv", "env" (SM_* variables), "env_names"} to the JSON lines file named by STUB_RECORD. Behaviour that a
test chooses comes from the environment, which the runner passes to the steps:
  STUB_FAIL=<script>      the script prints a message to stderr and exits with code 3
  STUB_FAILURE_FILE=<script>  the script writes its reason to /opt/ml/output/message (processing) or
                          /opt/ml/output/failure (training), both mapped, and exits with code 1
  STUB_SLEEP=<script>     the script sleeps 60 s (for stop and timeout tests)
  STUB_PERPLEXITY=<float> the eval_perplexity that evaluate.py writes (default 12.5)
"""

from pathlib import Path

COMMON = '''
import argparse, json, os, sys, time
from pathlib import Path

import experiment_pr_steps  # the runner must put containers/common on PYTHONPATH

SCRIPT = Path(sys.argv[0]).stem


def record(args):
    with open(os.environ["STUB_RECORD"], "a", encoding="utf-8") as handle:
        env = {key: value for key, value in os.environ.items() if key.startswith("SM_")}
        entry = {"step": SCRIPT, "pid": os.getpid(), "argv": sys.argv[1:], "env": env, "env_names": sorted(os.environ)}
        handle.write(json.dumps(entry) + "\\n")


def behave(container_output_dir=None):
    if os.environ.get("STUB_SLEEP") == SCRIPT:
        time.sleep(60)
    if os.environ.get("STUB_FAIL") == SCRIPT:
        print("Traceback (most recent call last):", file=sys.stderr)
        print(f"RuntimeError: {SCRIPT} stub failed on purpose", file=sys.stderr)
        sys.exit(3)
    if os.environ.get("STUB_FAILURE_FILE") == SCRIPT and container_output_dir is not None:
        Path(container_output_dir).mkdir(parents=True, exist_ok=True)
        file_name = "failure" if SCRIPT == "train" else "message"
        Path(container_output_dir, file_name).write_text("ValueError: MaxDroppedFraction exceeded: 0.9 > 0.5")
        sys.exit(1)


def tracking_options(parser, dashes="-"):
    for name in ("tracking-uri", "parent-run-id", "commit-sha", "experiment-file"):
        parser.add_argument("--" + name.replace("-", dashes), required=True)
'''

PREPROCESS = COMMON + '''
parser = argparse.ArgumentParser()
for name in ("input-dir", "output-dir", "model-id", "max-seq-length", "min-output-length", "max-dropped-fraction",
             "train-data-uri", "eval-data-uri", "dataset-revision"):
    parser.add_argument("--" + name, required=True)
tracking_options(parser)
args = parser.parse_args()
record(args)
behave(Path(args.output_dir).parent.parent / "output")
for split in ("train", "eval"):
    records = sorted(Path(args.input_dir, split).glob("*.jsonl"))
    assert records, f"no JSONL in {args.input_dir}/{split}"
    Path(args.output_dir, split).mkdir(parents=True, exist_ok=True)
    Path(args.output_dir, split, split + ".parquet").write_text("rows from " + records[0].name)
Path(args.output_dir, "report").mkdir(parents=True, exist_ok=True)
Path(args.output_dir, "report", "report.json").write_text(json.dumps({"dropped": 0}))
'''

TRAIN = COMMON + '''
parser = argparse.ArgumentParser()
for name in ("model_id", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "learning_rate",
             "num_train_epochs", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
             "weight_decay", "seed", "max_seq_length"):
    parser.add_argument("--" + name, required=True)
tracking_options(parser, dashes="_")
args = parser.parse_args()
record(args)
behave()
assert Path(os.environ["SM_CHANNEL_TRAIN"], "train.parquet").is_file()
assert Path(os.environ["SM_CHANNEL_EVAL"], "eval.parquet").is_file()
json.loads(os.environ["SM_TRAINING_ENV"])
Path(os.environ["SM_MODEL_DIR"], "adapter_config.json").write_text(json.dumps({"r": int(args.lora_r)}))
'''

EVALUATE = COMMON + '''
import tarfile
parser = argparse.ArgumentParser()
for name in ("model-dir", "eval-dir", "output-dir", "model-id", "max-seq-length"):
    parser.add_argument("--" + name, required=True)
tracking_options(parser)
args = parser.parse_args()
record(args)
behave()
with tarfile.open(Path(args.model_dir, "model.tar.gz")) as archive:
    assert "adapter_config.json" in archive.getnames()
assert Path(args.eval_dir, "eval.parquet").is_file()
perplexity = float(os.environ.get("STUB_PERPLEXITY", "12.5"))
Path(args.output_dir, "evaluation.json").write_text(json.dumps({"metrics": {"eval_perplexity": {"value": perplexity}, "eval_loss": {"value": 2.5}}}))
'''

REGISTER = COMMON + '''
parser = argparse.ArgumentParser()
for name in ("model-dir", "evaluation-dir", "registered-model-name", "model-id"):
    parser.add_argument("--" + name, required=True)
tracking_options(parser)
args = parser.parse_args()
record(args)
behave()
assert Path(args.evaluation_dir, "evaluation.json").is_file()
'''


def write_stub_repository(root: Path) -> None:
    """Create a repository root with stub step scripts and a small instruction dataset."""
    scripts = {
        "containers/processing/preprocess.py": PREPROCESS,
        "containers/processing/evaluate.py": EVALUATE,
        "containers/processing/register.py": REGISTER,
        "containers/training/train.py": TRAIN,
        "containers/common/experiment_pr_steps/__init__.py": "",
    }
    for relative, text in scripts.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    data = root / "examples/data/instructions/v1"
    data.mkdir(parents=True)
    record = '{"instruction": "Say hi", "input": "", "output": "hi"}\n'
    (data / "train.jsonl").write_text(record * 4, encoding="utf-8")
    (data / "eval.jsonl").write_text(record, encoding="utf-8")
