import json
import math
import sys

import pytest

from experiment_pr_steps.evaluation_file import read_metric, write_evaluation


def reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def load_strict(path):
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=reject_constant)


def test_evaluation_file_finite_metric(tmp_path):
    path = write_evaluation(tmp_path, {"eval_perplexity": 12.3, "eval_loss": 2.5})

    document = load_strict(path)
    assert document["metrics"]["eval_perplexity"] == {"value": 12.3, "finite": True}
    assert document["metrics"]["eval_loss"]["value"] == 2.5


@pytest.mark.parametrize("value, reported", [(math.inf, "inf"), (math.nan, "nan"), (-math.inf, "-inf")])
def test_evaluation_file_non_finite_metric(tmp_path, value, reported):
    path = write_evaluation(tmp_path, {"eval_perplexity": value})

    entry = load_strict(path)["metrics"]["eval_perplexity"]
    assert entry["finite"] is False
    assert entry["reported"] == reported
    assert entry["value"] == sys.float_info.max


def test_evaluation_file_sentinel_fails_threshold(tmp_path):
    path = write_evaluation(tmp_path, {"eval_perplexity": math.nan})
    threshold = 1e300

    assert not load_strict(path)["metrics"]["eval_perplexity"]["value"] <= threshold


@pytest.mark.parametrize("value", [7.25, math.inf])
def test_read_metric_returns_true_value(tmp_path, value):
    write_evaluation(tmp_path, {"eval_perplexity": value})

    assert read_metric(tmp_path, "eval_perplexity") == value


def test_read_metric_nan(tmp_path):
    write_evaluation(tmp_path, {"eval_perplexity": math.nan})

    assert math.isnan(read_metric(tmp_path, "eval_perplexity"))


def test_read_metric_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="Evaluate step writes it"):
        read_metric(tmp_path, "eval_perplexity")
