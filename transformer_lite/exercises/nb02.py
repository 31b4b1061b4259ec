"""Checks for notebook 02's exercises (Attention looks back), in notebook order."""

from __future__ import annotations

import torch

from ..i18n import N_
from ..model.attention import AdditiveAttention
from .diagnosis import Mistake
from .help import Hints, Solutions
from .runner import Case, Exercise


def _score(combine=lambda q, k: q[:, None, :] + k, squash=torch.tanh, out=lambda a, t: a.v(t).squeeze(-1), swap=False):
    """An additive score a student might write: the right one with the defaults, a known mistake otherwise."""

    def score(s, h, attn):
        q, k = (attn.w_k(s), attn.w_q(h)) if swap else (attn.w_q(s), attn.w_k(h))
        return out(attn, squash(combine(q, k)))

    return score


ADDITIVE_SCORE = Exercise(
    "02",
    "additive_score",
    N_("02 Your turn 1 (additive score)"),
    hints=(
        N_(
            "Bahdanau's score e_j = v^T tanh(W_q s + W_k h_j): the decoder state is one vector per sentence and "
            "the encoder states one per source word, so the decoder's part is shared by every source word."
        ),
        N_(
            "Project the decoder state with attn.w_q and the encoder states with attn.w_k. Give the projected "
            "decoder state a source axis of length 1 in the middle, so that the sum broadcasts over the source "
            "words. Squash the sum with tanh, score it with attn.v, and drop the last axis of size 1."
        ),
        N_(
            "query = attn.w_q(s)[____]      # (batch, 1, hidden)\n"
            "keys = attn.w_k(h)             # (batch, S, hidden)\n"
            "energy = torch.____(query + keys)\n"
            "scores = attn.v(energy).____   # (batch, S)"
        ),
    ),
    mistakes=[
        Mistake(
            "tanh_missing",
            "tanh is missing: squash W_q s + W_k h_j with torch.tanh before attn.v.",
            _score(squash=lambda t: t),
        ),
        Mistake(
            "wrong_squash",
            "the sum is squashed with another function; Bahdanau's score uses tanh.",
            _score(squash=torch.sigmoid),
            _score(squash=torch.relu),
        ),
        Mistake(
            "multiplied_not_added",
            "the score multiplies the two projections (a dot product); the additive score adds them, then tanh, "
            "then v.",
            lambda s, h, a: (a.w_q(s)[:, None, :] * a.w_k(h)).sum(-1),
            _score(combine=lambda q, k: q[:, None, :] * k),
        ),
        Mistake(
            "query_not_broadcast",
            "the decoder state is not broadcast over the source words: give it an axis of length 1, "
            "attn.w_q(s)[:, None, :].",
            _score(combine=lambda q, k: q + k),
        ),
        Mistake(
            "v_missing",
            "the hidden units are summed; attn.v is a learned vector that weighs them: apply attn.v.",
            _score(out=lambda a, t: t.sum(-1)),
            _score(out=lambda a, t: t.mean(-1)),
        ),
        Mistake(
            "projections_swapped",
            "the projections are swapped: attn.w_q takes the decoder state s, attn.w_k the encoder states h.",
            _score(swap=True),
        ),
        Mistake(
            "same_projection_twice",
            "one projection serves both inputs (a copy-paste slip?): attn.w_q takes the decoder state s, "
            "attn.w_k the encoder states h.",
            lambda s, h, a: a.v(torch.tanh(a.w_q(s)[:, None, :] + a.w_q(h))).squeeze(-1),
            lambda s, h, a: a.v(torch.tanh(a.w_k(s)[:, None, :] + a.w_k(h))).squeeze(-1),
        ),
        Mistake(
            "tanh_after_v",
            "tanh comes after attn.v; it squashes W_q s + W_k h_j, and attn.v scores the result.",
            _score(squash=lambda t: t, out=lambda a, t: torch.tanh(a.v(t)).squeeze(-1)),
        ),
        Mistake(
            "energy_returned",
            "you returned tanh(W_q s + W_k h_j), a vector per source word; attn.v turns each into one score.",
            _score(out=lambda a, t: t),
        ),
        Mistake(
            "tanh_per_term",
            "tanh squashes each projection apart; it squashes their sum, tanh(W_q s + W_k h_j).",
            _score(combine=lambda q, k: torch.tanh(q[:, None, :]) + torch.tanh(k), squash=lambda t: t),
            _score(combine=lambda q, k: torch.tanh(q[:, None, :]) + k, squash=lambda t: t),
            _score(combine=lambda q, k: q[:, None, :] + torch.tanh(k), squash=lambda t: t),
        ),
        Mistake(
            "scaled_like_dot_product",
            "the scores are divided by a square root, as in scaled dot-product attention; the additive score "
            "has no scale: v^T tanh(W_q s + W_k h_j).",
            _score(out=lambda a, t: a.v(t).squeeze(-1) / t.shape[-1] ** 0.5),
            _score(combine=lambda q, k: (q[:, None, :] + k) / q.shape[-1] ** 0.5),
            lambda s, h, a: _score()(s, h, a) / s.shape[-1] ** 0.5,
            lambda s, h, a: _score()(s, h, a) / h.shape[-1] ** 0.5,
        ),
        Mistake(
            "squeezed_every_axis",
            "squeeze() without a dimension also drops the batch or source axis when it has length 1: squeeze(-1).",
            _score(out=lambda a, t: a.v(t).squeeze()),
        ),
        Mistake(
            "softmax_applied",
            "you returned the attention weights (a softmax); the exercise asks for the raw scores e_j.",
            _score(out=lambda a, t: torch.softmax(a.v(t).squeeze(-1), dim=-1)),
            _score(out=lambda a, t: torch.log_softmax(a.v(t).squeeze(-1), dim=-1)),
        ),
        Mistake(
            "projection_missing",
            "a projection is missing: the decoder state goes through attn.w_q and the encoder states through "
            "attn.w_k before they are added.",
            lambda s, h, a: a.v(torch.tanh(a.w_q(s)[:, None, :] + h)).squeeze(-1),
            lambda s, h, a: a.v(torch.tanh(s[:, None, :] + a.w_k(h))).squeeze(-1),
        ),
    ],
    probes=lambda: _score_probes(),
    reference=_score(),
)


def _score_probes():
    """Equal widths (swapped projections then run) with batch = source length (an unbroadcast query
    then runs too); then batch 2, 5 source words."""
    torch.manual_seed(3)
    attn, square = AdditiveAttention(3, 3, 4), AdditiveAttention(4, 4, 4)  # equal widths: a projection may be left out
    probes = [(torch.randn(3, 3), torch.randn(3, 3, 3), attn), (torch.randn(2, 3), torch.randn(2, 5, 3), attn)]
    one = (torch.randn(1, 3), torch.randn(1, 1, 3), attn)  # squeeze() drops every axis here
    return probes + [(torch.randn(2, 4), torch.randn(2, 3, 4), square), one]


def _score_case(seed, batch, src_len, q_dim, k_dim, hid, fn):
    def run():
        torch.manual_seed(seed)
        attn = AdditiveAttention(q_dim, k_dim, hid)
        s, h = torch.randn(batch, q_dim), torch.randn(batch, src_len, k_dim)
        with torch.no_grad():
            expected = attn.v(torch.tanh(attn.w_q(s)[:, None, :] + attn.w_k(h))).squeeze(-1)
            return fn(s, h, attn), expected

    return run


def check_additive_score(fn, hidden: bool = False):
    """Notebook 02, Your turn 1: ``fn(s (batch, q_dim), h (batch, S, k_dim), attn) -> scores (batch, S)``,
    Bahdanau's e_j = v^T tanh(W_q s + W_k h_j) with the layers ``attn.w_q``, ``attn.w_k``, ``attn.v``."""
    cases = [
        Case("batch 1, 4 source words", _score_case(0, 1, 4, 3, 5, 6, fn)),
        Case("batch 3, 7 source words", _score_case(1, 3, 7, 8, 4, 5, fn)),
    ]
    hidden_cases = [Case("batch 2, one source word", _score_case(2, 2, 1, 4, 4, 3, fn))]
    return ADDITIVE_SCORE.check(fn, cases, hidden_cases, hidden)


CONTEXT_VECTOR = Exercise(
    "02",
    "context_vector",
    N_("02 Your turn 2 (context vector)"),
    hints=(
        N_(
            "The context is a weighted average of the encoder states: each source word's state counts as much "
            "as its attention weight."
        ),
        N_(
            "Give the weights a trailing axis of length 1 so that each weight scales its whole state vector, "
            "multiply, then add up over the source words (dimension 1). A batched matrix product of the "
            "weights as a row vector with the states gives the same numbers."
        ),
        N_("scaled = weights[____] * states     # (batch, S, D)\ncontext = scaled.sum(dim=____)      # (batch, D)"),
    ),
    mistakes=[
        Mistake(
            "weights_ignored",
            "the weights are ignored: a plain mean or sum of the states is not the context.",
            lambda w, h: h.mean(1),
            lambda w, h: h.sum(1),
        ),
        Mistake(
            "sum_over_wrong_axis",
            "the sum runs over the wrong axis: sum over the source words (dim 1).",
            lambda w, h: (w[:, :, None] * h).sum(-1),
            lambda w, h: (w[:, :, None] * h).sum(0),
        ),
        Mistake(
            "sum_missing",
            "the weighted states are returned one per source word; add them up over the source words (dim 1).",
            lambda w, h: w[:, :, None] * h,
        ),
        Mistake(
            "mean_not_sum",
            "the weighted states are averaged; the weights already sum to 1, so add them up instead.",
            lambda w, h: (w[:, :, None] * h).mean(1),
        ),
        Mistake(
            "batch_mixed",
            "`weights @ states` multiplies every sentence's weights with every sentence's states; keep the "
            "batch apart: torch.bmm(weights[:, None, :], states) or a broadcast product.",
            lambda w, h: w @ h,
        ),
        Mistake(
            "weights_on_wrong_axis",
            "the weights are laid along the state's width (weights[:, None, :]); each weight scales one source "
            "word's whole state: weights[:, :, None].",
            lambda w, h: (w[:, None, :] * h).sum(1),
        ),
        Mistake(
            "weights_not_unsqueezed",
            "weights (batch, S) cannot multiply states (batch, S, D) as they are: give them a last axis, "
            "weights[:, :, None].",
            lambda w, h: (w * h).sum(1),
        ),
        Mistake(
            "hard_attention",
            "only the state with the largest weight is kept; the context mixes every state by its weight.",
            lambda w, h: h[torch.arange(h.shape[0]), w.argmax(1)],
        ),
        Mistake(
            "max_not_sum",
            "the largest weighted state is kept; the context adds them all up over the source words.",
            lambda w, h: (w[:, :, None] * h).max(1).values,
        ),
        Mistake(
            "weights_renormalised",
            "a softmax is applied to the weights again; they are probabilities already.",
            lambda w, h: (torch.softmax(w, -1)[:, :, None] * h).sum(1),
        ),
    ],
    probes=lambda: _context_probes(),
    reference=lambda w, h: (w[:, :, None] * h).sum(1),
)


def _context_probes():
    """Source length = state width (weights on the wrong axis then run), then 3 sentences of 5 words, 2 wide."""
    g = torch.Generator().manual_seed(4)
    first = (torch.softmax(torch.randn(2, 4, generator=g), -1), torch.randn(2, 4, 4, generator=g))
    return [first, (torch.softmax(torch.randn(3, 5, generator=g), -1), torch.randn(3, 5, 2, generator=g))]


def _context_case(seed, batch, src_len, dim, fn, one_hot=False):
    def run():
        torch.manual_seed(seed)
        w = torch.softmax(torch.randn(batch, src_len), -1)
        if one_hot:
            w = torch.nn.functional.one_hot(torch.arange(batch) % src_len, src_len).float()
        states = torch.randn(batch, src_len, dim)
        return fn(w, states), (w[:, :, None] * states).sum(1)

    return run


def check_context_vector(fn, hidden: bool = False):
    """Notebook 02, Your turn 2: ``fn(weights (batch, S), states (batch, S, D)) -> (batch, D)``,
    c = sum_j a_j h_j."""
    cases = [
        Case("all weight on one word copies its state", _context_case(0, 2, 3, 4, fn, one_hot=True)),
        Case("batch 3, 5 source words, 6 dims", _context_case(1, 3, 5, 6, fn)),
    ]
    hidden_cases = [Case("one sentence of one word", _context_case(2, 1, 1, 3, fn))]
    return CONTEXT_VECTOR.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (ADDITIVE_SCORE, CONTEXT_VECTOR)}
hint = Hints("nb02", EXERCISES)
solution = Solutions("nb02", "02", EXERCISES)
