"""Checks for notebook 07's exercises (Training the Transformer), in notebook order."""

from __future__ import annotations

import torch

from ..i18n import N_
from ..model.transformer import Transformer, TransformerConfig
from ..train import warmup_lr
from .diagnosis import Mistake
from .help import Hints, Solutions
from .nb07_variants import greedy as _greedy
from .nb07_variants import lr as _lr
from .nb07_variants import nothing_spread, one_hot_targets, overwritten, sampled
from .nb07_variants import smooth as _smooth
from .runner import Case, Exercise

WARMUP_LR = Exercise(
    "07",
    "warmup_lr",
    N_("07 Your turn 1 (warmup learning rate)"),
    hints=(
        N_(
            "Eq. 3 of the paper: the rate grows linearly for `warmup` steps, then decays as one over the square "
            "root of the step; the two branches meet at the peak, and the whole rate is scaled by d_model to the "
            "power -1/2."
        ),
        N_(
            "Compute two candidates: the decay branch, the step to the power -1/2, and the warm-up branch, the "
            "step times warmup to the power -3/2. During warm-up the second is the smaller one, afterwards the "
            "first: keep the smaller of the two. Multiply by d_model to the power -1/2."
        ),
        N_("decay = step ** ____\nrise = step * warmup ** ____\nrate = d_model ** ____ * ____(decay, rise)"),
    ),
    mistakes=[
        Mistake(
            "max_not_min",
            "max picks the wrong branch: Eq. 3 takes the smaller of step^-0.5 and step * warmup^-1.5, min.",
            _lr(pick=max),
        ),
        Mistake(
            "d_model_factor_missing",
            "the d_model ** -0.5 factor is missing: Eq. 3 scales the whole rate by it.",
            _lr(scale=lambda d: 1.0),
        ),
        Mistake(
            "d_model_exponent",
            "the d_model factor has the wrong exponent: it is d_model ** -0.5.",
            _lr(scale=lambda d: d**0.5),
            _lr(scale=lambda d: 1 / d),
        ),
        Mistake(
            "d_model_on_one_branch",
            "the d_model ** -0.5 factor scales one branch only; it multiplies the min of the two.",
            _lr(where="first"),
        ),
        Mistake(
            "warmup_exponent",
            "the warm-up branch has the wrong exponent: it is step * warmup ** -1.5.",
            _lr(rise=lambda s, w: s / w),
            _lr(rise=lambda s, w: (s * w) ** -1.5),
            _lr(rise=lambda s, w: s * w**-0.5),
            _lr(rise=lambda s, w: s * w**-2.5),
        ),
        Mistake(
            "decay_exponent",
            "the decay branch has the wrong exponent: it is step ** -0.5.",
            _lr(decay=lambda s: 1 / s),
            _lr(decay=lambda s: s**0.5),
            _lr(decay=lambda s: s**-1.5),
        ),
        Mistake(
            "exponent_precedence",
            "operator precedence: x ** -1/2 is (x ** -1) / 2, not 1/sqrt(x) (and x ** -3/2 is (x ** -3) / 2); "
            "write the exponents as -0.5 and -1.5, or put them in parentheses.",
            _lr(scale=lambda d: d**-1 / 2),
            _lr(decay=lambda s: s**-1 / 2),
            _lr(rise=lambda s, w: s * w**-3 / 2),
            _lr(scale=lambda d: d**-1 / 2, decay=lambda s: s**-1 / 2),
            _lr(scale=lambda d: d**-1 / 2, decay=lambda s: s**-1 / 2, rise=lambda s, w: s * w**-3 / 2),
        ),
        Mistake(
            "warmup_missing", "only the decay branch is there: the rate first grows during warm-up.", _lr(where="decay")
        ),
        Mistake("decay_missing", "only the warm-up branch is there: after warm-up the rate decays.", _lr(where="rise")),
        Mistake(
            "step_off_by_one",
            "the step is shifted by one: Eq. 3 takes the step number as it is (the first step is 1).",
            _lr(shift=1),
            _lr(shift=-1),
        ),
    ],
    # the last two: a warm-up branch step * warmup ** -0.5 is the smaller one (step < warmup^(1/3)), and a
    # decay branch step ** 0.5 too (step > warmup^3), so either exponent slip shows apart from a missing branch
    probes=lambda: [(100, 512, 4000), (20000, 64, 200), (30, 16, 50), (5, 64, 4000), (30, 16, 3)],
    reference=_lr(),
)


def _lr_case(step, d_model, warmup, fn):
    return lambda: (fn(step, d_model, warmup), float(warmup_lr(step, d_model, warmup)))


def check_warmup_lr(fn, hidden: bool = False):
    """Notebook 07, Your turn 1: ``fn(step, d_model, warmup) -> float``: the paper's Eq. 3 learning rate."""
    cases = [
        Case("during warmup", _lr_case(100, 512, 4000, fn), atol=1e-9),
        Case("at the peak", _lr_case(4000, 512, 4000, fn), atol=1e-9),
        Case("after warmup", _lr_case(20000, 64, 200, fn), atol=1e-9),
    ]
    hidden_cases = [
        Case("step 1", _lr_case(1, 64, 200, fn), atol=1e-12),
        Case("long after", _lr_case(10**6, 128, 50, fn), atol=1e-12),
    ]
    return WARMUP_LR.check(fn, cases, hidden_cases, hidden)


SMOOTHED_TARGETS = Exercise(
    "07",
    "smoothed_targets",
    N_("07 Your turn 2 (label-smoothed targets)"),
    hints=(
        N_(
            "Label smoothing spreads eps of the probability evenly over the whole vocabulary, the right word "
            "included, and keeps the rest, 1 - eps, on the right word."
        ),
        N_(
            "Start from a table with one row per target and one column per word, every entry eps divided by the "
            "vocabulary size. Then, in each row, add 1 - eps at the column of that row's right word (rows and "
            "columns indexed together). Each row then sums to 1."
        ),
        N_("out = torch.full((len(target), vocab_size), ____)\nout[torch.arange(len(target)), ____] += ____"),
    ),
    mistakes=[
        Mistake(
            "spread_over_other_words",
            "eps is spread over the other V - 1 words (eps/(V-1)); PyTorch's label_smoothing spreads it over all "
            "V words, the right one included: eps/V everywhere, plus 1 - eps on the right word.",
            _smooth(base=lambda v, eps, n: eps / (v - 1), right="set"),
            _smooth(base=lambda v, eps, n: eps / (v - 1)),
        ),
        Mistake(
            "spread_excluding_padding",
            "eps is spread over V - 2 words, leaving out the padding and the right word (the Annotated "
            "Transformer's LabelSmoothing); here it goes over all V words: eps/V everywhere, plus 1 - eps.",
            _smooth(base=lambda v, eps, n: eps / (v - 2), right="set"),
            _smooth(base=lambda v, eps, n: eps / (v - 2)),
        ),
        Mistake(
            "nothing_spread",
            "the table starts from zeros, so only the right word gets probability; eps is spread over every "
            "word first, eps / V each, and the right word gets 1 - eps on top.",
            nothing_spread(lambda eps, v: 1 - eps),
            nothing_spread(lambda eps, v: 1 - eps + eps / v),
        ),
        Mistake(
            "one_hot_width",
            "F.one_hot(target) is only as wide as the largest id + 1: pass num_classes=vocab_size.",
            one_hot_targets,
        ),
        Mistake(
            "division_precedence",
            "operator precedence: eps / vocab_size - 1 is (eps / vocab_size) - 1; eps is shared out over the V "
            "words, eps / vocab_size each.",
            _smooth(base=lambda v, eps, n: eps / v - 1),
            _smooth(base=lambda v, eps, n: eps / v - 1, right="set"),
        ),
        Mistake(
            "not_smoothed",
            "the targets are one-hot: with eps > 0 every word gets eps / V.",
            _smooth(base=lambda v, eps, n: 0.0, bonus=lambda eps, v: 1.0),
        ),
        Mistake(
            "right_word_set",
            "the right word is set to 1 - eps, dropping its own share eps / V: add 1 - eps to it.",
            _smooth(right="set"),
        ),
        Mistake(
            "right_word_one",
            "the right word gets 1 on top of eps / V, so the row sums to more than 1: it gets 1 - eps + eps / V.",
            _smooth(bonus=lambda eps, v: 1.0),
            _smooth(right="set", bonus=lambda eps, v: 1.0),
        ),
        Mistake(
            "eps_swapped",
            "eps and 1 - eps are swapped: eps is spread over the vocabulary, 1 - eps goes to the right word.",
            _smooth(base=lambda v, eps, n: (1 - eps) / v, bonus=lambda eps, v: eps),
        ),
        Mistake(
            "eps_not_divided",
            "every word gets eps; eps is shared out over the V words, eps / V each.",
            _smooth(base=lambda v, eps, n: eps),
        ),
        Mistake(
            "divided_by_batch",
            "eps is divided by the number of targets; it is shared out over the vocabulary, eps / V.",
            _smooth(base=lambda v, eps, n: eps / n),
        ),
        Mistake(
            "columns_for_every_row",
            "`out[:, target]` adds to every row at every target's column; index rows and columns together: "
            "out[torch.arange(N), target].",
            _smooth(rows="all"),
        ),
    ],
    probes=lambda: [(torch.tensor([1, 3, 0]), 6, 0.2), (torch.tensor([2, 2, 1]), 4, 0.3)],
    reference=_smooth(),
)


def _smooth_case(target, vocab, eps, fn):
    def run():
        t = torch.tensor(target)
        expected = torch.full((len(target), vocab), eps / vocab)
        expected[torch.arange(len(target)), t] += 1 - eps
        return fn(t, vocab, eps), expected

    return run


def check_smoothed_targets(fn, hidden: bool = False):
    """Notebook 07, Your turn 2: ``fn(target (N,) ids, vocab_size, eps) -> (N, vocab_size)``: the
    label-smoothed targets of ``cross_entropy(label_smoothing=eps)``: 1 - eps on the right word plus eps / V
    on every word."""
    cases = [
        Case("no smoothing is one-hot", _smooth_case([2, 0], 4, 0.0, fn)),
        Case("eps = 0.1 over 5 words", _smooth_case([1, 4, 3], 5, 0.1, fn)),
    ]
    hidden_cases = [Case("eps = 0.3, one word, 7 in the vocabulary", _smooth_case([6], 7, 0.3, fn))]
    return SMOOTHED_TARGETS.check(fn, cases, hidden_cases, hidden)


GREEDY_STEP = Exercise(
    "07",
    "greedy_step",
    N_("07 Your turn 3 (one greedy step)"),
    hints=(
        N_(
            "One decoder step gives log-probabilities for the next word of each sentence; greedy decoding takes "
            "the most probable word and appends it to the words written so far."
        ),
        N_(
            "Call model.step with the memory, the source mask, the whole prefix and no cache (None); it returns "
            "the log-probabilities of the next word, (batch, vocabulary), and a cache you can ignore. Take the "
            "index of the largest entry in each row, keep it as a column (batch, 1), and concatenate it to the "
            "tokens along the time axis."
        ),
        N_(
            "log_probs, _ = model.step(memory, src_mask, ____, None)\n"
            "next_word = log_probs.____(dim=-1, keepdim=____)   # (batch, 1)\n"
            "longer = torch.cat([____, ____], dim=____)"
        ),
    ),
    mistakes=[
        Mistake(
            "argmin",
            "argmin picks the least probable word; greedy decoding takes the argmax.",
            _greedy(choose=lambda lp: lp.argmin(-1, keepdim=True)),
        ),
        Mistake(
            "keepdim_missing",
            "argmax(-1) without keepdim=True gives (batch,); the new word must be a column (batch, 1) to be "
            "concatenated.",
            _greedy(choose=lambda lp: lp.argmax(-1)),
        ),
        Mistake(
            "argmax_over_batch",
            "the argmax runs over the batch (dim 0); take it over the vocabulary, the last dimension.",
            _greedy(choose=lambda lp: lp.argmax(0, keepdim=True)),
        ),
        Mistake(
            "max_value_not_index",
            "the highest log-probability is appended, not its index: argmax gives the word.",
            _greedy(choose=lambda lp: lp.max(-1, keepdim=True).values),
        ),
        Mistake(
            "word_prepended",
            "the new word is put in front; it goes after the words so far: torch.cat([tokens, word], dim=1).",
            _greedy(join=lambda t, w: torch.cat([w, t], 1)),
        ),
        Mistake(
            "new_word_only",
            "only the new word is returned; return the tokens with it appended, (batch, t + 1).",
            _greedy(join=lambda t, w: w),
        ),
        Mistake(
            "tokens_not_extended",
            "the tokens are returned as they came in; append the new word to them: torch.cat([tokens, word], dim=1).",
            _greedy(join=lambda t, w: t),
        ),
        Mistake(
            "concatenated_on_batch",
            "the new word is concatenated along the batch (dim 0); it goes along the time axis, dim=1.",
            _greedy(join=lambda t, w: torch.cat([t, w], 0)),
        ),
        Mistake(
            "last_word_overwritten",
            "the new word is written over the last one; it goes after it: torch.cat([tokens, word], dim=1).",
            _greedy(join=overwritten),
        ),
        Mistake(
            "sampled_not_argmax",
            "the next word is drawn at random (sampling); greedy decoding takes the most probable word, argmax.",
            _greedy(choose=sampled),
        ),
        Mistake(
            "last_word_only",
            "model.step got only the last word; without a cache it needs the whole prefix, <bos> first.",
            _greedy(feed=lambda t: t[:, -1:]),
        ),
    ],
    probes=lambda: _step_probes(),
    reference=_greedy(),
)


def _model(seed: int):
    torch.manual_seed(seed)
    config = TransformerConfig(
        20, 20, d_model=16, n_heads=2, n_encoder_layers=1, n_decoder_layers=1, d_ff=32, dropout=0.0
    )
    return Transformer(config).eval()


def _step_inputs(model, batch, src_len, t):
    src = torch.randint(4, 20, (batch, src_len))
    mask = src != 0
    tokens = torch.cat([torch.ones(batch, 1, dtype=torch.long), torch.randint(4, 20, (batch, t - 1))], 1)
    with torch.no_grad():
        memory, _ = model.start(src, mask)
    return memory, mask, tokens


def _step_probes():
    model = _model(21)
    return [(model, *_step_inputs(model, 2, 5, 1)), (model, *_step_inputs(model, 3, 4, 3))]


def _step_case(seed, batch, src_len, t, fn):
    def run():
        model = _model(seed)
        memory, mask, tokens = _step_inputs(model, batch, src_len, t)
        with torch.no_grad():
            log_probs, _ = model.step(memory, mask, tokens, None)  # the whole prefix, no cache
            expected = torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], 1)
            return fn(model, memory, mask, tokens), expected

    return run


def check_greedy_step(fn, hidden: bool = False):
    """Notebook 07, Your turn 3: ``fn(model, memory, src_mask, tokens (batch, t)) -> (batch, t + 1)``: one
    step of greedy decoding, appending the most probable next word."""
    cases = [
        Case("first step (only <bos>)", _step_case(0, 2, 5, 1, fn)),
        Case("a longer prefix", _step_case(1, 3, 6, 4, fn)),
    ]
    hidden_cases = [Case("one sentence, a longer prefix", _step_case(3, 1, 4, 5, fn))]
    return GREEDY_STEP.check(fn, cases, hidden_cases, hidden)


EXERCISES = {e.key: e for e in (WARMUP_LR, SMOOTHED_TARGETS, GREEDY_STEP)}
hint = Hints("nb07", EXERCISES)
solution = Solutions("nb07", "07", EXERCISES)
