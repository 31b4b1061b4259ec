"""The toy task's grammar (transformer_lite.grammar, lexicon): deterministic, aligned, covering
the phenomena the course teaches."""

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from transformer_lite import data, grammar, lexicon
from transformer_lite.data import load_corpus
from transformer_lite.grammar import (
    GRAMMARS,
    PHENOMENA,
    SPLITS,
    Pair,
    crossing_links,
    format_pair,
    parse_pair,
    phenomena,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


def _render(trees, language):
    return {name: [format_pair(grammar.pair_of(s, language)) for s in trees[name]] for name in SPLITS}


def test_sentence_sampler_is_deterministic():
    a = [" ".join(w.text for w in grammar.english(s)) for s in grammar.generate_sentences(50, seed=3)]
    b = [" ".join(w.text for w in grammar.english(s)) for s in grammar.generate_sentences(50, seed=3)]
    c = [" ".join(w.text for w in grammar.english(s)) for s in grammar.generate_sentences(50, seed=4)]
    assert a == b
    assert a != c


def test_build_splits_equals_shipped_files_and_is_the_fallback(tmp_path, monkeypatch):
    trees = grammar.build_splits()
    for name_of_grammar in GRAMMARS:
        rendered = _render(trees, name_of_grammar)
        for name in SPLITS:
            expected = (CORPUS / name_of_grammar / f"{name}.tsv").read_text("utf-8").splitlines()
            assert rendered[name] == expected, name
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


def test_alignments_are_valid_and_cover_every_target_word(each_corpus):
    corpus = each_corpus
    for split in SPLITS:
        for p in corpus[split]:
            assert p.src and p.tgt
            assert list(p.alignment) == sorted(set(p.alignment)), "links sorted, no duplicates"
            assert all(0 <= i < len(p.src) and 0 <= j < len(p.tgt) for i, j in p.alignment)
            assert {j for _, j in p.alignment} == set(range(len(p.tgt))), " ".join(p.tgt)


def test_pharaoh_format_round_trip(each_corpus):
    corpus = each_corpus
    for p in corpus["valid"][:200]:
        line = format_pair(p)
        assert line.count("\t") == 2
        assert parse_pair(line) == p
    assert format_pair(Pair(("a", "b"), ("x",), ((0, 0), (1, 0)))).endswith("\t0-0 1-0")


@pytest.mark.parametrize("split", ["train", "test"])
def test_every_phenomenon_is_well_represented(each_corpus, split):
    corpus = each_corpus
    pairs = corpus[split]
    share = Counter(ph for p in pairs for ph in phenomena(p))
    for ph in PHENOMENA:
        assert share[ph] / len(pairs) > 0.2, (ph, share[ph] / len(pairs))
    assert share["reordering"] < len(pairs), "some pairs are monotone"


def test_fr_puts_colour_adjectives_after_the_noun():
    colours = {c[0] for c in lexicon.COLOUR_ADJECTIVES}
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
    verbs = {v[3] for v in lexicon.TRANSITIVE_VERBS + lexicon.INTRANSITIVE_VERBS}
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


def test_long_split_is_longer_than_train(each_corpus):
    corpus = each_corpus
    longest_train = max(len(p.src) for p in corpus["train"])
    assert min(len(p.src) for p in corpus["long"]) > longest_train
    assert len(corpus["long"]) >= 100


def test_no_source_sentence_in_two_splits(each_corpus):
    corpus = each_corpus
    seen = {}
    for split in SPLITS:
        sources = [p.src for p in corpus[split]]
        assert len(set(sources)) == len(sources), f"duplicates inside {split}"
        for s in sources:
            assert seen.setdefault(s, split) == split, f"{' '.join(s)} in {seen[s]} and {split}"


def test_crossing_links_measure_how_far_words_move():

    assert crossing_links(Pair(("a", "b", "c"), ("a", "b", "c"), ((0, 0), (1, 1), (2, 2)))) == 0
    assert crossing_links(Pair(("a", "b"), ("b", "a"), ((0, 1), (1, 0)))) == 1
    assert crossing_links(Pair(("v", "x", "y"), ("x", "y", "v"), ((0, 2), (1, 0), (2, 1)))) == 2
    # notebook 00: sov reorders far more than fr on the same sentences
    fr, sov = (load_corpus(g)["train"][:2000] for g in GRAMMARS)
    mean = {g: sum(map(crossing_links, ps)) / len(ps) for g, ps in (("fr", fr), ("sov", sov))}
    assert mean["sov"] > 5 * mean["fr"], mean
