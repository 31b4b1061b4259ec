"""Notebook 00's pair browser: pick a grammar, a split, a phenomenon and a pair; see the
sentence, its translation and the gold alignment matrix.

The logic is a plain function, :func:`show_pair`, that tests can call; :func:`pair_browser`
only wires it to ipywidgets.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt

from ..data import Corpus, load_corpus
from ..grammar import GRAMMARS, PHENOMENA, SPLITS, Pair, phenomena
from ..i18n import _, tr
from .access import FOCUS_CLASS, focus_style
from .labels import ANY, label, options
from .viz import FULL_LABEL, plot_alignment


@dataclass
class PairView:
    """What the browser shows for one choice: the pair, a text summary and the figure."""

    pair: Pair
    index: int  # position among the pairs that match the filter
    matches: int  # how many pairs match the filter
    text: str
    figure: plt.Figure


def matching_pairs(pairs: list[Pair], phenomenon: str = ANY) -> list[Pair]:
    """The pairs that show ``phenomenon`` (all of them for ``"any"``)."""
    if phenomenon == ANY:
        return list(pairs)
    if phenomenon not in PHENOMENA:
        raise ValueError(f"unknown phenomenon {phenomenon!r}: choose one of {', '.join((ANY,) + PHENOMENA)}")
    return [p for p in pairs if phenomenon in phenomena(p)]


def describe(pair: Pair) -> str:
    """Source, target, the links in Pharaoh ``s-t`` form and the phenomena, as text. Taught in notebook 00."""
    links = " ".join(f"{i}-{j}" for i, j in pair.alignment)
    shown = ", ".join(label(ph) for ph in sorted(phenomena(pair)))
    return "\n".join(
        [
            tr("source ({n} words): {words}", n=len(pair.src), words=" ".join(pair.src)),
            tr("target ({n} words): {words}", n=len(pair.tgt), words=" ".join(pair.tgt)),
            tr("alignment (source-target): {links}", links=links),
            tr("phenomena: {phenomena}", phenomena=shown) if shown else _("phenomena: none"),
        ]
    )


def show_pair(
    corpora: dict[str, Corpus], grammar: str = "fr", split: str = "train", phenomenon: str = ANY, index: int = 0
) -> PairView:
    """The callback behind the browser: pair number ``index`` (from 0) among the pairs that match.
    A number past the last one is a clear error, not a silent wrap-around. Taught in notebook 00."""
    if grammar not in corpora:
        raise ValueError(f"unknown grammar {grammar!r}: choose one of {', '.join(corpora)}")
    pairs = matching_pairs(corpora[grammar][split], phenomenon)
    if not pairs:
        raise ValueError(f"no {split} pair shows {phenomenon!r}")
    if not 0 <= index < len(pairs):
        raise ValueError(
            f"there is no pair {index}: {len(pairs)} {split} pairs match {phenomenon!r}; choose 0 to {len(pairs) - 1}"
        )
    pair = pairs[index]
    height = min(10.0, 0.3 * len(pair.tgt) + 1.5)
    fig, ax = plt.subplots(figsize=(min(14.0, 0.32 * len(pair.src) + 2.0), height))
    title = tr(
        "{grammar} · {split} · pair {index} of 0-{last}",
        grammar=grammar,
        split=label(split),
        index=index,
        last=len(pairs) - 1,
    )
    plot_alignment(pair, ax=ax, title=title)
    fig.tight_layout()
    plt.close(fig)  # the caller decides where to display it
    return PairView(pair, index, len(pairs), describe(pair), fig)


def pair_browser(corpora: dict[str, Corpus] | None = None):
    """An ipywidgets browser over the corpus (grammar, split, phenomenon, pair number). Taught in notebook 00."""
    import ipywidgets as w
    from IPython.display import display

    corpora = corpora or {g: load_corpus(g) for g in GRAMMARS}
    grammar = w.ToggleButtons(options=list(corpora), description=_("grammar"), style=FULL_LABEL)  # fr, sov, ko
    split = w.Dropdown(options=options(SPLITS), description=_("split"), style=FULL_LABEL)
    phenomenon = w.Dropdown(options=options((ANY, *PHENOMENA)), description=_("phenomenon"), style=FULL_LABEL)
    index = w.BoundedIntText(value=0, min=0, max=0, description=_("pair"), style=FULL_LABEL)
    out = w.Output()

    def update(_change=None):
        # The pair number stops at the last pair that matches the filter.
        last = len(matching_pairs(corpora[grammar.value][split.value], phenomenon.value)) - 1
        if index.max != max(last, 0):
            index.max = max(last, 0)  # may lower index.value, which calls update again
        with out:
            out.clear_output(wait=True)
            if last < 0:  # the filter matches no pair of this split: say so in the course's language
                shown = tr(
                    "no {split} pair shows {phenomenon}", split=label(split.value), phenomenon=label(phenomenon.value)
                )
                print(shown)
                return
            try:
                view = show_pair(corpora, grammar.value, split.value, phenomenon.value, index.value)
            except ValueError as e:
                print(e)
                return
            print(view.text)
            display(view.figure)

    for control in (grammar, split, phenomenon, index):
        control.observe(update, names="value")
    update()
    box = w.VBox([w.HBox([grammar, split]), w.HBox([phenomenon, index]), out, focus_style()])
    box.add_class(FOCUS_CLASS)  # every control is a native input; this makes its focus visible
    return box
