"""Notebook 00's pair browser: the callback behind the widget."""

import pytest

from transformer_lite.grammar import phenomena
from transformer_lite.lab import browse


def test_show_pair_shows_the_chosen_pair(corpora):
    view = browse.show_pair(corpora, "sov", "valid", "any", 3)
    pair = corpora["sov"]["valid"][3]
    assert view.pair == pair and view.index == 3 and view.matches == len(corpora["sov"]["valid"])
    assert " ".join(pair.src) in view.text and " ".join(pair.tgt) in view.text
    ax = view.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(pair.src)  # columns: source
    assert [t.get_text() for t in ax.get_yticklabels()] == list(pair.tgt)  # rows: target


def test_filter(corpora):
    view = browse.show_pair(corpora, "fr", "test", "relative_clause", 0)
    assert "relative_clause" in phenomena(view.pair) and "relative_clause" in view.text
    # Past the last pair: a clear error, not a silent wrap-around (tests/test_lab_controls.py).


def test_bad_choices_are_clear_errors(corpora):
    with pytest.raises(ValueError, match="unknown phenomenon 'passive'"):
        browse.show_pair(corpora, "fr", "train", "passive")
    with pytest.raises(ValueError, match="unknown grammar 'de'"):
        browse.show_pair(corpora, "de")
    empty = type(corpora["fr"])("fr", {"train": []}, None, None)
    with pytest.raises(ValueError, match="no train pair shows 'any'"):
        browse.show_pair({"fr": empty}, "fr", "train")


def test_describe_uses_pharaoh_links(corpora):
    pair = corpora["fr"]["train"][0]
    assert "alignment (source-target): " + " ".join(f"{i}-{j}" for i, j in pair.alignment) in browse.describe(pair)


def test_widget_builds(corpora):
    pytest.importorskip("ipywidgets")
    box = browse.pair_browser(corpora)
    assert len(box.children) == 4 and "tl-lab" in box._dom_classes  # the last child: the focus ring style
