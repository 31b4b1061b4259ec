"""Sampling: draw the next word at random instead of taking the most probable one, with
temperature, top-k and top-p (nucleus) filtering; seeded, so a run repeats (notebook 10).

Works on any model with the ``start``/``step`` interface that greedy and beam search use.
"""

from __future__ import annotations

import torch

from .decode import write_step_by_step
from .model.attention import padding_mask
from .model.specials import EOS_ID, PAD_ID


def _check_options(temperature: float, top_k: int | None, top_p: float | None) -> None:
    if not temperature > 0:
        raise ValueError(f"temperature must be positive; got {temperature} (use greedy decoding for temperature 0)")
    if top_k is not None and (int(top_k) != top_k or top_k < 1):
        raise ValueError(f"top_k must be a whole number >= 1 or None; got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1] or None; got {top_p}")


def filter_logits(logits: torch.Tensor, top_k: int | None = None, top_p: float | None = None) -> torch.Tensor:
    """Keep the words sampling may draw, set the others to -inf. logits (batch, V) -> (batch, V).

    top_k: only the k highest-scoring words. top_p: the fewest highest-probability words whose
    probabilities add up to at least p (the "nucleus"); the most probable word always stays.
    Both given: top-k first, then top-p among those. Taught in notebook 10."""
    _check_options(1.0, top_k, top_p)
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(int(top_k), dim=-1).values[..., -1:]  # (batch, 1): the k-th best score
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
    _check_options(temperature, top_k, top_p)
    generator = torch.Generator(device=src.device).manual_seed(seed)

    def draw(log_probs: torch.Tensor) -> torch.Tensor:  # (batch, V) -> (batch,)
        allowed = filter_logits(log_probs / temperature, top_k, top_p)
        return torch.multinomial(torch.softmax(allowed, dim=-1), 1, generator=generator).squeeze(1)

    return write_step_by_step(model, src, src_mask, draw, max_len)


def sample_ids(model, src_ids: list[list[int]], seed: int = 0, batch_size: int = 256, **options) -> list[list[int]]:
    """:func:`sample_decode` over many sources (lists of ids) in batches; output ids without
    specials, in the input order. ``options``: temperature, top_k, top_p. Taught in notebook 10."""
    device = next(model.parameters()).device
    out = []
    for start in range(0, len(src_ids), batch_size):
        rows = src_ids[start : start + batch_size]
        src = torch.nn.utils.rnn.pad_sequence([torch.tensor(r) for r in rows], batch_first=True).to(device)
        tokens, _ = sample_decode(model, src, padding_mask(src), seed=seed + start, **options)
        for row in tokens.tolist():
            out.append(row[: row.index(EOS_ID)] if EOS_ID in row else [t for t in row if t != PAD_ID])
    return out


def distinct_share(samples: list[list[list[int]]]) -> float:
    """Diversity of repeated samples: for each sentence, the share of its n outputs that are
    different from each other ((distinct - 1) / (n - 1)), averaged. 0: always the same output.
    Taught in notebook 10."""
    shares = [(len({tuple(s) for s in group}) - 1) / (len(group) - 1) for group in samples if len(group) > 1]
    return sum(shares) / len(shares) if shares else 0.0
