"""The toy translation task's grammar: random sentence trees, written out four times.

The source language is a small English. Each source sentence is generated as a tree
(:mod:`transformer_lite.trees`) and then written out four times: in English (the source)
and in three target grammars, so that every target word knows which source words it came
from (the gold alignment):

* ``fr``  French-like: gendered determiners, adjectives that agree with the noun,
  colour adjectives *after* the noun (a local swap) and negation as two words around
  the verb, ``ne ... pas`` (one source word, two target words).
* ``sov`` verb-final, Japanese-like: no articles, particles ``ga``/``o`` after subject
  and object, modifiers before the noun, and the verb moved to the end of its clause
  (a long-distance reordering).
* ``ko``  Korean, in Hangul (:mod:`transformer_lite.grammar_ko`): verb-final like ``sov``, with
  its case particles written on the noun (개가, 책을), so one word often translates two.

:func:`build` writes the shipped corpus (``python -m transformer_lite.data build``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from . import checks as check
from .config import DATA_DIR
from .grammar_ko import korean
from .lexicon import (
    ANIMATE_NOUNS,
    COLOUR_ADJECTIVES,
    FR_DETERMINERS,
    FUNCTION_WORDS,
    INTRANSITIVE_VERBS,
    PREPOSITIONS,
    SIZE_ADJECTIVES,
    SOV_OBJECT,
    SOV_SUBJECT,
    THING_NOUNS,
    TRANSITIVE_VERBS,
    lexicon,
)
from .model.specials import SPECIALS
from .trees import NP, PP, VP, Rel, Sentence, W, english, indefinite_article

GRAMMARS = ("fr", "sov", "ko")
SPLITS = ("train", "valid", "test", "long")
SEED = 2017
CORPUS_DIR_NAME = "corpus"

# Lengths (in source tokens) of each split. `long` is longer than anything in train.
SHORT_LENGTHS = range(3, 31)
LONG_LENGTHS = range(31, 51)
PER_LENGTH_CAP = 560  # sentences kept per source length, before the train/valid/test split
LONG_PER_LENGTH = 25


class _Sampler:
    """Draws random sentence trees; `complexity` in [0, 1] makes them longer."""

    def __init__(self, rng: random.Random, complexity: float):
        self.rng = rng
        self.p_adj = 0.15 + 0.35 * complexity
        self.p_mod = 0.05 + 0.55 * complexity
        self.p_and = 0.6 * complexity
        self.p_neg = 0.3

    def np(self, animate: bool, depth: int) -> NP:
        r = self.rng
        lex = r.choice(ANIMATE_NOUNS if animate else ANIMATE_NOUNS + THING_NOUNS)
        node = NP(det=W(r.choice(("the", "a"))), noun=W(lex[0]), lex=lex)
        if r.random() < self.p_adj:
            s = r.choice(SIZE_ADJECTIVES)
            node.size = (W(s[0]), s)
        if r.random() < self.p_adj:
            c = r.choice(COLOUR_ADJECTIVES)
            node.colour = (W(c[0]), c)
        if node.det.text == "a":  # "an old dog": the article agrees with the next word (no draw: the same trees)
            following = [a[0] for a in (node.size, node.colour) if a] + [node.noun]
            node.det.text = indefinite_article(following[0].text)
        if depth < 3 and r.random() < self.p_mod / (depth + 1):
            if animate and r.random() < 0.5:
                node.mod = Rel(that=W("that"), vp=self.vp(depth + 1))
            else:
                p = r.choice(PREPOSITIONS)
                node.mod = PP(prep=W(p[0]), lex=p, obj=self.np(False, depth + 1))
        return node

    def vp(self, depth: int) -> VP:
        r = self.rng
        negated = r.random() < self.p_neg
        transitive = r.random() < 0.6
        lex = r.choice(TRANSITIVE_VERBS if transitive else INTRANSITIVE_VERBS)
        neg = (W("does"), W("not")) if negated else None
        verb = W(lex[1] if negated else lex[0])  # English order: does, not, verb, object
        obj = self.np(False, depth) if transitive else None
        return VP(verb=verb, lex=lex, neg=neg, obj=obj)

    def sentence(self) -> Sentence:
        clauses = [(self.np(True, 0), self.vp(0))]
        ands = []
        while len(clauses) < 3 and self.rng.random() < self.p_and:
            ands.append(W("and"))
            clauses.append((self.np(True, 0), self.vp(0)))
        return Sentence(clauses, ands)


# ---- French-like target ----------------------------------------------------------------
# A target word is (text, tuple of source W it aligns to).
def _fr_np(n: NP) -> list:
    gender = n.lex[2]
    adj = 1 if gender == "m" else 2
    out = [(FR_DETERMINERS[("a" if n.det.text == "an" else n.det.text, gender)], (n.det,))]
    if n.size:
        out.append((n.size[1][adj], (n.size[0],)))
    out.append((n.lex[1], (n.noun,)))
    if n.colour:  # colour after the noun: the local swap
        out.append((n.colour[1][adj], (n.colour[0],)))
    if isinstance(n.mod, PP):
        out += [(w, (n.mod.prep,)) for w in n.mod.lex[1]] + _fr_np(n.mod.obj)
    elif isinstance(n.mod, Rel):
        out += [(FUNCTION_WORDS["that"][0], (n.mod.that,))] + _fr_vp(n.mod.vp)
    return out


def _fr_vp(v: VP) -> list:
    verb = (v.lex[2], (v.verb,))
    if v.neg:  # "does not see" -> "ne voit pas": one source word, two target words
        ne, pas = FUNCTION_WORDS["not"][0]
        out = [(ne, (v.neg[1],)), verb, (pas, (v.neg[1],))]
    else:
        out = [verb]
    return out + (_fr_np(v.obj) if v.obj else [])


def _fr(s: Sentence) -> list:
    out = []
    for i, (subj, vp) in enumerate(s.clauses):
        if i:
            out.append((FUNCTION_WORDS["and"][0], (s.ands[i - 1],)))
        out += _fr_np(subj) + _fr_vp(vp)
    return out


# ---- SOV target --------------------------------------------------------------------------
def _sov_np(n: NP) -> list:
    out = []
    if isinstance(n.mod, PP):  # modifiers come before the noun, postposition after its object
        out += _sov_np(n.mod.obj) + [(n.mod.lex[2], (n.mod.prep,))]
    elif isinstance(n.mod, Rel):  # "the dog that sees the cat" -> "neko o miru inu"
        out += _sov_vp(n.mod.vp)
    out += [(a[1][3], (a[0],)) for a in (n.size, n.colour) if a]
    return out + [(n.lex[3], (n.noun,))]


def _sov_vp(v: VP) -> list:
    out = _sov_np(v.obj) + [(SOV_OBJECT, (v.obj.noun,))] if v.obj else []
    out.append((v.lex[3], (v.verb,)))  # the verb goes last: the long-distance move
    if v.neg:
        out.append((FUNCTION_WORDS["not"][1], (v.neg[1],)))
    return out


def _sov(s: Sentence) -> list:
    out = []
    for i, (subj, vp) in enumerate(s.clauses):
        if i:
            out.append((FUNCTION_WORDS["and"][1], (s.ands[i - 1],)))
        out += _sov_np(subj) + [(SOV_SUBJECT, (subj.noun,))] + _sov_vp(vp)
    return out


_TARGET_WRITERS = {"fr": _fr, "sov": _sov, "ko": korean}


# --------------------------------------------------------------------------------------
# Pairs and the corpus
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """One translation pair with its gold word alignment.

    ``alignment`` holds ``(source_index, target_index)`` links (0-based, no special
    tokens), the "Pharaoh" convention; every target word has at least one link.
    """

    src: tuple[str, ...]
    tgt: tuple[str, ...]
    alignment: tuple[tuple[int, int], ...]


def check_grammar(grammar: str) -> str:
    if grammar not in GRAMMARS:
        raise ValueError(f"unknown grammar {grammar!r}: choose one of {', '.join(GRAMMARS)}")
    return grammar


def pair_of(s: Sentence, grammar: str) -> Pair:
    """The translation pair (with its gold alignment) a sentence tree gives in ``grammar``."""
    src = english(s)
    position = {id(w): i for i, w in enumerate(src)}
    tgt = _TARGET_WRITERS[grammar](s)
    links = sorted((position[id(w)], j) for j, (_, ws) in enumerate(tgt) for w in ws)
    return Pair(tuple(w.text for w in src), tuple(t for t, _ in tgt), tuple(links))


def generate_sentences(n: int, seed: int = SEED) -> list[Sentence]:
    """``n`` random sentence trees of every complexity (deterministic for a seed: a whole number)."""
    rng = random.Random(check.seed(seed))
    n = check.integer("n", n, minimum=0)
    return [_Sampler(rng, rng.random()).sentence() for _ in range(n)]


def build_splits(seed: int = SEED) -> dict[str, list[Sentence]]:
    """Draw the four splits: train/valid/test over lengths 3-30 and `long` over 31-50.

    Each source length gets up to ``PER_LENGTH_CAP`` distinct sentences, split
    84/8/8 into train/valid/test, so long sentences are well represented and no
    source sentence appears in two splits. ``seed``: a whole number (None would give another corpus each call).
    """
    rng = random.Random(check.seed(seed))
    by_length: dict[int, dict[str, Sentence]] = {}
    need = {**{n: PER_LENGTH_CAP for n in SHORT_LENGTHS}, **{n: LONG_PER_LENGTH for n in LONG_LENGTHS}}
    for _ in range(8):  # rounds of sampling; the shortest lengths saturate (few distinct sentences)
        for _ in range(20000):
            s = _Sampler(rng, rng.random() ** 0.5).sentence()
            text = " ".join(w.text for w in english(s))
            n = len(text.split())
            if n in need and len(by_length.setdefault(n, {})) < need[n]:
                by_length[n].setdefault(text, s)
        if all(len(by_length.get(n, {})) >= k for n, k in need.items()):
            break
    splits: dict[str, list[Sentence]] = {name: [] for name in SPLITS}
    for n in SHORT_LENGTHS:
        bucket = [by_length[n][t] for t in sorted(by_length.get(n, {}))]
        rng.shuffle(bucket)
        k = max(1, round(0.08 * len(bucket)))
        splits["valid"] += bucket[:k]
        splits["test"] += bucket[k : 2 * k]
        splits["train"] += bucket[2 * k :]
    for n in LONG_LENGTHS:
        bucket = [by_length[n][t] for t in sorted(by_length.get(n, {}))]
        rng.shuffle(bucket)
        splits["long"] += bucket
    for name in SPLITS:
        rng.shuffle(splits[name])
    return splits


def format_pair(p: Pair) -> str:
    """One TSV line: source, target, alignment as ``s-t`` links."""
    links = " ".join(f"{i}-{j}" for i, j in p.alignment)
    return f"{' '.join(p.src)}\t{' '.join(p.tgt)}\t{links}"


def parse_pair(line: str) -> Pair:
    src, tgt, links = line.rstrip("\n").split("\t")
    alignment = tuple(tuple(int(x) for x in link.split("-")) for link in links.split())
    return Pair(tuple(src.split()), tuple(tgt.split()), alignment)


def build(out_dir: Path | str = DATA_DIR, seed: int = SEED, overwrite: bool = False) -> list[Path]:
    """Write the corpus and vocabularies under ``out_dir/corpus``; returns the files. A folder that
    already holds files is refused unless ``overwrite=True``."""
    root = Path(out_dir) / CORPUS_DIR_NAME
    if not overwrite and root.is_dir() and any(root.iterdir()):
        raise FileExistsError(
            f"out_dir {out_dir} already holds a corpus folder with files; pass overwrite=True to replace "
            "them (python -m transformer_lite.data build --overwrite) or choose an empty out_dir"
        )
    written = []
    try:
        root.mkdir(parents=True, exist_ok=True)  # first: a folder that cannot be written is named before the work
        splits = build_splits(seed)
        for grammar in GRAMMARS:
            (root / grammar).mkdir(parents=True, exist_ok=True)
            for name in SPLITS:
                path = root / grammar / f"{name}.tsv"
                lines = [format_pair(pair_of(s, grammar)) for s in splits[name]]
                path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                written.append(path)
        for language in ("en",) + GRAMMARS:
            path = root / f"vocab.{language}.txt"
            path.write_text("\n".join(SPECIALS + tuple(lexicon(language))) + "\n", encoding="utf-8")
            written.append(path)
    except OSError as e:  # a read-only folder, a full disk: say which folder, not a stdlib traceback
        raise type(e)(e.errno, f"out_dir: cannot write the corpus under {root} ({e.strerror})") from None
    return written


PHENOMENA = ("negation", "coordination", "relative_clause", "prepositional_phrase", "colour_adjective", "reordering")


def crossing_links(pair: Pair) -> int:
    """How many pairs of alignment links cross (source order a<b, target order a>b).

    0 for a word-by-word (monotone) translation; it grows with how far words move.
    Taught in notebook 00.
    """
    links = pair.alignment
    return sum(1 for a, (i1, j1) in enumerate(links) for i2, j2 in links[a + 1 :] if (i1 - i2) * (j1 - j2) < 0)


def phenomena(pair: Pair) -> set[str]:
    """Which teaching phenomena (:data:`PHENOMENA`) a pair shows. Taught in notebook 00."""
    found = set()
    src = pair.src
    if "not" in src:
        found.add("negation")
    if "and" in src:
        found.add("coordination")
    if "that" in src:
        found.add("relative_clause")
    if any(w in src for w, _, _ in PREPOSITIONS):
        found.add("prepositional_phrase")
    col = {c[0] for c in COLOUR_ADJECTIVES}
    if any(w in col for w in src):
        found.add("colour_adjective")
    if crossing_links(pair):
        found.add("reordering")
    return found
