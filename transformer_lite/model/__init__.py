"""The models a student reads: attention, layers, the Transformer, the RNN baselines and GPT.

This package imports only torch, the standard library and itself. The two translation models are
``base.TranslationModel`` s; the GPT is a language model, turned into a translator by
:mod:`transformer_lite.lm`. The interface training and decoding rely on is described once, in
:mod:`transformer_lite.model.base`. Checkpoints are saved and loaded by
:mod:`transformer_lite.checkpoints`; the argument checks at the models' doors live in ``_doors.py``.
"""

from __future__ import annotations

from . import _doors
from .gpt import GPT, GPTConfig
from .rnn import RNNConfig, Seq2Seq
from .transformer import Transformer, TransformerConfig

# Each model names the config that builds it (``config_class``); a checkpoint stores the model's name.
MODEL_CLASSES = {cls.__name__: cls for cls in (Seq2Seq, Transformer, GPT)}


def build_model(config):
    """Build the model a config describes."""
    for model_cls in MODEL_CLASSES.values():
        if type(config) is model_cls.config_class:
            return model_cls(config)
    raise TypeError(
        f"config must be one of {', '.join(m.config_class.__name__ for m in MODEL_CLASSES.values())}; got "
        f"{_doors.show(config)} ({type(config).__name__})"
    )


__all__ = [
    "GPT",
    "GPTConfig",
    "MODEL_CLASSES",
    "RNNConfig",
    "Seq2Seq",
    "Transformer",
    "TransformerConfig",
    "build_model",
]
