# ruff: noqa: E501  (a list of student answers written as they were given)
"""Held-out list B of plausible student mistakes for the 24 "Your turn" exercises of notebooks 01-10.

Written from the notebooks (Your-turn text, solution cells, check calls, surrounding prose) and the
package's model code only, without the graders' tables or any earlier mistake list.

Each entry: notebook, exercise (the key in ``nbNN.check_<exercise>``), check (the check's name), name (the
mistake as a teacher would describe it), source (Python defining the wrong function, with exactly the
solution's name and signature; every import it needs is inside the string). ``verify.py`` runs each one
against the notebook's own solution.
"""

MISTAKES = [
    # ---- 01 rnn_step ------------------------------------------------------------------------
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="forgets to transpose the recurrent matrix (h @ W_hh instead of h @ W_hh.T): the square W_hh hides the slip because the shapes still fit",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh + b_hh)
""",
    ),
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="copies the paper's column-vector formula W x literally and returns the state as (H, batch) instead of (batch, H)",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return torch.tanh(W_ih @ x.T + b_ih[:, None] + W_hh @ h.T + b_hh[:, None])
""",
    ),
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="uses a sigmoid as the non-linearity (mixing the vanilla RNN up with a gate)",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return torch.sigmoid(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
""",
    ),
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="leaves out the non-linearity altogether (a linear recurrence)",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
""",
    ),
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="drops the recurrent bias b_hh, since the paper-style formula has a single bias",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T)
""",
    ),
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="adds the biases after the tanh instead of inside it",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return torch.tanh(x @ W_ih.T + h @ W_hh.T) + b_ih + b_hh
""",
    ),
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="squashes only the input term and adds the recurrent term outside the tanh",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return torch.tanh(x @ W_ih.T + b_ih) + h @ W_hh.T + b_hh
""",
    ),
    dict(
        notebook="01",
        exercise="rnn_step",
        check="check_rnn_step",
        name="adds a residual connection to the old state (h + tanh(...)), as in a blog's 'leaky' RNN",
        source="""\
import torch
def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):
    return h + torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)
""",
    ),
    # ---- 01 gradient_ratio ------------------------------------------------------------------
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="inverts the ratio: norm at the last state over the norm distance steps back",
        source="""\
def my_gradient_norm_ratio(norms, distance):
    return float(norms[0] / norms[distance])
""",
    ),
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="reads norms as indexed by time t (last entry = last state), not by the distance T - t",
        source="""\
def my_gradient_norm_ratio(norms, distance):
    last = len(norms) - 1
    return float(norms[last - distance] / norms[last])
""",
    ),
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="divides by the last element norms[-1] instead of the norm at distance 0",
        source="""\
def my_gradient_norm_ratio(norms, distance):
    return float(norms[distance] / norms[-1])
""",
    ),
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="off by one: takes norms[distance - 1] (counts the distance from 1)",
        source="""\
def my_gradient_norm_ratio(norms, distance):
    return float(norms[distance - 1] / norms[0])
""",
    ),
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="returns how much was lost (a difference) instead of the ratio",
        source="""\
def my_gradient_norm_ratio(norms, distance):
    return float(norms[0] - norms[distance])
""",
    ),
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="reports orders of magnitude: returns log10 of the ratio, as read off the semilog plot",
        source="""\
import math
def my_gradient_norm_ratio(norms, distance):
    return math.log10(float(norms[distance] / norms[0]))
""",
    ),
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="returns the average shrink per step (the distance-th root of the ratio)",
        source="""\
def my_gradient_norm_ratio(norms, distance):
    return float(norms[distance] / norms[0]) ** (1.0 / distance)
""",
    ),
    dict(
        notebook="01",
        exercise="gradient_ratio",
        check="check_gradient_ratio",
        name="returns norms[distance] alone, assuming the last state's norm is always 1",
        source="""\
def my_gradient_norm_ratio(norms, distance):
    return float(norms[distance])
""",
    ),
    # ---- 02 additive_score ------------------------------------------------------------------
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="forgets the tanh between the sum and v",
        source="""\
import torch
def my_additive_score(s, h, attn):
    return attn.v(attn.w_q(s)[:, None, :] + attn.w_k(h)).squeeze(-1)
""",
    ),
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="applies the tanh after v instead of before it",
        source="""\
import torch
def my_additive_score(s, h, attn):
    return torch.tanh(attn.v(attn.w_q(s)[:, None, :] + attn.w_k(h))).squeeze(-1)
""",
    ),
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="returns the softmax weights alpha instead of the raw scores e",
        source="""\
import torch
def my_additive_score(s, h, attn):
    e = attn.v(torch.tanh(attn.w_q(s)[:, None, :] + attn.w_k(h))).squeeze(-1)
    return torch.softmax(e, dim=-1)
""",
    ),
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="uses the raw .weight matrices (x @ W.T) and so loses w_k's bias",
        source="""\
import torch
def my_additive_score(s, h, attn):
    q = s @ attn.w_q.weight.T
    k = h @ attn.w_k.weight.T
    return (torch.tanh(q[:, None, :] + k) @ attn.v.weight.T).squeeze(-1)
""",
    ),
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="squashes the query and key projections separately, tanh(W_q s) + tanh(W_k h)",
        source="""\
import torch
def my_additive_score(s, h, attn):
    return attn.v(torch.tanh(attn.w_q(s))[:, None, :] + torch.tanh(attn.w_k(h))).squeeze(-1)
""",
    ),
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="multiplies the projections instead of adding them (multiplicative, not additive)",
        source="""\
import torch
def my_additive_score(s, h, attn):
    return attn.v(torch.tanh(attn.w_q(s)[:, None, :] * attn.w_k(h))).squeeze(-1)
""",
    ),
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="switches to a Luong-style dot product of the projections and never uses v",
        source="""\
import torch
def my_additive_score(s, h, attn):
    return (attn.w_q(s)[:, None, :] * attn.w_k(h)).sum(-1)
""",
    ),
    dict(
        notebook="02",
        exercise="additive_score",
        check="check_additive_score",
        name="borrows the 1/sqrt(d) scale of dot-product attention and divides the scores by it",
        source="""\
import math
import torch
def my_additive_score(s, h, attn):
    e = attn.v(torch.tanh(attn.w_q(s)[:, None, :] + attn.w_k(h))).squeeze(-1)
    return e / math.sqrt(attn.v.in_features)
""",
    ),
    # ---- 02 context_vector ------------------------------------------------------------------
    dict(
        notebook="02",
        exercise="context_vector",
        check="check_context_vector",
        name="averages over the source positions (mean) instead of summing the weighted states",
        source="""\
import torch
def my_context_vector(weights, states):
    return (weights[:, :, None] * states).mean(1)
""",
    ),
    dict(
        notebook="02",
        exercise="context_vector",
        check="check_context_vector",
        name="ignores the weights: the plain average of the encoder states",
        source="""\
import torch
def my_context_vector(weights, states):
    return states.mean(1)
""",
    ),
    dict(
        notebook="02",
        exercise="context_vector",
        check="check_context_vector",
        name="sums over the feature axis instead of the source axis: returns (batch, S)",
        source="""\
import torch
def my_context_vector(weights, states):
    return (weights[:, :, None] * states).sum(2)
""",
    ),
    dict(
        notebook="02",
        exercise="context_vector",
        check="check_context_vector",
        name="applies a softmax to weights that are already a distribution",
        source="""\
import torch
def my_context_vector(weights, states):
    alpha = torch.softmax(weights, dim=-1)
    return (alpha[:, :, None] * states).sum(1)
""",
    ),
    dict(
        notebook="02",
        exercise="context_vector",
        check="check_context_vector",
        name="uses bmm then a bare .squeeze(), which also drops the batch axis when batch = 1",
        source="""\
import torch
def my_context_vector(weights, states):
    return torch.bmm(weights[:, None, :], states).squeeze()
""",
    ),
    dict(
        notebook="02",
        exercise="context_vector",
        check="check_context_vector",
        name="hard attention: takes the single most-attended state instead of the weighted sum",
        source="""\
import torch
def my_context_vector(weights, states):
    return states[torch.arange(states.shape[0]), weights.argmax(dim=1)]
""",
    ),
    dict(
        notebook="02",
        exercise="context_vector",
        check="check_context_vector",
        name="einsum with a different letter for the batch of the states, so it sums across the batch",
        source="""\
import torch
def my_context_vector(weights, states):
    return torch.einsum("bs,csd->bd", weights, states)
""",
    ),
    # ---- 03 attention -----------------------------------------------------------------------
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="leaves out the 1/sqrt(d_k) scale",
        source="""\
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="divides by d_k instead of sqrt(d_k)",
        source="""\
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="scales by the square root of the number of keys (k.shape[-2]) instead of d_k",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(k.shape[-2])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="softmax over the queries axis (dim=-2) instead of the keys axis",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-2)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="reads the mask in nn.Transformer's convention (True = blocked) and fills where it is True",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="masks after the softmax (zeroes blocked weights without renormalising the rows)",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    if mask is not None:
        weights = weights.masked_fill(~mask, 0.0)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="fills blocked scores with 0 instead of -inf (a zero score still gets weight)",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, 0.0)
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="treats the boolean mask as an additive mask (scores + mask), as in code ported from a blog",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="returns the raw scores as the second output instead of the softmax weights",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, scores
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="never uses the mask argument",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    dict(
        notebook="03",
        exercise="attention",
        check="check_attention",
        name="scales by sqrt of the value width v.shape[-1] instead of the key width d_k",
        source="""\
import math
import torch
def my_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(v.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights
""",
    ),
    # ---- 03 causal_mask ---------------------------------------------------------------------
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="uses triu instead of tril: query i may see the future keys j >= i",
        source="""\
import torch
def my_causal_mask(length):
    return torch.ones(length, length, dtype=torch.bool).triu()
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="builds nn.Transformer's mask (True = blocked, the strict upper triangle)",
        source="""\
import torch
def my_causal_mask(length):
    return torch.ones(length, length, dtype=torch.bool).triu(1)
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="strict lower triangle tril(-1): a position may not attend to itself (j < i)",
        source="""\
import torch
def my_causal_mask(length):
    return torch.ones(length, length, dtype=torch.bool).tril(-1)
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="returns a float 0/1 matrix (torch.tril(torch.ones(L, L))) instead of a boolean one",
        source="""\
import torch
def my_causal_mask(length):
    return torch.tril(torch.ones(length, length))
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="returns an additive float mask (0 allowed, -inf blocked) like nn.Transformer.generate_square_subsequent_mask",
        source="""\
import torch
def my_causal_mask(length):
    blocked = torch.ones(length, length, dtype=torch.bool).triu(1)
    return torch.zeros(length, length).masked_fill(blocked, float("-inf"))
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="compares the indices the wrong way round (i <= j, rows and columns swapped)",
        source="""\
import torch
def my_causal_mask(length):
    i = torch.arange(length)
    return i[:, None] <= i[None, :]
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="loop starting at row 1, so row 0 (the first query) may attend to nothing",
        source="""\
import torch
def my_causal_mask(length):
    m = torch.zeros(length, length, dtype=torch.bool)
    for i in range(1, length):
        m[i, : i + 1] = True
    return m
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="tril(diagonal=1), thinking the argument means 'include the diagonal': one future key leaks",
        source="""\
import torch
def my_causal_mask(length):
    return torch.tril(torch.ones(length, length, dtype=torch.bool), diagonal=1)
""",
    ),
    dict(
        notebook="03",
        exercise="causal_mask",
        check="check_causal_mask",
        name="old-PyTorch byte mask: a uint8 tensor of 0/1 instead of bool",
        source="""\
import torch
def my_causal_mask(length):
    return torch.ones(length, length, dtype=torch.uint8).tril()
""",
    ),
    # ---- 04 split_heads ---------------------------------------------------------------------
    dict(
        notebook="04",
        exercise="split_heads",
        check="check_split_heads",
        name="reshapes straight to (batch, heads, L, d_k) with no transpose, mixing positions and heads",
        source="""\
import torch
def my_split_heads(x, n_heads):
    b, length, d_model = x.shape
    return x.view(b, n_heads, length, d_model // n_heads)
""",
    ),
    dict(
        notebook="04",
        exercise="split_heads",
        check="check_split_heads",
        name="transposes first and then reshapes (the wrong order of transpose and reshape)",
        source="""\
import torch
def my_split_heads(x, n_heads):
    b, length, d_model = x.shape
    return x.transpose(1, 2).reshape(b, n_heads, length, d_model // n_heads)
""",
    ),
    dict(
        notebook="04",
        exercise="split_heads",
        check="check_split_heads",
        name="forgets the transpose: returns (batch, L, heads, d_k)",
        source="""\
import torch
def my_split_heads(x, n_heads):
    b, length, d_model = x.shape
    return x.view(b, length, n_heads, d_model // n_heads)
""",
    ),
    dict(
        notebook="04",
        exercise="split_heads",
        check="check_split_heads",
        name="splits d_model as (d_k, heads) instead of (heads, d_k): each head gets every h-th feature",
        source="""\
import torch
def my_split_heads(x, n_heads):
    b, length, d_model = x.shape
    return x.view(b, length, d_model // n_heads, n_heads).permute(0, 3, 1, 2)
""",
    ),
    dict(
        notebook="04",
        exercise="split_heads",
        check="check_split_heads",
        name="swaps d_k and n_heads in the view and transposes: shape (batch, d_k, L, heads)",
        source="""\
import torch
def my_split_heads(x, n_heads):
    b, length, d_model = x.shape
    return x.view(b, length, d_model // n_heads, n_heads).transpose(1, 2)
""",
    ),
    dict(
        notebook="04",
        exercise="split_heads",
        check="check_split_heads",
        name="folds the heads into the batch, fairseq style: returns (batch * heads, L, d_k)",
        source="""\
import torch
def my_split_heads(x, n_heads):
    b, length, d_model = x.shape
    d_k = d_model // n_heads
    return x.view(b, length, n_heads, d_k).transpose(1, 2).reshape(b * n_heads, length, d_k)
""",
    ),
    dict(
        notebook="04",
        exercise="split_heads",
        check="check_split_heads",
        name="loop over heads with the wrong slice stride (i * n_heads instead of i * d_k)",
        source="""\
import torch
def my_split_heads(x, n_heads):
    b, length, d_model = x.shape
    d_k = d_model // n_heads
    return torch.stack([x[:, :, i * n_heads : i * n_heads + d_k] for i in range(n_heads)], dim=1)
""",
    ),
    # ---- 04 merge_heads ---------------------------------------------------------------------
    dict(
        notebook="04",
        exercise="merge_heads",
        check="check_merge_heads",
        name="reshapes without transposing back first",
        source="""\
import torch
def my_merge_heads(x):
    b, h, length, d_k = x.shape
    return x.reshape(b, length, h * d_k)
""",
    ),
    dict(
        notebook="04",
        exercise="merge_heads",
        check="check_merge_heads",
        name="concatenates feature-major (permute(0, 2, 3, 1)): the heads' features come out interleaved",
        source="""\
import torch
def my_merge_heads(x):
    b, h, length, d_k = x.shape
    return x.permute(0, 2, 3, 1).reshape(b, length, h * d_k)
""",
    ),
    dict(
        notebook="04",
        exercise="merge_heads",
        check="check_merge_heads",
        name="averages the heads instead of concatenating them: returns (batch, L, d_k)",
        source="""\
import torch
def my_merge_heads(x):
    return x.mean(dim=1)
""",
    ),
    dict(
        notebook="04",
        exercise="merge_heads",
        check="check_merge_heads",
        name="concatenates the heads along the sequence axis (dim=1) instead of the feature axis",
        source="""\
import torch
def my_merge_heads(x):
    return torch.cat([x[:, i] for i in range(x.shape[1])], dim=1)
""",
    ),
    dict(
        notebook="04",
        exercise="merge_heads",
        check="check_merge_heads",
        name="flattens from dim 1 instead of dim 2, collapsing the sequence axis too",
        source="""\
import torch
def my_merge_heads(x):
    return x.transpose(1, 2).flatten(1)
""",
    ),
    dict(
        notebook="04",
        exercise="merge_heads",
        check="check_merge_heads",
        name="transposes back but forgets the final reshape: returns (batch, L, heads, d_k)",
        source="""\
import torch
def my_merge_heads(x):
    return x.transpose(1, 2)
""",
    ),
    dict(
        notebook="04",
        exercise="merge_heads",
        check="check_merge_heads",
        name="unpacks the shape in split's order (b, L, h, d_k), so the reshape uses the wrong sizes",
        source="""\
import torch
def my_merge_heads(x):
    b, length, h, d_k = x.shape
    return x.transpose(1, 2).reshape(b, length, h * d_k)
""",
    ),
    # ---- 04 multi_head ----------------------------------------------------------------------
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="forgets the output projection W^O (out_proj)",
        source="""\
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    q = mha.split_heads(mha.q_proj(query))
    k = mha.split_heads(mha.k_proj(key))
    v = mha.split_heads(mha.v_proj(value))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    return mha.merge_heads(out), weights
""",
    ),
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="copy-paste slip: projects the keys with q_proj",
        source="""\
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    q = mha.split_heads(mha.q_proj(query))
    k = mha.split_heads(mha.q_proj(key))
    v = mha.split_heads(mha.v_proj(value))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    return mha.out_proj(mha.merge_heads(out)), weights
""",
    ),
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="forgets W^V: the values are split into heads unprojected",
        source="""\
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    q = mha.split_heads(mha.q_proj(query))
    k = mha.split_heads(mha.k_proj(key))
    v = mha.split_heads(value)
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    return mha.out_proj(mha.merge_heads(out)), weights
""",
    ),
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="merges the heads with a plain reshape, without transposing back",
        source="""\
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    q = mha.split_heads(mha.q_proj(query))
    k = mha.split_heads(mha.k_proj(key))
    v = mha.split_heads(mha.v_proj(value))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    b, h, length, d_k = out.shape
    return mha.out_proj(out.reshape(b, length, h * d_k)), weights
""",
    ),
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="splits the heads with a direct view to (batch, heads, L, d_k), without the transpose",
        source="""\
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    def split(t):
        b, length, d_model = t.shape
        return t.view(b, mha.n_heads, length, d_model // mha.n_heads)
    q, k, v = split(mha.q_proj(query)), split(mha.k_proj(key)), split(mha.v_proj(value))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    return mha.out_proj(mha.merge_heads(out)), weights
""",
    ),
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="scales the scores by 1/sqrt(d_model) instead of 1/sqrt(d_k)",
        source="""\
import math
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    q = mha.split_heads(mha.q_proj(query))
    k = mha.split_heads(mha.k_proj(key))
    v = mha.split_heads(mha.v_proj(value))
    out, weights = scaled_dot_product_attention(q, k, v, mask, scale=1.0 / math.sqrt(mha.d_model))
    return mha.out_proj(mha.merge_heads(out)), weights
""",
    ),
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="returns the weights averaged over the heads, as nn.MultiheadAttention does by default",
        source="""\
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    q = mha.split_heads(mha.q_proj(query))
    k = mha.split_heads(mha.k_proj(key))
    v = mha.split_heads(mha.v_proj(value))
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    return mha.out_proj(mha.merge_heads(out)), weights.mean(dim=1)
""",
    ),
    dict(
        notebook="04",
        exercise="multi_head",
        check="check_multi_head",
        name="flips the mask with ~ out of nn.MultiheadAttention habit (True = blocked there)",
        source="""\
import torch
from transformer_lite.model.attention import scaled_dot_product_attention
def my_multi_head(mha, query, key, value, mask=None):
    q = mha.split_heads(mha.q_proj(query))
    k = mha.split_heads(mha.k_proj(key))
    v = mha.split_heads(mha.v_proj(value))
    out, weights = scaled_dot_product_attention(q, k, v, None if mask is None else ~mask)
    return mha.out_proj(mha.merge_heads(out)), weights
""",
    ),
    # ---- 05 sinusoidal_encoding -------------------------------------------------------------
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="puts the cosines in the even columns and the sines in the odd ones",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
    angle = pos / 10000 ** (two_i / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.cos(angle)
    pe[:, 1::2] = torch.sin(angle)
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="uses i instead of 2i in the exponent (10000^(i/d_model))",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    i = torch.arange(d_model // 2, dtype=torch.float64)
    angle = pos / 10000 ** (i / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="doubles the even index twice: arange(0, d, 2) already is 2i, then writes 2 * two_i",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
    angle = pos / 10000 ** (2 * two_i / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="gives every column its own frequency (exponent j/d_model for column j) instead of sharing one per sin/cos pair",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    j = torch.arange(d_model, dtype=torch.float64)
    angle = pos / 10000 ** (j / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angle[:, 0::2])
    pe[:, 1::2] = torch.cos(angle[:, 1::2])
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="multiplies the position by 10000^(2i/d) instead of dividing by it",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
    angle = pos * 10000 ** (two_i / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="counts positions from 1 instead of 0",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(1, max_len + 1, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
    angle = pos / 10000 ** (two_i / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="concatenates all sines then all cosines (tensor2tensor layout) instead of interleaving",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
    angle = pos / 10000 ** (two_i / d_model)
    return torch.cat([torch.sin(angle), torch.cos(angle)], dim=1).float()
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="uses 2i+1 in the cosine's exponent, reading PE(pos, 2i+1) as a new frequency",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(pos / 10000 ** (two_i / d_model))
    pe[:, 1::2] = torch.cos(pos / 10000 ** ((two_i + 1) / d_model))
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="integer floor division in the exponent (arange(0, d, 2) // d_model is always 0)",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len)[:, None]
    two_i = torch.arange(0, d_model, 2)
    angle = pos / 10000 ** (two_i // d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle)
    return pe
""",
    ),
    dict(
        notebook="05",
        exercise="sinusoidal_encoding",
        check="check_sinusoidal_encoding",
        name="returns the table transposed, (d_model, max_len): dimensions as rows",
        source="""\
import torch
def my_sinusoidal_encoding(max_len, d_model):
    pos = torch.arange(max_len, dtype=torch.float64)[None, :]
    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)[:, None]
    angle = pos / 10000 ** (two_i / d_model)
    pe = torch.zeros(d_model, max_len)
    pe[0::2] = torch.sin(angle)
    pe[1::2] = torch.cos(angle)
    return pe
""",
    ),
    # ---- 05 equivariance_gap ----------------------------------------------------------------
    dict(
        notebook="05",
        exercise="equivariance_gap",
        check="check_equivariance_gap",
        name="forgets to shuffle the output: compares layer(x[:, perm]) with layer(x) itself",
        source="""\
import torch
def my_equivariance_gap(layer, x, perm):
    return (layer(x[:, perm]) - layer(x)).abs().max().item()
""",
    ),
    dict(
        notebook="05",
        exercise="equivariance_gap",
        check="check_equivariance_gap",
        name="applies perm to the shuffled output again instead of undoing it",
        source="""\
import torch
def my_equivariance_gap(layer, x, perm):
    return (layer(x[:, perm])[:, perm] - layer(x)).abs().max().item()
""",
    ),
    dict(
        notebook="05",
        exercise="equivariance_gap",
        check="check_equivariance_gap",
        name="shuffles the output with the inverse permutation (argsort) instead of perm",
        source="""\
import torch
def my_equivariance_gap(layer, x, perm):
    return (layer(x[:, perm]) - layer(x)[:, perm.argsort()]).abs().max().item()
""",
    ),
    dict(
        notebook="05",
        exercise="equivariance_gap",
        check="check_equivariance_gap",
        name="takes the mean absolute difference instead of the largest",
        source="""\
import torch
def my_equivariance_gap(layer, x, perm):
    return (layer(x[:, perm]) - layer(x)[:, perm]).abs().mean().item()
""",
    ),
    dict(
        notebook="05",
        exercise="equivariance_gap",
        check="check_equivariance_gap",
        name="forgets the abs: the signed maximum of the difference",
        source="""\
import torch
def my_equivariance_gap(layer, x, perm):
    return (layer(x[:, perm]) - layer(x)[:, perm]).max().item()
""",
    ),
    dict(
        notebook="05",
        exercise="equivariance_gap",
        check="check_equivariance_gap",
        name="returns the Frobenius norm of the difference instead of its largest entry",
        source="""\
import torch
def my_equivariance_gap(layer, x, perm):
    return (layer(x[:, perm]) - layer(x)[:, perm]).norm().item()
""",
    ),
    dict(
        notebook="05",
        exercise="equivariance_gap",
        check="check_equivariance_gap",
        name="divides by the size of the output, reporting a relative gap",
        source="""\
import torch
def my_equivariance_gap(layer, x, perm):
    y = layer(x)
    return ((layer(x[:, perm]) - y[:, perm]).abs().max() / y.abs().max()).item()
""",
    ),
    # ---- 06 encoder_layer -------------------------------------------------------------------
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="writes the pre-norm layer (x + Sublayer(LayerNorm(x))) instead of the paper's post-norm",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    n = layer.sub_self.norm(x)
    h, _ = layer.self_attn(n, n, n, mask)
    x = x + h
    return x + layer.ff(layer.sub_ff.norm(x))
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="forgets the residual connections: LayerNorm(Sublayer(x))",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, _ = layer.self_attn(x, x, x, mask)
    x = layer.sub_self.norm(h)
    return layer.sub_ff.norm(layer.ff(x))
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="normalises only the sub-layer's output and adds the residual after: x + LayerNorm(h)",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, _ = layer.self_attn(x, x, x, mask)
    x = x + layer.sub_self.norm(h)
    return x + layer.sub_ff.norm(layer.ff(x))
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="feeds the feed-forward the layer's original input instead of the attention sub-layer's output (variable shadowing)",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, _ = layer.self_attn(x, x, x, mask)
    y = layer.sub_self.norm(x + h)
    return layer.sub_ff.norm(y + layer.ff(x))
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="uses the same LayerNorm (sub_self.norm) for both sub-layers",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, _ = layer.self_attn(x, x, x, mask)
    x = layer.sub_self.norm(x + h)
    return layer.sub_self.norm(x + layer.ff(x))
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="drops the padding mask in the self-attention call",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, _ = layer.self_attn(x, x, x)
    x = layer.sub_self.norm(x + h)
    return layer.sub_ff.norm(x + layer.ff(x))
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="passes ~mask, converting to nn.Transformer's convention where none is needed",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, _ = layer.self_attn(x, x, x, ~mask)
    x = layer.sub_self.norm(x + h)
    return layer.sub_ff.norm(x + layer.ff(x))
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="skips the second Add & Norm: returns x + FFN(x) without the final LayerNorm",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, _ = layer.self_attn(x, x, x, mask)
    x = layer.sub_self.norm(x + h)
    return x + layer.ff(x)
""",
    ),
    dict(
        notebook="06",
        exercise="encoder_layer",
        check="check_encoder_layer",
        name="returns (output, attention weights) like the module's forward instead of the tensor",
        source="""\
import torch
def my_encoder_layer(layer, x, mask):
    h, w = layer.self_attn(x, x, x, mask)
    x = layer.sub_self.norm(x + h)
    return layer.sub_ff.norm(x + layer.ff(x)), w
""",
    ),
    # ---- 06 decoder_mask --------------------------------------------------------------------
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="causal part only: forgets to block the padded target positions",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    B, T = tgt_in.shape
    return torch.ones(T, T, dtype=torch.bool).tril()[None, None].expand(B, 1, T, T)
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="padding part only: forgets the causal (no peeking ahead) part",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    B, T = tgt_in.shape
    return (tgt_in != 0)[:, None, None, :].expand(B, 1, T, T)
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="puts the padding on the query axis ([:, None, :, None]) instead of the key axis",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    T = tgt_in.shape[1]
    return (tgt_in != 0)[:, None, :, None] & torch.ones(T, T, dtype=torch.bool).tril()
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="combines the two masks with | instead of &",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    T = tgt_in.shape[1]
    return (tgt_in != 0)[:, None, None, :] | torch.ones(T, T, dtype=torch.bool).tril()
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="builds the mask in nn.Transformer's convention (True = blocked)",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    T = tgt_in.shape[1]
    return (tgt_in == 0)[:, None, None, :] | torch.ones(T, T, dtype=torch.bool).triu(1)
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="leaves out the head axis: returns (batch, T, T)",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    T = tgt_in.shape[1]
    return (tgt_in != 0)[:, None, :] & torch.ones(T, T, dtype=torch.bool).tril()
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="triu instead of tril for the causal part",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    T = tgt_in.shape[1]
    return (tgt_in != 0)[:, None, None, :] & torch.ones(T, T, dtype=torch.bool).triu()
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="multiplies float 0/1 masks, returning a float mask instead of a boolean one",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    T = tgt_in.shape[1]
    return (tgt_in != 0).float()[:, None, None, :] * torch.tril(torch.ones(T, T))
""",
    ),
    dict(
        notebook="06",
        exercise="decoder_mask",
        check="check_decoder_mask",
        name="strict lower triangle tril(-1): each position is blocked from itself",
        source="""\
import torch
def my_decoder_mask(tgt_in):
    T = tgt_in.shape[1]
    return (tgt_in != 0)[:, None, None, :] & torch.ones(T, T, dtype=torch.bool).tril(-1)
""",
    ),
    # ---- 06 layer_parameters ----------------------------------------------------------------
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="counts the weight matrices only, no biases",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 4 * d_model * d_model
    ffn = 2 * d_model * d_ff
    norm = 2 * d_model
    return (2 * attention + ffn + 3 * norm) if decoder else (attention + ffn + 2 * norm)
""",
    ),
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="forgets the LayerNorm parameters",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 4 * d_model * d_model + 4 * d_model
    ffn = 2 * d_model * d_ff + d_ff + d_model
    return (2 * attention + ffn) if decoder else (attention + ffn)
""",
    ),
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="counts d_model per LayerNorm (the gain only, forgetting the bias)",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 4 * d_model * d_model + 4 * d_model
    ffn = 2 * d_model * d_ff + d_ff + d_model
    norm = d_model
    return (2 * attention + ffn + 3 * norm) if decoder else (attention + ffn + 2 * norm)
""",
    ),
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="gives the decoder layer two LayerNorms, forgetting the third Add & Norm",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 4 * d_model * d_model + 4 * d_model
    ffn = 2 * d_model * d_ff + d_ff + d_model
    norm = 2 * d_model
    return (2 * attention + ffn + 2 * norm) if decoder else (attention + ffn + 2 * norm)
""",
    ),
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="counts three attention matrices (Q, K, V) and forgets W^O",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 3 * d_model * d_model + 3 * d_model
    ffn = 2 * d_model * d_ff + d_ff + d_model
    norm = 2 * d_model
    return (2 * attention + ffn + 3 * norm) if decoder else (attention + ffn + 2 * norm)
""",
    ),
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="gives both FFN linears a bias of size d_ff (the second one's is d_model)",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 4 * d_model * d_model + 4 * d_model
    ffn = 2 * d_model * d_ff + 2 * d_ff
    norm = 2 * d_model
    return (2 * attention + ffn + 3 * norm) if decoder else (attention + ffn + 2 * norm)
""",
    ),
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="counts a decoder layer as two encoder layers (two feed-forwards, four norms)",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 4 * d_model * d_model + 4 * d_model
    ffn = 2 * d_model * d_ff + d_ff + d_model
    norm = 2 * d_model
    encoder = attention + ffn + 2 * norm
    return 2 * encoder if decoder else encoder
""",
    ),
    dict(
        notebook="06",
        exercise="layer_parameters",
        check="check_layer_parameters",
        name="swaps the two branches of the conditional (encoder formula for decoder=True)",
        source="""\
def my_layer_parameters(d_model, d_ff, decoder):
    attention = 4 * d_model * d_model + 4 * d_model
    ffn = 2 * d_model * d_ff + d_ff + d_model
    norm = 2 * d_model
    return (attention + ffn + 2 * norm) if decoder else (2 * attention + ffn + 3 * norm)
""",
    ),
    # ---- 07 warmup_lr -----------------------------------------------------------------------
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="max instead of min in Eq. 3",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    return d_model**-0.5 * max(step**-0.5, step * warmup**-1.5)
""",
    ),
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="warmup exponent -0.5 instead of -1.5",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    return d_model**-0.5 * min(step**-0.5, step * warmup**-0.5)
""",
    ),
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="multiplies by sqrt(d_model) instead of dividing (d_model**0.5)",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    return d_model**0.5 * min(step**-0.5, step * warmup**-1.5)
""",
    ),
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="leaves out the d_model^-0.5 factor",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    return min(step**-0.5, step * warmup**-1.5)
""",
    ),
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="floor division in the exponents (-1 // 2 and -3 // 2 are -1 and -2, not -0.5 and -1.5)",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    return d_model ** (-1 / 2) * min(step ** (-1 // 2), step * warmup ** (-3 // 2))
""",
    ),
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="shifts the step by one, as if the counter were 0-based",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    s = step + 1
    return d_model**-0.5 * min(s**-0.5, s * warmup**-1.5)
""",
    ),
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="writes the warmup ramp as step / warmup, losing the warmup^-1.5 normalisation",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    return d_model**-0.5 * min(step**-0.5, step / warmup)
""",
    ),
    dict(
        notebook="07",
        exercise="warmup_lr",
        check="check_warmup_lr",
        name="if/else version that forgets the d_model factor in the warmup branch",
        source="""\
def my_warmup_lr(step, d_model, warmup):
    if step < warmup:
        return step * warmup**-1.5
    return (d_model * step) ** -0.5
""",
    ),
    # ---- 07 smoothed_targets ----------------------------------------------------------------
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="textbook variant: eps / (V - 1) on the other words and exactly 1 - eps on the right one",
        source="""\
import torch
def my_smoothed_targets(target, vocab_size, eps):
    out = torch.full((len(target), vocab_size), eps / (vocab_size - 1))
    out[torch.arange(len(target)), target] = 1 - eps
    return out
""",
    ),
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="sets the right word to 1 - eps instead of adding it (loses its eps / V share)",
        source="""\
import torch
def my_smoothed_targets(target, vocab_size, eps):
    out = torch.full((len(target), vocab_size), eps / vocab_size)
    out[torch.arange(len(target)), target] = 1 - eps
    return out
""",
    ),
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="spreads eps (not eps / V) on every word, so rows sum to more than 1",
        source="""\
import torch
import torch.nn.functional as F
def my_smoothed_targets(target, vocab_size, eps):
    return F.one_hot(target, vocab_size).float() * (1 - eps) + eps
""",
    ),
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="indexes out[:, target] (NumPy-style column list), hitting every row's copy of every target column",
        source="""\
import torch
def my_smoothed_targets(target, vocab_size, eps):
    out = torch.full((len(target), vocab_size), eps / vocab_size)
    out[:, target] += 1 - eps
    return out
""",
    ),
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="adds 1 instead of 1 - eps on the right word",
        source="""\
import torch
def my_smoothed_targets(target, vocab_size, eps):
    out = torch.full((len(target), vocab_size), eps / vocab_size)
    out[torch.arange(len(target)), target] += 1
    return out
""",
    ),
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="builds the (V, N) transpose: vocabulary as rows",
        source="""\
import torch
def my_smoothed_targets(target, vocab_size, eps):
    out = torch.full((vocab_size, len(target)), eps / vocab_size)
    out[target, torch.arange(len(target))] += 1 - eps
    return out
""",
    ),
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="floor division eps // vocab_size (0.0): no smoothing mass on the other words",
        source="""\
import torch
def my_smoothed_targets(target, vocab_size, eps):
    out = torch.full((len(target), vocab_size), eps // vocab_size)
    out[torch.arange(len(target)), target] += 1 - eps
    return out
""",
    ),
    dict(
        notebook="07",
        exercise="smoothed_targets",
        check="check_smoothed_targets",
        name="keeps the right word at 1 and only adds eps / V elsewhere",
        source="""\
import torch
def my_smoothed_targets(target, vocab_size, eps):
    out = torch.full((len(target), vocab_size), eps / vocab_size)
    out[torch.arange(len(target)), target] = 1.0
    return out
""",
    ),
    # ---- 07 greedy_step ---------------------------------------------------------------------
    dict(
        notebook="07",
        exercise="greedy_step",
        check="check_greedy_step",
        name="argmin instead of argmax, treating log-probabilities like losses",
        source="""\
import torch
def my_greedy_step(model, memory, src_mask, tokens):
    log_probs, _ = model.step(memory, src_mask, tokens, None)
    return torch.cat([tokens, log_probs.argmin(-1, keepdim=True)], dim=1)
""",
    ),
    dict(
        notebook="07",
        exercise="greedy_step",
        check="check_greedy_step",
        name="samples the next word (multinomial) instead of taking the most probable one",
        source="""\
import torch
def my_greedy_step(model, memory, src_mask, tokens):
    log_probs, _ = model.step(memory, src_mask, tokens, None)
    return torch.cat([tokens, torch.multinomial(log_probs.exp(), 1)], dim=1)
""",
    ),
    dict(
        notebook="07",
        exercise="greedy_step",
        check="check_greedy_step",
        name="prepends the new word instead of appending it",
        source="""\
import torch
def my_greedy_step(model, memory, src_mask, tokens):
    log_probs, _ = model.step(memory, src_mask, tokens, None)
    return torch.cat([log_probs.argmax(-1, keepdim=True), tokens], dim=1)
""",
    ),
    dict(
        notebook="07",
        exercise="greedy_step",
        check="check_greedy_step",
        name="returns only the new word (batch, 1), not the extended prefix",
        source="""\
import torch
def my_greedy_step(model, memory, src_mask, tokens):
    log_probs, _ = model.step(memory, src_mask, tokens, None)
    return log_probs.argmax(-1, keepdim=True)
""",
    ),
    dict(
        notebook="07",
        exercise="greedy_step",
        check="check_greedy_step",
        name="feeds step only the last token (tokens[:, -1:]) with no cache, losing the prefix and its position",
        source="""\
import torch
def my_greedy_step(model, memory, src_mask, tokens):
    log_probs, _ = model.step(memory, src_mask, tokens[:, -1:], None)
    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1)
""",
    ),
    dict(
        notebook="07",
        exercise="greedy_step",
        check="check_greedy_step",
        name="appends the max log-probability (the values of .max) instead of its index",
        source="""\
import torch
def my_greedy_step(model, memory, src_mask, tokens):
    log_probs, _ = model.step(memory, src_mask, tokens, None)
    best = log_probs.max(-1, keepdim=True)[0]
    return torch.cat([tokens, best], dim=1)
""",
    ),
    dict(
        notebook="07",
        exercise="greedy_step",
        check="check_greedy_step",
        name="passes ~src_mask (nn.Transformer's True = padding) to step",
        source="""\
import torch
def my_greedy_step(model, memory, src_mask, tokens):
    log_probs, _ = model.step(memory, ~src_mask, tokens, None)
    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1)
""",
    ),
    # ---- 08 previous_token_share ------------------------------------------------------------
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="includes row 0 in the average (the whole diagonal)",
        source="""\
import torch
def my_previous_token_share(weights):
    if min(weights.shape) < 2:
        return 0.0
    return float(weights.diagonal().mean())
""",
    ),
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="language-model convention: averages weights[i, i - 1] (the sub-diagonal)",
        source="""\
import torch
def my_previous_token_share(weights):
    if min(weights.shape) < 2:
        return 0.0
    return float(weights.diagonal(-1).mean())
""",
    ),
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="rows and columns swapped: averages weights[i - 1, i] (the super-diagonal)",
        source="""\
import torch
def my_previous_token_share(weights):
    if min(weights.shape) < 2:
        return 0.0
    return float(weights.diagonal(1).mean())
""",
    ),
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="sums the diagonal entries instead of averaging them",
        source="""\
import torch
def my_previous_token_share(weights):
    if min(weights.shape) < 2:
        return 0.0
    return float(weights.diagonal()[1:].sum())
""",
    ),
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="divides the sum over rows 1..L-1 by L instead of L - 1",
        source="""\
import torch
def my_previous_token_share(weights):
    L = min(weights.shape)
    if L < 2:
        return 0.0
    return float(weights.diagonal()[1:].sum() / L)
""",
    ),
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="loop off by one: range(1, L - 1) skips the last row but still divides by L - 1",
        source="""\
import torch
def my_previous_token_share(weights):
    L = weights.shape[0]
    if L < 2:
        return 0.0
    total = 0.0
    for i in range(1, L - 1):
        total += float(weights[i, i])
    return total / (L - 1)
""",
    ),
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="counts the rows whose strongest key is the diagonal instead of averaging the weight",
        source="""\
import torch
def my_previous_token_share(weights):
    L = min(weights.shape)
    if L < 2:
        return 0.0
    return float((weights[1:].argmax(-1) == torch.arange(1, L)).float().mean())
""",
    ),
    dict(
        notebook="08",
        exercise="previous_token_share",
        check="check_previous_token_share",
        name="averages each row's largest weight, wherever it lies",
        source="""\
import torch
def my_previous_token_share(weights):
    if min(weights.shape) < 2:
        return 0.0
    return float(weights[1:].max(-1).values.mean())
""",
    ),
    # ---- 08 head_ablation -------------------------------------------------------------------
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="lays the mask out (heads, layers) instead of (layers, heads)",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_heads, n_layers)
    mask[head, layer] = 0.0
    return Intervention(head_mask={"cross": mask})
""",
    ),
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="inverts the mask: zeros everywhere and a 1 at (layer, head), keeping only that head",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.zeros(n_layers, n_heads)
    mask[layer, head] = 1.0
    return Intervention(head_mask={"cross": mask})
""",
    ),
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="switches the head off in the decoder's self-attention ('dec_self') instead of 'cross'",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_layers, n_heads)
    mask[layer, head] = 0.0
    return Intervention(head_mask={"dec_self": mask})
""",
    ),
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="zeroes the whole layer (mask[layer] = 0)",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_layers, n_heads)
    mask[layer] = 0.0
    return Intervention(head_mask={"cross": mask})
""",
    ),
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="zeroes that head in every layer (mask[:, head] = 0)",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_layers, n_heads)
    mask[:, head] = 0.0
    return Intervention(head_mask={"cross": mask})
""",
    ),
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="treats layer and head as 1-based (mask[layer - 1, head - 1])",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_layers, n_heads)
    mask[layer - 1, head - 1] = 0.0
    return Intervention(head_mask={"cross": mask})
""",
    ),
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="flat index with the wrong stride (layer * n_layers + head instead of layer * n_heads + head)",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_layers * n_heads)
    mask[layer * n_layers + head] = 0.0
    return Intervention(head_mask={"cross": mask.view(n_layers, n_heads)})
""",
    ),
    dict(
        notebook="08",
        exercise="head_ablation",
        check="check_head_ablation",
        name="switches the head off in every kind of attention, not only cross-attention",
        source="""\
import torch
from transformer_lite.model.attention import Intervention
def my_head_off(n_layers, n_heads, layer, head):
    mask = torch.ones(n_layers, n_heads)
    mask[layer, head] = 0.0
    return Intervention(head_mask={"enc_self": mask.clone(), "dec_self": mask.clone(), "cross": mask})
""",
    ),
    # ---- 09 layer_cost ----------------------------------------------------------------------
    dict(
        notebook="09",
        exercise="layer_cost",
        check="check_layer_cost",
        name="counts only Q K^T for self-attention (n^2 d), forgetting the weights x V product",
        source="""\
def my_layer_cost(kind, n, d, k):
    return {"self_attention": n * n * d, "recurrent": 2 * n * d * d, "convolutional": k * n * d * d}[kind]
""",
    ),
    dict(
        notebook="09",
        exercise="layer_cost",
        check="check_layer_cost",
        name="counts only the recurrent matrix U for the RNN (n d^2), forgetting the input matrix W",
        source="""\
def my_layer_cost(kind, n, d, k):
    return {"self_attention": 2 * n * n * d, "recurrent": n * d * d, "convolutional": k * n * d * d}[kind]
""",
    ),
    dict(
        notebook="09",
        exercise="layer_cost",
        check="check_layer_cost",
        name="counts the convolution as depthwise (k n d), forgetting that each output mixes all d inputs",
        source="""\
def my_layer_cost(kind, n, d, k):
    return {"self_attention": 2 * n * n * d, "recurrent": 2 * n * d * d, "convolutional": k * n * d}[kind]
""",
    ),
    dict(
        notebook="09",
        exercise="layer_cost",
        check="check_layer_cost",
        name="adds the Q, K, V, O projections (4 n d^2) to self-attention's cost",
        source="""\
def my_layer_cost(kind, n, d, k):
    return {"self_attention": 2 * n * n * d + 4 * n * d * d, "recurrent": 2 * n * d * d,
            "convolutional": k * n * d * d}[kind]
""",
    ),
    dict(
        notebook="09",
        exercise="layer_cost",
        check="check_layer_cost",
        name="swaps Table 1's rows: n d^2 terms for self-attention and n^2 d for the recurrent layer",
        source="""\
def my_layer_cost(kind, n, d, k):
    return {"self_attention": 2 * n * d * d, "recurrent": 2 * n * n * d, "convolutional": k * n * d * d}[kind]
""",
    ),
    dict(
        notebook="09",
        exercise="layer_cost",
        check="check_layer_cost",
        name="counts floating-point operations (2 per multiply-add), as the flop counter does",
        source="""\
def my_layer_cost(kind, n, d, k):
    return 2 * {"self_attention": 2 * n * n * d, "recurrent": 2 * n * d * d, "convolutional": k * n * d * d}[kind]
""",
    ),
    dict(
        notebook="09",
        exercise="layer_cost",
        check="check_layer_cost",
        name="counts only the causal half of the score matrix for self-attention (n (n + 1) d)",
        source="""\
def my_layer_cost(kind, n, d, k):
    return {"self_attention": n * (n + 1) * d, "recurrent": 2 * n * d * d, "convolutional": k * n * d * d}[kind]
""",
    ),
    # ---- 09 conv_path_length ----------------------------------------------------------------
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="uses the dilated-convolution formula log_k(n) from Table 1",
        source="""\
import math
def my_conv_path_length(n, k):
    return math.ceil(math.log(n, k))
""",
    ),
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="divides by k - 1 instead of the half-width (k - 1) / 2",
        source="""\
import math
def my_conv_path_length(n, k):
    return math.ceil((n - 1) / (k - 1))
""",
    ),
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="rounds down (integer division) instead of up",
        source="""\
import math
def my_conv_path_length(n, k):
    return (n - 1) // ((k - 1) // 2)
""",
    ),
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="uses the paper's contiguous-kernel estimate n / k",
        source="""\
import math
def my_conv_path_length(n, k):
    return math.ceil(n / k)
""",
    ),
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="uses n instead of n - 1 for the distance between the first and the last word",
        source="""\
import math
def my_conv_path_length(n, k):
    return math.ceil(n / ((k - 1) // 2))
""",
    ),
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="adds one layer too many (counts the input as a layer)",
        source="""\
import math
def my_conv_path_length(n, k):
    return math.ceil((n - 1) / ((k - 1) // 2)) + 1
""",
    ),
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="takes the half-width as (k + 1) // 2, counting the centre tap",
        source="""\
import math
def my_conv_path_length(n, k):
    return math.ceil((n - 1) / ((k + 1) // 2))
""",
    ),
    dict(
        notebook="09",
        exercise="conv_path_length",
        check="check_conv_path_length",
        name="missing parentheses: n - 1 / r instead of (n - 1) / r",
        source="""\
import math
def my_conv_path_length(n, k):
    return math.ceil(n - 1 / ((k - 1) // 2))
""",
    ),
    # ---- 10 loss_mask -----------------------------------------------------------------------
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="reuses src_mask for the source columns, so the real English words count in the loss",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    return torch.cat([src_mask, tgt_out != 0], dim=1)
""",
    ),
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="counts every target column, padding included",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    return torch.cat([torch.zeros_like(src_mask), torch.ones_like(tgt_out, dtype=torch.bool)], dim=1)
""",
    ),
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="returns only the (batch, T) target part, not the full (batch, S + T) mask",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    return tgt_out != 0
""",
    ),
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="returns a float 0/1 mask instead of a boolean one",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    return torch.cat([torch.zeros(src_mask.shape), (tgt_out != 0).float()], dim=1)
""",
    ),
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="puts the target columns first and the source columns after",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    return torch.cat([tgt_out != 0, torch.zeros_like(src_mask)], dim=1)
""",
    ),
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="shifts the mask one column left, reasoning that the separator column S - 1 predicts the first word",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    B, S = src_mask.shape
    T = tgt_out.shape[1]
    m = torch.zeros(B, S + T, dtype=torch.bool)
    m[:, S - 1 : S + T - 1] = tgt_out != 0
    return m
""",
    ),
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="returns the ignore mask (True where the loss does not count)",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    return torch.cat([torch.ones_like(src_mask), tgt_out == 0], dim=1)
""",
    ),
    dict(
        notebook="10",
        exercise="loss_mask",
        check="check_loss_mask",
        name="leaves out all special ids (tgt_out > 2), so <eos> is never learnt",
        source="""\
import torch
def my_loss_mask(src_mask, tgt_out):
    return torch.cat([torch.zeros_like(src_mask), tgt_out > 2], dim=1)
""",
    ),
    # ---- 10 top_k ---------------------------------------------------------------------------
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="inverts the condition: sets the top k to -inf and keeps the rest",
        source="""\
import torch
def my_top_k(logits, k):
    kth = logits.topk(k, dim=-1).values[:, -1:]
    return logits.masked_fill(logits >= kth, float("-inf"))
""",
    ),
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="takes values[:, :1] (the largest) as the threshold, assuming ascending order: keeps only the top 1",
        source="""\
import torch
def my_top_k(logits, k):
    kth = logits.topk(k, dim=-1).values[:, :1]
    return logits.masked_fill(logits < kth, float("-inf"))
""",
    ),
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="sorts and takes index k instead of k - 1 as the threshold: keeps k + 1 words",
        source="""\
import torch
def my_top_k(logits, k):
    kth = logits.sort(dim=-1, descending=True).values[:, k : k + 1]
    return logits.masked_fill(logits < kth, float("-inf"))
""",
    ),
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="fills with 0 instead of -inf, so the dropped words keep probability",
        source="""\
import torch
def my_top_k(logits, k):
    kth = logits.topk(k, dim=-1).values[:, -1:]
    return logits.masked_fill(logits < kth, 0.0)
""",
    ),
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="uses <= instead of <, dropping the k-th word too (keeps k - 1)",
        source="""\
import torch
def my_top_k(logits, k):
    kth = logits.topk(k, dim=-1).values[:, -1:]
    return logits.masked_fill(logits <= kth, float("-inf"))
""",
    ),
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="NumPy habit of no axis: takes the k-th largest over the whole flattened batch",
        source="""\
import torch
def my_top_k(logits, k):
    kth = logits.flatten().topk(k).values[-1]
    return logits.masked_fill(logits < kth, float("-inf"))
""",
    ),
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="returns softmax probabilities of the filtered logits instead of the logits",
        source="""\
import torch
def my_top_k(logits, k):
    kth = logits.topk(k, dim=-1).values[:, -1:]
    return torch.softmax(logits.masked_fill(logits < kth, float("-inf")), dim=-1)
""",
    ),
    dict(
        notebook="10",
        exercise="top_k",
        check="check_top_k",
        name="keeps the top-k values but gathers them into a (batch, k) tensor, losing the vocabulary layout",
        source="""\
import torch
def my_top_k(logits, k):
    return logits.topk(k, dim=-1).values
""",
    ),
    # ---- 10 cached_step ---------------------------------------------------------------------
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="returns the state it was given instead of the updated one from step",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, _ = model.step(memory, src_mask, tokens, state)
    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1), state
""",
    ),
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="passes only the newest token (tokens[:, -1:]) to step, so its position restarts at 0",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens[:, -1:], state)
    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1), state
""",
    ),
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="starts a fresh cache every step (model.empty_state) instead of using the given state",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens, model.empty_state(memory))
    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1), state
""",
    ),
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="returns only the new word as tokens (batch, 1) with the state",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens, state)
    return log_probs.argmax(-1, keepdim=True), state
""",
    ),
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="returns (state, tokens) in the wrong order",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens, state)
    return state, torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1)
""",
    ),
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="samples the next word instead of taking the argmax",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens, state)
    return torch.cat([tokens, torch.multinomial(log_probs.exp(), 1)], dim=1), state
""",
    ),
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="argmin of the log-probabilities (the least probable word)",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens, state)
    return torch.cat([tokens, log_probs.argmin(-1, keepdim=True)], dim=1), state
""",
    ),
    dict(
        notebook="10",
        exercise="cached_step",
        check="check_cached_step",
        name="prepends the new word to the tokens",
        source="""\
import torch
def my_cached_step(model, memory, src_mask, tokens, state):
    log_probs, state = model.step(memory, src_mask, tokens, state)
    return torch.cat([log_probs.argmax(-1, keepdim=True), tokens], dim=1), state
""",
    ),
]
