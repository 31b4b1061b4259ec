"""The lexicon of the toy task: every English word with its French-like (gendered) and SOV
(Japanese-like) forms, and its Korean word (``ko``), as data tables, and :func:`lexicon` (the
words of one language).
"""

from __future__ import annotations

from .hangul import LOCATIVE, OBJECT, SUBJECT, WITH, attach, conjugate

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


# ---- Korean (ko), keyed by the English word ----------------------------------------------------
# Nouns are written with their particles by grammar_ko; hangul.attach picks each allomorph.
KO_NOUNS = {
    "dog": "개", "cat": "고양이", "bird": "새", "horse": "말", "mouse": "쥐", "cow": "소", "fox": "여우",
    "rabbit": "토끼", "duck": "오리", "frog": "개구리", "girl": "소녀", "boy": "소년",
    "teacher": "교사",  # not 선생님, whose honorific -님 would ask for honorific verbs (-시-)
    "doctor": "의사", "king": "왕", "queen": "여왕",
    "table": "탁자", "chair": "의자", "box": "상자", "car": "자동차", "house": "집", "tree": "나무",
    "book": "책", "ball": "공", "door": "문", "window": "창문", "river": "강", "garden": "정원",
    "bed": "침대", "hat": "모자", "cup": "컵", "apple": "사과", "bridge": "다리", "boat": "배",
}  # fmt: skip
# Adjectives in their adnominal form, the form that stands before a noun (크다 "be big" -> 큰).
# Colours 초록색, 회색, 갈색 are nouns that modify a noun directly, as Korean writes them.
KO_ADJECTIVES = {
    "big": "큰", "small": "작은", "old": "늙은", "young": "젊은", "pretty": "예쁜", "good": "좋은",
    "red": "빨간", "blue": "파란", "green": "초록색", "black": "검은", "white": "하얀", "yellow": "노란",
    "grey": "회색", "brown": "갈색",
}  # fmt: skip
KO_THING_ADJECTIVES = {"old": "낡은"}  # said of a thing: 낡은 책 (an old book), 늙은 왕 (an old king)
# Verbs in their dictionary form (stem + 다), keyed by the English base form.
KO_VERBS = {
    "see": "보다", "like": "좋아하다", "chase": "쫓다", "find": "찾다", "watch": "지켜보다", "push": "밀다",
    "carry": "나르다", "eat": "먹다", "touch": "만지다", "help": "돕다", "hear": "듣다", "want": "원하다",
    "hold": "들다", "draw": "그리다", "know": "알다",
    "sleep": "자다", "run": "달리다", "sing": "노래하다", "jump": "뛰어오르다", "laugh": "웃다",
    "swim": "헤엄치다", "wait": "기다리다", "fall": "넘어지다", "dance": "춤추다", "walk": "걷다",
}  # fmt: skip
KO_NEGATIVE_VERBS = {"know": "모르다"}  # "does not know" is its own verb, not 알지 않는다
KO_SOUND_OBJECT = {"hear": "소리"}  # one hears the sound of a thing: X 소리를 듣는다
KO_NOT = "않다"  # the negative auxiliary after -지: 보지 않는다 "does not see"
# A prepositional phrase that modifies a noun is a relative clause "that is (there)": a postposition
# noun ("the top of") + 에 (at), then 있는: 상자 위에 있는 고양이, "the cat on the box". "with" is the
# particle 과/와, then 함께 있는 ("that is together"): 공과 함께 있는 개, "the dog with the ball".
KO_POSTPOSITIONS = {"on": "위", "under": "아래", "near": "근처", "in": "안", "behind": "뒤"}
KO_WITH = "함께"
KO_BEING = "있는"  # 있다 "be (somewhere)" before a noun


def ko_stem(verb: str) -> str:
    """The stem of a Korean dictionary form: 보다 -> 보."""
    return verb[:-1]


def _korean_words() -> set[str]:
    """Every word the ko grammar can write: each noun in the forms its roles allow, each verb in
    its four endings (a verb negated by a word of its own has no -지 form)."""
    words: set[str] = set()
    for en, ko in KO_NOUNS.items():
        animate = en in {n[0] for n in ANIMATE_NOUNS}  # only animate nouns are subjects
        cases = (SUBJECT, OBJECT, WITH) if animate else (OBJECT, WITH)
        words |= {ko} | {attach(ko, case) for case in cases}
    words |= set(KO_ADJECTIVES.values()) | set(KO_THING_ADJECTIVES.values())
    for en, verb in KO_VERBS.items():
        endings = ("declarative", "adnominal", "connective")
        words |= {conjugate(ko_stem(verb), e) for e in endings}
        negative = KO_NEGATIVE_VERBS.get(en)
        if negative:
            words |= {conjugate(ko_stem(negative), e) for e in endings}
        else:
            words.add(conjugate(ko_stem(verb), "negative"))
    words |= {conjugate(ko_stem(KO_NOT), e) for e in ("declarative", "adnominal", "connective")}
    words |= {attach(p, LOCATIVE) for p in KO_POSTPOSITIONS.values()} | {KO_WITH, KO_BEING}
    return words | {attach(sound, OBJECT) for sound in KO_SOUND_OBJECT.values()}


def lexicon(language: str) -> list[str]:
    """Every word the grammar can produce in ``language`` ("en", "fr", "sov" or "ko"), sorted."""
    words: set[str] = set()
    nouns, adjs = ANIMATE_NOUNS + THING_NOUNS, SIZE_ADJECTIVES + COLOUR_ADJECTIVES
    verbs = TRANSITIVE_VERBS + INTRANSITIVE_VERBS
    if language == "en":
        words |= {n[0] for n in nouns} | {a[0] for a in adjs} | {p[0] for p in PREPOSITIONS}
        words |= {v[0] for v in verbs} | {v[1] for v in verbs} | {"the", "a", "an", "and", "that", "does", "not"}
    elif language == "fr":
        words |= {n[1] for n in nouns} | {a[1] for a in adjs} | {a[2] for a in adjs}
        words |= {w for p in PREPOSITIONS for w in p[1]} | {v[2] for v in verbs} | set(FR_DETERMINERS.values())
        words |= {"et", "qui", "ne", "pas"}
    elif language == "sov":
        words |= {n[3] for n in nouns} | {a[3] for a in adjs} | {p[2] for p in PREPOSITIONS}
        words |= {v[3] for v in verbs} | {"soshite", "nai", SOV_SUBJECT, SOV_OBJECT}
    elif language == "ko":
        words = _korean_words()
    else:
        raise ValueError(f"unknown language {language!r}: choose en, fr, sov or ko")
    return sorted(words)
