import math
from types import SimpleNamespace

import pytest
import torch

from experiment_pr_steps.perplexity import batch_nll, evaluate_perplexity, perplexity_from_nll
from experiment_pr_steps.records import IGNORE_INDEX

VOCABULARY_SIZE = 11


class UniformModel(torch.nn.Module):
    """A model whose logits are all equal, so every token has probability 1 / vocabulary size."""

    def forward(self, input_ids, attention_mask):
        batch, sequence = input_ids.shape
        return SimpleNamespace(logits=torch.full((batch, sequence, VOCABULARY_SIZE), 3.5))


def batch(labels, padding_id=0):
    labels = torch.tensor(labels)
    input_ids = labels.masked_fill(labels == IGNORE_INDEX, padding_id)
    return {"input_ids": input_ids, "attention_mask": (labels != IGNORE_INDEX).long(), "labels": labels}


def logits_for(*rows):
    """Logits of shape (1, len(rows) + 1, vocabulary); row t predicts label t + 1."""
    values = torch.zeros(1, len(rows) + 1, 3, dtype=torch.float64)
    for position, row in enumerate(rows):
        values[0, position] = torch.tensor(row, dtype=torch.float64)
    return values


def test_uniform_logits_perplexity_is_vocabulary_size():
    batches = [
        batch([[IGNORE_INDEX, IGNORE_INDEX, 4, 5, 6], [IGNORE_INDEX, 7, 8, IGNORE_INDEX, IGNORE_INDEX]]),
        batch([[IGNORE_INDEX, 1, 2, 3, 9, 10, 2]]),
    ]
    metrics = evaluate_perplexity(UniformModel(), batches)

    assert metrics["eval_perplexity"] == pytest.approx(VOCABULARY_SIZE, rel=1e-12)
    assert metrics["eval_loss"] == pytest.approx(math.log(VOCABULARY_SIZE), rel=1e-12)
    assert metrics["eval_tokens"] == 3 + 2 + 6


def test_batch_nll_counts_only_target_tokens():
    labels = torch.tensor([[IGNORE_INDEX, IGNORE_INDEX, 2, IGNORE_INDEX]])
    logits = logits_for([0, 0, 0], [0.0, 0.0, math.log(2)], [9, 9, 9])

    nll_sum, token_count = batch_nll(logits, labels)

    assert token_count == 1
    assert nll_sum == pytest.approx(-math.log(2 / 4), rel=1e-12)


def test_perplexity_is_token_weighted_across_batches():
    # Batch A: one target token with probability 1/2. Batch B: three target tokens with probability 1/4.
    batch_a = (logits_for([0.0, 0.0, math.log(2)]), torch.tensor([[IGNORE_INDEX, 2]]))
    uniform = [0.0, 0.0, math.log(2)]
    batch_b = (logits_for(uniform, uniform, uniform), torch.tensor([[IGNORE_INDEX, 0, 0, 0]]))

    total_nll, total_tokens = 0.0, 0
    for logits, labels in (batch_a, batch_b):
        nll_sum, token_count = batch_nll(logits, labels)
        total_nll += nll_sum
        total_tokens += token_count
    loss, perplexity = perplexity_from_nll(total_nll, total_tokens)

    expected_loss = (math.log(2) + 3 * math.log(4)) / 4
    mean_of_batch_means = (math.log(2) + math.log(4)) / 2
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    assert loss != pytest.approx(mean_of_batch_means, rel=1e-6)
    assert perplexity == pytest.approx(math.exp(expected_loss), rel=1e-12)


def test_perplexity_overflow_is_infinite():
    logits = logits_for([0.0, 1000.0, 0.0])
    nll_sum, token_count = batch_nll(logits, torch.tensor([[IGNORE_INDEX, 0]]))

    loss, perplexity = perplexity_from_nll(nll_sum, token_count)

    assert loss == pytest.approx(1000.0)
    assert perplexity == math.inf


def test_perplexity_nan_logits_give_nan():
    logits = logits_for([0.0, math.nan, 0.0])
    nll_sum, token_count = batch_nll(logits, torch.tensor([[IGNORE_INDEX, 0]]))

    loss, perplexity = perplexity_from_nll(nll_sum, token_count)

    assert math.isnan(loss)
    assert math.isnan(perplexity)


def test_perplexity_nan_at_masked_position_ignored():
    logits = logits_for([math.nan, math.nan, math.nan], [0.0, 0.0, 0.0])
    nll_sum, token_count = batch_nll(logits, torch.tensor([[IGNORE_INDEX, IGNORE_INDEX, 1]]))

    assert token_count == 1
    assert nll_sum == pytest.approx(math.log(3), rel=1e-12)


def test_perplexity_without_target_tokens_is_nan():
    loss, perplexity = perplexity_from_nll(0.0, 0)

    assert math.isnan(loss)
    assert math.isnan(perplexity)


def test_batch_nll_computes_in_float64():
    # The NLL is 20 + log(1 + 2e^-20). The 4e-9 term is below float32 precision at 20, so only float64 keeps it.
    logits = logits_for([20.0, 0.0, 0.0]).to(torch.float32)
    nll_sum, _ = batch_nll(logits, torch.tensor([[IGNORE_INDEX, 1]]))

    assert nll_sum == pytest.approx(20.0 + math.log(1 + 2 * math.exp(-20.0)), rel=1e-15)
