"""What a picture's caption says, read off the tensor the picture draws (issue 20: a caption a student can
check against the picture, and a claim the tests assert).

* :func:`row_peaks`: for each row of an attention picture, the column it looks at most, and the weight;
* :func:`peak_shares`: over many sentences, where the rows writing one word look most (the gold word or which other);
* :func:`diagonal_peak_share`: how many rows of a decoder self-attention picture peak on the diagonal;
* :func:`blocked_weight_max`: the largest weight a mask's blocked cells received;
* :func:`lm_mask_blocks`: the four blocks of a decoder-only model's causal mask over source + translation.
"""

from __future__ import annotations

from collections import Counter

import torch

from ..data import alignment_matrix
from ..grammar import Pair
from ..i18n import N_

GOLD = "(gold)"  # peak_shares' key for "a source word the gold alignment links to this target word"


def row_peaks(weights: torch.Tensor, rows: list[str], columns: list[str]) -> list[tuple[str, str, float]]:
    """(row word, the column word with the row's largest weight, that weight) for every row of ``weights``
    (len(rows), len(columns)). Taught in notebook 02."""
    if tuple(weights.shape) != (len(rows), len(columns)):
        raise ValueError(f"weights {tuple(weights.shape)} do not match {len(rows)} rows x {len(columns)} columns")
    best = weights.argmax(dim=-1).tolist()
    return [(r, columns[j], float(weights[i, j])) for i, (r, j) in enumerate(zip(rows, best))]


def peak_shares(maps: list[torch.Tensor], pairs: list[Pair], word: str) -> dict[str, float]:
    """Where the rows that write ``word`` look most, over ``pairs`` (teacher-forced cross-attention maps, one
    ``(tgt_len + 1, src_len)`` tensor per pair): {GOLD or a source word: share of those rows}, largest first.
    Taught in notebook 02."""
    counts: Counter = Counter()
    for weights, pair in zip(maps, pairs):
        gold = alignment_matrix(pair)
        for i, target in enumerate(pair.tgt):
            if target == word:
                j = int(weights[i].argmax())
                counts[GOLD if gold[i, j] else pair.src[j]] += 1
    total = sum(counts.values())
    if not total:
        raise ValueError(f"no row writes {word!r} in these {len(pairs)} pairs")
    return {k: n / total for k, n in counts.most_common()}


def diagonal_peak_share(weights: torch.Tensor) -> float:
    """Share of rows i >= 1 of a square decoder self-attention picture (L, L) whose largest weight is on the
    diagonal, column i: the word written just before row i's word. Taught in notebook 08."""
    if weights.dim() != 2 or weights.shape[0] != weights.shape[1] or weights.shape[0] < 2:
        raise ValueError(f"expected a square (L, L) map with L >= 2; got {tuple(weights.shape)}")
    rows = torch.arange(1, weights.shape[0])
    return float((weights[rows].argmax(dim=-1) == rows).float().mean())


def blocked_weight_max(weights: torch.Tensor, mask: torch.Tensor) -> float:
    """The largest weight on a cell ``mask`` blocks (False): 0.0 when the mask is obeyed. Taught in notebook 03."""
    blocked = ~mask.expand_as(weights)
    return float(weights[blocked].abs().max()) if blocked.any() else 0.0


def lm_mask_blocks(mask: torch.Tensor, source_len: int) -> dict[str, bool]:
    """The four blocks of a decoder-only model's causal mask over [source, translation] (True = may attend):
    each checked against what notebook 10's caption says of it. Taught in notebook 10."""
    s = source_len
    lower = lambda n: torch.ones(n, n, dtype=torch.bool).tril()  # noqa: E731
    t = mask.shape[0] - s
    return {
        N_("source reads the source causally"): bool(torch.equal(mask[:s, :s], lower(s))),
        N_("source never reads the translation"): not bool(mask[:s, s:].any()),
        N_("translation reads all the source"): bool(mask[s:, :s].all()),
        N_("translation reads itself causally"): bool(torch.equal(mask[s:, s:], lower(t))),
    }
