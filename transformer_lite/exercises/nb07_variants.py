"""The wrong answers notebook 07's graders know (written as a student writes them).

Each factory gives the right answer without arguments and a known mistake with them."""

from __future__ import annotations

import torch


def lr(scale=lambda d: d**-0.5, decay=lambda s: s**-0.5, rise=lambda s, w: s * w**-1.5, pick=min, shift=0, where="all"):
    """A learning rate a student might write: Eq. 3 with the defaults, a known mistake otherwise."""

    def lr(step, d_model, warmup):
        s = step + shift
        if where == "decay":
            return scale(d_model) * decay(s)
        if where == "rise":
            return scale(d_model) * rise(s, warmup)
        if where == "first":
            return pick(scale(d_model) * decay(s), rise(s, warmup))
        return scale(d_model) * pick(decay(s), rise(s, warmup))

    return lr


def smooth(base=lambda v, eps, n: eps / v, right="add", bonus=lambda eps, v: 1 - eps, rows="each"):
    """Smoothed targets a student might write: the right ones with the defaults, a known mistake otherwise."""

    def smooth(target, vocab_size, eps):
        n = len(target)
        out = torch.full((n, vocab_size), base(vocab_size, eps, n))
        where = (torch.arange(n), target) if rows == "each" else (slice(None), target)
        if right == "add":
            out[where] += bonus(eps, vocab_size)
        else:
            out[where] = bonus(eps, vocab_size)
        return out

    return smooth


def greedy(feed=lambda t: t, choose=lambda lp: lp.argmax(-1, keepdim=True), join=lambda t, w: torch.cat([t, w], 1)):
    """A greedy step a student might write: the right one with the defaults, a known mistake otherwise."""

    def step(model, memory, src_mask, tokens):
        log_probs, _ = model.step(memory, src_mask, feed(tokens), None)
        return join(tokens, choose(log_probs))

    return step


def overwritten(tokens, word):
    """The new word written over the last one instead of after it."""
    tokens = tokens.clone()
    tokens[:, -1:] = word
    return tokens


def sampled(log_probs):
    """The next word drawn from the distribution instead of the most probable one."""
    return torch.multinomial(log_probs.exp(), 1)


def one_hot_targets(target, vocab_size, eps):
    """F.one_hot without num_classes: only as wide as the largest id + 1."""
    return torch.nn.functional.one_hot(target).float() * (1 - eps) + eps / vocab_size


def nothing_spread(set_to):
    """Targets that start from zeros: only the right word gets something."""

    def smooth(target, vocab_size, eps):
        out = torch.zeros(len(target), vocab_size)
        out[torch.arange(len(target)), target] = set_to(eps, vocab_size)
        return out

    return smooth
