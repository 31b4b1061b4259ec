"""Pictures say what their captions say (issue 11): masks in one colour convention with a legend,
checked from the pixels; legends that cover no bar; series that hide no other; a loss curve whose
jumps are explained on the picture."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.colors import to_rgb

from transformer_lite.lab import demos, viz
from transformer_lite.model.attention import causal_mask


def pixel(ax, row: int, col: int) -> np.ndarray:
    """RGB (0-1) of the cell (row, col) of an image drawn on ax, sampled off-centre (the cell's
    centre may carry a letter)."""
    fig = ax.figure
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())[..., :3] / 255.0
    x, y = ax.transData.transform((col - 0.3, row - 0.3))
    return img[int(round(img.shape[0] - y)), int(round(x))]


def colours_follow_permission(ax, allowed: torch.Tensor) -> bool:
    return all(
        np.allclose(pixel(ax, q, k), to_rgb(viz.MAY_ATTEND_COLOR if allowed[q, k] else viz.BLOCKED_COLOR), atol=0.03)
        for q in range(allowed.shape[0])
        for k in range(allowed.shape[1])
    )


@pytest.mark.parametrize("true_means", ["may attend", "blocked"])
def test_mask_colours_follow_meaning_not_flag(true_means):
    allowed = causal_mask(5)
    flags = allowed if true_means == "may attend" else ~allowed
    ax = viz.plot_mask(flags, list("abcde"), list("abcde"), true_means=true_means)
    assert colours_follow_permission(ax, allowed)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["may attend", "blocked"]
    plt.close(ax.figure)


def test_mask_widget_picture_matches_its_caption():
    """Notebook 03's widget: may attend drawn in the may-attend colour, with a legend saying so."""
    for kind in demos.MASK_KINDS:
        demo = demos.mask_demo(kind=kind, n_pad=2)
        ax = demo["fig"].axes[0]
        assert colours_follow_permission(ax, demo["mask"]), kind
        assert "may attend" in [t.get_text() for t in ax.get_legend().get_texts()]
        plt.close(demo["fig"])


def test_plot_mask_refuses_a_float_mask():
    with pytest.raises(ValueError, match="boolean"):
        viz.plot_mask(torch.ones(3, 3))
    with pytest.raises(ValueError, match="true_means"):
        viz.plot_mask(causal_mask(3), true_means="allowed")


def overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_grouped_bar_legend_covers_no_bar():
    table = pd.DataFrame(
        {"no attention": [86, 42, 22, 14], "attention": [99, 99, 96, 75]}, index=["3-9", "10-19", "20-30", "31-50"]
    )
    ax = viz.plot_grouped_bars(table, ylabel="BLEU")
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    bars = [p.get_window_extent() for p in ax.patches]
    assert bars and not any(overlaps(legend, b) for b in bars)
    plt.close(ax.figure)


def test_a_series_equal_to_another_stays_visible():
    """Notebook 09's path lengths: width-3 convolution and recurrence measure the same numbers."""
    ax = viz.plot_measured(
        [4, 8, 12], {"recurrent": [3, 7, 11], "convolutional": [3, 7, 11], "self_attention": [1, 1, 1]}
    )
    dots = [line for line in ax.lines if line.get_linestyle() == "None"]
    assert len({(d.get_marker(), d.get_markersize()) for d in dots}) == len(dots)  # each its own marker and size
    assert "same as recurrent" in ax.get_legend().get_texts()[1].get_text()
    plt.close(ax.figure)


def test_loss_plot_shows_the_trend_and_says_why_it_jumps():
    class History:
        steps = [2.0 / (1 + i) * (1 + (i % 3 == 0) * 5) for i in range(200)]
        epochs = []

    ax = viz.plot_loss(History())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("grouped by length" in label for label in labels)
    assert any("running mean" in label for label in labels)
    plt.close(ax.figure)


def test_notebook_captions_name_the_mask_colours_the_pictures_use():
    """Notebook 03 once said 'white = may attend' under a picture that painted it black."""
    import json
    from pathlib import Path

    for path in sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = " ".join(
            "".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown"
        )
        for wrong in ("white = may attend", "black = may attend", "white = blocked", "black = blocked"):
            assert wrong not in text, f"{path.name} says {wrong!r}; masks are drawn blue = may attend, grey = blocked"
    assert viz.MAY_ATTEND_COLOR == "#1f77b4" and viz.BLOCKED_COLOR == "#e6e6e6"  # the colours the captions name


def test_a_long_mask_is_drawn_at_a_readable_size():
    """Issue 20: notebook 10's "who may read whom" (45 words) came out 2020 x 1675 px, shrunk by the
    page until its words could not be read. Now it fits a notebook's width unscaled and its words
    neither shrink below 8 points nor overlap."""
    import io

    from PIL import Image

    words = [f"word{i}" for i in range(45)]
    ax = viz.plot_mask(causal_mask(45), words, words, title="who may read whom (rows read columns)")
    fig = ax.figure
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")  # as the notebook's inline backend does
    width, height = Image.open(buffer).size
    assert width <= 1000 and height <= 1000, (width, height)
    renderer = fig.canvas.get_renderer()
    for labels, start, end in ((ax.get_yticklabels(), "y0", "y1"), (ax.get_xticklabels(), "x0", "x1")):
        assert len(labels) == 45 and min(t.get_fontsize() for t in labels) >= 8
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: getattr(b, start))
        for a, b in zip(boxes, boxes[1:]):
            assert getattr(b, start) >= getattr(a, end) - 0.5, f"labels overlap: {a} {b}"
    plt.close(fig)
