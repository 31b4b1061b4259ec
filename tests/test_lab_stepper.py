"""Notebook 02's stepper (transformer_lite.lab.stepper)."""

import matplotlib
import pytest
import torch
from tiny import corpus, pretrained

from transformer_lite.lab import stepper

matplotlib.use("Agg")


def test_stepper_shows_each_output_words_attention():
    model, c = pretrained("seq2seq_attention", "fr"), corpus("fr")
    sentence = " ".join(c["test"][0].src)
    result = stepper.attend(model, c, sentence)
    assert result["output"][-1] == "<eos>"
    assert result["weights"].shape == (len(result["output"]), len(result["source"]))
    assert torch.allclose(result["weights"].sum(-1), torch.ones(len(result["output"])), atol=1e-5)
    info, fig = stepper.step_view(model, c, sentence, 1)
    assert info["word"] == result["output"][1] and info["step"] == 1
    assert info["top"][0][1] == pytest.approx(float(result["weights"][1].max()))
    assert fig is not None
    info, _ = stepper.step_view(model, c, sentence, 999)  # clamped to the last word, <eos>
    assert info["word"] == "<eos>"
    info, fig = stepper.step_view(model, c, "the dgo sees a cat", 0)
    assert fig is None and "dgo" in info["error"] and "dog" in info["error"]
    info, fig = stepper.step_view(model, c, "", 0)
    assert fig is None and "empty" in info["error"]
    matplotlib.pyplot.close("all")
