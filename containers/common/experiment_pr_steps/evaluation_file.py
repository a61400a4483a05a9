"""evaluation.json, the file that the pipeline's CheckPerplexity condition reads with JsonGet.

JSON has no NaN or Infinity, and SageMaker's condition compares `metrics.eval_perplexity.value` with `<=`.
A non-finite metric is therefore written as:

    {"value": 1.7976931348623157e+308, "finite": false, "reported": "nan"}

The value is the largest float64, so `value <= PerplexityThreshold` is false for every threshold below it
and the Register step does not run. `reported` keeps the true value ("nan", "inf" or "-inf"). A finite
metric is `{"value": 12.3, "finite": true}`.
"""

import json
import math
import sys
from pathlib import Path

NON_FINITE_SENTINEL = sys.float_info.max
EVALUATION_FILE_NAME = "evaluation.json"


def encode_metric(value: float) -> dict:
    if math.isfinite(value):
        return {"value": float(value), "finite": True}
    return {"value": NON_FINITE_SENTINEL, "finite": False, "reported": str(float(value)).lower()}


def decode_metric(entry: dict) -> float:
    """Return the true value of an encoded metric, NaN and infinities included."""
    if entry.get("finite", True):
        return float(entry["value"])
    return float(entry.get("reported", "nan"))


def write_evaluation(output_dir: Path, metrics: dict[str, float]) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / EVALUATION_FILE_NAME
    document = {"metrics": {name: encode_metric(value) for name, value in metrics.items()}}
    # allow_nan=False proves the file is strict JSON: a non-finite value that slipped through raises here.
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def read_metric(evaluation_dir: Path, name: str) -> float:
    """Return one metric's true value from `<evaluation_dir>/evaluation.json`."""
    path = evaluation_dir / EVALUATION_FILE_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the Evaluate step writes it, so run that step first")

    document = json.loads(path.read_text(encoding="utf-8"))
    try:
        entry = document["metrics"][name]
    except (KeyError, TypeError) as error:
        raise KeyError(f"{path} has no metrics.{name}.value; it contains {sorted(document.get('metrics', {}))}") from error
    return decode_metric(entry)
