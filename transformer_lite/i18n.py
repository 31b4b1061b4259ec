"""Two languages, one source: every sentence a student reads goes through this module.

The English text written in the code is the message id; the gettext catalog ``i18n/<lang>/messages.po``
(read with babel) holds its translation. ``_(text)`` translates a sentence; ``tr(text, **fields)`` translates,
then fills the named ``{fields}``. Notebook code cells call ``tr`` too: the code is the same in both editions,
only what it prints changes language. The language is :func:`~transformer_lite.config.language`
(``TRANSFORMER_LITE_LANG``), asked at every call, so a test can switch it.

A message the catalog lacks, or marks fuzzy (its English changed since it was translated), comes out in
English; ``tests/test_i18n.py`` fails on every such message, naming it, so a release never has one.
The Korean edition draws Hangul in figures with the NanumGothic font that the ``koreanize-matplotlib``
package ships (nothing is downloaded); English figures keep DejaVu Sans and fall back to it for Hangul
(notebook 00 shows the Korean toy language in both editions). Every notebook prints and draws through it.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from .config import language

CATALOG = "messages.po"
FONT_PACKAGE, FONT_FILE, FONT_NAME = "koreanize_matplotlib", "fonts/NanumGothic.ttf", "NanumGothic"


def _i18n_dir() -> Path:
    """``i18n/`` of a clone (the source of truth), or the copy a regular install ships (setup.py)."""
    package = Path(__file__).resolve().parent
    repo = package.parent / "i18n"
    return repo if repo.is_dir() else package / "_i18n"


I18N_DIR = _i18n_dir()


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """{English: translation} of ``lang``'s catalog: translated, non-fuzzy messages only."""
    path = I18N_DIR / lang / CATALOG
    if lang == "en" or not path.exists():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        messages = read_po(f)
    return {m.id: m.string for m in messages if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang`` (English when there is no translation): for tools that build an edition."""
    return catalog(lang).get(text, text) if text else text


def _(text: str) -> str:
    """``text`` in the course's language (English when there is no translation)."""
    return translate(text, language())


def N_(text: str) -> str:  # noqa: N802 (gettext's name for it)
    """Mark ``text`` for the catalog without translating it now: for a sentence kept as data (a table's key) and
    translated where it is shown, with ``_()`` or ``tr()``."""
    return text


def tr(text: str, **fields) -> str:
    """``text`` translated, then its ``{fields}`` filled: ``tr("BLEU on {split}: {bleu:.1f}", split=s, bleu=b)``.
    The fields are named, so a translation may put them in another order. Taught in notebook 00."""
    return _(text).format(**fields)


def say(text: str, **fields) -> None:
    """Print :func:`tr`'s sentence: what notebooks use for a printed conclusion. Taught in notebook 00."""
    print(tr(text, **fields))


def hangul_font_file() -> Path | None:
    """NanumGothic from the koreanize-matplotlib package, found without importing that package (its import
    changes matplotlib's settings and needs distutils, gone in Python 3.12); None if it is not installed."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / FONT_FILE
    return path if path.exists() else None


@functools.cache
def _register_hangul_font() -> bool:
    from matplotlib import font_manager

    path = hangul_font_file()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
    return any(f.name == FONT_NAME for f in font_manager.fontManager.ttflist)  # or Debian's fonts-nanum


def use_fonts(lang: str | None = None) -> None:
    """Make matplotlib draw Hangul: NanumGothic first in the Korean edition, DejaVu Sans first (then NanumGothic
    for any Hangul) in the English one. Called when the package is imported."""
    import matplotlib

    if not _register_hangul_font():
        return
    lang = lang or language()
    order = [FONT_NAME, "DejaVu Sans"] if lang == "ko" else ["DejaVu Sans", FONT_NAME]
    matplotlib.rcParams["font.family"] = order  # a list: matplotlib takes each glyph from the first font that has it
    matplotlib.rcParams["axes.unicode_minus"] = lang != "ko"  # NanumGothic has no U+2212 minus sign
