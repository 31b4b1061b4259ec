"""Hangul spelling for the ``ko`` grammar: which particle a noun takes, and the verb endings.

A Hangul syllable block is one code point, ``0xAC00 + (initial * 21 + vowel) * 28 + final``, so
whether a word ends in a consonant (its *batchim*) is arithmetic on its last character, never a
per-word table. Korean particles come in pairs chosen by that batchim: 이/가 (subject), 을/를
(object), 과/와 ("with"); 에 (at) has one form. Verb endings depend on it too:
보다 "see" -> 본다, 먹다 "eat" -> 먹는다, and a stem ending in ㄹ drops it: 알다 "know" -> 안다.
"""

from __future__ import annotations

FIRST_SYLLABLE, LAST_SYLLABLE = 0xAC00, 0xD7A3  # 가 .. 힣
FINALS = 28  # 27 final consonants, and index 0: none
FINAL_N, FINAL_L = 4, 8  # ㄴ and ㄹ in the final-consonant order

# (after a final consonant, after a vowel)
SUBJECT = ("이", "가")
OBJECT = ("을", "를")
WITH = ("과", "와")
LOCATIVE = ("에", "에")

ENDINGS = ("declarative", "adnominal", "connective", "negative")


def final_consonant(word: str) -> int:
    """The final-consonant index (0: none) of the last syllable of ``word``."""
    if not isinstance(word, str) or not word or not FIRST_SYLLABLE <= ord(word[-1]) <= LAST_SYLLABLE:
        raise ValueError(f"word must end in a Hangul syllable (가-힣); got {word!r}")
    return (ord(word[-1]) - FIRST_SYLLABLE) % FINALS


def has_batchim(word: str) -> bool:
    """True when ``word`` ends in a consonant: 책 (book), 말 (horse); False for 개 (dog)."""
    return final_consonant(word) != 0


def _with_final(word: str, final: int) -> str:
    """``word`` with the final consonant of its last syllable replaced (0 removes it)."""
    last = ord(word[-1]) - final_consonant(word)
    return word[:-1] + chr(last + final)


def attach(noun: str, particle: tuple[str, str]) -> str:
    """``noun`` with the allomorph of ``particle`` its last sound asks for: 개가, 책이, 사과를, 집을."""
    after_consonant, after_vowel = particle
    return noun + (after_consonant if has_batchim(noun) else after_vowel)


def conjugate(stem: str, ending: str) -> str:
    """A verb stem (the dictionary form without 다) in the plain present register (해라체).

    ``declarative`` ends a sentence (-ㄴ다 after a vowel, -는다 after a consonant: 본다, 먹는다);
    ``adnominal`` makes it modify a noun, a relative clause (-는: 보는, 먹는); ``connective`` joins
    it to the next clause, "and" (-고: 보고); ``negative`` is the form 않다 "not" follows (-지:
    보지 않는다). A stem ending in ㄹ drops it before ㄴ: 알다 -> 안다, 아는.
    """
    if ending not in ENDINGS:
        raise ValueError(f"unknown ending {ending!r}: choose one of {', '.join(ENDINGS)}")
    final = final_consonant(stem)
    if ending == "connective":
        return stem + "고"
    if ending == "negative":
        return stem + "지"
    if final == FINAL_L:  # ㄹ drops before ㄴ
        stem, final = _with_final(stem, 0), 0
    if ending == "adnominal":
        return stem + "는"
    return _with_final(stem, FINAL_N) + "다" if final == 0 else stem + "는다"
