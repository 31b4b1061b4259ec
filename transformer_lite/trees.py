"""The sentence trees of the toy task, and their English (the source language).

Every source word is a :class:`W` object; the target writers (:mod:`transformer_lite.grammar`,
:mod:`transformer_lite.grammar_ko`) point each target word at the ``W``s it translates, which is
how the gold alignment is built without any index bookkeeping. The random sampler that draws
the trees lives in :mod:`transformer_lite.grammar`.
"""

from __future__ import annotations

from dataclasses import dataclass


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


# ---- English (source) ------------------------------------------------------------------
def indefinite_article(next_word: str) -> str:
    """"an" before a vowel sound ("an old dog", "an apple"), else "a": the toy English's words that start with a
    vowel letter all start with a vowel sound."""
    return "an" if next_word[:1] in "aeiou" else "a"


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


def english(s: Sentence) -> list[W]:
    """The source words of a sentence tree, in English order."""
    out = []
    for i, (subj, vp) in enumerate(s.clauses):
        if i:
            out.append(s.ands[i - 1])
        out += _en_np(subj) + _en_vp(vp)
    return out
