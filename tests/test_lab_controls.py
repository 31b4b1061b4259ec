"""Widget controls say what they do (issue 11): labels that fit, a stepper slider counted like its
title, a pair browser that stops at the last pair instead of wrapping silently."""

import ipywidgets as w
import matplotlib
import pytest
from ipywidgets.widgets.widget_description import DescriptionWidget
from tiny import corpus, pretrained

from transformer_lite.lab import browse, demos, stepper

matplotlib.use("Agg")
FITS = 7  # characters a widget label shows at ipywidgets' default label width before it cuts them ("temperat...")


def controls(widget):
    """Every widget inside ``widget`` (VBox/HBox children, interactive's controls)."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from controls(child)


def cut_labels(widget) -> list[str]:
    return [
        c.description
        for c in controls(widget)
        if isinstance(c, DescriptionWidget)
        and not isinstance(c, w.Button | w.Checkbox | w.ToggleButton)  # these show their text in full
        and len(c.description) > FITS
        and not c.style.description_width  # the default width cuts long labels
    ]


def test_no_widget_label_is_cut_off(corpora):
    model, c = pretrained("seq2seq_attention", "fr"), corpus("fr")
    built = {
        "pair browser": browse.pair_browser(corpora),
        "stepper": stepper.stepper_widget(model, c, ["the dog sleeps"]),
        "temperature": demos.temperature_widget(),
        "positions": demos.positional_widget(),
        "heads": demos.head_widget([("the", "dog", "sleeps")]),
        "mask": demos.mask_widget(),
    }
    cut = {name: cut_labels(widget) for name, widget in built.items()}
    assert not any(cut.values()), f"labels cut off at the default width: {cut}"
    matplotlib.pyplot.close("all")


def test_stepper_slider_counts_like_its_title():
    """The slider says 'output word 3' when the title says 'output word 3/12', and stops at the last word."""
    model, c = pretrained("seq2seq_attention", "fr"), corpus("fr")
    sentence = " ".join(c["test"][0].src)
    box = stepper.stepper_widget(model, c, [sentence])
    slider = next(x for x in controls(box) if isinstance(x, w.IntSlider))
    n_out = len(stepper.attend(model, c, sentence)["output"])
    assert (slider.min, slider.max) == (1, n_out)
    slider.value = 3
    info, fig = stepper.step_view(model, c, sentence, slider.value - 1)
    assert fig.axes[0].get_title().startswith(f"output word 3/{n_out}")
    matplotlib.pyplot.close("all")


def test_pair_browser_stops_at_the_last_pair(corpora):
    view = browse.show_pair(corpora, "fr", "test", "relative_clause", 0)
    last = browse.show_pair(corpora, "fr", "test", "relative_clause", view.matches - 1)
    assert last.index == view.matches - 1
    with pytest.raises(ValueError, match=f"pair {view.matches}.*0 to {view.matches - 1}"):
        browse.show_pair(corpora, "fr", "test", "relative_clause", view.matches)
    box = browse.pair_browser(corpora)
    number = next(x for x in controls(box) if isinstance(x, w.BoundedIntText))
    assert number.max == len(corpora["fr"]["train"]) - 1  # the first grammar, split "train", any phenomenon
    matplotlib.pyplot.close("all")
