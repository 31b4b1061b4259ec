"""The demos of notebooks 03-05: every callback reacts to its inputs, every widget builds,
and the measurements behind the notebooks' claims hold."""

import math

import matplotlib.pyplot as plt
import pytest
import torch

from transformer_lite.lab import demos as W
from transformer_lite.model.layers import sinusoidal_encoding


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_temperature_demo_reacts_to_every_input():
    base = W.temperature_demo(d_k=16, temperature=1.0, seed=0)
    assert set(base) >= {"scores", "weights", "entropy", "max_entropy", "fig"}
    torch.testing.assert_close(base["weights"].sum(), torch.tensor(1.0, dtype=torch.float64))
    hot = W.temperature_demo(d_k=16, temperature=10.0, seed=0)
    cold = W.temperature_demo(d_k=16, temperature=0.1, seed=0)
    assert cold["entropy"] < base["entropy"] < hot["entropy"] <= hot["max_entropy"]
    other_seed = W.temperature_demo(d_k=16, temperature=1.0, seed=1)
    assert not torch.equal(other_seed["weights"], base["weights"])
    assert not torch.equal(W.temperature_demo(d_k=64, seed=0)["weights"], base["weights"])
    unscaled = W.temperature_demo(d_k=512, scale=False)
    scaled = W.temperature_demo(d_k=512, scale=True)
    assert unscaled["weights"].max() > 0.9 and unscaled["entropy"] < scaled["entropy"]  # saturation
    with pytest.raises(ValueError, match="temperature must be positive"):
        W.temperature_demo(temperature=0)


def test_mask_demo_draws_each_mask():
    results = {kind: W.mask_demo(kind, n_pad=2) for kind in W.MASK_KINDS}
    assert results["none"]["mask"].all()
    assert (~results["padding"]["mask"][:, -2:]).all() and results["padding"]["mask"][:, :-2].all()
    assert torch.equal(results["causal"]["mask"], torch.ones(6, 6, dtype=torch.bool).tril())
    assert torch.equal(results["padding + causal"]["mask"], results["padding"]["mask"] & results["causal"]["mask"])
    for r in results.values():
        assert (r["weights"][~r["mask"]] == 0).all()
        torch.testing.assert_close(r["weights"].sum(-1), torch.ones(6))
    assert W.mask_demo("padding", n_pad=0)["mask"].all()
    with pytest.raises(ValueError, match="unknown mask kind"):
        W.mask_demo("future")


def test_mask_padding_pads_a_shorter_sentence_and_keeps_its_words():
    """The padding slider adds <pad> after the whole sentence (a shorter sentence in a batch),
    never replacing its words: the real words always attend to the real words."""
    for n_pad in range(0, 5):
        demo = W.mask_demo("padding", n_pad=n_pad)
        assert demo["mask"].shape == (4 + n_pad, 4 + n_pad)
        assert demo["mask"][:, :4].all() and (~demo["mask"][:, 4:]).all()
        assert "<eos> may attend to the, cat, sleeps, <eos>" in demo["text"]
    with pytest.raises(ValueError, match="n_pad must be an integer from 0 to 8"):
        W.mask_demo("padding", n_pad=9)
    with pytest.raises(ValueError, match="without <pad>"):
        W.mask_demo("padding", tokens=("the", "<pad>"))


def test_every_demo_picture_has_a_text_twin():
    texts = [
        W.temperature_demo()["text"],
        W.mask_demo("causal")["text"],
        W.head_demo(0)["text"],
        W.positional_demo(10, 0)["text"],
    ]
    assert texts[0].startswith("Weights over the 8 keys") and "entropy" in texts[0]
    assert "the may attend to the;" in texts[1] and "→" in texts[1]
    assert texts[2].startswith("Each row word and the word it attends to most: the →")
    assert texts[3].startswith("PE[10, 0] = -0.544") and "sin wave of wavelength 6.3" in texts[3]


def test_head_demo_differs_between_heads_and_sentences():
    tokens = ("the", "small", "dog", "sees", "a", "red", "ball")
    first, second = W.head_demo(0, tokens), W.head_demo(1, tokens)
    assert first["weights"].shape == (4, 7, 7)
    torch.testing.assert_close(first["weights"], second["weights"])  # same model, another head shown
    assert not torch.allclose(first["weights"][0], first["weights"][1])
    torch.testing.assert_close(first["weights"].sum(-1), torch.ones(4, 7))
    other = W.head_demo(0, ("a", "cat", "runs"))
    assert other["weights"].shape == (4, 3, 3)
    assert W.head_demo(0, tokens, n_heads=2)["weights"].shape == (2, 7, 7)
    with pytest.raises(ValueError, match="head must be in 0..3"):
        W.head_demo(4, tokens)


def test_positional_demo_follows_position_and_dimension():
    pe = sinusoidal_encoding(100, 64)
    a, b, c = W.positional_demo(10, 0), W.positional_demo(11, 0), W.positional_demo(10, 7)
    assert a["value"] == pytest.approx(math.sin(10)) and b["value"] == pytest.approx(math.sin(11))
    assert c["value"] == pytest.approx(pe[10, 7].item())
    torch.testing.assert_close(a["row"], pe[10])
    torch.testing.assert_close(c["column"], pe[:, 7])
    assert a["wavelength"] == pytest.approx(2 * math.pi)
    assert c["wavelength"] == pytest.approx(2 * math.pi * 10000 ** (6 / 64))
    with pytest.raises(ValueError, match="position must be in"):
        W.positional_demo(100, 0)


def test_widgets_build(monkeypatch):
    import IPython.display
    import ipywidgets

    shown = []  # the titles of the figures the widgets display
    monkeypatch.setattr(IPython.display, "display", lambda fig: shown.append(fig._suptitle.get_text()))

    widgets = [
        W.temperature_widget(),
        W.mask_widget(),
        W.head_widget([["the", "dog", "runs"], ["a", "cat", "sleeps", "on", "the", "bed"]]),
        W.positional_widget(),
    ]
    for w in widgets:
        assert isinstance(w, ipywidgets.interactive)
        assert len(w.children) >= 2
    w = widgets[0]
    shown.clear()
    w.children[1].value = 4.0  # move the temperature slider: the figure is redrawn for the new value
    assert shown and shown[-1] == "d_k = 16, temperature = 4"
