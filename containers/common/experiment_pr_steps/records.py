"""Instruction records: the prompt template, tokenization with output-only labels, and batching.

Preprocess, train and evaluate all tokenize through `encode_record`, so the length that the quality gate
measures is the length that training and evaluation see.
"""

import hashlib
import json

import torch

# Label of a position that the loss ignores (PyTorch's CrossEntropyLoss ignore_index default).
IGNORE_INDEX = -100
RECORD_FIELDS = ("instruction", "input", "output")


def format_prompt(instruction: str, input_text: str) -> str:
    """Return the Alpaca-style prompt; the Input section is left out when the input is empty."""
    if input_text.strip():
        return f"### Instruction:\n{instruction}\n\n### Input:\n{input_text}\n\n### Response:\n"
    return f"### Instruction:\n{instruction}\n\n### Response:\n"


def record_key(instruction: str, input_text: str) -> str:
    """Return the SHA-256 of the stripped (instruction, input) pair, the identity used to find duplicates."""
    canonical = json.dumps([instruction.strip(), input_text.strip()], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_record(tokenizer, instruction: str, input_text: str, output: str) -> dict[str, list[int]]:
    """Tokenize one record as `<bos> prompt output <eos>` with the prompt labelled IGNORE_INDEX.

    The loss, and therefore perplexity, covers only the output tokens and the end-of-sequence token.
    """
    prompt_ids = tokenizer(format_prompt(instruction, input_text), add_special_tokens=False)["input_ids"]
    output_ids = tokenizer(output, add_special_tokens=False)["input_ids"]

    if tokenizer.bos_token_id is not None:
        prompt_ids = [tokenizer.bos_token_id, *prompt_ids]
    if tokenizer.eos_token_id is not None:
        output_ids = [*output_ids, tokenizer.eos_token_id]

    input_ids = prompt_ids + output_ids
    labels = [IGNORE_INDEX] * len(prompt_ids) + output_ids
    return {"input_ids": input_ids, "labels": labels}


def pad_token_id(tokenizer) -> int:
    """Return the padding id, falling back to end-of-sequence for tokenizers without a padding token."""
    if tokenizer.pad_token_id is not None:
        return tokenizer.pad_token_id
    if tokenizer.eos_token_id is not None:
        return tokenizer.eos_token_id
    raise ValueError("the tokenizer has neither a padding nor an end-of-sequence token; add a pad_token to it")


class InstructionCollator:
    """Right-pad a list of encoded records into tensors; padded positions get label IGNORE_INDEX."""

    def __init__(self, padding_id: int):
        self.padding_id = padding_id

    def __call__(self, features: list[dict]) -> dict[str, torch.Tensor]:
        width = max(len(feature["input_ids"]) for feature in features)
        input_ids, labels, attention_mask = [], [], []
        for feature in features:
            padding = width - len(feature["input_ids"])
            input_ids.append(list(feature["input_ids"]) + [self.padding_id] * padding)
            labels.append(list(feature["labels"]) + [IGNORE_INDEX] * padding)
            attention_mask.append([1] * len(feature["input_ids"]) + [0] * padding)
        return {
            "input_ids": torch.tensor(input_ids, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
            "attention_mask": torch.tensor(attention_mask, dtype=torch.long),
        }


def encode_frame(tokenizer, frame, max_length: int) -> list[dict[str, list[int]]]:
    """Encode every row of a DataFrame with instruction, input and output columns, cut to max_length tokens.

    Preprocess already dropped longer records, so the cut only matters for data that skipped that step.
    """
    encoded = []
    for row in frame.itertuples(index=False):
        record = encode_record(tokenizer, row.instruction, row.input, row.output)
        encoded.append({name: values[:max_length] for name, values in record.items()})
    return encoded
