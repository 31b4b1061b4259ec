"""The exercises' graders (transformer_lite.exercises): every grader accepts the reference (visible and
hidden cases), reports a stub as "not done yet" naming the task, and explains each known wrong answer
(one table: grader, wrong answer, words its message must hold). Both modes: a printed verdict and a falsy
Verdict interactively, AssertionError with the same message under nbgrader."""

from __future__ import annotations

import math

import pytest
import torch

from transformer_lite.exercises import (
    FAILED,
    PASSED,
    Verdict,
    describe,
    mismatch,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    nb08,
    nb09,
    nb10,
)
from transformer_lite.model.attention import (
    Intervention,
    causal_mask,
    merge_heads,
    scaled_dot_product_attention,
    split_heads,
)
from transformer_lite.model.layers import sinusoidal_encoding


def _attend(scale=None, use_mask=True, keys=lambda k: k.transpose(-2, -1), invert=False):
    def fn(q, k, v, mask=None):
        scores = (q @ keys(k)) * ((1 / math.sqrt(q.shape[-1])) if scale is None else scale(q.shape[-1]))
        if use_mask and mask is not None:
            scores = scores.masked_fill(mask if invert else ~mask, float("-inf"))
        w = torch.softmax(scores, -1)
        return w @ v, w

    return fn


def _mha(mha, query, key, value, mask=None):
    q, k, v = (split_heads(p(t), mha.n_heads) for p, t in ((mha.q_proj, query), (mha.k_proj, key), (mha.v_proj, value)))
    out, w = scaled_dot_product_attention(q, k, v, mask)
    return mha.out_proj(merge_heads(out)), w


def _encoder(layer, x, mask):
    h, _ = layer.self_attn(x, x, x, mask)
    x = layer.sub_self.norm(x + h)
    return layer.sub_ff.norm(x + layer.ff(x))


def _decoder_mask(t):
    n = t.shape[1]
    return (t != 0)[:, None, None, :] & torch.ones(n, n, dtype=torch.bool).tril()


def _params(d, f, decoder):
    attention, ffn, norm = 4 * d * d + 4 * d, 2 * d * f + f + d, 2 * d
    return (2 * attention + ffn + 3 * norm) if decoder else (attention + ffn + 2 * norm)


def _smooth(t, v, eps):
    out = torch.full((len(t), v), eps / v)
    out[torch.arange(len(t)), t] += 1 - eps
    return out


def _greedy(model, memory, mask, tokens):
    log_probs, _ = model.step(memory, mask, tokens, None)
    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], 1)


def _share(w, below=False):
    n = min(w.shape)
    if n < 2:
        return 0.0
    i = torch.arange(1, n)
    return float(w[i, i - 1 if below else i].mean())


def _top_k(logits, k):
    return logits.masked_fill(logits < logits.topk(k, dim=-1).values[:, -1:], float("-inf"))


def _cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens, state)
    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1), state


def _uncached_step(model, memory, src_mask, tokens, state):
    return _cached_step(model, memory, src_mask, tokens, None)


def _head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_layers, n_heads)
    mask[layer, head] = 0
    return Intervention(head_mask={"cross": mask})


RIGHT = {  # grader: a right answer
    nb01.check_rnn_step: lambda x, h, a, b, c, d: torch.tanh(x @ a.T + b + h @ c.T + d),
    nb01.check_gradient_ratio: lambda n, d: float(n[d] / n[0]),
    nb02.check_additive_score: lambda s, h, a: a.v(torch.tanh(a.w_q(s)[:, None, :] + a.w_k(h))).squeeze(-1),
    nb02.check_context_vector: lambda w, h: (w[:, :, None] * h).sum(1),
    nb03.check_attention: _attend(),
    nb03.check_causal_mask: causal_mask,
    nb04.check_split_heads: split_heads,
    nb04.check_merge_heads: merge_heads,
    nb04.check_multi_head: _mha,
    nb05.check_sinusoidal_encoding: sinusoidal_encoding,
    nb05.check_equivariance_gap: lambda layer, x, perm: (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item(),
    nb06.check_encoder_layer: _encoder,
    nb06.check_decoder_mask: _decoder_mask,
    nb06.check_layer_parameters: _params,
    nb07.check_warmup_lr: lambda s, d, w: d**-0.5 * min(s**-0.5, s * w**-1.5),
    nb07.check_smoothed_targets: _smooth,
    nb07.check_greedy_step: _greedy,
    nb08.check_previous_token_share: _share,
    nb08.check_head_ablation: _head_off,
    nb09.check_layer_cost: lambda kind, n, d, k: {
        "self_attention": 2 * n * n * d,
        "recurrent": 2 * n * d * d,
        "convolutional": k * n * d * d,
    }[kind],
    nb09.check_conv_path_length: lambda n, k: math.ceil((n - 1) / ((k - 1) // 2)),
    nb10.check_loss_mask: lambda m, t: torch.cat([torch.zeros_like(m), t != 0], dim=1),
    nb10.check_top_k: _top_k,
    nb10.check_cached_step: _cached_step,
}

WRONG = [  # (grader, wrong answer, words its message must hold)
    (nb01.check_rnn_step, lambda x, h, a, b, c, d: torch.tanh(x @ a.T + h @ c.T), "biases are missing"),
    (nb01.check_rnn_step, lambda x, h, a, b, c, d: torch.tanh(x @ a + b + h @ c + d), "not transposed"),
    (nb01.check_gradient_ratio, lambda n, d: n[d] / n[0], "expected a Python float, got a tensor"),
    (nb01.check_gradient_ratio, lambda n, d: float(n[0] / n[d]), "upside down"),
    (nb02.check_additive_score, lambda s, h, a: (a.w_q(s)[:, None, :] * a.w_k(h)).sum(-1), "adds them"),
    (nb02.check_context_vector, lambda w, h: h.mean(1), "weights are ignored"),
    (nb03.check_attention, _attend(scale=lambda d: 1.0), "not divided by sqrt(d_k)"),
    (nb03.check_attention, _attend(scale=lambda d: 1.0 / d), "divided by d_k"),
    (nb03.check_attention, _attend(use_mask=False), "mask is ignored"),
    (nb03.check_attention, _attend(invert=True), "mask is inverted"),
    (nb03.check_attention, _attend(keys=lambda k: k), "keys are not transposed"),
    (nb03.check_attention, _attend(keys=lambda k: k.T), "transpose only the last two dimensions"),
    (nb03.check_causal_mask, lambda n: torch.ones(n, n, dtype=torch.bool).triu(1), "blocked convention"),
    (nb03.check_causal_mask, lambda n: torch.ones(n, n, dtype=torch.bool).tril(-1), "attend to itself"),
    (nb04.check_split_heads, lambda x, h: x.reshape(x.shape[0], h, x.shape[1], -1), "mixes positions into heads"),
    (nb04.check_merge_heads, lambda x: x.reshape(x.shape[0], x.shape[2], -1), "mixes heads into positions"),
    (nb04.check_multi_head, lambda mha, q, k, v, mask=None: _mha(mha, q, k, v), "pass the mask"),
    (
        nb05.check_sinusoidal_encoding,
        lambda n, d: sinusoidal_encoding(n, d).view(n, -1, 2).flip(-1).flatten(1),
        "swapped",
    ),
    (
        nb05.check_equivariance_gap,
        lambda layer, x, perm: (layer(x[perm]) - layer(x)[perm]).abs().max().item(),
        "dimension 1",
    ),
    (
        nb05.check_equivariance_gap,
        lambda layer, x, perm: (layer(x[:, perm]) - layer(x)[:, perm]).abs().max(),
        "Python float",
    ),
    (
        nb06.check_decoder_mask,
        lambda t: torch.ones(t.shape[1], t.shape[1], dtype=torch.bool).tril().expand(t.shape[0], 1, -1, -1),
        "padding",
    ),
    (nb06.check_layer_parameters, lambda d, f, decoder: _params(d, f, False), "expected 66752, got 49984"),
    (nb07.check_warmup_lr, lambda s, d, w: min(s**-0.5, s * w**-1.5), "expected"),
    (nb07.check_smoothed_targets, lambda t, v, eps: _smooth(t, v, 0.0), "values differ"),
    (nb08.check_previous_token_share, lambda w: _share(w, below=True), "read the diagonal"),
    (
        nb08.check_previous_token_share,
        lambda w: float(w[torch.arange(1, len(w)), torch.arange(1, len(w))].mean()),
        "L = 1",
    ),
    (nb08.check_head_ablation, lambda *a: Intervention(), "no 'cross' entry"),
    (nb09.check_layer_cost, lambda kind, n, d, k: n * d, "expected 1600, got 80"),
    (nb09.check_conv_path_length, lambda n, k: n - 1, "expected 5, got 9"),
    (nb10.check_loss_mask, lambda m, t: torch.cat([m, t != 0], dim=1), "5 of 14 values differ"),
    (nb10.check_top_k, lambda logits, k: logits, "expected -inf"),
    (nb10.check_cached_step, _uncached_step, "model.step got the cache, not None"),
]


def _stub(*args, **kwargs):
    raise NotImplementedError("Your turn: not written yet")


@pytest.mark.parametrize("grader", list(RIGHT), ids=lambda g: g.__module__[-4:] + "." + g.__name__)
def test_grader_accepts_the_right_answer_visible_and_hidden(grader, capsys):
    assert grader(RIGHT[grader]) and grader(RIGHT[grader], hidden=True)
    out = capsys.readouterr().out
    assert out.count(PASSED) == 2 and "hidden tests" in out


@pytest.mark.parametrize("grader", list(RIGHT), ids=lambda g: g.__module__[-4:] + "." + g.__name__)
def test_grader_reports_a_stub_naming_the_task(grader, capsys):
    verdict = grader(_stub)
    assert isinstance(verdict, Verdict) and not verdict
    out = capsys.readouterr().out
    assert "not done yet" in out and "Your turn" in out and "Traceback" not in out


@pytest.mark.parametrize("grader,wrong,words", WRONG, ids=lambda x: getattr(x, "__name__", "")[:20])
def test_grader_explains_a_wrong_answer(grader, wrong, words, capsys):
    assert not grader(wrong)
    out = capsys.readouterr().out
    assert FAILED in out and words in out, out
    assert "level=2" in out, "the message points at the concrete hint"


def test_under_nbgrader_a_failing_check_raises_with_the_same_message(monkeypatch, capsys):
    shown = nb03.check_causal_mask(lambda n: torch.ones(n, n, dtype=torch.bool).triu(1)).message
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError) as err:
        nb03.check_causal_mask(lambda n: torch.ones(n, n, dtype=torch.bool).triu(1))
    assert str(err.value) == shown and "blocked convention" in shown
    assert nb03.check_causal_mask(causal_mask), "a right answer passes under nbgrader too"


def test_verdict_displays_nothing_in_jupyter():
    verdict = Verdict(False, "x")
    assert verdict._ipython_display_() is None and not verdict and Verdict(True, "y")


def test_values_differ_shows_first_differing_positions_with_four_digits():
    expected = torch.arange(20, dtype=torch.float64) / 3
    got = expected.clone()
    got[11] = 1.23456789
    message = mismatch(got, expected)
    assert "1 of 20 values differ" in message and "at (11,): expected 3.667, got 1.235" in message
    assert "3.6666666" not in describe(expected) and "0.3333" in describe(expected)


def test_inverted_mask_is_named_although_the_causal_probe_would_give_nan(capsys):
    nb03.check_attention(_attend(invert=True))
    assert "Likely cause: the mask is inverted" in capsys.readouterr().out


def test_tiered_hints_conceptual_first(capsys):
    nb03.hint("attention")
    first = capsys.readouterr().out
    nb03.hint("attention", level=2)
    second = capsys.readouterr().out
    assert "transpose(-2, -1)" not in first and "transpose(-2, -1)" in second and "level=2" in first
    with pytest.raises(ValueError, match="no exercise 'attn'"):
        nb03.hint("attn")
