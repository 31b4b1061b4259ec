"""Checks for notebook 04's exercises (Multi-head attention), in notebook order."""

from __future__ import annotations

import torch

from ..i18n import N_
from ..model.attention import MultiHeadAttention, merge_heads, split_heads
from .diagnosis import Mistake
from .help import Hints, Solutions
from .nb04_variants import mha as _mha
from .nb04_variants import (
    mha_probes,
    out_proj_first,
    scale_missing,
    scaled_by_d_model,
    scaled_twice,
    split_directly,
    split_no_transpose,
)
from .runner import Case, Exercise


def _split_probes():
    return [(torch.arange(2 * 3 * 8, dtype=torch.float32).view(2, 3, 8), 4), (torch.randn(1, 4, 4), 2)]


SPLIT_HEADS = Exercise(
    "04",
    "split_heads",
    N_("04 Your turn 1 (split heads)"),
    hints=(
        N_(
            "d_model is n_heads blocks of d_k numbers laid side by side for each position: cut each position's "
            "vector into heads first, then move the heads axis in front of the positions."
        ),
        N_(
            "Read the shape (batch, L, d_model) and compute d_k = d_model // n_heads. View the tensor as "
            "(batch, L, n_heads, d_k), which cuts each position's vector into consecutive blocks, then swap the "
            "positions axis with the heads axis."
        ),
        N_(
            "b, length, d_model = x.____\n"
            "pieces = x.view(b, length, ____, ____)    # (batch, L, heads, d_k)\n"
            "heads = pieces.transpose(____, ____)      # (batch, heads, L, d_k)"
        ),
    ),
    mistakes=[
        Mistake(
            "reshaped_directly",
            "you reshaped straight to (batch, heads, L, d_k): that mixes positions into heads. Cut each position "
            "into heads first, then move the heads axis.",
            lambda x, h: x.reshape(x.shape[0], h, x.shape[1], x.shape[2] // h),
        ),
        Mistake(
            "transpose_missing",
            "the heads axis is not moved in front of the positions: transpose (batch, L, heads, d_k) to "
            "(batch, heads, L, d_k).",
            lambda x, h: x.view(x.shape[0], x.shape[1], h, x.shape[2] // h),
            lambda x, h: torch.stack(x.chunk(h, dim=-1), dim=2),
        ),
        Mistake(
            "width_not_cut",
            "the width is not cut into heads: view each position as (heads, d_k) first, then move the heads axis.",
            lambda x, h: x.transpose(1, 2),
            lambda x, h: x.unsqueeze(1),
        ),
        Mistake(
            "wrong_axes_swapped",
            "the wrong axes are swapped: exchange the positions (1) and the heads (2), transpose(1, 2).",
            lambda x, h: x.view(x.shape[0], x.shape[1], h, x.shape[2] // h).transpose(2, 3),
            lambda x, h: x.view(x.shape[0], x.shape[1], h, x.shape[2] // h).transpose(1, 3),
            lambda x, h: x.view(x.shape[0], x.shape[1], h, x.shape[2] // h).transpose(0, 2),
        ),
        Mistake(
            "heads_interleaved",
            "each head takes every n_heads-th number; a head's d_k numbers are consecutive: view as "
            "(batch, L, heads, d_k), not (batch, L, d_k, heads).",
            lambda x, h: x.view(x.shape[0], x.shape[1], x.shape[2] // h, h).permute(0, 3, 1, 2),
        ),
        Mistake(
            "heads_and_width_swapped",
            "n_heads and d_k are swapped in the view: the last axis holds d_k = d_model // n_heads numbers.",
            lambda x, h: x.view(x.shape[0], x.shape[1], x.shape[2] // h, h).transpose(1, 2),
        ),
        Mistake(
            "transposed_before_view",
            "you transposed before cutting the width into heads: cut each position's vector first, view "
            "(batch, L, heads, d_k), then transpose(1, 2).",
            lambda x, h: x.transpose(1, 2).reshape(x.shape[0], h, x.shape[1], x.shape[2] // h),
            lambda x, h: x.transpose(1, 2).reshape(x.shape[0], h, x.shape[2] // h, x.shape[1]),
        ),
        Mistake(
            "split_along_positions",
            "the positions are cut into heads; each head takes a slice of the width, d_k = d_model // n_heads "
            "numbers of every position.",
            lambda x, h: torch.stack(x.chunk(h, dim=1), dim=1),
            lambda x, h: x.view(x.shape[0], h, x.shape[1] // h, x.shape[2]),
        ),
    ],
    probes=_split_probes,
    reference=split_heads,
)


def _split_case(b, n, d, h, seed, fn):
    def run():
        x = torch.randn(b, n, d, generator=torch.Generator().manual_seed(seed))
        return fn(x, h), split_heads(x, h)

    return run


def check_split_heads(fn, hidden: bool = False):
    """Notebook 04, Your turn 1: ``fn(x, n_heads)``: (batch, L, d_model) -> (batch, heads, L, d_k)."""
    shapes = [(1, 3, 4, 2), (2, 5, 8, 4), (3, 2, 6, 1)]
    cases = [
        Case(
            "(batch={b}, L={n}, d_model={d}), heads={h}",
            _split_case(b, n, d, h, s, fn),
            fields=dict(b=b, n=n, d=d, h=h),
        )
        for s, (b, n, d, h) in enumerate(shapes)
    ]
    hidden_cases = [Case("(batch=2, L=4, d_model=12), heads=3", _split_case(2, 4, 12, 3, 7, fn))]
    return SPLIT_HEADS.check(fn, cases, hidden_cases, hidden)


MERGE_HEADS = Exercise(
    "04",
    "merge_heads",
    N_("04 Your turn 1 (merge heads)"),
    hints=(
        N_(
            "Undo split_heads in reverse order: positions back in front of the heads, then glue the heads of "
            "each position side by side."
        ),
        N_(
            "Swap the heads axis and the positions axis back, giving (batch, L, heads, d_k). The tensor is then "
            "no longer contiguous in memory, so use reshape (not view) to flatten the last two axes into one of "
            "heads x d_k numbers."
        ),
        N_(
            "b, h, length, d_k = x.____\n"
            "positions_first = x.transpose(____, ____)          # (batch, L, heads, d_k)\n"
            "merged = positions_first.____(b, length, ____)     # (batch, L, heads * d_k)"
        ),
    ),
    mistakes=[
        Mistake(
            "transpose_missing",
            "you reshaped without moving the heads axis back: that mixes heads into positions.",
            lambda x: x.reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]),
        ),
        Mistake(
            "view_not_contiguous",
            "after a transpose the tensor is not contiguous, so .view fails: use .reshape (or .contiguous().view).",
            lambda x: x.transpose(1, 2).view(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]),
        ),
        Mistake(
            "wrong_axes_swapped",
            "the wrong axes are swapped: bring the positions (2) back in front of the heads (1), transpose(1, 2).",
            lambda x: x.transpose(2, 3).reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]),
        ),
        Mistake(
            "heads_interleaved",
            "the heads are interleaved number by number; glue each head's d_k numbers whole, one head after "
            "the other: (batch, L, heads, d_k) flattened.",
            lambda x: x.permute(0, 2, 3, 1).reshape(x.shape[0], x.shape[2], x.shape[1] * x.shape[3]),
        ),
        Mistake(
            "heads_added",
            "the heads are summed or averaged; they are concatenated side by side (heads x d_k numbers).",
            lambda x: x.sum(1),
            lambda x: x.mean(1),
        ),
        Mistake(
            "concatenated_along_positions",
            "the heads are stacked along the positions; concatenate them along the width.",
            lambda x: torch.cat(x.unbind(1), dim=1),
        ),
        Mistake(
            "positions_flattened",
            "each head's positions are glued together, (batch, heads, L * d_k); move the positions in front of "
            "the heads first, then glue the heads of each position: (batch, L, heads * d_k).",
            lambda x: x.flatten(2),
        ),
        Mistake(
            "shape_read_wrong",
            "the shape is read in the wrong order: x is (batch, heads, L, d_k), so b, h, length, d_k = x.shape.",
            lambda x: x.transpose(1, 2).reshape(x.shape[0], x.shape[1], x.shape[2] * x.shape[3]),
            lambda x: x.transpose(1, 2).reshape(x.shape[0], x.shape[3], x.shape[1] * x.shape[2]),
        ),
        Mistake(
            "not_flattened",
            "the heads are moved back but not glued: flatten (batch, L, heads, d_k) to (batch, L, heads * d_k).",
            lambda x: x.transpose(1, 2),
        ),
    ],
    probes=lambda: [(torch.arange(2 * 4 * 3 * 2, dtype=torch.float32).view(2, 4, 3, 2),), (torch.randn(1, 2, 2, 3),)],
    reference=merge_heads,
)


def _merge_case(shape, seed, fn):
    def run():
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
        return fn(x), merge_heads(x)

    return run


def check_merge_heads(fn, hidden: bool = False):
    """Notebook 04, Your turn 1: ``fn(x)``: (batch, heads, L, d_k) -> (batch, L, heads * d_k), the inverse
    of split_heads."""
    shapes = [(1, 2, 3, 2), (2, 4, 5, 2), (3, 1, 2, 6)]
    cases = [Case("shape {s}", _merge_case(s, i, fn), fields={"s": s}) for i, s in enumerate(shapes)]
    hidden_cases = [Case("shape (2, 3, 4, 4)", _merge_case((2, 3, 4, 4), 9, fn))]
    return MERGE_HEADS.check(fn, cases, hidden_cases, hidden)


MULTI_HEAD = Exercise(
    "04",
    "multi_head",
    N_("04 Your turn 2 (multi-head forward)"),
    hints=(
        N_(
            "Project the query, key and value, attend in every head at once with notebook 03's attention, then "
            "glue the heads back together and project the result."
        ),
        N_(
            "Apply mha.q_proj to the query, mha.k_proj to the key and mha.v_proj to the value, and split each "
            "result into heads. Call scaled_dot_product_attention on the three, passing the mask on. Merge the "
            "heads of its output and apply mha.out_proj. Return that and the attention weights."
        ),
        N_(
            "q = mha.split_heads(mha.____(query))\n"
            "k = mha.split_heads(mha.____(key))\n"
            "v = mha.split_heads(mha.____(value))\n"
            "out, weights = scaled_dot_product_attention(q, k, v, ____)\n"
            "result = mha.____(mha.merge_heads(out))"
        ),
    ),
    mistakes=[
        Mistake("mask_not_passed", "the mask is not passed on to the attention.", _mha(use_mask=lambda m: None)),
        Mistake(
            "out_proj_missing",
            "the output projection is missing: apply mha.out_proj to the merged heads.",
            _mha(project_out=False),
        ),
        Mistake(
            "key_value_swapped",
            "key and value are swapped: the scores come from the key (mha.k_proj), the output mixes the value.",
            _mha(inputs=("query", "value", "key")),
        ),
        Mistake(
            "query_key_projections_swapped",
            "the query and key projections are swapped: mha.q_proj takes the query, mha.k_proj the key.",
            _mha(layers=("k_proj", "q_proj", "v_proj")),
        ),
        Mistake(
            "self_attention_only",
            "every projection reads the query: in cross-attention the key and value come from the other sequence.",
            _mha(inputs=("query", "query", "query")),
        ),
        Mistake(
            "heads_not_split",
            "the heads are not split: attention runs once over the full width; split q, k and v into heads.",
            _mha(split=None),
        ),
        Mistake(
            "merged_without_transpose",
            "the heads are merged without moving them back behind the positions: use merge_heads (or transpose "
            "before the reshape).",
            _mha(merge=lambda o: o.reshape(o.shape[0], o.shape[2], -1)),
        ),
        Mistake(
            "scaled_by_d_model",
            "the scores are divided by sqrt(d_model); each head scales by sqrt(d_k) = sqrt(d_model / heads).",
            scaled_by_d_model,
        ),
        Mistake(
            "query_wrong_projection",
            "the query goes through another projection than mha.q_proj (a copy-paste slip?): q_proj takes the "
            "query, k_proj the key, v_proj the value.",
            _mha(layers=("k_proj", "k_proj", "v_proj")),
            _mha(layers=("v_proj", "k_proj", "v_proj")),
        ),
        Mistake(
            "key_wrong_projection",
            "the key goes through another projection than mha.k_proj (a copy-paste slip?): q_proj takes the "
            "query, k_proj the key, v_proj the value.",
            _mha(layers=("q_proj", "q_proj", "v_proj")),
            _mha(layers=("q_proj", "v_proj", "v_proj")),
        ),
        Mistake(
            "value_wrong_projection",
            "the value goes through another projection than mha.v_proj (a copy-paste slip?): q_proj takes the "
            "query, k_proj the key, v_proj the value.",
            _mha(layers=("q_proj", "k_proj", "k_proj")),
            _mha(layers=("q_proj", "k_proj", "q_proj")),
        ),
        Mistake(
            "wrong_input_projected",
            "a projection reads the wrong input (a copy-paste slip?): mha.q_proj(query), mha.k_proj(key), "
            "mha.v_proj(value).",
            _mha(inputs=("query", "query", "value")),
            _mha(inputs=("query", "key", "query")),
            _mha(inputs=("query", "key", "key")),
            _mha(inputs=("query", "value", "value")),
            _mha(inputs=("key", "key", "value")),
        ),
        Mistake(
            "split_without_transpose",
            "the heads are split without moving the heads axis in front of the positions: use split_heads, "
            "(batch, L, d_model) -> (batch, heads, L, d_k).",
            _mha(split=split_directly),
            _mha(split=split_no_transpose),
        ),
        Mistake(
            "out_proj_before_merge",
            "the output projection is applied before the heads are merged; it mixes the merged heads: "
            "mha.out_proj(merge_heads(out)).",
            out_proj_first,
        ),
        Mistake(
            "scaled_twice",
            "the scores are scaled twice: scaled_dot_product_attention divides by sqrt(d_k) itself.",
            scaled_twice,
        ),
        Mistake(
            "scale_missing",
            "the scores are not divided by sqrt(d_k), the width of one head.",
            scale_missing,
        ),
        Mistake(
            "mask_inverted",
            "the mask is inverted before it is passed on: True already means 'may attend'.",
            _mha(use_mask=lambda m: ~m),
        ),
        Mistake(
            "weights_averaged",
            "the weights are averaged over the heads; return them per head, (batch, heads, Lq, Lk).",
            _mha(weights=lambda w: w.mean(1)),
        ),
    ],
    probes=mha_probes,
    reference=_mha(),
)


def _mha_case(sizes, seed, fn, masked=False, self_attention=False):
    """sizes: (d_model, heads, batch, Lq, Lk)."""
    d, h, b, lq, lk = sizes

    def run():
        torch.manual_seed(seed)
        mha = MultiHeadAttention(d, h).eval()
        g = torch.Generator().manual_seed(seed)
        query, key, value = (torch.randn(b, n, d, generator=g) for n in (lq, lk, lk))
        if self_attention:
            key = value = query
        mask = None
        if masked:
            mask = torch.ones(b, 1, 1, lk, dtype=torch.bool)
            mask[0, ..., -1] = False
        with torch.no_grad():
            got = fn(mha, query, key, value, mask) if masked else fn(mha, query, key, value)
            return got, mha(query, key, value, mask)

    return run


def check_multi_head(fn, hidden: bool = False):
    """Notebook 04, Your turn 2: ``fn(mha, query, key, value, mask=None) -> (output, weights)`` with
    ``mha.q_proj/k_proj/v_proj/out_proj`` and ``mha.n_heads``; must equal ``mha(query, key, value, mask)``."""
    cases = [
        Case("one head (d_model=4)", _mha_case((4, 1, 1, 3, 3), 0, fn, self_attention=True)),
        Case("2 heads, self-attention", _mha_case((8, 2, 2, 5, 5), 1, fn, self_attention=True)),
        Case(
            "4 heads, cross-attention (Lq=3, Lk=6)",
            _mha_case((16, 4, 2, 3, 6), 2, fn),
            N_("the query comes from one sequence, key and value from another; weights are (batch, heads, Lq, Lk)"),
        ),
        Case(
            "4 heads with a padding mask",
            _mha_case((16, 4, 2, 4, 5), 3, fn, masked=True),
            N_("pass the mask on to the attention"),
        ),
    ]
    hidden_cases = [Case("8 heads of width 1, a padding mask", _mha_case((8, 8, 3, 2, 4), 4, fn, masked=True))]
    return MULTI_HEAD.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (SPLIT_HEADS, MERGE_HEADS, MULTI_HEAD)}
hint = Hints("nb04", EXERCISES)
solution = Solutions("nb04", "04", EXERCISES)
