"""The toy translation task as tensors: vocabularies, the corpus, Dataset, collate and batches.

The sentences come from :mod:`transformer_lite.grammar` (shipped as TSV files under
``data/corpus``); this module loads them and turns them into padded id tensors.

Mask convention, used everywhere in this package: masks are boolean and ``True`` means
"may attend", exactly like ``torch.nn.functional.scaled_dot_product_attention``.
(``torch.nn.Transformer`` uses the opposite: there ``True`` means *blocked*.) The masks
themselves live with the model, in :mod:`transformer_lite.model.attention`.

Regenerate the shipped files with ``python -m transformer_lite.data build``.
"""

from __future__ import annotations

import argparse
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils.data import Dataset

from . import checks as check
from .config import DATA_DIR
from .grammar import (
    CORPUS_DIR_NAME,
    GRAMMARS,
    SEED,
    SPLITS,
    Pair,
    build,
    build_splits,
    check_grammar,
    pair_of,
    parse_pair,
)
from .lexicon import lexicon
from .model.attention import padding_mask
from .model.specials import BOS_ID, EOS_ID, PAD_ID, SPECIALS


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------
def tokenize(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """Lower-case, split on spaces, drop sentence punctuation. Lists of words pass through."""
    if isinstance(text, str):
        return text.lower().translate(_PUNCTUATION).split()
    if not isinstance(text, (list, tuple)) or not all(isinstance(w, str) for w in text):
        raise TypeError(f"text must be a sentence (str) or a list of words (str); got {check.show(text)}")
    return list(text)


_PUNCTUATION = str.maketrans({c: " " for c in ".,?!;:"})


class Vocab:
    """Maps words to ids and back. Ids 0-3 are ``<pad> <bos> <eos> <unk>``."""

    def __init__(self, words: list[str] | tuple[str, ...]):
        words = [w for w in words if w not in SPECIALS]
        self.itos = list(SPECIALS) + list(dict.fromkeys(words))
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    @classmethod
    def load(cls, path: Path | str) -> Vocab:
        return cls(Path(path).read_text(encoding="utf-8").split())

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def unknown_words(self, tokens: list[str]) -> list[str]:
        return [w for w in tokens if w not in self.stoi]

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Close vocabulary words for a misspelt one."""
        return difflib.get_close_matches(word, self.itos[len(SPECIALS) :], n=n, cutoff=0.6)

    def validate(self, text: str | list[str]) -> list[str]:
        """Tokenize and check; raise ``ValueError`` naming empty input or unknown words."""
        tokens = tokenize(text)
        if not tokens:
            raise ValueError("empty sentence: type at least one word")
        unknown = list(dict.fromkeys(self.unknown_words(tokens)))
        if unknown:
            hints = []
            for w in unknown[:5]:  # a message to read, not a dump: the first five, then a count
                close = self.suggest(w) if len(w) <= 40 else []
                hints.append(check.show(w, 30) + (f" (did you mean {', '.join(close)}?)" if close else ""))
            more = f"; and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
            raise ValueError("unknown word(s) not in the vocabulary: " + "; ".join(hints) + more)
        return tokens

    def encode(self, text: str | list[str], bos: bool = False, eos: bool = False) -> list[int]:
        """Words to ids. Unknown words raise a ``ValueError`` that names them."""
        ids = [self.stoi[w] for w in self.validate(text)]
        return ([BOS_ID] if bos else []) + ids + ([EOS_ID] if eos else [])

    def decode(self, ids) -> list[str]:
        """Ids to words, stopping at ``<eos>`` and skipping ``<pad>``/``<bos>``. ``ids``: a list of
        ints or a 1-D integer tensor, each in 0 .. len(vocab) - 1."""
        if isinstance(ids, torch.Tensor):
            ids = check.tensor("ids", ids, dims=(1,), floating=False).tolist()
        if not isinstance(ids, (list, tuple)):
            raise TypeError(f"ids must be a list of token ids or a 1-D tensor; got {check.show(ids)}")
        bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self.itos)]
        if bad:
            raise ValueError(f"ids must be whole numbers from 0 to {len(self.itos) - 1}; got {check.show_list(bad)}")
        out = []
        for i in ids:
            if i == EOS_ID:
                break
            if i not in (PAD_ID, BOS_ID):
                out.append(self.itos[i])
        return out


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------
@dataclass
class Corpus:
    """One grammar's splits and vocabularies."""

    grammar: str
    splits: dict[str, list[Pair]]
    src_vocab: Vocab
    tgt_vocab: Vocab
    _by_source: dict = field(init=False, repr=False, compare=False)  # source words -> pair

    def __post_init__(self):
        self._by_source = {p.src: p for split in self.splits.values() for p in split}

    def __getitem__(self, split: str) -> list[Pair]:
        if split not in self.splits:
            raise ValueError(f"unknown split {split!r}: choose one of {', '.join(self.splits)}")
        return self.splits[split]

    def reference(self, sentence: str | list[str] | tuple[str, ...]) -> Pair | None:
        """The corpus pair whose source is ``sentence`` (its gold translation), or None."""
        return self._by_source.get(tuple(tokenize(sentence)))


def load_corpus(grammar: str = "fr", data_dir: Path | str | None = None) -> Corpus:
    """Load the shipped corpus for ``grammar`` ("fr", "sov" or "ko").

    Reads ``data/corpus``; if the files are missing (e.g. a non-editable install) the
    identical corpus is generated in memory from the seed.
    Taught in notebook 00; used throughout the course.
    """
    check_grammar(grammar)
    root = Path(data_dir or DATA_DIR) / CORPUS_DIR_NAME
    if (root / grammar / "train.tsv").exists():
        splits = {
            name: [parse_pair(line) for line in (root / grammar / f"{name}.tsv").read_text("utf-8").splitlines()]
            for name in SPLITS
        }
    else:
        trees = build_splits()
        splits = {name: [pair_of(s, grammar) for s in trees[name]] for name in SPLITS}
    return Corpus(grammar, splits, Vocab(lexicon("en")), Vocab(lexicon(grammar)))


def translate_reference(sentence: str | list[str], grammar: str = "fr") -> Pair | None:
    """The gold translation of a source sentence if it is in the corpus, else None."""
    if grammar not in _CORPUS_CACHE:
        _CORPUS_CACHE[grammar] = load_corpus(grammar)
    return _CORPUS_CACHE[grammar].reference(sentence)


_CORPUS_CACHE: dict[str, Corpus] = {}


def alignment_matrix(pair: Pair) -> torch.Tensor:
    """Gold alignment as a 0/1 matrix ``(tgt_len, src_len)``: row t marks the source
    words target word t came from (the attention a good model should learn).
    Taught in notebook 00; used throughout the course."""
    m = torch.zeros(len(pair.tgt), len(pair.src))
    for i, j in pair.alignment:
        m[j, i] = 1.0
    return m


# --------------------------------------------------------------------------------------
# Tensors: Dataset, collate, masks
# --------------------------------------------------------------------------------------
class TranslationDataset(Dataset):
    """Pairs as id tensors: source ``(src_len,)`` without specials, target
    ``(tgt_len + 2,)`` wrapped in ``<bos> ... <eos>``. Taught in notebook 06."""

    def __init__(self, pairs: list[Pair], src_vocab: Vocab, tgt_vocab: Vocab):
        if not isinstance(pairs, (list, tuple)) or not all(isinstance(p, Pair) for p in pairs):
            raise TypeError(f"pairs must be a list of Pair (e.g. corpus['train']); got {check.show(pairs)}")
        self.pairs = pairs
        self.src = [torch.tensor(src_vocab.encode(p.src)) for p in pairs]
        self.tgt = [torch.tensor(tgt_vocab.encode(p.tgt, bos=True, eos=True)) for p in pairs]

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.src[i], self.tgt[i]


@dataclass
class Batch:
    """A padded batch. ``tgt_in`` is ``<bos> y1..yn`` and ``tgt_out`` is ``y1..yn <eos>``
    (teacher forcing); masks are ``True`` where there is a real token."""

    src: torch.Tensor  # (batch, src_len)
    src_mask: torch.Tensor  # (batch, src_len) bool
    tgt_in: torch.Tensor  # (batch, tgt_len)
    tgt_out: torch.Tensor  # (batch, tgt_len)
    tgt_mask: torch.Tensor  # (batch, tgt_len) bool

    def to(self, device) -> Batch:
        return Batch(*(t.to(device) for t in (self.src, self.src_mask, self.tgt_in, self.tgt_out, self.tgt_mask)))

    @property
    def n_tokens(self) -> int:
        return int(self.tgt_mask.sum())


def pad(seqs: list[torch.Tensor], pad_id: int = PAD_ID) -> torch.Tensor:
    """Right-pad 1-D id tensors into ``(batch, max_len)``. Taught in notebook 03."""
    return torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=pad_id)


def collate(items: list[tuple[torch.Tensor, torch.Tensor]]) -> Batch:
    """Pad a list of ``(src, tgt)`` pairs into a :class:`Batch`. Taught in notebook 06."""
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"items must be a non-empty list of (src, tgt) id tensors; got {check.show(items)}")
    for src, tgt in items:
        check.tensor("items: src", src, dims=(1,), floating=False)
        check.tensor("items: tgt", tgt, dims=(1,), floating=False)
        if len(tgt) < 2:
            raise ValueError(f"items: each tgt needs <bos> ... <eos> (at least 2 ids); got {tgt.tolist()}")
    src = pad([s for s, _ in items])
    tgt = pad([t for _, t in items])
    tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
    return Batch(src, padding_mask(src), tgt_in, tgt_out, padding_mask(tgt_out))


def batches(dataset: TranslationDataset, batch_size: int, shuffle: bool = True, seed: int = 0):
    """Yield padded batches of similar-length pairs (less padding, faster epochs).

    Shuffles, sorts within chunks of 50 batches by source length, then shuffles the
    batches; deterministic for a seed.
    Taught in notebook 10.
    """
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(dataset), generator=g).tolist() if shuffle else list(range(len(dataset)))
    chunk = batch_size * 50
    groups = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: len(dataset.src[i]))
        groups += [part[k : k + batch_size] for k in range(0, len(part), batch_size)]
    if shuffle:
        groups = [groups[i] for i in torch.randperm(len(groups), generator=g).tolist()]
    for idx in groups:
        yield collate([dataset[i] for i in idx])


# --------------------------------------------------------------------------------------
# Command line: python -m transformer_lite.data build|stats
# --------------------------------------------------------------------------------------
def _stats(corpus: Corpus) -> dict:
    out = {}
    for name, pairs in corpus.splits.items():
        lengths = [len(p.src) for p in pairs]
        out[name] = {"pairs": len(pairs), "min_len": min(lengths), "max_len": max(lengths)}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m transformer_lite.data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="regenerate the corpus files")
    b.add_argument("--out", default=str(DATA_DIR), help="output folder (default: the repo's data/)")
    b.add_argument("--seed", type=int, default=SEED)
    b.add_argument("--overwrite", action="store_true", help="replace a corpus already in --out")
    sub.add_parser("stats", help="print split sizes and lengths")
    args = parser.parse_args(argv)
    if args.command == "build":
        # Regenerating the shipped corpus in place is what the default is for; elsewhere, ask.
        overwrite = args.overwrite or Path(args.out).resolve() == Path(DATA_DIR).resolve()
        for path in build(args.out, args.seed, overwrite=overwrite):
            print(path)
    else:
        for grammar in GRAMMARS:
            print(grammar, _stats(load_corpus(grammar)))


if __name__ == "__main__":
    main()
