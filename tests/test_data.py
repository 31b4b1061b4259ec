"""The toy corpus: deterministic, aligned, covering the phenomena the course teaches."""

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from transformer_lite import data
from transformer_lite.data import (
    BOS_ID,
    EOS_ID,
    GRAMMARS,
    PAD_ID,
    SPLITS,
    Vocab,
    attention_mask,
    causal_mask,
    collate,
    format_pair,
    load_corpus,
    parse_pair,
    phenomena,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
PHENOMENA = ("negation", "coordination", "relative_clause", "prepositional_phrase", "colour_adjective", "reordering")


@pytest.fixture(scope="module", params=GRAMMARS)
def corpus(request):
    return load_corpus(request.param)


def _render(trees, grammar):
    return {name: [format_pair(data._pair(s, grammar)) for s in trees[name]] for name in SPLITS}


# ---- determinism ------------------------------------------------------------------------
def test_sentence_sampler_is_deterministic():
    a = [" ".join(w.text for w in data._en(s)) for s in data.generate_sentences(50, seed=3)]
    b = [" ".join(w.text for w in data._en(s)) for s in data.generate_sentences(50, seed=3)]
    c = [" ".join(w.text for w in data._en(s)) for s in data.generate_sentences(50, seed=4)]
    assert a == b
    assert a != c


def test_build_splits_equals_shipped_files_and_is_the_fallback(tmp_path, monkeypatch):
    trees = data.build_splits()
    for grammar in GRAMMARS:
        rendered = _render(trees, grammar)
        for name in SPLITS:
            assert rendered[name] == (CORPUS / grammar / f"{name}.tsv").read_text("utf-8").splitlines(), name
    # without the files, load_corpus generates the same corpus in memory from build_splits()
    monkeypatch.setattr(data, "build_splits", lambda seed=data.SEED: trees)
    assert load_corpus("sov", data_dir=tmp_path).splits == load_corpus("sov").splits


def test_build_command_reproduces_corpus_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "transformer_lite.data", "build", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    shipped = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    built = sorted(p.relative_to(tmp_path / "corpus") for p in (tmp_path / "corpus").rglob("*") if p.is_file())
    assert built == shipped
    for rel in shipped:
        assert (tmp_path / "corpus" / rel).read_bytes() == (CORPUS / rel).read_bytes(), rel


# ---- alignments -------------------------------------------------------------------------
def test_alignments_are_valid_and_cover_every_target_word(corpus):
    for split in SPLITS:
        for p in corpus[split]:
            assert p.src and p.tgt
            assert list(p.alignment) == sorted(set(p.alignment)), "links sorted, no duplicates"
            assert all(0 <= i < len(p.src) and 0 <= j < len(p.tgt) for i, j in p.alignment)
            assert {j for _, j in p.alignment} == set(range(len(p.tgt))), " ".join(p.tgt)


def test_pharaoh_format_round_trip(corpus):
    for p in corpus["valid"][:200]:
        line = format_pair(p)
        assert line.count("\t") == 2
        assert parse_pair(line) == p
    assert format_pair(data.Pair(("a", "b"), ("x",), ((0, 0), (1, 0)))).endswith("\t0-0 1-0")


def test_alignment_matrix_rows_are_targets():
    p = load_corpus("fr")["train"][0]
    m = data.alignment_matrix(p)
    assert m.shape == (len(p.tgt), len(p.src))
    assert int(m.sum()) == len(p.alignment)
    assert (m.sum(dim=1) >= 1).all()


# ---- phenomena --------------------------------------------------------------------------
@pytest.mark.parametrize("split", ["train", "test"])
def test_every_phenomenon_is_well_represented(corpus, split):
    pairs = corpus[split]
    share = Counter(ph for p in pairs for ph in phenomena(p))
    for ph in PHENOMENA:
        assert share[ph] / len(pairs) > 0.2, (ph, share[ph] / len(pairs))
    assert share["reordering"] < len(pairs), "some pairs are monotone"


def test_fr_puts_colour_adjectives_after_the_noun():
    colours = {c[0] for c in data.COLOUR_ADJECTIVES}
    swaps = 0
    for p in load_corpus("fr")["train"][:2000]:
        tgt_of = {}
        for i, j in p.alignment:
            tgt_of.setdefault(i, []).append(j)
        for i, w in enumerate(p.src):
            if w in colours:  # English: colour right before the noun; French: right after
                assert tgt_of[i + 1][0] + 1 == tgt_of[i][0], " ".join(p.src)
                swaps += 1
    assert swaps > 500


def test_fr_negation_is_one_to_two():
    n = 0
    for p in load_corpus("fr")["train"][:2000]:
        for i, w in enumerate(p.src):
            if w == "not":
                js = [j for s, j in p.alignment if s == i]
                assert [p.tgt[j] for j in js] == ["ne", "pas"]
                assert js[1] - js[0] == 2, "ne VERB pas"
                assert p.src[i - 1] == "does" and not [j for s, j in p.alignment if s == i - 1]
                n += 1
    assert n > 500


def test_sov_puts_the_verb_at_the_clause_end():
    verbs = {v[3] for v in data.TRANSITIVE_VERBS + data.INTRANSITIVE_VERBS}
    moved = 0
    for p in load_corpus("sov")["train"][:2000]:
        clauses = " ".join(p.tgt).split(" soshite ")
        assert len(clauses) == p.src.count("and") + 1
        for clause in clauses:
            words = clause.split()
            if words[-1] == "nai":
                words = words[:-1]
            assert words[-1] in verbs, clause
        # the main verb of the last clause: last in the target, before its object in the source
        last = len(p.tgt) - 1 - (p.tgt[-1] == "nai")
        (src_verb,) = [i for i, j in p.alignment if j == last]
        if any(i > src_verb for i, _ in p.alignment):
            moved += 1
    assert moved > 500


def test_long_split_is_longer_than_train(corpus):
    longest_train = max(len(p.src) for p in corpus["train"])
    assert min(len(p.src) for p in corpus["long"]) > longest_train
    assert len(corpus["long"]) >= 100


def test_no_source_sentence_in_two_splits(corpus):
    seen = {}
    for split in SPLITS:
        sources = [p.src for p in corpus[split]]
        assert len(set(sources)) == len(sources), f"duplicates inside {split}"
        for s in sources:
            assert seen.setdefault(s, split) == split, f"{' '.join(s)} in {seen[s]} and {split}"


def test_every_corpus_word_is_in_the_vocab(corpus):
    for split in SPLITS:
        for p in corpus[split]:
            assert not corpus.src_vocab.unknown_words(list(p.src))
            assert not corpus.tgt_vocab.unknown_words(list(p.tgt))
    language = corpus.grammar
    assert Vocab.load(CORPUS / f"vocab.{language}.txt").itos == corpus.tgt_vocab.itos
    assert Vocab.load(CORPUS / "vocab.en.txt").itos == corpus.src_vocab.itos


# ---- vocab ------------------------------------------------------------------------------
def test_vocab_round_trip(corpus):
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
    with pytest.raises(ValueError, match=r"unknown grammar 'german': choose one of fr, sov"):
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


def test_causal_mask_true_means_may_attend():
    m = causal_mask(4)
    assert m.dtype == torch.bool
    assert torch.equal(m, torch.tril(torch.ones(4, 4, dtype=torch.bool)))
    assert m[3, 0] and not m[0, 3]  # the last word sees the first, never the reverse


def test_attention_mask_shapes():
    key = torch.tensor([[True, True, False], [True, True, True]])
    m = attention_mask(key)
    assert m.shape == (2, 1, 1, 3)
    assert torch.equal(m[0, 0, 0], key[0])
    mc = attention_mask(key, causal=True)
    assert mc.shape == (2, 1, 3, 3)
    assert torch.equal(mc[1, 0], causal_mask(3))
    assert not mc[0, 0, :, 2].any(), "padding key 2 is blocked for every query"
    assert not mc[0, 0, 0, 1] and mc[0, 0, 1, 1]


def test_tokenize_drops_sentence_punctuation():
    assert data.tokenize("The dog runs!") == ["the", "dog", "runs"]
    assert data.tokenize("a cat; the dog: sleeps, runs?") == ["a", "cat", "the", "dog", "sleeps", "runs"]
    assert data.tokenize(("Keep", "as", "is")) == ["Keep", "as", "is"]


# ---- the data card ----------------------------------------------------------------------
def test_data_card_is_in_sync_with_the_corpus():
    from transformer_lite import datacard

    corpora = {g: load_corpus(g) for g in GRAMMARS}
    card = (ROOT / "data" / "README.md").read_text("utf-8")
    for table in (datacard.sizes_table(corpora), datacard.vocab_table(corpora), datacard.phenomena_table(corpora)):
        assert table in card, "data/README.md is stale: paste the tables printed by python -m transformer_lite.datacard"
    for row in card.splitlines():  # every example in the phenomena table is a real training pair
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) == 4 and cells[0] in {p.replace("_", " ") for p in PHENOMENA}:
            for grammar, target in zip(GRAMMARS, cells[2:]):
                pair = data.translate_reference(cells[1], grammar)
                assert pair is not None and " ".join(pair.tgt) == target, (cells[1], grammar)
    for figure in ("lengths.png", "alignments.png"):
        assert (ROOT / "data" / "figures" / figure).stat().st_size > 10_000


def test_crossing_links_measure_how_far_words_move():
    from transformer_lite.datacard import crossing_links

    assert crossing_links(data.Pair(("a", "b", "c"), ("a", "b", "c"), ((0, 0), (1, 1), (2, 2)))) == 0
    assert crossing_links(data.Pair(("a", "b"), ("b", "a"), ((0, 1), (1, 0)))) == 1
    assert crossing_links(data.Pair(("v", "x", "y"), ("x", "y", "v"), ((0, 2), (1, 0), (2, 1)))) == 2
    # notebook 00: sov reorders far more than fr on the same sentences
    fr, sov = (load_corpus(g)["train"][:2000] for g in GRAMMARS)
    mean = {g: sum(map(crossing_links, ps)) / len(ps) for g, ps in (("fr", fr), ("sov", sov))}
    assert mean["sov"] > 5 * mean["fr"], mean
