"""What the course's three models share: the interface training and decoding rely on, and the
fields of the two Transformer configs.

Every model (``Seq2Seq``, ``Transformer``, ``GPT``) is a :class:`TranslationModel`:

* ``model.config``: the dataclass that builds it (stored in checkpoints);
* ``model(src, src_mask, tgt_in, return_attention=False, intervene=...) -> (logits, attention)``:
  teacher-forced logits (batch, T, tgt_vocab) and, if asked, a dict {"enc_self", "dec_self",
  "cross"} of lists over layers of (batch, heads, Lq, Lk) maps;
* ``model.start(src, src_mask) -> (memory, state)`` and
  ``model.step(memory, src_mask, tokens, state) -> (log_probs, state)`` for decoding, one new
  word per step; ``state=None`` rebuilds the state from the prefix (:meth:`replay`);
* ``model.attention_shape() -> {kind: (layers, heads)}``, which an ``Intervention`` must fit.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import ClassVar

import torch
from torch import nn

from . import checks as check
from .attention import NO_INTERVENTION, Intervention
from .specials import SPECIALS


@dataclass
class StackConfig:
    """The fields every Transformer-style config has (``TransformerConfig``, ``GPTConfig``); each
    adds its layer counts, named in ``LAYER_FIELDS``. Only the two vocabulary sizes may be given
    by position: a field list that differs between the two configs must not shift silently.
    Taught in notebook 06."""

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
        if len(args) > 2:  # the generated __init__ would say only "takes 3 positional arguments"
            raise TypeError(
                f"{cls.__name__} takes the two vocabulary sizes by position and every other field by name, e.g. "
                f"{cls.__name__}(src_vocab_size, tgt_vocab_size, d_model=64, n_heads=4); got {len(args)} positional "
                f"values {check.show(args)}"
            )
        return super().__new__(cls)

    def __post_init__(self):
        for name in ("src_vocab_size", "tgt_vocab_size"):  # at least one word besides the specials
            check.integer(name, getattr(self, name), minimum=len(SPECIALS) + 1)
        for name in ("d_model", "n_heads", "d_ff", "max_len"):
            check.integer(name, getattr(self, name))
        for name in self.LAYER_FIELDS:
            check.integer(name, getattr(self, name), minimum=0)
        check.probability("dropout", self.dropout)
        for name in ("norm_first", "tie_embeddings", "learned_positions"):
            check.flag(name, getattr(self, name))
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} is not divisible by n_heads={self.n_heads}")
        if self.d_model % 2:
            raise ValueError(f"d_model={self.d_model} must be even (sinusoidal positions come in sin/cos pairs)")


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
    """The base of the three models: their shared entry checks and the decoding state's replay.
    Each subclass defines ``forward``, ``start``, ``step``, ``empty_state`` and ``attention_shape``
    (see the module docstring)."""

    config_class: ClassVar[type] = object  # the dataclass that builds the model

    def __init__(self, config):
        super().__init__()
        if not isinstance(config, self.config_class):
            raise TypeError(
                f"config must be a {self.config_class.__name__}; got {check.show(config)} ({type(config).__name__}). "
                "transformer_lite.model.build_model(config) builds the model a config describes"
            )
        self.config = config

    def attention_shape(self) -> dict[str, tuple[int, int]]:
        """{kind: (layers, heads)} for each kind of attention the model has."""
        raise NotImplementedError

    def empty_state(self, memory):
        """The decoding state before the first word."""
        raise NotImplementedError

    def check_inputs(self, src, src_mask, tgt_in=None, intervene: Intervention = NO_INTERVENTION) -> None:
        """Entry-point checks (one scan of the ids): ids inside the vocabularies, bool masks of
        their ids' shape, one target per source, head masks that fit :meth:`attention_shape`."""
        check.key_mask("src_mask", src_mask, check.ids("src", src, self.config.src_vocab_size))
        if tgt_in is not None:
            self.check_target(src, tgt_in)
        intervene.check_shape(self.attention_shape())

    def check_target(self, src: torch.Tensor, tgt_in) -> None:
        """tgt_in (batch, T): ids inside the target vocabulary, one row per row of the (checked) src."""
        check.ids("tgt_in", tgt_in, self.config.tgt_vocab_size)
        if tgt_in.shape[0] != src.shape[0]:
            raise ValueError(f"tgt_in has {tgt_in.shape[0]} rows but src has {src.shape[0]}: one target per source")

    def replay(self, memory, src_mask: torch.Tensor, tokens: torch.Tensor, intervene: Intervention = NO_INTERVENTION):
        """The state after feeding ``tokens[:, :-1]`` one word at a time (what ``step`` does when
        called without a state). tokens (batch, t), <bos> first."""
        state = self.empty_state(memory)
        for i in range(1, tokens.shape[1]):
            _, state = self.step(memory, src_mask, tokens[:, :i], state, intervene)
        return state
