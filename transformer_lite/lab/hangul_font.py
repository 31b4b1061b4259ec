"""Hangul in matplotlib figures, for the ``ko`` grammar's words.

matplotlib's default font (DejaVu Sans) has no Hangul: a Korean word would be drawn as empty
boxes, with a "Glyph ... missing" warning. The course depends on ``koreanize-matplotlib``
(PyPI), which ships the NanumGothic font. We do not import it: its import switches every
figure of the session to NanumGothic (and imports ``distutils``, gone from Python 3.12). We
only register its font file and give it, as a fallback after the usual font, to the text
objects that hold Hangul, so English labels look as they always did.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

from ..i18n import FONT_PACKAGE, hangul_font_file


def has_hangul(text: str) -> bool:
    """True when ``text`` holds a Hangul syllable (가-힣)."""
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def hangul_font_path() -> Path:
    """The NanumGothic font file that koreanize-matplotlib ships (:func:`..i18n.hangul_font_file`), or a clear
    error when the package is missing."""
    path = hangul_font_file()
    if path is None:
        raise ModuleNotFoundError(
            f"{FONT_PACKAGE} is not installed: figures with Hangul need its font (pip install koreanize-matplotlib)"
        )
    return path


@cache
def hangul_font() -> str:
    """Register the Korean font with matplotlib and return its family name."""
    path = str(hangul_font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def with_hangul() -> list[str]:
    """The usual font family, then the Korean font for the glyphs it lacks (Latin keeps its look)."""
    return [*matplotlib.rcParams["font.family"], hangul_font()]


def use_hangul_font(texts) -> None:
    """Give every matplotlib ``Text`` in ``texts`` that holds Hangul the Korean font as a fallback."""
    for text in texts:
        if has_hangul(text.get_text()):
            text.set_fontfamily(with_hangul())


def hangul_ticks(ax, *groups) -> None:
    """When a word of ``groups`` (lists of words, or None) holds Hangul, give the tick labels of
    ``ax`` the Korean font as a fallback: before a call such as seaborn's heatmap, which draws its
    labels once before it returns."""
    if any(has_hangul(str(w)) for group in groups if group is not None for w in group):
        ax.tick_params(labelfontfamily=with_hangul())
