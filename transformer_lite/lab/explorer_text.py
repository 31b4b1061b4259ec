"""Every sentence the attention explorer (notebook 08) shows a student, whole and in one place,
so that a translation (gettext) can replace each one: templates with named fields, never a
sentence glued together from fragments. Each is marked for the catalog with ``N_`` and translated
with ``_``/``tr`` when it is shown (the language may change between two calls)."""

from ..i18n import N_, tr

# The picture's titles and the lines under the controls (explorer.py).
TEXT = {
    "title_head": N_("{model} · {kind} · layer {layer} head {head} · {settings}"),
    "title_head_off": N_("{model} · {kind} · layer {layer} head {head} (switched off) · {settings}"),
    "title_grid": N_("{model} · {kind} · all layers x heads · {settings}"),
    "block": N_("L{layer} H{head}"),
    "block_off": N_("L{layer} H{head} off"),
    "greedy": N_("greedy"),
    "beam": N_("beam {size}"),
    "temperature": N_("temperature {value:.3g}"),
    "head_off": N_("{n} head off"),
    "heads_off": N_("{n} heads off"),
    "grid_table": N_("{title}, the word at the framed step ({query}) in every head"),
    "step_word": "<b style='background:#ffe08a'>{word}</b>",  # no words: the same in every language
    "source": N_("<b>source</b> ({n} words): {words}"),
    "output": N_("<b>output</b> ({search}): {words}"),
    "reference": N_("<b>reference</b>: {words}"),
    "scores": N_("<b>sentence BLEU</b>: {bleu:.1f}, <b>chrF</b>: {chrf:.1f} (unchanged model: BLEU {baseline:.1f})"),
    "no_reference": N_("<i>not in the corpus: no reference, no BLEU</i>"),
    "none": N_("none"),
    "intervention": N_(
        "<b>intervention</b>: temperature {temperature:g}, heads off: {off}; unchanged model says: {baseline}"
    ),
}


def phrase(name: str, /, **fields) -> str:
    """``TEXT[name]`` in the course's language, its ``{fields}`` filled. (Not ``tr(TEXT["..."])``: babel would
    read the key as a message; it reads the ``N_`` marks above.)"""
    return tr(TEXT[name], **fields)


KIND_LABELS = {
    "enc_self": N_("encoder self-attention"),
    "dec_self": N_("decoder self-attention"),
    "cross": N_("cross-attention"),
}
AXES = {  # what the rows (queries) and columns (keys) of each kind of map are
    "enc_self": N_("rows: source words (queries) · columns: source words (keys)"),
    "dec_self": N_("rows: output words (queries) · columns: decoder inputs, <bos> and the words written so far (keys)"),
    "cross": N_("rows: output words (queries) · columns: source words (keys)"),
}
