"""Small shared helpers for the tests: tiny untrained models, a random padded batch, and the
corpora and shipped models loaded once per session."""

from functools import cache

import torch

from transformer_lite.data import load_corpus
from transformer_lite.model import RNNConfig, TransformerConfig, build_model
from transformer_lite.recipes import load_pretrained


@cache
def corpus(grammar: str):
    return load_corpus(grammar)


@cache
def pretrained(name: str, grammar: str):
    model, _ = load_pretrained(name, grammar, device=torch.device("cpu"))
    return model


def tiny_transformer(corpus, seed=0):
    torch.manual_seed(seed)
    config = TransformerConfig(
        len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=16, n_heads=2, d_ff=32, dropout=0.0, max_len=128
    )
    return build_model(config).eval()


def small_transformer(corpus, **kw):
    """d_model 32, 2 heads: big enough to learn a little in a few training steps."""
    cfg = TransformerConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=32, n_heads=2, d_ff=64, **kw)
    return build_model(cfg)


def tiny_rnn(corpus, seed=0):
    torch.manual_seed(seed)
    return build_model(
        RNNConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), emb_dim=8, hidden_dim=16, attention="additive")
    ).eval()


def random_batch(seed: int = 0):
    """src (3, 7), src_mask, tgt (3, 6) with some padding (id 0)."""
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(4, 30, (3, 7), generator=g)
    tgt = torch.randint(4, 30, (3, 6), generator=g)
    src[0, 5:] = 0  # padding
    src[2, 3:] = 0
    tgt[1, 4:] = 0
    tgt[2, 2:] = 0
    return src, src != 0, tgt
