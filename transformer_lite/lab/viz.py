"""Pictures of attention: heatmaps with the right tokens on the right axes.

Convention for every attention plot in the course: **rows are queries** (the words doing
the looking: target words for cross-attention), **columns are keys** (the words looked
at: source words). A weight matrix of shape (Lq, Lk) is drawn as is, rows top to bottom.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
import torch
from matplotlib import patheffects

from ..data import alignment_matrix
from ..grammar import Pair
from ..i18n import N_, _, tr
from .access import MARK_DARK, MARK_LIGHT, hex_colour
from .hangul_font import hangul_ticks, use_hangul_font

MAX_LABELLED_TOKENS = 60  # beyond this, tick labels are thinned so long inputs stay readable
# The ipywidgets style of every control of lab (demos, browse, stepper, explorer_widget): a label in full,
# not cut to 8 characters ("phenome...", "output w...").
FULL_LABEL = {"description_width": "initial"}


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
    cmap: str = "viridis",
    vmax: float | None = 1.0,
    cbar: bool = True,
):
    """Heatmap of one attention matrix (Lq, Lk): rows = queries, columns = keys. Returns the axes,
    for marks on top (``mark_gold``, ``mark_lines``).
    Taught in notebook 02; used throughout the course.
    """
    weights = torch.as_tensor(weights).detach().float().cpu()
    check_labels(weights, row_tokens, col_tokens)
    if ax is None:
        size = (max(3.0, 0.32 * weights.shape[1] + 1.5), max(2.5, 0.3 * weights.shape[0] + 1.0))
        _fig, ax = plt.subplots(figsize=(min(size[0], 16), min(size[1], 14)))
    hangul_ticks(ax, row_tokens, col_tokens)  # ko words: a Korean font before seaborn draws them
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
    if title:
        use_hangul_font([ax.set_title(title)])
    return ax


# Marks over a heatmap: a white line over a wider black one, so that one of the two contrasts
# with any cell colour (tests/test_colour.py).
MARK_STYLE = {
    "edgecolor": hex_colour(MARK_LIGHT),
    "lw": 1.0,
    "path_effects": [patheffects.Stroke(linewidth=3.0, foreground=hex_colour(MARK_DARK)), patheffects.Normal()],
}


def mark_gold(ax, gold):
    """The gold alignment as boxes over a heatmap drawn by ``plot_attention``: ``gold`` (Lq, Lk), 1 where
    target word q translates source word k. White edged in black: visible on every cell colour.
    Taught in notebook 02; used again in 03, 08 and 10."""
    if not ax.collections:
        raise ValueError("ax holds no heatmap: draw it first, ax = plot_attention(weights, rows, cols)")
    gold, drawn = torch.as_tensor(gold), tuple(ax.collections[0].get_array().shape)
    if tuple(gold.shape) != drawn:
        raise ValueError(
            f"gold has shape {tuple(gold.shape)} but the heatmap is {drawn}: pass the gold alignment of the pair "
            "the heatmap shows, alignment_matrix(pair)"
        )
    for q, k in gold.nonzero().tolist():
        ax.add_patch(plt.Rectangle((k, q), 1, 1, fill=False, **MARK_STYLE))
    return ax


def mark_lines(ax, at: float, vertical: bool = True, horizontal: bool = True):
    """Lines across a heatmap at ``at`` (data coordinates), drawn like the gold boxes: white
    edged in black, visible on every cell colour. Taught in notebook 10."""
    style = {"color": MARK_STYLE["edgecolor"], "lw": MARK_STYLE["lw"], "path_effects": MARK_STYLE["path_effects"]}
    if horizontal:
        ax.axhline(at, **style)
    if vertical:
        ax.axvline(at, **style)
    return ax


def plot_alignment(pair: Pair, ax=None, title: str | None = None):
    """The gold word alignment of a pair as a (target, source) matrix: the attention a
    good model should learn. Taught in notebook 00; used again in 02."""
    return plot_attention(alignment_matrix(pair), pair.tgt, pair.src, ax=ax, title=title, cmap="Blues", cbar=False)


def plot_loss(history, ax=None, title: str | None = None):
    """Per-batch training loss with its running mean (and per-epoch validation loss if recorded).
    Batches are grouped by sentence length, so single batches jump; the mean is the trend.
    ``title``: the caller's (translated) title; "training loss" in the course's language by default.
    Taught in notebook 01; used again in 02."""
    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 3))
    losses = list(history.steps)
    ax.plot(losses, lw=0.6, alpha=0.45, label=_("train, per batch (batches grouped by length)"))
    window = max(1, len(losses) // 25)
    if window > 1:  # the trend: short-sentence batches are easy, long ones hard, so single batches jump
        kernel = torch.ones(window) / window
        trend = torch.nn.functional.conv1d(torch.tensor(losses)[None, None], kernel[None, None])[0, 0]
        ax.plot(
            range(window - 1, len(losses)),
            trend.tolist(),
            lw=1.8,
            label=tr("train, running mean of {window}", window=window),
        )
    valid = [(e["steps"], e["valid_loss"]) for e in history.epochs if "valid_loss" in e]
    if valid:
        ax.plot(*zip(*valid), "o-", label=_("valid (per epoch)"))
    ax.set_xlabel(_("step"))
    ax.set_ylabel(_("loss"))
    ax.set_yscale("log")
    ax.set_title(_("training loss") if title is None else title)
    ax.legend()
    return ax


def show_source(obj):
    """Display the package's source of a function or class in the notebook, highlighted:
    the notebooks show the one implementation instead of copying it.
    Taught in notebook 00; used throughout the course."""
    import inspect

    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


# The axis label of each value a head ranking is sorted by (measure.heads' tables).
RANKING_VALUES = {"aer": N_("aer"), "share": N_("share")}


def plot_head_ranking(rows, ax=None, value: str = "aer", title: str | None = None, baselines: dict | None = None):
    """Horizontal bars, one per head, from a ranking table (a list of dicts with "layer",
    "head" and ``value``), best first at the top. ``baselines`` {label: value} draws dashed lines.
    Taught in notebook 08."""
    if ax is None:
        _fig, ax = plt.subplots(figsize=(5, 0.28 * len(rows) + 1.2))
    labels = [tr("layer {layer} head {head}", layer=r["layer"], head=r["head"]) for r in rows]
    ax.barh(range(len(rows)), [r[value] for r in rows], color="tab:blue")
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(_(RANKING_VALUES.get(value, value)))
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
    valid loss) per epoch). Outside a notebook it only records. ``title``: the caller's (translated)
    title; "training loss" in the course's language by default. Taught in notebook 07."""

    def __init__(self, every: int = 25, title: str | None = None, figsize=(6, 3)):
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
        ax.plot(range(1, len(self.steps) + 1), self.steps, lw=0.8, label=_("train (per step)"))
        if self.valid:
            ax.plot(*zip(*self.valid), "o-", label=_("valid (per epoch)"))
        ax.set_xlabel(_("step"))
        ax.set_ylabel(_("loss"))
        ax.set_yscale("log")
        ax.set_title(_("training loss") if self.title is None else self.title)
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


# ---- masks: one colour convention for the whole course -----------------------------------------------
MAY_ATTEND_COLOR = "#1f77b4"  # blue: the query may attend to this key (mask value True in our convention)
BLOCKED_COLOR = "#e6e6e6"  # light grey: blocked (score set to -inf, weight exactly 0)


def mask_figsize(n_rows: int, n_cols: int) -> tuple[float, float]:
    """Inches for a mask picture: 0.4 in per cell for small masks, shrinking for long ones so
    that the figure stays within 9 x 8.5 in (900 x 850 px in a notebook, shown unscaled) while each
    cell keeps at least 0.15 in, room for an 8-point word."""
    cell = max(0.15, min(0.4, 6.8 / max(n_rows, n_cols, 1)))
    return (min(9.0, max(3.0, cell * n_cols + 2.2)), min(8.5, max(2.5, cell * n_rows + 1.7)))


def plot_mask(
    mask, row_tokens=None, col_tokens=None, ax=None, title: str | None = None, true_means: str = "may attend"
):
    """A boolean attention mask (Lq, Lk) in the course's one colour convention (notebooks 03 and 06):
    **blue = may attend, light grey = blocked**, whatever the library's flag says, with a legend.

    ``true_means``: what ``True`` means in ``mask``: "may attend" (ours, ``F.scaled_dot_product_attention``)
    or "blocked" (``nn.Transformer``, ``nn.MultiheadAttention``). The colours follow the meaning, and
    small masks write the flag (T/F) in each cell, so two conventions draw the same picture with
    opposite letters. Returns the axes.
    Taught in notebook 06; used again in 10.
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    if true_means not in ("may attend", "blocked"):
        raise ValueError(f"true_means must be 'may attend' or 'blocked'; got {true_means!r}")
    mask = torch.as_tensor(mask).detach().cpu()
    if mask.dtype != torch.bool or mask.dim() != 2:
        raise ValueError(
            f"plot_mask needs a 2-D boolean mask (Lq, Lk); got dtype {mask.dtype}, shape {tuple(mask.shape)}"
        )
    check_labels(mask, row_tokens, col_tokens)
    allowed = mask if true_means == "may attend" else ~mask
    if ax is None:
        _fig, ax = plt.subplots(figsize=mask_figsize(*mask.shape))
    ax.imshow(allowed.float().numpy(), cmap=ListedColormap([BLOCKED_COLOR, MAY_ATTEND_COLOR]), vmin=0, vmax=1)
    for axis, tokens, n in ((ax.xaxis, col_tokens, mask.shape[1]), (ax.yaxis, row_tokens, mask.shape[0])):
        labels = _ticks(tokens, n)
        axis.set_ticks(range(n), [str(i) for i in range(n)] if labels == "auto" else labels, fontsize=8)
    ax.tick_params(axis="x", labelrotation=90)
    if max(mask.shape) <= 12:
        for (q, k), flag in zip(
            torch.cartesian_prod(torch.arange(mask.shape[0]), torch.arange(mask.shape[1])).tolist(),
            mask.flatten().tolist(),
        ):
            ax.text(
                k,
                q,
                "T" if flag else "F",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if allowed[q, k] else "black",
            )
    ax.legend(
        handles=[Patch(color=MAY_ATTEND_COLOR, label=_("may attend")), Patch(color=BLOCKED_COLOR, label=_("blocked"))],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    ax.set(xlabel=_("key"), ylabel=_("query"))
    if title:
        ax.set_title(title, pad=20)  # room for the legend between the title and the mask
    return ax


def plot_grouped_bars(table, ax=None, ylabel: str = "", title: str | None = None, ylim=(0, 100)):
    """Grouped bars from a pandas DataFrame (rows = groups on the x axis, columns = series),
    with the legend outside the axes so it never covers a bar. Returns the axes. Taught in notebook 02."""
    if ax is None:
        _fig, ax = plt.subplots(figsize=(7, 3.5))
    table.plot.bar(ax=ax, rot=0)
    ax.set_ylabel(ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


_MARKERS = ("o", "s", "^", "D", "v", "P")


def plot_measured(
    xs, measured: dict, formulas: dict | None = None, ax=None, xlabel: str = "", ylabel: str = "", title=None
):
    """Measured series as dots (and, in ``formulas``, the matching formula as a thin line of the same
    colour), one marker shape and size per series, so a series that equals another stays visible;
    its legend entry says which it coincides with. Returns the axes. Taught in notebook 09."""
    if ax is None:
        _fig, ax = plt.subplots(figsize=(6, 3.5))
    drawn: dict[str, list] = {}
    for i, (name, values) in enumerate(measured.items()):
        same = [other for other, seen in drawn.items() if list(seen) == list(values)]
        if same:
            label = tr("{name} (measured), same as {other}", name=name, other=same[0])
        else:
            label = tr("{name} (measured)", name=name)
        size = max(3.0, 9.0 - 2.0 * i)  # later series smaller: they sit inside the earlier ones
        (line,) = ax.plot(xs, values, _MARKERS[i % len(_MARKERS)], ms=size, label=label, alpha=0.9)
        if formulas and name in formulas:
            ax.plot(xs, formulas[name], "-", lw=0.8, color=line.get_color())
        drawn[name] = list(values)
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
