"""Checks for notebook 02's exercises (Attention looks back), in notebook order."""

from __future__ import annotations

import torch

from ..model.attention import AdditiveAttention
from . import Case, Hints, Mistake, Probe, exercise

hint = Hints(
    "nb02",
    {
        "additive_score": (
            "Bahdanau's score e_j = v^T tanh(W_q s + W_k h_j): the decoder state is one vector per sentence, "
            "the encoder states one per source word, so the query part must be broadcast over the source axis "
            "before the two are added",
            "attn.w_q(s)[:, None, :] + attn.w_k(h), then torch.tanh, then attn.v, then .squeeze(-1)",
        ),
        "context_vector": (
            "the context is a weighted average of the encoder states: each state times its weight, summed over "
            "the source axis",
            "(weights[:, :, None] * states).sum(1), or torch.bmm(weights[:, None, :], states)[:, 0]",
        ),
    },
)


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
    torch.manual_seed(3)
    attn = AdditiveAttention(3, 3, 4)
    s, h = torch.randn(2, 3), torch.randn(2, 5, 3)
    probes = [
        Probe(
            (s, h, attn),
            [
                Mistake(
                    "tanh is missing: squash W_q s + W_k h_j with torch.tanh before attn.v.",
                    lambda s, h, a: a.v(a.w_q(s)[:, None, :] + a.w_k(h)).squeeze(-1),
                ),
                Mistake(
                    "the score multiplies the two projections (a dot product); the additive score adds them, "
                    "then tanh, then v.",
                    lambda s, h, a: (a.w_q(s)[:, None, :] * a.w_k(h)).sum(-1),
                ),
            ],
        )
    ]
    return exercise(hint, "additive_score", "02 Your turn 1 (additive score)", cases, fn, probes, hidden_cases, hidden)


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
    torch.manual_seed(4)
    w, states = torch.softmax(torch.randn(2, 4), -1), torch.randn(2, 4, 3)
    probes = [
        Probe(
            (w, states),
            [
                Mistake(
                    "the weights are ignored: a plain mean of the states is not the context.", lambda w, h: h.mean(1)
                ),
                Mistake(
                    "the sum runs over the wrong axis: sum over the source words (dim 1).",
                    lambda w, h: (w[:, :, None] * h).sum(-1),
                ),
            ],
        )
    ]
    return exercise(hint, "context_vector", "02 Your turn 2 (context vector)", cases, fn, probes, hidden_cases, hidden)
