"""Checks for notebook 03's exercises (Scaled dot-product attention), in notebook order."""

from __future__ import annotations

import math

import torch

from ..i18n import N_
from ..model.attention import causal_mask, scaled_dot_product_attention
from .diagnosis import Mistake
from .help import Hints, Solutions
from .runner import Case, Exercise


def _attend(
    scale=lambda q, k, v: 1 / math.sqrt(q.shape[-1]),
    keys=lambda k: k.transpose(-2, -1),
    masking="fill",
    softmax=lambda s: torch.softmax(s, dim=-1),
    values=lambda w, k, v: w @ v,
):
    """An attention a student might write: the right one with the defaults, a known mistake otherwise."""

    def attend(q, k, v, mask=None):
        scores = (q @ keys(k)) * scale(q, k, v)
        if mask is not None and masking == "fill":
            scores = scores.masked_fill(~mask, float("-inf"))
        elif mask is not None and masking == "inverted":
            scores = scores.masked_fill(mask, float("-inf"))
        elif mask is not None and masking == "zero":
            scores = scores.masked_fill(~mask, 0.0)
        elif mask is not None and masking == "multiplied":
            scores = scores * mask
        elif mask is not None and masking == "added":
            scores = scores + mask
        weights = softmax(scores)
        if mask is not None and masking == "after":
            weights = weights.masked_fill(~mask, 0.0)
        elif mask is not None and masking == "after_times":
            weights = weights * mask
        return values(weights, k, v), weights

    return attend


def _scaled_after_softmax(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1) / math.sqrt(q.shape[-1])
    return weights @ v, weights


def _scores_returned(scaled=True, masked=True):
    def attend(q, k, v, mask=None):
        scores = q @ k.transpose(-2, -1) / (math.sqrt(q.shape[-1]) if scaled else 1.0)
        if mask is not None and masked:
            scores = scores.masked_fill(~mask, float("-inf"))
        return _attend()(q, k, v, mask)[0], scores

    return attend


def _scores_transposed(q, k, v, mask=None):
    scores = (k @ q.transpose(-2, -1)) / math.sqrt(q.shape[-1])  # (..., Lk, Lq)
    if mask is not None:
        scores = scores.masked_fill(~mask.transpose(-2, -1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights


ATTENTION = Exercise(
    "03",
    "attention",
    N_("03 Your turn 1 (attention)"),
    hints=(
        N_(
            "Each query is compared with every key by a dot product; the scores are scaled so that their spread "
            "does not grow with d_k; blocked keys get zero weight; each query's weights sum to 1 over the keys; "
            "and the output mixes the values with those weights."
        ),
        N_(
            "Multiply q by k with k's last two dimensions swapped, which gives one score per (query, key) pair. "
            "Divide by the square root of the width of q. Where the mask is False, set the score to minus "
            "infinity. Take the softmax along the keys' axis, the last one. Multiply the weights by v, and "
            "return the output and the weights."
        ),
        N_(
            "scores = q @ ____ / math.sqrt(____)   # (..., Lq, Lk)\n"
            "if the mask is given:\n"
            '    scores = scores.masked_fill(____, float("-inf"))\n'
            "weights = torch.softmax(scores, dim=____)\n"
            "return ____, weights"
        ),
    ),
    mistakes=[
        Mistake("scale_missing", "the scores are not divided by sqrt(d_k).", _attend(scale=lambda q, k, v: 1.0)),
        Mistake(
            "scale_by_d_k",
            "the scores are divided by d_k; divide by its square root, sqrt(d_k).",
            _attend(scale=lambda q, k, v: 1 / q.shape[-1]),
        ),
        Mistake(
            "scale_precedence",
            "operator precedence: d_k ** -1/2 is (1/d_k)/2, and x / d_k ** 1/2 is x/d_k/2; write d_k ** -0.5 or "
            "math.sqrt(d_k).",
            _attend(scale=lambda q, k, v: q.shape[-1] ** -1 / 2),
        ),
        Mistake(
            "scale_multiplied",
            "the scores are multiplied by sqrt(d_k); divide by it instead.",
            _attend(scale=lambda q, k, v: math.sqrt(q.shape[-1])),
        ),
        Mistake(
            "scale_by_length",
            "the scores are scaled by the sequence length; the scale is 1/sqrt(d_k), the width of q and k "
            "(q.shape[-1]).",
            _attend(scale=lambda q, k, v: 1 / math.sqrt(k.shape[-2])),
            _attend(scale=lambda q, k, v: 1 / k.shape[-2]),
            _attend(scale=lambda q, k, v: 1 / math.sqrt(q.shape[-2])),
        ),
        Mistake(
            "scale_wrong_axis",
            "d_k is the last dimension of q (q.shape[-1]); the scale reads another dimension.",
            _attend(scale=lambda q, k, v: 1 / math.sqrt(q.shape[0])),
            _attend(scale=lambda q, k, v: 1 / math.sqrt(v.shape[-1])),
        ),
        Mistake(
            "keys_not_transposed",
            "the keys are not transposed: the scores are q times k with k's last two dimensions swapped.",
            _attend(keys=lambda k: k),
        ),
        Mistake(
            "transpose_fixed_axes",
            "k.transpose(1, 2) swaps fixed axes, right only for 3-D inputs; with heads the keys' last two "
            "dimensions are -2 and -1: k.transpose(-2, -1).",
            _attend(keys=lambda k: k.transpose(1, 2)),
            _attend(keys=lambda k: k.transpose(0, 1)),
        ),
        Mistake(
            "full_transpose",
            "`k.T` reverses every dimension of a batched tensor: transpose only the last two dimensions, "
            "k.transpose(-2, -1).",
            _attend(keys=lambda k: k.permute(*reversed(range(k.dim())))),
        ),
        Mistake(
            "softmax_over_queries",
            "the softmax runs over the queries; each query's weights must sum to 1 over the keys (dim=-1).",
            _attend(softmax=lambda s: torch.softmax(s, dim=-2)),
        ),
        Mistake(
            "softmax_fixed_dim",
            "the softmax runs over a fixed dimension (dim=1 or dim=2); with leading (batch, head) dimensions the "
            "keys are the last one: dim=-1.",
            _attend(softmax=lambda s: torch.softmax(s, dim=1)),
            _attend(softmax=lambda s: torch.softmax(s, dim=2)),
        ),
        Mistake(
            "softmax_over_batch",
            "the softmax runs over the batch (dim=0); each query's weights must sum to 1 over the keys (dim=-1).",
            _attend(softmax=lambda s: torch.softmax(s, dim=0)),
        ),
        Mistake(
            "softmax_missing",
            "the scores are used as weights without a softmax: each query's weights must be positive and sum to 1.",
            _attend(softmax=lambda s: s),
        ),
        Mistake(
            "softmax_sum_without_keepdim",
            "the hand-written softmax divides by sum(-1) without keepdim=True, so each row is divided by the wrong "
            "sums: exp(s) / exp(s).sum(-1, keepdim=True), or torch.softmax.",
            _attend(softmax=lambda s: s.exp() / s.exp().sum(-1)),
        ),
        Mistake(
            "log_softmax",
            "log_softmax gives log-weights; the weights themselves come from torch.softmax.",
            _attend(softmax=lambda s: torch.log_softmax(s, dim=-1)),
        ),
        Mistake(
            "scaled_after_softmax",
            "the weights are divided by sqrt(d_k) after the softmax, so they no longer sum to 1; scale the scores "
            "before it.",
            _scaled_after_softmax,
        ),
        Mistake(
            "values_not_used",
            "the weights multiply the keys; the output mixes the values: weights @ v.",
            _attend(values=lambda w, k, v: w @ k),
        ),
        Mistake(
            "queries_mixed",
            "the weights multiply the queries; the output mixes the values: weights @ v.",
            lambda q, k, v, mask=None: _attend()(q, k, q, mask),
        ),
        Mistake(
            "scores_from_values",
            "the scores compare the queries with the values; they compare them with the keys: q @ k.transpose(-2, -1).",
            lambda q, k, v, mask=None: _attend()(q, v, v, mask),
        ),
        Mistake(
            "scores_from_queries",
            "the queries are compared with themselves (q @ q^T); compare them with the keys: q @ k.transpose(-2, -1).",
            lambda q, k, v, mask=None: _attend()(q, q, v, mask),
        ),
        Mistake(
            "scores_transposed",
            "the scores are k q^T, one row per key; compute q k^T so that each row is one query's scores.",
            _scores_transposed,
        ),
        Mistake(
            "scores_returned_as_weights",
            "the scores are returned as the weights; the weights are their softmax (each row sums to 1).",
            _scores_returned(),
            _scores_returned(masked=False),
            _scores_returned(scaled=False, masked=False),
            _scores_returned(scaled=False),
        ),
        Mistake(
            "mask_added",
            "the boolean mask is added to the scores (True counts as 1); block with it instead: "
            "scores.masked_fill(~mask, float('-inf')).",
            _attend(masking="added"),
        ),
        Mistake("mask_ignored", "the mask is ignored: blocked keys must get zero weight.", _attend(masking="none")),
        Mistake(
            "mask_inverted",
            "the mask is inverted: True means 'may attend', so block where the mask is False.",
            _attend(masking="inverted"),
        ),
        Mistake(
            "mask_zero_fill",
            "blocked scores become 0 (a fill with 0, or scores times the mask), and 0 still gets weight after "
            "the softmax; set them to -inf.",
            _attend(masking="zero"),
            _attend(masking="multiplied"),
        ),
        Mistake(
            "mask_after_softmax",
            "the mask zeroes the weights after the softmax, so the remaining weights no longer sum to 1; "
            "block the scores before the softmax.",
            _attend(masking="after"),
            _attend(masking="after_times"),
        ),
    ],
    probes=lambda: _attention_probes(),
    reference=_attend(),
)


def _inputs(seed: int, q_shape, k_len: int, v_dim: int | None = None):
    g = torch.Generator().manual_seed(seed)
    *lead, lq, e = q_shape
    q = torch.randn(*lead, lq, e, generator=g)
    k = torch.randn(*lead, k_len, e, generator=g)
    v = torch.randn(*lead, k_len, v_dim or e, generator=g)
    return q, k, v


def _last_keys_blocked(blocked: int):
    def mask(lq, lk):
        m = torch.ones(lq, lk, dtype=torch.bool)
        m[:, lk - blocked :] = False
        return m

    return mask


def _attention_probes():
    """Batch 2, Lq 3, Lk 4, d_k 5, d_v 6 tell every scale apart; the padding mask leaves no row fully
    blocked either way round (so an inverted mask gives numbers, not NaN); in the cube (batch = length =
    width) k.T has k's shape, so q @ k.T runs and is wrong."""
    q, k, v = _inputs(7, (2, 3, 5), 4, v_dim=6)
    heads = _inputs(10, (2, 3, 4, 5), 4, v_dim=6)  # (batch, heads, L, d_k): fixed axes go wrong here
    return [(q, k, v), (q, k, v, _last_keys_blocked(1)(3, 4)), _inputs(8, (3, 3, 3), 3), heads]


def _attention_case(fn, seed, q_shape, k_len, v_dim=None, mask_fn=None):
    def run():
        q, k, v = _inputs(seed, q_shape, k_len, v_dim)
        mask = None if mask_fn is None else mask_fn(q.shape[-2], k_len)
        got = fn(q, k, v, mask) if mask is not None else fn(q, k, v)
        return got, scaled_dot_product_attention(q, k, v, mask)

    return run


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
            N_("the output has v's width"),
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
    return ATTENTION.check(fn, cases, hidden_cases, hidden)


def _ones(n):
    return torch.ones(n, n, dtype=torch.bool)


CAUSAL_MASK = Exercise(
    "03",
    "causal_mask",
    N_("03 Your turn 2 (causal mask)"),
    hints=(
        N_(
            "Query i may attend to key j when j is not in its future: itself and every position before it. "
            "Our masks say True = may attend."
        ),
        N_(
            "Start from a square boolean tensor of ones, length by length, and keep the lower triangle with "
            "its diagonal: row i keeps the columns 0 to i."
        ),
        N_(
            "mask = torch.ones(____, ____, dtype=____)\n"
            "keep = mask.____()   # the lower triangle, diagonal included\n"
            "return keep"
        ),
    ),
    mistakes=[
        Mistake(
            "blocked_convention",
            "you built the blocked convention (True = future, as in nn.Transformer); ours is True = may attend.",
            lambda n: _ones(n).triu(1),
        ),
        Mistake(
            "future_visible",
            "the mask lets each position see the future (the upper triangle); keep the lower one.",
            lambda n: _ones(n).triu(),
        ),
        Mistake(
            "diagonal_blocked",
            "the diagonal is blocked: a position may attend to itself (j <= i, not j < i).",
            lambda n: _ones(n).tril(-1),
        ),
        Mistake(
            "one_future_word",
            "the mask lets each position see one word ahead (tril(1)); keep j <= i only.",
            lambda n: _ones(n).tril(1),
        ),
        Mistake("nothing_blocked", "nothing is blocked: the later positions must be False.", lambda n: _ones(n)),
        Mistake(
            "only_the_diagonal",
            "only the diagonal is True: a position may attend to itself and to every earlier position.",
            lambda n: torch.eye(n, dtype=torch.bool),
        ),
        Mistake(
            "additive_mask",
            "you built an additive float mask (0 and -inf, like nn.Transformer's); ours is boolean, True = may attend.",
            lambda n: torch.full((n, n), float("-inf")).triu(1),
        ),
        Mistake(
            "size_off_by_one",
            "the mask is one row and column too big or too small: it is (length, length).",
            lambda n: _ones(n + 1).tril(),
            lambda n: _ones(max(n - 1, 0)).tril(),
        ),
    ],
    probes=lambda: [(4,), (1,), (6,)],
    reference=causal_mask,
)


def _mask_case(n, fn):
    return lambda: (fn(n), causal_mask(n))


def check_causal_mask(fn, hidden: bool = False):
    """Notebook 03, Your turn 2: ``fn(length) -> (length, length)`` bool, True where query i may attend
    to key j (j <= i)."""
    cases = [Case("length {n}", _mask_case(n, fn), fields={"n": n}) for n in (1, 2, 4)]
    hidden_cases = [Case("length {n}", _mask_case(n, fn), fields={"n": n}) for n in (7, 16)]
    return CAUSAL_MASK.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (ATTENTION, CAUSAL_MASK)}
hint = Hints("nb03", EXERCISES)
solution = Solutions("nb03", "03", EXERCISES)
