"""Numbers and figures for the data card (``data/README.md``).

``python -m transformer_lite.lab.datacard`` prints the tables as Markdown and writes the
figures to ``data/figures/`` (deterministic: same corpus, same PNG bytes). The figures speak the course's
language (notebook 00 draws them); the Markdown tables are the English data card's.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from ..config import DATA_DIR
from ..data import Corpus, load_corpus, translate_reference
from ..grammar import GRAMMARS, PHENOMENA, SPLITS, crossing_links, phenomena
from ..i18n import N_, _, tr
from .labels import label
from .viz import plot_alignment

FIGURES_DIR = DATA_DIR / "figures"
EXAMPLE_SOURCE = "the white cat that does not dance chases the big black doctor"
PNG_METADATA = {"Software": None}  # no matplotlib version stamp in the PNG


def lengths_frame(corpora: dict[str, Corpus]) -> pd.DataFrame:
    """One row per pair and side: grammar, split, side (source/target) and length in words."""
    rows = []
    for grammar, corpus in corpora.items():
        for split in SPLITS:
            for p in corpus[split]:
                rows.append((grammar, split, "source (en)", len(p.src)))
                rows.append((grammar, split, f"target ({grammar})", len(p.tgt)))
    return pd.DataFrame(rows, columns=["grammar", "split", "side", "length"])


def plot_lengths(corpora: dict[str, Corpus]) -> plt.Figure:
    """Histogram of sentence lengths per split: the source, then each grammar's target. Taught in notebook 00."""
    df = lengths_frame(corpora)
    df = df[(df.grammar == "fr") | (df.side != "source (en)")]  # the source is shared: draw it once
    df = df.assign(split=df["split"].map(label))  # the legend names the splits in the course's language
    sides = ["source (en)"] + [f"target ({g})" for g in corpora]
    titles = [tr("source ({language})", language="en")] + [tr("target ({language})", language=g) for g in corpora]
    fig, axes = plt.subplots(1, len(sides), figsize=(4.2 * len(sides), 3.2), sharey=True)
    for ax, side, title in zip(axes, sides, titles):
        sns.histplot(
            data=df[df.side == side],
            x="length",
            hue="split",
            hue_order=[label(s) for s in SPLITS],
            discrete=True,
            multiple="stack",
            ax=ax,
            legend=side == sides[-1],
        )
        ax.set_title(title)
        ax.set_xlabel(_("length (words)"))
    axes[0].set_ylabel(_("pairs"))
    if axes[-1].get_legend() is not None:
        axes[-1].get_legend().set_title(_("split"))
    fig.tight_layout()
    return fig


def plot_examples(corpora: dict[str, Corpus], source: str = EXAMPLE_SOURCE) -> plt.Figure:
    """The same source sentence aligned to every target, side by side. Taught in notebook 00."""
    fig, axes = plt.subplots(1, len(corpora), figsize=(6.0 * len(corpora), 4.4))
    for ax, grammar in zip(axes, corpora):
        pair = translate_reference(source, grammar)
        if pair is None:
            raise ValueError(f"example sentence not in the corpus: {source!r}")
        plot_alignment(pair, ax=ax, title=tr("gold alignment, {grammar}", grammar=grammar))
    fig.tight_layout()
    return fig


def sizes_table(corpora: dict[str, Corpus]) -> str:
    """Pairs and lengths per split: the source (shared) and each grammar's target."""
    grammars = list(corpora)
    header = "| split | pairs | source length | " + " | ".join(f"{g} target length" for g in grammars) + " |"
    lines = [header, "|---" * (3 + len(grammars)) + "|"]

    def span(xs):
        return f"{min(xs)}-{max(xs)} (mean {sum(xs) / len(xs):.1f})"

    for split in SPLITS:
        first = corpora[grammars[0]][split]
        targets = [span([len(p.tgt) for p in corpora[g][split]]) for g in grammars]
        lines.append(f"| {split} | {len(first)} | {span([len(p.src) for p in first])} | " + " | ".join(targets) + " |")
    return "\n".join(lines)


def crossing_stats(corpora: dict[str, Corpus], split: str = "train") -> dict[str, dict[str, float]]:
    """How much each grammar reorders (:func:`~transformer_lite.grammar.crossing_links`), over the
    pairs of ``split``: {grammar: {"mean crossing links per pair", "pairs with no crossing (%)"}}. The keys stay
    English (code reads them); a table shows them translated, ``_(key)``. Taught in notebook 00."""
    out = {}
    for grammar, corpus in corpora.items():
        crossings = [crossing_links(p) for p in corpus[split]]
        out[grammar] = {
            N_("mean crossing links per pair"): sum(crossings) / len(crossings),
            N_("pairs with no crossing (%)"): 100 * sum(c == 0 for c in crossings) / len(crossings),
        }
    return out


def phenomenon_shares(corpora: dict[str, Corpus], split: str = "train") -> dict[str, dict[str, float]]:
    """Share (%) of the pairs of ``split`` showing each phenomenon
    (:func:`~transformer_lite.grammar.phenomena`): {grammar: {phenomenon: percent}}, every
    phenomenon of ``PHENOMENA`` in that order. Taught in notebook 00."""
    out = {}
    for grammar, corpus in corpora.items():
        counts = Counter(ph for p in corpus[split] for ph in phenomena(p))
        out[grammar] = {ph: 100 * counts[ph] / len(corpus[split]) for ph in PHENOMENA}
    return out


def phenomena_table(corpora: dict[str, Corpus], split: str = "train") -> str:
    header = "| phenomenon | " + " | ".join(f"{g} ({split})" for g in corpora) + " |"
    lines = [header, "|---" * (len(corpora) + 1) + "|"]
    shares = phenomenon_shares(corpora, split)
    for ph in PHENOMENA:
        cells = [f"{shares[g][ph]:.1f} %" for g in corpora]
        lines.append(f"| {ph} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def vocab_table(corpora: dict[str, Corpus]) -> str:
    lines = ["| language | words | with the 4 specials |", "|---|---|---|"]
    lines.append(f"| en (source) | {len(corpora['fr'].src_vocab) - 4} | {len(corpora['fr'].src_vocab)} |")
    for g, c in corpora.items():
        lines.append(f"| {g} (target) | {len(c.tgt_vocab) - 4} | {len(c.tgt_vocab)} |")
    return "\n".join(lines)


def write_figures(out_dir: Path | str = FIGURES_DIR, corpora: dict[str, Corpus] | None = None) -> list[Path]:
    corpora = corpora or {g: load_corpus(g) for g in GRAMMARS}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in (("lengths.png", plot_lengths(corpora)), ("alignments.png", plot_examples(corpora))):
        path = out_dir / name
        fig.savefig(path, dpi=100, metadata=PNG_METADATA)
        plt.close(fig)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m transformer_lite.lab.datacard", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(FIGURES_DIR), help="folder for the figures (default: data/figures)")
    args = parser.parse_args(argv)
    corpora = {g: load_corpus(g) for g in GRAMMARS}
    for path in write_figures(args.out, corpora):
        print(path)
    print()
    for table in (sizes_table(corpora), vocab_table(corpora), phenomena_table(corpora)):
        print(table, end="\n\n")


if __name__ == "__main__":
    main()
