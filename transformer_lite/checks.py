"""Friendly auto-checks for the notebooks' "Your turn" exercises.

Each check runs the student's function on a few cases and prints a verdict: what passed,
the first case that failed (expected vs got), and a hint. It never shows a bare
traceback. A stub that raises ``NotImplementedError`` is reported as "not done yet".

Every check returns True when all cases pass, so tests can assert on it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass
class Case:
    """One test case: ``run()`` returns (got, expected); ``compare`` decides if they match."""

    name: str
    run: Callable[[], tuple[object, object]]
    hint: str = ""
    atol: float = 1e-5


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        body = x.detach().cpu()
        text = str(body.tolist()) if body.numel() <= 12 else f"tensor with values like {body.flatten()[:6].tolist()}"
        return f"shape {tuple(x.shape)}, {text}"
    return repr(x)


def _mismatch(got, expected, atol: float) -> str | None:
    """None if they match, else a sentence saying how they differ."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"expected a tensor, got {type(got).__name__}"
        if tuple(got.shape) != tuple(expected.shape):
            return f"expected shape {tuple(expected.shape)}, got shape {tuple(got.shape)}"
        if expected.dtype == torch.bool or got.dtype == torch.bool:
            if got.dtype != expected.dtype:
                return f"expected dtype {expected.dtype}, got {got.dtype}"
            if not torch.equal(got, expected):
                return f"values differ:\n    expected {_describe(expected)}\n    got      {_describe(got)}"
            return None
        got_f, exp_f = got.detach().double(), expected.detach().double()
        if torch.isnan(got_f).any():
            return "your result contains NaN"
        if not torch.allclose(got_f, exp_f, atol=atol, rtol=1e-4):
            err = (got_f - exp_f).abs().max().item()
            return (
                f"values differ (largest difference {err:.3g}):\n"
                f"    expected {_describe(expected)}\n    got      {_describe(got)}"
            )
        return None
    if isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list)) and len(got) == len(expected):
        for i, (g, e) in enumerate(zip(got, expected)):
            m = _mismatch(g, e, atol)
            if m:
                return f"item {i}: {m}"
        return None
    return None if got == expected else f"expected {expected!r}, got {got!r}"


def run_cases(title: str, cases: list[Case], verbose: bool = True) -> bool:
    """Run cases in order; print a verdict; stop at the first failure. True if all pass."""
    say = print if verbose else (lambda *a, **k: None)
    for i, case in enumerate(cases):
        try:
            got, expected = case.run()
        except NotImplementedError as e:
            say(f"⏳ {title}: not done yet. {e}".rstrip())
            if case.hint:
                say(f"   Hint: {case.hint}")
            return False
        except Exception as e:  # the student's code raised: show where, briefly
            frame = traceback.extract_tb(e.__traceback__)[-1]
            say(f"❌ {title}: case '{case.name}' raised {type(e).__name__}: {e}")
            say(f"   (at line {frame.lineno}: {frame.line})")
            if case.hint:
                say(f"   Hint: {case.hint}")
            return False
        problem = _mismatch(got, expected, case.atol)
        if problem:
            say(f"❌ {title}: {i} of {len(cases)} cases passed; case '{case.name}' failed.")
            say(f"   {problem}")
            if case.hint:
                say(f"   Hint: {case.hint}")
            return False
    say(f"✅ {title}: all {len(cases)} cases passed.")
    return True


# ---- checks for the exercises, grouped by notebook ---------------------------------------
# Add new checks below, one function per exercise, each ending in run_cases(...).


# ---- 03-05 · the attention toolkit ----------------------------------------------------------
def _attn_inputs(seed: int, q_shape, k_len: int, v_dim: int | None = None):
    g = torch.Generator().manual_seed(seed)
    *lead, lq, e = q_shape
    q = torch.randn(*lead, lq, e, generator=g)
    k = torch.randn(*lead, k_len, e, generator=g)
    v = torch.randn(*lead, k_len, v_dim or e, generator=g)
    return q, k, v


def _diagnose(fn, variants, probe) -> str | None:
    """Run ``fn(*probe)``; if its result matches one of the known wrong ``variants``
    ((explanation, function) pairs), return that explanation."""
    try:
        got = fn(*probe)
    except Exception:
        return None
    for why, variant in variants:
        try:
            if _mismatch(got, variant(*probe), 1e-5) is None:
                return why
        except Exception:
            continue
    return None


def _run_with_diagnosis(title, cases, fn, variants, probe, verbose: bool = True, more=()) -> bool:
    """run_cases, then on failure name the likely mistake: ``more`` holds further
    (variants, probe) pairs tried after the first."""
    ok = run_cases(title, cases, verbose=verbose)
    if not ok and verbose:
        for vs, pr in ((variants, probe), *more):
            why = _diagnose(fn, vs, pr)
            if why:
                print(f"   Likely cause: {why}")
                break
    return ok


def _sdpa_variant(scale_fn=None, use_mask: bool = True, transpose_keys: bool = True, softmax_dim: int = -1):
    def attend(q, k, v, mask=None):
        keys = k.transpose(-2, -1) if transpose_keys else k
        scale = (1 / q.shape[-1] ** 0.5) if scale_fn is None else scale_fn(q.shape[-1])
        scores = (q @ keys) * scale
        if use_mask and mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        w = torch.softmax(scores, dim=softmax_dim)
        return w @ v, w

    return attend


def scaled_dot_product_attention(fn, verbose: bool = True) -> bool:
    """Exercise (03): ``fn(q, k, v, mask=None) -> (output, weights)`` with
    softmax(q k^T / sqrt(d_k)) v; mask bool, True = may attend."""
    from .model.attention import scaled_dot_product_attention as ref

    def case(seed, q_shape, k_len, v_dim=None, mask_fn=None):
        def run():
            q, k, v = _attn_inputs(seed, q_shape, k_len, v_dim)
            mask = None if mask_fn is None else mask_fn(q.shape[-2], k_len)
            got = fn(q, k, v, mask) if mask is not None else fn(q, k, v)
            return tuple(got) if isinstance(got, (tuple, list)) else got, ref(q, k, v, mask)

        return run

    def padding(lq, lk):  # the last two keys are padding
        m = torch.ones(lq, lk, dtype=torch.bool)
        m[:, -2:] = False
        return m

    def causal(lq, lk):
        return torch.ones(lq, lk, dtype=torch.bool).tril()

    cases = [
        Case("one query, two keys (E=2)", case(0, (1, 2), 2), "scores = q @ k.transpose(-2, -1) / sqrt(d_k)"),
        Case("a batch (2, 4 queries, 4 keys, E=8)", case(1, (2, 4, 8), 4), "softmax over the keys: dim=-1"),
        Case(
            "Lq=3 queries, Lk=5 keys, values of width 2",
            case(2, (1, 3, 6), 5, v_dim=2),
            "k^T is k.transpose(-2, -1) (the last two dimensions), not k.T; the output has v's width",
        ),
        Case("batch and heads (2, 3, 5, 4)", case(3, (2, 3, 5, 4), 5), "use only the last two dimensions"),
        Case(
            "padding mask (last two keys blocked)",
            case(4, (2, 4, 8), 6, mask_fn=padding),
            "where mask is False, set the score to -inf (masked_fill(~mask, float('-inf'))) before the softmax",
        ),
        Case("causal mask", case(5, (1, 5, 4), 5, mask_fn=causal), "True = may attend; fill ~mask with -inf"),
        Case("a single key", case(6, (2, 3, 4), 1), "with one key every weight is 1"),
    ]
    variants = [
        ("the scores are not divided by sqrt(d_k).", _sdpa_variant(lambda d: 1.0)),
        ("the scores are divided by d_k; divide by sqrt(d_k) instead.", _sdpa_variant(lambda d: 1.0 / d)),
        ("the scores are multiplied by sqrt(d_k); divide instead.", _sdpa_variant(lambda d: d**0.5)),
        ("the mask is ignored: fill the scores where mask is False with -inf.", _sdpa_variant(use_mask=False)),
        (
            "the mask is inverted: True means 'may attend' (block ~mask).",
            lambda q, k, v, mask: _sdpa_variant()(q, k, v, ~mask),
        ),
        ("the keys are not transposed: use q @ k.transpose(-2, -1).", _sdpa_variant(transpose_keys=False)),
        ("the softmax runs over the queries; use dim=-1 (the keys).", _sdpa_variant(softmax_dim=-2)),
    ]
    q, k, v = _attn_inputs(7, (1, 4, 4), 4)
    probe = (q, k, v, torch.ones(4, 4, dtype=torch.bool).tril())
    unmasked = [variants[i] for i in (0, 1, 2, 5, 6)]  # mistakes that show without a mask too
    return _run_with_diagnosis(
        "scaled_dot_product_attention", cases, fn, variants, probe, verbose, more=[(unmasked, (q, k, v))]
    )


def causal_mask(fn, verbose: bool = True) -> bool:
    """Exercise (03): ``fn(length)`` -> (length, length) bool, True where query i may
    attend to key j (j <= i)."""

    def case(n):
        return lambda: (fn(n), torch.ones(n, n, dtype=torch.bool).tril())

    hint = "True on and below the diagonal: torch.ones(L, L, dtype=torch.bool).tril()"
    cases = [Case(f"length {n}", case(n), hint) for n in (1, 2, 4, 7)]
    variants = [
        (
            "you built the blocked convention (True = future, as in nn.Transformer); ours is True = may attend.",
            lambda n: torch.ones(n, n, dtype=torch.bool).triu(1),
        ),
        (
            "the mask lets each position see the future (upper triangle); use tril, not triu.",
            lambda n: torch.ones(n, n, dtype=torch.bool).triu(),
        ),
        (
            "the diagonal is blocked: a position may attend to itself.",
            lambda n: torch.ones(n, n, dtype=torch.bool).tril(-1),
        ),
    ]
    return _run_with_diagnosis("causal_mask", cases, fn, variants, (4,), verbose)


def split_heads(fn, verbose: bool = True) -> bool:
    """Exercise (04): ``fn(x, n_heads)``: (batch, L, d_model) -> (batch, heads, L, d_k)."""

    def ref(x, h):
        b, n, d = x.shape
        return x.view(b, n, h, d // h).transpose(1, 2)

    def case(b, n, d, h, seed):
        def run():
            x = torch.randn(b, n, d, generator=torch.Generator().manual_seed(seed))
            return fn(x, h), ref(x, h)

        return run

    hint = "view as (batch, L, heads, d_k), then transpose(1, 2)"
    cases = [
        Case(f"(batch={b}, L={n}, d_model={d}) into {h} heads", case(b, n, d, h, s), hint)
        for s, (b, n, d, h) in enumerate([(1, 3, 4, 2), (2, 5, 8, 4), (3, 2, 6, 1), (2, 4, 12, 3)])
    ]
    variants = [
        (
            "you reshaped straight to (batch, heads, L, d_k): that mixes positions into heads. "
            "View as (batch, L, heads, d_k) first, then transpose(1, 2).",
            lambda x, h: x.reshape(x.shape[0], h, x.shape[1], x.shape[2] // h),
        ),
    ]
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).view(2, 3, 8)
    return _run_with_diagnosis("split_heads", cases, fn, variants, (x, 4), verbose)


def merge_heads(fn, verbose: bool = True) -> bool:
    """Exercise (04): ``fn(x)``: (batch, heads, L, d_k) -> (batch, L, heads * d_k), the inverse of split_heads."""

    def ref(x):
        b, h, n, dk = x.shape
        return x.transpose(1, 2).reshape(b, n, h * dk)

    def case(shape, seed):
        def run():
            x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
            return fn(x), ref(x)

        return run

    hint = "transpose(1, 2) back to (batch, L, heads, d_k), then reshape (not view: it is no longer contiguous)"
    cases = [
        Case(f"shape {s}", case(s, i), hint)
        for i, s in enumerate([(1, 2, 3, 2), (2, 4, 5, 2), (3, 1, 2, 6), (2, 3, 4, 4)])
    ]
    variants = [
        (
            "you reshaped without transposing: that mixes heads into positions. transpose(1, 2) first.",
            lambda x: x.reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]),
        ),
    ]
    x = torch.arange(2 * 4 * 3 * 2, dtype=torch.float32).view(2, 4, 3, 2)
    return _run_with_diagnosis("merge_heads", cases, fn, variants, (x,), verbose)


def multi_head_forward(fn, verbose: bool = True) -> bool:
    """Exercise (04): ``fn(mha, query, key, value, mask=None) -> (output, weights)`` using
    ``mha.q_proj/k_proj/v_proj/out_proj`` and ``mha.n_heads``; must equal ``mha(...)``."""
    from .model.attention import MultiHeadAttention

    def case(d, h, b, lq, lk, seed, masked=False):
        def run():
            torch.manual_seed(seed)
            mha = MultiHeadAttention(d, h).eval()
            g = torch.Generator().manual_seed(seed)
            query = torch.randn(b, lq, d, generator=g)
            memory = torch.randn(b, lk, d, generator=g)
            mask = None
            if masked:
                mask = torch.ones(b, 1, 1, lk, dtype=torch.bool)
                mask[0, ..., -1] = False
            with torch.no_grad():
                got = fn(mha, query, memory, memory, mask) if masked else fn(mha, query, memory, memory)
                exp = mha(query, memory, memory, mask)
            return tuple(got) if isinstance(got, (tuple, list)) else got, exp

        return run

    cases = [
        Case("one head (d_model=4)", case(4, 1, 1, 3, 3, 0), "project q, k, v; attend; project the output"),
        Case(
            "2 heads, self-attention shapes",
            case(8, 2, 2, 5, 5, 1),
            "split each projection into heads before attending; merge them before out_proj",
        ),
        Case(
            "4 heads, cross-attention (Lq=3, Lk=6)",
            case(16, 4, 2, 3, 6, 2),
            "query comes from one sequence, key/value from another; weights are (batch, heads, Lq, Lk)",
        ),
        Case("4 heads with a padding mask", case(16, 4, 2, 4, 5, 3, masked=True), "pass the mask to the attention"),
    ]
    return run_cases("multi_head_forward", cases, verbose=verbose)


def sinusoidal_encoding(fn, verbose: bool = True) -> bool:
    """Exercise (05): ``fn(max_len, d_model)`` -> (max_len, d_model) with
    PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(same)."""

    def ref(n, d):
        pos = torch.arange(n, dtype=torch.float64)[:, None]
        angle = pos / 10000 ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
        pe = torch.zeros(n, d, dtype=torch.float64)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(angle), torch.cos(angle)
        return pe.float()

    def case(n, d):
        return lambda: (fn(n, d), ref(n, d))

    cases = [
        Case("1 position, d_model=2", case(1, 2), "position 0 is [sin 0, cos 0, ...] = [0, 1, 0, 1, ...]"),
        Case("4 positions, d_model=4", case(4, 4), "even columns 2i hold sin, odd columns 2i+1 hold cos"),
        Case("50 positions, d_model=16", case(50, 16), "the wavelength grows with i: 10000^(2i/d_model)"),
        Case("7 positions, d_model=6", case(7, 6), "compute the frequencies once, for i = 0 .. d_model/2 - 1"),
    ]

    def swapped(n, d):
        pe = ref(n, d)
        return torch.stack([pe[:, 1::2], pe[:, 0::2]], dim=-1).flatten(1)

    def blocks(n, d):
        pe = ref(n, d)
        return torch.cat([pe[:, 0::2], pe[:, 1::2]], dim=1)

    def index_exponent(n, d):  # 10000^(i/d) with i the column index: each pair's rate uses 2i twice over
        pos = torch.arange(n, dtype=torch.float64)[:, None]
        angle = pos / 10000 ** (torch.arange(0, d, 2, dtype=torch.float64) * 2 / d)
        pe = torch.zeros(n, d, dtype=torch.float64)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(angle), torch.cos(angle)
        return pe.float()

    variants = [
        ("sin and cos are swapped: even columns 2i get sin, odd columns 2i+1 get cos.", swapped),
        ("sines and cosines are concatenated in two blocks; the paper interleaves them (0::2 and 1::2).", blocks),
        (
            "the exponent is wrong: for the pair (2i, 2i+1) use 10000^(2i/d_model), with 2i = 0, 2, 4, ...",
            index_exponent,
        ),
    ]
    return _run_with_diagnosis("sinusoidal_encoding", cases, fn, variants, (6, 8), verbose)


def equivariance_gap(fn, verbose: bool = True) -> bool:
    """Exercise (05): ``fn(layer, x, perm)`` -> the largest |layer(x[:, perm]) - layer(x)[:, perm]|
    as a Python float. x is (batch, L, d_model), perm a permutation of range(L)."""
    from .model.attention import MultiHeadAttention
    from .model.layers import PositionalEncoding

    def ref(layer, x, perm):
        return (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()

    def case(kind, seed):
        def run():
            torch.manual_seed(seed)
            x = torch.randn(2, 6, 8)
            perm = torch.randperm(6)
            if kind == "attention":
                mha = MultiHeadAttention(8, 2).eval()
                layer = lambda t: mha(t, t, t)[0]
            elif kind == "cumsum":
                layer = lambda t: t.cumsum(dim=1)
            else:
                pe, mha = PositionalEncoding(8), MultiHeadAttention(8, 2).eval()
                layer = lambda t: mha(pe(t), pe(t), pe(t))[0]
            with torch.no_grad():
                got = fn(layer, x, perm)
                exp = ref(layer, x, perm)
            got = got.item() if isinstance(got, torch.Tensor) and got.numel() == 1 else got
            if isinstance(got, (int, float)) and abs(got - exp) <= 1e-5 + 1e-4 * abs(exp):
                got = exp
            return got, exp

        return run

    hint = "run the layer on the shuffled input, shuffle the output of the original input, compare: .abs().max().item()"
    cases = [
        Case("self-attention alone (gap ~ 0)", case("attention", 0), hint),
        Case("a running sum (order matters)", case("cumsum", 1), "shuffle positions (dim 1): x[:, perm]"),
        Case("attention after positional encoding", case("pe", 2), hint),
    ]
    return run_cases("equivariance_gap", cases, verbose=verbose)


# ---- 08 Exploring attention ------------------------------------------------------------------
def previous_token_share(fn, verbose: bool = True) -> bool:
    """08, Your turn 1: ``fn(weights)`` -> the mean weight query i puts on key i-1 (i >= 1) in a
    square self-attention map (L, L), as a float."""
    from .measure.heads import previous_token_share as ref

    def case(weights):
        def run():
            got = fn(weights.clone())
            got = float(got.item() if isinstance(got, torch.Tensor) else got)
            exp = ref(weights)
            return (exp if abs(got - exp) < 1e-5 else got), exp

        return run

    perfect = torch.zeros(4, 4)
    perfect[0, 0] = 1.0
    perfect[torch.arange(1, 4), torch.arange(3)] = 1.0
    torch.manual_seed(0)
    causal = torch.softmax(torch.randn(6, 6).masked_fill(~torch.ones(6, 6, dtype=torch.bool).tril(), -1e9), -1)
    hint = "the weights on position i-1 sit just below the diagonal: weights[i, i - 1] for i = 1 .. L-1"
    cases = [
        Case("a perfect previous-token head (share 1)", case(perfect), hint),
        Case("a diagonal head (share 0)", case(torch.eye(5)), hint),
        Case("a random causal head", case(causal), "average over rows 1 .. L-1 only (row 0 has no previous word)"),
    ]
    return run_cases("previous_token_share", cases, verbose=verbose)


def head_ablation(fn, verbose: bool = True) -> bool:
    """08, Your turn 2: ``fn(n_layers, n_heads, layer, head)`` -> an ``Intervention`` whose
    ``head_mask["cross"]`` is a (n_layers, n_heads) tensor of ones with a 0 at (layer, head)."""
    from .model.attention import Intervention

    def case(n_layers, n_heads, layer, head):
        def run():
            got = fn(n_layers, n_heads, layer, head)
            if not isinstance(got, Intervention):
                return f"a {type(got).__name__}", "an Intervention"
            exp = torch.ones(n_layers, n_heads)
            exp[layer, head] = 0.0
            mask = got.head_mask.get("cross")
            if mask is None:
                return "no 'cross' entry in head_mask", "head_mask['cross']"
            return torch.as_tensor(mask).float(), exp

        return run

    hint = "mask = torch.ones(n_layers, n_heads); mask[layer, head] = 0; Intervention(head_mask={'cross': mask})"
    cases = [
        Case("2 layers x 4 heads, switch off layer 1 head 2", case(2, 4, 1, 2), hint),
        Case("1 layer x 1 head (the RNN's attention)", case(1, 1, 0, 0), hint),
        Case("3 layers x 2 heads, layer 0 head 0", case(3, 2, 0, 0), hint),
    ]
    return run_cases("head_ablation", cases, verbose=verbose)


# ---- notebooks 01-02: recurrent networks and Bahdanau attention -----------------------------------
def vanilla_rnn_step(fn, verbose: bool = True) -> bool:
    """``fn(x, h, W_ih, b_ih, W_hh, b_hh) -> h_new``: one Elman RNN step, compared with nn.RNNCell."""

    def case(seed, batch, e, h):
        def run():
            torch.manual_seed(seed)
            cell = torch.nn.RNNCell(e, h)
            x, h0 = torch.randn(batch, e), torch.randn(batch, h)
            with torch.no_grad():
                return fn(x, h0, cell.weight_ih, cell.bias_ih, cell.weight_hh, cell.bias_hh), cell(x, h0)

        return run

    hint = "h_new = tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)"
    cases = [
        Case("batch 2, 3 inputs, 4 hidden units", case(0, 2, 3, 4), hint),
        Case("batch 5, 8 inputs, 6 hidden units", case(1, 5, 8, 6), hint),
    ]
    return run_cases("vanilla_rnn_step", cases, verbose=verbose)


def gradient_norm_ratio(fn, verbose: bool = True) -> bool:
    """``fn(norms, distance) -> float``: how much the gradient shrank over ``distance`` steps."""

    def case(norms, distance):
        norms = torch.tensor(norms)
        return lambda: (float(fn(norms, distance)), float(norms[distance] / norms[0]))

    hint = "norms is indexed by distance T - t; divide norms[distance] by norms[0] and return a float"
    cases = [
        Case("norms 2, 1, 0.5 over distance 2", case([2.0, 1.0, 0.5], 2), hint),
        Case("distance 0 is 1", case([3.0, 0.3, 0.03], 0), hint),
        Case("vanishing: 1e-6 after 3 steps", case([1.0, 1e-2, 1e-4, 1e-6], 3), hint, atol=1e-12),
    ]
    return run_cases("gradient_norm_ratio", cases, verbose=verbose)


def additive_score(fn, verbose: bool = True) -> bool:
    """``fn(s, h, attn) -> scores (batch, S)``: Bahdanau's e_j = v^T tanh(W_q s + W_k h_j) with the
    layers of an ``AdditiveAttention`` (``attn.w_q``, ``attn.w_k``, ``attn.v``)."""
    from .model.attention import AdditiveAttention

    def case(seed, batch, src_len, q_dim, k_dim, hid):
        def run():
            torch.manual_seed(seed)
            attn = AdditiveAttention(q_dim, k_dim, hid)
            s, h = torch.randn(batch, q_dim), torch.randn(batch, src_len, k_dim)
            with torch.no_grad():
                expected = attn.v(torch.tanh(attn.w_q(s)[:, None, :] + attn.w_k(h))).squeeze(-1)
                return fn(s, h, attn), expected

        return run

    hint = "attn.w_q(s) is (batch, hid): add a source axis ([:, None, :]), add attn.w_k(h), tanh, attn.v, squeeze(-1)"
    cases = [
        Case("batch 1, 4 source words", case(0, 1, 4, 3, 5, 6), hint),
        Case("batch 3, 7 source words", case(1, 3, 7, 8, 4, 5), hint),
    ]
    return run_cases("additive_score", cases, verbose=verbose)


def context_vector(fn, verbose: bool = True) -> bool:
    """``fn(weights (batch, S), states (batch, S, D)) -> (batch, D)``: c = sum_j a_j h_j."""

    def case(seed, batch, src_len, dim, one_hot=False):
        def run():
            torch.manual_seed(seed)
            w = torch.softmax(torch.randn(batch, src_len), -1)
            if one_hot:
                w = torch.nn.functional.one_hot(torch.arange(batch) % src_len, src_len).float()
            states = torch.randn(batch, src_len, dim)
            return fn(w, states), (w[:, :, None] * states).sum(1)

        return run

    hint = "weight each state and sum over the source axis: (weights[:, :, None] * states).sum(1), or a batched matmul"
    cases = [
        Case("all weight on one word copies its state", case(0, 2, 3, 4, one_hot=True), hint),
        Case("batch 3, 5 source words, 6 dims", case(1, 3, 5, 6), hint),
    ]
    return run_cases("context_vector", cases, verbose=verbose)


# ---- notebook 06: encoder and decoder stacks -------------------------------------------------------
def encoder_layer_forward(fn, verbose: bool = True) -> bool:
    """``fn(layer: EncoderLayer, x (batch, S, d_model), mask (batch, 1, 1, S)) -> (batch, S, d_model)``:
    the post-norm encoder layer, x = LayerNorm(x + SelfAttn(x)); x = LayerNorm(x + FFN(x))."""
    from .model.layers import EncoderLayer

    def case(seed, batch, length, d_model, heads, pad):
        def run():
            torch.manual_seed(seed)
            layer = EncoderLayer(d_model, heads, 2 * d_model, dropout=0.0).eval()
            x = torch.randn(batch, length, d_model)
            key = torch.ones(batch, length, dtype=torch.bool)
            key[0, length - pad :] = False
            mask = key[:, None, None, :]
            expected, _ = layer(x, mask)
            with torch.no_grad():
                return fn(layer, x, mask), expected.detach()

        return run

    hint = (
        "h, _ = layer.self_attn(x, x, x, mask); x = layer.sub_attn.norm(x + h); "
        "then the same with layer.ff(x) and layer.sub_ff.norm"
    )
    cases = [
        Case("one sentence, no padding", case(0, 1, 4, 8, 2, 0), hint),
        Case("two sentences, padding in the first", case(1, 2, 6, 16, 4, 2), hint),
    ]
    return run_cases("encoder_layer_forward", cases, verbose=verbose)


def decoder_self_mask(fn, verbose: bool = True) -> bool:
    """``fn(tgt_in (batch, T) ids, 0 = <pad>) -> (batch, 1, T, T)`` bool, True = may attend:
    causal (no future) and no padding keys."""
    from .model.attention import attention_mask

    def case(rows):
        def run():
            ids = torch.tensor(rows)
            return fn(ids), attention_mask(ids != 0, causal=True)

        return run

    hint = "combine the key padding mask (ids != 0)[:, None, None, :] with torch.ones(T, T, dtype=torch.bool).tril()"
    cases = [
        Case("one sentence, no padding", case([[1, 5, 6]]), hint),
        Case("two sentences, one padded", case([[1, 5, 6, 7], [1, 8, 0, 0]]), hint),
    ]
    return run_cases("decoder_self_mask", cases, verbose=verbose)


def layer_parameter_count(fn, verbose: bool = True) -> bool:
    """``fn(d_model, d_ff, decoder: bool) -> int``: parameters of one encoder (or decoder) layer."""
    from .model.layers import DecoderLayer, EncoderLayer

    def case(d_model, d_ff, decoder):
        def run():
            layer = (DecoderLayer if decoder else EncoderLayer)(d_model, 2, d_ff)
            return fn(d_model, d_ff, decoder), sum(p.numel() for p in layer.parameters())

        return run

    hint = (
        "attention: 4 (d x d) matrices + 4 biases; FFN: d*d_ff + d_ff + d_ff*d + d; LayerNorm: 2d; "
        "the decoder has 2 attentions and 3 norms"
    )
    cases = [
        Case("encoder layer, d_model 64, d_ff 256", case(64, 256, False), hint),
        Case("decoder layer, d_model 64, d_ff 256", case(64, 256, True), hint),
        Case("encoder layer, the paper's base size", case(512, 2048, False), hint),
    ]
    return run_cases("layer_parameter_count", cases, verbose=verbose)


# ---- notebook 07: training the Transformer --------------------------------------------------------------
def warmup_formula(fn, verbose: bool = True) -> bool:
    """``fn(step, d_model, warmup) -> float``: the paper's Eq. 3 learning rate."""
    from .train import warmup_lr

    def case(step, d_model, warmup):
        return lambda: (float(fn(step, d_model, warmup)), warmup_lr(step, d_model, warmup))

    hint = "d_model ** -0.5 * min(step ** -0.5, step * warmup ** -1.5)"
    cases = [
        Case("during warmup", case(100, 512, 4000), hint, atol=1e-9),
        Case("at the peak", case(4000, 512, 4000), hint, atol=1e-9),
        Case("after warmup", case(20000, 64, 200), hint, atol=1e-9),
    ]
    return run_cases("warmup_formula", cases, verbose=verbose)


def smoothed_targets(fn, verbose: bool = True) -> bool:
    """``fn(target (N,) ids, vocab_size, smoothing) -> (N, vocab_size)``: the label-smoothed
    target distribution PyTorch's ``cross_entropy(label_smoothing=eps)`` uses:
    (1 - eps) on the right word plus eps / V on every word."""

    def case(target, vocab, eps):
        def run():
            t = torch.tensor(target)
            expected = torch.full((len(target), vocab), eps / vocab)
            expected[torch.arange(len(target)), t] += 1 - eps
            return fn(t, vocab, eps), expected

        return run

    hint = "torch.full((N, V), eps / V), then add 1 - eps at [range(N), target]"
    cases = [
        Case("no smoothing is one-hot", case([2, 0], 4, 0.0), hint),
        Case("eps = 0.1 over 5 words", case([1, 4, 3], 5, 0.1), hint),
    ]
    return run_cases("smoothed_targets", cases, verbose=verbose)


def greedy_step(fn, verbose: bool = True) -> bool:
    """``fn(model, memory, src_mask, tokens (batch, t)) -> (batch, t + 1)``: one step of
    greedy decoding, appending the most probable next word."""
    from .model import Transformer, TransformerConfig

    def case(seed, batch, src_len, t):
        def run():
            torch.manual_seed(seed)
            model = Transformer(TransformerConfig(20, 20, 16, 2, 1, 1, 32, dropout=0.0)).eval()
            src = torch.randint(4, 20, (batch, src_len))
            mask = src != 0
            tokens = torch.cat([torch.ones(batch, 1, dtype=torch.long), torch.randint(4, 20, (batch, t - 1))], 1)
            with torch.no_grad():
                memory, state = model.start(src, mask)
                log_probs, _ = model.step(memory, mask, tokens, state)
                expected = torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], 1)
                return fn(model, memory, mask, tokens), expected

        return run

    hint = "log_probs, _ = model.step(memory, src_mask, tokens, None); append log_probs.argmax(-1)[:, None]"
    cases = [
        Case("first step (only <bos>)", case(0, 2, 5, 1), hint),
        Case("a longer prefix", case(1, 3, 6, 4), hint),
    ]
    return run_cases("greedy_step", cases, verbose=verbose)


# ---- notebook 09: why self-attention (Table 1) ------------------------------------------------------------
def table1_cost(fn, verbose: bool = True) -> bool:
    """``fn(kind, n, d, k) -> int``: multiply-adds of one layer of ``kind`` ("self_attention",
    "recurrent", "convolutional"), as measured by ``complexity.count_flops`` / 2."""
    from .measure.complexity import count_flops

    def case(kind, n, d, k=3):
        return lambda: (int(fn(kind, n, d, k)), count_flops(kind, n, d, k) // 2)

    hint = "self-attention 2 n^2 d (scores and weighted sum); recurrent 2 n d^2 (W and U); convolution k n d^2"
    cases = [
        Case("self-attention, n=10, d=8", case("self_attention", 10, 8), hint),
        Case("recurrent, n=10, d=8", case("recurrent", 10, 8), hint),
        Case("convolution k=3, n=10, d=8", case("convolutional", 10, 8), hint),
        Case("convolution k=5, n=7, d=4", case("convolutional", 7, 4, 5), hint),
    ]
    return run_cases("table1_cost", cases, verbose=verbose)


def conv_path_length(fn, verbose: bool = True) -> bool:
    """``fn(n, k) -> int``: how many stacked "same" convolutions of width k (odd) before the
    last output depends on the first input, as measured by ``complexity.max_path_length``."""
    from .measure.complexity import max_path_length

    def case(n, k):
        return lambda: (int(fn(n, k)), max_path_length("convolutional", n, kernel=k))

    hint = "each layer widens the view by (k - 1) / 2 positions on each side: ceil((n - 1) / ((k - 1) / 2))"
    cases = [
        Case("n=9, k=3", case(9, 3), hint),
        Case("n=10, k=5", case(10, 5), hint),
        Case("n=4, k=7", case(4, 7), hint),
    ]
    return run_cases("conv_path_length", cases, verbose=verbose)
