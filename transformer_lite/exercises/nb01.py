"""Checks for notebook 01's exercises (What limits RNNs), in notebook order."""

from __future__ import annotations

import math

import torch

from ..i18n import N_
from ..measure.rnn_limits import gradient_norm_ratio
from .diagnosis import Mistake
from .help import Hints, Solutions
from .runner import Case, Exercise


def _step(squash=torch.tanh, w=lambda m: m.T, parts=("x", "bi", "h", "bh"), swap=False):
    """An RNN step a student might write: the right one with the defaults, a known mistake otherwise."""

    def step(x, h, W_ih, b_ih, W_hh, b_hh):
        if swap:
            W_ih, W_hh = W_hh, W_ih
        terms = {"x": x @ w(W_ih), "bi": b_ih, "h": h @ w(W_hh), "bh": b_hh}
        return squash(sum(terms[p] for p in parts))

    return step


RNN_STEP = Exercise(
    "01",
    "rnn_step",
    N_("01 Your turn 1 (one RNN step)"),
    hints=(
        N_(
            "The new state mixes the input and the old state, each through its own weight matrix and bias, "
            "and then squashes the sum into (-1, 1)."
        ),
        N_(
            "Multiply the input by the input-to-hidden weights and the old state by the hidden-to-hidden "
            "weights. The weights are stored (out, in) as in nn.Linear, so each product uses the transposed "
            "matrix. Add both biases to the two products, then apply the hyperbolic tangent."
        ),
        N_("from_input = x @ ____ + b_ih\nfrom_state = h @ ____ + ____\nh_new = torch.____(from_input + from_state)"),
    ),
    mistakes=[
        Mistake("biases_missing", "the biases are missing: both b_ih and b_hh are added.", _step(parts=("x", "h"))),
        Mistake(
            "b_hh_missing",
            "the hidden-to-hidden bias b_hh is missing: nn.RNNCell adds both b_ih and b_hh.",
            _step(parts=("x", "bi", "h")),
        ),
        Mistake(
            "b_ih_missing",
            "the input-to-hidden bias b_ih is missing: nn.RNNCell adds both b_ih and b_hh.",
            _step(parts=("x", "h", "bh")),
        ),
        Mistake("tanh_missing", "no tanh: the step squashes the sum with torch.tanh.", _step(squash=lambda s: s)),
        Mistake(
            "sigmoid_not_tanh",
            "the sum is squashed with a sigmoid; the Elman RNN (nn.RNNCell) uses tanh.",
            _step(squash=torch.sigmoid),
        ),
        Mistake(
            "relu_not_tanh", "the sum goes through a ReLU; nn.RNNCell's default is tanh.", _step(squash=torch.relu)
        ),
        Mistake(
            "clipped_not_tanh",
            "the sum is clipped or squashed by another function; nn.RNNCell squashes it with torch.tanh.",
            _step(squash=lambda s: s.clamp(-1, 1)),
            _step(squash=torch.nn.functional.hardtanh),
            _step(squash=torch.nn.functional.softsign),
        ),
        Mistake(
            "weights_not_transposed",
            "neither weight is transposed: nn.RNNCell stores them (out, in), so multiply by W_ih.T and W_hh.T.",
            _step(w=lambda m: m),
        ),
        Mistake(
            "w_ih_not_transposed",
            "W_ih is not transposed: nn.RNNCell stores it (hidden, input), so multiply the input by W_ih.T.",
            lambda x, h, a, b, c, d: torch.tanh(x @ a + b + h @ c.T + d),
        ),
        Mistake(
            "w_hh_not_transposed",
            "W_hh is not transposed: it is square, so h @ W_hh runs, but nn.RNNCell stores it (out, in): use W_hh.T.",
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + b + h @ c + d),
        ),
        Mistake(
            "column_vector_formula",
            "you wrote the column-vector formula W x, which gives (hidden, batch); here each row is one sentence, "
            "so the step is x @ W_ih.T + h @ W_hh.T, (batch, hidden).",
            lambda x, h, a, b, c, d: torch.tanh(a @ x.T + c @ h.T + (b + d)[:, None]),
            lambda x, h, a, b, c, d: torch.tanh(a @ x.T + b[:, None] + c @ h.T + d[:, None]),
        ),
        Mistake(
            "same_weight_twice",
            "one weight matrix serves both terms (a copy-paste slip?): W_ih multiplies the input x, W_hh the old "
            "state h.",
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + b + h @ a.T + d),
            lambda x, h, a, b, c, d: torch.tanh(x @ c.T + b + h @ c.T + d),
        ),
        Mistake(
            "same_bias_twice",
            "one bias is added twice (a copy-paste slip?): the step adds b_ih once and b_hh once.",
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + b + h @ c.T + b),
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + d + h @ c.T + d),
        ),
        Mistake(
            "weights_swapped",
            "the two weight matrices are swapped: W_ih multiplies the input x, W_hh the old state h.",
            _step(swap=True),
        ),
        Mistake(
            "state_ignored",
            "the old state h is left out: the new state depends on h @ W_hh.T + b_hh too.",
            _step(parts=("x", "bi")),
            _step(parts=("x", "bi", "bh")),
        ),
        Mistake(
            "input_ignored",
            "the input x is left out: the new state depends on x @ W_ih.T + b_ih too.",
            _step(parts=("h", "bh")),
            _step(parts=("bi", "h", "bh")),
        ),
        Mistake(
            "biases_outside_tanh",
            "the biases are added after the tanh; they belong inside it, tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).",
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + h @ c.T) + b + d,
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + h @ c.T + b) + d,
        ),
        Mistake(
            "tanh_per_term",
            "tanh is applied to part of the sum; it squashes the whole sum of the four terms.",
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + b) + torch.tanh(h @ c.T + d),
            lambda x, h, a, b, c, d: torch.tanh(x @ a.T + b) + h @ c.T + d,
            lambda x, h, a, b, c, d: x @ a.T + b + torch.tanh(h @ c.T + d),
        ),
        Mistake("old_state_returned", "the function returns the old state h unchanged.", lambda x, h, a, b, c, d: h),
    ],
    probes=lambda: _rnn_probes(),
    reference=_step(),
)


def _rnn_probes():
    """Width 3 for input and state (swapped weights then run), batch 2; then input 2, state 3, batch 4."""
    g = torch.Generator().manual_seed(3)
    square = [torch.randn(2, 3, generator=g), torch.randn(2, 3, generator=g)]
    square += [torch.randn(3, 3, generator=g), torch.randn(3, generator=g)]
    square += [torch.randn(3, 3, generator=g), torch.randn(3, generator=g)]
    wide = [torch.randn(4, 2, generator=g), torch.randn(4, 3, generator=g)]
    wide += [torch.randn(3, 2, generator=g), torch.randn(3, generator=g)]
    wide += [torch.randn(3, 3, generator=g), torch.randn(3, generator=g)]
    return [tuple(square), tuple(wide)]


def _rnn_case(seed, batch, e, h, fn):
    def run():
        torch.manual_seed(seed)
        cell = torch.nn.RNNCell(e, h)
        x, h0 = torch.randn(batch, e), torch.randn(batch, h)
        with torch.no_grad():
            return fn(x, h0, cell.weight_ih, cell.bias_ih, cell.weight_hh, cell.bias_hh), cell(x, h0)

    return run


def check_rnn_step(fn, hidden: bool = False):
    """Notebook 01, Your turn 1: ``fn(x, h, W_ih, b_ih, W_hh, b_hh) -> h_new``, one Elman RNN step,
    compared with ``nn.RNNCell``."""
    cases = [
        Case("batch 2, 3 inputs, 4 hidden units", _rnn_case(0, 2, 3, 4, fn)),
        Case("batch 5, 8 inputs, 6 hidden units", _rnn_case(1, 5, 8, 6, fn)),
    ]
    hidden_cases = [Case("one sentence, 1 input, 7 hidden units", _rnn_case(2, 1, 1, 7, fn))]
    return RNN_STEP.check(fn, cases, hidden_cases, hidden)


GRADIENT_RATIO = Exercise(
    "01",
    "gradient_ratio",
    N_("01 Your turn 2 (gradient ratio)"),
    hints=(
        N_(
            "The ratio compares the gradient's norm `distance` steps back with its norm at the last state "
            "(distance 0), and the answer is a plain Python number, not a tensor."
        ),
        N_(
            "norms is indexed by the distance from the last state, so the last state's norm is the first "
            "entry. Divide the entry at position `distance` by that first entry, and turn the 0-d tensor into "
            "a Python float."
        ),
        N_("far = norms[____]\nnear = norms[____]   # the last state: distance 0\nratio = ____(far / near)"),
    ),
    mistakes=[
        Mistake(
            "ratio_upside_down",
            "the ratio is upside down: divide the norm `distance` steps back by norms[0].",
            lambda n, d: float(n[0] / n[d]),
        ),
        Mistake(
            "last_state_at_end",
            "norms is indexed by the distance T - t: norms[0] is the last state, not norms[-1].",
            lambda n, d: float(n[d] / n[-1]),
            lambda n, d: float(n[-1 - d] / n[-1]),
            lambda n, d: float(n[-1] / n[-1 - d]),
            lambda n, d: float(n[-d] / n[-1]),
        ),
        Mistake(
            "counted_from_the_end",
            "norms is indexed by the distance T - t, so the norm `distance` steps back is norms[distance]; you "
            "counted from the end of the list.",
            lambda n, d: float(n[-d] / n[0]),
            lambda n, d: float(n[-1 - d] / n[0]),
            lambda n, d: float(n[len(n) - d - 1] / n[0]),
        ),
        Mistake(
            "distance_ignored",
            "the ratio always reads the last entry of norms, the farthest step; read the entry `distance` steps "
            "back, norms[distance].",
            lambda n, d: float(n[-1] / n[0]),
        ),
        Mistake(
            "per_step_ratio",
            "you divided by the neighbouring step's norm (a one-step ratio); divide by the last state's norm, "
            "norms[0].",
            lambda n, d: float(n[d] / n[d - 1]),
            lambda n, d: float(n[d] / n[max(d - 1, 0)]),
            lambda n, d: float(n[d + 1] / n[d]),
        ),
        Mistake(
            "per_step_rate",
            "you gave the average shrink per step (the distance-th root of the ratio); give the whole ratio, "
            "norms[distance] / norms[0].",
            lambda n, d: float((n[d] / n[0]) ** (1 / d)) if d else 1.0,
        ),
        Mistake(
            "relative_change",
            "you gave the relative change (ratio - 1, or 1 - ratio); give the plain ratio.",
            lambda n, d: float(n[d] / n[0] - 1),
            lambda n, d: float(1 - n[d] / n[0]),
            lambda n, d: float((n[0] - n[d]) / n[0]),
        ),
        Mistake(
            "rounded_to_int",
            "the ratio is rounded to a whole number (int() or round()); return it as a float.",
            lambda n, d: int(n[d] / n[0]),
            lambda n, d: round(float(n[d] / n[0])),
        ),
        Mistake(
            "index_off_by_one",
            "the index is off by one: the norm `distance` steps back is norms[distance].",
            lambda n, d: float(n[d - 1] / n[0]),
            lambda n, d: float(n[d + 1] / n[0]),
            lambda n, d: float(n[d] / n[1]),
        ),
        Mistake(
            "wrong_denominator",
            "the norm is divided by the largest, the total or the mean norm; divide by the last state's, norms[0].",
            lambda n, d: float(n[d] / n.max()),
            lambda n, d: float(n[d] / n.sum()),
            lambda n, d: float(n[d] / n.mean()),
        ),
        Mistake(
            "difference_not_ratio",
            "you subtracted the two norms; the question asks how many times smaller it is: a ratio.",
            lambda n, d: float(n[d] - n[0]),
            lambda n, d: float(n[0] - n[d]),
        ),
        Mistake(
            "not_divided",
            "the norm `distance` steps back is returned as it is; divide it by the norm at the last state, norms[0].",
            lambda n, d: float(n[d]),
        ),
        Mistake(
            "percentage", "the ratio is given in percent; give the plain ratio.", lambda n, d: 100 * float(n[d] / n[0])
        ),
        Mistake(
            "log_ratio",
            "the ratio is given as a logarithm; give the plain ratio.",
            lambda n, d: math.log(float(n[d] / n[0])),
            lambda n, d: math.log10(float(n[d] / n[0])),
        ),
    ],
    probes=lambda: [
        (torch.tensor([2.0, 1.0, 0.25, 0.1, 0.07]), 2),
        (torch.tensor([3.0, 0.6, 0.3, 0.05]), 1),
        (torch.tensor([0.5, 4.0, 1.0, 2.0]), 3),
    ],
    reference=gradient_norm_ratio,
)


def _ratio_case(norms, distance, fn):
    norms = torch.tensor(norms, dtype=torch.float64)
    return lambda: (fn(norms, distance), gradient_norm_ratio(norms, distance))


def check_gradient_ratio(fn, hidden: bool = False):
    """Notebook 01, Your turn 2: ``fn(norms, distance) -> float``: how much the gradient shrank over
    ``distance`` steps (``norms`` is indexed by the distance T - t), as a Python float."""
    cases = [
        Case("norms 2, 1, 0.5 over distance 2", _ratio_case([2.0, 1.0, 0.5], 2, fn)),
        Case("distance 0 is 1", _ratio_case([3.0, 0.3, 0.03], 0, fn)),
        Case("vanishing: 1e-6 after 3 steps", _ratio_case([1.0, 1e-2, 1e-4, 1e-6], 3, fn), atol=1e-12),
        Case("a longer series", _ratio_case([2.0, 1.5, 0.9, 0.4, 0.3], 2, fn)),
        Case("a growing gradient: twice as large 1 step back", _ratio_case([0.5, 1.0, 0.7], 1, fn)),
    ]
    hidden_cases = [
        Case("an exploding gradient: 4x after 2 steps", _ratio_case([0.5, 1.0, 2.0, 0.1], 2, fn)),
        Case("the middle of a long series", _ratio_case([1.0, 0.9, 0.81, 0.729, 0.6561], 3, fn)),
    ]
    return GRADIENT_RATIO.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (RNN_STEP, GRADIENT_RATIO)}
hint = Hints("nb01", EXERCISES)
solution = Solutions("nb01", "01", EXERCISES)
