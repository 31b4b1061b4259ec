"""Two languages, one source (issue 21): the Korean catalogs are complete and cannot drift from the English.

The first test is the one that guards the course: every markdown cell, package string and README/TEACHING
paragraph has a finished Korean translation whose code, math, links, notebook names and numbers are the
English's, in the glossary's words. The others show that the mechanism catches what it must."""

from __future__ import annotations

import warnings

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from tools import i18n_check, translate  # noqa: E402
from transformer_lite import config, i18n  # noqa: E402


def test_the_korean_edition_is_complete_and_consistent():
    found = i18n_check.problems("ko")
    assert not found, f"{len(found)} problems; the first 40:\n" + "\n".join(found[:40])


def _notebook(tmp_path, source: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
    nb.cells[0].id = "cell-1"
    path = tmp_path / "99_test.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_changed_english_cell_is_marked_fuzzy_and_named(tmp_path):
    old = translate.update_by_context(
        translate.Catalog(locale="ko"), translate.notebook_template(_notebook(tmp_path, "The cat sits.")), "ko"
    )
    old.get("The cat sits.", "cell-1").string = "고양이가 앉아 있다."
    path = _notebook(tmp_path, "The dog sits.")
    new = translate.update_by_context(old, translate.notebook_template(path), "ko")
    entry = new.get("The dog sits.", "cell-1")
    assert entry.fuzzy and entry.string == "고양이가 앉아 있다." and entry.previous_id == ["The cat sits."]
    [report] = i18n_check.notebook_completeness(path, new)
    assert "99_test.ipynb cell cell-1" in report and "The dog sits." in report and "The cat sits." in report
    # a cell the catalog has never seen, and a catalog not updated after the English changed
    assert "without a translation" in i18n_check.notebook_completeness(path, translate.Catalog(locale="ko"))[0]
    assert "the English changed" in i18n_check.notebook_completeness(path, old)[0]


def test_placeholders_catch_a_translated_identifier_a_number_and_a_link():
    english = "Call `transpose_output` on the $(L, d_k)$ output of notebook [03](03_scaled.ipynb): 4 heads."
    good = "노트북 [03](03_scaled.ipynb)의 $(L, d_k)$ 출력에 `transpose_output`을 호출한다: 헤드 4개."
    assert i18n_check.placeholder_problem(english, good) is None
    for bad in (
        good.replace("transpose_output", "transposeDefput"),
        good.replace("4개", "5개"),
        good.replace("03_scaled.ipynb", "04_multi.ipynb"),
        good.replace("$(L, d_k)$", "$(L, d)$"),
    ):
        assert i18n_check.placeholder_problem(english, bad), bad


def test_the_glossary_term_must_be_used():
    terms = i18n_check.glossary("ko")
    assert not i18n_check.glossary_problems("Multi-head attention splits d_model.", "멀티헤드 어텐션은 나눈다.", terms)
    problems = i18n_check.glossary_problems("Multi-head attention splits d_model.", "다중 주의는 나눈다.", terms)
    assert problems and "multi-head attention" in problems[0]


def test_the_language_switch(monkeypatch):
    monkeypatch.setenv(config.LANG_ENV_VAR, "fr")
    with pytest.raises(ValueError, match="en .*ko"):
        config.language()
    monkeypatch.setenv(config.LANG_ENV_VAR, " KO ")
    assert config.language() == "ko"
    monkeypatch.delenv(config.LANG_ENV_VAR)
    assert config.language() == "en" and i18n.tr("{n} words", n=3) == "3 words"


def test_tr_uses_the_catalog_and_falls_back_to_english(monkeypatch):
    monkeypatch.setenv(config.LANG_ENV_VAR, "ko")
    catalog = translate.read_catalog(translate.I18N / "ko" / "messages.po", "ko")
    done = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    if done:
        english, korean = next(iter(done.items()))
        assert i18n._(english) == korean
    assert i18n._("a sentence no catalog has") == "a sentence no catalog has"


def test_hangul_renders_with_no_missing_glyph(tmp_path):
    assert i18n.hangul_font_file() is not None, "koreanize-matplotlib (the NanumGothic font) is not installed"
    for lang in ("ko", "en"):
        i18n.use_fonts(lang)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            fig, ax = plt.subplots()
            ax.set_title("어텐션 가중치: 개가 고양이를 본다")
            ax.set_xlabel("원문 단어 (source)")
            fig.savefig(tmp_path / f"{lang}.png")
            plt.close(fig)
    i18n.use_fonts()
