"""The attention explorer: measurements over a corpus, and every control driven as a plain
method (no browser), with its effect on the figure and the translation asserted."""

import hashlib

import pytest
import torch

from transformer_lite import checks
from transformer_lite.canvas import AttentionCanvas, encode_png
from transformer_lite.data import Pair, load_corpus
from transformer_lite.explorer import (
    MAX_TOKENS,
    AttentionExplorer,
    ExplorerWidget,
    ablation,
    attention_shape,
    head_aer_table,
    jump_accuracy,
    long_jumps,
    previous_token_share,
    previous_token_table,
    teacher_forced_maps,
)
from transformer_lite.models import RNNConfig, TransformerConfig, build_model
from transformer_lite.viz import plot_head_ranking


@pytest.fixture(scope="module")
def corpora():
    return {"fr": load_corpus("fr"), "sov": load_corpus("sov")}


def tiny_transformer(corpus, seed=0):
    torch.manual_seed(seed)
    config = TransformerConfig(
        len(corpus.src_vocab), len(corpus.tgt_vocab), d_model=16, n_heads=2, d_ff=32, dropout=0.0, max_len=128
    )
    return build_model(config).eval()


def tiny_rnn(corpus, seed=0):
    torch.manual_seed(seed)
    return build_model(
        RNNConfig(len(corpus.src_vocab), len(corpus.tgt_vocab), emb_dim=8, hidden_dim=16, attention="additive")
    ).eval()


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


# ---- measurements ----------------------------------------------------------------------------
def test_attention_shape(corpora):
    fr = corpora["fr"]
    assert attention_shape(tiny_transformer(fr)) == {"enc_self": (2, 2), "dec_self": (2, 2), "cross": (2, 2)}
    assert attention_shape(tiny_rnn(fr)) == {"cross": (1, 1)}


def test_head_aer_table_ranks_every_head(corpora):
    fr = corpora["fr"]
    model, pairs = tiny_transformer(fr), fr["test"][:20]
    maps = teacher_forced_maps(model, pairs, fr.src_vocab, fr.tgt_vocab)
    assert maps[0]["cross"][0].shape == (2, len(pairs[0].tgt) + 1, len(pairs[0].src))
    assert maps[0]["dec_self"][1].shape == (2, len(pairs[0].tgt) + 1, len(pairs[0].tgt) + 1)
    table = head_aer_table(model, pairs, fr.src_vocab, fr.tgt_vocab, maps=maps)
    assert len(table) == 4 and {(r["layer"], r["head"]) for r in table} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert [r["aer"] for r in table] == sorted(r["aer"] for r in table)
    assert all(0.0 <= r["aer"] <= 1.0 for r in table)


def test_head_aer_is_zero_for_a_head_that_copies_the_gold_alignment():
    from transformer_lite.data import alignment_matrix

    pair = Pair(("a", "b", "c"), ("x", "y", "z"), ((0, 1), (1, 0), (2, 2)))
    gold = alignment_matrix(pair)
    perfect = torch.cat([gold, torch.zeros(1, 3)])  # + the <eos> row
    maps = [{"cross": [torch.stack([perfect, torch.full_like(perfect, 1 / 3)])]}]
    table = head_aer_table(None, [pair], None, None, maps=maps)
    assert table[0] == {"layer": 0, "head": 0, "aer": 0.0}
    assert table[1]["aer"] > 0.5


def test_previous_token_share():
    assert previous_token_share(torch.eye(4)) == pytest.approx(0.0)
    shifted = torch.zeros(4, 4)
    shifted[0, 0] = 1
    shifted[torch.arange(1, 4), torch.arange(0, 3)] = 1
    assert previous_token_share(shifted) == pytest.approx(1.0)
    assert previous_token_share(torch.full((3, 3), 0.25)) == pytest.approx(0.25)
    assert previous_token_share(torch.ones(1, 1)) == 0.0


def test_previous_token_table(corpora):
    fr = corpora["fr"]
    table = previous_token_table(tiny_transformer(fr), fr["test"][:10], fr.src_vocab, fr.tgt_vocab)
    assert len(table) == 4 and [r["share"] for r in table] == sorted((r["share"] for r in table), reverse=True)
    with pytest.raises(ValueError, match="no decoder self-attention"):
        previous_token_table(tiny_rnn(fr), fr["test"][:3], fr.src_vocab, fr.tgt_vocab)


def test_long_jumps_find_the_sov_verb(corpora):
    pair = next(p for p in corpora["sov"]["test"] if p.src == ("the", "frog", "hears", "a", "king"))
    assert pair.tgt[-1] == "kiku" and (2, len(pair.tgt) - 1) in long_jumps(pair, 2)
    gold = torch.zeros(len(pair.tgt) + 1, len(pair.src))
    for s, t in pair.alignment:
        gold[t, s] = 1
    maps = [{"cross": [gold[None]]}]
    assert jump_accuracy(maps, [pair], 0, 0, min_jump=2) == 1.0


def test_ablation_builds_head_masks(corpora):
    model = tiny_transformer(corpora["fr"])
    iv = ablation(model, [("cross", 1, 0)], temperature=2.0)
    assert iv.temperature == 2.0 and torch.equal(iv.head_mask["cross"], torch.tensor([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="layer 5"):
        ablation(model, [("cross", 5, 0)])
    with pytest.raises(ValueError, match="no 'dec_self'"):
        ablation(tiny_rnn(corpora["fr"]), [("dec_self", 0, 0)])


# ---- drawing ---------------------------------------------------------------------------------
def test_canvas_puts_the_words_on_the_right_axes():
    canvas = AttentionCanvas()
    w = torch.softmax(torch.randn(4, 3), -1)
    canvas.draw(w, ["a", "b", "c", "<eos>"], ["x", "y", "z"], gold=torch.eye(4, 3), highlight_row=1)
    layout = canvas.layout
    assert [t for _, t in layout.row_labels] == ["a", "b", "c", "<eos>"]  # rows = queries
    assert [t for _, t in layout.col_labels] == ["x", "y", "z"]  # columns = keys
    ys, xs = [y for y, _ in layout.row_labels], [x for x, _ in layout.col_labels]
    assert ys == sorted(ys) and xs == sorted(xs)  # first word at the top / on the left
    first = canvas.png()
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    canvas.draw(w, ["a", "b", "c", "<eos>"], ["x", "y", "z"], highlight_row=2)
    assert canvas.png() != first  # the frame moved, the gold boxes went
    with pytest.raises(ValueError, match="row tokens"):
        canvas.draw(w, ["a"], ["x", "y", "z"])
    with pytest.raises(ValueError, match="layers, heads"):
        canvas.draw(torch.rand(3), [], [])


def test_canvas_paints_each_weight_where_it_belongs():
    canvas = AttentionCanvas()
    w = torch.zeros(3, 4)
    w[2, 1] = 1.0  # query 2 attends to key 1 only
    canvas.draw(w, ["q0", "q1", "q2"], ["k0", "k1", "k2", "k3"])
    (x0, y0), (cw, ch) = canvas.layout.blocks[0], canvas.layout.cell
    hot = canvas.pixels[y0 + 2 * ch + ch // 2, x0 + 1 * cw + cw // 2]
    cold = canvas.pixels[y0 + ch // 2, x0 + cw // 2]
    assert tuple(hot) == tuple(canvas._lut[255]) and tuple(cold) == tuple(canvas._lut[0])
    gold = torch.zeros(3, 4)
    gold[1, 2] = 1  # a gold link in the framed row: its red box is drawn over the white frame
    canvas.draw(w, ["q0", "q1", "q2"], ["k0", "k1", "k2", "k3"], gold=gold, highlight_row=1)
    assert tuple(canvas.pixels[y0 + ch, x0 + 2 * cw + cw // 2]) == (215, 25, 28)  # top edge of the box: red
    assert tuple(canvas.pixels[y0 + ch, x0 + cw // 2]) == (255, 255, 255)  # the frame elsewhere: white


def test_png_encoding_is_lossless():
    import io

    import numpy as np
    from PIL import Image

    pixels = np.random.default_rng(0).integers(0, 256, (7, 5, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(pixels)))), pixels)


def test_canvas_grid_lays_out_layers_by_heads():
    canvas = AttentionCanvas()
    maps = torch.rand(2, 3, 4, 5)
    image = canvas.draw(maps, list("abcd"), list("vwxyz"), block_titles=[["t", "t off", "t"]] * 2, title="grid")
    blocks = canvas.layout.blocks
    assert len(blocks) == 6 and blocks[0][1] == blocks[2][1] < blocks[3][1]  # layer 1 below layer 0
    assert blocks[0][0] == blocks[3][0] < blocks[1][0]  # heads left to right
    assert [t for _, t in canvas.layout.row_labels] == list("abcd") * 2
    assert image.size == canvas.layout.size


def test_head_ranking_plot():
    import matplotlib.pyplot as plt

    ax = plot_head_ranking(
        [{"layer": 0, "head": 1, "aer": 0.2}, {"layer": 1, "head": 0, "aer": 0.5}], baselines={"diagonal": 0.4}
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == ["layer 0 head 1", "layer 1 head 0"]  # best on top
    plt.close(ax.figure)


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
    assert len(explorer._canvas.layout.blocks) == 4 and grid.size[0] > 300
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
    layout = explorer._canvas.layout
    assert [t for _, t in layout.col_labels] == list(pair.src)  # every source word labelled
    rows = explorer.reading().output + ["<eos>"]  # an untrained model writes up to 100 words
    every = -(-len(rows) // len(layout.row_labels))
    assert [t for _, t in layout.row_labels] == rows[::every] and (every == 1 or len(rows) > 60)
    assert image.size[0] <= 1000 and image.size[1] <= 760
    assert layout.font >= 8 and layout.cell[0] >= layout.font  # readable, column words do not overlap
    explorer.set_head("all")
    assert explorer.png()
    grid = explorer._canvas.layout
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

    box = explorer.show()
    assert isinstance(box, ipywidgets.VBox) and "attention-explorer" in box._dom_classes


# ---- the notebook's exercises ------------------------------------------------------------------
def test_checks_accept_solutions_and_report_stubs(capsys):
    def share(weights):
        n = min(weights.shape)
        return float(sum(weights[i, i - 1] for i in range(1, n)) / (n - 1)) if n > 1 else 0.0

    def stub(*args):
        raise NotImplementedError("Your turn")

    assert checks.previous_token_share(share)
    assert not checks.previous_token_share(stub)
    assert "not done yet" in capsys.readouterr().out

    def head_off(n_layers, n_heads, layer, head):
        mask = torch.ones(n_layers, n_heads)
        mask[layer, head] = 0
        from transformer_lite.attention import Intervention

        return Intervention(head_mask={"cross": mask})

    assert checks.head_ablation(head_off)
    assert not checks.head_ablation(stub)
    assert not checks.head_ablation(lambda *a: head_off(*a).__class__())


# ---- the notebook's claims, on the shipped checkpoints -----------------------------------------
@pytest.mark.slow
def test_notebook_claims_on_the_shipped_transformers(corpora):
    from transformer_lite.decode import translate_ids
    from transformer_lite.metrics import alignment_error_rate, attention_links, diagonal_attention
    from transformer_lite.recipes import checkpoint_path, load_pretrained

    if not (checkpoint_path("transformer", "fr").exists() and checkpoint_path("transformer", "sov").exists()):
        pytest.skip("the shipped transformer checkpoints are not built yet")
    from transformer_lite.metrics import corpus_bleu

    fr, sov = corpora["fr"], corpora["sov"]
    model, _ = load_pretrained("transformer", "fr", device=torch.device("cpu"))
    pairs = fr["test"][:120]
    maps = teacher_forced_maps(model, pairs, fr.src_vocab, fr.tgt_vocab)
    ranking = head_aer_table(model, pairs, fr.src_vocab, fr.tgt_vocab, maps=maps)
    diagonal = alignment_error_rate(
        [attention_links(diagonal_attention(p)) for p in pairs], [set(p.alignment) for p in pairs]
    )
    best, worst = ranking[0], ranking[-1]
    assert best["aer"] < diagonal < worst["aer"]  # some heads align, some do not
    uniform = sum(
        previous_token_share(
            torch.ones(len(p.tgt) + 1, len(p.tgt) + 1).tril() / torch.arange(1, len(p.tgt) + 2)[:, None]
        )
        for p in pairs
    ) / len(pairs)
    assert previous_token_table(model, pairs, fr.src_vocab, fr.tgt_vocab, maps=maps)[0]["share"] > 2 * uniform

    ids, refs = [fr.src_vocab.encode(p.src) for p in pairs], [list(p.tgt) for p in pairs]

    def bleu(heads):
        out = translate_ids(model, ids, intervene=ablation(model, heads))
        return corpus_bleu([[fr.tgt_vocab.itos[t] for t in row] for row in out], refs)

    full = bleu([])
    assert bleu([("cross", best["layer"], best["head"])]) < full - 5  # the best-aligned head is needed
    assert bleu([("cross", worst["layer"], worst["head"])]) > full - 5  # the worst one much less

    sov_model, _ = load_pretrained("transformer", "sov", device=torch.device("cpu"))
    sov_pairs = sov["test"][:120]
    sov_maps = teacher_forced_maps(sov_model, sov_pairs, sov.src_vocab, sov.tgt_vocab)
    diagonal_jumps = jump_accuracy([{"cross": [diagonal_attention(q)[None]]} for q in sov_pairs], sov_pairs, 0, 0)
    best_jump = max(jump_accuracy(sov_maps, sov_pairs, la, h) for la in range(2) for h in range(4))
    assert best_jump > 0.5 > diagonal_jumps
