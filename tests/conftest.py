import os
from pathlib import Path

import pytest
import torch

from transformer_lite.grammar import GRAMMARS

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

# Tests run the course in fast mode, on the CPU, single-process friendly.
os.environ.setdefault("TRANSFORMER_LITE_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(scope="session")
def corpora() -> dict:
    """Every grammar's corpus (fr, sov, ko), loaded once."""
    from tiny import corpus

    return {grammar: corpus(grammar) for grammar in GRAMMARS}


@pytest.fixture(scope="session", params=GRAMMARS)
def each_corpus(request):
    """Each grammar's corpus in turn."""
    from tiny import corpus

    return corpus(request.param)


@pytest.fixture(scope="session")
def tiny():
    """(the French corpus, a TranslationDataset of its first 256 training pairs): enough to train a tiny
    model for a few steps."""
    from tiny import corpus

    from transformer_lite.data import TranslationDataset

    fr = corpus("fr")
    return fr, TranslationDataset(fr["train"][:256], fr.src_vocab, fr.tgt_vocab)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
