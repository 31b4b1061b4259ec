"""The model's door checks: what its entry points (the configs, the constructors, ``forward`` and
``start``, the attention functions) check before the paper's computation runs. A student reading the
model need not read this file: each door there is one line that calls a function here.

Every check raises a ``ValueError`` or ``TypeError`` whose message names the argument, shows its
value (shortened) and says what would work. Types, dtypes and shapes cost microseconds. Tensor values
are scanned only where they enter the model (token ids, once per ``forward`` or ``start``); NaN or inf
in an attention's result costs one sum (:func:`finite`), and only then are its inputs scanned, to name
the one at fault. The package's other checks (:mod:`transformer_lite.checks`) build on the primitives
at the top of this file.
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import torch

from .specials import SPECIALS

# Below MIN_TEMPERATURE every map is one-hot already, and far below it the scores overflow to
# inf and the softmax returns NaN; above MAX_TEMPERATURE every map is uniform.
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 1e6
ATTENTION_KINDS = ("enc_self", "dec_self", "cross", "self")  # what an Intervention may switch heads off in


# ---- primitives ----------------------------------------------------------------------------------
def show(value, limit: int = 60) -> str:
    """repr(value), cut to ``limit`` characters with a count of what was left out."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str) else f"{len(text):,} characters of repr"
    return f"{text[: limit - 3]}... ({size})"


def integer(name: str, value, minimum: int | None = 1, maximum: int | None = None) -> int:
    """An int (not a bool, not a float) in [minimum, maximum] (None: no bound)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        at_least = "" if minimum is None else f" >= {minimum}"
        raise TypeError(f"{name} must be a whole number{at_least}; got {show(value)} ({type(value).__name__})")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ValueError(f"{name} must be {bound}; got {value}")
    return int(value)


def number(name: str, value, low: float, high: float, low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number in the interval low..high (ends closed unless ``*_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {show(value)} ({type(value).__name__})")
    v = float(value)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if not math.isfinite(v) or too_low or too_high:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}; got {value}")
    return v


def probability(name: str, value) -> float:
    """A dropout-style probability in [0, 1)."""
    return number(name, value, 0.0, 1.0, high_open=True)


def temperature(value, name: str = "temperature") -> float:
    """None means 1 (no change); otherwise a number in [MIN_TEMPERATURE, MAX_TEMPERATURE]."""
    if value is None:
        return 1.0
    if isinstance(value, float) and MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        return value  # the common case, checked in nanoseconds
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {show(value)} ({type(value).__name__})")
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:  # NaN fails this too
        raise ValueError(
            f"{name} must be positive and finite, from {MIN_TEMPERATURE:g} (sharp) to {MAX_TEMPERATURE:g} "
            f"(uniform); got {value}"
        )
    return float(value)


def flag(name: str, value) -> bool:
    """True or False, nothing truthy: ``"no"`` would read as True."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {show(value)} ({type(value).__name__})")
    return value


def tensor(name: str, value, dims: tuple[int, ...] | None = None, floating: bool = True) -> torch.Tensor:
    """A tensor of floating dtype (or integer dtype when ``floating`` is False) with a number of
    dimensions in ``dims``."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(value).__name__} (try torch.tensor({name}))")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {value.dtype} (try {name}.float())")
    if not floating and (value.is_floating_point() or value.is_complex() or value.dtype == torch.bool):
        raise TypeError(f"{name} must hold integer ids; got dtype {value.dtype} (try {name}.long())")
    if dims is not None and value.dim() not in dims:
        want = " or ".join(str(d) for d in dims)
        raise ValueError(f"{name} must have {want} dimensions; got shape {tuple(value.shape)}")
    return value


def bool_mask(name: str, mask, target: tuple[int, ...], hint: str = "") -> torch.Tensor:
    """A bool mask (True = may attend) that broadcasts to ``target``. Plain loops, not
    torch.broadcast_shapes: this runs at every decoding step."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"{name} must be a bool torch.Tensor (True = may attend); got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(
            f"{name} must be a bool tensor (True = may attend); got dtype {mask.dtype}. Convert 0/1 numbers with "
            f"{name}.bool(), an additive float mask (0 = attend, -inf = blocked) with {name} == 0"
        )
    ok = mask.dim() <= len(target) and all(m in (1, t) for m, t in zip(reversed(mask.shape), reversed(target)))
    if not ok:
        raise ValueError(f"{name} of shape {tuple(mask.shape)} does not broadcast to {target}{hint}")
    return mask


def ids(name: str, value, vocab_size: int) -> torch.Tensor:
    """(batch, L) integer token ids in [0, vocab_size) (scans the values: entry points only)."""
    tensor(name, value, dims=(2,), floating=False)
    if value.numel() and (int(value.min()) < 0 or int(value.max()) >= vocab_size):
        raise ValueError(
            f"{name} holds ids from {int(value.min())} to {int(value.max())}; this model's vocabulary has "
            f"ids 0 to {vocab_size - 1} (encode words with the model's Vocab)"
        )
    return value


def key_mask(name: str, mask, ids_: torch.Tensor) -> torch.Tensor:
    """A (batch, L) bool mask, True for real tokens, the shape of the ids it belongs to."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        bool_mask(name, mask, tuple(ids_.shape))  # raises with the conversion hint
    if mask.shape != ids_.shape:
        raise ValueError(f"{name} must have the shape of its ids {tuple(ids_.shape)}; got {tuple(mask.shape)}")
    return mask


def key_padding(mask) -> None:
    """A (batch, Lk) bool key padding mask, True for real tokens."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        bool_mask("key_mask", mask, ())  # names a type or dtype problem
    if mask.dim() != 2:
        raise ValueError(f"key_mask must be (batch, Lk); got shape {tuple(mask.shape)}")


def finite(result: torch.Tensor, **inputs) -> torch.Tensor:
    """``result`` itself, unless it holds NaN or inf: then a ValueError naming the input (of
    ``inputs``) that does, or saying the numbers overflowed. One sum over the result: a NaN or inf
    anywhere makes it non-finite (a false alarm from a huge but finite sum is ruled out below)."""
    if math.isfinite(result.detach().sum()):
        return result
    for name, value in inputs.items():
        if isinstance(value, torch.Tensor) and not bool(torch.isfinite(value).all()):
            name = {"q": "q (the query)", "k": "k (the key)", "v": "v (the value)"}.get(name, name)
            raise ValueError(f"{name} holds NaN or inf values; attention over them would be NaN: fix the input first")
    if not bool(torch.isfinite(result).all()):
        raise ValueError(f"attention over {', '.join(inputs)} overflowed to inf or NaN: scale the inputs down")
    return result


def module_input(module, name: str, value, width: tuple[str, int]) -> None:
    """(batch, L, width) floating tensor of the module's own dtype (its first weight's)."""
    tensor(name, value)
    label, size = width
    if value.dim() != 3 or value.shape[-1] != size:
        raise ValueError(f"{name} must be (batch, L, {label}={size}); got {tuple(value.shape)}")
    dtype = next(module.parameters()).dtype
    if value.dtype != dtype:
        raise TypeError(f"{name} is {value.dtype} but the module's weights are {dtype}: convert with .to({dtype})")


# ---- configs and constructors --------------------------------------------------------------------
def positional_sizes(cls, args: tuple) -> None:
    """A stack config takes its two vocabulary sizes by position and every other field by name."""
    if len(args) > 2:  # the generated __init__ would say only "takes 3 positional arguments"
        raise TypeError(
            f"{cls.__name__} takes the two vocabulary sizes by position and every other field by name, e.g. "
            f"{cls.__name__}(src_vocab_size, tgt_vocab_size, d_model=64, n_heads=4); got {len(args)} positional "
            f"values {show(args)}"
        )


def config(cfg) -> None:
    """Every field of a model config, by its type: vocabulary sizes leave room for one word besides the
    specials, layer counts (``LAYER_FIELDS``) may be 0, other sizes are >= 1, dropout is a probability,
    flags are True or False, a text field is one of ``CHOICES``; heads divide d_model, which is even."""
    for f in dataclasses.fields(cfg):
        value, kind = getattr(cfg, f.name), str(f.type)
        if f.name.endswith("vocab_size"):
            integer(f.name, value, minimum=len(SPECIALS) + 1)
        elif kind == "int":
            integer(f.name, value, minimum=0 if f.name in getattr(cfg, "LAYER_FIELDS", ()) else 1)
        elif kind == "float":
            probability(f.name, value)
        elif kind == "bool":
            flag(f.name, value)
        elif value not in cfg.CHOICES[f.name]:
            raise ValueError(f"unknown {f.name} {value!r}: choose one of {', '.join(cfg.CHOICES[f.name])}")
    if hasattr(cfg, "n_heads"):
        heads(cfg.d_model, cfg.n_heads, cfg.dropout)
        if cfg.d_model % 2:
            raise ValueError(f"d_model={cfg.d_model} must be even (sinusoidal positions come in sin/cos pairs)")


def model_config(model, config) -> None:
    """A model is built from its own config class."""
    if not isinstance(config, model.config_class):
        raise TypeError(
            f"config must be a {model.config_class.__name__}; got {show(config)} ({type(config).__name__}). "
            "transformer_lite.model.build_model(config) builds the model a config describes"
        )


def heads(d_model, n_heads, dropout) -> None:
    """Multi-head attention's sizes: d_model splits evenly into n_heads heads."""
    d_model, n_heads = integer("d_model", d_model), integer("n_heads", n_heads)
    probability("dropout", dropout)
    if d_model % n_heads:
        raise ValueError(
            f"d_model={d_model} is not divisible by n_heads={n_heads}: each head needs d_model / n_heads "
            f"dimensions (try n_heads in {[h for h in range(1, 17) if d_model % h == 0]})"
        )


def sizes(**values) -> None:
    """Layer sizes: whole numbers >= 1."""
    for name, value in values.items():
        integer(name, value)


# ---- what the models' entry points are given ----------------------------------------------------
def translation_inputs(model, src, src_mask, tgt_in=None, intervene=None) -> None:
    """One scan of the ids: src (batch, S) and tgt_in (batch, T) inside the model's vocabularies,
    src_mask a bool mask of src's shape with a real word in every row, one target per source, and
    an intervention that fits the model's ``attention_shape()``."""
    key_mask("src_mask", src_mask, ids("src", src, model.config.src_vocab_size))
    empty = ~src_mask.any(dim=1)
    if bool(empty.any()):
        raise ValueError(
            f"src row {int(empty.nonzero()[0])} is all padding (src_mask has no True in it): there is nothing to "
            "translate; give every row at least one word"
        )
    if tgt_in is not None:
        ids("tgt_in", tgt_in, model.config.tgt_vocab_size)
        if tgt_in.shape[0] != src.shape[0]:
            raise ValueError(f"tgt_in has {tgt_in.shape[0]} rows but src has {src.shape[0]}: one target per source")
    if intervene is not None:
        fits(intervene, model.attention_shape())


def lm_inputs(model, token_ids, intervene) -> None:
    """A language model's door: (batch, L) ids of its vocabulary, an intervention that fits it."""
    ids("ids", token_ids, model.config.vocab_size)
    fits(intervene, model.attention_shape())


def intervention(iv) -> float:
    """An Intervention's fields -> its temperature as a float."""
    if not isinstance(iv.head_mask, dict):
        raise TypeError(f"head_mask must be a dict {{kind: (layers, heads)}}; got {show(iv.head_mask)}")
    for kind, m in iv.head_mask.items():
        if kind not in ATTENTION_KINDS:
            raise ValueError(f"head_mask has an unknown kind {show(kind)}: use {', '.join(ATTENTION_KINDS)}")
        tensor(f"head_mask[{kind!r}]", m, dims=(2,))
        if not bool(torch.isfinite(m).all()):
            raise ValueError(f"head_mask[{kind!r}] holds NaN or inf: use 1 to keep a head, 0 to switch it off")
    return temperature(iv.temperature)


def layer_temperature(value) -> None:
    """A LayerIntervention's temperature: a number (it is used as it is; None is not read as 1)."""
    if value is None:
        raise TypeError(f"temperature must be a number from {MIN_TEMPERATURE:g} to {MAX_TEMPERATURE:g}; got None "
                        "(leave it out for 1, no change)")  # fmt: skip
    temperature(value)


def fits(iv, shape: dict[str, tuple[int, int]]) -> None:
    """Each head mask must be ``(layers, heads)`` of a kind of attention the model has (``shape``:
    the model's ``attention_shape()``)."""
    for kind, m in iv.head_mask.items():
        if tuple(m.shape) != shape.get(kind):
            raise ValueError(
                f"head_mask[{kind!r}] has shape {tuple(m.shape)}; this model's {kind!r} attention is "
                f"{shape.get(kind, 'absent')} (layers, heads)"
            )


def layer_intervention(iv, kind: str | None, n_heads: int) -> None:
    """What one attention is told (a LayerIntervention): a temperature, and for its kind a (heads,)
    mask of 0/1 numbers."""
    layer_temperature(iv.temperature)
    m = iv.head_mask.get(kind)
    if m is not None and (not isinstance(m, torch.Tensor) or tuple(m.shape) != (n_heads,)):
        got = tuple(m.shape) if isinstance(m, torch.Tensor) else type(m).__name__
        raise ValueError(f"head_mask[{kind!r}] must be a tensor of shape (n_heads,) = ({n_heads},), 0 = off; got {got}")
    if m is not None and not bool(torch.isfinite(m).all()):
        raise ValueError(f"head_mask[{kind!r}] holds NaN or inf: use 1 to keep a head, 0 to switch it off")


# ---- the attention functions -----------------------------------------------------------------------
def attention(q, k, v, mask, dropout_p, scale) -> None:
    """Types, shapes and dtypes of :func:`scaled_dot_product_attention`'s arguments (no value scan)."""
    for name, t in (("q", q), ("k", k), ("v", v)):
        tensor(name, t)
        if t.dim() < 2:
            raise ValueError(f"q, k, v need shape (..., L, E); got {name} {tuple(t.shape)}")
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(
            f"q, k, v need one dtype; got q {q.dtype}, k {k.dtype}, v {v.dtype} (convert with .to(q.dtype))"
        )
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            "q and k must share their last dimension E (the dot product runs over it); "
            f"got q {tuple(q.shape)}, k {tuple(k.shape)}"
        )
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"k and v need the same number of keys Lk; got k {tuple(k.shape)} and v {tuple(v.shape)}")
    if mask is not None:
        batch = torch.broadcast_shapes(q.shape[:-2], k.shape[:-2])
        bool_mask("mask", mask, tuple(batch) + (q.shape[-2], k.shape[-2]))
    if dropout_p != 0.0:
        probability("dropout_p", dropout_p)
    if scale is not None:
        number("scale", scale, 0.0, 1e4, low_open=True)


def keys_values(mha, key, value) -> None:
    """Multi-head attention's key and value: (batch, Lk, d_model) of the module's dtype."""
    module_input(mha, "key", key, ("d_model", mha.d_model))
    module_input(mha, "value", value, ("d_model", mha.d_model))
    if key.shape[:2] != value.shape[:2]:
        raise ValueError(
            f"key and value need the same length (and batch); got key {tuple(key.shape)}, value {tuple(value.shape)}"
        )


def attend(mha, query, keys_values, mask, intervene) -> None:
    """Multi-head attention's query (batch, Lq, d_model), its keys and values (batch, heads, Lk,
    d_k) for the same batch, a bool mask broadcastable to (batch, heads, Lq, Lk), and what the
    experiment tells it."""
    module_input(mha, "query", query, ("d_model", mha.d_model))
    if not hasattr(intervene, "head_mask"):
        raise TypeError(f"intervene must be a LayerIntervention (temperature, head_mask); got {show(intervene)}")
    k = keys_values[0]
    if k.shape[0] != query.shape[0]:
        raise ValueError(f"query has {query.shape[0]} rows but key and value have {k.shape[0]}: batch must match")
    if mask is not None:
        hint = " (batch, heads, Lq, Lk); a key padding mask (batch, Lk) needs [:, None, None, :]"
        bool_mask("mask", mask, (query.shape[0], mha.n_heads, query.shape[1], k.shape[2]), hint)
    if intervene.temperature != 1.0 or intervene.head_mask:
        layer_intervention(intervene, mha.kind, mha.n_heads)


def additive(module, query, keys, values, mask, intervene) -> None:
    """Additive attention's arguments: query (batch, Lq, query_dim), keys (batch, Lk, key_dim) and
    values (batch, Lk, Ev) for one batch, a (batch, Lk) bool mask, a temperature."""
    module_input(module, "query", query, ("query_dim", module.w_q.in_features))
    module_input(module, "keys", keys, ("key_dim", module.w_k.in_features))
    tensor("values", values, dims=(3,))
    if keys.shape[:2] != values.shape[:2] or query.shape[0] != keys.shape[0]:
        raise ValueError(
            f"values must be (batch, Lk, Ev) like keys (batch, Lk, ...) and query (batch, ...); got query "
            f"{tuple(query.shape)}, keys {tuple(keys.shape)}, values {tuple(values.shape)}"
        )
    if mask is not None:
        key_mask("mask", mask, keys[..., 0])
    if not hasattr(intervene, "temperature"):
        raise TypeError(f"intervene must be a LayerIntervention (temperature, head_mask); got {show(intervene)}")
    layer_temperature(intervene.temperature)


def positions(module, x, where) -> None:
    """PositionalEncoding's input: (batch, L, d_model), and each vector's position (batch, L)."""
    if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[-1] != module.d_model:
        raise ValueError(f"expected (batch, L, d_model={module.d_model}); got {tuple(getattr(x, 'shape', ()))}")
    if where is not None and where.shape != x.shape[:2]:
        raise ValueError(f"positions must be (batch, L) = {tuple(x.shape[:2])}; got {tuple(where.shape)}")


def extrapolation(module, length: int) -> None:
    """Sinusoids extend past the table; learned positions cannot."""
    if module.learned:
        raise ValueError(
            f"sequence of length {length} is longer than the learned positional table "
            f"(max_len={module.max_len}): learned positions cannot extrapolate"
        )


def even(d_model: int) -> None:
    if d_model % 2:
        raise ValueError(f"d_model={d_model} must be even for sin/cos pairs")
