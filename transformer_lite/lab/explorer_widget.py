"""The ipywidgets shell of the attention explorer (notebook 08): every control calls one
method of :class:`~transformer_lite.lab.explorer.AttentionExplorer`, which holds the state.

Every control is a native input (select, slider handle, text box, button), so it is reached
with Tab and worked with the keyboard: arrows on sliders and lists, Enter in text boxes, Space
on buttons. Under the picture: its text twin (what a screen reader reads) and, on request, the
weights as a table."""

from __future__ import annotations

import html

from ..config import single_thread
from ..grammar import SPLITS
from ..i18n import N_, _, tr
from .access import FOCUS_CLASS, focus_style, named_image
from .explorer import KIND_LABELS, AttentionExplorer
from .explorer_text import phrase as explorer_phrase
from .labels import options
from .viz import FULL_LABEL

# Every sentence the widget itself shows (the explorer's are in explorer_text.py), marked for the catalog
# and translated when shown.
TEXT = {
    "pick": N_("(pick a corpus sentence)"),
    "placeholder": N_("type an English sentence and press Enter"),
    "grid": N_("all (layers x heads grid)"),
    "reset": N_("all heads on"),
    "switch_off": N_("switch off:"),
    "table": N_("show the weights as a table"),
    # no words: the exception's class and its message (English: messages for programmers stay English)
    "error": "<div role='alert' style='color:#b00020;font-weight:bold'>⚠ {kind}: {message}</div>",
    "twin": N_(
        "<div aria-live='polite'><p><b>In words:</b> {summary}</p>"
        "<details><summary>every row in words</summary><p>{every}</p></details></div>"
    ),
    "toggle_tip": N_("switch head {head} of layer {layer} off or on"),
    "beam": N_("beam"),  # the search switch: greedy (explorer_text's word) or beam
}


def phrase(name: str, /, **fields) -> str:
    """``TEXT[name]`` in the course's language, its ``{fields}`` filled. (Not ``tr(TEXT["..."])``: babel would
    read the key as a message; it reads the ``N_`` marks above.)"""
    return tr(TEXT[name], **fields)


def show(explorer: AttentionExplorer):
    """The explorer's ipywidgets interface (display it, or let the notebook show it).
    Taught in notebook 08."""
    return ExplorerWidget(explorer).container


class ExplorerWidget:
    """ipywidgets around an :class:`AttentionExplorer`. Each control calls one explorer
    method; any exception is shown as a message above a hidden figure, never raised into
    the kernel, so no stale plot stays on screen."""

    def __init__(self, explorer: AttentionExplorer):
        import ipywidgets as w

        self.explorer = e = explorer
        self._syncing = False
        wide = w.Layout(width="460px")
        label = FULL_LABEL  # every label whole, in any language
        self.model = w.Dropdown(options=list(e.models), description=_("model"), style=label, layout=wide)
        self.text = w.Text(
            value=" ".join(e.state.sentence),
            description=_("sentence"),
            style=label,
            continuous_update=False,
            placeholder=phrase("placeholder"),
            layout=w.Layout(width="760px"),
        )
        self.pair = w.Dropdown(options=[(phrase("pick"), "")], description=_("corpus"), style=label, layout=wide)
        # Any pair of the corpus, by split and number (the test split by default).
        self.split = w.Dropdown(
            options=options(SPLITS), value="test", description=_("split"), style=label, layout=w.Layout(width="160px")
        )
        self.index = w.BoundedIntText(
            value=0,
            min=0,
            max=0,
            description=_("pair #"),
            style=label,
            continuous_update=False,
            layout=w.Layout(width="170px"),
        )
        self.kind = w.Dropdown(description=_("attention"), style=label)
        self.layer = w.Dropdown(description=_("layer"), style=label)
        self.head = w.Dropdown(description=_("head"), style=label)
        self.step = w.IntSlider(description=_("step"), min=0, max=1, continuous_update=False, style=label)
        self.temperature = w.FloatLogSlider(
            value=1.0,
            base=2,
            min=-2,
            max=2,
            step=0.25,
            description=_("temperature"),
            continuous_update=False,
            style=label,  # the whole word, not "temperat..."
        )
        search = [(explorer_phrase("greedy"), "greedy"), (phrase("beam"), "beam")]  # values stay English
        self.search = w.ToggleButtons(options=search, description=_("search"), style=label)
        self.beam = w.IntSlider(value=4, min=2, max=8, description=_("beam size"), style=label, continuous_update=False)
        self.ablate_box = w.HBox()
        self.reset = w.Button(description=phrase("reset"))
        self.show_table = w.Checkbox(value=False, description=phrase("table"), indent=False)
        self.message = w.HTML()
        self.info = w.HTML()
        self.image = named_image(format="png", layout=w.Layout(align_self="flex-start", max_width="100%"))
        self.twin = w.HTML()  # the picture in words
        self.table = w.HTML(layout=w.Layout(display="none", overflow="auto", max_width="100%"))
        self.container = w.VBox(
            [
                focus_style(),
                w.HBox([self.model, self.kind]),
                self.text,
                w.HBox([self.pair, self.split, self.index]),
                w.HBox([self.layer, self.head]),
                w.HBox([self.step, self.temperature]),
                w.HBox([self.search, self.beam]),
                w.HBox([w.Label(phrase("switch_off")), self.ablate_box, self.reset]),
                self.show_table,
                self.message,
                self.info,
                self.image,
                self.twin,
                self.table,
            ]
        )
        self.container.add_class("attention-explorer")
        self.container.add_class(FOCUS_CLASS)
        self.image.add_class("attention-explorer-figure")
        self.message.add_class("attention-explorer-message")
        self._toggles = []
        for _model, corpus in e.models.values():
            e.sources(corpus)  # now, not on the first move to another model
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
        self.reset.on_click(lambda _button: self.act(lambda: e.set_ablated(())))
        self.show_table.observe(lambda _change: self.act(lambda: None), names="value")

    def act(self, action) -> bool:
        """Run one control's callback, then redraw; show any error instead of raising."""
        if self._syncing:
            return False
        with single_thread():  # one sentence, small maps: torch's thread pool only adds waiting
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - shown to the user, the kernel lives on
                self.show_error(exc)
                return False
            return self.refresh()

    def show_error(self, exc: Exception):
        self.message.value = TEXT["error"].format(kind=html.escape(type(exc).__name__), message=html.escape(str(exc)))
        self.image.layout.display = "none"  # no stale figure under an error
        self.info.value = self.twin.value = self.table.value = ""

    def refresh(self) -> bool:
        """Redraw. The picture goes to the page first, in one message (size, text name and
        pixels together, so the page decodes it once); the controls and text follow."""
        try:
            e = self.explorer
            png = e.png()
            title, every = e.describe()
            with self.image.hold_sync():
                self.image.width = str(int.from_bytes(png[16:20], "big"))  # its own size, not stretched
                self.image.tooltip = title  # the picture's name for a screen reader (its title attribute)
                self.image.value = png
                self.image.layout.display = ""
            self.message.value = ""
            self._sync()
            self.info.value = e.summary_html()
            self.twin.value = phrase("twin", summary=html.escape(title), every=html.escape(every))
            self.table.value = e.table_html() if self.show_table.value else ""
            self.table.layout.display = "" if self.show_table.value else "none"
        except Exception as exc:  # noqa: BLE001
            self.show_error(exc)
            return False
        return True

    def _sync(self):
        """Make the controls show the explorer's state (options depend on model and kind)."""
        import ipywidgets as w

        e, s = self.explorer, self.explorer.state
        self._syncing = True
        try:
            n_layers, n_heads = e.shape()[s.kind]
            self.model.value = s.model
            self.kind.options = [(_(KIND_LABELS[k]), k) for k in e.kinds()]
            self.kind.value = s.kind
            self.layer.options = list(range(n_layers))
            self.layer.value = s.layer
            self.head.options = [(phrase("grid"), "all")] + [(str(h), h) for h in range(n_heads)]
            self.head.value = "all" if s.head is None else s.head
            self.step.max = len(e.reading().output)
            self.step.value = s.step
            self.temperature.value = s.temperature
            self.search.value = "greedy" if s.beam_size == 1 else "beam"
            if s.beam_size > 1:
                self.beam.value = s.beam_size
            if " ".join(s.sentence) != self.text.value.strip().lower():
                self.text.value = " ".join(s.sentence)
            self.pair.options = [(phrase("pick"), "")] + [(x[:90], x) for x in e.examples()]
            sentence = " ".join(s.sentence)
            self.pair.value = sentence if any(v == sentence for _label, v in self.pair.options) else ""
            where = e.locate(self.split.value)  # a corpus sentence, however chosen: its split and number follow
            if where is not None and where[0] != self.split.value:
                self.split.value = where[0]
            self.index.max = len(e.corpus[self.split.value]) - 1
            if where is not None:
                self.index.value = where[1]
            wanted = [(s.kind, s.layer, h) for h in range(n_heads)]
            if [t.key for t in self._toggles] != wanted:
                self._toggles = []
                for kind, layer, h in wanted:
                    t = w.ToggleButton(
                        description=explorer_phrase("block", layer=layer, head=h),
                        tooltip=phrase("toggle_tip", head=h, layer=layer),
                    )
                    t.key = (kind, layer, h)
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
