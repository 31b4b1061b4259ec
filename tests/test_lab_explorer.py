"""The attention explorer: measurements over a corpus, and every control driven as a plain
method (no browser), with its effect on the figure and the translation asserted."""

import hashlib

import pytest
import torch
from tiny import tiny_rnn, tiny_transformer

from transformer_lite.lab.explorer import MAX_TOKENS, AttentionExplorer
from transformer_lite.lab.explorer_widget import ExplorerWidget, show


@pytest.fixture()
def explorer(corpora):
    fr, sov = corpora["fr"], corpora["sov"]
    return AttentionExplorer(
        {
            "Transformer (fr)": (tiny_transformer(fr), fr),
            "Seq2Seq+attention (fr)": (tiny_rnn(fr), fr),
            "Transformer (sov)": (tiny_transformer(sov, 1), sov),
        },
        sentence="the frog hears a king",
    )


def digest(png: bytes) -> str:
    return hashlib.sha1(png).hexdigest()


# ---- drawing ---------------------------------------------------------------------------------


# ---- the explorer's controls, one by one -----------------------------------------------------
def test_initial_state_and_kinds(explorer):
    s = explorer.state
    assert s.model == "Transformer (fr)" and s.sentence == ("the", "frog", "hears", "a", "king") and s.kind == "cross"
    assert explorer.kinds() == ["enc_self", "dec_self", "cross"]
    assert explorer.png()[:4] == b"\x89PNG"


def test_set_head_and_layer_change_the_figure(explorer):
    before = digest(explorer.png())
    assert explorer.set_head(1).head == 1
    after_head = digest(explorer.png())
    assert after_head != before
    assert explorer.set_layer(1).layer == 1
    assert digest(explorer.png()) != after_head
    assert explorer.set_head("all").head is None
    grid = explorer.render()
    assert len(explorer.canvas.layout.blocks) == 4 and grid.size[0] > 300
    with pytest.raises(ValueError, match="head"):
        explorer.set_head(7)
    with pytest.raises(ValueError, match="layer"):
        explorer.set_layer(3)


def test_set_kind(explorer):
    assert explorer.set_kind("enc_self").kind == "enc_self"
    n = len(explorer.state.sentence)
    assert explorer.reading().labels["enc_self"] == (list(explorer.state.sentence),) * 2
    assert explorer.reading().maps["enc_self"][0].shape == (2, n, n)
    explorer.set_kind("dec_self")
    rows, cols = explorer.reading().labels["dec_self"]
    assert rows[-1] == "<eos>" and cols[0] == "<bos>"
    with pytest.raises(ValueError, match="choose one of"):
        explorer.set_kind("cross_self")


def test_set_step_moves_the_highlighted_row(explorer):
    n_steps = len(explorer.reading().output) + 1
    assert n_steps >= 2
    first = digest(explorer.png())
    assert explorer.set_step(1).step == 1
    assert digest(explorer.png()) != first
    assert explorer.summary()["step_word"] == (explorer.reading().output + ["<eos>"])[1]
    with pytest.raises(ValueError, match="decoding steps"):
        explorer.set_step(n_steps)


def test_set_temperature_changes_attention_and_is_cached(explorer):
    base = explorer.reading()
    hot = explorer.reading(explorer.set_temperature(4.0))
    assert not torch.allclose(base.maps["cross"][0], hot.maps["cross"][0])
    assert hot.maps["cross"][0].max() < base.maps["cross"][0].max()  # flatter
    assert explorer.reading() is hot  # cached: no second forward pass
    with pytest.raises(ValueError, match="positive"):
        explorer.set_temperature(0)


def test_head_ablation_changes_later_layers_and_reports_the_change(explorer):
    base = explorer.reading()
    state = explorer.toggle_head("cross", 0, 1)
    assert state.ablated == {("cross", 0, 1)}
    off = explorer.reading()
    assert not torch.allclose(base.maps["cross"][1], off.maps["cross"][1])  # layer 1 reads a changed layer 0
    summary = explorer.summary()
    assert summary["baseline_output"] == base.output and summary["reference"] is not None
    assert "heads off: cross L0H1" in explorer.summary_html()
    explorer.set_head("all")
    assert explorer.png()
    assert explorer.toggle_head("cross", 0, 1).ablated == frozenset()
    with pytest.raises(ValueError):
        explorer.toggle_head("cross", 9, 0)


def test_bleu_against_the_corpus_reference(explorer, corpora):
    pair = corpora["fr"]["test"][3]
    explorer.set_pair("test", 3)
    r = explorer.reading()
    assert r.reference == pair and 0.0 <= r.bleu <= 100.0
    explorer.set_sentence("the dog sees the dog and the cat sees the dog")  # not in the corpus
    assert explorer.reading().reference is None and "no reference" in explorer.summary_html()


def test_gold_overlay_only_when_the_output_is_the_reference(explorer):
    pair = explorer.corpus["test"][0]
    explorer.set_sentence(" ".join(pair.src))
    r = explorer.reading()
    r.output = list(pair.tgt)  # pretend the model got it right
    gold = explorer.gold()
    assert gold.shape == (len(pair.tgt) + 1, len(pair.src)) and gold[-1].sum() == 0
    r.output = list(pair.tgt)[:-1]
    assert explorer.gold() is None


def test_search_greedy_and_beam(explorer):
    assert explorer.set_search(3).beam_size == 3
    assert explorer.reading().output is not None
    assert "beam 3" in explorer.summary_html()
    assert explorer.set_search(1).beam_size == 1
    with pytest.raises(ValueError, match="beam size"):
        explorer.set_search(0)


def test_model_switch_keeps_valid_controls(explorer):
    explorer.set_kind("dec_self")
    explorer.set_layer(1)
    state = explorer.set_model("Seq2Seq+attention (fr)")
    assert (state.kind, state.layer, state.head) == ("cross", 0, 0)
    assert explorer.kinds() == ["cross"]
    explorer.png()
    state = explorer.set_model("Transformer (sov)")
    assert explorer.corpus.grammar == "sov" and explorer.reading().reference is not None
    with pytest.raises(ValueError, match="unknown model"):
        explorer.set_model("GPT")


def test_sentence_validation_messages(explorer):
    before = explorer.state
    with pytest.raises(ValueError, match="empty"):
        explorer.set_sentence("   ")
    with pytest.raises(ValueError, match=r"'dgo' \(did you mean dog"):
        explorer.set_sentence("the dgo sleeps")
    with pytest.raises(ValueError, match="too long"):
        explorer.set_sentence(" ".join(["the dog sleeps and"] * 13))
    assert explorer.state == before  # a rejected input changes nothing


def test_long_sentence_renders_readably(explorer, corpora):
    pair = max(corpora["fr"]["long"], key=lambda p: len(p.src))
    assert len(pair.src) <= MAX_TOKENS
    explorer.set_sentence(" ".join(pair.src))
    image = explorer.render()
    layout = explorer.canvas.layout
    assert [t for _, t in layout.col_labels] == list(pair.src)  # every source word labelled
    rows = explorer.reading().output + ["<eos>"]  # an untrained model writes up to 100 words
    every = -(-len(rows) // len(layout.row_labels))
    assert [t for _, t in layout.row_labels] == rows[::every] and (every == 1 or len(rows) > 60)
    assert image.size[0] <= 1000 and image.size[1] <= 760
    assert layout.font >= 8 and layout.cell[0] >= layout.font  # readable, column words do not overlap
    explorer.set_head("all")
    assert explorer.png()
    grid = explorer.canvas.layout
    assert grid.row_labels[0][1] == explorer.reading().output[0]  # thinned in the grid, never shifted


# ---- the widget: callbacks never raise, errors are shown ---------------------------------------
def test_widget_shows_errors_and_hides_the_stale_figure(explorer):
    w = ExplorerWidget(explorer)
    assert w.message.value == "" and w.image.value[:4] == b"\x89PNG"
    w.text.value = "the dgo sleeps"
    assert "dgo" in w.message.value and "did you mean dog" in w.message.value
    assert w.image.layout.display == "none"
    w.text.value = ""
    assert "empty" in w.message.value
    w.text.value = "the cat sleeps"
    assert w.message.value == "" and w.image.layout.display == ""
    assert explorer.state.sentence == ("the", "cat", "sleeps")


def test_widget_controls_drive_the_explorer(explorer):
    w = ExplorerWidget(explorer)
    image = w.image.value
    w.head.value = 1
    assert explorer.state.head == 1 and w.image.value != image
    image = w.image.value
    w.step.value = 1
    assert explorer.state.step == 1 and w.image.value != image
    w.kind.value = "enc_self"
    assert explorer.state.kind == "enc_self"
    w.temperature.value = 2.0
    assert explorer.state.temperature == 2.0
    w.search.value = "beam"
    assert explorer.state.beam_size == w.beam.value
    w._toggles[0].value = True
    assert ("enc_self", explorer.state.layer, 0) in explorer.state.ablated
    w.reset.click()
    assert explorer.state.ablated == frozenset() and not w._toggles[0].value
    w.model.value = "Seq2Seq+attention (fr)"
    assert explorer.state.kind == "cross" and [o[1] for o in w.kind.options] == ["cross"]
    w.pair.value = w.pair.options[2][1]
    assert " ".join(explorer.state.sentence) == w.pair.options[2][1]
    w.index.value = 7
    assert explorer.state.sentence == explorer.corpus["test"][7].src
    w.split.value = "long"
    assert explorer.state.sentence == explorer.corpus["long"][7].src and w.index.max == 499
    w.index.value = 499
    assert explorer.state.sentence == explorer.corpus["long"][499].src and w.message.value == ""


def test_widget_survives_an_exception_in_rendering(explorer, monkeypatch):
    w = ExplorerWidget(explorer)
    monkeypatch.setattr(explorer, "png", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    w.head.value = 1  # must not raise
    assert "boom" in w.message.value and w.image.layout.display == "none"


def test_show_returns_a_widget_container(explorer):
    import ipywidgets

    box = show(explorer)
    assert isinstance(box, ipywidgets.VBox) and "attention-explorer" in box._dom_classes


# ---- what a screen reader reads: the text twin and the table (issue 24) ---------------------------
def test_text_twin_names_each_rows_strongest_key(explorer):
    r = explorer.reading()
    weights = r.maps["cross"][0][0]  # layer 0, head 0: the explorer's start
    rows, cols = r.labels["cross"]
    title, every = explorer.describe()
    q = explorer.state.step
    k = int(weights[q].argmax())
    assert "layer 0 head 0" in title and f"{rows[q]} attends most to {cols[k]} ({weights[q, k]:.2f})" in title
    for i, row in enumerate(rows):
        j = int(weights[i].argmax())
        assert f"{row} → {cols[j]} ({weights[i, j]:.2f})" in every
    explorer.set_step(1)
    assert f"At step 2, {rows[1]} attends most to" in explorer.describe()[0]
    explorer.set_head("all")
    title, every = explorer.describe()
    assert "all layers x heads" in title and every.count("layer") == 4  # 2 layers x 2 heads, each named


def test_table_view_holds_the_pictures_weights(explorer):
    import re

    r = explorer.reading()
    weights = r.maps["cross"][0][0]
    rows, cols = r.labels["cross"]
    table = explorer.table_html()
    assert table.count("<th scope='row'>") == len(rows) and table.count("<th scope='col'>") == len(cols) + 1
    cells = [float(x.split(" ")[0]) for x in re.findall(r"<td[^>]*>([^<]*)</td>", table)]
    assert cells == pytest.approx(weights.flatten().tolist(), abs=0.005)
    assert "<caption>" in table and "rows are queries, columns are keys" in table
    explorer.set_head("all")
    assert explorer.table_html().count("<th scope='row'>") == 4  # the framed step's row in every head


def test_widget_shows_the_text_twin_and_the_table_on_request(explorer):
    w = ExplorerWidget(explorer)
    title, every = explorer.describe()
    assert w.image.tooltip == title  # the picture's accessible name
    assert "In words:" in w.twin.value and "aria-live" in w.twin.value
    assert w.table.value == "" and w.table.layout.display == "none"
    w.show_table.value = True
    assert "<table" in w.table.value and w.table.layout.display == ""
    w.head.value = 1
    assert "layer 0 head 1" in w.table.value and "layer 0 head 1" in w.image.tooltip
    assert "tl-lab" in w.container._dom_classes  # the focus ring's CSS applies to every control


def test_pair_number_follows_a_sentence_picked_another_way(explorer):
    """Issue 20: after a corpus sentence is picked from the list (or typed), "pair #" shows its
    number, not the number of the pair shown before."""
    w = ExplorerWidget(explorer)
    test = explorer.corpus["test"]
    w.index.value = 7
    picked = w.pair.options[3][1]
    w.pair.value = picked
    where = next(i for i, p in enumerate(test) if " ".join(p.src) == picked)
    assert (w.split.value, w.index.value) == ("test", where)
    w.text.value = " ".join(test[11].src)
    assert w.index.value == 11
    w.text.value = " ".join(explorer.corpus["long"][4].src)
    assert (w.split.value, w.index.value) == ("long", 4)
