"""Measurements behind notebook 01, "What limits RNNs".

* :func:`forward_time`: wall-clock time of one forward pass against sequence length, for a
  recurrent layer (``h_t`` needs ``h_{t-1}``: ``T`` steps one after another) and for layers
  that process every position at once (a ``Linear``, self-attention).
* :func:`gradient_norms`: how much the last hidden state still depends on an early one,
  ``||d h_T / d h_t||`` against the distance ``T - t``, for a vanilla RNN and a GRU, on real
  corpus sentences: the vanishing-gradient problem.
* :func:`scores_table`: BLEU and exact match by source length (test and ``long`` splits) of a
  trained model, to show the context-vector bottleneck.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data import Corpus
from ..metrics import evaluate
from . import complexity

# Layers compared by forward_time, and how many steps each needs one after another.
TIMED_KINDS = ("recurrent", "linear", "self_attention")  # notebook 09's bare layers, plus a position-wise product
SEQUENTIAL_STEPS = {"recurrent": lambda n: n, "linear": lambda n: 1, "self_attention": lambda n: 1}
CELL_KINDS = {"rnn": nn.RNNCell, "gru": nn.GRUCell}


def vanilla_rnn_step(x: torch.Tensor, h: torch.Tensor, cell: nn.RNNCell) -> torch.Tensor:
    """One step of an Elman RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), with the
    weights of ``cell`` (the same numbers ``nn.RNNCell`` computes). x (batch, E), h (batch, H).
    Taught in notebook 01."""
    return torch.tanh(x @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh)


# ---- 1. sequential computation -----------------------------------------------------------------
def forward_time(
    kinds=TIMED_KINDS, lengths=(8, 16, 32, 64, 128, 256), dim: int = 128, batch: int = 4, repeats: int = 7
) -> dict[str, list[float]]:
    """Median seconds of one forward pass of each layer kind for each sequence length, on one CPU thread:
    {kind: [seconds per length]}. The layers, the timer and the defaults are notebook 09's
    (:func:`~transformer_lite.measure.complexity.time_layers`), so the two notebooks measure the same thing
    the same way and agree where their lengths overlap. Taught in notebook 01."""
    return complexity.time_layers(kinds, lengths, dim, batch=batch, repeats=repeats)


def sequential_steps(kind: str, length: int) -> int:
    """How many computations must run one after another for a sequence of ``length``. Taught in notebook 01."""
    return SEQUENTIAL_STEPS[kind](length)


# ---- 2. vanishing gradients ------------------------------------------------------------------------
def corpus_inputs(corpus: Corpus, length: int = 30, n: int = 32, dim: int = 64, split: str = "train", seed: int = 0):
    """Real sentences of exactly ``length`` source words, embedded with a fixed random
    embedding: (n, length, dim). Returns (inputs, the sentences)."""
    pairs = [p for p in corpus[split] if len(p.src) == length][:n]
    if not pairs:
        raise ValueError(f"no {split} sentence has {length} source words")
    g = torch.Generator().manual_seed(seed)
    table = torch.randn(len(corpus.src_vocab), dim, generator=g)
    ids = torch.tensor([corpus.src_vocab.encode(p.src) for p in pairs])
    return table[ids], pairs


def gradient_norms(cell: nn.Module, inputs: torch.Tensor, directions: int = 4, seed: int = 0) -> torch.Tensor:
    """``||d (u . h_T) / d h_t||`` for random unit vectors u, averaged over sentences and u:
    how strongly the last state still depends on the state ``T - t`` steps earlier.

    cell: an ``nn.RNNCell`` or ``nn.GRUCell``; inputs (batch, T, E).
    Returns (T,) indexed by distance ``T - t`` (0 = the last state itself, norm 1).
    Taught in notebook 01.
    """
    g = torch.Generator().manual_seed(seed)
    x = inputs.repeat(directions, 1, 1)
    h = torch.zeros(x.shape[0], cell.hidden_size)
    states = []
    for t in range(x.shape[1]):
        h = cell(x[:, t], h)
        h.retain_grad()
        states.append(h)
    u = torch.randn(h.shape, generator=g)
    u = u / u.norm(dim=1, keepdim=True)
    cell.zero_grad(set_to_none=True)
    (h * u).sum().backward()
    norms = torch.stack([s.grad.norm(dim=1).mean() for s in states])  # indexed by t
    return norms.flip(0).detach()  # indexed by distance T - t


def compare_gradient_norms(
    corpus: Corpus, kinds=("rnn", "gru"), length: int = 30, n: int = 32, hidden: int = 128, dim: int = 64, seed: int = 0
) -> dict[str, torch.Tensor]:
    """Gradient norm against distance for freshly initialised cells of each kind (PyTorch's
    default initialisation, the same seed), on the same corpus sentences. Taught in notebook 01."""
    inputs, _ = corpus_inputs(corpus, length, n, dim, seed=seed)
    out = {}
    for kind in kinds:
        torch.manual_seed(seed)
        out[kind] = gradient_norms(CELL_KINDS[kind](dim, hidden), inputs, seed=seed)
    return out


def gradient_norm_ratio(norms: torch.Tensor, distance: int) -> float:
    """How much the gradient shrank over ``distance`` steps: norms[distance] / norms[0]. Taught in notebook 01."""
    return float(norms[distance] / norms[0])


# ---- 3. the bottleneck -----------------------------------------------------------------------------
def scores_table(model, corpus: Corpus) -> dict[str, dict]:
    """BLEU and exact match (greedy decoding) per source-length bucket: 3-9, 10-19 and 20-30 from
    the test split, 31-50 from the ``long`` split (longer than any training sentence), and
    "test" for the whole test split. {label: {"n", "bleu", "exact_match"}} Taught in notebook 01; used again in 02."""
    test = evaluate(model, corpus["test"], corpus.src_vocab, corpus.tgt_vocab)
    long = evaluate(model, corpus["long"], corpus.src_vocab, corpus.tgt_vocab)
    table = {**test["by_length"], **long["by_length"]}
    table["test"] = {"n": len(corpus["test"]), "bleu": test["bleu"], "exact_match": test["exact_match"]}
    return table
