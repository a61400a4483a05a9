"""Find and load the base model, its tokenizer, and a trained adapter."""

import tarfile
import tempfile
from pathlib import Path

S3_SCHEME = "s3://"


def download_s3_prefix(uri: str, destination: Path) -> Path:
    """Download every object under an s3:// prefix into destination, keeping the relative paths."""
    import boto3

    bucket, _, prefix = uri[len(S3_SCHEME):].partition("/")
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    s3 = boto3.client("s3")
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            relative = item["Key"][len(prefix):]
            if not relative or relative.endswith("/"):
                continue
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, item["Key"], str(target))
            count += 1
    if count == 0:
        raise FileNotFoundError(f"no objects under {uri}; check ModelId and the job role's s3:ListBucket access")
    return destination


def resolve_model_source(model_id: str, cache_dir: Path | None = None) -> str:
    """Return what from_pretrained should load for ModelId.

    A local directory is used as it is, an s3:// prefix is downloaded first, and anything else is taken as a
    Hugging Face Hub model id (which needs network access from the job).
    """
    if Path(model_id).is_dir():
        if not (Path(model_id) / "config.json").is_file():
            raise FileNotFoundError(f"ModelId directory {model_id} has no config.json; save the model there first")
        return model_id

    if model_id.startswith(S3_SCHEME):
        destination = Path(cache_dir or tempfile.mkdtemp(prefix="base-model-"))
        return str(download_s3_prefix(model_id, destination))

    return model_id


def load_tokenizer(source: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source)


def load_base_model(source: str):
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)


def adapter_directory(model_dir: Path, scratch_dir: Path) -> Path:
    """Return the directory with adapter_config.json, unpacking model.tar.gz first when SageMaker packed it.

    Training output reaches a processing step as the model.tar.gz that SageMaker uploads from SM_MODEL_DIR.
    """
    if (model_dir / "adapter_config.json").is_file():
        return model_dir

    archive = model_dir / "model.tar.gz"
    if archive.is_file():
        with tarfile.open(archive, "r:gz") as bundle:
            # The "data" filter rejects absolute paths, links out of the target and device files.
            bundle.extractall(scratch_dir, filter="data")
        if (scratch_dir / "adapter_config.json").is_file():
            return scratch_dir

    found = sorted(path.name for path in model_dir.iterdir()) if model_dir.is_dir() else []
    raise FileNotFoundError(
        f"no LoRA adapter in {model_dir} (found {found or 'nothing'}): expected adapter_config.json, "
        "or a model.tar.gz that contains it, as the training step writes to SM_MODEL_DIR"
    )


def load_adapted_model(model_id: str, model_dir: Path, scratch_dir: Path):
    """Load the base model with the trained adapter on top, in evaluation mode."""
    from peft import PeftModel

    source = resolve_model_source(model_id)
    base = load_base_model(source)
    model = PeftModel.from_pretrained(base, str(adapter_directory(model_dir, scratch_dir)))
    model.eval()
    return model, load_tokenizer(source)
