"""Checks for notebook 03's exercises (Scaled dot-product attention), in notebook order."""

from __future__ import annotations

import torch

from ..model.attention import causal_mask, scaled_dot_product_attention
from . import Case, Hints, Mistake, Probe, exercise

hint = Hints(
    "nb03",
    {
        "attention": (
            "each query is compared with every key by a dot product, scaled so the scores keep unit variance "
            "whatever d_k; blocked keys must get zero weight, each query's weights sum to 1 over the keys, and "
            "the output mixes the values with those weights; only the last two dimensions are (positions, width)",
            "scores = q @ k.transpose(-2, -1) / math.sqrt(d_k); scores.masked_fill(~mask, float('-inf')); "
            "weights = torch.softmax(scores, dim=-1); return weights @ v, weights",
        ),
        "causal_mask": (
            "query i may attend to key j when j is not in its future: itself and everything before it; "
            "our masks say True = may attend",
            "torch.ones(length, length, dtype=torch.bool).tril()",
        ),
    },
)


def _inputs(seed: int, q_shape, k_len: int, v_dim: int | None = None):
    g = torch.Generator().manual_seed(seed)
    *lead, lq, e = q_shape
    q = torch.randn(*lead, lq, e, generator=g)
    k = torch.randn(*lead, k_len, e, generator=g)
    v = torch.randn(*lead, k_len, v_dim or e, generator=g)
    return q, k, v


def _variant(
    scale=None, use_mask: bool = True, keys=lambda k: k.transpose(-2, -1), softmax_dim: int = -1, invert=False
):
    """A known wrong attention (or the right one with the defaults)."""

    def attend(q, k, v, mask=None):
        factor = (1 / q.shape[-1] ** 0.5) if scale is None else scale(q.shape[-1])
        scores = (q @ keys(k)) * factor
        if use_mask and mask is not None:
            scores = scores.masked_fill(mask if invert else ~mask, float("-inf"))
        w = torch.softmax(scores, dim=softmax_dim)
        return w @ v, w

    return attend


def _attention_case(fn, seed, q_shape, k_len, v_dim=None, mask_fn=None):
    def run():
        q, k, v = _inputs(seed, q_shape, k_len, v_dim)
        mask = None if mask_fn is None else mask_fn(q.shape[-2], k_len)
        got = fn(q, k, v, mask) if mask is not None else fn(q, k, v)
        return got, scaled_dot_product_attention(q, k, v, mask)

    return run


def _last_keys_blocked(blocked: int):
    def mask(lq, lk):
        m = torch.ones(lq, lk, dtype=torch.bool)
        m[:, lk - blocked :] = False
        return m

    return mask


def _probes():
    """Inputs that tell the known mistakes apart. The masked probe has no fully blocked row either way
    round (the last key is padding), so an inverted mask gives numbers, not NaN on both sides."""
    q, k, v = _inputs(7, (1, 4, 4), 4)
    padding = _last_keys_blocked(1)(4, 4)
    unmasked = [
        Mistake("the scores are not divided by sqrt(d_k).", _variant(lambda d: 1.0)),
        Mistake("the scores are divided by d_k; divide by sqrt(d_k) instead.", _variant(lambda d: 1.0 / d)),
        Mistake("the scores are multiplied by sqrt(d_k); divide instead.", _variant(lambda d: d**0.5)),
        Mistake("the keys are not transposed: the scores compare q with k transposed.", _variant(keys=lambda k: k)),
        Mistake(
            "`k.T` reverses every dimension of a batched tensor: transpose only the last two dimensions, "
            "k.transpose(-2, -1).",
            _variant(keys=lambda k: k.permute(*range(k.dim() - 1, -1, -1))),
        ),
        Mistake(
            "the softmax runs over the queries; each query's weights must sum to 1 over the keys.",
            _variant(softmax_dim=-2),
        ),
    ]
    masked = [
        Mistake("the mask is ignored: blocked keys must get zero weight.", _variant(use_mask=False)),
        Mistake(
            "the mask is inverted: True means 'may attend', so block where the mask is False.", _variant(invert=True)
        ),
    ]
    cube = _inputs(8, (3, 3, 3), 3)  # batch = length = width: k.T has k's shape, so q @ k.T runs and is wrong
    return [Probe((q, k, v, padding), masked + unmasked), Probe((q, k, v), unmasked), Probe(cube, unmasked)]


def check_attention(fn, hidden: bool = False):
    """Notebook 03, Your turn 1: ``fn(q, k, v, mask=None) -> (output, weights)``, softmax(q k^T / sqrt(d_k)) v
    over any leading (batch, head) dimensions; ``mask`` bool, True = may attend."""
    causal = lambda lq, lk: torch.ones(lq, lk, dtype=torch.bool).tril()  # noqa: E731
    cases = [
        Case("one query, two keys (d_k=2)", _attention_case(fn, 0, (1, 2), 2)),
        Case("a batch (2, 4 queries, 4 keys, d_k=8)", _attention_case(fn, 1, (2, 4, 8), 4)),
        Case(
            "Lq=3 queries, Lk=5 keys, values of width 2",
            _attention_case(fn, 2, (1, 3, 6), 5, v_dim=2),
            "the output has v's width",
        ),
        Case("batch and heads (2, 3, 5, 4)", _attention_case(fn, 3, (2, 3, 5, 4), 5)),
        Case(
            "padding mask (last two keys blocked)", _attention_case(fn, 4, (2, 4, 8), 6, mask_fn=_last_keys_blocked(2))
        ),
        Case("causal mask", _attention_case(fn, 5, (1, 5, 4), 5, mask_fn=causal)),
    ]
    hidden_cases = [
        Case("a single key: every weight is 1", _attention_case(fn, 6, (2, 3, 4), 1)),
        Case(
            "batch, heads and a padding mask (2, 2, 3, 4)",
            _attention_case(fn, 9, (2, 2, 3, 4), 5, mask_fn=_last_keys_blocked(1)),
        ),
    ]
    return exercise(hint, "attention", "03 Your turn 1 (attention)", cases, fn, _probes(), hidden_cases, hidden)


def _mask_case(n, fn):
    return lambda: (fn(n), causal_mask(n))


def check_causal_mask(fn, hidden: bool = False):
    """Notebook 03, Your turn 2: ``fn(length) -> (length, length)`` bool, True where query i may attend
    to key j (j <= i)."""
    cases = [Case(f"length {n}", _mask_case(n, fn)) for n in (1, 2, 4)]
    hidden_cases = [Case("length 7", _mask_case(7, fn)), Case("length 16", _mask_case(16, fn))]
    ones = lambda n: torch.ones(n, n, dtype=torch.bool)  # noqa: E731
    probes = [
        Probe(
            (4,),
            [
                Mistake(
                    "you built the blocked convention (True = future, as in nn.Transformer); ours is True = may "
                    "attend.",
                    lambda n: ones(n).triu(1),
                ),
                Mistake("the mask lets each position see the future (the upper triangle).", lambda n: ones(n).triu()),
                Mistake("the diagonal is blocked: a position may attend to itself.", lambda n: ones(n).tril(-1)),
            ],
        )
    ]
    return exercise(hint, "causal_mask", "03 Your turn 2 (causal mask)", cases, fn, probes, hidden_cases, hidden)
