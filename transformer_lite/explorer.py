"""The attention explorer: look inside trained models, one sentence at a time.

Two layers, so that everything can be tested without a browser:

* measurements over a corpus: which heads align with the gold word alignment
  (:func:`head_aer_table`), which heads look at the previous word
  (:func:`previous_token_table`), whether attention follows long reorderings
  (:func:`jump_accuracy`);
* :class:`AttentionExplorer`, a plain object holding the explorer's state. Every control
  of the widget calls one of its methods (``set_head(2)``, ``set_step(3)``, ...), which
  returns the new state; :meth:`AttentionExplorer.render` draws the figure. ``show()``
  wraps it all in ipywidgets.

Attention maps are always computed with teacher forcing on a known target (the gold
translation for corpus measurements; the model's own output in the explorer), so each
row is the query that *produced* one output word, plus a last row for ``<eos>``.
"""

from __future__ import annotations

import html
import time
import weakref
from dataclasses import dataclass, field, replace

import torch

from .attention import Intervention
from .config import single_thread
from .data import BOS_ID, EOS, SPLITS, Corpus, Pair, alignment_matrix, tokenize
from .decode import translate_ids
from .metrics import alignment_error_rate, attention_links, corpus_bleu, teacher_forced_maps

KINDS = ("enc_self", "dec_self", "cross")
KIND_LABELS = {"enc_self": "encoder self-attention", "dec_self": "decoder self-attention", "cross": "cross-attention"}
AXES = {  # what the rows (queries) and columns (keys) of each kind of map are
    "enc_self": "rows: source words (queries) · columns: source words (keys)",
    "dec_self": "rows: output words (queries) · columns: decoder inputs, <bos> and the words written so far (keys)",
    "cross": "rows: output words (queries) · columns: source words (keys)",
}
MAX_TOKENS = 50  # the longest sentences of the corpus (the `long` split) have 50 words


# ---- measurements over a corpus --------------------------------------------------------------
def head_aer_table(model, pairs: list[Pair], src_vocab, tgt_vocab, maps=None) -> list[dict]:
    """Alignment error rate of every cross-attention head against the gold alignment
    (each target word linked to the source word the head attends to most).
    Returns [{"layer", "head", "aer"}], best-aligned head first."""
    maps = maps if maps is not None else teacher_forced_maps(model, pairs, src_vocab, tgt_vocab)
    gold = [set(p.alignment) for p in pairs]
    rows = []
    for layer, first in enumerate(maps[0]["cross"]):
        for head in range(first.shape[0]):
            predicted = [
                attention_links(m["cross"][layer][head, : len(p.tgt), : len(p.src)]) for m, p in zip(maps, pairs)
            ]
            rows.append({"layer": layer, "head": head, "aer": alignment_error_rate(predicted, gold)})
    return sorted(rows, key=lambda r: (r["aer"], r["layer"], r["head"]))


def previous_token_share(weights: torch.Tensor) -> float:
    """Mean attention weight that query position i puts on key position i-1 (i >= 1) in a
    square self-attention map (L, L): 1.0 for a perfect "previous token" head."""
    weights = torch.as_tensor(weights)
    n = min(weights.shape[-2], weights.shape[-1])
    if n < 2:
        return 0.0
    idx = torch.arange(1, n)
    return float(weights[idx, idx - 1].mean())


def previous_token_table(model, pairs: list[Pair], src_vocab, tgt_vocab, maps=None) -> list[dict]:
    """Share of decoder self-attention weight on the previous position, per head, averaged
    over the pairs. Returns [{"layer", "head", "share"}], most "previous-token" head first."""
    maps = maps if maps is not None else teacher_forced_maps(model, pairs, src_vocab, tgt_vocab)
    if "dec_self" not in maps[0]:
        raise ValueError("this model has no decoder self-attention")
    rows = []
    for layer, first in enumerate(maps[0]["dec_self"]):
        for head in range(first.shape[0]):
            share = sum(previous_token_share(m["dec_self"][layer][head]) for m in maps) / len(maps)
            rows.append({"layer": layer, "head": head, "share": share})
    return sorted(rows, key=lambda r: (-r["share"], r["layer"], r["head"]))


def long_jumps(pair: Pair, min_jump: int = 3) -> list[tuple[int, int]]:
    """Gold links (source index, target index) that move a word by at least ``min_jump``
    positions: in the `sov` grammar, mostly the verb jumping to the end of its clause."""
    return [(s, t) for s, t in pair.alignment if abs(s - t) >= min_jump]


def jump_accuracy(maps, pairs: list[Pair], layer: int, head: int, min_jump: int = 3) -> float:
    """Share of the long-jump gold links (:func:`long_jumps`) whose target row attends most
    to the right source word, for one cross-attention head. ``maps`` from
    :func:`teacher_forced_maps`."""
    hit = total = 0
    for m, p in zip(maps, pairs):
        best = m["cross"][layer][head].argmax(-1)
        for s, t in long_jumps(p, min_jump):
            total += 1
            hit += int(best[t]) == s
    return hit / total if total else 0.0


def ablation(model_or_shape, heads, temperature: float = 1.0) -> Intervention:
    """An :class:`Intervention` switching off ``heads``, an iterable of (kind, layer, head).
    ``model_or_shape``: a model (its attention shape is read) or {kind: (layers, heads)}."""
    shape = model_or_shape if isinstance(model_or_shape, dict) else attention_shape(model_or_shape)
    masks = {}
    for kind, layer, head in heads:
        if kind not in shape:
            raise ValueError(f"this model has no {kind!r} attention; it has {', '.join(shape)}")
        n_layers, n_heads = shape[kind]
        if not (0 <= layer < n_layers and 0 <= head < n_heads):
            raise ValueError(f"{kind} has {n_layers} layer(s) x {n_heads} head(s); got layer {layer} head {head}")
        masks.setdefault(kind, torch.ones(n_layers, n_heads))[layer, head] = 0.0
    return Intervention(temperature=temperature, head_mask=masks)


_SHAPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> shape, forgotten with the model


@torch.no_grad()
def attention_shape(model) -> dict[str, tuple[int, int]]:
    """{kind: (layers, heads)} for the kinds of attention the model has (empty for none)."""
    key = model
    if key not in _SHAPES:
        device = next(model.parameters()).device
        src = torch.full((1, 2), 4, dtype=torch.long, device=device)
        tgt = torch.tensor([[BOS_ID, 4]], device=device)
        was_training = model.training
        model.eval()
        _, attn = model(src, torch.ones_like(src, dtype=torch.bool), tgt, return_attention=True)
        model.train(was_training)
        _SHAPES[key] = {k: (len(v), v[0].shape[1]) for k, v in (attn or {}).items() if v}
    return _SHAPES[key]


def load_or_train(name: str, grammar: str, device=None):
    """``recipes.load_pretrained``, or a short training run (the recipe's budget) when the
    shipped checkpoint is missing. Returns (model, corpus)."""
    from .data import load_corpus
    from .recipes import load_pretrained, train_recipe

    device = device or torch.device("cpu")
    try:
        model, _ = load_pretrained(name, grammar, device=device)
        return model.eval(), load_corpus(grammar)
    except FileNotFoundError as e:
        print(f"{e}\n-> training {name} on {grammar} briefly instead")
        model, _, corpus = train_recipe(name, grammar, progress=False, device=device)
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
    bleu: float | None
    seconds: float = 0.0
    labels: dict = field(default_factory=dict)  # kind -> (row tokens, column tokens)


class AttentionExplorer:
    """Interactive look at attention. ``models``: {label: (model, corpus)}.

    Each ``set_*`` method is one control; it validates its value (a ``ValueError`` says
    what is wrong and leaves the state unchanged), and returns the new
    :class:`ExplorerState`. ``render()`` returns the matplotlib figure, ``png()`` its bytes.
    """

    def __init__(self, models: dict, sentence: str | None = None, cache_size: int = 64):
        if not models:
            raise ValueError("give at least one model: {label: (model, corpus)}")
        self.models = {}
        for label, (model, corpus) in models.items():
            if not isinstance(corpus, Corpus):
                raise TypeError(f"{label!r}: expected (model, Corpus), got a {type(corpus).__name__}")
            if not attention_shape(model):
                raise ValueError(f"{label!r} has no attention to explore")
            self.models[label] = (model.eval(), corpus)
        self._cache: dict = {}
        self._cache_size = cache_size
        self._canvas = None
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
        return attention_shape(self.models[model_label or self.state.model][0])

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
        shape = attention_shape(self.models[s.model][0])
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
        if not 0 <= int(layer) < n:
            raise ValueError(f"{KIND_LABELS[self.state.kind]} has {n} layer(s): 0 to {n - 1}; got {layer}")
        return self._set(layer=int(layer))

    def set_head(self, head) -> ExplorerState:
        """A head number, or None / "all" for the layers x heads grid."""
        if head is None or head == "all":
            return self._set(head=None)
        n = self.shape()[self.state.kind][1]
        if not 0 <= int(head) < n:
            raise ValueError(f"each layer has {n} head(s): 0 to {n - 1}; got {head}")
        return self._set(head=int(head))

    def set_step(self, step: int) -> ExplorerState:
        n = len(self.reading().output) + 1
        if not 0 <= int(step) < n:
            raise ValueError(f"the output has {n} decoding steps (the last one writes <eos>): 0 to {n - 1}; got {step}")
        return self._set(step=int(step))

    def set_temperature(self, temperature: float) -> ExplorerState:
        if not float(temperature) > 0:
            raise ValueError(f"temperature must be positive; got {temperature}")
        return self._set(temperature=float(temperature))

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
        if not 1 <= int(beam_size) <= 16:
            raise ValueError(f"beam size must be between 1 (greedy) and 16; got {beam_size}")
        return self._set(beam_size=int(beam_size))

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
        if key in self._cache:
            self._cache[key] = self._cache.pop(key)  # most recently used last
            return self._cache[key]
        start = time.perf_counter()
        with single_thread():  # one sentence: threads only add synchronisation
            reading = self._read(s)
        reading.seconds = time.perf_counter() - start
        self._cache[key] = reading
        while len(self._cache) > self._cache_size:
            self._cache.pop(next(iter(self._cache)))
        return reading

    def _read(self, s: ExplorerState) -> Reading:
        model, corpus = self.models[s.model]
        device = next(model.parameters()).device
        intervene = ablation(attention_shape(model), s.ablated, s.temperature)
        src_ids = corpus.src_vocab.encode(list(s.sentence))
        out_ids = translate_ids(model, [src_ids], beam_size=s.beam_size, intervene=intervene, device=device)[0]
        src = torch.tensor([src_ids], device=device)
        tgt_in = torch.tensor([[BOS_ID] + out_ids], device=device)
        _, attn = model(src, torch.ones_like(src, dtype=torch.bool), tgt_in, return_attention=True, intervene=intervene)
        maps = {k: [m[0].float().cpu() for m in v] for k, v in attn.items() if v}
        output = [corpus.tgt_vocab.itos[i] for i in out_ids]
        reference = corpus.reference(s.sentence)
        bleu = corpus_bleu([output], [list(reference.tgt)]) if reference is not None else None
        source = list(s.sentence)
        rows, prefix = output + [EOS], ["<bos>"] + output
        labels = {"enc_self": (source, source), "dec_self": (rows, prefix), "cross": (rows, source)}
        return Reading(source, output, maps, reference, bleu, 0.0, labels)

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
            "baseline_output": b.output,
            "baseline_bleu": b.bleu,
            "changed": r.output != b.output,
        }

    def summary_html(self) -> str:
        d, s = self.summary(), self.state
        words = [
            f"<b style='background:#ffe08a'>{html.escape(w)}</b>" if i == s.step else html.escape(w)
            for i, w in enumerate(d["output"] + [EOS])
        ]
        search = "greedy" if s.beam_size == 1 else f"beam {s.beam_size}"
        lines = [
            f"<b>source</b> ({len(self.reading().source)} words): {html.escape(d['source'])}",
            f"<b>output</b> ({search}): {' '.join(words)}",
        ]
        if d["reference"] is not None:
            lines.append(f"<b>reference</b>: {html.escape(d['reference'])}")
            lines.append(f"<b>BLEU</b>: {d['bleu']:.1f}" + (f" (unchanged model: {d['baseline_bleu']:.1f})"))
        else:
            lines.append("<i>not in the corpus: no reference, no BLEU</i>")
        if s.ablated or s.temperature != 1.0:
            off = ", ".join(f"{k} L{layer}H{h}" for k, layer, h in sorted(s.ablated)) or "none"
            lines.append(
                f"<b>intervention</b>: temperature {s.temperature:g}, heads off: {html.escape(off)}; "
                f"unchanged model says: {html.escape(' '.join(d['baseline_output']))}"
            )
        return "<br>".join(lines)

    # -- drawing ---------------------------------------------------------------------------------
    def render(self):
        """The picture for the current state (a PIL image; a notebook shows it): one head
        (words on both axes, the step's row framed in white, gold alignment boxes in red
        when the output equals the reference), or all layers x heads as a grid.
        Rows = queries, columns = keys. Drawn by :class:`~transformer_lite.canvas.AttentionCanvas`
        in about 5-40 ms, so that every control answers at once."""
        from .canvas import AttentionCanvas

        if self._canvas is None:
            self._canvas = AttentionCanvas()
        s, r = self.state, self.reading()
        rows, cols = r.labels[s.kind]
        layers = r.maps[s.kind]
        step = s.step if s.kind != "enc_self" else None
        name = f"{s.model} · {KIND_LABELS[s.kind]}"
        if s.head is not None:
            off = " (switched off)" if (s.kind, s.layer, s.head) in s.ablated else ""
            maps, titles = layers[s.layer][s.head], None
            title = f"{name} · layer {s.layer} head {s.head}{off}"
        else:
            maps = torch.stack(layers)  # (layers, heads, Lq, Lk)
            titles = [
                [f"L{la} H{h}" + (" off" if (s.kind, la, h) in s.ablated else "") for h in range(maps.shape[1])]
                for la in range(maps.shape[0])
            ]
            title = f"{name} · all layers x heads"
        # The settings that change what the model computes go in the title too, so that the
        # picture always says what it shows (and changes whenever a control does).
        settings = ["greedy" if s.beam_size == 1 else f"beam {s.beam_size}"]
        if s.temperature != 1.0:
            settings.append(f"temperature {s.temperature:.3g}")
        if s.ablated:
            settings.append(f"{len(s.ablated)} head{'s' if len(s.ablated) > 1 else ''} off")
        title = f"{title} · {', '.join(settings)}"
        return self._canvas.draw(
            maps,
            rows,
            cols,
            gold=self.gold(),
            highlight_row=step,
            block_titles=titles,
            title=title,
            subtitle=AXES[s.kind],
        )

    def png(self) -> bytes:
        """The current picture as PNG bytes: what the widget shows."""
        self.render()
        return self._canvas.png()

    def show(self):
        """The ipywidgets interface (display it, or let the notebook show it)."""
        return ExplorerWidget(self).container


class ExplorerWidget:
    """ipywidgets around an :class:`AttentionExplorer`. Each control calls one explorer
    method; any exception is shown as a message above a hidden figure, never raised into
    the kernel, so no stale plot stays on screen."""

    def __init__(self, explorer: AttentionExplorer):
        import ipywidgets as w

        self.explorer = e = explorer
        self._syncing = False
        wide = w.Layout(width="460px")
        self.model = w.Dropdown(options=list(e.models), description="model", layout=wide)
        self.text = w.Text(
            value=" ".join(e.state.sentence),
            description="sentence",
            continuous_update=False,
            placeholder="type an English sentence and press Enter",
            layout=w.Layout(width="760px"),
        )
        self.pair = w.Dropdown(options=[("(pick a corpus sentence)", "")], description="corpus", layout=wide)
        # Any pair of the corpus, by split and number (the test split by default).
        self.split = w.Dropdown(options=list(SPLITS), value="test", description="split", layout=w.Layout(width="160px"))
        self.index = w.BoundedIntText(
            value=0, min=0, max=0, description="pair #", continuous_update=False, layout=w.Layout(width="170px")
        )
        self.kind = w.Dropdown(description="attention")
        self.layer = w.Dropdown(description="layer")
        self.head = w.Dropdown(description="head")
        self.step = w.IntSlider(description="step", min=0, max=1, continuous_update=False)
        self.temperature = w.FloatLogSlider(
            value=1.0,
            base=2,
            min=-2,
            max=2,
            step=0.25,
            description="temperature",
            continuous_update=False,
            style={"description_width": "90px"},  # the whole word, not "temperat..."
        )
        self.search = w.ToggleButtons(options=["greedy", "beam"], description="search")
        self.beam = w.IntSlider(value=4, min=2, max=8, description="beam size", continuous_update=False)
        self.ablate_box = w.HBox()
        self.reset = w.Button(description="all heads on")
        self.message = w.HTML()
        self.info = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(align_self="flex-start", max_width="100%"))
        self.container = w.VBox(
            [
                w.HBox([self.model, self.kind]),
                self.text,
                w.HBox([self.pair, self.split, self.index]),
                w.HBox([self.layer, self.head]),
                w.HBox([self.step, self.temperature]),
                w.HBox([self.search, self.beam]),
                w.HBox([w.Label("switch off:"), self.ablate_box, self.reset]),
                self.message,
                self.info,
                self.image,
            ]
        )
        self.container.add_class("attention-explorer")
        self.image.add_class("attention-explorer-figure")
        self.message.add_class("attention-explorer-message")
        self._toggles = []
        self._wire()
        self._sync()
        self.refresh()

    def _wire(self):
        e = self.explorer
        on = {
            self.model: lambda v: e.set_model(v),
            self.text: lambda v: e.set_sentence(v),
            self.pair: lambda v: e.set_sentence(v) if v else None,
            self.kind: lambda v: e.set_kind(v),
            self.layer: lambda v: e.set_layer(v),
            self.head: lambda v: e.set_head(v),
            self.step: lambda v: e.set_step(v),
            self.temperature: lambda v: e.set_temperature(v),
            self.search: lambda v: e.set_search(1 if v == "greedy" else self.beam.value),
            self.beam: lambda v: e.set_search(v) if self.search.value == "beam" else None,
            self.split: lambda v: e.set_pair(v, min(self.index.value, len(e.corpus[v]) - 1)),
            self.index: lambda v: e.set_pair(self.split.value, v),
        }
        for control, action in on.items():
            control.observe(lambda change, action=action: self.act(lambda: action(change["new"])), names="value")
        self.reset.on_click(lambda _: self.act(lambda: e.set_ablated(())))

    def act(self, action) -> bool:
        """Run one control's callback, then redraw; show any error instead of raising."""
        if self._syncing:
            return False
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - shown to the user, the kernel lives on
            self.show_error(exc)
            return False
        return self.refresh()

    def show_error(self, exc: Exception):
        self.message.value = (
            f"<div style='color:#b00020;font-weight:bold'>⚠ {html.escape(type(exc).__name__)}: "
            f"{html.escape(str(exc))}</div>"
        )
        self.image.layout.display = "none"  # no stale figure under an error
        self.info.value = ""

    def refresh(self) -> bool:
        try:
            self._sync()
            png = self.explorer.png()
            self.image.width = str(int.from_bytes(png[16:20], "big"))  # its own size, not stretched
            self.image.value = png  # after the width: the page lays the picture out once
            self.info.value = self.explorer.summary_html()
        except Exception as exc:  # noqa: BLE001
            self.show_error(exc)
            return False
        self.message.value = ""
        self.image.layout.display = ""
        return True

    def _sync(self):
        """Make the controls show the explorer's state (options depend on model and kind)."""
        import ipywidgets as w

        e, s = self.explorer, self.explorer.state
        self._syncing = True
        try:
            n_layers, n_heads = e.shape()[s.kind]
            self.model.value = s.model
            self.kind.options = [(KIND_LABELS[k], k) for k in e.kinds()]
            self.kind.value = s.kind
            self.layer.options = list(range(n_layers))
            self.layer.value = s.layer
            self.head.options = [("all (layers x heads grid)", "all")] + [(str(h), h) for h in range(n_heads)]
            self.head.value = "all" if s.head is None else s.head
            self.step.max = len(e.reading().output)
            self.step.value = s.step
            self.temperature.value = s.temperature
            self.search.value = "greedy" if s.beam_size == 1 else "beam"
            if s.beam_size > 1:
                self.beam.value = s.beam_size
            if " ".join(s.sentence) != self.text.value.strip().lower():
                self.text.value = " ".join(s.sentence)
            self.pair.options = [("(pick a corpus sentence)", "")] + [(x[:90], x) for x in e.examples()]
            sentence = " ".join(s.sentence)
            self.pair.value = sentence if any(v == sentence for _, v in self.pair.options) else ""
            self.index.max = len(e.corpus[self.split.value]) - 1
            wanted = [(s.kind, s.layer, h) for h in range(n_heads)]
            if [t.tooltip for t in self._toggles] != [str(x) for x in wanted]:
                self._toggles = []
                for kind, layer, h in wanted:
                    t = w.ToggleButton(description=f"L{layer} H{h}", tooltip=str((kind, layer, h)))
                    t.layout.width = "70px"
                    t.observe(
                        lambda c, k=kind, la=layer, hh=h: (
                            self.act(lambda: e.toggle_head(k, la, hh))
                            if c["new"] != ((k, la, hh) in e.state.ablated)
                            else None
                        ),
                        names="value",
                    )
                    self._toggles.append(t)
                self.ablate_box.children = self._toggles
            for t, key in zip(self._toggles, wanted):
                t.value = key in s.ablated
                t.button_style = "danger" if t.value else ""
        finally:
            self._syncing = False
