"""The paper's Table 1, measured: cost per layer, sequential operations and maximum path
length for recurrent, convolutional and self-attention layers.

Table 1 of Vaswani et al. (2017), for a sequence of n vectors of width d (kernel width k):

=============== ================= ===================== ===================
layer           complexity/layer  sequential operations maximum path length
=============== ================= ===================== ===================
self-attention  O(n^2 d)          O(1)                  O(1)
recurrent       O(n d^2)          O(n)                  O(n)
convolutional   O(k n d^2)        O(1)                  O(log_k n) dilated, O(n/k) contiguous
=============== ================= ===================== ===================

Each layer here is the bare mixing operation the table counts (no projections, no
feed-forward): self-attention ``softmax(x x^T / sqrt(d)) x``; a recurrent layer
``h_t = tanh(x_t W + h_{t-1} U)``; a "same" 1-D convolution of width k. We measure:

* cost: floating-point operations (``torch.utils.flop_counter``) and wall-clock time;
* sequential operations: how many operator calls the layer makes (each must wait for the
  previous one on a single stream), counted with a dispatch mode;
* path length: how many layers (for the recurrent layer: recurrent steps) a signal from
  input j must pass through before output i depends on it, read from gradients.
"""

from __future__ import annotations

import math
import statistics

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from ..config import single_thread
from ..i18n import tr
from .timing import median_seconds

LAYER_KINDS = ("self_attention", "recurrent", "convolutional")


# ---- the three layers --------------------------------------------------------------------------
def make_layer(kind: str, d: int, kernel: int = 3, seed: int = 0):
    """A function (batch, n, d) -> (batch, n, d) for one layer of ``kind`` with random weights.
    Taught in notebook 09."""
    g = torch.Generator().manual_seed(seed)
    if kind == "self_attention":

        def self_attention(x: torch.Tensor) -> torch.Tensor:
            scores = x @ x.transpose(1, 2) / math.sqrt(x.shape[-1])  # (batch, n, n): n^2 d multiply-adds
            return torch.softmax(scores, dim=-1) @ x  # another n^2 d

        return self_attention
    if kind == "recurrent":
        w = torch.randn(d, d, generator=g) / math.sqrt(d)
        u = torch.randn(d, d, generator=g) / math.sqrt(d)

        def recurrent(x: torch.Tensor) -> torch.Tensor:
            xw = x @ w.to(x)  # all inputs at once: n d^2
            h = x.new_zeros(x.shape[0], d)
            outs = []
            for t in range(x.shape[1]):  # n steps, each waiting for the last: n d^2
                h = torch.tanh(xw[:, t] + h @ u.to(x))
                outs.append(h)
            return torch.stack(outs, dim=1)

        return recurrent
    if kind == "linear":  # not in Table 1: notebook 01's baseline, one product for every position (n d^2)
        w = torch.randn(d, d, generator=g) / math.sqrt(d)
        return lambda x: x @ w.to(x)
    if kind == "convolutional":
        if kernel < 2:
            raise ValueError(f"kernel width must be at least 2; got {kernel}")
        weight = torch.randn(d, d, kernel, generator=g) / math.sqrt(d * kernel)

        def convolutional(x: torch.Tensor) -> torch.Tensor:
            y = F.conv1d(x.transpose(1, 2), weight.to(x), padding="same")  # k n d^2
            return torch.tanh(y).transpose(1, 2)

        return convolutional
    raise ValueError(f"unknown layer kind {kind!r}: choose one of {', '.join(LAYER_KINDS + ('linear',))}")


# ---- cost ------------------------------------------------------------------------------------------
def paper_cost(kind: str, n: int, d: int, kernel: int = 3) -> int:
    """Multiply-adds of one layer by the Table 1 formulas, with this module's constants:
    self-attention 2 n^2 d (scores and weighted sum), recurrent 2 n d^2 (input and
    recurrent matrices), convolutional k n d^2. Taught in notebook 09."""
    return {"self_attention": 2 * n * n * d, "recurrent": 2 * n * d * d, "convolutional": kernel * n * d * d}[kind]


def count_flops(kind: str, n: int, d: int, kernel: int = 3, batch: int = 1) -> int:
    """Measured floating-point operations of one forward pass (PyTorch's flop counter:
    matrix products and convolutions, 2 flops per multiply-add), per sequence. Taught in notebook 09."""
    layer = make_layer(kind, d, kernel)
    x = torch.randn(batch, n, d)
    with FlopCounterMode(display=False) as counter:
        layer(x)
    return counter.get_total_flops() // batch


def time_layer(kind: str, n: int, d: int, kernel: int = 3, batch: int = 1, repeats: int = 7) -> float:
    """Median wall-clock seconds of one forward pass over ``repeats`` (no gradients), on one CPU
    thread: a conclusion drawn from it must not depend on what else the machine is doing.
    Taught in notebook 09."""
    return time_layers((kind,), (n,), d, kernel=kernel, batch=batch, repeats=repeats)[kind][0]


def time_layers(kinds, ns, d: int, kernel: int = 3, batch: int = 4, repeats: int = 7) -> dict[str, list[float]]:
    """Median seconds of one forward pass of each layer kind at each n, on one CPU thread, no gradients:
    {kind: [seconds per n]}. The runs are interleaved, one round visiting every (kind, n) once, so a burst
    of load elsewhere on the machine slows every measurement a little instead of one of them a lot.
    Notebooks 01 and 09 both time their layers here, with the same settings (through
    :func:`~transformer_lite.measure.rnn_limits.forward_time` and :func:`time_crossover`)."""
    torch.manual_seed(0)
    cells = [(kind, n, make_layer(kind, d, kernel), torch.randn(batch, n, d)) for kind in kinds for n in ns]
    runs = {(kind, n): [] for kind, n, _, _ in cells}
    with torch.no_grad(), single_thread():
        for _ in range(repeats):
            for kind, n, layer, x in cells:
                runs[kind, n].append(median_seconds(lambda layer=layer, x=x: layer(x), repeats=1))
    return {kind: [statistics.median(runs[kind, n]) for n in ns] for kind in kinds}


def crossover(ns, cost_a, cost_b) -> float | None:
    """Where ``cost_a`` overtakes ``cost_b`` for good: the LAST sign change, after which a costs
    more than b at every measured n (geometric interpolation between the two n around it).
    ``ns[0]`` if a costs more everywhere; None if a is not the dearer at the last n. The last
    change, not the first, so a noisy blip at a short length cannot move it. Taught in notebook 09."""
    pairs = list(zip(ns, cost_a, cost_b))
    if not pairs or pairs[-1][1] <= pairs[-1][2]:
        return None
    i = len(pairs) - 1
    while i > 0 and pairs[i - 1][1] > pairs[i - 1][2]:
        i -= 1
    if i == 0:
        return float(pairs[0][0])
    (n0, a0, b0), (n1, a1, b1) = pairs[i - 1], pairs[i]
    r0, r1 = math.log(a0 / b0), math.log(a1 / b1)  # r0 <= 0 < r1
    f = r0 / (r0 - r1)  # where log(a/b) crosses 0
    return float(math.exp(math.log(n0) + f * (math.log(n1) - math.log(n0))))


def time_crossover(d: int = 128, ns=(16, 32, 64, 128, 256, 512, 1024, 2048), batch: int = 4, repeats: int = 7) -> dict:
    """Notebook 09's timing: seconds per forward pass of each layer kind at each n (one thread,
    medians), where self-attention becomes the slower layer, and the conclusion that supports.

    Returns {"ns", "seconds": {kind: [...]}, "crossover": {other kind: n or None}, "conclusion": str}.
    ``benchmarks/complexity_crossover.py`` runs it 10 times under load.
    Taught in notebook 09.
    """
    ns = list(ns)
    seconds = time_layers(LAYER_KINDS, ns, d, batch=batch, repeats=repeats)
    cross = {
        other: crossover(ns, seconds["self_attention"], seconds[other]) for other in ("recurrent", "convolutional")
    }
    return {
        "ns": ns,
        "seconds": seconds,
        "crossover": cross,
        "conclusion": crossover_conclusion(cross["recurrent"], d, ns[-1]),
    }


def crossover_conclusion(n_cross: float | None, d: int, n_max: int) -> str:
    """The sentence notebook 09 prints: on which side of n = d self-attention becomes slower than
    recurrence in seconds. It names the side, not the measured n, which moves from run to run.
    In the course's language (one whole sentence per case)."""
    if n_cross is None:
        return tr("in seconds, self-attention stays faster than the recurrent layer up to n = {n_max}", n_max=n_max)
    if n_cross > d:
        return tr("in seconds, self-attention becomes slower than the recurrent layer to the right of n = d = {d}", d=d)
    return tr(
        "in seconds, self-attention becomes slower than the recurrent layer at or to the left of n = d = {d}", d=d
    )


# ---- sequential operations ----------------------------------------------------------------------------
class _OpCounter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.count = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.count += 1
        return func(*args, **(kwargs or {}))


def sequential_operations(kind: str, n: int, d: int = 16, kernel: int = 3) -> int:
    """How many operator calls one forward pass makes. Each call is one parallel operation
    over all positions it touches; the calls run one after another. A recurrent layer needs
    a few per time step (O(n)); the others a fixed handful (O(1)). Taught in notebook 09."""
    layer = make_layer(kind, d, kernel)
    x = torch.randn(1, n, d)
    with torch.no_grad(), _OpCounter() as counter:
        layer(x)
    return counter.count


# ---- path length -------------------------------------------------------------------------------------
def dependence(fn, n: int, d: int = 4, seed: int = 0) -> torch.Tensor:
    """(n, n) bool: entry [i, j] is True when output position i depends on input position j
    (a non-zero gradient d out_i / d in_j), for a function (1, n, d) -> (1, n, d)."""
    x = torch.randn(1, n, d, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    jac = torch.autograd.functional.jacobian(fn, x)  # (1, n, d, 1, n, d)
    return jac[0, :, :, 0].abs().sum(dim=(1, 3)) > 0


def path_lengths(kind: str, n: int, kernel: int = 3):
    """(n, n) tensor: the number of layers (recurrent layer: recurrent steps) a signal from
    input j crosses before output i depends on it, measured from gradients; -1 where it
    never does (a left-to-right recurrent layer never lets output i see a later input j > i).

    Self-attention and convolutions are stacked 1, 2, 3... layers deep; a recurrent layer
    is run from a zero state over windows of 1, 2, 3... positions ending at i, so the
    gradient can cross 0, 1, 2... recurrent transitions. Taught in notebook 09."""
    d = 4
    lengths = torch.full((n, n), -1, dtype=torch.long)
    if kind == "recurrent":
        layer = make_layer("recurrent", d)
        for steps in range(1, n + 1):
            # A window of `steps` transitions: output i sees input j when i - j < steps.
            dep = _windowed_dependence(layer, n, d, steps)
            # First seen with a window of `steps` positions: x_j passed through steps - 1 transitions.
            lengths[(lengths < 0) & dep] = steps - 1
        return lengths
    for depth in range(1, n + 1):
        layers = [make_layer(kind, d, kernel, seed=i) for i in range(depth)]

        def stack(x, layers=layers):
            for f in layers:
                x = f(x)
            return x

        dep = dependence(stack, n, d)
        lengths[(lengths < 0) & dep] = depth
        if (lengths >= 0).all():
            break
    return lengths


def _windowed_dependence(layer, n: int, d: int, steps: int) -> torch.Tensor:
    """Dependence of a recurrent layer when the gradient may cross at most ``steps - 1``
    transitions: for every output i, the state is recomputed from zero ``steps`` positions back."""
    x = torch.randn(1, n, d, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    out = torch.zeros(n, n, dtype=torch.bool)
    for i in range(n):
        lo = max(0, i - steps + 1)

        def tail(window, lo=lo, i=i):
            return layer(window)[:, i - lo]

        jac = torch.autograd.functional.jacobian(tail, x[:, lo : i + 1])  # (1, d, 1, i-lo+1, d)
        out[i, lo : i + 1] = jac[0, :, 0].abs().sum(dim=(0, 2)) > 0
    return out


def max_path_length(kind: str, n: int, kernel: int = 3) -> int:
    """The largest path length over all (input, output) pairs that are connected. Taught in notebook 09."""
    lengths = path_lengths(kind, n, kernel)
    return int(lengths.max())


def paper_path_length(kind: str, n: int, kernel: int = 3) -> int:
    """Table 1's maximum path length with the constants of our layers: self-attention 1;
    recurrent n - 1 steps; contiguous "same" convolutions ceil((n - 1) / ((k - 1) / 2)) layers
    (dilated convolutions, not built here, would need about log_k n). Taught in notebook 09."""
    if kind == "self_attention":
        return 1
    if kind == "recurrent":
        return n - 1
    if kind == "convolutional":
        return math.ceil((n - 1) / ((kernel - 1) / 2))
    raise ValueError(f"unknown layer kind {kind!r}: choose one of {', '.join(LAYER_KINDS)}")
