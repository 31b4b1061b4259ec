"""The fast attention pictures (transformer_lite.lab.canvas)."""

import pytest
import torch

from transformer_lite.lab.access import MARK_DARK, MARK_LIGHT
from transformer_lite.lab.canvas import AttentionCanvas, encode_png


def test_canvas_puts_the_words_on_the_right_axes():
    canvas = AttentionCanvas()
    w = torch.softmax(torch.randn(4, 3), -1)
    canvas.draw(w, ["a", "b", "c", "<eos>"], ["x", "y", "z"], gold=torch.eye(4, 3), highlight_row=1)
    layout = canvas.layout
    assert [t for _, t in layout.row_labels] == ["a", "b", "c", "<eos>"]  # rows = queries
    assert [t for _, t in layout.col_labels] == ["x", "y", "z"]  # columns = keys
    ys, xs = [y for y, _ in layout.row_labels], [x for x, _ in layout.col_labels]
    assert ys == sorted(ys) and xs == sorted(xs)  # first word at the top / on the left
    first = canvas.png()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    canvas.draw(w, ["a", "b", "c", "<eos>"], ["x", "y", "z"], highlight_row=2)
    assert canvas.png() != first  # the frame moved, the gold boxes went
    with pytest.raises(ValueError, match="row tokens"):
        canvas.draw(w, ["a"], ["x", "y", "z"])
    with pytest.raises(ValueError, match="layers, heads"):
        canvas.draw(torch.rand(3), [], [])


def test_canvas_paints_each_weight_where_it_belongs():
    canvas = AttentionCanvas()
    w = torch.zeros(3, 4)
    w[2, 1] = 1.0  # query 2 attends to key 1 only
    canvas.draw(w, ["q0", "q1", "q2"], ["k0", "k1", "k2", "k3"])
    (x0, y0), (cw, ch) = canvas.layout.blocks[0], canvas.layout.cell
    hot = canvas.pixels[y0 + 2 * ch + ch // 2, x0 + 1 * cw + cw // 2]
    cold = canvas.pixels[y0 + ch // 2, x0 + cw // 2]
    assert tuple(hot) == tuple(canvas._lut[255]) and tuple(cold) == tuple(canvas._lut[0])
    gold = torch.zeros(3, 4)
    gold[1, 2] = 1  # a gold link in the framed row: its box is drawn over the frame
    canvas.draw(w, ["q0", "q1", "q2"], ["k0", "k1", "k2", "k3"], gold=gold, highlight_row=1)
    line = 2 if min(cw, ch) >= 12 else 1
    px = canvas.pixels
    # Both marks: a dark outline with a light one inside (tests/test_colour.py checks their contrast).
    assert tuple(px[y0 + ch, x0 + cw // 2]) == MARK_DARK and tuple(px[y0 + ch + line, x0 + cw // 2]) == MARK_LIGHT
    assert tuple(px[y0 + ch + ch // 2, x0 + 2 * cw]) == MARK_DARK  # the box's own left edge, inside the frame
    assert tuple(px[y0 + ch + ch // 2, x0 + cw // 2]) == tuple(canvas._lut[0])  # the framed cells keep their colour


def test_png_encoding_is_lossless():
    import io

    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(0).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(pixels)))), pixels)


def test_canvas_grid_lays_out_layers_by_heads():
    canvas = AttentionCanvas()
    maps = torch.rand(2, 3, 4, 5)
    image = canvas.draw(maps, list("abcd"), list("vwxyz"), block_titles=[["t", ("t off", True), "t"]] * 2, title="grid")
    blocks = canvas.layout.blocks
    assert len(blocks) == 6 and blocks[0][1] == blocks[2][1] < blocks[3][1]  # layer 1 below layer 0
    assert blocks[0][0] == blocks[3][0] < blocks[1][0]  # heads left to right
    assert [t for _, t in canvas.layout.row_labels] == list("abcd") * 2
    assert image.size == canvas.layout.size
