"""Fast attention pictures for interactive tools (the attention explorer).

matplotlib lays out and rasterises every tick label on each redraw; with a 50-word
sentence that alone takes 100-200 ms, too slow for a slider. This module paints the same
picture directly: heatmap cells are numpy pixels (a colormap lookup, each weight blown up
to a block of ``cell`` pixels, square where both axes allow), words are drawn once with PIL
and kept. A redraw that only moves the head, layer or decoding step copies the kept
background and paints the cells.

Conventions are those of :mod:`transformer_lite.lab.viz`: **rows are queries** (the words
doing the looking), **columns are keys** (the words looked at), one weight matrix
``(Lq, Lk)`` drawn as is. Each picture also records its :class:`Layout` (which word
labels which row and column, where every block is), so tests can check the axes without
reading pixels.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from ..i18n import _
from .access import MARK_DARK, MARK_LIGHT
from .cache import LRUCache
from .hangul_font import hangul_font_path, has_hangul
from .viz import check_labels  # one wording for every attention picture

# Text on the white background: every colour has a contrast of at least 4.5:1 with white (tests/test_colour.py).
WHITE, BLACK, RED, GREY = (255, 255, 255), (30, 30, 30), (200, 16, 32), (100, 100, 100)
MIN_FONT, MAX_FONT = 8, 12  # word labels, in pixels
MAX_CELL = 26  # pixels per weight for short sentences
HEAD_GAP = 12  # pixels between the heads of a grid
COLORBAR = 70  # pixels on the right for the colour scale


@cache
def font(size: int, hangul: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels: it ships with matplotlib, so it works offline; with ``hangul``,
    the Korean font of koreanize-matplotlib (for the ko grammar's words)."""
    import matplotlib

    path = hangul_font_path() if hangul else Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size)


@lru_cache(maxsize=4096)
def text_mask(text: str, size: int, vertical: bool = False) -> Image.Image:
    """The glyphs of ``text`` as an 8-bit mask (read bottom to top when ``vertical``)."""
    f = font(size, has_hangul(text))
    left, _top, right, _bottom = f.getbbox(text)
    mask = Image.new("L", (max(1, right - left), line_height(size)))
    ImageDraw.Draw(mask).text((-left, 0), text, font=f, fill=255)
    return mask.transpose(Image.Transpose.ROTATE_90) if vertical else mask


def line_height(size: int) -> int:
    ascent, descent = font(size).getmetrics()
    return ascent + descent


@lru_cache(maxsize=8192)
def text_width(text: str, size: int) -> int:
    """Width in pixels of ``text`` at ``size`` (measured, not drawn)."""
    return int(np.ceil(font(size, has_hangul(text)).getlength(text)))


@dataclass
class Layout:
    """Where everything is in the picture, in pixels (x to the right, y down)."""

    size: tuple[int, int]  # (width, height) of the image
    cell: tuple[int, int]  # (width, height) in pixels of one attention weight
    font: int  # pixel size of the word labels
    blocks: list[tuple[int, int]]  # top-left corner of each (layer, head) block, layers first
    shape: tuple[int, int, int, int]  # (layers, heads, Lq, Lk)
    row_labels: list[tuple[int, str]] = field(default_factory=list)  # (y centre, word), every layer
    col_labels: list[tuple[int, str]] = field(default_factory=list)  # (x centre, word), every head


def _thinned(tokens, every: int):
    return [(i, t) for i, t in enumerate(tokens) if i % every == 0]


class AttentionCanvas:
    """Draws attention as one RGB picture: a layers x heads grid of (Lq, Lk) blocks, or
    one block; words on both axes, the gold alignment as boxes and the query row of the
    current decoding step as a frame (both a white line edged in black, so that they stand
    out on every colour of the scale), and a colour scale from 0 to 1.

    ``draw(...)`` returns a PIL image (a notebook shows it), ``png()`` its PNG bytes."""

    def __init__(self, cmap: str = "viridis", max_size: tuple[int, int] = (1000, 760)):
        from matplotlib import colormaps

        self.max_size = max_size
        self._lut = (colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3] * 255).round().astype(np.uint8)
        self._backgrounds = LRUCache(32)  # layout key -> (background pixels, Layout)
        self.layout: Layout | None = None
        self.pixels: np.ndarray | None = None  # (height, width, 3) uint8, as last drawn

    # -- layout ------------------------------------------------------------------------------
    def _plan(self, shape, row_tokens, col_tokens, min_width: int, subtitle: bool):
        """Choose the cell and font size so the picture fits ``max_size``; words are
        thinned (every 2nd, 3rd ...) only when a cell is smaller than the smallest font."""
        n_layers, n_heads, lq, lk = shape
        grid = n_layers * n_heads > 1
        header = 6 + 16 + (14 if subtitle else 0)  # title and subtitle lines
        layer_gap = 16 if grid else 0  # room for the block titles
        for size in range(MAX_FONT, MIN_FONT - 1, -1):
            left = 8 + max(text_width(t, size) for t in row_tokens)
            bottom = 8 + max(text_width(t, size) for t in col_tokens)
            room_w = self.max_size[0] - left - COLORBAR - HEAD_GAP * (n_heads - 1)
            room_h = self.max_size[1] - header - bottom - layer_gap * n_layers
            cw = max(2, int(min(MAX_CELL, room_w / (n_heads * lk))))
            ch = max(2, int(min(MAX_CELL, room_h / (n_layers * lq))))
            if min(cw, ch) >= size + 2 or size == MIN_FONT:
                break
        # Square cells where both axes allow; else each axis takes what it has.
        cw, ch = (min(cw, ch),) * 2 if max(cw, ch) <= 2 * min(cw, ch) else (cw, ch)
        every_col, every_row = -(-(size + 2) // cw), -(-(size + 2) // ch)  # thin words on small cells
        width = left + n_heads * lk * cw + HEAD_GAP * (n_heads - 1) + COLORBAR
        width = max(width, min_width)
        height = header + n_layers * (lq * ch + layer_gap) + bottom
        blocks = [
            (left + h * (lk * cw + HEAD_GAP), header + layer_gap + layer * (lq * ch + layer_gap))
            for layer in range(n_layers)
            for h in range(n_heads)
        ]
        layout = Layout((width, height), (cw, ch), size, blocks, tuple(shape))
        for _x0, y0 in blocks[::n_heads]:
            layout.row_labels += [(y0 + i * ch + ch // 2, t) for i, t in _thinned(row_tokens, every_row)]
        for x0, _y0 in blocks[:n_heads]:
            layout.col_labels += [(x0 + i * cw + cw // 2, t) for i, t in _thinned(col_tokens, every_col)]
        return layout

    def _plan_and_paint(self, *plan_args) -> tuple[np.ndarray, Layout]:
        layout = self._plan(*plan_args)
        return self._background(layout), layout

    def _background(self, layout: Layout) -> np.ndarray:
        """What only changes with the words and the shape: word labels and the colour scale."""
        img = Image.new("RGB", layout.size, WHITE)
        n_layers, n_heads, lq, lk = layout.shape
        size, (cw, ch) = layout.font, layout.cell
        left = layout.blocks[0][0]
        for y, word in layout.row_labels:
            mask = text_mask(word, size)
            img.paste(BLACK, (left - 5 - mask.width, y - mask.height // 2), mask)
        bottom_of_blocks = layout.blocks[-1][1] + lq * ch
        for x, word in layout.col_labels:
            mask = text_mask(word, size, vertical=True)
            img.paste(BLACK, (x - mask.width // 2, bottom_of_blocks + 5), mask)
        # Colour scale: 0 at the bottom, 1 at the top, beside the first layer's blocks.
        x0 = layout.blocks[n_heads - 1][0] + lk * cw + 14
        y0 = layout.blocks[0][1] + 8  # below the subtitle, whose line may reach this far right
        height = min(max(60, min(220, n_layers * lq * ch)), layout.size[1] - y0 - 4)
        ramp = self._lut[np.linspace(255, 0, height).round().astype(int)]
        pixels = np.asarray(img).copy()
        pixels[y0 : y0 + height, x0 : x0 + 12] = ramp[:, None, :]
        img = Image.fromarray(pixels)
        draw = ImageDraw.Draw(img)
        for value, y in ((1.0, y0), (0.5, y0 + height // 2), (0.0, y0 + height - 1)):
            draw.text((x0 + 16, y - 6), f"{value:g}", font=font(10), fill=BLACK)
        return np.asarray(img).copy()

    # -- drawing -----------------------------------------------------------------------------
    def draw(
        self,
        maps,
        row_tokens,
        col_tokens,
        gold=None,
        highlight_row: int | None = None,
        block_titles=None,
        title: str = "",
        subtitle: str = "",
    ) -> Image.Image:
        """maps (layers, heads, Lq, Lk), or (Lq, Lk) for one head, weights in [0, 1];
        ``row_tokens`` Lq query words, ``col_tokens`` Lk key words; ``gold`` (Lq, Lk) 0/1
        drawn as boxes in every block; ``highlight_row`` framed in every block;
        ``block_titles`` [[str or (str, off)]] per layer and head, red where ``off`` is True: a head switched
        off (the words may be in any language, so the flag is given, not read from the text).
        Returns the picture, (height, width, 3) pixels."""
        # numpy, not torch: torch's elementwise ops wake its thread pool, which on a busy
        # 2-core machine costs ~20 ms per picture for a 50 x 50 map.
        maps = torch.as_tensor(maps).detach().float().cpu()
        if maps.dim() == 2:
            maps = maps[None, None]
        if maps.dim() != 4:
            raise ValueError(f"expected (layers, heads, Lq, Lk) or (Lq, Lk); got shape {tuple(maps.shape)}")
        n_layers, n_heads, lq, lk = maps.shape
        row_tokens, col_tokens = [str(t) for t in row_tokens], [str(t) for t in col_tokens]
        check_labels(maps[0, 0], row_tokens, col_tokens)
        maps = maps.numpy()
        if lq == 0 or lk == 0:
            raise ValueError(f"nothing to draw: the attention has shape {tuple(maps.shape)}")
        # Titles are stamped on each frame, so that they may change without a new layout;
        # the picture widens (in steps of 64 px, to keep layouts few) for a long title.
        needed = max(10 + text_width(title, 14) if title else 0, 10 + text_width(subtitle, 11) if subtitle else 0)
        min_width = -(-needed // 64) * 64
        key = (tuple(maps.shape), tuple(row_tokens), tuple(col_tokens), min_width, bool(subtitle))
        background, layout = self._backgrounds.get(
            key, lambda: self._plan_and_paint(maps.shape, row_tokens, col_tokens, min_width, bool(subtitle))
        )
        pixels = background.copy()
        cw, ch = layout.cell
        # NaN (nothing to show) paints as 0; weights are clipped to the colour scale [0, 1].
        index = np.rint(np.clip(np.nan_to_num(maps), 0.0, 1.0) * 255).astype(np.uint8)
        gold_links = np.argwhere(np.asarray(gold) != 0).tolist() if gold is not None else []
        line = 2 if min(cw, ch) >= 12 else 1
        for b, (x0, y0) in enumerate(layout.blocks):
            block = pixels[y0 : y0 + lq * ch, x0 : x0 + lk * cw]
            # Each weight blown up to its cell: repeat rows, then columns (5x faster than indexing per pixel).
            block[...] = np.repeat(np.repeat(self._lut[index[b // n_heads, b % n_heads]], ch, axis=0), cw, axis=1)
            if highlight_row is not None and 0 <= highlight_row < lq:
                _mark(block, highlight_row * ch, 0, ch, lk * cw, line)
            for q, k in gold_links:  # on top of the frame: a gold link in the framed row stays visible
                _mark(block, q * ch, k * cw, ch, cw, line)
        if title:
            _stamp(pixels, text_mask(title, 14), 6, 4, BLACK)
        if subtitle:
            _stamp(pixels, text_mask(subtitle, 11), 6, 22, GREY)
        if block_titles is not None and n_layers * n_heads > 1:
            titled = [t if isinstance(t, tuple) else (t, False) for row in block_titles for t in row]
            for (x0, y0), (text, is_off) in zip(layout.blocks, titled):
                mask = text_mask(text, 11)
                _stamp(pixels, mask, x0 + (lk * cw - mask.width) // 2, y0 - 15, RED if is_off else BLACK)
        self.layout, self.pixels = layout, pixels
        picture = Image.fromarray(pixels)
        picture.info["alt"] = title or subtitle or _("attention weights")  # shown as an <img> with this alt text
        return picture

    def png(self) -> bytes:
        """The picture as last drawn, as PNG bytes (what an ipywidgets ``Image`` shows)."""
        if self.pixels is None:
            raise ValueError("nothing drawn yet: call draw() first")
        return encode_png(self.pixels)


def encode_png(pixels: np.ndarray, level: int = 3) -> bytes:
    """(H, W, 3) uint8 -> PNG bytes, rows unfiltered. Our pictures are flat colour, which
    zlib packs well as is; PIL's per-row filter search takes 3x longer (10 ms on 770x750)."""
    height, width, _channels = pixels.shape
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # each row starts with filter type 0
    rows[:, 1:] = pixels.reshape(height, -1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
        + chunk(b"IEND", b"")
    )


def _stamp(pixels: np.ndarray, mask: Image.Image, x: int, y: int, colour) -> None:
    """Paint ``colour`` through an 8-bit text mask at (x, y) into ``pixels`` (H, W, 3) in place."""
    alpha = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    h, w = min(alpha.shape[0], pixels.shape[0] - y), min(alpha.shape[1], pixels.shape[1] - x)
    if h <= 0 or w <= 0:
        return
    region = pixels[y : y + h, x : x + w]
    region[...] = (region * (1.0 - alpha[:h, :w]) + np.asarray(colour, np.float32) * alpha[:h, :w]).round()


def _frame(pixels: np.ndarray, y: int, x: int, height: int, width: int, colour, line: int) -> None:
    """Paint the outline of a rectangle (top-left y, x) into ``pixels`` (H, W, 3) in place."""
    pixels[y : y + line, x : x + width] = colour
    pixels[y + height - line : y + height, x : x + width] = colour
    pixels[y : y + height, x : x + line] = colour
    pixels[y : y + height, x + width - line : x + width] = colour


def _mark(pixels: np.ndarray, y: int, x: int, height: int, width: int, line: int) -> None:
    """A mark over the heatmap: a dark outline with a light one inside it, so that one of
    the two contrasts with whatever cell colour lies under and around it."""
    _frame(pixels, y, x, height, width, MARK_DARK, line)
    if height > 2 * line and width > 2 * line:
        _frame(pixels, y + line, x + line, height - 2 * line, width - 2 * line, MARK_LIGHT, line)
