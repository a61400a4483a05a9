import json
import shutil

import pytest

from experiment_pr_steps.failure import StepFailure
from experiment_pr_steps.models import load_tokenizer
from experiment_pr_steps.quality_gate import apply_gate, check_gate, read_jsonl_records
from step_testing import EXAMPLE_DATA_DIR


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return load_tokenizer(str(tiny_model_dir))


def rows(*records):
    return [(f"test.jsonl:{number}", record) for number, record in enumerate(records, start=1)]


GOOD = {"instruction": "Add the two numbers.", "input": "1 and 2", "output": "3"}
LONG_OUTPUT = " ".join(["the cat is resting in the sun ."] * 10)


def gate(tokenizer, records, max_seq_length=40, min_output_length=1):
    return apply_gate("train", rows(*records), tokenizer, max_seq_length, min_output_length)


def test_gate_counts_each_rule(tokenizer):
    result = gate(tokenizer, [
        None,
        {"instruction": "Add the two numbers.", "input": "1 and 2"},
        {"instruction": "", "input": "", "output": "x"},
        {"instruction": " \t\n", "input": "4", "output": "four"},
        {"instruction": "Write the plural of the noun.", "input": "cat", "output": "  "},
        {"instruction": "Describe the animal.", "input": "a cat", "output": LONG_OUTPUT},
        GOOD,
        dict(GOOD),
        {**GOOD, "output": "three"},
        {"instruction": "Write the number in words.", "input": "4", "output": "four"},
    ])

    assert result.records_in == 10
    assert result.dropped["dropped_malformed"] == 2
    assert result.dropped["dropped_empty_instruction"] == 2
    assert result.dropped["dropped_short_output"] == 1
    assert result.dropped["dropped_too_long"] == 1
    assert result.dropped["dropped_duplicate"] == 2
    assert result.records_out == 2


def test_gate_minimum_output_length(tokenizer):
    result = gate(tokenizer, [{**GOOD, "output": "ab"}, {**GOOD, "input": "2 and 2", "output": "abc"}], min_output_length=3)

    assert result.dropped["dropped_short_output"] == 1
    assert [record["output"] for record in result.kept] == ["abc"]


def test_gate_length_counts_prompt_and_output(tokenizer):
    record = {"instruction": "Add the two numbers.", "input": "1 and 2", "output": "3"}
    token_count = gate(tokenizer, [record]).kept[0]["token_count"]

    assert gate(tokenizer, [record], max_seq_length=token_count).records_out == 1
    assert gate(tokenizer, [record], max_seq_length=token_count - 1).dropped["dropped_too_long"] == 1


def test_gate_duplicate_of_dropped_record_kept(tokenizer):
    result = gate(tokenizer, [{**GOOD, "output": ""}, GOOD])

    assert result.dropped["dropped_short_output"] == 1
    assert result.dropped["dropped_duplicate"] == 0
    assert result.records_out == 1


def test_gate_duplicate_ignores_surrounding_whitespace(tokenizer):
    result = gate(tokenizer, [GOOD, {**GOOD, "instruction": GOOD["instruction"] + "  ", "input": " 1 and 2"}])

    assert result.dropped["dropped_duplicate"] == 1


def test_gate_missing_input_is_empty(tokenizer):
    result = gate(tokenizer, [{"instruction": "What is the capital of Peru?", "output": "Lima"}])

    assert result.kept[0]["input"] == ""


def test_gate_example_data_counts(tokenizer, tmp_path):
    shutil.copy(EXAMPLE_DATA_DIR / "train.jsonl", tmp_path / "train.jsonl")
    train = apply_gate("train", read_jsonl_records(tmp_path), tokenizer, 512, 1)

    assert train.records_in == 307
    assert train.records_out == 301
    assert train.dropped == {
        "dropped_malformed": 0,
        "dropped_empty_instruction": 2,
        "dropped_short_output": 1,
        "dropped_too_long": 1,
        "dropped_duplicate": 2,
    }


def test_gate_invalid_json_line_is_malformed(tokenizer, tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(GOOD) + "\n{not json\n\n", encoding="utf-8")
    result = apply_gate("train", read_jsonl_records(tmp_path), tokenizer, 40, 1)

    assert result.dropped["dropped_malformed"] == 1
    assert result.examples["dropped_malformed"] == ["a.jsonl:2"]


def test_check_gate_share_over_limit(tokenizer):
    result = gate(tokenizer, [GOOD, {**GOOD, "output": ""}, {**GOOD, "instruction": ""}, {**GOOD, "output": ""}])

    with pytest.raises(StepFailure) as failure:
        check_gate(result, 0.5, "s3://bucket/train")

    message = str(failure.value)
    assert "dropped 3 of 4 train records" in message
    assert "rule dropped_short_output dropped 2" in message
    assert "MaxDroppedFraction 0.5" in message


def test_check_gate_share_at_limit_passes(tokenizer):
    result = gate(tokenizer, [GOOD, {**GOOD, "output": ""}])

    check_gate(result, 0.5, "s3://bucket/train")


def test_check_gate_nothing_left(tokenizer):
    result = gate(tokenizer, [{**GOOD, "instruction": ""}])

    with pytest.raises(StepFailure, match="no train records left.*dropped_empty_instruction=1"):
        check_gate(result, 1.0, "s3://bucket/train")


def test_check_gate_no_input(tokenizer):
    with pytest.raises(StepFailure, match="has no records in s3://bucket/train"):
        check_gate(gate(tokenizer, []), 0.5, "s3://bucket/train")
