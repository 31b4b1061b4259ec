"""Sampling: draw the next word at random instead of taking the most probable one, with
temperature, top-k and top-p (nucleus) filtering; seeded, so a run repeats (notebook 10).

Works on any model with the ``start``/``step`` interface that greedy and beam search use.
"""

from __future__ import annotations

import torch

from . import checks as check
from .decode import decode_in_batches, write_step_by_step


def _check_options(temperature, top_k, top_p) -> tuple[float, int | None, float | None]:
    """The shared argument checks: temperature None means 1; top_k, top_p None mean no filter."""
    top_p = None if top_p is None else check.number("top_p", top_p, 0.0, 1.0, low_open=True)
    return check.temperature(temperature), check.optional_integer("top_k", top_k), top_p


def filter_logits(logits: torch.Tensor, top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """Keep the words sampling may draw, set the others to -inf. logits (batch, V) -> (batch, V).

    top_k: only the k highest-scoring words. top_p: the fewest highest-probability words whose
    probabilities add up to at least p (the "nucleus"); the most probable word always stays.
    Both given: top-k first, then top-p among those. Taught in notebook 10."""
    _, top_k, top_p = _check_options(None, top_k, top_p)
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(top_k, dim=-1).values[..., -1:]  # (batch, 1): the k-th best score
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1:
        probs, order = torch.softmax(logits, dim=-1).sort(dim=-1, descending=True)
        mass_before = probs.cumsum(dim=-1) - probs  # probability of the better words
        drop_sorted = mass_before >= top_p  # the nucleus was already full without this word
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        logits = logits.masked_fill(drop, float("-inf"))
    return logits


@torch.no_grad()
def sample_decode(
    model,
    src: torch.Tensor,
    src_mask: torch.Tensor,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int = 0,
    max_len: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Write each next word by drawing it from softmax(logits / temperature), after
    :func:`filter_logits`. The same seed gives the same output; ``top_k=1`` is greedy search.

    src (batch, S), src_mask (batch, S) -> tokens (batch, T) without <bos>, each row ending in
    <eos> then padding, and the model's log-probability of each output (batch,). Taught in notebook 10."""
    temperature, top_k, top_p = _check_options(temperature, top_k, top_p)
    generator = torch.Generator(device=src.device).manual_seed(check.integer("seed", seed, minimum=0))

    def draw(log_probs: torch.Tensor) -> torch.Tensor:  # (batch, V) -> (batch,)
        allowed = filter_logits(log_probs / temperature, top_k, top_p)
        return torch.multinomial(torch.softmax(allowed, dim=-1), 1, generator=generator).squeeze(1)

    return write_step_by_step(model, src, src_mask, draw, max_len)


def sample_ids(model, src_ids: list[list[int]], seed: int = 0, batch_size: int = 256, **options) -> list[list[int]]:
    """:func:`sample_decode` over many sources (lists of ids) in batches, in the input order (the
    batch starting at row i draws with seed + i); output ids without specials, in the input order.
    ``options``: temperature, top_k, top_p. Taught in notebook 10."""

    def run(src: torch.Tensor, src_mask: torch.Tensor, batch_start: int) -> torch.Tensor:
        return sample_decode(model, src, src_mask, seed=seed + batch_start, **options)[0]

    return decode_in_batches(model, src_ids, run, batch_size, sort_by_length=False)


def distinct_share(samples: list[list[list[int]]]) -> float:
    """Diversity of repeated samples: for each sentence, the share of its n outputs that are
    different from each other ((distinct - 1) / (n - 1)), averaged. 0: always the same output.
    Taught in notebook 10."""
    shares = [(len({tuple(s) for s in group}) - 1) / (len(group) - 1) for group in samples if len(group) > 1]
    return sum(shares) / len(shares) if shares else 0.0
