"""Colour, computed from the palettes and the drawing code (issue 24).

* Under simulated deuteranopia, protanopia and tritanopia (Machado, Oliveira and Fernandes 2009,
  severity 100, as implemented by colorspacious) every palette that encodes a weight keeps its
  order: CAM02-UCS lightness J' is strictly monotonic along it, and a tenth of the scale is a
  visible step (delta E' >= 3).
* Marks drawn over a heatmap (gold boxes, the framed step, the lines of notebook 10) have a WCAG
  contrast of at least 3:1 against every cell colour they can sit on; the mask's two colours
  against each other too.
* Text is at least 4.5:1 against its background: the canvas's words and titles, the mask's T/F
  letters, the explorer's table and messages.

The measurements live in benchmarks/colour.py (``colour_figures()``), which benchmarks/accessibility.py records.
"""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb

from benchmarks.colour import (
    DEFICIENCIES,
    SEQUENTIAL,
    WHITE,
    best_contrast,
    colour_figures,
    drawn_canvas,
    mark_colours_in_canvas,
    mark_colours_in_matplotlib,
    order_figures,
    rgb255,
    simulated_ucs,
)
from transformer_lite.lab import access, canvas, viz
from transformer_lite.lab.explorer_widget import TEXT as WIDGET_TEXT

matplotlib.use("Agg")


# ---- the tests -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SEQUENTIAL)
def test_weight_order_survives_colour_vision_deficiencies(name):
    for vision, figures in order_figures(name).items():
        assert figures["monotonic"], f"{name} under {vision}: lightness is not monotonic, weights lose their order"
        assert figures["min_tenth"] >= 3.0, f"{name} under {vision}: a tenth of the scale is only {figures}"


def test_mask_colours_stay_apart_under_colour_vision_deficiencies():
    pair = np.array([to_rgb(viz.MAY_ATTEND_COLOR), to_rgb(viz.BLOCKED_COLOR)])
    for deficiency in (None, *DEFICIENCIES):
        ucs = simulated_ucs(pair, deficiency)
        assert np.linalg.norm(ucs[0] - ucs[1]) >= 30, deficiency
    assert access.contrast(rgb255(viz.MAY_ATTEND_COLOR), rgb255(viz.BLOCKED_COLOR)) >= 3.0


def test_canvas_marks_contrast_with_every_cell_colour():
    c = drawn_canvas()
    painted = mark_colours_in_canvas(c)
    assert painted == {access.MARK_DARK, access.MARK_LIGHT}, painted  # the marks use exactly the two tones
    worst = min(best_contrast(painted, tuple(int(v) for v in cell)) for cell in c._lut)
    assert worst >= 3.0, worst


def test_matplotlib_marks_contrast_with_every_cell_colour():
    weights = torch.softmax(torch.randn(4, 4), -1)
    ax = viz.mark_gold(viz.plot_attention(weights, list("abcd"), list("wxyz")), torch.eye(4))
    viz.mark_lines(ax, 1.5)
    painted = mark_colours_in_matplotlib(ax)
    assert painted == {access.MARK_DARK, access.MARK_LIGHT}, painted
    cells = [rgb255(c) for c in ax.collections[0].cmap(np.linspace(0, 1, 256))]
    assert min(best_contrast(painted, cell) for cell in cells) >= 3.0
    mask_cells = (rgb255(viz.MAY_ATTEND_COLOR), rgb255(viz.BLOCKED_COLOR))  # notebook 10 draws lines over a mask
    assert min(best_contrast(painted, cell) for cell in mask_cells) >= 3.0
    matplotlib.pyplot.close("all")


def test_text_contrast():
    for colour in (canvas.BLACK, canvas.GREY, canvas.RED):  # words, titles, "off" titles on white
        assert access.contrast(colour, WHITE) >= 4.5, colour
    error = re.search(r"color:(#[0-9a-f]{6})", WIDGET_TEXT["error"]).group(1)
    assert access.contrast(rgb255(error), WHITE) >= 4.5
    # The mask's T/F letters on their cells, as plot_mask draws them.
    ax = viz.plot_mask(torch.ones(4, 4, dtype=torch.bool).tril(), list("abcd"), list("abcd"))
    image = ax.images[0]
    for text in ax.texts:
        x, y = text.get_position()
        cell = rgb255(image.cmap(image.norm(image.get_array()[int(y), int(x)])))
        assert access.contrast(rgb255(text.get_color()), cell) >= 4.5, (text.get_text(), cell)
    matplotlib.pyplot.close("all")


def test_weights_table_text_contrast():
    lut = drawn_canvas()._lut
    table = access.weights_table_html(torch.linspace(0, 1, 30).reshape(5, 6), list("abcde"), list("uvwxyz"), "t", lut)
    styles = re.findall(r"background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})", table)
    assert len(styles) == 30
    for background, colour in styles:
        assert access.contrast(rgb255(background), rgb255(colour)) >= 4.5
    assert colour_figures()["text_min_contrast"] >= 4.5
