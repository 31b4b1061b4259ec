"""Every string the package shows a student goes through the catalog (issue 21), shown by a pseudo-translation.

With ``TRANSFORMER_LITE_LANG=ko`` and a stand-in catalog that "translates" every message babel extracts from the
package into ``"KO:" + English``, each widget of ``lab/`` is built (no browser: widgets are plain objects), each
figure drawn, a short training run and its summary printed; every string a student would read (widget labels,
options, tooltips, HTML lines, figure texts, printed lines) must start with ``KO:`` or hold no letters, or be data
the test itself gave (the toy languages' words, a model's name). A sentence the package writes without ``_()``,
``tr()`` or ``say()``, or with a message babel cannot extract, stays English and fails here, named.
"""

from __future__ import annotations

import ast
import functools
import html
import re
from pathlib import Path

import matplotlib
import pytest
import torch

matplotlib.use("Agg")
import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from tiny import tiny_rnn, tiny_transformer  # noqa: E402

from tools import translate  # noqa: E402
from transformer_lite import claims, config, i18n, recipes, train  # noqa: E402
from transformer_lite.data import TranslationDataset, translate_reference  # noqa: E402
from transformer_lite.grammar import PHENOMENA, SPLITS  # noqa: E402
from transformer_lite.lab import browse, canvas, datacard, demos, explorer, explorer_widget, labels, stepper, viz  # noqa: E402
from transformer_lite.lab.access import describe_grid, figure_alt, weights_table_html  # noqa: E402
from transformer_lite.measure import complexity, pictures  # noqa: E402
from transformer_lite.model.attention import causal_mask  # noqa: E402

MARK = "KO:"
LETTERS = re.compile(r"[^\W\d_]")  # a letter of any script
TAG = re.compile(r"<[^>]+>")
ALWAYS_DATA = {"d_k", "T", "F", "fr", "sov", "ko"}  # an identifier, the grammars' codes, the mask's flags (True/False)
PACKAGE = Path(translate.PACKAGE)


@functools.cache
def package_messages() -> frozenset[str]:
    """What babel extracts from the package (the notebooks' messages are not the package's)."""
    return frozenset(
        m.id
        for m in translate.messages_template()
        if m.id and any(path.startswith("transformer_lite/") for path, _line in m.locations)
    )


@pytest.fixture()
def korean(monkeypatch):
    """The Korean edition with a pseudo-catalog: every package message becomes "KO:" + its English."""
    pseudo = {message: MARK + message for message in package_messages()}
    monkeypatch.setenv(config.LANG_ENV_VAR, "ko")
    monkeypatch.setattr(i18n, "catalog", lambda lang: pseudo if lang == "ko" else {})
    return pseudo


def plain(text: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", str(text))).split())


def english(texts, data=()) -> list[str]:
    """The texts a student would read in English: neither marked, nor free of letters, nor data, nor math."""
    allowed = ALWAYS_DATA | {plain(d) for d in data}
    found = []
    for text in texts:
        t = plain(text)
        if not t or t.startswith(MARK) or not LETTERS.search(t) or t in allowed:
            continue
        if t.startswith("$") and t.endswith("$"):  # a log axis' ticks: $\mathdefault{10^{0}}$
            continue
        found.append(t)
    return found


def figure_texts(fig) -> list[str]:
    fig.canvas.draw()  # tick labels exist once drawn
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible()]


def controls(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from controls(child)


def widget_texts(widget) -> list[str]:
    texts = []
    for c in controls(widget):
        texts += [getattr(c, attr, None) or "" for attr in ("description", "placeholder", "tooltip")]
        texts += list(getattr(c, "_options_labels", ()))
        if isinstance(c, w.HTML | w.Label):
            texts += c.value.split("<br>")
    return texts


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # an Output widget's clear_output, outside a kernel


def lines(text: str) -> list[str]:
    return [line for line in ANSI.sub("", text).splitlines() if line.strip()]


def assert_korean(texts, data=()):
    left = english(texts, data)
    assert not left, f"{len(left)} strings a student reads are not from the catalog: {left}"


# ---- the catalog sees every message ------------------------------------------------------------------------------
def test_every_translation_call_gives_babel_its_message():
    """babel reads the first argument of ``_``/``N_``/``tr``/``say`` only when it is a string literal; an f-string
    hides the message, and a string inside another expression (``tr(TEXT["key"])``) is read as a message itself."""
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == "model":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args):
                continue
            if node.func.id not in translate.KEYWORDS:
                continue
            first = node.args[0]
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.func.id}(...)"
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                continue
            if isinstance(first, ast.JoinedStr):
                problems.append(f"{where}: an f-string (babel cannot extract it; use named fields)")
            elif any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(first)):
                problems.append(f"{where}: babel would take the string inside {ast.unparse(first)} for the message")
    assert problems == []


def test_the_package_has_its_messages_and_every_name_a_label():
    messages = package_messages()
    assert len(messages) > 140, len(messages)
    assert set(labels.SPLIT_LABELS) == set(SPLITS) and set(labels.PHENOMENON_LABELS) == set(PHENOMENA)
    for kind in demos.MASK_KINDS:
        assert kind in messages
    for key in ("mean crossing links per pair", "pairs with no crossing (%)"):
        assert key in messages  # datacard.crossing_stats' keys: a notebook shows them with _(key)
    mask = causal_mask(5)
    assert set(pictures.lm_mask_blocks(mask, 2)) <= messages


def test_english_stays_english():
    """Without a translation (the English edition), every message is its own English."""
    assert i18n._("training loss") == "training loss"
    assert complexity.crossover_conclusion(None, 128, 2048).startswith("in seconds")


# ---- figures --------------------------------------------------------------------------------------------------
def test_every_figure_of_lab_speaks_the_course_language(korean, corpora):
    pair = corpora["fr"]["test"][0]
    history = train.History(budget=100, steps=[2.0 / (i + 1) for i in range(100)], train_seconds=1.0)
    history.epochs = [{"steps": 50, "valid_loss": 1.0}, {"steps": 100, "valid_loss": 0.5}]
    live = viz.LiveLossPlot(every=1000)
    live("batch", {"loss": 1.0})
    live("epoch", {"steps": 1, "valid_loss": 0.9})
    ranking = [{"layer": 0, "head": 1, "aer": 0.2, "share": 0.5}, {"layer": 1, "head": 0, "aer": 0.4, "share": 0.3}]
    words = ["the", "cat", "sleeps", "<eos>"]
    drawn = {
        "plot_loss": viz.plot_loss(history).figure,
        "LiveLossPlot": live.draw(),
        "plot_head_ranking aer": viz.plot_head_ranking(ranking, baselines={"diagonal": 0.3}).figure,
        "plot_head_ranking share": viz.plot_head_ranking(ranking, value="share").figure,
        "plot_mask": viz.plot_mask(causal_mask(4), words, words).figure,
        "plot_mask blocked": viz.plot_mask(~causal_mask(4), true_means="blocked").figure,
        "plot_alignment": viz.plot_alignment(pair).figure,
        "plot_measured": viz.plot_measured([1, 2], {"a": [1, 2], "b": [1, 2]}, {"a": [1, 2]}).figure,
        "temperature_demo": demos.temperature_demo()["fig"],
        "temperature_demo unscaled": demos.temperature_demo(scale=False)["fig"],
        "head_demo": demos.head_demo()["fig"],
        "positional_demo": demos.positional_demo()["fig"],
        "positional_demo cos": demos.positional_demo(dimension=3)["fig"],
        "show_pair": browse.show_pair(corpora, "fr", "train", "any", 0).figure,
        "plot_lengths": datacard.plot_lengths(corpora),
        "plot_examples": datacard.plot_examples(corpora),
    }
    for kind in demos.MASK_KINDS:
        drawn[f"mask_demo {kind}"] = demos.mask_demo(kind)["fig"]
    words_of = {"the", "small", "dog", "sees", "a", "red", "ball", "cat", "sleeps", "<eos>", "<pad>", "diagonal"}
    words_of |= {"a", "b"} | set(pair.src) | set(pair.tgt) | set(browse.show_pair(corpora).pair.src)
    words_of |= set(browse.show_pair(corpora).pair.tgt)
    for grammar in corpora:
        example = translate_reference(datacard.EXAMPLE_SOURCE, grammar)
        words_of |= set(example.src) | set(example.tgt)
    left = {name: english(figure_texts(fig), words_of) for name, fig in drawn.items()}
    plt.close("all")
    assert not any(left.values()), {name: texts for name, texts in left.items() if texts}


def test_text_twins_tables_and_alt_texts(korean):
    weights = torch.softmax(torch.randn(3, 4), -1)
    rows, cols = ["a", "b", "c"], ["w", "x", "y", "z"]
    texts = [demos.temperature_demo()["text"], demos.head_demo()["text"], demos.positional_demo()["text"]]
    texts += [demos.mask_demo(kind)["text"] for kind in demos.MASK_KINDS]
    texts += [describe_grid(torch.rand(2, 2, 3, 4), rows, cols), describe_grid(torch.rand(2, 2, 3, 4), rows, cols, 1)]
    table = weights_table_html(weights, rows, cols, "KO:title", gold=torch.eye(3, 4))
    texts.append(re.search(r"<caption>(.*?)</caption>", table).group(1))
    texts.append(re.findall(r"<th scope='col'>(.*?)</th>", table)[0])  # the corner: query \ key
    texts += [td for td in re.findall(r"<td>(.*?)</td>", table) if "(" in td]  # the gold cells' words
    fig, ax = plt.subplots()
    texts.append(figure_alt(fig))
    ax.set_title("KO:a title")
    texts.append(figure_alt(fig))
    texts.append(canvas.AttentionCanvas().draw(weights, rows, cols).info["alt"])
    plt.close("all")
    assert_korean(texts, rows + cols)


# ---- widgets --------------------------------------------------------------------------------------------------
@pytest.fixture()
def shown(monkeypatch):
    """What the widgets display (figures), collected instead of shown."""
    import IPython.display

    objects = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: objects.append(obj))
    return objects


def test_the_demo_widgets(korean, shown, capsys):
    sentences = [("the", "dog", "runs"), ("a", "cat", "sleeps")]
    built = [demos.temperature_widget(), demos.mask_widget(), demos.head_widget(sentences), demos.positional_widget()]
    texts = [t for widget in built for t in widget_texts(widget)]
    built[1].children[0].value = "causal"  # the mask toggle: a new picture and a new twin
    figures = [f for f in shown if isinstance(f, plt.Figure)]
    assert len(figures) >= 5
    texts += [t for fig in figures for t in figure_texts(fig)]
    texts += lines(capsys.readouterr().out)  # the text twins
    plt.close("all")
    data = {" ".join(s) for s in sentences} | set(demos._english_vocab().itos)
    assert_korean(texts, data)


def test_the_pair_browser(korean, shown, capsys, corpora):
    box = browse.pair_browser(corpora)
    texts = widget_texts(box) + lines(capsys.readouterr().out)
    # a filter no pair matches: the browser says so in the course's language
    one = {split: corpora["fr"][split][:1] for split in SPLITS}
    box = browse.pair_browser({"fr": one})
    phenomenon = next(c for c in controls(box) if isinstance(c, w.Dropdown) and c.value == "any")
    phenomenon.value = next(p for p in PHENOMENA if not browse.matching_pairs(one["train"], p))
    printed = lines(capsys.readouterr().out)
    assert printed and printed[-1].startswith(MARK + "no " + MARK + "train pair shows"), printed
    plt.close("all")
    assert_korean(texts + printed)


def test_the_stepper(korean, shown, capsys, corpora):
    fr = corpora["fr"]
    sentence = " ".join(fr["test"][0].src)
    box = stepper.stepper_widget(tiny_rnn(fr), fr, [sentence])
    text = next(c for c in controls(box) if isinstance(c, w.Text))
    text.value = "the"  # another translation
    text.value = "zzz qqq"  # unknown words: an error line
    printed = lines(capsys.readouterr().out)
    figures = [f for f in shown if isinstance(f, plt.Figure)]
    texts = widget_texts(box) + printed + [t for fig in figures for t in figure_texts(fig)]
    words = set(fr.src_vocab.itos) | set(fr.tgt_vocab.itos) | {sentence}
    plt.close("all")
    assert any(line.startswith(MARK + "Cannot translate") for line in printed), printed
    assert_korean(texts, words)


def test_the_explorer(korean, corpora, capsys):
    fr = corpora["fr"]
    models = {"Transformer (fr)": (tiny_transformer(fr), fr), "Seq2Seq+attention (fr)": (tiny_rnn(fr), fr)}
    e = explorer.AttentionExplorer(models, sentence="the frog hears a king")
    widget = explorer_widget.ExplorerWidget(e)
    texts = widget_texts(widget.container)
    widget.show_table.value = True
    texts += widget_texts(widget.container)
    texts.append(re.search(r"<caption>(.*?)</caption>", widget.table.value).group(1))
    widget.search.value = "beam"
    e.set_temperature(0.5)
    e.toggle_head("cross", 0, 1)
    e.set_head("all")
    widget.refresh()
    texts += widget_texts(widget.container) + list(e.describe())
    texts += [t for row in e.picture()["titles"] for t in row]
    texts.append(re.search(r"<caption>(.*?)</caption>", e.table_html()).group(1))
    e.set_head(1)
    texts.append(e.picture()["title"])
    texts.append(e.render().info["alt"])
    for kind in e.kinds():
        e.set_kind(kind)
        texts += [e.picture()["title"], e.describe()[0]]
    e.set_sentence("the frog sees the king")  # not in the corpus: no reference
    texts += e.summary_html().split("<br>")
    widget.show_error(ValueError("an English message for programmers"))
    assert "an English message" in widget.message.value  # exceptions stay English
    data = set(models) | set(fr.src_vocab.itos) | set(fr.tgt_vocab.itos) | set(e.examples())
    data |= {x[:90] for x in e.examples()} | {"the frog hears a king", "the frog sees the king"}
    assert_korean(texts, data)


def test_the_explorer_says_it_trains_when_a_checkpoint_is_missing(korean, corpora, capsys, monkeypatch):
    def missing(*args, **kwargs):
        raise FileNotFoundError("no shipped checkpoint here")

    monkeypatch.setattr(explorer, "load_pretrained", missing)
    monkeypatch.setattr(
        explorer, "train_recipe", lambda *a, **k: (tiny_transformer(corpora["fr"]), None, corpora["fr"])
    )
    explorer.load_or_train("transformer", "fr")
    printed = lines(capsys.readouterr().out)
    assert printed[0] == "no shipped checkpoint here"  # the loader's error, English like every exception
    assert_korean(printed[1:])


# ---- measurements, training, recipes, claims ----------------------------------------------------------------------
def test_printed_conclusions(korean):
    assert_korean([complexity.crossover_conclusion(n, 128, 2048) for n in (None, 90.0, 450.0)])
    for key in datacard.crossing_stats({"toy": {"train": [translate_reference(datacard.EXAMPLE_SOURCE, "fr")]}})["toy"]:
        assert i18n._(key).startswith(MARK)
    for block in pictures.lm_mask_blocks(causal_mask(5), 2):
        assert i18n._(block).startswith(MARK)


def test_training_speaks_the_course_language(korean, tiny, capsys):
    fr, data = tiny
    valid = TranslationDataset(fr["valid"][:32], fr.src_vocab, fr.tgt_vocab)
    cfg = train.TrainConfig(steps=3, batch_size=128, warmup=2)
    history = train.fit(tiny_transformer(fr), data, valid, cfg, progress=True, device="cpu")
    out, err = capsys.readouterr()
    assert f"{MARK}training" in err and f"{MARK}epoch=" in err and f"{MARK}step" in err  # the progress bar
    texts = lines(out) + [history.summary(), train.History(budget=9, checkpoint="x.pt").summary()]

    def stop(event, info):
        raise KeyboardInterrupt

    stopped = train.fit(tiny_transformer(fr), data, None, cfg, callbacks=[stop], progress=False, device="cpu")
    printed = lines(capsys.readouterr().out)
    assert printed and printed[0].startswith(MARK + "Interrupted")
    texts += printed + [stopped.summary(), train.History(budget=9).summary()]
    assert_korean(texts)


def test_train_or_load_says_which(korean, capsys, monkeypatch):
    monkeypatch.setattr(recipes, "train_recipe", lambda *a, **k: (None, None, None))
    recipes.train_or_load("transformer", "fr", train_now=True)
    recipes.train_or_load("transformer", "fr", train_now=False, device="cpu")
    printed = lines(capsys.readouterr().out)
    assert len(printed) == 2
    assert_korean(printed)


def test_the_claims_sentence(korean, tmp_path):
    table = tmp_path / "claims.md"
    table.write_text(
        f"{claims.TABLE_BEGIN}\n| notebook | name | claim | reference | holds when |\n|---|---|---|---|---|\n"
        f"| 00 | a | a is big | 1 | >= 1 |\n| 00 | b | b is small | 0 | <= 1 |\n{claims.TABLE_END}\n",
        encoding="utf-8",
    )
    sentences = [claims.summary({"a": 2, "b": 0}, table), claims.summary({"z": 1}, table)]
    sentences += lines(claims.summary({"a": 0, "b": 5}, table))
    assert len(sentences) == 5
    assert_korean(sentences)
