"""Translation as next-word prediction: the decoder-only model as a translator (notebook 10).

An encoder-decoder reads the English sentence with one stack and writes the French with
another. A GPT has one stack, so both sentences go into ONE sequence:

    the cat sees the dog <bos> le chat voit le chien <eos>

``<bos>`` is the separator: where the decoder always started, the translation starts. The
model predicts every next word, but the loss counts only the words after the separator: the
English is given, only the French is to be learnt.

In a batch the sources are right-padded to one length S and the targets follow at columns
S, S+1, ...; the GPT masks padding out and counts each row's positions over its real words, so
every row is exactly its own unpadded sequence. :class:`Translator` gives the GPT the
encoder-decoder's interface (teacher-forced ``forward``, ``start``/``step``), so the trainer, the
decoders and notebook 08's tools run it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import checks
from .data import Batch, Vocab
from .grammar import Pair
from .model.attention import NO_INTERVENTION, Intervention, KeysValues, padding_mask
from .model.base import replay
from .model.gpt import GPT, count_positions
from .model.specials import BOS, EOS, PAD_ID, SPECIALS
from .train import label_smoothed_loss


def lm_words(pair: Pair) -> list[str]:
    """One training sequence in words: source, separator, target, <eos>. Taught in notebook 10."""
    return [*pair.src, BOS, *pair.tgt, EOS]  # the decoder's start token separates the two sentences


def joint_ids(config, src: torch.Tensor) -> torch.Tensor:
    """Source-vocabulary ids (batch, S) -> their rows in the GPT's joint table (``config``: its
    GPTConfig): target words first, then the source words; the shared specials keep their ids."""
    shift = config.tgt_vocab_size - len(SPECIALS)
    return torch.where(src >= len(SPECIALS), src + shift, src)


@dataclass
class LMBatch:
    """A batch as the decoder-only model sees it (L = S + T columns)."""

    ids: torch.Tensor  # (batch, L) token ids in the model's joint vocabulary
    key_mask: torch.Tensor  # (batch, L) bool, True = a real token
    positions: torch.Tensor  # (batch, L) position of each token in its own unpadded sequence
    targets: torch.Tensor  # (batch, L) the next word to predict at each column (<pad>: none)
    loss_mask: torch.Tensor  # (batch, L) bool, True where the loss counts: the target part


def lm_batch(model, batch: Batch) -> LMBatch:
    """Lay a translation :class:`~transformer_lite.data.Batch` out as one sequence per pair, for
    ``model`` (a GPT or its :class:`Translator`). Source columns predict nothing that counts; the
    separator predicts the first target word, each target word the next, the last one <eos>.
    Taught in notebook 10."""
    ids = torch.cat([joint_ids(model.config, batch.src), batch.tgt_in], dim=1)
    key_mask = torch.cat([batch.src_mask, padding_mask(batch.tgt_in)], dim=1)
    targets = torch.cat([torch.full_like(batch.src, PAD_ID), batch.tgt_out], dim=1)
    return LMBatch(ids, key_mask, count_positions(key_mask), targets, targets != PAD_ID)


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


def attention_views(maps: list[torch.Tensor], s: int) -> dict[str, list[torch.Tensor]]:
    """A GPT's self-attention over source + target [(batch, heads, S + T, S + T)] per block, cut into
    the encoder-decoder's three kinds, so notebook 08's tools read it: "enc_self" (source rows, source
    columns; causal here), "cross" (target rows, source columns) and "dec_self" (target rows and
    columns)."""
    cut = {"enc_self": (slice(None, s), slice(None, s)), "dec_self": (slice(s, None), slice(s, None))}
    cut["cross"] = (slice(s, None), slice(None, s))
    return {kind: [m[:, :, rows, cols] for m in maps] for kind, (rows, cols) in cut.items()}


class Translator:
    """A :class:`~transformer_lite.model.gpt.GPT` (a language model, ``translator.language_model``) used
    as a translation model: the encoder-decoder's interface, on one sequence per pair. Anything else
    (``parameters()``, ``config``, ``state_dict()``, ``parameter_counts()``, ...) is the GPT's own.

    ``translator(src, src_mask, tgt_in)`` gives the logits of the target positions (the trainer's
    loss on them is the causal LM loss of :func:`causal_lm_loss`) and, if asked, the attention cut
    by :func:`attention_views`. ``start`` reads the source once and keeps its keys and values (the
    prefix); ``step`` feeds one written word at a time after it (the KV cache).
    """

    def __init__(self, gpt: GPT):
        if not isinstance(gpt, GPT):
            raise TypeError(f"gpt must be a GPT (transformer_lite.model.GPT); got {type(gpt).__name__}")
        self.language_model = gpt

    def __getattr__(self, name: str):  # called only for what this class does not define itself
        if name == "language_model":  # not set yet (copy, pickle): no GPT to ask
            raise AttributeError(name)
        return getattr(self.language_model, name)

    def __repr__(self) -> str:
        return f"Translator({self.language_model!r})"

    def train(self, mode: bool = True) -> Translator:
        self.language_model.train(mode)
        return self

    def eval(self) -> Translator:
        return self.train(False)

    def to(self, *args, **kwargs) -> Translator:
        self.language_model.to(*args, **kwargs)
        return self

    def __call__(self, src, src_mask, tgt_in, *, return_attention=False, intervene: Intervention = NO_INTERVENTION):
        """Teacher forcing: src (batch, S), src_mask (batch, S), tgt_in (batch, T) starting with <bos>
        -> logits (batch, T, tgt_vocab) at the target positions only and, if asked, the maps of
        :func:`attention_views` (else None)."""
        checks.translation_inputs(self, src, src_mask, tgt_in, intervene)
        ids = torch.cat([joint_ids(self.config, src), tgt_in], dim=1)  # (batch, S + T)
        key_mask = torch.cat([src_mask, padding_mask(tgt_in)], dim=1)
        h, maps, _ = self.language_model.hidden(ids, key_mask, need_weights=return_attention, intervene=intervene)
        s = src.shape[1]
        return self.language_model.write(h[:, s:]), attention_views(maps, s) if return_attention else None

    def start(self, src, src_mask, *, intervene: Intervention = NO_INTERVENTION):
        """Read the source once. -> prefix: its keys and values per block (batch, heads, S, d_k); the
        cache of the words written so far, empty (batch, heads, 0, d_k)."""
        checks.translation_inputs(self, src, src_mask, intervene=intervene)
        _, _, prefix = self.language_model.hidden(joint_ids(self.config, src), src_mask, intervene=intervene)
        return prefix, self.empty_state(prefix)

    def empty_state(self, prefix: list[KeysValues]) -> list[KeysValues]:
        """The cache before the first written word: per block, keys and values (batch, heads, 0, d_k)."""
        return [(k[:, :, :0], v[:, :, :0]) for k, v in prefix]

    def step(self, prefix, src_mask, tokens, cache, *, intervene: Intervention = NO_INTERVENTION):
        """tokens (batch, t): the words written so far, <bos> (the separator) first; cache from
        :meth:`start` or the previous step (None: rebuilt from the words) -> next-word log-probs
        (batch, tgt_vocab), the cache with the newest word's keys and values.

        Only the newest word goes through the stack; it reads the cached keys and values of the
        source and of the earlier words: O(S + t) work per step, not O((S + t)^2). Equal to the
        teacher-forced forward on the whole prefix (tested)."""
        if cache is None:  # no cache yet: feed the earlier words one at a time
            cache = replay(self, prefix, src_mask, tokens, intervene=intervene)
        so_far = [(torch.cat([pk, k], dim=2), torch.cat([pv, v], dim=2)) for (pk, pv), (k, v) in zip(prefix, cache)]
        key_mask = torch.cat([src_mask, torch.ones_like(tokens, dtype=torch.bool)], dim=1)  # every written word
        h, _, so_far = self.language_model.hidden(tokens[:, -1:], key_mask, cache=so_far, intervene=intervene)
        s = src_mask.shape[1]
        cache = [(k[:, :, s:], v[:, :, s:]) for k, v in so_far]  # the written words' part
        return torch.log_softmax(self.language_model.write(h[:, -1]), dim=-1), cache
