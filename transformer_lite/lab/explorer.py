"""The attention explorer (notebook 08): look inside trained models, one sentence at a time.

:class:`AttentionExplorer` is a plain object holding the explorer's state, so that it can be
tested without a browser. Every control of the widget
(:class:`~transformer_lite.lab.explorer_widget.ExplorerWidget`) calls one of its methods
(``set_head(2)``, ``set_step(3)``, ...), which returns the new state;
:meth:`AttentionExplorer.render` draws the picture, and
:func:`transformer_lite.lab.explorer_widget.show` wraps it in ipywidgets. The
corpus-wide measurements of heads are in :mod:`transformer_lite.measure.heads`.

Attention maps are always computed with teacher forcing on a known target (the gold
translation for corpus measurements; the model's own output in the explorer), so each
row is the query that *produced* one output word, plus a last row for ``<eos>``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace

import torch

from .. import checks as check
from ..config import single_thread
from ..data import Corpus, alignment_matrix, load_corpus, tokenize
from ..decode import translate_with_attention
from ..grammar import SPLITS, Pair
from ..i18n import _, say
from ..measure.heads import ablation
from ..metrics import sentence_score
from ..model.attention import Intervention
from ..model.specials import EOS
from ..recipes import load_pretrained, train_recipe
from .access import describe_grid, describe_weights, weights_table_html
from .cache import LRUCache
from .explorer_text import AXES, KIND_LABELS, TEXT, phrase

KINDS = ("enc_self", "dec_self", "cross")
MAX_TOKENS = 50  # the longest sentences of the corpus (the `long` split) have 50 words


# ---- measurements over a corpus --------------------------------------------------------------
def load_or_train(name: str, grammar: str, device=None):
    """``recipes.load_pretrained``, or a short training run (the recipe's budget) when the
    shipped checkpoint is missing. Returns (model, corpus). Taught in notebook 08."""

    device = device or torch.device("cpu")
    try:
        model, _extra = load_pretrained(name, grammar, device=device)
        return model.eval(), load_corpus(grammar)
    except FileNotFoundError as e:
        print(e)  # English: the loader's error
        say("-> training {name} on {grammar} briefly instead", name=name, grammar=grammar)
        model, _history, corpus = train_recipe(name, grammar, progress=False, device=device)
        return model.eval(), corpus


# ---- the explorer's state and callbacks ------------------------------------------------------
@dataclass(frozen=True)
class ExplorerState:
    """Everything the explorer shows is a function of this (and the models)."""

    model: str
    sentence: tuple[str, ...]
    kind: str = "cross"
    layer: int = 0
    head: int | None = 0  # None: all heads of all layers as a grid
    step: int = 0  # decoding step: the output word whose attention row is highlighted
    temperature: float = 1.0
    ablated: frozenset = frozenset()  # {(kind, layer, head)} switched off
    beam_size: int = 1  # 1: greedy search


@dataclass
class Reading:
    """One decoded sentence and its attention maps (cached per model, sentence and intervention)."""

    source: list[str]
    output: list[str]
    maps: dict[str, list[torch.Tensor]]  # kind -> layers of (heads, Lq, Lk)
    reference: Pair | None
    bleu: float | None  # sentence BLEU with effective order (metrics.sentence_score), None without a reference
    labels: dict = field(default_factory=dict)  # kind -> (row tokens, column tokens)
    chrf: float | None = None  # chrF of the same sentence


class AttentionExplorer:
    """Interactive look at attention. ``models``: {label: (model, corpus)}.

    Each ``set_*`` method is one control; it validates its value (a ``ValueError`` says
    what is wrong and leaves the state unchanged), and returns the new
    :class:`ExplorerState`. ``render()`` returns the matplotlib figure, ``png()`` its bytes.
    Taught in notebook 08.
    """

    def __init__(self, models: dict, sentence: str | None = None, cache_size: int = 64):
        if not models:
            raise ValueError("give at least one model: {label: (model, corpus)}")
        self.models = {}
        for label, (model, corpus) in models.items():
            if not isinstance(corpus, Corpus):
                raise TypeError(f"{label!r}: expected (model, Corpus), got a {type(corpus).__name__}")
            if not model.attention_shape():
                raise ValueError(f"{label!r} has no attention to explore")
            self.models[label] = (model.eval(), corpus)
        self._readings = LRUCache(cache_size)  # (model, sentence, temperature, ablated, beam) -> Reading
        self.canvas = None  # the AttentionCanvas, made on the first picture
        self._where: dict = {}  # id(corpus) -> {source words: (split, number)}
        first = next(iter(self.models))
        corpus = self.models[first][1]
        tokens = self._validate(sentence if sentence is not None else corpus["test"][0].src, first)
        self.state = ExplorerState(model=first, sentence=tuple(tokens))
        self.state = self._normalised(self.state)

    # -- helpers -----------------------------------------------------------------------------
    @property
    def model(self):
        return self.models[self.state.model][0]

    @property
    def corpus(self) -> Corpus:
        return self.models[self.state.model][1]

    def shape(self, model_label: str | None = None) -> dict[str, tuple[int, int]]:
        return self.models[model_label or self.state.model][0].attention_shape()

    def kinds(self) -> list[str]:
        return [k for k in KINDS if k in self.shape()]

    def examples(self, n: int = 12) -> list[str]:
        """Corpus sentences for the pair picker: short test sentences, then a few long ones."""
        corpus = self.corpus
        picks = sorted(corpus["test"][:200], key=lambda p: len(p.src))[:: max(1, 200 // n)][:n]
        picks += corpus["long"][:3]
        return [" ".join(p.src) for p in picks]

    def _validate(self, text, model_label: str) -> list[str]:
        tokens = tokenize(text if text is not None else "")
        if len(tokens) > MAX_TOKENS:
            raise ValueError(f"sentence too long: {len(tokens)} words; the explorer takes at most {MAX_TOKENS}")
        return self.models[model_label][1].src_vocab.validate(tokens)

    def _normalised(self, s: ExplorerState) -> ExplorerState:
        """Clamp kind, layer, head and step to what the model and output allow."""
        shape = self.models[s.model][0].attention_shape()
        kind = s.kind if s.kind in shape else ("cross" if "cross" in shape else next(iter(shape)))
        n_layers, n_heads = shape[kind]
        layer = min(max(s.layer, 0), n_layers - 1)
        head = None if s.head is None else min(max(s.head, 0), n_heads - 1)
        ablated = frozenset(a for a in s.ablated if a[0] in shape and a[1] < shape[a[0]][0] and a[2] < shape[a[0]][1])
        s = replace(s, kind=kind, layer=layer, head=head, ablated=ablated)
        n_rows = len(self.reading(s).output) + 1
        return replace(s, step=min(max(s.step, 0), n_rows - 1))

    def _set(self, **changes) -> ExplorerState:
        self.state = self._normalised(replace(self.state, **changes))
        return self.state

    # -- the controls ----------------------------------------------------------------------------
    def set_model(self, label: str) -> ExplorerState:
        if label not in self.models:
            raise ValueError(f"unknown model {label!r}: choose one of {', '.join(self.models)}")
        self._validate(self.state.sentence, label)  # a new grammar keeps the same English vocabulary
        return self._set(model=label)

    def set_sentence(self, text) -> ExplorerState:
        """Type a source sentence (validated: empty, too long, unknown words with suggestions)."""
        return self._set(sentence=tuple(self._validate(text, self.state.model)), step=0)

    def set_pair(self, split: str, index: int) -> ExplorerState:
        """Pick a sentence from the corpus."""
        pairs = self.corpus[split]
        if not 0 <= index < len(pairs):
            raise ValueError(f"the {split} split has {len(pairs)} pairs; got index {index}")
        return self.set_sentence(pairs[index].src)

    def set_kind(self, kind: str) -> ExplorerState:
        if kind not in self.shape():
            raise ValueError(f"{self.state.model} has no {kind!r} attention; choose one of {', '.join(self.kinds())}")
        return self._set(kind=kind)

    def set_layer(self, layer: int) -> ExplorerState:
        n = self.shape()[self.state.kind][0]
        if not 0 <= check.integer("layer", layer, minimum=None) < n:
            raise ValueError(f"layer must be 0 to {n - 1} ({KIND_LABELS[self.state.kind]} has {n}); got {layer}")
        return self._set(layer=layer)

    def set_head(self, head) -> ExplorerState:
        """A head number, or None / "all" for the layers x heads grid."""
        if head is None or head == "all":
            return self._set(head=None)
        n = self.shape()[self.state.kind][1]
        if not 0 <= check.integer("head", head, minimum=None) < n:
            raise ValueError(f"head must be 0 to {n - 1} (each layer has {n}) or 'all'; got {head}")
        return self._set(head=head)

    def set_step(self, step: int) -> ExplorerState:
        n = len(self.reading().output) + 1
        if not 0 <= check.integer("step", step, minimum=None) < n:
            raise ValueError(f"step must be 0 to {n - 1}: the output has {n} decoding steps (last: <eos>); got {step}")
        return self._set(step=step)

    def set_temperature(self, temperature: float) -> ExplorerState:
        return self._set(temperature=check.temperature(temperature))

    def set_ablated(self, heads) -> ExplorerState:
        """Switch off exactly ``heads``: an iterable of (kind, layer, head)."""
        heads = frozenset((str(k), int(layer), int(h)) for k, layer, h in heads)
        ablation(self.shape(), heads)  # validates
        return self._set(ablated=heads)

    def toggle_head(self, kind: str, layer: int, head: int) -> ExplorerState:
        """Switch one head off, or back on."""
        return self.set_ablated(self.state.ablated ^ {(kind, int(layer), int(head))})

    def set_search(self, beam_size: int) -> ExplorerState:
        """1 = greedy search, more = beam search with that beam size."""
        if not 1 <= check.integer("beam_size", beam_size, minimum=None) <= 16:
            raise ValueError(f"beam_size must be between 1 (greedy) and 16 (the beam size); got {beam_size}")
        return self._set(beam_size=beam_size)

    # -- the model's reading of the sentence -------------------------------------------------
    def intervention(self, state: ExplorerState | None = None) -> Intervention:
        s = state or self.state
        return ablation(self.shape(s.model), s.ablated, s.temperature)

    @torch.no_grad()
    def reading(self, state: ExplorerState | None = None) -> Reading:
        """Decode the sentence and read every attention map on the output (teacher forcing
        on the model's own translation). Cached per (model, sentence, temperature,
        ablation, search), so moving through layers, heads and steps costs no forward pass."""
        s = state or self.state
        key = (s.model, s.sentence, s.temperature, s.ablated, s.beam_size)
        return self._readings.get(key, lambda: self._read(s))

    def _read(self, s: ExplorerState) -> Reading:
        model, corpus = self.models[s.model]
        intervene = self.intervention(s)
        src_ids = corpus.src_vocab.encode(list(s.sentence))
        with single_thread():  # one sentence: threads only add synchronisation
            out_ids, maps = translate_with_attention(model, src_ids, s.beam_size, intervene=intervene)
        output = [corpus.tgt_vocab.itos[i] for i in out_ids]  # one word per map row, even a stray <pad>
        reference = corpus.reference(s.sentence)
        # One sentence: corpus BLEU would be 0 for any perfect sentence under 4 words.
        score = sentence_score(output, list(reference.tgt)) if reference is not None else {}
        source = list(s.sentence)
        rows, prefix = output + [EOS], ["<bos>"] + output
        labels = {"enc_self": (source, source), "dec_self": (rows, prefix), "cross": (rows, source)}
        return Reading(source, output, maps, reference, score.get("bleu"), labels, score.get("chrf"))

    def baseline(self) -> Reading:
        """The same sentence and search without temperature or ablation."""
        return self.reading(replace(self.state, temperature=1.0, ablated=frozenset()))

    def gold(self, state: ExplorerState | None = None) -> torch.Tensor | None:
        """The gold alignment (T+1, S) for cross-attention, when the output is the reference."""
        s = state or self.state
        r = self.reading(s)
        if s.kind != "cross" or r.reference is None or tuple(r.output) != r.reference.tgt:
            return None
        g = alignment_matrix(r.reference)
        return torch.cat([g, torch.zeros(1, g.shape[1])])

    def summary(self) -> dict:
        """The numbers the widget prints under the controls."""
        r, b = self.reading(), self.baseline()
        return {
            "source": " ".join(r.source),
            "output": r.output,
            "step_word": (r.output + [EOS])[self.state.step],
            "reference": " ".join(r.reference.tgt) if r.reference else None,
            "bleu": r.bleu,
            "chrf": r.chrf,
            "baseline_output": b.output,
            "baseline_bleu": b.bleu,
            "changed": r.output != b.output,
        }

    def summary_html(self) -> str:
        d, s = self.summary(), self.state
        esc = html.escape
        words = " ".join(
            TEXT["step_word"].format(word=esc(w)) if i == s.step else esc(w) for i, w in enumerate(d["output"] + [EOS])
        )
        search = phrase("greedy") if s.beam_size == 1 else phrase("beam", size=s.beam_size)
        lines = [
            phrase("source", n=len(self.reading().source), words=esc(d["source"])),
            phrase("output", search=search, words=words),
        ]
        if d["reference"] is not None:
            lines.append(phrase("reference", words=esc(d["reference"])))
            lines.append(phrase("scores", bleu=d["bleu"], chrf=d["chrf"], baseline=d["baseline_bleu"]))
        else:
            lines.append(phrase("no_reference"))
        if s.ablated or s.temperature != 1.0:
            off = ", ".join(f"{k} L{layer}H{h}" for k, layer, h in sorted(s.ablated)) or phrase("none")
            baseline = esc(" ".join(d["baseline_output"]))
            lines.append(phrase("intervention", temperature=s.temperature, off=esc(off), baseline=baseline))
        return "<br>".join(lines)

    # -- drawing ---------------------------------------------------------------------------------
    def picture(self) -> dict:
        """What the picture shows: maps (Lq, Lk) for one head or (layers, heads, Lq, Lk) for the
        grid, the row and column words, the gold alignment, the framed step, the titles."""
        s, r = self.state, self.reading()
        rows, cols = r.labels[s.kind]
        layers = r.maps[s.kind]
        settings = [phrase("greedy") if s.beam_size == 1 else phrase("beam", size=s.beam_size)]
        if s.temperature != 1.0:
            settings.append(phrase("temperature", value=s.temperature))
        if s.ablated:
            settings.append(phrase("heads_off" if len(s.ablated) > 1 else "head_off", n=len(s.ablated)))
        kind = _(KIND_LABELS[s.kind])
        names = dict(model=s.model, kind=kind, layer=s.layer, head=s.head, settings=", ".join(settings))
        off = None  # the grid's switched-off heads (layers x heads), their titles drawn in red
        if s.head is not None:
            maps, titles = layers[s.layer][s.head], None
            title = phrase("title_head_off" if (s.kind, s.layer, s.head) in s.ablated else "title_head", **names)
        else:
            maps = torch.stack(layers)  # (layers, heads, Lq, Lk)
            off = [[(s.kind, la, h) in s.ablated for h in range(maps.shape[1])] for la in range(maps.shape[0])]
            titles = [
                [phrase("block_off" if off[la][h] else "block", layer=la, head=h) for h in range(maps.shape[1])]
                for la in range(maps.shape[0])
            ]
            title = phrase("title_grid", **names)
        step = s.step if s.kind != "enc_self" else None
        return dict(maps=maps, rows=rows, cols=cols, gold=self.gold(), step=step, titles=titles, title=title, off=off)

    def render(self):
        """The picture for the current state (a PIL image; a notebook shows it): one head
        (words on both axes, the step's row framed, gold alignment boxes when the output
        equals the reference), or all layers x heads as a grid.
        Rows = queries, columns = keys. Drawn by :class:`~transformer_lite.lab.canvas.AttentionCanvas`
        in about 5-40 ms, so that every control answers at once."""
        from .canvas import AttentionCanvas  # PIL and the fonts load on the first picture

        if self.canvas is None:
            self.canvas = AttentionCanvas()
        p = self.picture()
        # The settings that change what the model computes are in the title too, so that the
        # picture always says what it shows (and changes whenever a control does).
        titles = p["titles"] and [list(zip(row, flags)) for row, flags in zip(p["titles"], p["off"])]  # red when off
        return self.canvas.draw(
            p["maps"], p["rows"], p["cols"], gold=p["gold"], highlight_row=p["step"], block_titles=titles,
            title=p["title"], subtitle=_(AXES[self.state.kind]),
        )  # fmt: skip

    def png(self) -> bytes:
        """The current picture as PNG bytes: what the widget shows."""
        self.render()
        return self.canvas.png()

    def describe(self) -> tuple[str, str]:
        """The picture's text twin: (its title and one sentence about the framed step, the
        strongest link of every row or, for the grid, of every head)."""
        p = self.picture()
        if p["maps"].dim() == 4:
            return p["title"], describe_grid(p["maps"], p["rows"], p["cols"], p["step"])
        summary, every = describe_weights(p["maps"], p["rows"], p["cols"], p["step"])
        return f"{p['title']}. {summary}", every

    def table_html(self) -> str:
        """The weights of the picture as an HTML table (one head), or of the framed step in
        every head (the grid: rows are heads)."""
        from .canvas import AttentionCanvas

        p, lut = self.picture(), (self.canvas or AttentionCanvas())._lut
        if p["maps"].dim() == 2:
            return weights_table_html(p["maps"], p["rows"], p["cols"], p["title"], lut, p["gold"])
        step = p["step"] if p["step"] is not None else 0
        flat = p["maps"][:, :, step].flatten(0, 1)  # (layers * heads, Lk)
        heads = [t for row in p["titles"] for t in row]
        title = phrase("grid_table", title=p["title"], query=p["rows"][step])
        return weights_table_html(flat, heads, p["cols"], title, lut)

    def locate(self, prefer: str = "test") -> tuple[str, int] | None:
        """(split, number) of the first corpus pair whose source is the current sentence, in
        the split ``prefer`` if it is there, or None for a sentence the corpus does not have."""
        found = self.sources(self.corpus).get(self.state.sentence)
        if not found:
            return None
        split = prefer if prefer in found else next(iter(found))
        return split, found[split]

    def sources(self, corpus: Corpus) -> dict:
        """{source words: {split: first number}} for ``corpus``, built once (about 40 ms)."""
        if id(corpus) not in self._where:
            where: dict = {}
            for split in SPLITS:
                for i, p in enumerate(corpus[split]):
                    where.setdefault(p.src, {}).setdefault(split, i)
            self._where[id(corpus)] = where
        return self._where[id(corpus)]
