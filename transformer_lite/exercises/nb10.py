"""Checks for notebook 10's exercises (From the translator to GPT), in notebook order."""

from __future__ import annotations

import torch

from ..data import TranslationDataset, collate, load_corpus
from ..lm import lm_batch
from ..measure.kv_cache import decode_steps
from ..model.gpt import GPT, GPTConfig
from ..model.specials import BOS_ID
from ..sample import filter_logits
from . import Case, run_cases


def _tiny_gpt_and_batch(n_pairs: int = 4):
    """A small untrained GPT (seeded) and a batch of real test pairs of different lengths."""
    corpus = load_corpus("fr")
    torch.manual_seed(0)
    config = GPTConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=16, n_heads=2, n_layers=2, d_ff=32)
    model = GPT(config).eval()
    with torch.no_grad():
        model.generator_bias.normal_(0, 3.0)  # clear-cut choices from an untrained model
    data = TranslationDataset(corpus["test"][:n_pairs], corpus.src_vocab, corpus.tgt_vocab)
    return model, collate([data[i] for i in range(len(data))])


def check_loss_mask(fn) -> bool:
    """``fn(src_mask, tgt_out) -> (batch, S + T)`` bool: True exactly where the loss counts."""
    hint = "source columns False, target columns tgt_out != 0; torch.cat them along dim 1"
    small_src = torch.tensor([[True, True, False], [True, True, True]])
    small_tgt = torch.tensor([[5, 6, 2, 0], [7, 2, 0, 0]])
    model, batch = _tiny_gpt_and_batch()
    return run_cases(
        "the causal LM loss mask",
        [
            Case(
                "two short rows",
                lambda: (
                    fn(small_src, small_tgt),
                    torch.tensor([[False] * 3 + [True, True, True, False], [False] * 3 + [True, True, False, False]]),
                ),
                hint,
            ),
            Case(
                "a real batch, as lm_batch lays it out",
                lambda: (fn(batch.src_mask, batch.tgt_out), lm_batch(model, batch).loss_mask),
                "source columns are never counted, even the real words: the English is given",
            ),
        ],
    )


def check_top_k(fn) -> bool:
    """``fn(logits (batch, V), k) -> logits`` with all but each row's k best set to -inf."""
    g = torch.Generator().manual_seed(10)
    logits = torch.randn(3, 12, generator=g) * 3
    cases = [
        Case(
            f"k = {k}",
            lambda k=k: (fn(logits.clone(), k), filter_logits(logits, top_k=k)),
            "keep scores >= each row's k-th best (logits.topk(k).values[:, -1:]); the rest become -inf",
        )
        for k in (1, 3, 12)
    ]
    return run_cases("top-k filtering", cases)


def check_cached_step(fn) -> bool:
    """``fn(model, memory, src_mask, tokens, state) -> (tokens + 1 word, state)`` using the cache."""
    model, batch = _tiny_gpt_and_batch()
    calls_without_cache = []

    class Spy:  # the model, counting the steps that were given no cache
        def __getattr__(self, name):
            return getattr(model, name)

        def step(self, memory, src_mask, tokens, state, *args):
            if state is None:
                calls_without_cache.append(tokens.shape[1])
            return model.step(memory, src_mask, tokens, state, *args)

    def three_steps():
        memory, state = model.start(batch.src, batch.src_mask)
        tokens = torch.full((batch.src.shape[0], 1), BOS_ID)
        for _ in range(3):
            tokens, state = fn(Spy(), memory, batch.src_mask, tokens, state)
        return tokens, state

    def words():
        return three_steps()[0][:, 1:], decode_steps(model, batch.src, batch.src_mask, 3)

    def cache_length():
        _, state = three_steps()
        return [k.shape[2] for k, _ in state], [3] * model.config.n_layers  # <bos> + 2 words fed so far

    def used_cache():
        calls_without_cache.clear()
        three_steps()
        return len(calls_without_cache), 0

    return run_cases(
        "one cached decoding step",
        [
            Case("three greedy steps write the greedy words", words, "append log_probs.argmax(-1) as a new column"),
            Case("the returned state holds every position so far", cache_length, "return the state model.step gave"),
            Case("model.step got the cache, not None", used_cache, "pass `state` on to model.step"),
        ],
    )
