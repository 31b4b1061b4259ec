"""The wrong answers notebook 10's graders know (written as a student writes them), and the tiny GPT
the cached step runs on.

Each factory gives the right answer without arguments and a known mistake with them."""

from __future__ import annotations

import functools

import torch

from ..data import TranslationDataset, collate, load_corpus
from ..lm import Translator
from ..model.gpt import GPT, GPTConfig
from ..model.specials import BOS_ID


def top(
    kth=lambda lg, k: lg.topk(k, dim=-1).values[:, -1:],
    drop=lambda lg, kth: lg < kth,
    fill=float("-inf"),
    after=lambda lg: lg,
):
    """A top-k filter a student might write: the right one with the defaults, a known mistake otherwise."""

    def top_k(logits, k):
        return after(logits.masked_fill(drop(logits, kth(logits, k)), fill))

    return top_k


def cached(
    feed=lambda t: t,
    keep=lambda old, new, log_probs: new,
    choose=lambda lp: lp.argmax(-1, keepdim=True),
    join=lambda t, w: torch.cat([t, w], dim=1),
    swap=False,
    cache=True,
):
    """A cached step a student might write: the right one with the defaults, a known mistake otherwise.
    ``keep(old, new, log_probs)``: the state it returns."""

    def step(model, memory, src_mask, tokens, state):
        log_probs, new_state = model.step(memory, src_mask, feed(tokens), state if cache else None)
        longer = join(tokens, choose(log_probs))
        kept = keep(state, new_state, log_probs)
        return (kept, longer) if swap else (longer, kept)

    return step


def shifted_loss_mask(by: int):
    """The target block moved ``by`` columns (left when negative) inside the source + target row."""

    def mask(src_mask, tgt_out):
        full = torch.cat([torch.zeros_like(src_mask), tgt_out != 0], dim=1)
        moved = torch.zeros_like(full)
        if by < 0:
            moved[:, :by] = full[:, -by:]
        else:
            moved[:, by:] = full[:, : full.shape[1] - by]
        return moved

    return mask


def whole_batch_threshold(logits, k):
    """The k-th best score of the whole batch, not of each row."""
    return logits.masked_fill(logits < logits.flatten().topk(k).values[-1], float("-inf"))


def prepended(tokens, word):
    return torch.cat([word, tokens], dim=1)


def on_batch(tokens, word):
    return torch.cat([tokens, word], dim=0)


def max_value(log_probs):
    return log_probs.max(-1, keepdim=True).values


@functools.lru_cache(maxsize=4)
def tiny_gpt_and_batch(n_pairs: int = 4, first: int = 0):
    """A small untrained GPT (seeded) and a batch of real test pairs of different lengths."""
    corpus = load_corpus("fr")
    torch.manual_seed(0)
    config = GPTConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=16, n_heads=2, n_layers=2, d_ff=32)
    model = Translator(GPT(config)).eval()
    with torch.no_grad():
        model.generator_bias.normal_(0, 3.0)  # clear-cut choices from an untrained model
    data = TranslationDataset(corpus["test"][first : first + n_pairs], corpus.src_vocab, corpus.tgt_vocab)
    return model, collate([data[i] for i in range(len(data))])


def run_steps(fn, n, whole=False):
    """Run ``fn`` for ``n`` greedy steps from <bos> on the tiny GPT: (the words written, the cache length
    of each layer, how many steps were given no cache after the first); ``whole``: the tokens with <bos>
    (a diagnosis then tells a word written over <bos> from no word at all)."""
    model, batch = tiny_gpt_and_batch()
    uncached = []

    class Spy:  # the model, counting the steps that were given no cache
        def __getattr__(self, name):
            return getattr(model, name)

        def step(self, memory, src_mask, tokens, state, **kwargs):
            if state is None:
                uncached.append(tokens.shape[1])
            return model.step(memory, src_mask, tokens, state, **kwargs)

    memory, state = model.start(batch.src, batch.src_mask)
    tokens = torch.full((batch.src.shape[0], 1), BOS_ID)
    for _ in range(n):
        tokens, state = fn(Spy(), memory, batch.src_mask, tokens, state)
    lengths = tuple(int(k.shape[2]) for k, _ in state)
    return (tokens if whole else tokens[:, 1:]), lengths, len(uncached)
