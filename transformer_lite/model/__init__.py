"""The models a student reads: attention, layers, the Transformer, the RNN baselines and GPT.

This package imports only torch, the standard library and itself. Every model is a
``base.TranslationModel``: the interface training and decoding rely on is described once, in
:mod:`transformer_lite.model.base`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from .checks import CheckpointError, read_checkpoint, show
from .gpt import GPT, GPTConfig
from .rnn import RNNConfig, Seq2Seq
from .transformer import Transformer, TransformerConfig

# Each model names the config that builds it (``config_class``); a checkpoint stores the model's name.
MODEL_CLASSES = {cls.__name__: cls for cls in (Seq2Seq, Transformer, GPT)}


def build_model(config):
    """Build the model a config describes. Taught in notebook 07."""
    for model_cls in MODEL_CLASSES.values():
        if type(config) is model_cls.config_class:
            return model_cls(config)
    raise ValueError(
        f"config: no model takes a {type(config).__name__}; pass one of "
        f"{', '.join(m.config_class.__name__ for m in MODEL_CLASSES.values())}"
    )


# ---- checkpoints -----------------------------------------------------------------------------
def save_checkpoint(model, path: str | Path, extra: dict | None = None) -> Path:
    """Save weights with the config that builds them (and optional plain-data ``extra``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "model": type(model).__name__,
            "config": dataclasses.asdict(model.config),
            "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "extra": extra or {},
        },
        path,
    )
    return path


def _check_config(path, ckpt: dict, stored, config) -> None:
    """A config passed to :func:`load_checkpoint` must be the stored one, field for field."""
    if type(config) is not type(stored):
        raise ValueError(
            f"checkpoint {path} is a {ckpt['model']} ({type(stored).__name__}); got a {type(config).__name__}"
        )
    diff = {k: (v, getattr(stored, k)) for k, v in dataclasses.asdict(config).items() if getattr(stored, k) != v}
    if diff:
        detail = ", ".join(f"{k}: yours={a!r} checkpoint={b!r}" for k, (a, b) in diff.items())
        raise ValueError(f"checkpoint {path} does not match the config: {detail}")


def _current_name(key: str) -> str:
    """A parameter's name in this version. The encoder layer's first Add & Norm was called
    ``sub_attn`` until the decoder layer began to build on the encoder layer (now ``sub_self``):
    checkpoints saved before still load."""
    return key.replace(".sub_attn.", ".sub_self.")


def load_checkpoint(path: str | Path, config=None, map_location="cpu"):
    """Rebuild a model from a checkpoint (``torch.load(weights_only=True)``: no pickled code).

    If ``config`` is given it must match the stored one, else a ``ValueError`` lists the
    differing fields. Returns (model in eval mode, extra dict).
    """
    ckpt = read_checkpoint(path, map_location)
    if not isinstance(ckpt, dict) or not {"model", "config", "state_dict"} <= ckpt.keys():
        raise CheckpointError(f"{path} is not a transformer_lite checkpoint (expected model, config and state_dict)")
    if ckpt["model"] not in MODEL_CLASSES:
        raise CheckpointError(f"checkpoint {path} holds an unknown model type {show(ckpt['model'])}")
    try:
        stored = MODEL_CLASSES[ckpt["model"]].config_class(**ckpt["config"])
    except TypeError as e:  # fields this version does not know (a checkpoint from another version)
        raise CheckpointError(f"checkpoint {path} has a config this version cannot build: {e}") from None
    if config is not None:
        _check_config(path, ckpt, stored, config)
    model = build_model(stored)
    expected = model.state_dict()
    state = {_current_name(k): v for k, v in ckpt["state_dict"].items()}
    missing, unexpected = sorted(expected.keys() - state.keys()), sorted(state.keys() - expected.keys())
    wrong = [
        f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or wrong:
        raise ValueError(
            f"checkpoint {path} does not fit {ckpt['model']}: missing {missing[:5]}, unexpected {unexpected[:5]}, "
            f"wrong shapes {wrong[:5]}"
        )
    model.load_state_dict(state)
    return model.eval(), ckpt["extra"]


__all__ = [
    "GPT",
    "GPTConfig",
    "MODEL_CLASSES",
    "RNNConfig",
    "Seq2Seq",
    "Transformer",
    "TransformerConfig",
    "build_model",
    "load_checkpoint",
    "save_checkpoint",
]
