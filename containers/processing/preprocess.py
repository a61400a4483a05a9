"""Preprocess step: the data quality gate between the raw instruction records and training.

Reads `<input-dir>/train/*.jsonl` and `<input-dir>/eval/*.jsonl` (records {instruction, input, output}),
drops the records that experiment_pr_steps.quality_gate lists, and writes
  <output-dir>/train/train.parquet, <output-dir>/eval/eval.parquet   the kept records
  <output-dir>/report/report.json                                   counts per rule and split
It fails (exit status 1, reason on stderr, in `<output-dir>/failure` and in /opt/ml/output/message) when a
split is empty after the gate or lost more than --max-dropped-fraction of its records.
"""

import argparse
import json
import sys
import warnings
from pathlib import Path

import mlflow
import pandas as pd

from experiment_pr_steps.failure import failure_report
from experiment_pr_steps.models import load_tokenizer, resolve_model_source
from experiment_pr_steps.options import add_common_options, common_options
from experiment_pr_steps.quality_gate import RULES, apply_gate, check_gate, read_jsonl_records
from experiment_pr_steps.tracking import nested_run

STEP_NAME = "Preprocess"
# Each split's name is also its input and output folder; the second value is its MLflow dataset context.
SPLITS = (
    ("train", "training"),
    ("eval", "evaluation"),
)

COLUMNS = ["instruction", "input", "output", "record_key", "token_count"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input-dir", type=Path, default=Path("/opt/ml/processing/input"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/output"))
    parser.add_argument("--model-id", required=True, help="base model whose tokenizer measures record length")
    parser.add_argument("--max-seq-length", type=int, default=512, help="maximum tokens per record")
    parser.add_argument("--min-output-length", type=int, default=1, help="minimum output length in characters, surrounding whitespace excluded")
    parser.add_argument(
        "--max-dropped-fraction", type=float, default=0.5,
        help="fail when a split loses more than this share of its records (0 to 1)",
    )
    parser.add_argument("--train-data-uri", required=True, help="where the train records came from (logged)")
    parser.add_argument("--eval-data-uri", required=True, help="where the eval records came from (logged)")
    parser.add_argument("--dataset-revision", default="v1", help="version label of the data (logged)")
    add_common_options(parser)
    args = parser.parse_args(argv)

    if args.max_seq_length < 1:
        parser.error(f"--max-seq-length must be at least 1, got {args.max_seq_length}")
    if not 0.0 <= args.max_dropped_fraction <= 1.0:
        parser.error(f"--max-dropped-fraction must be between 0 and 1, got {args.max_dropped_fraction}")
    return args


def log_dataset_input(frame: pd.DataFrame, uri: str, split: str, context: str, revision: str) -> None:
    """Record the input URI as the run's dataset input; the schema and digest come from the kept records."""
    with warnings.catch_warnings():
        # MLflow warns when a local path matches two equivalent source types and about integer columns in the
        # inferred schema. Neither warning matters for a record of where the data came from.
        warnings.simplefilter("ignore", UserWarning)
        dataset = mlflow.data.from_pandas(frame, source=uri, name=f"instructions-{split}@{revision}")
        mlflow.log_input(dataset, context=context, tags={"dataset_revision": revision})


def run(args: argparse.Namespace) -> None:
    options = common_options(args)
    uris = {"train": args.train_data_uri, "eval": args.eval_data_uri}

    with nested_run(options, STEP_NAME, extra_tags={"experiment-pr.dataset-revision": args.dataset_revision}):
        tokenizer = load_tokenizer(resolve_model_source(args.model_id))
        mlflow.log_params({
            "model_id": args.model_id,
            "max_seq_length": args.max_seq_length,
            "min_output_length": args.min_output_length,
            "max_dropped_fraction": args.max_dropped_fraction,
            "train_data_uri": args.train_data_uri,
            "eval_data_uri": args.eval_data_uri,
            "dataset_revision": args.dataset_revision,
        })

        results = {}
        for split, _ in SPLITS:
            rows = read_jsonl_records(args.input_dir / split)
            results[split] = apply_gate(split, rows, tokenizer, args.max_seq_length, args.min_output_length)
            mlflow.log_metrics(results[split].metrics())

        train_keys = {record["record_key"] for record in results["train"].kept}
        eval_in_train = sum(1 for record in results["eval"].kept if record["record_key"] in train_keys)
        mlflow.log_metric("eval_records_in_train", eval_in_train)
        if eval_in_train:
            print(f"WARNING: {eval_in_train} eval records repeat a train record's instruction and input")

        report = {
            "rules": list(RULES),
            "dataset_revision": args.dataset_revision,
            "data_uris": uris,
            "splits": {split: result.report() for split, result in results.items()},
            "eval_records_in_train": eval_in_train,
        }
        report_dir = args.output_dir / "report"
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        mlflow.log_artifact(str(report_dir / "report.json"))

        frames = {split: pd.DataFrame(results[split].kept, columns=COLUMNS) for split, _ in SPLITS}
        for split, context in SPLITS:
            log_dataset_input(frames[split], uris[split], split, context, args.dataset_revision)

        for split, _ in SPLITS:
            check_gate(results[split], args.max_dropped_fraction, uris[split])

        for split, _ in SPLITS:
            split_dir = args.output_dir / split
            split_dir.mkdir(parents=True, exist_ok=True)
            frames[split].to_parquet(split_dir / f"{split}.parquet", index=False)
            print(f"{STEP_NAME}: kept {results[split].records_out} of {results[split].records_in} {split} records")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with failure_report(args.output_dir):
        run(args)


if __name__ == "__main__":
    main()
