"""Checks for notebook 10's exercises (From the translator to GPT), in notebook order."""

from __future__ import annotations

import torch

from ..data import TranslationDataset, collate, load_corpus
from ..lm import Translator, lm_batch
from ..measure.kv_cache import decode_steps
from ..model.gpt import GPT, GPTConfig
from ..model.specials import BOS_ID
from ..sample import filter_logits
from . import Case, Hints, exercise

hint = Hints(
    "nb10",
    {
        "loss_mask": (
            "the English is given, so no source column counts, not even its real words; a target column counts "
            "when it has a word to predict (padding has none)",
            "torch.cat([torch.zeros_like(src_mask), tgt_out != 0], dim=1)",
        ),
        "top_k": (
            "find each row's k-th highest score; every score below it must get probability 0 after the softmax",
            "kth = logits.topk(k, dim=-1).values[:, -1:]; logits.masked_fill(logits < kth, float('-inf'))",
        ),
        "cached_step": (
            "model.step returns the next-word log-probabilities AND the cache grown by one position; hand the "
            "cache you were given to model.step and return the one it gives back",
            "log_probs, state = model.step(memory, src_mask, tokens, state); "
            "torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1), state",
        ),
    },
)


def _tiny_gpt_and_batch(n_pairs: int = 4, first: int = 0):
    """A small untrained GPT (seeded) and a batch of real test pairs of different lengths."""
    corpus = load_corpus("fr")
    torch.manual_seed(0)
    config = GPTConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=16, n_heads=2, n_layers=2, d_ff=32)
    model = Translator(GPT(config)).eval()
    with torch.no_grad():
        model.generator_bias.normal_(0, 3.0)  # clear-cut choices from an untrained model
    data = TranslationDataset(corpus["test"][first : first + n_pairs], corpus.src_vocab, corpus.tgt_vocab)
    return model, collate([data[i] for i in range(len(data))])


def _mask_case(model, batch, fn):
    return lambda: (fn(batch.src_mask, batch.tgt_out), lm_batch(model, batch).loss_mask)


def check_loss_mask(fn, hidden: bool = False):
    """Notebook 10, Your turn 1: ``fn(src_mask (batch, S), tgt_out (batch, T)) -> (batch, S + T)`` bool,
    True exactly where the causal LM loss counts (the target positions that have a word to predict)."""
    small_src = torch.tensor([[True, True, False], [True, True, True]])
    small_tgt = torch.tensor([[5, 6, 2, 0], [7, 2, 0, 0]])
    expected = torch.tensor([[False] * 3 + [True, True, True, False], [False] * 3 + [True, True, False, False]])
    cases = [
        Case("two short rows", lambda: (fn(small_src, small_tgt), expected)),
        Case("a real batch, as lm_batch lays it out", _mask_case(*_tiny_gpt_and_batch(), fn)),
    ]
    hidden_cases = [Case("another real batch of 9 pairs", _mask_case(*_tiny_gpt_and_batch(9, first=40), fn))]
    return exercise(hint, "loss_mask", "10 Your turn 1 (the loss mask)", cases, fn, (), hidden_cases, hidden)


def _top_k_case(logits, k, fn):
    return lambda: (fn(logits.clone(), k), filter_logits(logits, top_k=k))


def check_top_k(fn, hidden: bool = False):
    """Notebook 10, Your turn 2: ``fn(logits (batch, V), k) -> (batch, V)``: each row's k best scores kept,
    every other score set to -inf."""
    g = torch.Generator().manual_seed(10)
    logits = torch.randn(3, 12, generator=g) * 3
    cases = [Case(f"k = {k}", _top_k_case(logits, k, fn)) for k in (1, 3, 12)]
    wide = torch.randn(5, 40, generator=g)
    hidden_cases = [Case("k = 7 over 40 words", _top_k_case(wide, 7, fn))]
    return exercise(hint, "top_k", "10 Your turn 2 (top-k filtering)", cases, fn, (), hidden_cases, hidden)


def check_cached_step(fn, hidden: bool = False):
    """Notebook 10, Your turn 3: ``fn(model, memory, src_mask, tokens (batch, t), state) -> (tokens
    (batch, t + 1), state)``: one greedy step that passes the KV cache to ``model.step`` and returns the new one."""
    model, batch = _tiny_gpt_and_batch()
    calls_without_cache = []

    class Spy:  # the model, counting the steps that were given no cache
        def __getattr__(self, name):
            return getattr(model, name)

        def step(self, memory, src_mask, tokens, state, **kwargs):
            if state is None:
                calls_without_cache.append(tokens.shape[1])
            return model.step(memory, src_mask, tokens, state, **kwargs)

    def steps(n):
        memory, state = model.start(batch.src, batch.src_mask)
        tokens = torch.full((batch.src.shape[0], 1), BOS_ID)
        for _ in range(n):
            tokens, state = fn(Spy(), memory, batch.src_mask, tokens, state)
        return tokens, state

    def words(n):
        return lambda: (steps(n)[0][:, 1:], decode_steps(model, batch.src, batch.src_mask, n))

    def cache_length():
        _, state = steps(3)
        return tuple(int(k.shape[2]) for k, _ in state), (3,) * model.config.n_layers  # <bos> + 2 words fed so far

    def used_cache():
        calls_without_cache.clear()
        steps(3)
        return len(calls_without_cache), 0

    cases = [
        Case("three greedy steps write the greedy words", words(3)),
        Case("the returned state holds every position so far", cache_length),
        Case("model.step got the cache, not None", used_cache),
    ]
    hidden_cases = [Case("ten steps", words(10))]
    return exercise(
        hint, "cached_step", "10 Your turn 3 (one cached decoding step)", cases, fn, (), hidden_cases, hidden
    )
