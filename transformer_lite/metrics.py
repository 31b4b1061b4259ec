"""How good is a translation model? BLEU, exact match, scores by source length, and the
alignment error rate (AER) of a model's attention against the gold word alignments."""

from __future__ import annotations

import sacrebleu
import torch

from .checks import show
from .data import TranslationDataset, Vocab, collate
from .decode import translate_ids
from .grammar import Pair
from .model.attention import NO_INTERVENTION, Intervention

# Source-length buckets used in every table and plot. The last is the `long` split.
LENGTH_BUCKETS = ((3, 9), (10, 19), (20, 30), (31, 50))


def _sentence(name: str, s) -> str:
    """One sentence, a str or a list of words -> the words joined by spaces."""
    if isinstance(s, str):
        return s
    if isinstance(s, (list, tuple)) and all(isinstance(w, str) for w in s):
        return " ".join(s)
    raise TypeError(f"{name} must be a sentence: a str or a list of words; got {show(s)}")


def _paired(hypotheses, references) -> tuple[list[str], list[str]]:
    """Two lists of sentences of the same length -> their joined texts."""
    for name, value in (("hypotheses", hypotheses), ("references", references)):
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"{name} must be a list of sentences (each a str or a list of words); got {show(value)}")
    if len(hypotheses) != len(references):
        raise ValueError(
            f"hypotheses and references must pair up; got {len(hypotheses)} hypotheses but {len(references)} references"
        )
    return [_sentence("hypotheses[i]", h) for h in hypotheses], [_sentence("references[i]", r) for r in references]


def corpus_bleu(hypotheses, references) -> float:
    """Corpus BLEU (0-100) with sacrebleu on our already-tokenised words (0.0 for no sentences).
    One short sentence has no 4-grams, so its corpus BLEU is 0 even when it is perfect: score
    single sentences with :func:`sentence_score`. Taught in notebook 10."""
    hypotheses, references = _paired(hypotheses, references)
    if not hypotheses:
        return 0.0
    return sacrebleu.corpus_bleu(hypotheses, [references], tokenize="none", force=True).score


def sentence_score(hypothesis, reference) -> dict[str, float]:
    """Scores (0-100) of ONE sentence against its reference: {"bleu": sacrebleu's sentence BLEU
    with effective order (only the n-gram orders the sentence has, so a perfect 1-3 word
    sentence scores 100), "chrf": chrF (character n-grams, no order problem)}."""
    hyp, ref = _sentence("hypothesis", hypothesis), _sentence("reference", reference)
    if not ref.split():
        raise ValueError("reference is empty: a score needs at least one reference word")
    bleu = sacrebleu.sentence_bleu(hyp, [ref], tokenize="none", use_effective_order=True).score
    return {"bleu": bleu, "chrf": sacrebleu.sentence_chrf(hyp, [ref]).score}


def exact_match(hypotheses, references) -> float:
    """Share (0-1) of outputs identical to the reference, word for word (0.0 for no sentences)."""
    hypotheses, references = _paired(hypotheses, references)
    if not hypotheses:
        return 0.0
    return sum(h == r for h, r in zip(hypotheses, references)) / len(hypotheses)


def bucket_label(lo: int, hi: int) -> str:
    """The name of a source-length bucket in every table: "10-19". Taught in notebook 07."""
    return f"{lo}-{hi}"


def scores_by_length(sources, hypotheses, references, buckets=LENGTH_BUCKETS) -> dict[str, dict]:
    """BLEU and exact match for each source-length bucket: {"3-9": {"n", "bleu", "exact_match"}, ...}
    (buckets with no sentences are left out)."""
    out = {}
    for lo, hi in buckets:
        idx = [i for i, s in enumerate(sources) if lo <= len(s) <= hi]
        if idx:
            hyps, refs = [hypotheses[i] for i in idx], [references[i] for i in idx]
            out[bucket_label(lo, hi)] = {
                "n": len(idx),
                "bleu": corpus_bleu(hyps, refs),
                "exact_match": exact_match(hyps, refs),
            }
    return out


def evaluate(
    model,
    pairs: list[Pair],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    beam_size: int = 1,
    alpha: float = 0.6,
    *,
    intervene: Intervention = NO_INTERVENTION,
) -> dict:
    """Translate ``pairs`` (optionally under an :class:`Intervention`: temperature, heads
    switched off) and score them: {"bleu", "exact_match", "by_length", "hypotheses"}.
    Taught in notebook 07; used again in 08."""
    outputs = translate_ids(model, [src_vocab.encode(p.src) for p in pairs], beam_size, alpha, intervene=intervene)
    hyps = [tgt_vocab.decode(row) for row in outputs]
    refs = [list(p.tgt) for p in pairs]
    return {
        "bleu": corpus_bleu(hyps, refs),
        "exact_match": exact_match(hyps, refs),
        "by_length": scores_by_length([p.src for p in pairs], hyps, refs),
        "hypotheses": hyps,
    }


# ---- alignment ------------------------------------------------------------------------------
def attention_links(weights: torch.Tensor) -> set[tuple[int, int]]:
    """Hard alignment from attention ``(tgt_len, src_len)``: each target word links to the
    source word it attends to most. Returns ``{(source_index, target_index)}``. Taught in notebook 08."""
    return {(int(s), t) for t, s in enumerate(weights.argmax(dim=-1).tolist())}


def alignment_error_rate(predicted: list[set], gold: list[set]) -> float:
    """Och & Ney (2003) AER with sure links only: 1 - 2|A & S| / (|A| + |S|), summed over
    the corpus. 0 is perfect; 1 shares no link with the gold alignment. Taught in notebook 08."""
    hit = sum(len(a & s) for a, s in zip(predicted, gold))
    total = sum(len(a) + len(s) for a, s in zip(predicted, gold))
    return 1.0 - 2.0 * hit / total if total else 0.0


def attention_aer(attention: list[torch.Tensor], pairs: list[Pair]) -> float:
    """AER of attention maps, one ``(tgt_len(+1), src_len)`` tensor per pair (rows for the
    target words; an extra final row for ``<eos>`` is ignored). Taught in notebook 10."""
    predicted = [attention_links(w[: len(p.tgt), : len(p.src)]) for w, p in zip(attention, pairs)]
    return alignment_error_rate(predicted, [set(p.alignment) for p in pairs])


def uniform_attention(pair: Pair) -> torch.Tensor:
    """The no-information baseline: every source word equally weighted, (tgt_len, src_len). Taught in notebook 10."""
    return torch.full((len(pair.tgt), len(pair.src)), 1.0 / len(pair.src))


def diagonal_attention(pair: Pair) -> torch.Tensor:
    """The monotone baseline: target word t looks at source word t * S / T, (tgt_len, src_len).
    Taught in notebook 08; used again in 10."""
    t, s = len(pair.tgt), len(pair.src)
    w = torch.zeros(t, s)
    w[torch.arange(t), (torch.arange(t) * s // t).clamp(max=s - 1)] = 1.0
    return w


def aer_against_baselines(maps: list[torch.Tensor], pairs: list[Pair]) -> dict[str, float]:
    """AER of attention ``maps`` (one ``(tgt_len(+1), src_len)`` tensor per pair) beside the two
    baselines, :func:`uniform_attention` and :func:`diagonal_attention`, on the same ``pairs``:
    {"attention", "uniform", "diagonal"}. Taught in notebook 02."""
    return {
        "attention": attention_aer(maps, pairs),
        "uniform": attention_aer([uniform_attention(p) for p in pairs], pairs),
        "diagonal": attention_aer([diagonal_attention(p) for p in pairs], pairs),
    }


@torch.no_grad()
def teacher_forced_maps(model, pairs: list[Pair], src_vocab, tgt_vocab, *, intervene=NO_INTERVENTION, batch_size=128):
    """Every attention map of ``model`` reading each pair's gold target, one dict per pair:
    kind -> list over layers of (heads, Lq, Lk), cropped to the pair's lengths
    (enc_self (S, S), dec_self (T+1, T+1), cross (T+1, S); row T is the ``<eos>`` step). Taught in notebook 08."""
    model.eval()
    device = next(model.parameters()).device
    data = TranslationDataset(pairs, src_vocab, tgt_vocab)
    out = []
    for start in range(0, len(data), batch_size):
        batch = collate([data[i] for i in range(start, min(start + batch_size, len(data)))]).to(device)
        _, attn = model(batch.src, batch.src_mask, batch.tgt_in, return_attention=True, intervene=intervene)
        if attn is None:
            raise ValueError("this model has no attention (a Seq2Seq without attention reads one context vector)")
        for i, p in enumerate(pairs[start : start + batch_size]):
            s, t = len(p.src), len(p.tgt) + 1
            size = {"enc_self": (s, s), "dec_self": (t, t), "cross": (t, s)}
            out.append(
                {k: [m[i, :, : size[k][0], : size[k][1]].cpu() for m in maps] for k, maps in attn.items() if maps}
            )
    return out


def model_attention(
    model,
    pairs: list[Pair],
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    layer: int = -1,
    head: int | None = None,
    batch_size: int = 128,
) -> list[torch.Tensor]:
    """Cross-attention of ``model`` on the gold targets (teacher forcing), one
    ``(tgt_len + 1, src_len)`` tensor per pair: the chosen layer, averaged over heads
    unless ``head`` is given. Taught in notebook 02."""
    maps = teacher_forced_maps(model, pairs, src_vocab, tgt_vocab, batch_size=batch_size)
    return [m["cross"][layer].mean(0) if head is None else m["cross"][layer][head] for m in maps]
