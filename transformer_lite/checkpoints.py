"""Checkpoints: a model's weights saved with the config that builds them, loaded back with
``torch.load(weights_only=True)`` (no pickled code runs). Every way a file can be wrong (missing,
empty, truncated, foreign, unsafe, built for another version, holding NaN weights) is refused with
an error that says which."""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path

import torch

from .checks import show
from .model import MODEL_CLASSES, build_model


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded: empty, truncated, corrupt, foreign, unsafe or broken."""


def model_name(config) -> str:
    """The name a checkpoint stores for the model a config builds ("Transformer", "GPT", ...)."""
    for name, model_class in MODEL_CLASSES.items():
        if type(config) is model_class.config_class:
            return name
    raise TypeError(f"model.config is a {type(config).__name__}, which no model of this package is built from")


def save_checkpoint(model, path: str | Path, extra: dict | None = None) -> Path:
    """Save weights with the config that builds them (and optional plain-data ``extra``). ``model``: a
    model of :mod:`transformer_lite.model`, or an adapter around one (``lm.Translator``)."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name (str or Path); got {show(path)}")
    path = Path(path)
    record = {
        "model": model_name(model.config),
        "config": dataclasses.asdict(model.config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "extra": extra or {},
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:  # opened here, so that a folder we cannot write says so plainly
            torch.save(record, file)
    except OSError as e:
        raise type(e)(
            e.errno, f"path: cannot write the checkpoint {path} ({e.strerror}); save it in a folder you can write to"
        ) from None
    return path


def read_checkpoint(path, map_location):
    """``torch.load(path, weights_only=True)`` with the package's own errors: a missing, empty,
    truncated, foreign or unsafe file is named as such, never with advice to load pickled code."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a checkpoint file (str or Path); got {show(path)}")
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"checkpoint {file} does not exist: check the path (shipped ones: data/checkpoints)")
    if file.is_dir():
        raise CheckpointError(f"checkpoint {file} is a folder; give the .pt file inside it")
    if file.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {file} is empty (0 bytes): the save was cut short; save it again")
    try:
        return torch.load(file, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        if "Unsupported global" in str(e) or "GLOBAL" in str(e):
            raise CheckpointError(
                f"checkpoint {file} holds pickled Python objects, which could run code, so it was not loaded; "
                "load only files written by save_checkpoint"
            ) from None
        raise CheckpointError(f"checkpoint {file} is not a torch checkpoint, or is corrupt; not loaded") from None
    except (RuntimeError, EOFError, OSError, KeyError, ValueError, TypeError, IndexError, AttributeError) as e:
        raise CheckpointError(
            f"checkpoint {file} is truncated or corrupt ({type(e).__name__}); save it again or use a shipped one"
        ) from None


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


def _check_state(path, ckpt: dict, expected: dict, state: dict) -> None:
    """Every parameter the model has, of its shape, and finite: a NaN weight would translate to nothing."""
    missing, unexpected = sorted(expected.keys() - state.keys()), sorted(state.keys() - expected.keys())
    wrong = [
        f"{k} {tuple(state[k].shape)} vs {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or wrong:
        raise CheckpointError(
            f"checkpoint {path} does not fit {ckpt['model']}: missing {missing[:5]}, unexpected {unexpected[:5]}, "
            f"wrong shapes {wrong[:5]}"
        )
    broken = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if broken:
        raise CheckpointError(
            f"checkpoint {path} holds NaN or inf weights in {', '.join(broken[:3])}: the training that saved it "
            "diverged; train again or use a shipped checkpoint"
        )


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
    state = {_current_name(k): v for k, v in ckpt["state_dict"].items()}
    _check_state(path, ckpt, model.state_dict(), state)
    model.load_state_dict(state)
    return model.eval(), ckpt["extra"]
