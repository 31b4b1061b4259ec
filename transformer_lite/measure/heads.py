"""What the heads of a trained model do (notebook 08), measured over a corpus: which
cross-attention heads align with the gold word alignment (:func:`head_aer_table`), which
decoder heads look at the previous word (:func:`previous_token_table`), whether attention
follows long reorderings (:func:`jump_table`), and switching heads off (:func:`ablation`).

Maps come from :func:`transformer_lite.metrics.teacher_forced_maps`: the model reads the
gold translation, so each row is the query that produced one target word (plus ``<eos>``).
"""

from __future__ import annotations

import torch

from ..grammar import Pair
from ..lexicon import ANIMATE_NOUNS, FR_DETERMINERS, THING_NOUNS
from ..metrics import attention_aer, teacher_forced_maps
from ..model.attention import Intervention


def head_aer_table(model, pairs: list[Pair], src_vocab, tgt_vocab, maps=None) -> list[dict]:
    """Alignment error rate of every cross-attention head against the gold alignment
    (each target word linked to the source word the head attends to most).
    Returns [{"layer", "head", "aer"}], best-aligned head first. Taught in notebook 08."""
    maps = maps if maps is not None else teacher_forced_maps(model, pairs, src_vocab, tgt_vocab)
    rows = []
    for layer, first in enumerate(maps[0]["cross"]):
        for head in range(first.shape[0]):
            aer = attention_aer([m["cross"][layer][head] for m in maps], pairs)
            rows.append({"layer": layer, "head": head, "aer": aer})
    return sorted(rows, key=lambda r: (r["aer"], r["layer"], r["head"]))


def previous_token_share(weights: torch.Tensor) -> float:
    """How much a decoder self-attention head looks at the word written just before the one being
    written: the mean of ``weights[i, i]`` over rows i >= 1 of a square map (L, L); 1.0 for a
    perfect previous-word head.

    Row i is the query that writes target word i; the columns are the decoder's inputs, ``<bos>``
    then the target shifted right, so column i holds word i - 1: the previous word sits on the
    diagonal. Row 0 can only see ``<bos>`` (weight 1 by force) and is left out."""
    weights = torch.as_tensor(weights)
    n = min(weights.shape[-2], weights.shape[-1])
    if n < 2:
        return 0.0
    idx = torch.arange(1, n)
    return float(weights[idx, idx].mean())


def uniform_previous_share(pairs) -> float:
    """The baseline for :func:`previous_token_share`: a head that spreads its weight evenly over every
    input it may see (the causal mask), averaged over the target sentences of ``pairs``.
    Taught in notebook 08."""
    if not pairs:
        raise ValueError("pairs is empty: give at least one sentence pair")
    total = 0.0
    for p in pairs:
        n = len(p.tgt) + 1  # the decoder's inputs: <bos> + target
        total += previous_token_share(torch.ones(n, n).tril() / torch.arange(1, n + 1)[:, None])  # (n, n) rows sum to 1
    return total / len(pairs)


def previous_token_table(model, pairs: list[Pair], src_vocab, tgt_vocab, maps=None) -> list[dict]:
    """Share of decoder self-attention weight on the word written just before
    (:func:`previous_token_share`), per head, averaged over the pairs.
    Returns [{"layer", "head", "share"}], the most previous-word head first. Taught in notebook 08."""
    maps = maps if maps is not None else teacher_forced_maps(model, pairs, src_vocab, tgt_vocab)
    if "dec_self" not in maps[0]:
        raise ValueError("this model has no decoder self-attention")
    rows = []
    for layer, first in enumerate(maps[0]["dec_self"]):
        for head in range(first.shape[0]):
            share = sum(previous_token_share(m["dec_self"][layer][head]) for m in maps) / len(maps)
            rows.append({"layer": layer, "head": head, "share": share})
    return sorted(rows, key=lambda r: (-r["share"], r["layer"], r["head"]))


def long_jumps(pair: Pair, min_jump: int = 3) -> list[tuple[int, int]]:
    """Gold links (source index, target index) that move a word by at least ``min_jump``
    positions: in the `sov` grammar, mostly the verb jumping to the end of its clause. Taught in notebook 08."""
    return [(s, t) for s, t in pair.alignment if abs(s - t) >= min_jump]


def long_jump_share(attention: list[torch.Tensor], pairs: list[Pair], min_jump: int = 3) -> float:
    """Share of the long-jump gold links (:func:`long_jumps`) whose target row attends most to the
    right source word, for attention maps given one ``(tgt_len(+1), src_len)`` tensor per pair (a
    head's maps, or a baseline such as :func:`~transformer_lite.metrics.diagonal_attention`); 0.0
    when there is no long jump. Taught in notebook 08."""
    hit = total = 0
    for weights, p in zip(attention, pairs):
        best = weights.argmax(-1)
        for s, t in long_jumps(p, min_jump):
            total += 1
            hit += int(best[t]) == s
    return hit / total if total else 0.0


def jump_accuracy(maps, pairs: list[Pair], layer: int, head: int, min_jump: int = 3) -> float:
    """:func:`long_jump_share` of one cross-attention head. ``maps`` from
    :func:`teacher_forced_maps`."""
    return long_jump_share([m["cross"][layer][head] for m in maps], pairs, min_jump)


def jump_table(maps, pairs: list[Pair], min_jump: int = 3) -> list[dict]:
    """:func:`jump_accuracy` of every cross-attention head. ``maps`` from :func:`teacher_forced_maps`.
    Returns [{"layer", "head", "share"}], the head that follows most long jumps first. Taught in notebook 08."""
    rows = [
        {"layer": layer, "head": head, "share": jump_accuracy(maps, pairs, layer, head, min_jump)}
        for layer, first in enumerate(maps[0]["cross"])
        for head in range(first.shape[0])
    ]
    return sorted(rows, key=lambda r: (-r["share"], r["layer"], r["head"]))


def ablation(model_or_shape, heads, temperature: float = 1.0) -> Intervention:
    """An :class:`Intervention` switching off ``heads``, an iterable of (kind, layer, head).
    ``model_or_shape``: a model (its ``attention_shape()``) or {kind: (layers, heads)}.
    Taught in notebook 08."""
    shape = model_or_shape if isinstance(model_or_shape, dict) else model_or_shape.attention_shape()
    masks = {}
    for kind, layer, head in heads:
        if kind not in shape:
            raise ValueError(f"this model has no {kind!r} attention; it has {', '.join(shape)}")
        n_layers, n_heads = shape[kind]
        if not (0 <= layer < n_layers and 0 <= head < n_heads):
            raise ValueError(f"{kind} has {n_layers} layer(s) x {n_heads} head(s); got layer {layer} head {head}")
        masks.setdefault(kind, torch.ones(n_layers, n_heads))[layer, head] = 0.0
    return Intervention(temperature=temperature, head_mask=masks)


FR_ARTICLES = tuple(FR_DETERMINERS.values())  # le, la, un, une


def article_noun_weights(maps, pairs: list[Pair], articles=FR_ARTICLES) -> dict:
    """How much the row of a French article looks at the English article it translates and at
    that article's noun (the first English noun after it): the article agrees with the noun's
    gender, so a decoder needs the noun to write it. Averaged over the article rows of ``pairs``;
    ``maps``: one (target words (+ <eos>), source words) map per pair. Taught in notebook 02.

    Returns {"rows", "article", "noun", "uniform"}: the mean weights, and what uniform attention
    (1 / source length) would put on one word."""
    nouns = {entry[0] for entry in ANIMATE_NOUNS + THING_NOUNS}
    on_article, on_noun, uniform = [], [], []
    for weights, pair in zip(maps, pairs):
        source_of = {t: s for s, t in pair.alignment}
        for t, word in enumerate(pair.tgt):
            s = source_of.get(t)
            if word not in articles or s is None:
                continue
            noun = next((j for j in range(s + 1, len(pair.src)) if pair.src[j] in nouns), None)
            if noun is None:
                continue
            on_article.append(float(weights[t, s]))
            on_noun.append(float(weights[t, noun]))
            uniform.append(1.0 / len(pair.src))
    if not on_article:
        raise ValueError(f"no row of an article {articles} with a noun after it in these {len(pairs)} pairs")
    n = len(on_article)
    return {"rows": n, "article": sum(on_article) / n, "noun": sum(on_noun) / n, "uniform": sum(uniform) / n}
