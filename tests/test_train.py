"""Training utilities, checkpoints and metrics, on tiny models (seconds)."""

import math

import pytest
import torch
from tiny import small_transformer

from transformer_lite import data, train


def test_warmup_schedule_peaks_at_warmup():
    lrs = [train.warmup_lr(s, 128, 400) for s in range(1, 2000)]
    assert max(range(len(lrs)), key=lrs.__getitem__) + 1 == 400
    assert lrs[399] == pytest.approx(128**-0.5 * 400**-0.5)
    assert lrs[1598] == pytest.approx(128**-0.5 * 1599**-0.5)


def test_label_smoothing_matches_the_definition():
    logits = torch.randn(2, 3, 7, dtype=torch.float64)
    target = torch.tensor([[4, 5, 0], [1, 2, 3]])  # one padding position (id 0)
    eps = 0.1
    logp = logits.log_softmax(-1).reshape(-1, 7)
    t = target.reshape(-1)
    keep = t != data.PAD_ID
    smooth = torch.full((6, 7), eps / 7, dtype=torch.float64)
    smooth[torch.arange(6), t] += 1 - eps
    expected = -(smooth * logp).sum(-1)[keep].mean()
    assert train.label_smoothed_loss(logits, target, eps).item() == pytest.approx(expected.item(), rel=1e-9)


def test_fit_learns_and_callbacks_can_stop(tiny):
    corpus, ds = tiny
    model = small_transformer(corpus)
    seen = []

    def stop_after_20(event, info):
        seen.append(event)
        return event == "batch" and info["step"] >= 20

    history = train.fit(model, ds, ds, train.TrainConfig(steps=30, batch_size=32), [stop_after_20], progress=False)
    assert len(history.steps) == 20 and "batch" in seen
    assert history.steps[-1] < history.steps[0]
    assert "valid_loss" in history.epochs[-1] and math.isfinite(history.epochs[-1]["valid_loss"])


def test_the_paper_schedule_needs_a_model_width_and_says_so(tiny):
    """Eq. 3 scales by d_model: an RNN (hidden_dim, no d_model) trains on the constant schedule, and
    asking it for "warmup" is refused by name instead of guessing a width."""
    from tiny import tiny_rnn

    corpus, ds = tiny
    with pytest.raises(ValueError, match=r"schedule 'warmup'.*d_model.*schedule='constant'"):
        train.fit(tiny_rnn(corpus), ds, None, train.TrainConfig(steps=2, batch_size=8), progress=False)
    history = train.fit(
        tiny_rnn(corpus), ds, None, train.TrainConfig(steps=2, batch_size=8, schedule="constant"), progress=False
    )
    assert len(history.steps) == 2


def test_freed_memory_is_kept_for_the_next_tensors_unless_the_environment_says_no(monkeypatch):
    """config.reuse_freed_memory (run at import): glibc keeps freed blocks, so a large tensor is not
    faulted in afresh at every training or attention step; TRANSFORMER_LITE_KEEP_MEMORY=0 opts out."""
    import platform
    import sys

    from transformer_lite import config

    monkeypatch.setenv(config.KEEP_MEMORY_ENV_VAR, "0")
    assert config.reuse_freed_memory() is False
    monkeypatch.delenv(config.KEEP_MEMORY_ENV_VAR)
    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert config.reuse_freed_memory() is glibc
