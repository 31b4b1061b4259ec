"""What the course's models share: the interface training and decoding rely on, and the fields of
the two Transformer configs.

The two translation models (``Seq2Seq``, ``Transformer``) are :class:`TranslationModel` s; the GPT is a
language model, which :class:`transformer_lite.lm.Translator` gives the same interface:

* ``model.config``: the dataclass that builds it (stored in checkpoints);
* ``model(src, src_mask, tgt_in, return_attention=False, intervene=...) -> (logits, attention)``:
  teacher-forced logits (batch, T, tgt_vocab) and, if asked, a dict {"enc_self", "dec_self",
  "cross"} of lists over layers of (batch, heads, Lq, Lk) maps;
* ``model.start(src, src_mask) -> (memory, state)`` and
  ``model.step(memory, src_mask, tokens, state) -> (log_probs, state)`` for decoding, one new word
  per step: ``memory`` is what the model read from the source once (the encoder's output, the GPT's
  cached source), ``state`` what it keeps of the words written so far; both hold batch-first tensors,
  so beam search can pick rows of them. ``state=None`` rebuilds the state from the prefix (:func:`replay`);
* ``model.attention_shape() -> {kind: (layers, heads)}``, which an ``Intervention`` must fit.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import ClassVar

import torch
from torch import nn

from . import _doors
from .attention import NO_INTERVENTION, Intervention


@dataclass
class StackConfig:
    """The fields every Transformer-style config has (``TransformerConfig``, ``GPTConfig``); each
    adds its layer counts, named in ``LAYER_FIELDS``. Only the two vocabulary sizes may be given
    by position: a field list that differs between the two configs must not shift silently."""

    LAYER_FIELDS: ClassVar[tuple[str, ...]] = ()

    src_vocab_size: int
    tgt_vocab_size: int
    _: KW_ONLY  # the rest by name only, e.g. TransformerConfig(src, tgt, d_model=64, n_heads=4)
    d_model: int = 128
    n_heads: int = 4
    d_ff: int = 256
    dropout: float = 0.1
    max_len: int = 256
    norm_first: bool = False  # False: post-norm as in the paper; True: pre-norm (GPT-2 and most later models)
    tie_embeddings: bool = True  # the output projection reuses the target embedding (paper Sec. 3.4)
    learned_positions: bool = False  # False: the paper's sinusoids; True: one learned vector per position (GPT)

    def __new__(cls, *args, **kwargs):
        _doors.positional_sizes(cls, args)
        return super().__new__(cls)

    def __post_init__(self):
        _doors.config(self)


def count_parameters(*modules: nn.Module) -> int:
    """The number of parameters in ``modules`` (each module's own parameters counted once), for the
    models' ``parameter_counts``, which notebooks 06 and 10 print."""
    return sum(p.numel() for m in modules for p in m.parameters())


def xavier_init(model: nn.Module) -> None:
    """Xavier-uniform for every weight matrix (biases and norms keep PyTorch's defaults)."""
    for p in model.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)


class TranslationModel(nn.Module):
    """The base of the two translation models. Each defines ``forward``, ``start``, ``step``,
    ``empty_state`` and ``attention_shape`` (see the module docstring)."""

    config_class: ClassVar[type] = object  # the dataclass that builds the model

    def __init__(self, config):
        super().__init__()
        _doors.model_config(self, config)
        self.config = config

    def attention_shape(self) -> dict[str, tuple[int, int]]:
        """{kind: (layers, heads)} for each kind of attention the model has."""
        raise NotImplementedError

    def empty_state(self, memory):
        """The decoding state before the first word."""
        raise NotImplementedError


def replay(model, memory, src_mask: torch.Tensor, tokens: torch.Tensor, *, intervene: Intervention = NO_INTERVENTION):
    """The state after feeding ``tokens[:, :-1]`` one word at a time (what ``model.step`` does when
    called without a state). tokens (batch, t), <bos> first."""
    state = model.empty_state(memory)
    for i in range(1, tokens.shape[1]):
        _, state = model.step(memory, src_mask, tokens[:, :i], state, intervene=intervene)
    return state
