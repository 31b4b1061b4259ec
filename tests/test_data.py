"""The toy corpus: deterministic, aligned, covering the phenomena the course teaches."""

from pathlib import Path

import pytest
import torch

from transformer_lite import data
from transformer_lite.data import Vocab, collate, load_corpus
from transformer_lite.grammar import SPLITS
from transformer_lite.model.specials import BOS_ID, EOS_ID, PAD_ID

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


# ---- alignments -------------------------------------------------------------------------


def test_alignment_matrix_rows_are_targets():
    p = load_corpus("fr")["train"][0]
    m = data.alignment_matrix(p)
    assert m.shape == (len(p.tgt), len(p.src))
    assert int(m.sum()) == len(p.alignment)
    assert (m.sum(dim=1) >= 1).all()


# ---- phenomena --------------------------------------------------------------------------


def test_every_corpus_word_is_in_the_vocab(each_corpus):
    corpus = each_corpus
    for split in SPLITS:
        for p in corpus[split]:
            assert not corpus.src_vocab.unknown_words(list(p.src))
            assert not corpus.tgt_vocab.unknown_words(list(p.tgt))
    language = corpus.grammar
    assert Vocab.load(CORPUS / f"vocab.{language}.txt").itos == corpus.tgt_vocab.itos
    assert Vocab.load(CORPUS / "vocab.en.txt").itos == corpus.src_vocab.itos


# ---- vocab ------------------------------------------------------------------------------
def test_vocab_round_trip(each_corpus):
    corpus = each_corpus
    for p in corpus["test"][:100]:
        ids = corpus.tgt_vocab.encode(p.tgt, bos=True, eos=True)
        assert ids[0] == BOS_ID and ids[-1] == EOS_ID
        assert corpus.tgt_vocab.decode(ids) == list(p.tgt)
        assert corpus.tgt_vocab.decode(torch.tensor(ids + [PAD_ID, PAD_ID])) == list(p.tgt)
    assert corpus.src_vocab.encode("The dog sees a cat.") == corpus.src_vocab.encode(["the", "dog", "sees", "a", "cat"])


def test_vocab_specials_come_first():
    v = Vocab(["b", "a", "b", "<pad>"])
    assert v.itos == ["<pad>", "<bos>", "<eos>", "<unk>", "b", "a"]
    assert len(v) == 6 and "a" in v and "c" not in v


# ---- bad input --------------------------------------------------------------------------
def test_unknown_grammar_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown grammar 'german': choose one of fr, sov, ko"):
        load_corpus("german")
    with pytest.raises(ValueError, match="unknown grammar"):
        data.translate_reference("the dog runs", grammar="de")
    with pytest.raises(ValueError, match="unknown language"):
        data.lexicon("de")


def test_unknown_split_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        load_corpus("fr")["dev"]


@pytest.mark.parametrize("text", ["", "   ", " . ", []])
def test_empty_sentence_is_a_clear_error(text):
    with pytest.raises(ValueError, match="empty sentence"):
        Vocab(data.lexicon("en")).encode(text)


def test_unknown_words_are_named_with_suggestions():
    v = Vocab(data.lexicon("en"))
    with pytest.raises(ValueError, match=r"unknown word\(s\).*'dgo' \(did you mean dog.*'xylophone'"):
        v.encode("the dgo sees a xylophone")


def test_translate_reference():
    p = load_corpus("fr")["train"][0]
    assert data.translate_reference(" ".join(p.src), "fr") == p
    assert data.translate_reference("the dog runs and runs and runs", "fr") is None


# ---- tensors ----------------------------------------------------------------------------
def test_collate_pads_and_masks():
    c = load_corpus("fr")
    pairs = sorted(c["valid"][:8], key=lambda p: len(p.src))
    ds = data.TranslationDataset(pairs, c.src_vocab, c.tgt_vocab)
    batch = collate([ds[i] for i in range(len(ds))])
    max_src = max(len(p.src) for p in pairs)
    max_tgt = max(len(p.tgt) for p in pairs) + 1
    assert batch.src.shape == batch.src_mask.shape == (8, max_src)
    assert batch.tgt_in.shape == batch.tgt_out.shape == batch.tgt_mask.shape == (8, max_tgt)
    assert batch.src_mask.dtype == torch.bool
    for b, p in enumerate(pairs):
        assert batch.src_mask[b].sum() == len(p.src)  # True = real token
        assert (batch.src[b][~batch.src_mask[b]] == PAD_ID).all()
        assert batch.tgt_mask[b].sum() == len(p.tgt) + 1  # words + <eos>
        assert batch.tgt_in[b, 0] == BOS_ID
        assert batch.tgt_out[b, len(p.tgt)] == EOS_ID
        assert torch.equal(batch.tgt_in[b, 1 : len(p.tgt) + 1], batch.tgt_out[b, : len(p.tgt)])  # shifted by one
    assert batch.n_tokens == sum(len(p.tgt) + 1 for p in pairs)


def test_batches_cover_the_dataset_once_and_repeat_for_a_seed():
    c = load_corpus("sov")
    ds = data.TranslationDataset(c["valid"][:300], c.src_vocab, c.tgt_vocab)
    a = list(data.batches(ds, 32, seed=1))
    b = list(data.batches(ds, 32, seed=1))
    assert sum(x.src.shape[0] for x in a) == 300
    assert all(torch.equal(x.src, y.src) for x, y in zip(a, b))


def test_tokenize_drops_sentence_punctuation():
    assert data.tokenize("The dog runs!") == ["the", "dog", "runs"]
    assert data.tokenize("a cat; the dog: sleeps, runs?") == ["a", "cat", "the", "dog", "sleeps", "runs"]
    assert data.tokenize(("Keep", "as", "is")) == ["Keep", "as", "is"]


def test_datacard_crossing_stats_and_phenomenon_shares():
    """Notebook 00's claims crossing_ratio_sov_fr, rarest_phenomenon_pct and sov_reorders_more come from
    lab.datacard.crossing_stats and phenomenon_shares."""
    from transformer_lite.grammar import PHENOMENA, Pair
    from transformer_lite.lab.datacard import crossing_stats, phenomenon_shares

    monotone = Pair(("a", "b", "c"), ("x", "y", "z"), ((0, 0), (1, 1), (2, 2)))
    reversed_ = Pair(("a", "b", "c"), ("x", "y", "z"), ((0, 2), (1, 1), (2, 0)))  # 3 crossing pairs of links
    stats = crossing_stats({"toy": {"train": [monotone, reversed_]}})
    assert stats == {"toy": {"mean crossing links per pair": 1.5, "pairs with no crossing (%)": 50.0}}
    shares = phenomenon_shares({"toy": {"train": [monotone, reversed_]}})
    assert list(shares["toy"]) == list(PHENOMENA) and shares["toy"]["reordering"] == 50.0

    corpora = {g: load_corpus(g) for g in ("fr", "sov")}
    stats, shares = crossing_stats(corpora), phenomenon_shares(corpora)
    assert stats["sov"]["mean crossing links per pair"] > 5 * stats["fr"]["mean crossing links per pair"]
    assert shares["sov"]["reordering"] > shares["fr"]["reordering"] and min(shares["fr"].values()) > 5


def test_pictures_draw_the_ko_words_in_hangul():
    """The ko panel of the data card's alignment picture (notebook 00) and the explorer's canvas (notebook 08)
    draw Hangul with the NanumGothic font of koreanize-matplotlib: no missing-glyph warning, no empty boxes."""
    import warnings

    import matplotlib.pyplot as plt
    import numpy as np

    from transformer_lite.lab import canvas, datacard
    from transformer_lite.lab.hangul_font import hangul_font

    corpora = {g: load_corpus(g) for g in ("fr", "ko")}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        fig = datacard.plot_examples(corpora)
        fig.canvas.draw()
    ko_labels = [t for t in fig.axes[1].get_yticklabels() if t.get_text()]
    assert ko_labels[0].get_text() == "춤추지" and all(hangul_font() in t.get_fontfamily() for t in ko_labels)
    assert all("DejaVu Sans" in t.get_fontname() for t in fig.axes[0].get_yticklabels())  # English keeps its font
    plt.close(fig)
    dog, particle = (np.asarray(canvas.text_mask(w, 12)) for w in ("개", "가"))  # a missing glyph draws one box
    assert dog.any() and not np.array_equal(dog, particle)
