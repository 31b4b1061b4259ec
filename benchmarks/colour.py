"""Colour figures of the course's pictures, computed from the palettes and the drawing code (issue 24): what
tests/test_colour.py asserts and benchmarks/accessibility.py records. Colour-vision deficiencies are simulated
with colorspacious (Machado, Oliveira and Fernandes 2009, severity 100); contrast is WCAG's."""

from __future__ import annotations

import colorspacious as cs
import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.colors import to_rgb

from transformer_lite.lab import access, canvas, viz

DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")  # at severity 100: -anopia
SEQUENTIAL = {"viridis": "attention weights (canvas, plot_attention)", "Blues": "gold alignment (plot_alignment)"}
WHITE = (255, 255, 255)


def rgb255(colour) -> tuple[int, int, int]:
    return tuple(int(round(v * 255)) for v in to_rgb(colour))


def palette(name: str, n: int = 256) -> np.ndarray:
    return colormaps[name](np.linspace(0.0, 1.0, n))[:, :3]


def simulated_ucs(rgb01: np.ndarray, deficiency: str | None) -> np.ndarray:
    if deficiency is not None:
        cvd = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
        rgb01 = np.clip(cs.cspace_convert(rgb01, cvd, "sRGB1"), 0.0, 1.0)
    return cs.cspace_convert(rgb01, "sRGB1", "CAM02-UCS")


def order_figures(name: str) -> dict:
    """Per deficiency: is J' monotonic, and the smallest delta E' over a tenth of the scale."""
    out = {}
    for deficiency in (None, *DEFICIENCIES):
        ucs = simulated_ucs(palette(name), deficiency)
        steps = np.diff(ucs[:, 0])
        tenth = [float(np.linalg.norm(ucs[i + 25] - ucs[i])) for i in range(0, 231, 5)]
        monotonic = bool((steps > 0).all() or (steps < 0).all())
        out[deficiency or "normal"] = {"monotonic": monotonic, "min_tenth": round(min(tenth), 2)}
    return out


def drawn_canvas():
    """A canvas picture with both marks: gold boxes and the framed step."""
    c = canvas.AttentionCanvas()
    w = torch.softmax(torch.randn(6, 5, generator=torch.Generator().manual_seed(0)) * 3, -1)
    c.draw(w, list("abcdef"), list("vwxyz"), gold=torch.eye(6, 5), highlight_row=2, title="t", subtitle="s")
    return c


def mark_colours_in_canvas(c) -> set[tuple[int, int, int]]:
    """Every colour in the heatmap blocks that is not a cell colour: what the marks painted."""
    (x0, y0), (cw, ch) = c.layout.blocks[0], c.layout.cell
    _, _, lq, lk = c.layout.shape
    block = c.pixels[y0 : y0 + lq * ch, x0 : x0 + lk * cw].reshape(-1, 3)
    cells = {tuple(int(v) for v in x) for x in c._lut}
    return {tuple(int(v) for v in p) for p in block} - cells


def mark_colours_in_matplotlib(ax) -> set[tuple[int, int, int]]:
    """The line colours of the gold boxes and mark lines of ``ax``, with their path effects' strokes."""
    found = set()
    for artist in [*ax.patches, *ax.lines]:
        colour = artist.get_edgecolor() if hasattr(artist, "get_edgecolor") else artist.get_color()
        found.add(rgb255(colour))
        for effect in artist.get_path_effects():
            if "foreground" in getattr(effect, "_gc", {}):
                found.add(rgb255(effect._gc["foreground"]))
    return found


def best_contrast(marks, cell) -> float:
    return max(access.contrast(m, cell) for m in marks)


def colour_figures() -> dict:
    """The minima the tests assert, for the results file."""
    lut = [tuple(int(v) for v in x) for x in drawn_canvas()._lut]
    marks = (access.MARK_DARK, access.MARK_LIGHT)
    mask_cells = (rgb255(viz.MAY_ATTEND_COLOR), rgb255(viz.BLOCKED_COLOR))
    return {
        "order_under_colour_vision_deficiencies": {name: order_figures(name) for name in SEQUENTIAL},
        "marks_min_contrast_over_heatmap_cells": round(min(best_contrast(marks, c) for c in lut + list(mask_cells)), 2),
        "mask_colours_contrast": round(access.contrast(*mask_cells), 2),
        "text_min_contrast": round(
            min(
                [access.contrast(c, WHITE) for c in (canvas.BLACK, canvas.GREY, canvas.RED)]
                + [access.contrast(access.readable_text_colour(c), c) for c in lut + list(mask_cells)]
            ),
            2,
        ),
    }
