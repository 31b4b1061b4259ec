"""Step through a translation and see which source words each output word attended to.

The logic is plain functions, so it is tested and usable without widgets:

* :func:`attend` translates one sentence greedily and returns the attention of every output
  word (the last row is ``<eos>``);
* :func:`step_view` is the callback: ``(sentence, step) -> (info dict, figure)``; an empty
  sentence or an unknown word gives ``{"error": message}`` and no figure, never a traceback;
* :func:`stepper_widget` wires it to ipywidgets (a sentence picker, a text box, a slider).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch

from ..data import Corpus
from ..decode import translate_with_attention
from ..i18n import _, say, tr
from ..model.specials import EOS
from .access import FOCUS_CLASS, focus_style
from .cache import LRUCache
from .viz import FULL_LABEL, plot_attention


@torch.no_grad()
def attend(model, corpus: Corpus, sentence) -> dict:
    """Greedy translation of one sentence with its attention.

    Returns {"source": words, "output": words then "<eos>", "weights": (len(output),
    len(source)) tensor: row i is what output word i attended to (last layer, mean of heads)}.
    Raises ``ValueError`` (from ``Vocab.validate``) for an empty sentence or unknown words.
    """
    source = corpus.src_vocab.validate(sentence)
    out_ids, maps = translate_with_attention(model, corpus.src_vocab.encode(source))
    if "cross" not in maps:
        raise ValueError("this model has no attention: its decoder reads one fixed context vector")
    return {
        "source": source,
        "output": corpus.tgt_vocab.decode(out_ids) + [EOS],
        "weights": maps["cross"][-1].mean(0),
    }


def step_view(model, corpus: Corpus, sentence, step: int, top: int = 3, cache: LRUCache | None = None):
    """The callback: output word number ``step`` (0-based, clamped to the output) of the
    translation of ``sentence``, and what it attended to.

    Returns (info, figure). info: {"source", "output", "step", "word", "weights" (len(source),),
    "top": [(source word, weight)] the ``top`` most attended, "n_steps"}; or {"error": message}
    and figure None for an empty sentence or unknown words. The figure shows the attention
    rows decoded so far, with the current row's weights as bars above. ``cache`` (an
    :class:`~transformer_lite.lab.cache.LRUCache`) keeps translations, keyed by sentence, so that
    moving the slider costs no forward pass. Taught in notebook 02.
    """
    key = " ".join(sentence) if isinstance(sentence, (list, tuple)) else str(sentence)
    try:
        if cache is None:
            result = attend(model, corpus, sentence)
        else:
            result = cache.get(key, lambda: attend(model, corpus, sentence))
    except ValueError as e:
        return {"error": str(e)}, None
    source, output, weights = result["source"], result["output"], result["weights"]
    step = max(0, min(int(step), len(output) - 1))
    row = weights[step]
    order = row.argsort(descending=True)[:top].tolist()
    info = {
        "source": source,
        "output": output,
        "step": step,
        "word": output[step],
        "weights": row,
        "top": [(source[i], float(row[i])) for i in order],
        "n_steps": len(output),
    }
    fig, (ax_bar, ax_map) = plt.subplots(
        2,
        1,
        figsize=(max(5.0, 0.35 * len(source) + 2), 2.2 + 0.28 * len(output)),
        gridspec_kw={"height_ratios": [1, max(1.5, 0.25 * len(output))]},
    )
    ax_bar.bar(range(len(source)), row.numpy(), color="tab:orange")
    ax_bar.set_xlim(-0.5, len(source) - 0.5)
    ax_bar.set_ylim(0, 1)
    ax_bar.set_xticks([])
    ax_bar.set_ylabel(_("weight"))
    ax_bar.set_title(tr("output word {step}/{n}: {word!r} attends to", step=step + 1, n=len(output), word=output[step]))
    shown = torch.zeros_like(weights)
    shown[: step + 1] = weights[: step + 1]  # the rows decoded so far
    plot_attention(shown, output, source, ax=ax_map, cbar=False)
    fig.tight_layout()
    return info, fig


def stepper_widget(model, corpus: Corpus, examples: list[str]):
    """ipywidgets: pick an example or type a sentence, then move the slider through the output
    words. Unknown words are reported with suggestions. Returns the widget to display. Taught in notebook 02."""
    import ipywidgets as w
    from IPython.display import display

    pick = w.Dropdown(options=examples, description=_("example"), style=FULL_LABEL)
    text = w.Text(value=examples[0], description=_("sentence"), layout=w.Layout(width="95%"), style=FULL_LABEL)
    # Counted from 1, like the picture's title "output word 3/12"; the maximum follows the translation.
    step = w.IntSlider(value=1, min=1, max=1, description=_("output word"), style=FULL_LABEL)
    out = w.Output()
    cache = LRUCache(64)  # sentence -> attend(...)

    def redraw(*_args):
        with out:
            out.clear_output(wait=True)
            info, fig = step_view(model, corpus, text.value, step.value - 1, cache=cache)
            if fig is None:
                say("Cannot translate: {error}", error=info["error"])  # the error itself is English (data.Vocab)
                return
            if step.max != len(info["output"]):
                step.max = len(info["output"])
            say("source : {words}", words=" ".join(info["source"]))
            say("output : {words}", words=" ".join(info["output"][: info["step"] + 1]))
            say("attends: {links}", links=", ".join(f"{word} ({weight:.2f})" for word, weight in info["top"]))
            display(fig)
            plt.close(fig)

    def new_sentence(*_args):
        step.value = 1
        redraw()

    pick.observe(lambda change: setattr(text, "value", change["new"]), names="value")
    text.observe(new_sentence, names="value")
    step.observe(redraw, names="value")
    redraw()
    box = w.VBox([pick, text, step, out, focus_style()])
    box.add_class(FOCUS_CLASS)  # every control is a native input; this makes its focus visible
    return box
