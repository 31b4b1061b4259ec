"""Checks for notebook 10's exercises (From the translator to GPT), in notebook order."""

from __future__ import annotations

import torch

from ..i18n import N_
from ..lm import lm_batch
from ..measure.kv_cache import decode_steps
from ..model.specials import EOS_ID
from ..sample import filter_logits
from .diagnosis import Mistake
from .help import Hints, Solutions
from .nb07_variants import overwritten, sampled
from .nb10_variants import cached as _cached
from .nb10_variants import (
    max_value,
    on_batch,
    prepended,
    run_steps,
    shifted_loss_mask,
    tiny_gpt_and_batch,
    whole_batch_threshold,
)
from .nb10_variants import top as _top
from .runner import Case, Exercise


def _zeros(m):
    return torch.zeros_like(m)


LOSS_MASK = Exercise(
    "10",
    "loss_mask",
    N_("10 Your turn 1 (the loss mask)"),
    hints=(
        N_(
            "The English is given, so no source column counts, not even its real words; a target column counts "
            "when it has a word to predict (padding has none)."
        ),
        N_(
            "The sequence is the source followed by the target, so the mask is two blocks side by side along "
            "dimension 1: for the source block, False everywhere, shaped like the source mask; for the target "
            "block, True where the target id is not <pad> (id 0)."
        ),
        N_(
            "source_part = torch.____(src_mask)     # nothing counts here\n"
            "target_part = tgt_out ____ 0           # a word to predict\n"
            "mask = torch.cat([____, ____], dim=____)"
        ),
    ),
    mistakes=[
        Mistake(
            "source_counted",
            "the loss mask counts the source: the English is given, not predicted, so its columns are all False.",
            lambda m, t: torch.cat([m, t != 0], dim=1),
        ),
        Mistake(
            "source_padding_counted",
            "the source block is the inverted source mask, so the source's padding counts; no source column counts.",
            lambda m, t: torch.cat([~m, t != 0], dim=1),
        ),
        Mistake(
            "padding_counted",
            "the target's padding counts: a <pad> position (id 0) has no word to predict.",
            lambda m, t: torch.cat([_zeros(m), torch.ones_like(t, dtype=torch.bool)], dim=1),
        ),
        Mistake(
            "blocks_swapped",
            "the blocks are in the wrong order: the sequence is the source first, then the target.",
            lambda m, t: torch.cat([t != 0, _zeros(m)], dim=1),
        ),
        Mistake(
            "source_block_missing",
            "the mask covers the target only; it spans the whole sequence, source columns (False) first.",
            lambda m, t: t != 0,
        ),
        Mistake(
            "eos_left_out",
            "<eos> is left out; it is a word the model must predict, so it counts.",
            lambda m, t: torch.cat([_zeros(m), (t != 0) & (t != EOS_ID)], dim=1),
        ),
        Mistake(
            "mask_inverted",
            "the mask is inverted: True where the loss counts, on the target's real words.",
            lambda m, t: torch.cat([torch.ones_like(m), t == 0], dim=1),
        ),
        Mistake(
            "target_shifted",
            "the target block is shifted by one column: column S + j holds target position j, the word the "
            "model predicts there.",
            shifted_loss_mask(-1),
            shifted_loss_mask(1),
            lambda m, t: torch.cat([_zeros(m), t != 0], dim=1).roll(1, dims=1),
            lambda m, t: torch.cat([_zeros(m), t != 0], dim=1).roll(-1, dims=1),
        ),
        Mistake(
            "padding_test_inverted",
            "the target test is inverted: a column counts where tgt_out != 0, a real word, not where it is <pad>.",
            lambda m, t: torch.cat([_zeros(m), t == 0], dim=1),
        ),
        Mistake(
            "concatenated_on_batch",
            "the two blocks are stacked along the batch (dim 0); put them side by side along the sequence, dim=1.",
            lambda m, t: torch.cat([_zeros(m), t != 0], dim=0),
        ),
    ],
    probes=lambda: [
        (torch.tensor([[True, True, False], [True, True, True]]), torch.tensor([[5, 6, 2, 0], [7, 2, 0, 0]])),
        (torch.tensor([[True, False], [True, True], [True, True]]), torch.tensor([[4, 2, 0], [9, 8, 2], [2, 0, 0]])),
    ],
    reference=lambda m, t: torch.cat([_zeros(m), t != 0], dim=1),
)


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
        Case("a real batch, as lm_batch lays it out", _mask_case(*tiny_gpt_and_batch(), fn)),
    ]
    hidden_cases = [Case("another real batch of 9 pairs", _mask_case(*tiny_gpt_and_batch(9, first=40), fn))]
    return LOSS_MASK.check(fn, cases, hidden_cases, hidden)


TOP_K = Exercise(
    "10",
    "top_k",
    N_("10 Your turn 2 (top-k filtering)"),
    hints=(
        N_("Find each row's k-th highest score; every score below it must get probability 0 after the softmax."),
        N_(
            "Ask torch.topk for the k highest scores of each row, along the vocabulary (the last dimension). The "
            "last of them is the row's threshold; keep it as a column (batch, 1) so it compares row by row. Set "
            "every score below its row's threshold to minus infinity and keep the others as they are."
        ),
        N_(
            "best = logits.topk(k, dim=____).values     # (batch, k), highest first\n"
            "threshold = best[____]                     # (batch, 1): the k-th best of each row\n"
            'filtered = logits.masked_fill(____, float("-inf"))'
        ),
    ),
    mistakes=[
        Mistake(
            "filled_with_zero",
            "the removed scores are set to 0, which still has probability after the softmax; set them to -inf.",
            _top(fill=0.0),
        ),
        Mistake(
            "large_negative_fill",
            "the removed scores are a large negative number; use float('-inf'), so their probability is exactly 0.",
            _top(fill=-1e9),
            _top(fill=-1e4),
        ),
        Mistake(
            "topk_over_batch",
            "topk runs over the wrong dimension (the batch); take the k best words of each row, dim=-1.",
            _top(kth=lambda lg, k: lg.topk(k, dim=0).values[-1]),
            _top(kth=lambda lg, k: lg.topk(k, dim=0).values[-1:]),
        ),
        Mistake(
            "k_of_the_whole_batch",
            "one threshold serves the whole batch (the k-th best of all its scores, or the lowest of every row's "
            "k best); each row keeps its own k best words: compare it with its own k-th best, values[:, -1:].",
            whole_batch_threshold,
            _top(kth=lambda lg, k: lg.topk(k, dim=-1).values.min()),
            _top(kth=lambda lg, k: lg.flatten().sort(descending=True).values[k - 1]),
        ),
        Mistake(
            "topk_returned",
            "topk's k best scores (or their indices) are returned; return the whole row of scores, with every "
            "score below the k-th best set to -inf.",
            lambda lg, k: lg.topk(k, dim=-1).values,
            lambda lg, k: lg.topk(k, dim=-1).indices,
        ),
        Mistake(
            "keep_mask_returned",
            "the mask of the kept words is returned; use it to set every other score to -inf and return the scores.",
            lambda lg, k: lg >= lg.topk(k, dim=-1).values[:, -1:],
            lambda lg, k: lg < lg.topk(k, dim=-1).values[:, -1:],
        ),
        Mistake(
            "nothing_filtered",
            "nothing is filtered: scores below the k-th best must become -inf.",
            _top(drop=lambda lg, kth: torch.zeros_like(lg, dtype=torch.bool)),
        ),
        Mistake(
            "lowest_kept",
            "the k lowest scores are kept; keep the k highest (topk's default, largest=True).",
            _top(kth=lambda lg, k: lg.topk(k, dim=-1, largest=False).values[:, -1:], drop=lambda lg, kth: lg > kth),
        ),
        Mistake(
            "comparison_reversed",
            "the comparison is reversed: the best k are removed; remove the scores below the threshold.",
            _top(drop=lambda lg, kth: lg >= kth),
            _top(drop=lambda lg, kth: lg > kth),
        ),
        Mistake(
            "off_by_one_k",
            "one word too many or too few is kept: the threshold is the k-th best score, and it is kept itself.",
            _top(drop=lambda lg, kth: lg <= kth),
            _top(kth=lambda lg, k: lg.topk(min(k + 1, lg.shape[-1]), dim=-1).values[:, -1:]),
            _top(kth=lambda lg, k: lg.topk(k, dim=-1).values[:, k].unsqueeze(-1)),
        ),
        Mistake(
            "sorted_ascending",
            "sort() puts the lowest scores first, so the threshold is the k-th lowest; sort with descending=True "
            "or use topk.",
            _top(kth=lambda lg, k: lg.sort(dim=-1).values[:, k - 1 : k]),
        ),
        Mistake(
            "threshold_is_the_best",
            "the threshold is the best score, values[:, :1]; the k-th best is the last of the k, values[:, -1:].",
            _top(kth=lambda lg, k: lg.topk(k, dim=-1).values[:, :1]),
        ),
        Mistake(
            "threshold_shape",
            "the threshold is (batch,); keep it a column, (batch, 1), with values[:, -1:], so each row "
            "compares with its own.",
            _top(kth=lambda lg, k: lg.topk(k, dim=-1).values[:, -1]),
        ),
        Mistake(
            "probabilities_returned",
            "the result is a softmax; return the filtered scores (logits), sampling applies the softmax later.",
            _top(after=lambda lg: torch.softmax(lg, dim=-1)),
            _top(after=lambda lg: torch.log_softmax(lg, dim=-1)),
        ),
    ],
    # Rows of 8, 6 and 4 words: the k-th best as (batch,) compares against columns, wrongly but without an error
    probes=lambda: [
        (torch.randn(5, 8, generator=torch.Generator().manual_seed(31)) * 3, 3),
        (torch.randn(3, 6, generator=torch.Generator().manual_seed(32)) * 3, 2),
        (torch.randn(4, 4, generator=torch.Generator().manual_seed(33)) * 3, 3),
    ],
    reference=_top(),
)


def _top_k_case(logits, k, fn):
    return lambda: (fn(logits.clone(), k), filter_logits(logits, top_k=k))


def check_top_k(fn, hidden: bool = False):
    """Notebook 10, Your turn 2: ``fn(logits (batch, V), k) -> (batch, V)``: each row's k best scores kept,
    every other score set to -inf."""
    g = torch.Generator().manual_seed(10)
    logits = torch.randn(3, 12, generator=g) * 3
    cases = [Case("k = {k}", _top_k_case(logits, k, fn), fields={"k": k}) for k in (1, 3, 12)]
    cases.append(Case("k = 2 over 5 rows of 6 words", _top_k_case(torch.randn(5, 6, generator=g) * 3, 2, fn)))
    wide = torch.randn(5, 40, generator=g)
    hidden_cases = [Case("k = 7 over 40 words", _top_k_case(wide, 7, fn))]
    return TOP_K.check(fn, cases, hidden_cases, hidden)


CACHED_STEP = Exercise(
    "10",
    "cached_step",
    N_("10 Your turn 3 (one cached decoding step)"),
    hints=(
        N_(
            "model.step returns the next word's log-probabilities AND the cache grown by one position; hand it "
            "the cache you were given and return the one it gives back."
        ),
        N_(
            "Call model.step with the memory, the source mask, the tokens so far and the state you received. "
            "Take the most probable next word of each row as a column, append it to the tokens, and return the "
            "longer tokens together with the new state from model.step."
        ),
        N_(
            "log_probs, new_state = model.step(memory, src_mask, tokens, ____)\n"
            "next_word = log_probs.argmax(dim=-1, keepdim=True)\n"
            "longer = torch.cat([tokens, next_word], dim=1)\n"
            "result = (longer, ____)"
        ),
    ),
    mistakes=[
        Mistake(
            "cache_not_passed",
            "model.step got None instead of the cache, so every step replays the whole prefix: pass `state`.",
            _cached(cache=False),
        ),
        Mistake(
            "old_cache_returned",
            "the cache you were given is returned; return the new one model.step gives back, one position longer.",
            _cached(keep=lambda old, new, lp: old),
        ),
        Mistake(
            "cache_not_returned",
            "no cache is returned (None), so the next step starts again from nothing; return the one model.step "
            "gives back.",
            lambda model, memory, src_mask, tokens, state: (_cached()(model, memory, src_mask, tokens, state)[0], None),
        ),
        Mistake(
            "last_word_only",
            "model.step got only the last word; it takes the whole prefix (it reads the new word and its "
            "position from it).",
            _cached(feed=lambda t: t[:, -1:]),
        ),
        Mistake(
            "new_word_only",
            "only the new word comes back (returned alone, or written over the last word); return the tokens with "
            "it appended: torch.cat([tokens, word], dim=1).",
            _cached(join=lambda t, w: w),
            _cached(join=overwritten),
        ),
        Mistake(
            "tokens_not_extended",
            "the tokens are returned as they came in; append the new word to them: torch.cat([tokens, word], dim=1).",
            _cached(join=lambda t, w: t),
        ),
        Mistake(
            "tokens_and_state_swapped",
            "the results are swapped: return (tokens, state), the tokens first.",
            _cached(swap=True),
        ),
        Mistake(
            "keepdim_missing",
            "argmax(-1) without keepdim=True gives (batch,); the new word must be a column (batch, 1).",
            _cached(choose=lambda lp: lp.argmax(-1)),
        ),
        Mistake(
            "argmin",
            "argmin picks the least probable word; greedy decoding takes the argmax.",
            _cached(choose=lambda lp: lp.argmin(-1, keepdim=True)),
        ),
        Mistake(
            "log_probs_as_state",
            "model.step's two results are mixed up: it returns (log_probs, state), and the log-probabilities "
            "were returned as the new state.",
            _cached(keep=lambda old, new, lp: lp),
        ),
        Mistake(
            "max_value_not_index",
            "the highest log-probability is appended, not its index: argmax gives the word.",
            _cached(choose=max_value),
        ),
        Mistake(
            "word_prepended",
            "the new word is put in front; it goes after the words so far: torch.cat([tokens, word], dim=1).",
            _cached(join=prepended),
        ),
        Mistake(
            "concatenated_on_batch",
            "the new word is concatenated along the batch (dim 0); it goes along the time axis, dim=1.",
            _cached(join=on_batch),
        ),
        Mistake(
            "argmax_over_batch",
            "the argmax runs over the batch (dim 0); take it over the vocabulary, the last dimension.",
            _cached(choose=lambda lp: lp.argmax(0, keepdim=True)),
        ),
        Mistake(
            "sampled_not_argmax",
            "the next word is drawn at random (sampling); greedy decoding takes the most probable word, argmax.",
            _cached(choose=sampled),
        ),
    ],
    probes=lambda: [(1,), (3,)],
    call=lambda fn, args: run_steps(fn, *args, whole=True),
    reference=_cached(),
)


def check_cached_step(fn, hidden: bool = False):
    """Notebook 10, Your turn 3: ``fn(model, memory, src_mask, tokens (batch, t), state) -> (tokens
    (batch, t + 1), state)``: one greedy step that passes the KV cache to ``model.step`` and returns the new one."""
    model, batch = tiny_gpt_and_batch()

    def words(n):
        return lambda: (run_steps(fn, n)[0], decode_steps(model, batch.src, batch.src_mask, n))

    def cache_length():  # <bos> + 2 words fed so far
        return run_steps(fn, 3)[1], (3,) * model.config.n_layers

    cases = [
        Case("three greedy steps write the greedy words", words(3)),
        Case("the returned state holds every position so far", cache_length),
        Case("model.step got the cache, not None", lambda: (run_steps(fn, 3)[2], 0)),
    ]
    hidden_cases = [Case("ten steps", words(10))]
    return CACHED_STEP.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (LOSS_MASK, TOP_K, CACHED_STEP)}
hint = Hints("nb10", EXERCISES)
solution = Solutions("nb10", "10", EXERCISES)
