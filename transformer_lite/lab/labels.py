"""The corpus's names as the widgets show them: its splits and phenomena. Code keeps the English names
(``corpus["test"]``, ``"reordering" in phenomena(pair)``); a dropdown shows each as a (label, value) pair
whose label is in the course's language. Used by the pair browser (notebook 00) and the explorer (08).
"""

from __future__ import annotations

from ..i18n import N_, _

SPLIT_LABELS = {"train": N_("train"), "valid": N_("valid"), "test": N_("test"), "long": N_("long")}
PHENOMENON_LABELS = {
    "negation": N_("negation"),
    "coordination": N_("coordination"),
    "relative_clause": N_("relative_clause"),
    "prepositional_phrase": N_("prepositional_phrase"),
    "colour_adjective": N_("colour_adjective"),
    "reordering": N_("reordering"),
}
ANY = N_("any")  # the phenomenon filter that keeps every pair
# tests/test_i18n_package.py checks that every split and phenomenon of grammar.py has a label here.


def label(name: str) -> str:
    """A split's or phenomenon's name in the course's language (a name this module lacks: as it is)."""
    return _(SPLIT_LABELS.get(name) or PHENOMENON_LABELS.get(name) or name)


def options(names) -> list[tuple[str, str]]:
    """(label, name) pairs for a dropdown: the student reads the label, the code gets the English name."""
    return [(label(name), name) for name in names]
