"""Adversarial probes of the public API: bad and edge inputs, each outcome classified.

Every probe states what its input should give: ``error`` (refused with a package error whose
message names the parameter), ``ok`` (a result that means what the docs say, checked) or
``either`` (an edge case: a checked result or a clear error). The classifier sorts each
outcome into one class:

* handled      a valid result (and, where the input is valid, the documented one)
* clear        ValueError/TypeError/FileNotFoundError/... raised in package code, the message short
               and naming the parameter (and never advising ``weights_only=False``)
* unclear      a package error that does not name the parameter, is too long, or is an accident
               (ZeroDivisionError, KeyError, ... raised by package code)
* deep         the innermost frame is outside the package (torch, numpy, the standard library)
               or a torch runtime error escaped a public function
* silent_wrong a result where an error was due, or a result that contradicts the docs
* nan          NaN or inf in a result
* missing      the public function does not exist (only in older versions of the package)

The suite asserts that no probe lands in a bad class and writes the counts by class to
``test-artifacts/bad_inputs.json`` (or ``$BAD_INPUTS_JSON``).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import math
import os
import pickle
import re
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import transformer_lite

PACKAGE_DIR = Path(transformer_lite.__file__).resolve().parent
MAX_MESSAGE = 400  # characters: an error message a student reads, not a dump
GOOD = {"handled", "clear"}
BAD = ("unclear", "deep", "silent_wrong", "nan", "missing")

# Where each public name lives (one table, so the suite can also run against older layouts).
API = {
    "scaled_dot_product_attention": "model.attention",
    "AdditiveAttention": "model.attention",
    "MultiHeadAttention": "model.attention",
    "Intervention": "model.attention",
    "LayerIntervention": "model.attention",
    "causal_mask": "model.attention",
    "attention_mask": "model.attention",
    "TransformerConfig": "model",
    "RNNConfig": "model",
    "build_model": "model",
    "GPTConfig": "model",
    "Transformer": "model",
    "GPT": "model",
    "Seq2Seq": "model",
    "save_checkpoint": "checkpoints",
    "load_checkpoint": "checkpoints",
    "Translator": "lm",
    "generate_sentences": "grammar",
    "temperature_demo": "lab.demos",
    "tokenize": "data",
    "Vocab": "data",
    "collate": "data",
    "load_corpus": "data",
    "TranslationDataset": "data",
    "build": "grammar",
    "greedy_decode": "decode",
    "beam_search": "decode",
    "translate_ids": "decode",
    "translate": "decode",
    "filter_logits": "sample",
    "sample_decode": "sample",
    "sample_ids": "sample",
    "exact_match": "metrics",
    "corpus_bleu": "metrics",
    "sentence_score": "metrics",
    "fit": "train",
    "TrainConfig": "train",
    "evaluate_loss": "train",
    "warmup_lr": "train",
    "seed_everything": "config",
    "fast_mode": "config",
    "pick_device": "config",
    "get_recipe": "recipes",
    "load_pretrained": "recipes",
    "AttentionExplorer": "lab.explorer",
}


class Missing(Exception):
    """The public name is not there."""


def api(name: str):
    try:
        return getattr(importlib.import_module(f"transformer_lite.{API[name]}"), name)
    except (ImportError, AttributeError) as e:
        raise Missing(f"{name}: {e}") from None


# ---- probes and the classifier ----------------------------------------------------------------
@dataclass
class Probe:
    name: str
    call: Callable[[], Any]
    expect: str  # "error", "ok" or "either"
    param: str | tuple[str, ...] = ()  # regex(es) an error message must match (identifiers as words)
    check: Callable[[Any], bool] | None = None  # the documented meaning of a result


def bad(name, call, param) -> Probe:
    return Probe(name, call, "error", param)


def ok(name, call, check=None) -> Probe:
    return Probe(name, call, "ok", (), check)


def either(name, call, param, check=None) -> Probe:
    return Probe(name, call, "either", param, check)


def _names(message: str, param) -> bool:
    patterns = param if isinstance(param, tuple) else (param,)
    return all(re.search(rf"\b{p}\b" if p.isidentifier() else p, message) for p in patterns)


def _finite(x, depth: int = 0) -> bool:
    if depth > 6:
        return True
    if isinstance(x, torch.Tensor):
        return not (x.is_floating_point() or x.is_complex()) or bool(torch.isfinite(x).all())
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, dict):
        return all(_finite(v, depth + 1) for v in x.values())
    if isinstance(x, (list, tuple, set, frozenset)):
        return all(_finite(v, depth + 1) for v in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return all(_finite(getattr(x, f.name), depth + 1) for f in dataclasses.fields(x))
    return True


# The exception types a deliberate check raises (FloatingPointError: a diverging loss).
ACCEPTED = (ValueError, TypeError, FileNotFoundError, FileExistsError, FloatingPointError, PermissionError)
# Errors that come from torch's C++ core, the interpreter or a parser, never from a decision.
_DEEP_TYPES = (RuntimeError, IndexError, EOFError, pickle.UnpicklingError, OverflowError, MemoryError)


def classify_error(e: BaseException, probe: Probe) -> tuple[str, str]:
    if isinstance(e, Missing):
        return "missing", str(e)
    frames = traceback.extract_tb(e.__traceback__)
    where = Path(frames[-1].filename).resolve() if frames else None
    message = f"{type(e).__name__}: {e}"
    short = message[:200]
    if where is None or PACKAGE_DIR not in where.parents:
        return "deep", f"{short} (raised in {where})"
    if isinstance(e, _DEEP_TYPES) and not isinstance(e, (ValueError, TypeError)):
        return "deep", short
    if not isinstance(e, ACCEPTED) or isinstance(e, UnicodeError):
        return "unclear", short
    if len(str(e)) > MAX_MESSAGE:
        return "unclear", f"message of {len(str(e))} characters: {short}"
    if re.search(r"weights_only.{0,40}False", str(e), re.S):
        return "unclear", f"advises weights_only=False: {short}"
    if probe.expect == "ok":
        return "silent_wrong", f"valid input refused: {short}"
    if not _names(str(e), probe.param):
        return "unclear", f"does not name {probe.param}: {short}"
    return "clear", short


def classify(probe: Probe) -> tuple[str, str]:
    try:
        result = probe.call()
    except Exception as e:  # noqa: BLE001 - classifying every outcome is the point
        return classify_error(e, probe)
    if not _finite(result):
        return "nan", "NaN or inf in the result"
    if probe.expect == "error":
        return "silent_wrong", f"accepted, returned {_short(result)}"
    if probe.check is not None and not probe.check(result):
        return "silent_wrong", f"result contradicts the docs: {_short(result)}"
    return "handled", _short(result)


def _short(x) -> str:
    text = repr(x)
    return text if len(text) < 120 else text[:117] + "..."


# ---- shared inputs (built lazily, once) --------------------------------------------------------
@functools.cache
def corpus():
    return api("load_corpus")("fr")


@functools.cache
def tiny_model():
    torch.manual_seed(0)
    c = corpus()
    config = api("TransformerConfig")(
        src_vocab_size=len(c.src_vocab),
        tgt_vocab_size=len(c.tgt_vocab),
        d_model=16,
        n_heads=2,
        n_encoder_layers=1,
        n_decoder_layers=1,
        d_ff=32,
        dropout=0.0,
    )
    return api("build_model")(config).eval()


@functools.cache
def pretrained():
    model, _ = api("load_pretrained")("transformer", "fr", device=torch.device("cpu"))
    return model.eval()


def explorer(sentence: str | None = "the dog sleeps"):
    return api("AttentionExplorer")({"transformer": (pretrained(), corpus())}, sentence)


def tiny_set(n: int = 8):
    c = corpus()
    return api("TranslationDataset")(c["train"][:n], c.src_vocab, c.tgt_vocab)


def qkv(b=1, lq=3, lk=4, e=8, dtype=torch.float32):
    g = torch.Generator().manual_seed(0)
    return (torch.randn(b, lq, e, generator=g, dtype=dtype), torch.randn(b, lk, e, generator=g, dtype=dtype),
            torch.randn(b, lk, e, generator=g, dtype=dtype))  # fmt: skip


def src_batch():
    c = corpus()
    src = torch.tensor([c.src_vocab.encode("the dog sleeps"), c.src_vocab.encode("a cat sees the dog")[:3]])
    return src, src != 0


def with_env(name: str, value: str | None, f):
    old = os.environ.get(name)
    try:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
        return f()
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def zero_rows(out_weights) -> bool:
    """Row 0 of a fully masked query: zero weights and zero output."""
    out, w = out_weights
    return bool((w[..., 0, :] == 0).all() and (out[..., 0, :] == 0).all())


def _forward(intervene):
    """The tiny model's teacher-forced forward under an intervention."""
    src, mask = src_batch()
    return tiny_model()(src, mask, src, intervene=intervene)[0]


def sdpa(*args, **kw):
    return api("scaled_dot_product_attention")(*args, **kw)


def mha(d_model=8, n_heads=2, **kw):
    torch.manual_seed(0)
    return api("MultiHeadAttention")(d_model, n_heads, **kw)


def layer(**kw):
    """What one attention is told by an experiment (temperature, heads switched off)."""
    return api("LayerIntervention")(**kw)


def additive():
    torch.manual_seed(0)
    return api("AdditiveAttention")(8, 8, 8)


# ---- the probes ----------------------------------------------------------------------------------
def attention_probes() -> list[Probe]:
    q, k, v = qkv()
    row_blocked = torch.ones(3, 4, dtype=torch.bool)
    row_blocked[0] = False
    int_mask = torch.tensor([[1, 1, 0, 0]] * 3)
    float_mask = torch.zeros(3, 4).masked_fill(~row_blocked, -math.inf)
    p = [
        ok("sdpa plain", lambda: sdpa(q, k, v)),
        ok("sdpa bool mask, one row fully blocked -> zeros", lambda: sdpa(q, k, v, row_blocked), zero_rows),
        ok(
            "sdpa all keys blocked -> zeros",
            lambda: sdpa(q, k, v, torch.zeros(3, 4, dtype=torch.bool)),
            lambda r: bool((r[0] == 0).all() and (r[1] == 0).all()),
        ),  # fmt: skip
        ok(
            "sdpa causal + fully blocked row", lambda: sdpa(q, k, v, row_blocked & api("causal_mask")(4)[:3]), zero_rows
        ),
        bad("sdpa huge q and k overflow the scores", lambda: sdpa(q * 1e38, k * 1e38, v), ("q", "overflowed")),
        bad("sdpa int64 0/1 mask", lambda: sdpa(q, k, v, int_mask), "mask"),
        bad("sdpa uint8 mask", lambda: sdpa(q, k, v, int_mask.to(torch.uint8)), "mask"),
        bad("sdpa float 0/-inf mask", lambda: sdpa(q, k, v, float_mask), "mask"),
        bad("sdpa float mask, whole row -inf", lambda: sdpa(q, k, v, torch.full((3, 4), -math.inf)), "mask"),
        bad("sdpa float mask of ones", lambda: sdpa(q, k, v, torch.ones(3, 4)), "mask"),
        bad("sdpa mask wrong shape", lambda: sdpa(q, k, v, torch.ones(3, 5, dtype=torch.bool)), "mask"),
        bad("sdpa mask as list", lambda: sdpa(q, k, v, [[True] * 4] * 3), "mask"),
        bad("sdpa int q", lambda: sdpa(q.long(), k, v), "q"),
        bad("sdpa bool k", lambda: sdpa(q, k > 0, v), "k"),
        bad("sdpa float64 q with float32 k", lambda: sdpa(q.double(), k, v), "dtype"),
        bad("sdpa q as list", lambda: sdpa(q.tolist(), k, v), "q"),
        bad("sdpa v as numpy", lambda: sdpa(q, k, v.numpy()), "v"),
        bad("sdpa 1-D q", lambda: sdpa(q[0, 0], k, v), "q"),
        bad("sdpa q/k last dims differ", lambda: sdpa(q, k[..., :4], v), "k"),
        bad("sdpa k/v lengths differ", lambda: sdpa(q, k, v[:, :2]), "v"),
        bad("sdpa NaN in q", lambda: sdpa(q.clone().fill_(math.nan), k, v), "q"),
        bad("sdpa inf in k", lambda: sdpa(q, k.clone().fill_(math.inf), v), "k"),
        bad("sdpa NaN in v", lambda: sdpa(q, k, torch.full_like(v, math.nan)), "v"),
        bad("sdpa scale 0", lambda: sdpa(q, k, v, scale=0.0), "scale"),
        bad("sdpa scale negative", lambda: sdpa(q, k, v, scale=-1.0), "scale"),
        bad("sdpa scale NaN", lambda: sdpa(q, k, v, scale=math.nan), "scale"),
        bad("sdpa scale inf", lambda: sdpa(q, k, v, scale=math.inf), "scale"),
        bad("sdpa scale 1e40", lambda: sdpa(q, k, v, scale=1e40), "scale"),
        bad("sdpa scale string", lambda: sdpa(q, k, v, scale="big"), "scale"),
        bad("sdpa dropout_p 1.5", lambda: sdpa(q, k, v, dropout_p=1.5), "dropout_p"),
        bad("sdpa dropout_p negative", lambda: sdpa(q, k, v, dropout_p=-0.1), "dropout_p"),
        bad("sdpa dropout_p NaN", lambda: sdpa(q, k, v, dropout_p=math.nan), "dropout_p"),
        ok(
            "sdpa scale None = default",
            lambda: sdpa(q, k, v, scale=None),
            lambda r: torch.allclose(r[0], sdpa(q, k, v, scale=8**-0.5)[0]),
        ),  # fmt: skip
        ok("sdpa float64 everywhere", lambda: sdpa(q.double(), k.double(), v.double())),
        either("sdpa no keys (Lk = 0)", lambda: sdpa(q, k[:, :0], v[:, :0]), "k"),
    ]
    m = additive()
    qa, ka, va = qkv(b=2, lq=1, lk=4)
    key_mask = torch.tensor([[True, True, False, False], [False] * 4])
    p += [
        ok(
            "additive, second sentence fully masked -> zeros",
            lambda: m(qa, ka, va, key_mask),
            lambda r: bool((r[1][1] == 0).all() and (r[0][1] == 0).all()),
        ),  # fmt: skip
        bad("additive temperature 0", lambda: m(qa, ka, va, intervene=layer(temperature=0.0)), "temperature"),
        bad("additive temperature negative", lambda: m(qa, ka, va, intervene=layer(temperature=-1.0)), "temperature"),
        bad("additive temperature NaN", lambda: m(qa, ka, va, intervene=layer(temperature=math.nan)), "temperature"),
        bad("additive temperature 1e-40", lambda: m(qa, ka, va, intervene=layer(temperature=1e-40)), "temperature"),
        bad("additive temperature inf", lambda: m(qa, ka, va, intervene=layer(temperature=math.inf)), "temperature"),
        bad("additive temperature string", lambda: m(qa, ka, va, intervene=layer(temperature="hot")), "temperature"),
        either(
            "additive temperature None",
            lambda: m(qa, ka, va, intervene=layer(temperature=None)),
            "temperature",
            lambda r: torch.allclose(r[1], m(qa, ka, va)[1]),
        ),  # fmt: skip
        bad("additive int mask", lambda: m(qa, ka, va, key_mask.long()), "mask"),
        bad("additive float mask", lambda: m(qa, ka, va, key_mask.float()), "mask"),
        bad("additive mask wrong length", lambda: m(qa, ka, va, key_mask[:, :3]), "mask"),
        bad("additive 2-D query", lambda: m(qa[:, 0], ka, va), "query"),
        bad("additive keys of the wrong width", lambda: m(qa, ka[..., :5], va), "keys"),
        bad("additive values of the wrong length", lambda: m(qa, ka, va[:, :3]), "values"),
        bad("additive NaN query", lambda: m(torch.full_like(qa, math.nan), ka, va), "query"),
        bad("additive float16 query into float32 weights", lambda: m(qa.half(), ka, va), "query"),
        bad("additive query_dim 0", lambda: api("AdditiveAttention")(0, 8, 8), "query_dim"),
        bad("additive hidden_dim negative", lambda: api("AdditiveAttention")(8, 8, -2), "hidden_dim"),
    ]
    a = mha()
    x = torch.randn(2, 3, 8, generator=torch.Generator().manual_seed(1))
    pad = torch.tensor([[True, True, True], [True, False, False]])[:, None, None, :]
    blocked = pad.clone()
    blocked[1] = False
    p += [
        ok("mha padding mask", lambda: a(x, x, x, pad)),
        ok(
            "mha fused path, a fully masked sentence -> the same as the weights path",
            lambda: a(x, x, x, blocked, need_weights=False),
            lambda r: torch.allclose(r[0], a(x, x, x, blocked)[0], atol=1e-6),
        ),  # fmt: skip
        bad("mha int mask", lambda: a(x, x, x, pad.long()), "mask"),
        bad("mha float mask", lambda: a(x, x, x, pad.float()), "mask"),
        bad("mha float mask, fused path", lambda: a(x, x, x, pad.float(), need_weights=False), "mask"),
        bad("mha mask wrong shape", lambda: a(x, x, x, torch.ones(2, 3, dtype=torch.bool)), "mask"),
        bad("mha temperature 0", lambda: a(x, x, x, intervene=layer(temperature=0.0)), "temperature"),
        bad("mha temperature negative", lambda: a(x, x, x, intervene=layer(temperature=-1.0)), "temperature"),
        bad("mha temperature NaN", lambda: a(x, x, x, intervene=layer(temperature=math.nan)), "temperature"),
        bad("mha temperature 1e-40", lambda: a(x, x, x, intervene=layer(temperature=1e-40)), "temperature"),
        bad("mha temperature inf", lambda: a(x, x, x, intervene=layer(temperature=math.inf)), "temperature"),
        either(
            "mha temperature None",
            lambda: a(x, x, x, intervene=layer(temperature=None)),
            "temperature",
            lambda r: torch.allclose(r[0], a(x, x, x)[0]),
        ),  # fmt: skip
        bad(
            "mha head_mask of the wrong size",
            lambda: a(x, x, x, intervene=layer(head_mask={"self": torch.ones(3)})),
            "head_mask",
        ),
        bad(
            "mha head_mask NaN",
            lambda: a(x, x, x, intervene=layer(head_mask={"self": torch.full((2,), math.nan)})),
            "head_mask",
        ),
        bad("mha head_mask as list", lambda: a(x, x, x, intervene=layer(head_mask={"self": [1, 0]})), "head_mask"),
        bad("mha temperature as a bare number", lambda: a(x, x, x, intervene=2.0), "intervene"),
        bad("mha float16 query into float32 weights", lambda: a(x.half(), x, x), "query"),
        bad("mha float16 key into float32 weights", lambda: a(x, x.half(), x.half()), "key"),
        bad("mha query of the wrong width", lambda: a(x[..., :4], x, x), "query"),
        bad("mha int query", lambda: a(x.long(), x, x), "query"),
        bad("mha NaN query", lambda: a(torch.full_like(x, math.nan), x, x), "query"),
        bad("mha inf key", lambda: a(x, torch.full_like(x, math.inf), x), "key"),
        bad("mha n_heads 0", lambda: mha(8, 0), "n_heads"),
        bad("mha n_heads negative", lambda: mha(8, -2), "n_heads"),
        bad("mha n_heads 3 for d_model 8", lambda: mha(8, 3), "n_heads"),
        bad("mha n_heads float", lambda: mha(8, 2.0), "n_heads"),
        bad("mha d_model 0", lambda: mha(0, 1), "d_model"),
        bad("mha dropout 1.5", lambda: mha(8, 2, dropout=1.5), "dropout"),
    ]
    intervention = api("Intervention") if "Intervention" in API else None
    p += [
        bad("Intervention temperature 0", lambda: intervention(temperature=0.0), "temperature"),
        bad("Intervention temperature negative", lambda: intervention(temperature=-1.0), "temperature"),
        bad("Intervention temperature NaN", lambda: intervention(temperature=math.nan), "temperature"),
        bad("Intervention temperature 1e-40", lambda: intervention(temperature=1e-40), "temperature"),
        bad("Intervention temperature inf", lambda: intervention(temperature=math.inf), "temperature"),
        bad("Intervention temperature string", lambda: intervention(temperature="2"), "temperature"),
        bad(
            "Intervention unknown head_mask kind",
            lambda: intervention(head_mask={"decoder": torch.ones(1, 2)}),
            "head_mask",
        ),  # fmt: skip
        bad("Intervention head_mask as list", lambda: intervention(head_mask={"cross": [[1, 0]]}), "head_mask"),
        bad("Intervention head_mask 1-D", lambda: intervention(head_mask={"cross": torch.ones(2)}), "head_mask"),
        ok("Intervention temperature 2", lambda: intervention(temperature=2.0)),
        bad(
            "Intervention head_mask with too many layers",
            lambda: _forward(intervention(head_mask={"cross": torch.ones(5, 2)})),
            "head_mask",
        ),
        bad(
            "Intervention head_mask with too few heads",
            lambda: _forward(intervention(head_mask={"enc_self": torch.ones(1, 1)})),
            "head_mask",
        ),
        ok(
            "Intervention switching one cross head off",
            lambda: _forward(intervention(head_mask={"cross": torch.tensor([[1.0, 0.0]])})),
        ),
    ]
    return p


def mask_probes() -> list[Probe]:
    causal, amask = (lambda *a: api("causal_mask")(*a)), (lambda *a, **kw: api("attention_mask")(*a, **kw))
    key = torch.tensor([[True, True, False]])
    return [
        ok("causal_mask(3)", lambda: causal(3), lambda r: r.dtype == torch.bool and r.tolist()[0] == [1, 0, 0]),
        bad("causal_mask(-1)", lambda: causal(-1), "length"),
        bad("causal_mask(2.5)", lambda: causal(2.5), "length"),
        bad("causal_mask('3')", lambda: causal("3"), "length"),
        bad("causal_mask(None)", lambda: causal(None), "length"),
        either("causal_mask(0)", lambda: causal(0), "length", lambda r: tuple(r.shape) == (0, 0)),
        ok("attention_mask bool", lambda: amask(key), lambda r: tuple(r.shape) == (1, 1, 1, 3)),
        bad("attention_mask int", lambda: amask(key.long()), "key_mask"),
        bad("attention_mask float", lambda: amask(key.float()), "key_mask"),
        bad("attention_mask 1-D", lambda: amask(key[0]), "key_mask"),
        bad("attention_mask 3-D", lambda: amask(key[None]), "key_mask"),
    ]


def config_probes() -> list[Probe]:
    def tc(**kw):
        return api("TransformerConfig")(**{"src_vocab_size": 20, "tgt_vocab_size": 20, "d_model": 8, "n_heads": 2,
                                           **kw})  # fmt: skip

    def rc(**kw):
        return api("RNNConfig")(**{"src_vocab_size": 20, "tgt_vocab_size": 20, **kw})

    def built(config_fn):
        return lambda: api("build_model")(config_fn())

    p = [ok("TransformerConfig small", lambda: tc())]
    for field_name, values in {
        "src_vocab_size": (0, -1, 2.5, "20", None),
        "tgt_vocab_size": (0, 3),
        "d_model": (0, -8, 7, 8.0, True),
        "n_heads": (0, -2, 3, 2.5),
        "n_encoder_layers": (-1, 1.5),
        "n_decoder_layers": (-1, "2"),
        "d_ff": (-1, 0),
        "dropout": (1.5, -0.1, math.nan, 1.0),
        "max_len": (0, -5),
        "norm_first": ("no", 1),
        "tie_embeddings": ("yes",),
    }.items():
        for value in values:
            p.append(bad(f"TransformerConfig {field_name}={value!r}", built(lambda f=field_name, v=value: tc(**{f: v})),
                         field_name))  # fmt: skip
    p += [
        either("TransformerConfig 0 encoder layers", built(lambda: tc(n_encoder_layers=0)), "n_encoder_layers"),
        ok("RNNConfig small", built(lambda: rc())),
        bad("RNNConfig emb_dim 0", built(lambda: rc(emb_dim=0)), "emb_dim"),
        bad("RNNConfig hidden_dim -1", built(lambda: rc(hidden_dim=-1)), "hidden_dim"),
        bad("RNNConfig hidden_dim 1.5", built(lambda: rc(hidden_dim=1.5)), "hidden_dim"),
        bad("RNNConfig dropout 2", built(lambda: rc(dropout=2.0)), "dropout"),
        bad("RNNConfig src_vocab_size 0", built(lambda: rc(src_vocab_size=0)), "src_vocab_size"),
        bad("RNNConfig attention 'bahdanau'", built(lambda: rc(attention="bahdanau")), "attention"),
        bad("build_model of a dict", lambda: api("build_model")({"d_model": 8}), "config"),
        bad("build_model of None", lambda: api("build_model")(None), "config"),
        bad("Transformer of a GPTConfig", lambda: api("Transformer")(api("GPTConfig")(20, 20)), "config"),
        bad("GPT of a TransformerConfig", lambda: api("GPT")(tc()), "config"),
        bad("Seq2Seq of a dict", lambda: api("Seq2Seq")({"src_vocab_size": 20}), "config"),
        bad(
            "TransformerConfig sizes by position",
            lambda: api("TransformerConfig")(20, 20, 8, 2, 1, 1, 16),
            "positional",
        ),
    ]
    return p


def gpt_probes() -> list[Probe]:
    """The decoder-only model (notebook 10) shares the config checks and the mask rule."""
    config = api("GPTConfig")

    def gpt(**kw):
        torch.manual_seed(0)
        c = corpus()
        base = {"src_vocab_size": len(c.src_vocab), "tgt_vocab_size": len(c.tgt_vocab), "d_model": 16, "n_heads": 2}
        return api("Translator")(api("build_model")(config(**{**base, **kw}))).eval()

    src, mask = src_batch()
    tgt = torch.tensor([[1, 5, 6], [1, 7, 0]])
    ids = torch.tensor([[10, 11, 1, 5], [12, 0, 1, 7]])  # source, <pad>, separator, target
    p = [
        ok("GPT translating forward", lambda: gpt()(src, mask, tgt)[0]),
        ok("GPT language model over ids, padding in the middle", lambda: gpt().language_model(ids)[0]),
        bad("GPT language model ids out of range", lambda: gpt().language_model(ids + 10_000), "ids"),
        bad("GPT language model float ids", lambda: gpt().language_model(ids.float()), "ids"),
        bad("GPT of a GPTConfig-less thing", lambda: api("Translator")(tiny_model()), "gpt"),
    ]
    for field_name, value in (("d_model", 0), ("n_heads", 0), ("n_heads", 3), ("n_layers", -1), ("d_ff", -1),
                              ("dropout", 1.5), ("src_vocab_size", 0), ("norm_first", "no")):  # fmt: skip
        p.append(bad(f"GPTConfig {field_name}={value!r}", lambda f=field_name, v=value: gpt(**{f: v}), field_name))
    p += [
        bad("GPT float src_mask", lambda: gpt()(src, mask.float(), tgt), "src_mask"),
        bad("GPT src ids out of range", lambda: gpt()(src + 10_000, mask, tgt), "src"),
        bad("GPT tgt_in ids out of range", lambda: gpt()(src, mask, tgt + 10_000), "tgt_in"),
        bad("GPT greedy max_len 0", lambda: api("greedy_decode")(gpt(), src, mask, max_len=0), "max_len"),
        bad("GPT head_mask for cross-attention it lacks", lambda: _gpt_heads(gpt(), "cross", (3, 2)), "head_mask"),
        bad(
            "GPT head_mask for a decoder self-attention it lacks",
            lambda: _gpt_heads(gpt(), "dec_self", (3, 2)),
            "head_mask",
        ),
        bad("GPT head_mask with too few layers", lambda: _gpt_heads(gpt(), "self", (2, 2)), "head_mask"),
        ok("GPT switching one of its own heads off", lambda: _gpt_heads(gpt(), "self", (3, 2))),
        bad("GPT language model head_mask too few layers", lambda: _gpt_lm_heads(gpt(), (2, 2)), "head_mask"),
        bad("GPT start head_mask too few layers", lambda: _gpt_start_heads(gpt(), (2, 2)), "head_mask"),
    ]
    return p


def _gpt_heads(model, kind, shape):
    src, mask = src_batch()
    intervene = api("Intervention")(head_mask={kind: torch.ones(shape)})
    return model(src, mask, torch.tensor([[1, 5], [1, 7]]), intervene=intervene)


def _gpt_lm_heads(model, shape):
    ids = torch.tensor([[10, 11, 1, 5], [12, 0, 1, 7]])
    return model.language_model(ids, intervene=api("Intervention")(head_mask={"self": torch.ones(shape)}))


def _gpt_start_heads(model, shape):
    src, mask = src_batch()
    return model.start(src, mask, intervene=api("Intervention")(head_mask={"self": torch.ones(shape)}))


def checkpoint_probes(tmp: Path) -> list[Probe]:
    tmp.mkdir(parents=True, exist_ok=True)
    good = tmp / "good.pt"

    def load(path):
        return lambda: api("load_checkpoint")(path)

    def write(name: str, data: bytes) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name

    def setup():
        api("save_checkpoint")(tiny_model(), good)
        raw = good.read_bytes()

        class Evil:
            def __reduce__(self):
                return (os.system, ("echo pwned",))

        torch.save({"a": 1}, tmp / "foreign_dict.pt")
        torch.save(torch.ones(3), tmp / "tensor.pt")
        torch.save({"model": "Transformer", "config": {"src_vocab_size": 0, "tgt_vocab_size": 5},
                    "state_dict": {}, "extra": {}}, tmp / "bad_config.pt")  # fmt: skip
        torch.save({"model": "GPT9", "config": {}, "state_dict": {}, "extra": {}}, tmp / "unknown_model.pt")
        return {
            "empty": write("empty.pt", b""),
            "truncated": write("truncated.pt", raw[: len(raw) // 2]),
            "random bytes": write("random.pt", bytes(range(256)) * 64),
            "JSON": write("json.pt", json.dumps({"model": "Transformer"}).encode()),
            "plain pickle": write("pickle.pt", pickle.dumps({"model": "Transformer"})),
            "malicious pickle": write("evil.pt", pickle.dumps(Evil())),
            "text": write("text.pt", b"hello\n"),
        }

    files = setup()
    p = [ok("load a saved checkpoint", lambda: api("load_checkpoint")(good)[0])]
    p += [bad(f"load_checkpoint of a {kind} file", load(path), "checkpoint") for kind, path in files.items()]
    p += [
        bad("load_checkpoint of a missing file", load(tmp / "nope.pt"), "checkpoint"),
        bad("load_checkpoint of a folder", load(tmp), "checkpoint"),
        bad("load_checkpoint of a foreign dict", load(tmp / "foreign_dict.pt"), "checkpoint"),
        bad("load_checkpoint of a tensor", load(tmp / "tensor.pt"), "checkpoint"),
        bad("load_checkpoint with a bad stored config", load(tmp / "bad_config.pt"), "src_vocab_size"),
        bad("load_checkpoint of an unknown model", load(tmp / "unknown_model.pt"), "checkpoint"),
        bad("load_checkpoint of None", load(None), "path"),
        bad("load_checkpoint of weights holding NaN", load(_nan_weights(tmp)), "generator.bias"),
        bad(
            "save_checkpoint into a read-only folder",
            lambda: api("save_checkpoint")(tiny_model(), "/sys/tl/m.pt"),
            "path",
        ),
        bad("save_checkpoint path None", lambda: api("save_checkpoint")(tiny_model(), None), "path"),
    ]
    return p


def _nan_weights(tmp: Path) -> Path:
    """A checkpoint whose training diverged: its output bias holds NaN."""
    model = api("build_model")(tiny_model().config)
    with torch.no_grad():
        model.generator.bias.fill_(math.nan)
    return api("save_checkpoint")(model, tmp / "nan.pt")


def decode_probes() -> list[Probe]:
    c = corpus()
    src, mask = src_batch()

    def greedy(**kw):
        return lambda: api("greedy_decode")(tiny_model(), src, mask, **kw)

    def beam(**kw):
        return lambda: api("beam_search")(tiny_model(), src, mask, **kw)

    def tr(sentences, **kw):
        return lambda: api("translate")(tiny_model(), sentences, c.src_vocab, c.tgt_vocab, **kw)

    def ids(src_ids, **kw):
        return lambda: api("translate_ids")(tiny_model(), src_ids, **kw)

    long_unknown = " ".join(f"zq{i}" for i in range(3000))
    return [
        ok("greedy default", greedy()),
        ok("greedy max_len None = default", greedy(max_len=None)),
        ok("greedy max_len 1", greedy(max_len=1), lambda r: r[0].shape[1] == 1),
        bad("greedy max_len 0", greedy(max_len=0), "max_len"),
        bad("greedy max_len negative", greedy(max_len=-3), "max_len"),
        bad("greedy max_len 2.5", greedy(max_len=2.5), "max_len"),
        bad("greedy max_len '5'", greedy(max_len="5"), "max_len"),
        bad("greedy int src_mask", lambda: api("greedy_decode")(tiny_model(), src, mask.long()), "src_mask"),
        bad("greedy float src_mask", lambda: api("greedy_decode")(tiny_model(), src, mask.float()), "src_mask"),
        bad("greedy src_mask wrong shape", lambda: api("greedy_decode")(tiny_model(), src, mask[:, :2]), "src_mask"),
        bad("greedy src ids out of range", lambda: api("greedy_decode")(tiny_model(), src + 10_000, mask), "src"),
        bad("greedy negative src ids", lambda: api("greedy_decode")(tiny_model(), -src, mask), "src"),
        bad("greedy float src", lambda: api("greedy_decode")(tiny_model(), src.float(), mask), "src"),
        bad("greedy 1-D src", lambda: api("greedy_decode")(tiny_model(), src[0], mask[0]), "src"),
        bad("greedy max_len 10**12 (an 8 TB allocation)", greedy(max_len=10**12), "max_len"),
        bad("greedy a source that is all padding", lambda: api("greedy_decode")(tiny_model(), *_padded_row()), "src"),
        bad("forward a source that is all padding", lambda: tiny_model()(*_padded_row(), src), "src"),
        bad("RNN forward a source that is all padding", lambda: _rnn()(*_padded_row(), src), "src"),
        bad("RNN greedy a source that is all padding", lambda: api("greedy_decode")(_rnn(), *_padded_row()), "src"),
        bad("translate_ids a source of <pad> only", ids([[0, 0]]), "src"),
        ok("beam 2", beam(beam_size=2)),
        bad("beam_size 0", beam(beam_size=0), "beam_size"),
        bad("beam_size negative", beam(beam_size=-1), "beam_size"),
        bad("beam_size 2.5", beam(beam_size=2.5), "beam_size"),
        bad("beam max_len 0", beam(max_len=0), "max_len"),
        bad("beam alpha NaN", beam(alpha=math.nan), "alpha"),
        bad("beam alpha inf", beam(alpha=math.inf), "alpha"),
        ok(
            "translate one sentence",
            tr("the dog sleeps"),
            lambda r: isinstance(r, list) and all(isinstance(w, str) for w in r),
        ),  # fmt: skip
        ok("translate a list of sentences", tr(["the dog sleeps", "a cat sleeps"]), lambda r: len(r) == 2),
        either(
            "translate a list of words",
            tr(["the", "dog", "sleeps"]),
            "sentences",
            lambda r: r == tr("the dog sleeps")(),
        ),  # fmt: skip
        ok("translate an empty list", tr([]), lambda r: r == []),
        bad("translate ''", tr(""), "sentence"),
        bad("translate None", tr(None), "sentences"),
        bad("translate 123", tr(123), "sentences"),
        bad("translate beam_size 0", tr("the dog sleeps", beam_size=0), "beam_size"),
        bad("translate unknown word", tr("the dgo sleeps"), "unknown word"),
        bad("translate 3000 unknown words: short message", tr(long_unknown), "unknown word"),
        bad("translate one 300,000-character word", tr("x" * 300_000), "unknown word"),
        ok("translate_ids []", ids([]), lambda r: r == []),
        bad("translate_ids [[]]", ids([[]]), "src_ids"),
        bad("translate_ids id out of range", ids([[4, 10**6]]), "src_ids"),
        bad("translate_ids negative id", ids([[-1, 4]]), "src_ids"),
        bad("translate_ids a flat list", ids([4, 5, 6]), "src_ids"),
        bad("translate_ids a string", ids("the dog"), "src_ids"),
        bad("translate_ids batch_size 0", ids([[4, 5]], batch_size=0), "batch_size"),
        bad("translate_ids beam_size 0", ids([[4, 5]], beam_size=0), "beam_size"),
    ]


def _padded_row():
    """src, src_mask whose second row is all padding: nothing to translate."""
    src, mask = src_batch()
    src, mask = src.clone(), mask.clone()
    src[1], mask[1] = 0, False
    return src, mask


@functools.cache
def _rnn():
    torch.manual_seed(0)
    c = corpus()
    config = api("RNNConfig")(len(c.src_vocab), len(c.tgt_vocab), emb_dim=8, hidden_dim=8, attention="additive")
    return api("build_model")(config).eval()


def sample_probes() -> list[Probe]:
    src, mask = src_batch()
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))

    def draw(**kw):
        return lambda: api("sample_decode")(tiny_model(), src, mask, **kw)

    def ids(src_ids, **kw):
        return lambda: api("sample_ids")(tiny_model(), src_ids, **kw)

    def filtered(**kw):
        return lambda: api("filter_logits")(logits, **kw)

    return [
        ok("sample default", draw(), lambda r: r[0].shape[0] == 2),
        ok("sample temperature None = 1", draw(temperature=None), lambda r: torch.equal(r[0], draw()()[0])),
        bad("sample temperature 1e-40", draw(temperature=1e-40), "temperature"),
        bad("sample temperature 0", draw(temperature=0), "temperature"),
        bad("sample temperature NaN", draw(temperature=math.nan), "temperature"),
        bad("sample temperature '1'", draw(temperature="1"), "temperature"),
        bad("sample top_k True", draw(top_k=True), "top_k"),
        bad("sample top_k 0", draw(top_k=0), "top_k"),
        bad("sample top_k 2.5", draw(top_k=2.5), "top_k"),
        bad("sample top_p 0", draw(top_p=0), "top_p"),
        bad("sample top_p 1.5", draw(top_p=1.5), "top_p"),
        bad("sample top_p NaN", draw(top_p=math.nan), "top_p"),
        ok("sample top_p 1 = no filter", draw(top_p=1.0), lambda r: torch.equal(r[0], draw()()[0])),
        bad("sample seed -1", draw(seed=-1), "seed"),
        bad("sample seed [1]", draw(seed=[1]), "seed"),
        ok(
            "filter_logits top_k 1 (-inf marks the dropped words)",
            lambda: filtered(top_k=1)().isinf(),
            lambda r: r.tolist() == [[False, True, True, True]],
        ),
        bad("filter_logits top_k True", filtered(top_k=True), "top_k"),
        bad("filter_logits top_p 0", filtered(top_p=0.0), "top_p"),
        bad("filter_logits top_p 1.5", filtered(top_p=1.5), "top_p"),
        ok("sample_ids []", ids([]), lambda r: r == []),
        bad("sample_ids id out of range", ids([[4, 10**6]]), "src_ids"),
        bad("sample_ids [[]]", ids([[]]), "src_ids"),
        bad("sample_ids batch_size 0", ids([[4, 5]], batch_size=0), "batch_size"),
        bad("sample_ids temperature 1e-40", ids([[4, 5]], temperature=1e-40), "temperature"),
    ]


def vocab_probes() -> list[Probe]:
    c = corpus()
    v = c.src_vocab
    tok = lambda x: lambda: api("tokenize")(x)  # noqa: E731
    return [
        ok("tokenize punctuation and case", tok("The DOG sleeps."), lambda r: r == ["the", "dog", "sleeps"]),
        ok("tokenize ''", tok(""), lambda r: r == []),
        ok("tokenize whitespace", tok(" \t\n "), lambda r: r == []),
        ok("tokenize a list of words", tok(["the", "dog"]), lambda r: r == ["the", "dog"]),
        bad("tokenize None", tok(None), "text"),
        bad("tokenize 123", tok(123), "text"),
        bad("tokenize bytes", tok(b"the dog"), "text"),
        bad("tokenize a list with a number", tok(["the", 5]), "text"),
        bad("tokenize a dict", tok({"the": 1}), "text"),
        ok("encode", lambda: v.encode("the dog"), lambda r: r == [v.stoi["the"], v.stoi["dog"]]),
        bad("encode ''", lambda: v.encode(""), "sentence"),
        bad("encode None", lambda: v.encode(None), "text"),
        bad("encode unknown word", lambda: v.encode("the dgo"), "unknown word"),
        bad(
            "encode 1000 unknown words: short message",
            lambda: v.encode(" ".join(f"w{i}" for i in range(1000))),
            "unknown word",
        ),  # fmt: skip
        ok("decode", lambda: v.decode([v.stoi["the"], v.stoi["dog"], 2]), lambda r: r == ["the", "dog"]),
        ok("decode []", lambda: v.decode([]), lambda r: r == []),
        ok("decode a tensor", lambda: v.decode(torch.tensor([v.stoi["dog"]])), lambda r: r == ["dog"]),
        bad("decode [-1]", lambda: v.decode([-1]), "ids"),
        bad("decode an id past the vocabulary", lambda: v.decode([len(v)]), "ids"),
        bad("decode [1.5]", lambda: v.decode([1.5]), "ids"),
        bad("decode a string", lambda: v.decode("dog"), "ids"),
        bad("decode a 2-D tensor", lambda: v.decode(torch.tensor([[4, 5]])), "ids"),
        bad("decode None", lambda: v.decode(None), "ids"),
    ]


def metric_probes() -> list[Probe]:
    em, bleu = (lambda *a: api("exact_match")(*a)), (lambda *a: api("corpus_bleu")(*a))
    ss = lambda *a, **kw: api("sentence_score")(*a, **kw)  # noqa: E731
    return [
        ok("exact_match", lambda: em([["a", "b"]], [["a", "b"]]), lambda r: r == 1.0),
        bad("exact_match different lengths", lambda: em([["a"]], [["a"], ["b"]]), "references"),
        either("exact_match empty", lambda: em([], []), "hypotheses", lambda r: r == 0.0),
        bad("exact_match strings, not lists", lambda: em("ab", "ab"), "hypotheses"),
        bad("corpus_bleu different lengths", lambda: bleu([["a"]], [["a"], ["b"]]), "references"),
        either("corpus_bleu empty", lambda: bleu([], []), "hypotheses", lambda r: r == 0.0),
        bad("corpus_bleu strings, not lists", lambda: bleu("une reine", "une reine"), "hypotheses"),
        bad("corpus_bleu None", lambda: bleu(None, None), "hypotheses"),
        ok(
            "sentence_score of a perfect 3-word sentence is 100",
            lambda: ss(["une", "reine", "saute"], ["une", "reine", "saute"]),
            lambda r: abs(r["bleu"] - 100) < 1e-6 and abs(r["chrf"] - 100) < 1e-6,
        ),  # fmt: skip
        ok(
            "sentence_score of a perfect 1-word sentence is 100",
            lambda: ss(["chien"], ["chien"]),
            lambda r: abs(r["bleu"] - 100) < 1e-6,
        ),  # fmt: skip
        ok("sentence_score of a wrong word is low", lambda: ss(["chat"], ["chien"]), lambda r: r["bleu"] < 50),
        ok(
            "sentence_score accepts strings",
            lambda: ss("une reine saute", "une reine saute"),
            lambda r: abs(r["bleu"] - 100) < 1e-6,
        ),  # fmt: skip
        bad("sentence_score empty reference", lambda: ss(["chien"], []), "reference"),
        bad("sentence_score of a list of sentences", lambda: ss([["a"], ["b"]], ["a"]), "hypothesis"),
    ]


def data_probes(tmp: Path) -> list[Probe]:
    collate = lambda items: lambda: api("collate")(items)  # noqa: E731
    t = torch.tensor
    nonempty = tmp / "corpus_out"
    (nonempty / "corpus").mkdir(parents=True, exist_ok=True)
    (nonempty / "corpus" / "mine.txt").write_text("my notes\n")
    return [
        ok("collate one pair", collate([(t([4, 5]), t([1, 4, 2]))]), lambda r: tuple(r.src.shape) == (1, 2)),
        bad("collate([])", collate([]), "items"),
        bad("collate of lists, not tensors", collate([([4, 5], [1, 4, 2])]), "items"),
        bad("collate of float tensors", collate([(t([4.0]), t([1.0, 2.0]))]), "items"),
        bad("collate a target without <bos>/<eos>", collate([(t([4]), t([4]))]), "items"),
        bad("load_corpus('de')", lambda: api("load_corpus")("de"), "grammar"),
        bad("load_corpus(None)", lambda: api("load_corpus")(None), "grammar"),
        bad("corpus split 'dev'", lambda: corpus()["dev"], "split"),
        bad("build the corpus into a non-empty folder", lambda: api("build")(nonempty), "out_dir"),
        bad("build the corpus into a read-only folder", lambda: api("build")("/sys/tl"), "out_dir"),
        ok("generate_sentences seed 3", lambda: api("generate_sentences")(3, seed=3), lambda r: len(r) == 3),
        bad("generate_sentences seed '3'", lambda: api("generate_sentences")(3, seed="3"), "seed"),
        bad(
            "generate_sentences seed None (a new corpus each call)",
            lambda: api("generate_sentences")(3, seed=None),
            "seed",
        ),
        bad("generate_sentences seed [3]", lambda: api("generate_sentences")(3, seed=[3]), "seed"),
        bad("generate_sentences n -1", lambda: api("generate_sentences")(-1), "n"),
        bad(
            "TranslationDataset of strings",
            lambda: api("TranslationDataset")(["the dog"], corpus().src_vocab, corpus().tgt_vocab),
            "pairs",
        ),  # fmt: skip
    ]


def train_probes() -> list[Probe]:
    fields = {f.name for f in dataclasses.fields(api("TrainConfig"))}
    budget = {"steps": 2} if "steps" in fields else {"epochs": 1, "max_steps": 2}  # a step budget, or epochs

    def cfg(**kw):
        return api("TrainConfig")(**{"batch_size": 4, **budget, **kw})

    def fit(config_fn=None, data=None, model=None):
        def run():
            m = model() if model else api("build_model")(tiny_model().config)
            return api("fit")(m, data() if data else tiny_set(), None, config_fn() if config_fn else cfg(),
                              progress=False, device=torch.device("cpu"))  # fmt: skip

        return run

    def nan_model():
        m = api("build_model")(tiny_model().config)
        with torch.no_grad():
            m.generator.bias.fill_(math.nan)
        return m

    empty = lambda: tiny_set(0)  # noqa: E731
    p = [
        ok("fit 2 steps", fit(cfg), lambda h: len(h.steps) == 2),
        bad("fit on an empty set", fit(data=empty), "train_set"),
        bad(
            "fit with a NaN loss stops, naming step and lr",
            fit(cfg, model=nan_model),
            ("step", "lr"),
        ),  # fmt: skip
        bad("fit train_set of pairs", fit(data=lambda: corpus()["train"][:4]), "train_set"),
        bad("evaluate_loss on an empty set", lambda: api("evaluate_loss")(tiny_model(), tiny_set(0)), "dataset"),
        bad(
            "evaluate_loss batch_size 0",
            lambda: api("evaluate_loss")(tiny_model(), tiny_set(), batch_size=0),
            "batch_size",
        ),  # fmt: skip
        bad("warmup_lr warmup 0", lambda: api("warmup_lr")(10, 64, 0), "warmup"),
        bad("warmup_lr d_model 0", lambda: api("warmup_lr")(10, 0, 100), "d_model"),
        bad("warmup_lr step negative", lambda: api("warmup_lr")(-5, 64, 100), "step"),
    ]
    for field_name, values in {  # the fields this TrainConfig has
        "batch_size": (0, -4, 2.5),
        "steps": (0, -5, 1.5, None),
        "cooldown": (-1, 1.5, 10**6),
        "lr_factor": (0.0, math.inf),
        "epochs": (0, -1),
        "warmup": (0, -10),
        "lr": (0.0, -1e-3, math.nan),
        "label_smoothing": (1.5, -0.1),
        "clip": (0.0, math.nan),
        "max_steps": (0, -5, 1.5),
        "patience": (0,),
        "seed": ("abc", None, 1.5),
        "schedule": ("cosine",),
    }.items():
        for value in values if field_name in fields | {"schedule"} else ():
            p.append(bad(f"fit with {field_name}={value!r}", fit(lambda f=field_name, v=value: cfg(**{f: v})),
                         field_name))  # fmt: skip
    return p


def config_module_probes() -> list[Probe]:
    def seed(*a):
        return api("seed_everything")(*a)

    def fast():
        return api("fast_mode")()

    def device(*a):
        return api("pick_device")(*a)

    var = "TRANSFORMER_LITE_FAST"
    p = [
        ok("seed_everything(0)", lambda: seed(0)),
        bad("seed_everything(None)", lambda: seed(None), "seed"),
        bad("seed_everything('abc')", lambda: seed("abc"), "seed"),
        bad("seed_everything(True)", lambda: seed(True), "seed"),
        bad("seed_everything(1.5)", lambda: seed(1.5), "seed"),
        bad("seed_everything(-1)", lambda: seed(-1), "seed"),
        bad("seed_everything(2**40)", lambda: seed(2**40), "seed"),
        bad("seed_everything([1])", lambda: seed([1]), "seed"),
    ]
    for value, expected in {"": False, "0": False, "false": False, "no": False, "off": False, "OFF": False,
                            "1": True, "true": True, "yes": True, "on": True, " 1 ": True}.items():  # fmt: skip
        p.append(ok(f"fast mode {var}={value!r}", lambda v=value: with_env(var, v, fast), lambda r, e=expected: r is e))
    p.append(ok(f"fast mode {var} unset", lambda: with_env(var, None, fast), lambda r: r is False))
    for value in ("0.0", "disabled", "2", "maybe", "none", "enable"):
        p.append(bad(f"fast mode {var}={value!r}", lambda v=value: with_env(var, v, fast), var))
    p += [
        ok("pick_device(None)", lambda: device(None)),
        ok("pick_device('cpu')", lambda: device("cpu"), lambda r: r.type == "cpu"),
        either(
            "pick_device('cuda')",
            lambda: device("cuda"),
            "cuda",
            lambda r: r.type == "cuda" and torch.cuda.is_available(),
        ),  # fmt: skip
        bad("pick_device('gpu9')", lambda: device("gpu9"), "gpu9"),
        bad("pick_device(3.5)", lambda: device(3.5), "3.5"),
    ]
    return p


def recipe_probes() -> list[Probe]:
    return [
        bad("get_recipe unknown", lambda: api("get_recipe")("gpt5"), "recipe"),
        bad("load_pretrained unknown model", lambda: api("load_pretrained")("gpt5", "fr"), "recipe"),
        bad("load_pretrained unknown grammar", lambda: api("load_pretrained")("transformer", "de"), "grammar"),
        bad("load_pretrained grammar None", lambda: api("load_pretrained")("transformer", None), "grammar"),
        bad(
            "load_pretrained device 'tpu'",
            lambda: api("load_pretrained")("transformer", "fr", device="tpu"),
            ("device", "tpu"),
        ),
        ok("load_pretrained transformer fr", lambda: pretrained()),
    ]


def explorer_probes() -> list[Probe]:
    def after(method: str, *args, sentence="the dog sleeps"):
        def run():
            e = explorer(sentence)
            getattr(e, method)(*args)
            return e.reading()

        return run

    def score(sentence):
        def run():
            s = explorer(sentence).summary()
            return s

        return run

    perfect = lambda d: d["output"] != d["reference"].split() or abs(d["bleu"] - 100) < 1e-6  # noqa: E731
    return [
        ok(
            "explorer 'a queen jumps' scores 100 when perfect",
            score("a queen jumps"),
            lambda d: d["output"] == ["une", "reine", "saute"] and abs(d["bleu"] - 100) < 1e-6,
        ),  # fmt: skip
        ok("explorer 'the dog sleeps' score", score("the dog sleeps"), perfect),
        ok("explorer temperature 2", after("set_temperature", 2.0)),
        bad("explorer temperature 1e-40", after("set_temperature", 1e-40), "temperature"),
        bad("explorer temperature 0", after("set_temperature", 0.0), "temperature"),
        bad("explorer temperature NaN", after("set_temperature", math.nan), "temperature"),
        bad("explorer temperature inf", after("set_temperature", math.inf), "temperature"),
        bad("explorer temperature 'hot'", after("set_temperature", "hot"), "temperature"),
        bad("explorer set_layer(1.9)", after("set_layer", 1.9), "layer"),
        bad("explorer set_layer(-1)", after("set_layer", -1), "layer"),
        bad("explorer set_layer(99)", after("set_layer", 99), "layer"),
        bad("explorer set_layer('x')", after("set_layer", "x"), "layer"),
        bad("explorer set_head(99)", after("set_head", 99), "head"),
        bad("explorer set_head(-1)", after("set_head", -1), "head"),
        bad("explorer set_head(0.5)", after("set_head", 0.5), "head"),
        ok("explorer set_head('all')", after("set_head", "all")),
        bad("explorer set_step(99)", after("set_step", 99), "step"),
        bad("explorer set_step(-1)", after("set_step", -1), "step"),
        bad("explorer set_step(1.5)", after("set_step", 1.5), "step"),
        bad("explorer set_search(0)", after("set_search", 0), "beam_size"),
        bad("explorer set_search(2.5)", after("set_search", 2.5), "beam_size"),
        bad("explorer a 300,000-character word", after("set_sentence", "q" * 300_000), "unknown word"),
        bad("explorer 500 unknown words", after("set_sentence", " ".join(f"w{i}" for i in range(500))), "too long"),
        bad("explorer empty sentence", after("set_sentence", ""), "sentence"),
        bad("explorer set_kind('decoder')", after("set_kind", "decoder"), "decoder"),
        bad("explorer set_pair out of range", after("set_pair", "test", 10**6), "index"),
    ]


def demo_probes() -> list[Probe]:
    """The lab's demos check temperatures like the model does."""

    def demo(t):
        def run():
            import matplotlib.pyplot as plt

            result = api("temperature_demo")(temperature=t)
            plt.close(result["fig"])
            return result["weights"]

        return run

    return [
        ok("temperature_demo temperature 2", demo(2.0)),
        bad("temperature_demo temperature NaN", demo(math.nan), "temperature"),
        bad("temperature_demo temperature 1e-320", demo(1e-320), "temperature"),
        bad("temperature_demo temperature 0", demo(0.0), "temperature"),
        bad("temperature_demo temperature inf", demo(math.inf), "temperature"),
    ]


def all_probes(tmp: Path) -> list[Probe]:
    groups = (
        attention_probes,
        mask_probes,
        config_probes,
        gpt_probes,
        lambda: checkpoint_probes(tmp / "ckpt"),
        decode_probes,
        sample_probes,
        vocab_probes,
        metric_probes,
        lambda: data_probes(tmp),
        train_probes,
        config_module_probes,
        recipe_probes,
        explorer_probes,
        demo_probes,
    )
    probes = []
    for group in groups:
        try:
            probes += group()
        except Missing as e:  # a whole group needs a name this version lacks
            probes.append(bad(f"{getattr(group, '__name__', 'group')} (missing)", lambda e=e: (_ for _ in ()).throw(e),
                              "-"))  # fmt: skip
    return probes


# ---- the tests ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every probe's (name, expect, class, detail), run once; the counts are written out."""
    probes = all_probes(tmp_path_factory.mktemp("bad_inputs"))
    rows = [(p.name, p.expect, *classify(p)) for p in probes]
    counts = Counter(cls for _, _, cls, _ in rows)
    report = {
        "probes": len(rows),
        "counts": {c: counts.get(c, 0) for c in ("handled", "clear", *BAD)},
        "by_expectation": dict(Counter(e for _, e, _, _ in rows)),
        "outcomes": [{"probe": n, "expect": e, "class": c, "detail": d} for n, e, c, d in rows],
    }
    path = Path(
        os.environ.get("BAD_INPUTS_JSON", Path(__file__).resolve().parent.parent / "test-artifacts/bad_inputs.json")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1))
    print("\nbad-input probes by class:", report["counts"])
    return rows


def test_at_least_150_probes(outcomes):
    assert len(outcomes) >= 150
    assert len({name for name, *_ in outcomes}) == len(outcomes), "probe names must be unique"


@pytest.mark.parametrize("bad_class", BAD)
def test_no_probe_lands_in(outcomes, bad_class):
    hits = [f"{name}: {detail}" for name, _, cls, detail in outcomes if cls == bad_class]
    assert not hits, f"{len(hits)} probe(s) {bad_class}:\n" + "\n".join(hits)


def test_classifier_sorts_known_outcomes():
    """The classifier itself: a torch error is deep, an error without the parameter unclear."""
    assert classify(bad("torch", lambda: torch.ones(2) @ torch.ones(3), "x"))[0] == "deep"
    assert classify(bad("accepted", lambda: 1.0, "x"))[0] == "silent_wrong"
    assert classify(ok("nan", lambda: torch.tensor([math.nan])))[0] == "nan"
    assert classify(ok("wrong", lambda: 1, lambda r: r == 2))[0] == "silent_wrong"
    assert classify(bad("unnamed", lambda: api("get_recipe")("nope"), "nonexistent_param"))[0] == "unclear"


# Property-based probes: whatever the number, a result is finite or the error is clear.
@settings(max_examples=40, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 5) | st.none())
def test_any_temperature_is_finite_or_refused(temperature):
    a, x = mha(), torch.randn(1, 3, 8, generator=torch.Generator().manual_seed(0))
    probe = either("mha temperature", lambda: a(x, x, x, intervene=layer(temperature=temperature)), "temperature")
    assert classify(probe)[0] in GOOD, (temperature, classify(probe))
    m, q = additive(), torch.randn(1, 1, 8, generator=torch.Generator().manual_seed(0))
    probe = either("additive temperature", lambda: m(q, x, x, intervene=layer(temperature=temperature)), "temperature")
    assert classify(probe)[0] in GOOD, (temperature, classify(probe))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([torch.bool, torch.int64, torch.uint8, torch.float32, torch.float16]),
       st.lists(st.booleans(), min_size=4, max_size=4))  # fmt: skip
def test_any_mask_is_bool_or_refused(dtype, row):
    q, k, v = qkv(lq=2)
    mask = torch.tensor([row, [False] * 4]).to(dtype)
    probe = either("sdpa mask", lambda: sdpa(q, k, v, mask), "mask",
                   lambda r: dtype == torch.bool and bool((r[0][:, 1] == 0).all()))  # fmt: skip
    assert classify(probe)[0] in GOOD, (dtype, row, classify(probe))


@settings(max_examples=40, deadline=None)
@given(st.integers(-3, 3) | st.floats(allow_nan=True) | st.text(max_size=3))
def test_any_config_size_is_built_or_refused(value):
    def build():
        return api("build_model")(api("TransformerConfig")(20, 20, d_model=8, n_heads=2, d_ff=value))

    probe = either("d_ff", build, "d_ff", lambda r: isinstance(value, int) and value > 0)
    assert classify(probe)[0] in GOOD, (value, classify(probe))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-(2**40), 2**40), max_size=4))
def test_any_ids_decode_or_refuse(ids):
    v = corpus().tgt_vocab
    probe = either("decode", lambda: v.decode(ids), "ids", lambda r: all(0 <= i < len(v) for i in ids))
    assert classify(probe)[0] in GOOD, (ids, classify(probe))


def test_explorer_shows_sentence_scores_for_short_sentences():
    """Corpus BLEU of one 3-word sentence is 0 (no 4-grams) even when perfect; the explorer
    shows sentence BLEU with effective order and chrF, labelled as such."""
    e = explorer("a queen jumps")
    d = e.summary()
    assert d["output"] == ["une", "reine", "saute"] == d["reference"].split()
    assert abs(d["bleu"] - 100) < 1e-6 and abs(d["chrf"] - 100) < 1e-6
    assert "sentence BLEU</b>: 100.0" in e.summary_html() and "chrF" in e.summary_html()
    assert api("corpus_bleu")([d["output"]], [d["output"]]) == 0.0  # why the corpus score is the wrong one here
