"""What makes the pictures usable without seeing them, or without seeing every colour.

* **Text twins**: :func:`strongest_links` and :func:`describe_weights` say in words what an
  attention picture shows (which key each query word attends to most, with the weight);
  :func:`weights_table_html` writes the weights as an HTML table a screen reader can walk.
* **Colour**: WCAG 2.1 contrast (:func:`contrast`), the two-tone marks drawn over heatmaps
  (``MARK_DARK`` edged, ``MARK_LIGHT`` inside: one of the two always has at least 4.5:1 against
  the cell under it) and :func:`readable_text_colour` for text on a coloured cell.
* **Keyboard**: :func:`focus_style` gives every control of a widget a visible focus ring, keeps
  its keys from JupyterLab's notebook shortcuts and names its sliders.

Every sentence a student reads is a whole template in ``TEXT``, marked for the catalog with ``N_`` and
translated with ``tr`` when it is written (no sentence is built from fragments). Every widget of ``lab`` uses
it (notebooks 00 and 02-10).
"""

from __future__ import annotations

import functools
import html

import numpy as np

from ..i18n import N_, tr

TEXT = {
    "link": "{query} → {key} ({weight:.2f})",  # no words: the same in every language
    "rows": N_("Each row word and the word it attends to most: {links}."),
    "step": N_("At step {step}, {query} attends most to {key} ({weight:.2f}), then {second} ({second_weight:.2f})."),
    "step_one": N_("At step {step}, {query} attends to {key} ({weight:.2f})."),
    "head": N_("In {block}, {query} attends most to {key} ({weight:.2f})"),
    "grid": N_("The word at step {step}, {query}, in every head: {links}."),
    "grid_no_step": N_("The strongest weight of every head: {links}."),
    "block": N_("layer {layer} head {head}"),
    "table_caption": N_("{title}: attention weights, rows are queries, columns are keys"),
    "query_header": N_("query \\ key"),
    "gold_cell": N_("{weight} (gold link)"),
    "figure": N_("Figure: {titles}"),
    "untitled": N_("a figure without a title"),
}


def phrase(name: str, /, **fields) -> str:
    """``TEXT[name]`` in the course's language, its ``{fields}`` filled. (Not ``tr(TEXT["..."])``: babel would
    read the key as a message; it reads the ``N_`` marks above.)"""
    return tr(TEXT[name], **fields)


# Marks drawn over a heatmap (gold alignment boxes, the framed row): a dark outer line and a light
# inner line. For any cell colour one of the two has a WCAG contrast of at least 4.58:1.
MARK_DARK = (0, 0, 0)
MARK_LIGHT = (255, 255, 255)
TEXT_DARK = (0, 0, 0)
TEXT_LIGHT = (255, 255, 255)

# Keyboard focus: ipywidgets' own focus cue is a thin blue border on some controls and none on
# slider handles and buttons; this ring is 2 px, black on white, on every focusable control.
FOCUS_CLASS = "tl-lab"
# (ipywidgets sets ``outline: none !important`` on its text boxes; the tripled class outranks it.)
_RING = f".{FOCUS_CLASS}" * 3
FOCUS_CSS = (
    f"{_RING} :focus-visible, {_RING} .noUi-handle:focus, {_RING} input:focus"
    " { outline: 2px solid #000 !important; outline-offset: 2px !important;"
    " box-shadow: 0 0 0 4px #fff !important; }"
    f" .{FOCUS_CLASS} .tl-sr-only {{ position: absolute; width: 1px; height: 1px; overflow: hidden;"
    " clip: rect(0 0 0 0); white-space: nowrap; }"
    f" .{FOCUS_CLASS} table.tl-weights {{ border-collapse: collapse; font-size: 11px; }}"
    f" .{FOCUS_CLASS} table.tl-weights th, .{FOCUS_CLASS} table.tl-weights td"
    " { border: 1px solid #fff; padding: 1px 4px; text-align: right; }"
    f" .{FOCUS_CLASS} table.tl-weights th {{ background: #fff; color: #000; }}"
)


# ---- colour --------------------------------------------------------------------------------------
def relative_luminance(rgb) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour given as 0-255 integers."""
    c = np.asarray(rgb, dtype=float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a, b) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_text_colour(background) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with ``background`` (always at least 4.58:1)."""
    return max((TEXT_DARK, TEXT_LIGHT), key=lambda c: contrast(c, background))


def hex_colour(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(int(v) for v in rgb))


# ---- text twins -------------------------------------------------------------------------------------
def strongest_links(weights, row_tokens, col_tokens) -> list[tuple[str, str, float]]:
    """(query word, the key word it attends to most, that weight) for every row of ``weights`` (Lq, Lk)."""
    w = np.nan_to_num(np.asarray(weights, dtype=float))
    best = w.argmax(axis=1)
    return [(str(row_tokens[q]), str(col_tokens[k]), float(w[q, k])) for q, k in enumerate(best)]


def describe_weights(weights, row_tokens, col_tokens, step: int | None = None) -> tuple[str, str]:
    """The text twin of one attention picture (Lq, Lk): (a one-sentence summary about the
    query at ``step``, or about the first row without one; every row's strongest link)."""
    w = np.nan_to_num(np.asarray(weights, dtype=float))
    links = strongest_links(w, row_tokens, col_tokens)
    every = phrase("rows", links="; ".join(TEXT["link"].format(query=q, key=k, weight=x) for q, k, x in links))
    q = 0 if step is None else step
    order = np.argsort(-w[q], kind="stable")
    values = dict(step=q + 1, query=row_tokens[q], key=col_tokens[order[0]], weight=w[q, order[0]])
    if len(order) > 1:
        summary = phrase("step", **values, second=col_tokens[order[1]], second_weight=w[q, order[1]])
    else:
        summary = phrase("step_one", **values)
    return summary, every


def describe_grid(maps, row_tokens, col_tokens, step: int | None = None) -> str:
    """The text twin of a layers x heads grid (layers, heads, Lq, Lk): where the query at
    ``step`` attends most in each head (or, without a step, each head's strongest weight)."""
    m = np.nan_to_num(np.asarray(maps, dtype=float))
    links = []
    for layer in range(m.shape[0]):
        for head in range(m.shape[1]):
            w = m[layer, head]
            q, k = (step, int(w[step].argmax())) if step is not None else np.unravel_index(w.argmax(), w.shape)
            block = phrase("block", layer=layer, head=head)
            key, weight = col_tokens[k], w[q, k]
            if step is None:
                links.append(phrase("head", block=block, query=row_tokens[q], key=key, weight=weight))
            else:
                links.append(TEXT["link"].format(query=block, key=key, weight=weight))
    if step is None:
        return phrase("grid_no_step", links="; ".join(links))
    return phrase("grid", step=step + 1, query=row_tokens[step], links="; ".join(links))


def weights_table_html(weights, row_tokens, col_tokens, title: str, lut=None, gold=None) -> str:
    """The weights (Lq, Lk) as an HTML table: a caption, column headers (keys) and row headers
    (queries), each weight with two decimals. With ``lut`` (256 RGB colours) each cell is shaded
    like the picture, its number in black or white, whichever reads better; ``gold`` (Lq, Lk)
    0/1 marks gold links in words, not by colour alone."""
    w = np.nan_to_num(np.asarray(weights, dtype=float))
    g = np.zeros_like(w, dtype=bool) if gold is None else np.asarray(gold).astype(bool)
    styles = _cell_styles(tuple(map(tuple, np.asarray(lut).tolist()))) if lut is not None else None
    index = np.rint(np.clip(w, 0.0, 1.0) * 255).astype(int)
    esc = html.escape
    lines = [f"<table class='tl-weights'><caption>{esc(phrase('table_caption', title=title))}</caption>"]
    head = "".join(f"<th scope='col'>{esc(str(t))}</th>" for t in col_tokens)
    lines.append(f"<thead><tr><th scope='col'>{esc(phrase('query_header'))}</th>{head}</tr></thead><tbody>")
    for q, word in enumerate(row_tokens):
        cells = "".join(
            f"<td{styles[index[q, k]] if styles else ''}>"
            f"{esc(phrase('gold_cell', weight=f'{w[q, k]:.2f}')) if g[q, k] else f'{w[q, k]:.2f}'}</td>"
            for k in range(w.shape[1])
        )
        lines.append(f"<tr><th scope='row'>{esc(str(word))}</th>{cells}</tr>")
    lines.append("</tbody></table>")
    return "".join(lines)


@functools.lru_cache(maxsize=4)
def _cell_styles(lut: tuple) -> list[str]:
    """The style attribute of a table cell for each of the 256 colours: background and readable text."""
    return [f" style='background:{hex_colour(c)};color:{hex_colour(readable_text_colour(c))}'" for c in lut]


# The page code of focus_style(): inside a widget the keys are the widget's (JupyterLab's notebook
# would take Up/Down from a focused list or slider and move between cells, and its single-key
# shortcuts would act on the cell), and each slider handle is named by its label (ipywidgets
# leaves role="slider" without a name).
KEYBOARD_ESM = """
function attach(el, tries) {
  const box = el.closest('.FOCUS_CLASS');
  if (!box) { if (tries < 400) setTimeout(() => attach(el, tries + 1), 25); return; }
  box.setAttribute('data-lm-suppress-shortcuts', 'true');
  // The notebook's own arrow handling runs after the control's: stop the keys a control uses
  // there (not Tab, Escape or shortcuts with Ctrl, Alt or Meta, which stay JupyterLab's).
  box.addEventListener('keydown', e => {
    const own = e.key.length === 1 || /^(Arrow|Page|Home|End|Enter)/.test(e.key);
    if (own && !e.ctrlKey && !e.altKey && !e.metaKey) e.stopPropagation();
  });
  const name = () => box.querySelectorAll('.widget-slider').forEach(slider => {
    const handle = slider.querySelector('.noUi-handle'), label = slider.querySelector('.widget-label');
    const text = label ? label.textContent.trim() : '';
    if (handle && text && handle.getAttribute('aria-label') !== text) handle.setAttribute('aria-label', text);
  });
  name();
  el.__watch = new MutationObserver(name);
  el.__watch.observe(box, {childList: true, subtree: true});
}
export default { render({ el }) { attach(el, 0); return () => el.__watch && el.__watch.disconnect(); } };
""".replace("FOCUS_CLASS", FOCUS_CLASS)


def focus_style():
    """A widget (anywidget) to put in a box whose class is ``FOCUS_CLASS``: it gives every
    control of the box a visible focus ring, keeps the keys typed in the box for its controls
    (arrows in lists and on sliders) and names each slider handle by its label.
    Every widget of lab uses it."""
    return _keyboard_class()(layout={"display": "none"})


@functools.cache
def _keyboard_class():
    import anywidget

    class KeyboardReady(anywidget.AnyWidget):
        _esm = KEYBOARD_ESM
        _css = FOCUS_CSS

    return KeyboardReady


def named_image(**kwargs):
    """An ipywidgets ``Image`` whose ``tooltip`` becomes the picture's accessible name (its title
    attribute). ipywidgets 8.1's page code reads a ``description`` that Image lacks and fails
    to draw an Image with a tooltip; this one carries an empty description. Notebook 08's explorer uses it."""
    return _named_image_class()(**kwargs)


@functools.cache
def _named_image_class():
    import ipywidgets as w
    from traitlets import Unicode

    class NamedImage(w.Image):
        description = Unicode("").tag(sync=True)

    return NamedImage


# ---- figures in JupyterLab carry an alt text ---------------------------------------------------------
def figure_alt(fig) -> str:
    """A figure's accessible name from its own words: suptitle, then each axes' title and labels."""
    parts = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_ylabel() and f"{ax.get_ylabel()} / {ax.get_xlabel()}"]
    words = "; ".join(p for p in parts if p)
    return phrase("figure", titles=words or phrase("untitled"))


def _img(png_base64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{png_base64}">'


def _figure_html(fig):
    from IPython.core.pylabtools import print_figure

    data = print_figure(fig, "png", base64=True)  # the inline backend's own picture
    return _img(data, figure_alt(fig)) if data else None


def _picture_html(image):
    """PIL pictures that name themselves (``image.info["alt"]``, set by the canvas)."""
    import base64
    import io

    if not image.info.get("alt"):
        return None
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return _img(base64.b64encode(buffer.getvalue()).decode(), image.info["alt"])


def name_figures(shell=None) -> None:
    """Show every matplotlib figure, and every canvas picture, as an ``<img>`` with an alt text:
    JupyterLab's image renderer writes none and reads none from a notebook, its HTML renderer
    keeps the one given (the static editions replace it by the figure's caption). Called when
    ``transformer_lite.lab`` is imported in a kernel; a no-op outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    # The inline backend resets the figure formatters when it loads (at the first figure): load it
    # now (once per kernel; a no-op under any other backend), then add ours.
    try:
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:
        pass
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type_by_name("matplotlib.figure", "Figure", _figure_html)
    formatter.for_type_by_name("PIL.Image", "Image", _picture_html)
