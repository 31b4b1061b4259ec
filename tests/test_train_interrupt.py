"""Training stops cleanly when interrupted, keeps the model trained so far and says how far it got;
budgets are steps; the progress bar ends complete; printed configs show only what the run uses."""

import signal

import pytest
import torch
from tiny import small_transformer

from transformer_lite import train

STEPS, STOP_AT = 12, 5


def _fit(tiny, stop, **kw):
    """A tiny model trained for STEPS steps (batch 32: 8 per epoch) with a callback ``stop(step)``
    run after every step; returns (model, history)."""
    corpus, ds = tiny
    torch.manual_seed(0)
    model = small_transformer(corpus)
    config = train.TrainConfig(steps=STEPS, batch_size=32, warmup=4, cooldown=6, **kw)
    history = train.fit(model, ds, None, config, [lambda event, info: event == "batch" and stop(info["step"])], False)
    return model, history


def _same_weights(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def _raise_at(k, what):
    def stop(step):
        if step == k:
            what()
        return False

    return stop


def _keyboard_interrupt():
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "interrupt", [_keyboard_interrupt, lambda: signal.raise_signal(signal.SIGINT)], ids=["exception", "sigint"]
)
def test_an_interrupt_at_step_k_keeps_k_steps_of_training_and_says_so(tiny, interrupt, capsys):
    reference, _ = _fit(tiny, lambda step: step == STOP_AT)  # a callback asking to stop after step k
    model, history = _fit(tiny, _raise_at(STOP_AT, interrupt))
    assert history.interrupted and history.steps_done == STOP_AT
    assert _same_weights(model, reference), "the interrupted model is not the model after k steps"
    assert not model.training
    out = capsys.readouterr().out
    assert f"Interrupted after {STOP_AT} of {STEPS} steps" in out and "not fully trained" in out
    assert "Traceback" not in out


def test_a_sigint_is_never_swallowed_and_the_handler_is_restored(tiny):
    before = signal.getsignal(signal.SIGINT)
    for k in (1, 3, 8):  # first step, mid-epoch, first step of epoch 2
        _, history = _fit(tiny, _raise_at(k, lambda: signal.raise_signal(signal.SIGINT)))
        assert history.interrupted and history.steps_done == k
    assert signal.getsignal(signal.SIGINT) is before


def test_the_budget_is_steps_and_the_run_ends_exactly_there(tiny):
    _, history = _fit(tiny, lambda step: False)
    assert history.steps_done == STEPS and not history.interrupted
    assert [e["steps"] for e in history.epochs] == [8, 12]  # 256 pairs / 32 = 8 steps per epoch
    assert history.summary().startswith(f"{STEPS} of {STEPS} steps in ")


def test_the_progress_bar_counts_steps_and_ends_complete(tiny, monkeypatch):
    bars = []
    real = train.tqdm

    def spy(*args, **kwargs):
        bars.append(real(*args, **kwargs))
        return bars[-1]

    monkeypatch.setattr(train, "tqdm", spy)
    corpus, ds = tiny
    model = small_transformer(corpus)
    train.fit(model, ds, None, train.TrainConfig(steps=STEPS, batch_size=32), progress=True)
    assert len(bars) == 1 and bars[0].total == STEPS and bars[0].n == STEPS


def test_the_learning_rate_cools_down_to_zero_at_the_last_step():
    cfg = train.TrainConfig(steps=100, warmup=10, cooldown=40)
    lrs = [train.learning_rate(s, cfg, 64) for s in range(1, 101)]
    assert lrs[:60] == pytest.approx([train.warmup_lr(s, 64, 10) for s in range(1, 61)])
    assert lrs[-1] == 0.0 and all(a > b for a, b in zip(lrs[60:], lrs[61:]))
    constant = train.TrainConfig(steps=10, schedule="constant", lr=0.01, cooldown=0)
    assert {train.learning_rate(s, constant, 64) for s in range(1, 11)} == {0.01}


def test_a_printed_config_shows_only_what_the_run_uses():
    warm = repr(train.TrainConfig(steps=800, schedule="warmup"))
    assert "steps=800" in warm and "warmup=" in warm and "lr=" not in warm and "epochs" not in warm
    const = repr(train.TrainConfig(steps=400, schedule="constant", lr=3e-3))
    assert "lr=0.003" in const and "warmup" not in const and "lr_factor" not in const
    for bad in ({"schedule": "cosine"}, {"steps": 0}, {"steps": 10, "cooldown": 11}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            train.TrainConfig(**bad)


KERNEL_CODE = """
import torch
from transformer_lite import data, train
from transformer_lite.model import Transformer, TransformerConfig
corpus = data.load_corpus("fr")
ds = data.TranslationDataset(corpus["train"][:256], corpus.src_vocab, corpus.tgt_vocab)
model = Transformer(TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=32, n_heads=2, d_ff=64))
def started(event, info):
    if info.get("step") == 3:
        print("STARTED", flush=True)
history = train.fit(model, ds, None, train.TrainConfig(steps=10**6, batch_size=32), [started], progress=True)
print("AFTER", history.interrupted, history.steps_done >= 3, model.training)
"""


@pytest.mark.slow
def test_the_kernel_stop_button_ends_training_cleanly_and_the_kernel_lives_on():
    """As a student presses stop in Jupyter: the kernel gets SIGINT mid-training."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        msg_id = kc.execute(KERNEL_CODE)
        out, errors, interrupted = [], [], False
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
                if "STARTED" in content["text"] and not interrupted:
                    km.interrupt_kernel()
                    interrupted = True
            elif kind == "error":
                errors.append(content["ename"])
            elif kind == "status" and content["execution_state"] == "idle":
                break
        text = "".join(out)
        assert interrupted and errors == [] and kc.get_shell_msg(timeout=30)["content"]["status"] == "ok"
        assert "Interrupted after" in text and "AFTER True True False" in text, text[-500:]
        assert "Traceback" not in text
    finally:
        km.shutdown_kernel(now=True)
