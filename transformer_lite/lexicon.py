"""The lexicon of the toy task: every English word with its French-like (gendered) and SOV
(Japanese-like) forms, as data tables, and :func:`lexicon` (the words of one language).
"""

from __future__ import annotations

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
