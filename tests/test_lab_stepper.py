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


def test_lru_cache_forgets_the_least_recently_used():
    """lab.cache.LRUCache, which the stepper, the explorer and the canvas keep their work in."""
    from transformer_lite.lab.cache import LRUCache

    calls = []

    def compute(key):
        return lambda: calls.append(key) or key.upper()

    cache = LRUCache(2)
    assert cache.get("a", compute("a")) == "A" and cache.get("b", compute("b")) == "B"
    assert cache.get("a", compute("a")) == "A" and calls == ["a", "b"]  # a cached, and now the most recent
    cache.get("c", compute("c"))  # full: b, the least recently used, goes
    cache.get("a", compute("a"))
    assert calls == ["a", "b", "c"]
    cache.get("b", compute("b"))  # b was forgotten: computed again
    assert calls == ["a", "b", "c", "b"]
    with pytest.raises(ValueError, match="size must be at least 1; got 0"):
        LRUCache(0)


def test_step_view_reuses_its_cache():
    model, c = pretrained("seq2seq_attention", "fr"), corpus("fr")
    from transformer_lite.lab.cache import LRUCache

    cache = LRUCache(4)
    sentence = " ".join(c["test"][0].src)
    first, fig = stepper.step_view(model, c, sentence, 0, cache=cache)
    matplotlib.pyplot.close(fig)
    second, fig = stepper.step_view(model, c, sentence, 1, cache=cache)
    matplotlib.pyplot.close(fig)
    assert second["source"] is first["source"]  # the same translation, not a new one
    info, fig = stepper.step_view(model, c, "the dgo sleeps", 0, cache=cache)
    assert fig is None and "dgo" in info["error"]
