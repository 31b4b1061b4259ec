"""The exercises' graders (transformer_lite.checks, to be replaced by transformer_lite.exercises):
each accepts the reference, explains a wrong answer, reports a stub."""

import math

import pytest
import torch
from hypothesis import settings

from transformer_lite import checks
from transformer_lite.model.attention import Intervention, causal_mask, scaled_dot_product_attention
from transformer_lite.model.layers import sinusoidal_encoding

ATOL = 1e-10
FEW = settings(max_examples=30, deadline=None)
D = torch.float64


def _reference_sdpa(q, k, v, mask=None):
    return scaled_dot_product_attention(q, k, v, mask)


def _attend(scale=None, use_mask=True, transpose=True):
    def fn(q, k, v, mask=None):
        keys = k.transpose(-2, -1) if transpose else k
        scores = (q @ keys) * ((1 / math.sqrt(q.shape[-1])) if scale is None else scale(q.shape[-1]))
        if use_mask and mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        w = torch.softmax(scores, -1)
        return w @ v, w

    return fn


def _stub(*args, **kwargs):
    raise NotImplementedError("Your turn: write it")


def _split(x, h):
    b, n, d = x.shape
    return x.view(b, n, h, d // h).transpose(1, 2)


def _merge(x):
    b, h, n, dk = x.shape
    return x.transpose(1, 2).reshape(b, n, h * dk)


def _mha_forward(mha, query, key, value, mask=None):
    q, k, v = (_split(p(t), mha.n_heads) for p, t in ((mha.q_proj, query), (mha.k_proj, key), (mha.v_proj, value)))
    out, w = scaled_dot_product_attention(q, k, v, mask)
    return mha.out_proj(_merge(out)), w


def _gap(layer, x, perm):
    return (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()


REFERENCES = {
    "scaled_dot_product_attention": [_reference_sdpa, _attend()],
    "causal_mask": [causal_mask, lambda n: torch.ones(n, n).tril().bool()],
    "split_heads": [_split],
    "merge_heads": [_merge],
    "multi_head_forward": [_mha_forward],
    "sinusoidal_encoding": [sinusoidal_encoding],
    "equivariance_gap": [_gap],
}


WRONG = [  # (check, wrong solution, words the diagnosis must contain)
    ("scaled_dot_product_attention", _attend(scale=lambda d: 1.0), "not divided by sqrt(d_k)"),
    ("scaled_dot_product_attention", _attend(scale=lambda d: 1.0 / d), "divided by d_k"),
    ("scaled_dot_product_attention", _attend(use_mask=False), "mask is ignored"),
    ("scaled_dot_product_attention", _attend(transpose=False), "keys are not transposed"),
    ("scaled_dot_product_attention", _attend(transpose=False, use_mask=False), "keys are not transposed"),
    ("scaled_dot_product_attention", _attend(scale=lambda d: 1.0, use_mask=False), "not divided by sqrt(d_k)"),
    ("causal_mask", lambda n: torch.ones(n, n, dtype=torch.bool).triu(1), "blocked convention"),
    ("causal_mask", lambda n: torch.ones(n, n, dtype=torch.bool).triu(), "see the future"),
    ("causal_mask", lambda n: torch.ones(n, n, dtype=torch.bool).tril(-1), "attend to itself"),
    ("split_heads", lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "View as (batch, L, heads, d_k)"),
    ("merge_heads", lambda x: x.reshape(x.shape[0], x.shape[2], -1), "transpose(1, 2) first"),
    ("multi_head_forward", lambda mha, q, k, v, mask=None: _mha_forward(mha, q, q, q, mask), "Hint"),
    ("multi_head_forward", lambda mha, q, k, v, mask=None: _mha_forward(mha, q, k, v), "pass the mask"),
    ("sinusoidal_encoding", lambda n, d: sinusoidal_encoding(n, d).view(n, -1, 2).flip(-1).flatten(1), "swapped"),
    (
        "sinusoidal_encoding",
        lambda n, d: torch.cat([sinusoidal_encoding(n, d)[:, 0::2], sinusoidal_encoding(n, d)[:, 1::2]], 1),
        "interleaves",
    ),
    ("equivariance_gap", lambda layer, x, perm: (layer(x[perm]) - layer(x)[perm]).abs().max().item(), "x[:, perm]"),
    ("equivariance_gap", lambda layer, x, perm: 0.0, "failed"),
]


@pytest.mark.parametrize("name,fn", [(n, f) for n, fs in REFERENCES.items() for f in fs])
def test_checks_pass_on_the_reference(name, fn, capsys):
    assert getattr(checks, name)(fn) is True
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("name,fn,words", WRONG)
def test_checks_explain_a_wrong_solution(name, fn, words, capsys):
    assert getattr(checks, name)(fn) is False
    out = capsys.readouterr().out
    assert "❌" in out and words in out, out


@pytest.mark.parametrize("name", list(REFERENCES))
def test_checks_report_a_stub_as_not_done_yet(name, capsys):
    assert getattr(checks, name)(_stub) is False
    out = capsys.readouterr().out
    assert "not done yet" in out and "Traceback" not in out


# ---- notebooks 01-02 ----
EXERCISES = {
    "vanilla_rnn_step": (
        lambda x, h, w_ih, b_ih, w_hh, b_hh: torch.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh),
        lambda x, h, w_ih, b_ih, w_hh, b_hh: torch.tanh(x @ w_ih.T + h @ w_hh.T),
    ),
    "gradient_norm_ratio": (lambda n, d: float(n[d] / n[0]), lambda n, d: float(n[0] / n[d])),
    "additive_score": (
        lambda s, h, a: a.v(torch.tanh(a.w_q(s)[:, None, :] + a.w_k(h))).squeeze(-1),
        lambda s, h, a: (a.w_q(s)[:, None, :] * a.w_k(h)).sum(-1),
    ),
    "context_vector": (lambda w, h: (w[:, :, None] * h).sum(1), lambda w, h: h.mean(1)),
}


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_checks_accept_the_solution_and_reject_mistakes(name):
    good, bad = EXERCISES[name]
    check = getattr(checks, name)
    assert check(good, verbose=False)
    assert not check(bad, verbose=False)
    assert not check(_stub, verbose=False)


# ---- notebook 08 ----
def test_checks_accept_solutions_and_report_stubs(capsys):
    def share(weights):
        n = min(weights.shape)
        return float(sum(weights[i, i - 1] for i in range(1, n)) / (n - 1)) if n > 1 else 0.0

    def stub(*args):
        raise NotImplementedError("Your turn")

    assert checks.previous_token_share(share)
    assert not checks.previous_token_share(stub)
    assert "not done yet" in capsys.readouterr().out

    def head_off(n_layers, n_heads, layer, head):
        mask = torch.ones(n_layers, n_heads)
        mask[layer, head] = 0
        return Intervention(head_mask={"cross": mask})

    assert checks.head_ablation(head_off)
    assert not checks.head_ablation(stub)
    assert not checks.head_ablation(lambda *a: head_off(*a).__class__())
