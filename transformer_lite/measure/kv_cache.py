"""The KV cache measured (notebook 10): decoding with and without it gives the same words;
how much faster it is against the output length, next to the operation counts it predicts.
Also the cost of one training step, to compare the decoder-only model with the encoder-decoder."""

from __future__ import annotations

import torch

from ..config import single_thread
from ..model.specials import BOS_ID
from ..train import label_smoothed_loss
from .timing import median_seconds


class WithoutCache:
    """A model's decoding interface with the cache taken out: every step runs the whole
    sequence so far (for the GPT: source, <bos> and the words written) through the network
    again and keeps the last position's prediction. The same answers as ``model.step``, with
    more work. Taught in notebook 10."""

    def __init__(self, model):
        self.model, self.config = model, model.config

    def parameters(self):
        return self.model.parameters()

    def eval(self):
        self.model.eval()
        return self

    def start(self, src: torch.Tensor, src_mask: torch.Tensor, **intervene):
        """Nothing is kept: what is read of the source is the source itself (batch, S); the state is empty."""
        return src, ()

    def step(self, src: torch.Tensor, src_mask: torch.Tensor, tokens: torch.Tensor, state, **intervene):
        """tokens (batch, t) -> next-word log-probs (batch, V) from a full forward pass, an empty state"""
        logits, _ = self.model(src, src_mask, tokens, **intervene)  # (batch, t, V): all of it again
        return torch.log_softmax(logits[:, -1], dim=-1), ()


@torch.no_grad()
def decode_steps(model, src: torch.Tensor, src_mask: torch.Tensor, n_steps: int) -> torch.Tensor:
    """Greedy decoding of exactly ``n_steps`` words, never stopping at <eos> (to time a given
    output length). src (batch, S), src_mask (batch, S) -> tokens (batch, n_steps)"""
    model.eval()
    source, state = model.start(src, src_mask)
    tokens = torch.full((src.shape[0], 1), BOS_ID, dtype=torch.long, device=src.device)
    for _ in range(n_steps):
        log_probs, state = model.step(source, src_mask, tokens, state)
        tokens = torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1)
    return tokens[:, 1:]


def predicted_operations(config, src_len: int, out_len: int, cached: bool) -> int:
    """Multiply-adds of a GPT (``GPTConfig``) writing ``out_len`` words after a ``src_len``-word
    source, one sentence. Per layer, a position costs 4 d^2 (projections Q, K, V, out) + 2 d d_ff
    (feed-forward) + 2 d n (scores and weighted sum over the n keys it may see); each written
    word costs d V in the output projection. With the cache the source runs once and each step
    feeds one new position; without it each step runs all S + t positions again and projects
    all t target positions."""
    d, layers, vocab = config.d_model, config.n_layers, config.tgt_vocab_size
    per_position = 4 * d * d + 2 * d * config.d_ff

    def prefix(n: int) -> int:  # all of positions 1..n, position k reading k keys
        return layers * (n * per_position + d * n * (n + 1))

    if cached:
        return prefix(src_len) + sum(
            layers * (per_position + 2 * d * (src_len + t)) + d * vocab for t in range(1, out_len + 1)
        )
    return sum(prefix(src_len + t) + t * d * vocab for t in range(1, out_len + 1))


def measure_kv_cache(
    model, src: torch.Tensor, src_mask: torch.Tensor, lengths=(8, 16, 32, 64, 128), repeats: int = 3
) -> list[dict]:
    """Time greedy decoding of each output length with and without the cache, on one thread,
    median of ``repeats`` (after one warm-up). src (batch, S). One row per length: "length",
    tokens per second both ways, the measured "speedup" and the "predicted_speedup" of the
    operation counts ("ops_cached", "ops_uncached", for the longest source of the batch).
    Taught in notebook 10."""
    plain = WithoutCache(model)
    src_len = int(src_mask.sum(1).max())
    rows = []
    with single_thread():
        for n in lengths:
            cached = median_seconds(lambda n=n: decode_steps(model, src, src_mask, n), repeats)
            uncached = median_seconds(lambda n=n: decode_steps(plain, src, src_mask, n), repeats)
            ops_cached = predicted_operations(model.config, src_len, n, cached=True)
            ops_uncached = predicted_operations(model.config, src_len, n, cached=False)
            words = src.shape[0] * n
            rows.append(
                {
                    "length": n,
                    "tokens_per_s_cached": words / cached,
                    "tokens_per_s_uncached": words / uncached,
                    "speedup": uncached / cached,
                    "ops_cached": ops_cached,
                    "ops_uncached": ops_uncached,
                    "predicted_speedup": ops_uncached / ops_cached,
                }
            )
    return rows


def training_step_seconds(model, batch, repeats: int = 5) -> float:
    """Median seconds of one forward and backward pass of the training loss on ``batch`` (a
    ``data.Batch``), on one thread; the weights are left unchanged (gradients are cleared).
    Taught in notebook 10."""
    was_training = model.training
    model.train()

    def step():
        logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
        label_smoothed_loss(logits, batch.tgt_out).backward()
        model.zero_grad(set_to_none=True)

    with single_thread():
        seconds = median_seconds(step, repeats)
    model.train(was_training)
    return seconds
