"""The corpus data card (transformer_lite.lab.datacard)."""

from pathlib import Path

from transformer_lite import data
from transformer_lite.grammar import GRAMMARS, PHENOMENA
from transformer_lite.lab import datacard

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


def test_data_card_is_in_sync_with_the_corpus(corpora):
    card = (ROOT / "data" / "README.md").read_text("utf-8")
    for table in (datacard.sizes_table(corpora), datacard.vocab_table(corpora), datacard.phenomena_table(corpora)):
        assert table in card, "data/README.md is stale: paste the tables of python -m transformer_lite.lab.datacard"
    for row in card.splitlines():  # every example in the phenomena table is a real training pair
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 2 + len(GRAMMARS) and cells[0] in {p.replace("_", " ") for p in PHENOMENA}:
            for grammar, target in zip(GRAMMARS, cells[2:]):
                pair = data.translate_reference(cells[1], grammar)
                assert pair is not None and " ".join(pair.tgt) == target, (cells[1], grammar)
    for figure in ("lengths.png", "alignments.png"):
        assert (ROOT / "data" / "figures" / figure).stat().st_size > 10_000
