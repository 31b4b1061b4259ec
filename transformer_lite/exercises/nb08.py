"""Checks for notebook 08's exercises (Exploring attention), in notebook order."""

from __future__ import annotations

import torch

from ..i18n import N_, _, tr
from ..measure.heads import previous_token_share
from ..model.attention import Intervention
from .diagnosis import Mistake
from .help import Hints, Solutions
from .runner import Case, Exercise


def _share(rows=lambda n: torch.arange(1, n), cols=lambda i: i, reduce=lambda v: v.mean(), guard=True):
    """A previous-word share a student might write: the right one with the defaults, a known mistake otherwise."""

    def share(weights):
        n = min(weights.shape)
        if guard and n < 2:
            return 0.0
        i = rows(n)
        return float(reduce(weights[i, cols(i)]))

    return share


def _rows_counted(hit):
    """The share of rows 1 .. L-1 where ``hit(weights, rows)`` holds: rows counted instead of weights averaged."""

    def share(weights):
        n = min(weights.shape)
        return 0.0 if n < 2 else float(hit(weights, torch.arange(1, n)).float().mean())

    return share


# a map whose diagonal wins in some rows and not in others (rows counted then differ from weights averaged)
_STRONG_DIAGONAL = torch.tensor([[1, 0, 0, 0], [0.3, 0.7, 0, 0], [0.1, 0.2, 0.7, 0], [0.4, 0.2, 0.2, 0.2]])

_UNIFORM = torch.full((3, 3), 1 / 3)  # row 0's weight is not 1 here

PREVIOUS_TOKEN_SHARE = Exercise(
    "08",
    "previous_token_share",
    N_("08 Your turn 1 (previous-word share)"),
    hints=(
        N_(
            "The decoder's input at step i is the word written at step i - 1, so in the (L, L) map the previous "
            "word of the word being written sits on the diagonal. Row 0 only sees <bos> and is left out, and a "
            "map with fewer than 2 rows has no share at all (0.0)."
        ),
        N_(
            "Handle the short map first: with fewer than two rows the share is 0.0. Otherwise pick the diagonal "
            "entries of rows 1 to L-1 (one index tensor serves for both the row and the column), average them, "
            "and return a Python float."
        ),
        N_(
            "n = ____(weights.shape)\n"
            "if n is too small:\n"
            "    the share is 0.0\n"
            "rows = torch.arange(____, n)\n"
            "share = ____(weights[rows, ____].____())"
        ),
    ),
    mistakes=[
        Mistake(
            "below_diagonal",
            "you read the stripe below the diagonal, weights[i, i - 1]: in the decoder the input at step i is "
            "already the previous word, so read the diagonal weights[i, i].",
            _share(cols=lambda i: i - 1),
        ),
        Mistake(
            "above_diagonal",
            "you read weights[i - 1, i], above the diagonal (a query never sees a later key there); read the "
            "diagonal weights[i, i].",
            lambda w: (
                0.0
                if min(w.shape) < 2
                else float(w[torch.arange(min(w.shape) - 1), torch.arange(1, min(w.shape))].mean())
            ),
        ),
        Mistake(
            "row_zero_included",
            "row 0 is included: it can only see <bos> (weight 1 by force); start at row 1.",
            _share(rows=lambda n: torch.arange(0, n)),
            lambda w: 0.0 if min(w.shape) < 2 else float(w.diagonal().sum() / (min(w.shape) - 1)),
        ),
        Mistake(
            "short_map_not_handled",
            "a map of one row has no previous word: return 0.0 when L < 2 (an empty mean is NaN).",
            _share(guard=False),
        ),
        Mistake(
            "last_row_dropped",
            "the last row is left out: the rows are 1 .. L-1, torch.arange(1, L).",
            _share(rows=lambda n: torch.arange(1, n - 1)),
        ),
        Mistake(
            "row_zero_assumed_one",
            "you took 1 off the diagonal's sum for row 0, as if its weight were always 1; leave row 0 out by "
            "reading rows 1 .. L-1 only.",
            lambda w: 0.0 if min(w.shape) < 2 else float((w.diagonal().sum() - 1) / (min(w.shape) - 1)),
        ),
        Mistake(
            "rows_from_two",
            "row 1 is left out as well as row 0: the rows are 1 .. L-1, torch.arange(1, L).",
            _share(rows=lambda n: torch.arange(2, n)),
        ),
        Mistake(
            "sum_not_mean",
            "the diagonal entries are summed, or divided by L; the share is their mean over the L - 1 rows.",
            _share(reduce=lambda v: v.sum()),
            _share(reduce=lambda v: v.sum() / (len(v) + 1)),
        ),
        Mistake(
            "max_not_mean",
            "the largest diagonal entry is taken; the share is the mean over rows 1 .. L-1.",
            _share(reduce=lambda v: v.max()),
        ),
        Mistake(
            "rows_counted_not_weights",
            "you counted the rows whose diagonal weight is the largest (or above a threshold); the share is the "
            "mean weight on the diagonal over rows 1 .. L-1.",
            _rows_counted(lambda w, i: w[i].argmax(-1) == i),
            _rows_counted(lambda w, i: w[i, i] > 0.5),
        ),
        Mistake(
            "first_column",
            "you read the first column, the weight on <bos>; the previous word sits on the diagonal.",
            _share(cols=lambda i: torch.zeros_like(i)),
        ),
    ],
    probes=lambda: [
        (_causal_map(5, 2),),
        (torch.ones(1, 1),),
        (_causal_map(4, 3),),
        (_STRONG_DIAGONAL,),
        (_UNIFORM,),
    ],
    reference=previous_token_share,
)


def _share_case(weights, fn):
    return lambda: (fn(weights.clone()), previous_token_share(weights))


def _causal_map(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    blocked = ~torch.ones(n, n, dtype=torch.bool).tril()
    return torch.softmax(torch.randn(n, n, generator=g).masked_fill(blocked, float("-inf")), -1)


def check_previous_token_share(fn, hidden: bool = False):
    """Notebook 08, Your turn 1: ``fn(weights (L, L)) -> float``: the mean of ``weights[i, i]`` over the
    rows i = 1 .. L-1 of a decoder self-attention map (the word written just before the one being
    written), as a Python float; 0.0 when L < 2."""
    below = torch.zeros(4, 4)
    below[0, 0] = 1.0
    below[torch.arange(1, 4), torch.arange(3)] = 1.0
    cases = [
        Case("a perfect previous-word head: the diagonal (share 1)", _share_case(torch.eye(5), fn)),
        Case("the stripe below the diagonal (share 0)", _share_case(below, fn)),
        Case("a random causal head", _share_case(_causal_map(6, 0), fn), N_("average over rows 1 .. L-1 only")),
        Case("a one-word map (L = 1): no previous word, share 0.0", _share_case(torch.ones(1, 1), fn)),
        Case("uniform weights 1/3, in row 0 too (share 1/3)", _share_case(_UNIFORM, fn), N_("leave row 0 out")),
    ]
    hidden_cases = [
        Case("uniform weights 0.25 (share 0.25)", _share_case(torch.full((4, 4), 0.25), fn)),
        Case("a longer random causal head (L = 9)", _share_case(_causal_map(9, 1), fn)),
    ]
    return PREVIOUS_TOKEN_SHARE.check(fn, cases, hidden_cases, hidden)


OTHER_KINDS = N_("an Intervention that also switches off heads of {kinds}")
NOT_AN_INTERVENTION = N_("a {type}, not an Intervention")
NO_CROSS = N_("head_mask without a 'cross' entry (keys: {keys})")


def _mask_of(got, keys=True):
    """What an ablation answer is compared by: its 'cross' head mask, or what it is instead (with the keys
    it has, unless ``keys`` is false: a diagnosis compares the mistake, not the names chosen, and in English,
    so that outcomes cached in one language still match)."""
    fill = tr if keys else str.format
    if not isinstance(got, Intervention):
        return fill(NOT_AN_INTERVENTION, type=type(got).__name__)
    mask = (got.head_mask or {}).get("cross")
    if mask is None:
        return fill(NO_CROSS, keys=sorted(got.head_mask) if keys else "...")
    others = sorted(k for k, m in got.head_mask.items() if k != "cross" and bool((torch.as_tensor(m) != 1).any()))
    if others:
        return fill(OTHER_KINDS, kinds=", ".join(others))
    return torch.as_tensor(mask).float()


def _flat(n_layers, n_heads, index):
    mask = torch.ones(n_layers * n_heads)
    mask[index] = 0.0
    return mask


def _with_kinds(intervention, *kinds):
    """The same head switched off in other kinds of attention as well."""
    mask = intervention.head_mask["cross"]
    return Intervention(head_mask={"cross": mask, **{k: mask.clone() for k in kinds}})


def _off(shape=lambda nl, nh: (nl, nh), fill=1.0, at=lambda m, layer, head: (layer, head), kind="cross", wrap=True):
    """A head ablation a student might write: the right one with the defaults, a known mistake otherwise."""

    def head_off(n_layers, n_heads, layer, head):
        mask = torch.full(shape(n_layers, n_heads), fill)
        where = at(mask, layer, head)
        if where is not None:
            mask[where] = 1.0 - fill
        return Intervention(head_mask={kind: mask}) if wrap else mask

    return head_off


HEAD_ABLATION = Exercise(
    "08",
    "head_ablation",
    N_("08 Your turn 2 (switch one head off)"),
    hints=(
        N_(
            "An Intervention carries a head mask per kind of attention: one number per (layer, head), 1 keeps "
            "the head and 0 switches it off. Here the head is a cross-attention head."
        ),
        N_(
            "Make a (n_layers, n_heads) tensor of ones, put a 0 at the row of the layer and the column of the "
            "head, and give it to an Intervention as its head_mask, under the kind 'cross'."
        ),
        N_(
            "mask = torch.ones(____, ____)\nmask[____, ____] = 0.0\nintervention = Intervention(head_mask={____: mask})"
        ),
    ),
    mistakes=[
        Mistake(
            "wrong_attention_kind",
            "the mask is given for the wrong kind of attention: the decoder's cross-attention heads are "
            "head_mask['cross'].",
            _off(kind="dec_self"),
            _off(kind="enc_self"),
            _off(kind="decoder_cross"),
            lambda *a: Intervention(),
        ),
        Mistake(
            "mask_not_in_a_dict",
            "head_mask maps a kind of attention to its mask: head_mask={'cross': mask}, not the mask itself.",
            lambda nl, nh, layer, head: Intervention(head_mask=_off(wrap=False)(nl, nh, layer, head)),
        ),
        Mistake(
            "mask_inverted",
            "the mask is inverted: 1 keeps a head and 0 switches it off, so start from ones and put one 0.",
            _off(fill=0.0),
        ),
        Mistake(
            "layer_and_head_swapped",
            "the layer and the head are swapped: the mask is (layers, heads), so set mask[layer, head].",
            _off(at=lambda m, layer, head: (head, layer)),
        ),
        Mistake(
            "mask_transposed",
            "the mask is (heads, layers); it is (n_layers, n_heads), one row per layer.",
            _off(shape=lambda nl, nh: (nh, nl), at=lambda m, layer, head: (head, layer)),
        ),
        Mistake(
            "counted_from_one",
            "the layers and heads are counted from 1; Python counts from 0: layer 0 is the first, so set "
            "mask[layer, head].",
            _off(at=lambda m, layer, head: (layer - 1, head - 1)),
            _off(at=lambda m, layer, head: (layer - 1, head)),
            _off(at=lambda m, layer, head: (layer, head - 1)),
        ),
        Mistake(
            "flat_mask",
            "the mask is flat, one number per head of the whole model; it is (n_layers, n_heads), one row per layer.",
            lambda nl, nh, layer, head: Intervention(head_mask={"cross": _flat(nl, nh, layer * nh + head)}),
            lambda nl, nh, layer, head: Intervention(head_mask={"cross": _flat(nl, nh, head * nl + layer)}),
        ),
        Mistake(
            "other_kinds_switched_off",
            "the head is switched off in other kinds of attention too; only the cross-attention's, "
            "head_mask={'cross': mask}.",
            lambda nl, nh, layer, head: _with_kinds(_off()(nl, nh, layer, head), "dec_self", "enc_self"),
            lambda nl, nh, layer, head: _with_kinds(_off()(nl, nh, layer, head), "dec_self"),
        ),
        Mistake("nothing_switched_off", "no head is switched off: put a 0 at [layer, head].", _off(at=lambda *a: None)),
        Mistake(
            "whole_layer_off",
            "every head of the layer is switched off; only one head, mask[layer, head].",
            _off(at=lambda m, layer, head: layer),
        ),
        Mistake(
            "head_off_in_every_layer",
            "that head is switched off in every layer; only in one layer, mask[layer, head].",
            _off(at=lambda m, layer, head: (slice(None), head)),
        ),
        Mistake(
            "not_an_intervention",
            "the function returns the mask itself; wrap it: Intervention(head_mask={'cross': mask}).",
            _off(wrap=False),
        ),
    ],
    probes=lambda: [(3, 3, 1, 2), (2, 4, 1, 2), (2, 3, 0, 1)],
    call=lambda fn, args: _mask_of(fn(*args), keys=False),
    reference=_off(),
)


def _ablation_case(n_layers, n_heads, layer, head, fn):
    def run():
        expected = torch.ones(n_layers, n_heads)
        expected[layer, head] = 0.0
        got = _mask_of(fn(n_layers, n_heads, layer, head))
        return got, (expected if isinstance(got, torch.Tensor) else _("an Intervention with head_mask['cross']"))

    return run


def check_head_ablation(fn, hidden: bool = False):
    """Notebook 08, Your turn 2: ``fn(n_layers, n_heads, layer, head)`` -> an ``Intervention`` whose
    ``head_mask["cross"]`` is a (n_layers, n_heads) tensor of ones with a 0 at (layer, head)."""
    cases = [
        Case("2 layers x 4 heads, switch off layer 1 head 2", _ablation_case(2, 4, 1, 2, fn)),
        Case("1 layer x 1 head (the RNN's attention)", _ablation_case(1, 1, 0, 0, fn)),
        Case("3 layers x 3 heads, layer 2 head 0", _ablation_case(3, 3, 2, 0, fn)),
    ]
    hidden_cases = [
        Case("3 layers x 2 heads, layer 0 head 0", _ablation_case(3, 2, 0, 0, fn)),
        Case("2 layers x 3 heads, the last head of the last layer", _ablation_case(2, 3, 1, 2, fn)),
    ]
    return HEAD_ABLATION.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (PREVIOUS_TOKEN_SHARE, HEAD_ABLATION)}
hint = Hints("nb08", EXERCISES)
solution = Solutions("nb08", "08", EXERCISES)
