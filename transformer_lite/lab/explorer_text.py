"""Every sentence the attention explorer (notebook 08) shows a student, whole and in one place,
so that a translation (gettext) can replace each one: templates with named fields, never a
sentence glued together from fragments."""

# The picture's titles and the lines under the controls (explorer.py).
TEXT = {
    "title_head": "{model} · {kind} · layer {layer} head {head} · {settings}",
    "title_head_off": "{model} · {kind} · layer {layer} head {head} (switched off) · {settings}",
    "title_grid": "{model} · {kind} · all layers x heads · {settings}",
    "block": "L{layer} H{head}",
    "block_off": "L{layer} H{head} off",
    "greedy": "greedy",
    "beam": "beam {size}",
    "temperature": "temperature {value:.3g}",
    "head_off": "{n} head off",
    "heads_off": "{n} heads off",
    "grid_table": "{title}, the word at the framed step ({query}) in every head",
    "step_word": "<b style='background:#ffe08a'>{word}</b>",
    "source": "<b>source</b> ({n} words): {words}",
    "output": "<b>output</b> ({search}): {words}",
    "reference": "<b>reference</b>: {words}",
    "scores": "<b>sentence BLEU</b>: {bleu:.1f}, <b>chrF</b>: {chrf:.1f} (unchanged model: BLEU {baseline:.1f})",
    "no_reference": "<i>not in the corpus: no reference, no BLEU</i>",
    "none": "none",
    "intervention": (
        "<b>intervention</b>: temperature {temperature:g}, heads off: {off}; unchanged model says: {baseline}"
    ),
}
KIND_LABELS = {"enc_self": "encoder self-attention", "dec_self": "decoder self-attention", "cross": "cross-attention"}
AXES = {  # what the rows (queries) and columns (keys) of each kind of map are
    "enc_self": "rows: source words (queries) · columns: source words (keys)",
    "dec_self": "rows: output words (queries) · columns: decoder inputs, <bos> and the words written so far (keys)",
    "cross": "rows: output words (queries) · columns: source words (keys)",
}
