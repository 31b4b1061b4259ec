"""Decoding: greedy search and beam search, for every model in the course.

Both work on any model with the ``start``/``step`` interface (see :mod:`transformer_lite.model`),
batched, and return token ids without ``<bos>``, each row ending in ``<eos>`` then padding.
"""

from __future__ import annotations

import torch

from . import checks as check
from .data import Vocab, pad
from .model.attention import NO_INTERVENTION, Intervention, padding_mask
from .model.specials import BOS_ID, EOS_ID, PAD_ID

MAX_DECODE_LEN = 10_000  # words: 200 times the corpus's longest sentence; more is a typo, not a translation


def default_max_len(src_mask: torch.Tensor) -> int:
    """Longest output we allow: 1.5x the longest source plus 5 (targets here are at most ~1.3x)."""
    return int(src_mask.sum(1).max()) * 3 // 2 + 5


def _max_len(max_len: int | None, src: torch.Tensor, src_mask: torch.Tensor) -> int:
    """Check the source's shape and mask (the model checks its ids), then: None -> the default
    length; otherwise a whole number >= 1 (0 and negatives are refused, not read as "no limit")."""
    check.tensor("src", src, dims=(2,), floating=False)
    check.key_mask("src_mask", src_mask, src)
    return default_max_len(src_mask) if max_len is None else check.integer("max_len", max_len, maximum=MAX_DECODE_LEN)


def _rows(x, index: torch.Tensor):
    """The rows ``index`` (dim 0) of a batch-first tensor, or of every tensor in a (named) tuple or
    list of them: what a model's ``start`` and ``step`` return is made of these."""
    if isinstance(x, torch.Tensor):
        return x.index_select(0, index)
    rows = [_rows(t, index) for t in x]
    return type(x)(*rows) if hasattr(x, "_fields") else type(x)(rows)


def write_step_by_step(
    model,
    src: torch.Tensor,
    src_mask: torch.Tensor,
    choose,
    max_len: int | None = None,
    *,
    intervene: Intervention = NO_INTERVENTION,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The one left-to-right writing loop: ``choose(log_probs (batch, V)) -> next ids (batch,)`` picks
    each word (greedy search: the best; sampling: a draw) until every row has written <eos>.

    src (batch, S), src_mask (batch, S) -> tokens (batch, T) without <bos>, padded after <eos>, and
    the model's log-probability of each output (batch,).
    """
    model.eval()
    max_len = _max_len(max_len, src, src_mask)
    source, state = model.start(src, src_mask, intervene=intervene)  # what the model read of the source, once
    tokens = torch.full((src.shape[0], 1), BOS_ID, dtype=torch.long, device=src.device)
    scores = torch.zeros(src.shape[0], device=src.device)
    done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
    for _ in range(max_len):
        log_probs, state = model.step(source, src_mask, tokens, state, intervene=intervene)  # (batch, V)
        nxt = choose(log_probs)
        scores += log_probs.gather(1, nxt[:, None]).squeeze(1).masked_fill(done, 0.0)
        nxt = nxt.masked_fill(done, PAD_ID)
        tokens = torch.cat([tokens, nxt[:, None]], dim=1)
        done |= nxt == EOS_ID
        if done.all():
            break
    return tokens[:, 1:], scores


@torch.no_grad()
def greedy_decode(
    model,
    src: torch.Tensor,
    src_mask: torch.Tensor,
    max_len: int | None = None,
    *,
    intervene: Intervention = NO_INTERVENTION,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pick the most probable next word at every step.

    src (batch, S), src_mask (batch, S) -> tokens (batch, T), log-probability of each output (batch,)
    Taught in notebook 07.
    """
    return write_step_by_step(
        model, src, src_mask, lambda log_probs: log_probs.argmax(dim=-1), max_len, intervene=intervene
    )


def length_penalty(length: torch.Tensor, alpha: float) -> torch.Tensor:
    """Wu et al. (2016), used by the paper with alpha = 0.6: ((5 + |Y|) / 6) ** alpha.
    alpha = 0 ranks by total log-probability (favours short outputs); larger alpha
    favours longer ones. Taught in notebook 07."""
    return ((5.0 + length.float()) / 6.0) ** alpha


@torch.no_grad()
def beam_search(
    model,
    src: torch.Tensor,
    src_mask: torch.Tensor,
    beam_size: int = 4,
    alpha: float = 0.6,
    max_len: int | None = None,
    *,
    intervene: Intervention = NO_INTERVENTION,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the ``beam_size`` most probable prefixes at every step; return, per sentence,
    the finished hypothesis with the best length-normalised score
    ``log P(Y) / length_penalty(|Y|, alpha)``. ``beam_size=1`` is exactly greedy search.

    src (batch, S), src_mask (batch, S) -> tokens (batch, T), log-probability of each output (batch,)
    Taught in notebook 07.
    """
    beam_size = check.integer("beam_size", beam_size)
    alpha = check.number("alpha", alpha, 0.0, 10.0)
    model.eval()
    max_len = _max_len(max_len, src, src_mask)
    batch, k = src.shape[0], beam_size
    source, state = model.start(src, src_mask, intervene=intervene)
    expand = torch.arange(batch, device=src.device).repeat_interleave(k)  # each sentence k times
    source, state, beam_src_mask = _rows(source, expand), _rows(state, expand), src_mask[expand]
    tokens = torch.full((batch * k, 1), BOS_ID, dtype=torch.long, device=src.device)
    scores = torch.full((batch, k), float("-inf"), device=src.device)
    scores[:, 0] = 0.0  # all beams start identical: keep one alive so the first step does not repeat
    done = torch.zeros(batch * k, dtype=torch.bool, device=src.device)
    lengths = torch.zeros(batch * k, dtype=torch.long, device=src.device)
    for _ in range(max_len):
        log_probs, state = model.step(source, beam_src_mask, tokens, state, intervene=intervene)  # (batch*k, V)
        vocab = log_probs.shape[-1]
        # A finished hypothesis may only be extended by <pad>, at no cost.
        finished_row = torch.full_like(log_probs, float("-inf"))
        finished_row[:, PAD_ID] = 0.0
        log_probs = torch.where(done[:, None], finished_row, log_probs)
        candidates = (scores.view(-1, 1) + log_probs).view(batch, k * vocab)
        scores, flat = candidates.topk(k, dim=-1)  # (batch, k)
        parent = (flat // vocab + torch.arange(batch, device=src.device)[:, None] * k).view(-1)
        nxt = (flat % vocab).view(-1)
        tokens = torch.cat([tokens[parent], nxt[:, None]], dim=1)
        state, done, lengths = _rows(state, parent), done[parent], lengths[parent]
        lengths = lengths + (~done).long()
        done = done | (nxt == EOS_ID)
        if done.all():
            break
    normalised = scores / length_penalty(lengths.view(batch, k), alpha)
    normalised = normalised.masked_fill(~done.view(batch, k), float("-inf"))  # prefer finished hypotheses
    best = normalised.argmax(dim=-1)
    best = torch.where(done.view(batch, k).any(-1), best, scores.argmax(-1))
    rows = best + torch.arange(batch, device=src.device) * k
    return tokens[rows, 1:], scores.view(-1)[rows]


def translate_ids(
    model,
    src_ids: list[list[int]],
    beam_size: int = 1,
    alpha: float = 0.6,
    batch_size: int = 256,
    *,
    intervene: Intervention = NO_INTERVENTION,
    device=None,
) -> list[list[int]]:
    """Decode many sources (lists of ids) in length-sorted batches; returns output ids
    (no specials) in the input order. Taught in notebook 10."""
    beam_size = check.integer("beam_size", beam_size)

    def run(src: torch.Tensor, src_mask: torch.Tensor, batch_start: int) -> torch.Tensor:
        if beam_size == 1:
            return greedy_decode(model, src, src_mask, intervene=intervene)[0]
        return beam_search(model, src, src_mask, beam_size, alpha, intervene=intervene)[0]

    return decode_in_batches(model, src_ids, run, batch_size, sort_by_length=True, device=device)


def decode_in_batches(
    model, src_ids: list[list[int]], run, batch_size: int = 256, sort_by_length: bool = True, device=None
) -> list[list[int]]:
    """The batching around a decoder (translate_ids, sample_ids): check the sources, pad each batch,
    call ``run(src (batch, S), src_mask (batch, S), batch_start) -> tokens (batch, T)`` and cut each
    output row at its <eos>. Batches follow length order (less padding) or, with ``sort_by_length``
    False, the input order; the output ids (no specials) come back in the input order."""
    _check_src_ids(src_ids, getattr(model.config, "src_vocab_size", None))
    batch_size = check.integer("batch_size", batch_size)
    device = device or next(model.parameters()).device
    order = list(range(len(src_ids)))
    if sort_by_length:
        order.sort(key=lambda i: len(src_ids[i]))
    out: list[list[int]] = [[] for _ in src_ids]
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        src = pad([torch.tensor(src_ids[i]) for i in idx]).to(device)
        tokens = run(src, padding_mask(src), start)
        for i, row in zip(idx, tokens.tolist()):
            out[i] = row[: row.index(EOS_ID)] if EOS_ID in row else [t for t in row if t != PAD_ID]
    return out


def _check_src_ids(src_ids, vocab_size: int | None) -> None:
    """A list of sources, each a non-empty list of ids in the model's vocabulary."""
    if not isinstance(src_ids, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in src_ids):
        raise TypeError(
            f"src_ids must be a list of sources, each a list of ids (e.g. [[4, 9, 7]]); got {check.show(src_ids)}"
        )
    for n, ids in enumerate(src_ids):
        if not ids:
            raise ValueError(f"src_ids[{n}] is empty: each source needs at least one word id")
        bad = [
            i for i in ids if isinstance(i, bool) or not isinstance(i, int) or i < 0 or (vocab_size and i >= vocab_size)
        ]
        if bad:
            top = f" to {vocab_size - 1}" if vocab_size else ""
            raise ValueError(f"src_ids[{n}] holds ids outside 0{top}: {check.show_list(bad)}")


def _sentences(sentences) -> list:
    """A list of sentences (each a str or a list of words); a list of single words is refused:
    it could be one sentence or several one-word sentences."""
    if not isinstance(sentences, (list, tuple)):
        raise TypeError(f"sentences must be a str or a list of sentences; got {check.show(sentences)}")
    if len(sentences) > 1 and all(isinstance(s, str) and len(s.split()) == 1 for s in sentences):
        raise ValueError(
            f"sentences {check.show(sentences)} looks like the words of one sentence: pass "
            f"{check.show(' '.join(sentences))} for one sentence, or [[w] for w in words] for one-word sentences"
        )
    return list(sentences)


def translate(
    model,
    sentences,
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    beam_size: int = 1,
    alpha: float = 0.6,
    *,
    intervene: Intervention = NO_INTERVENTION,
) -> list[list[str]] | list[str]:
    """Translate one sentence (str -> list of words) or a list of them (-> list of lists).
    Empty sentences and unknown words raise a ``ValueError`` that names the problem. Taught in notebook 01."""
    single = isinstance(sentences, str)
    batch = [sentences] if single else _sentences(sentences)
    ids = [src_vocab.encode(s) for s in batch]
    outputs = translate_ids(model, ids, beam_size, alpha, intervene=intervene)
    words = [tgt_vocab.decode(row) for row in outputs]
    return words[0] if single else words


@torch.no_grad()
def translate_with_attention(
    model, src_ids: list[int], beam_size: int = 1, *, intervene: Intervention = NO_INTERVENTION
) -> tuple[list[int], dict[str, list[torch.Tensor]]]:
    """Translate one source (ids, no specials), then read every attention map while the model
    reads its own output (teacher forcing on ``<bos>`` + output): each row is the query that
    produced one output word, plus a last row for ``<eos>``.

    -> output ids (no specials), {kind: [(heads, T+1, Lk)] per layer} ({} without attention)
    """
    model.eval()
    device = next(model.parameters()).device
    out_ids = translate_ids(model, [src_ids], beam_size, intervene=intervene, device=device)[0]
    src = torch.tensor([src_ids], device=device)
    tgt_in = torch.tensor([[BOS_ID] + out_ids], device=device)
    _, attn = model(src, padding_mask(src), tgt_in, return_attention=True, intervene=intervene)
    maps = {kind: [m[0].float().cpu() for m in layers] for kind, layers in (attn or {}).items() if layers}
    return out_ids, maps
