"""The toy translation task: corpus generator, vocabularies, Dataset/collate and masks.

The source language is a small English. Each source sentence is generated as a tree
and then written out three times: in English (the source) and in two target grammars,
so that every target word knows which source words it came from (the gold alignment):

* ``fr``  French-like: gendered determiners, adjectives that agree with the noun,
  colour adjectives *after* the noun (a local swap) and negation as two words around
  the verb, ``ne ... pas`` (one source word, two target words).
* ``sov`` verb-final, Japanese-like: no articles, particles ``ga``/``o`` after subject
  and object, modifiers before the noun, and the verb moved to the end of its clause
  (a long-distance reordering).

Mask convention, used everywhere in this package: masks are boolean and ``True`` means
"may attend", exactly like ``torch.nn.functional.scaled_dot_product_attention``.
(``torch.nn.Transformer`` uses the opposite: there ``True`` means *blocked*.)

Regenerate the shipped files with ``python -m transformer_lite.data build``.
"""

from __future__ import annotations

import argparse
import difflib
import random
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils.data import Dataset

from .config import DATA_DIR

GRAMMARS = ("fr", "sov")
SPLITS = ("train", "valid", "test", "long")
SEED = 2017
CORPUS_DIR_NAME = "corpus"

# Lengths (in source tokens) of each split. `long` is longer than anything in train.
SHORT_LENGTHS = range(3, 31)
LONG_LENGTHS = range(31, 51)
PER_LENGTH_CAP = 560  # sentences kept per source length, before the train/valid/test split
LONG_PER_LENGTH = 25

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3

# --------------------------------------------------------------------------------------
# Lexicon: English, French-like (with gender) and SOV forms of every word.
# --------------------------------------------------------------------------------------
# noun: (en, fr, fr_gender, sov)
ANIMATE_NOUNS = [
    ("dog", "chien", "m", "inu"),
    ("cat", "chat", "m", "neko"),
    ("bird", "oiseau", "m", "tori"),
    ("horse", "cheval", "m", "uma"),
    ("mouse", "souris", "f", "nezumi"),
    ("cow", "vache", "f", "ushi"),
    ("fox", "renard", "m", "kitsune"),
    ("rabbit", "lapin", "m", "usagi"),
    ("duck", "canard", "m", "ahiru"),
    ("frog", "grenouille", "f", "kaeru"),
    ("girl", "fille", "f", "shoujo"),
    ("boy", "garcon", "m", "shounen"),
    ("teacher", "professeur", "m", "sensei"),
    ("doctor", "medecin", "m", "isha"),
    ("king", "roi", "m", "ou"),
    ("queen", "reine", "f", "joou"),
]
THING_NOUNS = [
    ("table", "table", "f", "tsukue"),
    ("chair", "chaise", "f", "isu"),
    ("box", "boite", "f", "hako"),
    ("car", "voiture", "f", "kuruma"),
    ("house", "maison", "f", "ie"),
    ("tree", "arbre", "m", "ki"),
    ("book", "livre", "m", "hon"),
    ("ball", "balle", "f", "booru"),
    ("door", "porte", "f", "doa"),
    ("window", "fenetre", "f", "mado"),
    ("river", "riviere", "f", "kawa"),
    ("garden", "jardin", "m", "niwa"),
    ("bed", "lit", "m", "beddo"),
    ("hat", "chapeau", "m", "boushi"),
    ("cup", "tasse", "f", "koppu"),
    ("apple", "pomme", "f", "ringo"),
    ("bridge", "pont", "m", "hashi"),
    ("boat", "bateau", "m", "fune"),
]
# adjective: (en, fr_masculine, fr_feminine, sov)
SIZE_ADJECTIVES = [  # French puts these before the noun
    ("big", "grand", "grande", "ookii"),
    ("small", "petit", "petite", "chiisai"),
    ("old", "vieux", "vieille", "furui"),
    ("young", "jeune", "jeune", "wakai"),
    ("pretty", "joli", "jolie", "kirei"),
    ("good", "bon", "bonne", "yoi"),
]
COLOUR_ADJECTIVES = [  # French puts these after the noun
    ("red", "rouge", "rouge", "akai"),
    ("blue", "bleu", "bleue", "aoi"),
    ("green", "vert", "verte", "midori"),
    ("black", "noir", "noire", "kuroi"),
    ("white", "blanc", "blanche", "shiroi"),
    ("yellow", "jaune", "jaune", "kiiroi"),
    ("grey", "gris", "grise", "haiiro"),
    ("brown", "brun", "brune", "chairo"),
]
# verb: (en_3sg, en_base, fr_3sg, sov)
TRANSITIVE_VERBS = [
    ("sees", "see", "voit", "miru"),
    ("likes", "like", "aime", "konomu"),
    ("chases", "chase", "chasse", "oikakeru"),
    ("finds", "find", "trouve", "mitsukeru"),
    ("watches", "watch", "regarde", "nagameru"),
    ("pushes", "push", "pousse", "osu"),
    ("carries", "carry", "porte", "hakobu"),
    ("eats", "eat", "mange", "taberu"),
    ("touches", "touch", "touche", "sawaru"),
    ("helps", "help", "aide", "tasukeru"),
    ("hears", "hear", "entend", "kiku"),
    ("wants", "want", "veut", "hoshigaru"),
    ("holds", "hold", "tient", "motsu"),
    ("draws", "draw", "dessine", "egaku"),
    ("knows", "know", "connait", "shiru"),
]
INTRANSITIVE_VERBS = [
    ("sleeps", "sleep", "dort", "nemuru"),
    ("runs", "run", "court", "hashiru"),
    ("sings", "sing", "chante", "utau"),
    ("jumps", "jump", "saute", "tobu"),
    ("laughs", "laugh", "rit", "warau"),
    ("swims", "swim", "nage", "oyogu"),
    ("waits", "wait", "attend", "matsu"),
    ("falls", "fall", "tombe", "ochiru"),
    ("dances", "dance", "danse", "odoru"),
    ("walks", "walk", "marche", "aruku"),
]
# preposition: (en, fr words, sov postposition)
PREPOSITIONS = [
    ("on", ("sur",), "ue"),
    ("under", ("sous",), "shita"),
    ("near", ("pres", "de"), "chikaku"),
    ("with", ("avec",), "to"),
    ("in", ("dans",), "naka"),
    ("behind", ("derriere",), "ushiro"),
]
FR_DETERMINERS = {("the", "m"): "le", ("the", "f"): "la", ("a", "m"): "un", ("a", "f"): "une"}
FUNCTION_WORDS = {"and": ("et", "soshite"), "that": ("qui", None), "not": (("ne", "pas"), "nai")}
SOV_SUBJECT, SOV_OBJECT = "ga", "o"


# --------------------------------------------------------------------------------------
# Sentence trees. Every source word is a `W` object; target words point at the `W`s they
# translate, which is how the gold alignment is built without any index bookkeeping.
# --------------------------------------------------------------------------------------
class W:
    """One source word occurrence."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


@dataclass
class NP:
    det: W
    noun: W
    lex: tuple  # the noun's lexicon entry
    size: tuple | None = None  # (W, lexicon entry)
    colour: tuple | None = None
    mod: PP | Rel | None = None


@dataclass
class PP:
    prep: W
    lex: tuple
    obj: NP


@dataclass
class VP:
    verb: W
    lex: tuple
    neg: tuple[W, W] | None  # ("does", "not") when negated
    obj: NP | None


@dataclass
class Rel:
    that: W
    vp: VP


@dataclass
class Sentence:
    clauses: list  # list of (subject NP, VP)
    ands: list  # the "and" words between clauses


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


# ---- English (source) ------------------------------------------------------------------
def _en_np(n: NP) -> list[W]:
    out = [n.det] + [a[0] for a in (n.size, n.colour) if a] + [n.noun]
    if isinstance(n.mod, PP):
        out += [n.mod.prep] + _en_np(n.mod.obj)
    elif isinstance(n.mod, Rel):
        out += [n.mod.that] + _en_vp(n.mod.vp)
    return out


def _en_vp(v: VP) -> list[W]:
    out = list(v.neg or ()) + [v.verb]
    return out + (_en_np(v.obj) if v.obj else [])


def _en(s: Sentence) -> list[W]:
    out = []
    for i, (subj, vp) in enumerate(s.clauses):
        if i:
            out.append(s.ands[i - 1])
        out += _en_np(subj) + _en_vp(vp)
    return out


# ---- French-like target ----------------------------------------------------------------
# A target word is (text, tuple of source W it aligns to).
def _fr_np(n: NP) -> list:
    gender = n.lex[2]
    adj = 1 if gender == "m" else 2
    out = [(FR_DETERMINERS[(n.det.text, gender)], (n.det,))]
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


_TARGET_WRITERS = {"fr": _fr, "sov": _sov}


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


def _check_grammar(grammar: str) -> str:
    if grammar not in GRAMMARS:
        raise ValueError(f"unknown grammar {grammar!r}: choose one of {', '.join(GRAMMARS)}")
    return grammar


def _pair(s: Sentence, grammar: str) -> Pair:
    src = _en(s)
    position = {id(w): i for i, w in enumerate(src)}
    tgt = _TARGET_WRITERS[grammar](s)
    links = sorted((position[id(w)], j) for j, (_, ws) in enumerate(tgt) for w in ws)
    return Pair(tuple(w.text for w in src), tuple(t for t, _ in tgt), tuple(links))


def generate_sentences(n: int, seed: int = SEED) -> list[Sentence]:
    """``n`` random sentence trees of every complexity (deterministic for a seed)."""
    rng = random.Random(seed)
    return [_Sampler(rng, rng.random()).sentence() for _ in range(n)]


def build_splits(seed: int = SEED) -> dict[str, list[Sentence]]:
    """Draw the four splits: train/valid/test over lengths 3-30 and `long` over 31-50.

    Each source length gets up to ``PER_LENGTH_CAP`` distinct sentences, split
    84/8/8 into train/valid/test, so long sentences are well represented and no
    source sentence appears in two splits.
    """
    rng = random.Random(seed)
    by_length: dict[int, dict[str, Sentence]] = {}
    need = {**{n: PER_LENGTH_CAP for n in SHORT_LENGTHS}, **{n: LONG_PER_LENGTH for n in LONG_LENGTHS}}
    for _ in range(8):  # rounds of sampling; the shortest lengths saturate (few distinct sentences)
        for _ in range(20000):
            s = _Sampler(rng, rng.random() ** 0.5).sentence()
            text = " ".join(w.text for w in _en(s))
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


def lexicon(language: str) -> list[str]:
    """Every word the grammar can produce in ``language`` ("en", "fr" or "sov"), sorted."""
    words: set[str] = set()
    nouns, adjs = ANIMATE_NOUNS + THING_NOUNS, SIZE_ADJECTIVES + COLOUR_ADJECTIVES
    verbs = TRANSITIVE_VERBS + INTRANSITIVE_VERBS
    if language == "en":
        words |= {n[0] for n in nouns} | {a[0] for a in adjs} | {p[0] for p in PREPOSITIONS}
        words |= {v[0] for v in verbs} | {v[1] for v in verbs} | {"the", "a", "and", "that", "does", "not"}
    elif language == "fr":
        words |= {n[1] for n in nouns} | {a[1] for a in adjs} | {a[2] for a in adjs}
        words |= {w for p in PREPOSITIONS for w in p[1]} | {v[2] for v in verbs} | set(FR_DETERMINERS.values())
        words |= {"et", "qui", "ne", "pas"}
    elif language == "sov":
        words |= {n[3] for n in nouns} | {a[3] for a in adjs} | {p[2] for p in PREPOSITIONS}
        words |= {v[3] for v in verbs} | {"soshite", "nai", SOV_SUBJECT, SOV_OBJECT}
    else:
        raise ValueError(f"unknown language {language!r}: choose en, fr or sov")
    return sorted(words)


def build(out_dir: Path | str = DATA_DIR, seed: int = SEED) -> list[Path]:
    """Write the corpus and vocabularies under ``out_dir/corpus``; returns the files."""
    root = Path(out_dir) / CORPUS_DIR_NAME
    splits = build_splits(seed)
    written = []
    for grammar in GRAMMARS:
        (root / grammar).mkdir(parents=True, exist_ok=True)
        for name in SPLITS:
            path = root / grammar / f"{name}.tsv"
            lines = [format_pair(_pair(s, grammar)) for s in splits[name]]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            written.append(path)
    for language in ("en",) + GRAMMARS:
        path = root / f"vocab.{language}.txt"
        path.write_text("\n".join(SPECIALS + tuple(lexicon(language))) + "\n", encoding="utf-8")
        written.append(path)
    return written


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------
def tokenize(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """Lower-case, split on spaces, drop sentence punctuation. Lists pass through."""
    if isinstance(text, str):
        return text.lower().translate(_PUNCTUATION).split()
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
        unknown = self.unknown_words(tokens)
        if unknown:
            hints = []
            for w in dict.fromkeys(unknown):
                close = self.suggest(w)
                hints.append(f"{w!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
            raise ValueError("unknown word(s) not in the vocabulary: " + "; ".join(hints))
        return tokens

    def encode(self, text: str | list[str], bos: bool = False, eos: bool = False) -> list[int]:
        """Words to ids. Unknown words raise a ``ValueError`` that names them."""
        ids = [self.stoi[w] for w in self.validate(text)]
        return ([BOS_ID] if bos else []) + ids + ([EOS_ID] if eos else [])

    def decode(self, ids) -> list[str]:
        """Ids to words, stopping at ``<eos>`` and skipping ``<pad>``/``<bos>``."""
        out = []
        for i in ids.tolist() if isinstance(ids, torch.Tensor) else ids:
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
    info: dict = field(default_factory=dict)
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
    """Load the shipped corpus for ``grammar`` ("fr" or "sov").

    Reads ``data/corpus``; if the files are missing (e.g. a non-editable install) the
    identical corpus is generated in memory from the seed.
    """
    _check_grammar(grammar)
    root = Path(data_dir or DATA_DIR) / CORPUS_DIR_NAME
    if (root / grammar / "train.tsv").exists():
        splits = {
            name: [parse_pair(line) for line in (root / grammar / f"{name}.tsv").read_text("utf-8").splitlines()]
            for name in SPLITS
        }
    else:
        trees = build_splits()
        splits = {name: [_pair(s, grammar) for s in trees[name]] for name in SPLITS}
    return Corpus(grammar, splits, Vocab(lexicon("en")), Vocab(lexicon(grammar)))


def translate_reference(sentence: str | list[str], grammar: str = "fr") -> Pair | None:
    """The gold translation of a source sentence if it is in the corpus, else None."""
    if grammar not in _CORPUS_CACHE:
        _CORPUS_CACHE[grammar] = load_corpus(grammar)
    return _CORPUS_CACHE[grammar].reference(sentence)


_CORPUS_CACHE: dict[str, Corpus] = {}


def alignment_matrix(pair: Pair) -> torch.Tensor:
    """Gold alignment as a 0/1 matrix ``(tgt_len, src_len)``: row t marks the source
    words target word t came from (the attention a good model should learn)."""
    m = torch.zeros(len(pair.tgt), len(pair.src))
    for i, j in pair.alignment:
        m[j, i] = 1.0
    return m


def phenomena(pair: Pair) -> set[str]:
    """Which teaching phenomena a pair shows (used by the data card and tests)."""
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
    crossing = any(i1 < i2 and j1 > j2 for i1, j1 in pair.alignment for i2, j2 in pair.alignment)
    if crossing:
        found.add("reordering")
    return found


# --------------------------------------------------------------------------------------
# Tensors: Dataset, collate, masks
# --------------------------------------------------------------------------------------
class TranslationDataset(Dataset):
    """Pairs as id tensors: source ``(src_len,)`` without specials, target
    ``(tgt_len + 2,)`` wrapped in ``<bos> ... <eos>``."""

    def __init__(self, pairs: list[Pair], src_vocab: Vocab, tgt_vocab: Vocab):
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
    """Right-pad 1-D id tensors into ``(batch, max_len)``."""
    return torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=pad_id)


def collate(items: list[tuple[torch.Tensor, torch.Tensor]]) -> Batch:
    """Pad a list of ``(src, tgt)`` pairs into a :class:`Batch`."""
    src = pad([s for s, _ in items])
    tgt = pad([t for _, t in items])
    tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
    return Batch(src, padding_mask(src), tgt_in, tgt_out, padding_mask(tgt_out))


def padding_mask(ids: torch.Tensor, pad_id: int = PAD_ID) -> torch.Tensor:
    """``(batch, len)`` bool, ``True`` for real tokens (may be attended to)."""
    return ids != pad_id


def causal_mask(length: int, device=None) -> torch.Tensor:
    """``(length, length)`` bool, ``True`` on and below the diagonal: position i may
    attend to positions 0..i, never to the future."""
    return torch.ones(length, length, dtype=torch.bool, device=device).tril()


def attention_mask(key_mask: torch.Tensor, causal: bool = False) -> torch.Tensor:
    """Broadcastable attention mask ``(batch, 1, Lq, Lk)`` from a key padding mask
    ``(batch, Lk)``; with ``causal`` (self-attention, Lq == Lk) the future is blocked too."""
    mask = key_mask[:, None, None, :]
    if causal:
        mask = mask & causal_mask(key_mask.shape[1], key_mask.device)
    return mask


def batches(dataset: TranslationDataset, batch_size: int, shuffle: bool = True, seed: int = 0):
    """Yield padded batches of similar-length pairs (less padding, faster epochs).

    Shuffles, sorts within chunks of 50 batches by source length, then shuffles the
    batches; deterministic for a seed.
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
    sub.add_parser("stats", help="print split sizes and lengths")
    args = parser.parse_args(argv)
    if args.command == "build":
        for path in build(args.out, args.seed):
            print(path)
    else:
        for grammar in GRAMMARS:
            print(grammar, _stats(load_corpus(grammar)))


if __name__ == "__main__":
    main()
