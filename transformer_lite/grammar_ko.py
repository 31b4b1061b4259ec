"""The ``ko`` target grammar: each sentence tree written out in Korean, in Hangul.

Korean is verb-final like ``sov``, but it writes its case particles *on* the noun, as one word
(개가 "dog + subject"), so one Korean word often translates two or three English ones. What each
English construction becomes (the words come from :mod:`transformer_lite.lexicon`, their spelling
from :mod:`transformer_lite.hangul`):

* no articles: ``the``/``a`` link to their noun's word (``the dog`` -> 개가). A subject takes the
  subject particle 이/가, an object 을/를: ``the dog sees a cat`` -> 개가 고양이를 본다. (The topic
  particle 은/는, 개는, would suit a known subject as well; the course keeps one subject form.)
* the plain written register (해라체), present tense: 잔다, 먹는다; no honorifics.
* modifiers before the noun, in the order relative clause, size, colour: 고양이를 보는 큰 검은 개.
* a relative clause is its verb in the adnominal ending -는, which is what ``that`` becomes.
* negation ``does not`` is the auxiliary 않다 after the verb's -지 form (보지 않는다), except
  ``know``, whose negation is its own verb (모른다).
* ``and`` between clauses is the connective ending -고 on the first clause's verb: 개가 자고 ...
* a prepositional phrase modifying a noun becomes a relative clause "that is there": a postposition
  noun + 에, then 있는 (상자 위에 있는 고양이, "the cat on the box"); ``with`` is the particle 과/와,
  then 함께 있는 (공과 함께 있는 개, "the dog with the ball").
* ``hears X`` is X 소리를 듣는다, "hears X's sound": Korean hears a sound, not a thing.
"""

from __future__ import annotations

from .hangul import LOCATIVE, OBJECT, SUBJECT, WITH, attach, conjugate
from .lexicon import (
    ANIMATE_NOUNS,
    KO_ADJECTIVES,
    KO_BEING,
    KO_NEGATIVE_VERBS,
    KO_NOT,
    KO_NOUNS,
    KO_POSTPOSITIONS,
    KO_SOUND_OBJECT,
    KO_THING_ADJECTIVES,
    KO_VERBS,
    KO_WITH,
    ko_stem,
)
from .trees import NP, PP, VP, Rel, Sentence

_ANIMATE = frozenset(n[0] for n in ANIMATE_NOUNS)


# A target word is (text, tuple of source W it aligns to), as in grammar.py.
def _adjective(adj, noun: str) -> tuple:
    word, lex = adj
    if noun not in _ANIMATE and lex[0] in KO_THING_ADJECTIVES:
        return KO_THING_ADJECTIVES[lex[0]], (word,)
    return KO_ADJECTIVES[lex[0]], (word,)


def _np(n: NP, particle: tuple[str, str] | None, also=()) -> list:
    """The noun phrase, modifiers first; the noun carries ``particle`` (None: bare) and links to its
    article, itself and ``also`` (source words the particle translates)."""
    out = []
    if isinstance(n.mod, PP):
        out += _pp(n.mod)
    elif isinstance(n.mod, Rel):  # "the dog that sees the cat" -> 고양이를 보는 개
        out += _vp(n.mod.vp, "adnominal", also=(n.mod.that,))
    out += [_adjective(a, n.lex[0]) for a in (n.size, n.colour) if a]
    noun = KO_NOUNS[n.lex[0]]
    return out + [(attach(noun, particle) if particle else noun, (n.det, n.noun, *also))]


def _pp(p: PP) -> list:
    """상자 위에 있는 / 공과 함께 있는: the words a prepositional phrase writes before its noun."""
    if p.lex[0] == "with":  # the particle 과/와 says "with"
        return _np(p.obj, WITH, also=(p.prep,)) + [(KO_WITH, (p.prep,)), (KO_BEING, (p.prep,))]
    return _np(p.obj, None) + [(attach(KO_POSTPOSITIONS[p.lex[0]], LOCATIVE), (p.prep,)), (KO_BEING, (p.prep,))]


def _vp(v: VP, ending: str, also=()) -> list:
    """Object, then the verb in ``ending`` (declarative, adnominal or connective); ``also``: the
    source words the ending translates (``that`` for -는, ``and`` for -고)."""
    en = v.lex[1]  # the English base form: "see"
    out = []
    if v.obj and en in KO_SOUND_OBJECT:  # 개 소리를 듣는다: "hears the dog's sound"
        out += _np(v.obj, None) + [(attach(KO_SOUND_OBJECT[en], OBJECT), (v.verb,))]
    elif v.obj:
        out += _np(v.obj, OBJECT)
    if v.neg and en in KO_NEGATIVE_VERBS:  # 모른다: one word for "does not know"
        return out + [(conjugate(ko_stem(KO_NEGATIVE_VERBS[en]), ending), (*v.neg, v.verb, *also))]
    stem = ko_stem(KO_VERBS[en])
    if v.neg:  # 보지 않는다: the auxiliary carries the tense ("does") and the ending
        return out + [(conjugate(stem, "negative"), (v.verb,)), (conjugate(ko_stem(KO_NOT), ending), (*v.neg, *also))]
    return out + [(conjugate(stem, ending), (v.verb, *also))]


def korean(s: Sentence) -> list:
    """The ``ko`` target words of a sentence tree, each with the source words it translates."""
    out = []
    for i, (subj, vp) in enumerate(s.clauses):
        last = i == len(s.clauses) - 1
        ending, also = ("declarative", ()) if last else ("connective", (s.ands[i],))
        out += _np(subj, SUBJECT) + _vp(vp, ending, also)
    return out
