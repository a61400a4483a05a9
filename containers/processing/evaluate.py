"""Evaluate step: token-weighted perplexity of the base model with the trained LoRA adapter.

Reads the adapter from --model-dir (the directory, or the model.tar.gz that SageMaker packs from
SM_MODEL_DIR) and the eval records from `<eval-dir>/*.parquet`, logs eval_loss (mean negative
log-likelihood per output token, in nats) and eval_perplexity = exp(eval_loss) to MLflow, and writes
`<output-dir>/evaluation.json` for the pipeline's CheckPerplexity condition. MLflow receives the true
values, NaN and infinity included; the JSON encoding of a non-finite value is described in
experiment_pr_steps.evaluation_file.
"""

import argparse
import math
import sys
import tempfile
from pathlib import Path

import mlflow
import pandas as pd
import torch
from torch.utils.data import DataLoader

from experiment_pr_steps.evaluation_file import write_evaluation
from experiment_pr_steps.failure import failure_report
from experiment_pr_steps.models import load_adapted_model
from experiment_pr_steps.options import add_common_options, common_options
from experiment_pr_steps.perplexity import evaluate_perplexity
from experiment_pr_steps.records import InstructionCollator, encode_frame, pad_token_id
from experiment_pr_steps.tracking import nested_run

STEP_NAME = "Evaluate"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/processing/model"))
    parser.add_argument("--eval-dir", type=Path, default=Path("/opt/ml/processing/eval"))
    parser.add_argument("--output-dir", type=Path, default=Path("/opt/ml/processing/evaluation"))
    parser.add_argument("--model-id", required=True, help="base model that the adapter was trained on")
    parser.add_argument("--max-seq-length", type=int, default=512, help="tokens per record")
    parser.add_argument("--batch-size", type=int, default=8, help="records per forward pass; no effect on the value")
    add_common_options(parser)
    return parser.parse_args(argv)


def read_eval_records(eval_dir: Path) -> pd.DataFrame:
    files = sorted(eval_dir.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no .parquet files in --eval-dir {eval_dir}; the Preprocess step writes eval.parquet")
    return pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)


def run(args: argparse.Namespace) -> None:
    options = common_options(args)
    eval_frame = read_eval_records(args.eval_dir)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    with nested_run(options, STEP_NAME), tempfile.TemporaryDirectory() as scratch:
        mlflow.log_params({
            "model_id": args.model_id,
            "max_seq_length": args.max_seq_length,
            "eval_records": len(eval_frame),
        })

        model, tokenizer = load_adapted_model(args.model_id, args.model_dir, Path(scratch))
        model.to(device)
        records = encode_frame(tokenizer, eval_frame, args.max_seq_length)
        batches = DataLoader(records, batch_size=args.batch_size, collate_fn=InstructionCollator(pad_token_id(tokenizer)))
        metrics = evaluate_perplexity(model, batches, device)

        mlflow.log_metrics(metrics)
        path = write_evaluation(args.output_dir, {
            "eval_perplexity": metrics["eval_perplexity"],
            "eval_loss": metrics["eval_loss"],
        })
        mlflow.log_artifact(str(path))

        if not math.isfinite(metrics["eval_perplexity"]):
            print(f"WARNING: eval_perplexity is {metrics['eval_perplexity']}; the Register step will not run")
        print(f"{STEP_NAME}: eval_loss={metrics['eval_loss']:.6f} eval_perplexity={metrics['eval_perplexity']:.6f} "
              f"over {int(metrics['eval_tokens'])} tokens")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with failure_report(args.output_dir):
        run(args)


if __name__ == "__main__":
    main()
