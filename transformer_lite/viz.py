"""Pictures of attention: heatmaps with the right tokens on the right axes.

Convention for every attention plot in the course: **rows are queries** (the words doing
the looking: target words for cross-attention), **columns are keys** (the words looked
at: source words). A weight matrix of shape (Lq, Lk) is drawn as is, rows top to bottom.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
import torch

from .data import Pair, alignment_matrix

MAX_LABELLED_TOKENS = 60  # beyond this, tick labels are thinned so long inputs stay readable


def _check_labels(weights: torch.Tensor, row_tokens, col_tokens) -> None:
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
    """
    weights = torch.as_tensor(weights).detach().float().cpu()
    _check_labels(weights, row_tokens, col_tokens)
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
    good model should learn."""
    return plot_attention(alignment_matrix(pair), pair.tgt, pair.src, ax=ax, title=title, cmap="Blues", cbar=False)


def plot_heads(maps: torch.Tensor, row_tokens=None, col_tokens=None, title: str | None = None, gold=None):
    """All heads of one layer side by side. maps (heads, Lq, Lk). Returns the figure."""
    maps = torch.as_tensor(maps).detach().float().cpu()
    if maps.dim() != 3:
        raise ValueError(f"expected (heads, Lq, Lk); got shape {tuple(maps.shape)}")
    heads = maps.shape[0]
    fig, axes = plt.subplots(
        1, heads, figsize=(min(4.2 * heads, 18), max(2.8, 0.28 * maps.shape[1] + 1.2)), squeeze=False
    )
    for h in range(heads):
        plot_attention(
            maps[h], row_tokens if h == 0 else None, col_tokens, ax=axes[0, h], title=f"head {h}", gold=gold, cbar=False
        )
        if h:
            axes[0, h].set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_layers_heads(
    maps: list[torch.Tensor], row_tokens=None, col_tokens=None, title: str | None = None, gold=None, cell: float = 2.6
):
    """A layers x heads grid. maps: list over layers of (heads, Lq, Lk) (one sentence).
    Returns the figure."""
    if not maps:
        raise ValueError("no attention maps to plot (did you pass return_attention=True?)")
    layers, heads = len(maps), maps[0].shape[0]
    fig, axes = plt.subplots(layers, heads, figsize=(cell * heads + 1, cell * layers + 0.5), squeeze=False)
    for layer in range(layers):
        for h in range(heads):
            ax = axes[layer, h]
            plot_attention(maps[layer][h], row_tokens, col_tokens, ax=ax, cbar=False, gold=gold)
            if h:
                ax.set_yticks([])
            if layer < layers - 1:
                ax.set_xticks([])
            ax.set_title(f"layer {layer} head {h}", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_loss(history, ax=None, title: str = "training loss"):
    """Per-step training loss (and per-epoch validation loss if recorded)."""
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
    the notebooks show the one implementation instead of copying it."""
    import inspect

    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


# ---- fast drawing for interactive tools (the attention explorer) -----------------------------
# The functions above build a new seaborn figure each call: clear, but ~0.3 s. These draw with
# plain ``imshow`` on axes the caller reuses, so an interactive redraw stays well under 150 ms.


def draw_attention(
    ax,
    weights,
    row_tokens=None,
    col_tokens=None,
    gold=None,
    highlight_row: int | None = None,
    title: str | None = None,
    labels: tuple[bool, bool] = (True, True),
    fontsize: float = 8,
    cmap: str = "viridis",
):
    """Draw one attention matrix (Lq, Lk) on ``ax`` with ``imshow``: rows = queries,
    columns = keys, the same convention as :func:`plot_attention`.

    ``gold`` (Lq, Lk) 0/1 draws the gold alignment as red boxes; ``highlight_row`` frames
    one query row (e.g. the output word of the current decoding step) in white.
    ``labels`` = (label the rows, label the columns). Returns the image artist."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    weights = torch.as_tensor(weights).detach().float().cpu()
    _check_labels(weights, row_tokens, col_tokens)
    lq, lk = weights.shape
    image = ax.imshow(weights.numpy(), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    for axis, n, tokens, show in ((ax.yaxis, lq, row_tokens, labels[0]), (ax.xaxis, lk, col_tokens, labels[1])):
        if show and tokens is not None:
            ticks = _ticks(tokens, n)
            keep = [(i, t) for i, t in enumerate(ticks) if t != ""]
            axis.set_ticks([i for i, _ in keep], [t for _, t in keep], fontsize=fontsize)
        else:
            axis.set_ticks([])
    ax.tick_params(axis="x", labelrotation=90, length=0)
    ax.tick_params(axis="y", length=0)
    if gold is not None:
        gold = torch.as_tensor(gold)
        boxes = [Rectangle((k - 0.5, q - 0.5), 1, 1) for q, k in gold.nonzero().tolist()]
        ax.add_collection(PatchCollection(boxes, facecolor="none", edgecolor="red", linewidth=1.2))
    if highlight_row is not None and 0 <= highlight_row < lq:
        ax.add_patch(Rectangle((-0.5, highlight_row - 0.5), lk, 1, fill=False, edgecolor="white", linewidth=2.0))
    if title:
        ax.set_title(title, fontsize=fontsize + 1)
    return image


def figure_png(fig, dpi: int = 72) -> bytes:
    """Render a figure to PNG bytes (what an ipywidgets ``Image`` shows)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def plot_head_ranking(rows, ax=None, value: str = "aer", title: str | None = None, baselines: dict | None = None):
    """Horizontal bars, one per head, from a ranking table (a list of dicts with "layer",
    "head" and ``value``), best first at the top. ``baselines`` {label: value} draws dashed lines."""
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


class AttentionCanvas:
    """One reusable figure for interactive attention views (the explorer).

    All heads shown go into **one** image: a layers x heads grid of (Lq, Lk) blocks
    separated by blank gaps, drawn with a single ``imshow`` on axes that are never
    rebuilt. Redrawing only swaps the pixels, the tick labels and a few boxes, which keeps
    an interactive update fast. The labels are drawn once per layout and kept as a bitmap
    ("blitting"): changing head, layer or step redraws only the pixels and the boxes.
    Rows = queries, columns = keys, as everywhere."""

    def __init__(self, dpi: int = 72, cmap: str = "viridis"):
        import numpy as np
        from matplotlib.figure import Figure

        self.dpi = dpi
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig = Figure(dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((0.1, 0.1, 0.8, 0.8))
        self._layout_key = None
        self._backgrounds: dict = {}  # layout -> bitmap of everything but the pixels and boxes
        colors = plt.get_cmap(cmap).with_extremes(bad="white")
        self.image = self.ax.imshow(
            np.zeros((1, 1)), cmap=colors, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest"
        )
        self._title = self.ax.text(0.0, 1.0, "", transform=self.ax.transAxes, ha="left", va="bottom", fontsize=9)
        self.ax.tick_params(length=0)
        for spine in self.ax.spines.values():
            spine.set_visible(False)
        self._extras: list = []

    def draw(
        self,
        maps,
        row_tokens,
        col_tokens,
        gold=None,
        highlight_row: int | None = None,
        block_titles=None,
        title: str = "",
        cell: float | None = None,
        max_size: tuple[float, float] = (13.0, 10.0),
    ):
        """maps (layers, heads, Lq, Lk) (or (Lq, Lk) for one head); ``gold`` (Lq, Lk) 0/1 drawn
        as red boxes in every block; ``highlight_row`` framed in white across each layer;
        ``block_titles`` [[str]] per layer and head, red when they end with "off".
        Returns the figure."""
        import numpy as np
        from matplotlib.collections import PatchCollection
        from matplotlib.patches import Rectangle

        maps = torch.as_tensor(maps).detach().float().cpu()
        if maps.dim() == 2:
            maps = maps[None, None]
        if maps.dim() != 4:
            raise ValueError(f"expected (layers, heads, Lq, Lk) or (Lq, Lk); got shape {tuple(maps.shape)}")
        n_layers, n_heads, lq, lk = maps.shape
        _check_labels(maps[0, 0], row_tokens, col_tokens)
        grid = n_layers * n_heads > 1
        # Size: a cell per token, shrunk to fit max_size; label font follows the cell size.
        longest = max([len(t) for t in list(row_tokens) + list(col_tokens)] + [3])
        fontsize = 8.0
        margin_x, margin_y = 0.6 + 0.075 * longest, 0.7 + 0.075 * longest  # inches for the labels
        cell = cell or 0.24
        gap_x = 1 if grid else 0
        cell = min(
            cell,
            (max_size[0] - margin_x - 0.3) / (n_heads * (lk + gap_x)),
            (max_size[1] - margin_y - 0.6) / (n_layers * (lq + 2 * grid)),
        )
        gap_y = int(np.ceil(0.22 / cell)) if grid else 0
        fontsize = float(np.clip(cell * 72 * 0.85, 4.5, 9.0))
        big = np.full((n_layers * (lq + gap_y), n_heads * (lk + gap_x) - gap_x), np.nan, dtype=np.float32)
        for layer in range(n_layers):
            for h in range(n_heads):
                y, x = layer * (lq + gap_y) + gap_y, h * (lk + gap_x)
                big[y : y + lq, x : x + lk] = maps[layer, h].numpy()
        height, width = big.shape
        self.image.set_data(big)
        self.image.set_extent((-0.5, width - 0.5, height - 0.5, -0.5))
        self.ax.set_xlim(-0.5, width - 0.5)
        self.ax.set_ylim(height - 0.5, -0.5)
        for artist in self._extras:
            artist.remove()
        self._extras = []
        boxes, frames = [], []
        gold_links = torch.as_tensor(gold).nonzero().tolist() if gold is not None else []
        for layer in range(n_layers):
            y0 = layer * (lq + gap_y) + gap_y
            if highlight_row is not None and 0 <= highlight_row < lq:
                for h in range(n_heads):
                    frames.append(Rectangle((h * (lk + gap_x) - 0.5, y0 + highlight_row - 0.5), lk, 1))
            for h in range(n_heads):
                x0 = h * (lk + gap_x)
                boxes += [Rectangle((x0 + k - 0.5, y0 + q - 0.5), 1, 1) for q, k in gold_links]
                if grid and block_titles is not None:
                    text = block_titles[layer][h]
                    self._extras.append(
                        self.ax.text(
                            x0 + lk / 2,
                            y0 - 0.7,
                            text,
                            ha="center",
                            va="bottom",
                            fontsize=7,
                            color="red" if text.endswith("off") else "black",
                        )
                    )
        if boxes:
            self._extras.append(
                self.ax.add_collection(PatchCollection(boxes, facecolor="none", edgecolor="red", linewidth=1.0))
            )
        if frames:
            self._extras.append(
                self.ax.add_collection(PatchCollection(frames, facecolor="none", edgecolor="white", linewidth=1.8))
            )
        # Tick labels: every row of every layer on the left, every column of every head below,
        # thinned (by _ticks) only when a block has more than MAX_LABELLED_TOKENS tokens.
        rows, cols = _ticks(list(row_tokens), lq), _ticks(list(col_tokens), lk)
        # In a wide grid the columns are labelled under the first head only (the same words).
        labelled_heads = 1 if grid and n_heads * lk > 60 else n_heads
        y_ticks = [(layer * (lq + gap_y) + gap_y + i, t) for layer in range(n_layers) for i, t in enumerate(rows) if t]
        x_ticks = [(h * (lk + gap_x) + i, t) for h in range(labelled_heads) for i, t in enumerate(cols) if t]
        fig_w, fig_h = margin_x + width * cell + 0.3, margin_y + height * cell + 0.45
        fig_w = max(fig_w, margin_x + len(title) * 9 * 0.6 / 72 + 0.3)  # room for the title
        self._title.set_text(title)
        artists = [self.image, *self._extras, self._title]
        key = (big.shape, tuple(y_ticks), tuple(x_ticks), fontsize, fig_w, fig_h)
        if key != self._layout_key:  # new words or shape: draw the labels once, keep them as a bitmap
            self.ax.set_yticks([p for p, _ in y_ticks], [t for _, t in y_ticks], fontsize=fontsize)
            self.ax.set_xticks([p for p, _ in x_ticks], [t for _, t in x_ticks], fontsize=fontsize, rotation=90)
            self.fig.set_size_inches(fig_w, fig_h)
            self.ax.set_position((margin_x / fig_w, margin_y / fig_h, width * cell / fig_w, height * cell / fig_h))
            self._layout_key = key
            if key in self._backgrounds:  # seen before (e.g. back to a kind or a model): reuse its labels
                self._backgrounds[key] = self._backgrounds.pop(key)
                self.canvas.get_renderer()  # resized to the figure
                self.canvas.restore_region(self._backgrounds[key])
            else:
                for artist in artists:
                    artist.set_animated(True)  # left out of the background
                self.canvas.draw()
                self._backgrounds[key] = self.canvas.copy_from_bbox(self.fig.bbox)
                for artist in artists:
                    artist.set_animated(False)  # a plain savefig/display still draws everything
                while len(self._backgrounds) > 16:
                    self._backgrounds.pop(next(iter(self._backgrounds)))
        else:
            self.canvas.restore_region(self._backgrounds[key])
        renderer = self.canvas.get_renderer()
        for artist in artists:
            artist.draw(renderer)
        return self.fig

    def png(self) -> bytes:
        """The figure as last drawn by :meth:`draw`, as PNG bytes (no second rendering)."""
        import io

        import numpy as np
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())[..., :3]).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class LiveLossPlot:
    """A training callback (``fit(..., callbacks=[LiveLossPlot()])``) that redraws the loss
    curve every ``every`` steps while training runs, in place, in a notebook.

    It also keeps what it drew: ``steps`` (training loss per step) and ``valid`` ((step,
    valid loss) per epoch). Outside a notebook it only records."""

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
