"""Token-weighted negative log-likelihood and perplexity of a causal language model.

Perplexity is exp(sum of NLL over all target tokens / number of target tokens). Summing per token, rather
than averaging per-batch means, keeps the value independent of batch size and padding. Padding and prompt
tokens carry the label IGNORE_INDEX and are not counted.
"""

import math

import torch

from .records import IGNORE_INDEX


def batch_nll(logits: torch.Tensor, labels: torch.Tensor) -> tuple[float, int]:
    """Return (sum of NLL in nats, number of target tokens) for one batch.

    logits: (batch, sequence, vocabulary); labels: (batch, sequence). Position t predicts label t + 1,
    the causal shift that Hugging Face models apply in their own loss. Computed in float64.
    """
    shifted_logits = logits[:, :-1, :].to(torch.float64)
    shifted_labels = labels[:, 1:]
    mask = shifted_labels != IGNORE_INDEX

    log_probabilities = torch.log_softmax(shifted_logits, dim=-1)
    safe_labels = shifted_labels.masked_fill(~mask, 0)
    token_log_probabilities = log_probabilities.gather(-1, safe_labels.unsqueeze(-1)).squeeze(-1)

    # Select rather than multiply by the mask, because NaN * 0 is NaN and a masked position must not count.
    nll_sum = -torch.where(mask, token_log_probabilities, torch.zeros_like(token_log_probabilities)).sum()
    return float(nll_sum.item()), int(mask.sum().item())


def perplexity_from_nll(nll_sum: float, token_count: int) -> tuple[float, float]:
    """Return (mean NLL per token, perplexity); overflow gives inf, NaN stays NaN, no tokens gives NaN."""
    if token_count <= 0:
        return math.nan, math.nan

    mean_nll = nll_sum / token_count
    if math.isnan(mean_nll):
        return math.nan, math.nan
    try:
        return mean_nll, math.exp(mean_nll)
    except OverflowError:
        return mean_nll, math.inf


@torch.no_grad()
def evaluate_perplexity(model, batches, device: torch.device | str = "cpu") -> dict[str, float]:
    """Run the model over batches of input_ids, attention_mask and labels.

    Returns eval_loss (mean NLL per target token, nats), eval_perplexity and eval_tokens.
    """
    total_nll = 0.0
    total_tokens = 0
    for batch in batches:
        batch = {name: tensor.to(device) for name, tensor in batch.items()}
        outputs = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        nll_sum, token_count = batch_nll(outputs.logits, batch["labels"])
        total_nll += nll_sum
        total_tokens += token_count

    loss, perplexity = perplexity_from_nll(total_nll, total_tokens)
    return {"eval_loss": loss, "eval_perplexity": perplexity, "eval_tokens": float(total_tokens)}
