import pytest

from experiment_pr_steps.models import load_tokenizer
from experiment_pr_steps.records import IGNORE_INDEX, InstructionCollator, encode_record, format_prompt, record_key


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return load_tokenizer(str(tiny_model_dir))


def test_prompt_without_input_has_no_input_section():
    assert "### Input:" not in format_prompt("What is the capital of Peru?", "  ")
    assert "### Input:\n4" in format_prompt("Write the number in words.", "4")


def test_encode_labels_only_output_tokens(tokenizer):
    encoded = encode_record(tokenizer, "Write the number in words.", "4", "four")
    output_ids = tokenizer("four", add_special_tokens=False)["input_ids"]

    targets = [label for label in encoded["labels"] if label != IGNORE_INDEX]
    assert targets == [*output_ids, tokenizer.eos_token_id]
    assert encoded["input_ids"][0] == tokenizer.bos_token_id
    assert encoded["input_ids"][-len(targets):] == targets


def test_encode_has_no_unknown_tokens_on_example_words(tokenizer):
    encoded = encode_record(tokenizer, "Give the opposite of the word.", "hot", "cold")

    assert tokenizer.unk_token_id not in encoded["input_ids"]


def test_collator_pads_with_ignored_labels():
    batch = InstructionCollator(padding_id=0)([
        {"input_ids": [5, 6, 7], "labels": [IGNORE_INDEX, 6, 7]},
        {"input_ids": [5], "labels": [IGNORE_INDEX]},
    ])

    assert batch["input_ids"].tolist() == [[5, 6, 7], [5, 0, 0]]
    assert batch["labels"].tolist() == [[IGNORE_INDEX, 6, 7], [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_record_key_ignores_surrounding_whitespace():
    assert record_key("Add the numbers.", "1 and 2") == record_key(" Add the numbers. ", "1 and 2\n")
    assert record_key("Add the numbers.", "1 and 2") != record_key("Add the numbers.", "1 and 3")
