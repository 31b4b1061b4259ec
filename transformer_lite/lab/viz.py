"""Pictures of attention: heatmaps with the right tokens on the right axes.

Convention for every attention plot in the course: **rows are queries** (the words doing
the looking: target words for cross-attention), **columns are keys** (the words looked
at: source words). A weight matrix of shape (Lq, Lk) is drawn as is, rows top to bottom.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
import torch

from ..data import alignment_matrix
from ..grammar import Pair

MAX_LABELLED_TOKENS = 60  # beyond this, tick labels are thinned so long inputs stay readable


def check_labels(weights: torch.Tensor, row_tokens, col_tokens) -> None:
    """Raise a ValueError unless ``weights`` is (Lq, Lk) with Lq row and Lk column tokens."""
    if weights.dim() != 2:
        raise ValueError(f"attention to plot must be 2-D (Lq, Lk); got shape {tuple(weights.shape)}")
    if row_tokens is not None and len(row_tokens) != weights.shape[0]:
        raise ValueError(f"{len(row_tokens)} row tokens for {weights.shape[0]} rows (queries) of the attention")
    if col_tokens is not None and len(col_tokens) != weights.shape[1]:
        raise ValueError(f"{len(col_tokens)} column tokens for {weights.shape[1]} columns (keys) of the attention")


def _ticks(tokens, n):
    if tokens is None:
        return "auto"
    if n <= MAX_LABELLED_TOKENS:
        return list(tokens)
    step = -(-n // MAX_LABELLED_TOKENS)
    return [t if i % step == 0 else "" for i, t in enumerate(tokens)]


def plot_attention(
    weights,
    row_tokens=None,
    col_tokens=None,
    ax=None,
    title: str | None = None,
    gold: torch.Tensor | None = None,
    cmap: str = "viridis",
    vmax: float | None = 1.0,
    cbar: bool = True,
):
    """Heatmap of one attention matrix (Lq, Lk): rows = queries, columns = keys.

    ``gold`` (Lq, Lk) 0/1 draws the gold alignment as red boxes on top. Returns the axes.
    Taught in notebook 02; used throughout the course.
    """
    weights = torch.as_tensor(weights).detach().float().cpu()
    check_labels(weights, row_tokens, col_tokens)
    if ax is None:
        size = (max(3.0, 0.32 * weights.shape[1] + 1.5), max(2.5, 0.3 * weights.shape[0] + 1.0))
        _, ax = plt.subplots(figsize=(min(size[0], 16), min(size[1], 14)))
    sns.heatmap(
        weights.numpy(),
        ax=ax,
        cmap=cmap,
        vmin=0.0,
        vmax=vmax,
        square=False,
        cbar=cbar,
        xticklabels=_ticks(col_tokens, weights.shape[1]),
        yticklabels=_ticks(row_tokens, weights.shape[0]),
    )
    ax.tick_params(axis="x", labelrotation=90, labelsize=8)
    ax.tick_params(axis="y", labelrotation=0, labelsize=8)
    if gold is not None:
        gold = torch.as_tensor(gold)
        for q, k in gold.nonzero().tolist():
            ax.add_patch(plt.Rectangle((k, q), 1, 1, fill=False, edgecolor="red", lw=1.5))
    if title:
        ax.set_title(title)
    return ax


def plot_alignment(pair: Pair, ax=None, title: str | None = None):
    """The gold word alignment of a pair as a (target, source) matrix: the attention a
    good model should learn. Taught in notebook 00; used again in 02."""
    return plot_attention(alignment_matrix(pair), pair.tgt, pair.src, ax=ax, title=title, cmap="Blues", cbar=False)


def plot_loss(history, ax=None, title: str = "training loss"):
    """Per-step training loss (and per-epoch validation loss if recorded). Taught in notebook 01; used again in 02."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    ax.plot(history.steps, lw=0.8, label="train (per step)")
    valid = [(e["steps"], e["valid_loss"]) for e in history.epochs if "valid_loss" in e]
    if valid:
        ax.plot(*zip(*valid), "o-", label="valid (per epoch)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    return ax


def show_source(obj):
    """Display the package's source of a function or class in the notebook, highlighted:
    the notebooks show the one implementation instead of copying it.
    Taught in notebook 00; used throughout the course."""
    import inspect

    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


def plot_head_ranking(rows, ax=None, value: str = "aer", title: str | None = None, baselines: dict | None = None):
    """Horizontal bars, one per head, from a ranking table (a list of dicts with "layer",
    "head" and ``value``), best first at the top. ``baselines`` {label: value} draws dashed lines.
    Taught in notebook 08."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 0.28 * len(rows) + 1.2))
    labels = [f"layer {r['layer']} head {r['head']}" for r in rows]
    ax.barh(range(len(rows)), [r[value] for r in rows], color="tab:blue")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(value)
    for i, (label, v) in enumerate((baselines or {}).items()):
        ax.axvline(v, ls="--", color=f"C{i + 1}", label=label)
    if baselines:
        ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


class LiveLossPlot:
    """A training callback (``fit(..., callbacks=[LiveLossPlot()])``) that redraws the loss
    curve every ``every`` steps while training runs, in place, in a notebook.

    It also keeps what it drew: ``steps`` (training loss per step) and ``valid`` ((step,
    valid loss) per epoch). Outside a notebook it only records. Taught in notebook 07."""

    def __init__(self, every: int = 25, title: str = "training loss", figsize=(6, 3)):
        self.every, self.title, self.figsize = every, title, figsize
        self.steps: list[float] = []
        self.valid: list[tuple[int, float]] = []
        self._handle = None
        self._fig = None

    def __call__(self, event: str, info: dict) -> bool:
        if event == "batch":
            self.steps.append(info["loss"])
            if len(self.steps) % self.every == 0:
                self.draw()
        elif event == "epoch" and "valid_loss" in info:
            self.valid.append((info["steps"], info["valid_loss"]))
            self.draw()
        return False

    def draw(self):
        """Redraw the figure (and show it once, updating it in place afterwards)."""
        if self._fig is None:
            self._fig, self._ax = plt.subplots(figsize=self.figsize)
            plt.close(self._fig)  # we display it ourselves, not at the end of the cell
        ax = self._ax
        ax.clear()
        ax.plot(range(1, len(self.steps) + 1), self.steps, lw=0.8, label="train (per step)")
        if self.valid:
            ax.plot(*zip(*self.valid), "o-", label="valid (per epoch)")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_yscale("log")
        ax.set_title(self.title)
        ax.legend(loc="upper right")
        try:
            from IPython import get_ipython
            from IPython.display import display

            if get_ipython() is None:
                return self._fig
            if self._handle is None:
                self._handle = display(self._fig, display_id=True)
            else:
                self._handle.update(self._fig)
        except ImportError:
            pass
        return self._fig
