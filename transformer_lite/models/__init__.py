"""Models. Every model shares one small interface, which training and decoding rely on:

* ``model.config``: the dataclass that builds it (stored in checkpoints);
* ``model(src, src_mask, tgt_in, return_attention=False) -> (logits, attention)``;
* ``model.start(src, src_mask) -> (memory, state)`` and
  ``model.step(memory, src_mask, tokens, state) -> (log_probs, state)`` for decoding.
"""

from .rnn import RNNConfig, Seq2Seq
from .transformer import Transformer, TransformerConfig

MODEL_CLASSES = {"Seq2Seq": (Seq2Seq, RNNConfig), "Transformer": (Transformer, TransformerConfig)}


def build_model(config):
    """Build the model a config describes."""
    for model_cls, config_cls in MODEL_CLASSES.values():
        if type(config) is config_cls:
            return model_cls(config)
    raise ValueError(f"no model takes a config of type {type(config).__name__}")


__all__ = ["MODEL_CLASSES", "RNNConfig", "Seq2Seq", "Transformer", "TransformerConfig", "build_model"]
