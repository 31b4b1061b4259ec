"""Translation as next-word prediction: the data side of the decoder-only model (notebook 10).

An encoder-decoder reads the English sentence with one stack and writes the French with
another. A GPT has one stack, so both sentences go into ONE sequence:

    the cat sees the dog <bos> le chat voit le chien <eos>

``<bos>`` is the separator: where the decoder always started, the translation starts. The
model predicts every next word, but the loss counts only the words after the separator: the
English is given, only the French is to be learnt.

In a batch the sources are right-padded to one length S and the targets follow at columns
S, S+1, ...; padding is masked out of attention and each row's positions count only its real
words, so every row is exactly its own unpadded sequence (``GPT.sequence``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .data import Batch, Vocab
from .grammar import Pair
from .model.specials import BOS, EOS, PAD_ID
from .train import label_smoothed_loss


def lm_words(pair: Pair) -> list[str]:
    """One training sequence in words: source, separator, target, <eos>. Taught in notebook 10."""
    return [*pair.src, BOS, *pair.tgt, EOS]  # the decoder's start token separates the two sentences


@dataclass
class LMBatch:
    """A batch as the decoder-only model sees it (L = S + T columns)."""

    ids: torch.Tensor  # (batch, L) token ids in the model's joint vocabulary
    key_mask: torch.Tensor  # (batch, L) bool, True = a real token
    positions: torch.Tensor  # (batch, L) position of each token in its own unpadded sequence
    targets: torch.Tensor  # (batch, L) the next word to predict at each column (<pad>: none)
    loss_mask: torch.Tensor  # (batch, L) bool, True where the loss counts: the target part


def lm_batch(model, batch: Batch) -> LMBatch:
    """Lay a translation :class:`~transformer_lite.data.Batch` out as one sequence per pair.
    Source columns predict nothing that counts; the separator predicts the first target word,
    each target word the next, the last one <eos>. Taught in notebook 10."""
    ids, key_mask, positions = model.sequence(batch.src, batch.src_mask, batch.tgt_in)
    no_target = torch.full_like(batch.src, PAD_ID)
    targets = torch.cat([no_target, batch.tgt_out], dim=1)
    return LMBatch(ids, key_mask, positions, targets, targets != PAD_ID)


def causal_lm_loss(
    logits: torch.Tensor, targets: torch.Tensor, loss_mask: torch.Tensor, smoothing: float = 0.0
) -> torch.Tensor:
    """Mean (label-smoothed) cross entropy of the next word over the positions where
    ``loss_mask`` is True; the others (the source, padding) do not count at all.
    logits (batch, L, V), targets (batch, L), loss_mask (batch, L) bool -> scalar. Taught in notebook 10."""
    if logits.shape[:2] != targets.shape or targets.shape != loss_mask.shape:
        raise ValueError(
            f"logits (batch, L, V), targets and loss_mask (batch, L) must agree; got logits {tuple(logits.shape)}, "
            f"targets {tuple(targets.shape)}, loss_mask {tuple(loss_mask.shape)}"
        )
    if not loss_mask.any():
        raise ValueError("loss_mask selects no position: nothing to learn from")
    return label_smoothed_loss(logits[loss_mask][None], targets[loss_mask][None], smoothing)


def lm_columns(batch: Batch, src_vocab: Vocab, tgt_vocab: Vocab) -> list[list[str]]:
    """The words of each row of :func:`lm_batch`'s layout, padding shown as ``<pad>``:
    the S source columns, then the T target inputs (``<bos>`` first). Taught in notebook 10."""
    return [
        [src_vocab.itos[i] for i in src] + [tgt_vocab.itos[i] for i in tgt]
        for src, tgt in zip(batch.src.tolist(), batch.tgt_in.tolist())
    ]
