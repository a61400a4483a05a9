"""Train step: LoRA fine-tuning of a causal language model with the Hugging Face Trainer.

Runs the way the SageMaker training toolkit runs an entry point. Hyperparameters arrive as `--name value`
options in snake case. The data arrives as the channel directories SM_CHANNEL_TRAIN and SM_CHANNEL_EVAL
(Parquet files from the Preprocess step). Only the LoRA adapter, not the whole model, is saved to SM_MODEL_DIR.

The loss covers only the output tokens: prompt and padding positions are labelled -100. The Trainer's MLflow
callback logs into this step's nested run, which is already the active run, so the callback neither starts
a run of its own nor ends one (it ends only runs it started).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import mlflow
import pandas as pd
import torch

from experiment_pr_steps.environment import log_environment
from experiment_pr_steps.failure import TRAINING_FAILURE_FILE, failure_report
from experiment_pr_steps.models import load_base_model, load_tokenizer, resolve_model_source
from experiment_pr_steps.options import add_common_options, common_options
from experiment_pr_steps.records import InstructionCollator, encode_frame, pad_token_id
from experiment_pr_steps.tracking import ensure_active_run, nested_run

STEP_NAME = "Train"
HYPERPARAMETERS = (
    "model_id", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "learning_rate",
    "num_train_epochs", "max_steps", "per_device_train_batch_size", "gradient_accumulation_steps",
    "weight_decay", "seed", "max_seq_length",
)
# Variables that would make the Trainer's MLflow callback resume or nest a run other than this step's run.
CALLBACK_RUN_VARIABLES = ("MLFLOW_RUN_ID", "MLFLOW_NESTED_RUN", "MLFLOW_EXPERIMENT_NAME")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_id", required=True, help="base model: local directory, s3:// prefix or Hub id")
    parser.add_argument("--lora_r", type=int, default=8, help="LoRA rank")
    parser.add_argument("--lora_alpha", type=int, default=16, help="LoRA scaling numerator (scale = alpha / r)")
    parser.add_argument("--lora_dropout", type=float, default=0.05)
    parser.add_argument("--lora_target_modules", default="q_proj,v_proj", help="comma-separated module names")
    parser.add_argument("--learning_rate", type=float, default=2e-4)
    parser.add_argument("--num_train_epochs", type=int, default=1)
    parser.add_argument("--max_steps", type=int, default=-1, help="optimizer steps; -1 lets epochs decide")
    parser.add_argument("--per_device_train_batch_size", type=int, default=4)
    parser.add_argument("--gradient_accumulation_steps", type=int, default=1)
    parser.add_argument("--weight_decay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max_seq_length", type=int, default=512, help="tokens per record")
    add_common_options(parser)
    args = parser.parse_args(argv)

    args.target_modules = [name.strip() for name in args.lora_target_modules.split(",") if name.strip()]
    if not args.target_modules:
        parser.error(f"--lora_target_modules names no module: {args.lora_target_modules!r}")
    if args.lora_r < 1:
        parser.error(f"--lora_r must be at least 1, got {args.lora_r}")
    return args


def read_channel(variable: str, required: bool) -> pd.DataFrame | None:
    """Read every Parquet file of the SageMaker channel directory that the variable names."""
    directory = os.environ.get(variable)
    if not directory:
        if required:
            raise RuntimeError(f"{variable} is not set: it must name the directory with the Preprocess output")
        return None

    files = sorted(Path(directory).glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"no .parquet files in {variable}={directory}; the Preprocess step writes them")
    return pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)


def build_model(args: argparse.Namespace, source: str):
    from peft import LoraConfig, get_peft_model

    base = load_base_model(source)
    lora_config = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=args.target_modules,
        bias="none",
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(base, lora_config)
    except ValueError as error:
        raise ValueError(
            f"LoraTargetModules {args.lora_target_modules!r} does not fit model {args.model_id}: {error}"
        ) from error


def training_arguments(args: argparse.Namespace, output_dir: str):
    from transformers import TrainingArguments

    on_gpu = torch.cuda.is_available()
    return TrainingArguments(
        output_dir=output_dir,
        learning_rate=args.learning_rate,
        num_train_epochs=args.num_train_epochs,
        max_steps=args.max_steps,
        per_device_train_batch_size=args.per_device_train_batch_size,
        per_device_eval_batch_size=args.per_device_train_batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        weight_decay=args.weight_decay,
        seed=args.seed,
        data_seed=args.seed,
        # Deterministic kernels make two CPU runs with one seed equal. On GPU they cost speed, so the seed
        # alone is used there and results may differ in the last digits.
        full_determinism=not on_gpu,
        bf16=on_gpu and torch.cuda.is_bf16_supported(),
        logging_strategy="steps",
        logging_steps=1,
        save_strategy="no",
        eval_strategy="no",
        report_to=["mlflow"],
        run_name=STEP_NAME,
        remove_unused_columns=False,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )


def run(args: argparse.Namespace) -> None:
    from transformers import Trainer, set_seed

    options = common_options(args)
    for name in CALLBACK_RUN_VARIABLES:
        os.environ.pop(name, None)
    # The step logs the hyperparameters itself, under the option names. The callback would log its own copy
    # from TrainingArguments, and MLflow rejects a parameter logged twice with another value (1 against 1.0).
    os.environ["MLFLOW_MAX_LOG_PARAMS"] = "0"

    train_frame = read_channel("SM_CHANNEL_TRAIN", required=True)
    eval_frame = read_channel("SM_CHANNEL_EVAL", required=False)
    model_dir = Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))

    with nested_run(options, STEP_NAME) as run, tempfile.TemporaryDirectory() as scratch:
        run_id = run.info.run_id
        mlflow.log_params({name: getattr(args, name) for name in HYPERPARAMETERS})

        # The seed is set before the adapter exists, because LoRA draws its A matrices at creation.
        set_seed(args.seed, deterministic=not torch.cuda.is_available())
        source = resolve_model_source(args.model_id)
        tokenizer = load_tokenizer(source)
        model = build_model(args, source)
        collator = InstructionCollator(pad_token_id(tokenizer))
        train_records = encode_frame(tokenizer, train_frame, args.max_seq_length)
        eval_records = encode_frame(tokenizer, eval_frame, args.max_seq_length) if eval_frame is not None else None

        trainable, total = model.get_nb_trainable_parameters()
        mlflow.log_params({"train_records": len(train_records), "trainable_parameters": trainable, "total_parameters": total})
        log_environment(mlflow)

        arguments = training_arguments(args, scratch)
        mlflow.log_text(arguments.to_json_string(), "training_args.json")
        trainer = Trainer(
            model=model, args=arguments, train_dataset=train_records, eval_dataset=eval_records, data_collator=collator
        )
        trainer.train()
        ensure_active_run(run_id, options.parent_run_id)

        if eval_records:
            # The Trainer's loss is a mean of batch means; the Evaluate step reports the token-weighted value.
            trainer.evaluate(metric_key_prefix="validation")
            ensure_active_run(run_id, options.parent_run_id)

        model_dir.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(model_dir))
        mlflow.flush_async_logging()
        print(f"{STEP_NAME}: saved the LoRA adapter to {model_dir}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    output_dir = os.environ.get("SM_OUTPUT_DATA_DIR")
    with failure_report(Path(output_dir) if output_dir else None, TRAINING_FAILURE_FILE):
        run(args)


if __name__ == "__main__":
    main()
