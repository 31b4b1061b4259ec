"""The worked solutions that ``nbNN.solution("<exercise>")`` prints: each exercise's function from the
teacher's copy of its notebook. Written by ``python -m tools.workspace solutions`` from the notebooks'
solution cells; tests/test_hints.py checks that it is current. Do not edit by hand."""

SOLUTIONS = {
    "01": {
        "rnn_step": (
            "def my_rnn_step(x, h, W_ih, b_ih, W_hh, b_hh):\n"
            "    return torch.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)\n"
        ),
        "gradient_ratio": (
            "def my_gradient_norm_ratio(norms, distance):\n    return float(norms[distance] / norms[0])\n"
        ),
    },
    "02": {
        "additive_score": (
            "def my_additive_score(s, h, attn):\n"
            "    return attn.v(torch.tanh(attn.w_q(s)[:, None, :] + attn.w_k(h))).squeeze(-1)\n"
        ),
        "context_vector": (
            "def my_context_vector(weights, states):\n    return (weights[:, :, None] * states).sum(1)\n"
        ),
    },
    "03": {
        "attention": (
            "def my_attention(q, k, v, mask=None):\n"
            "    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
            "    if mask is not None:\n"
            '        scores = scores.masked_fill(~mask, float("-inf"))\n'
            "    weights = torch.softmax(scores, dim=-1)\n"
            "    return weights @ v, weights\n"
        ),
        "causal_mask": (
            "def my_causal_mask(length):\n    return torch.ones(length, length, dtype=torch.bool).tril()\n"
        ),
    },
    "04": {
        "split_heads": (
            "def my_split_heads(x, n_heads):\n"
            "    b, length, d_model = x.shape\n"
            "    return x.view(b, length, n_heads, d_model // n_heads).transpose(1, 2)\n"
        ),
        "merge_heads": (
            "def my_merge_heads(x):\n"
            "    b, h, length, d_k = x.shape\n"
            "    return x.transpose(1, 2).reshape(b, length, h * d_k)\n"
        ),
        "multi_head": (
            "def my_multi_head(mha, query, key, value, mask=None):\n"
            "    q = mha.split_heads(mha.q_proj(query))\n"
            "    k = mha.split_heads(mha.k_proj(key))\n"
            "    v = mha.split_heads(mha.v_proj(value))\n"
            "    out, weights = scaled_dot_product_attention(q, k, v, mask)\n"
            "    return mha.out_proj(mha.merge_heads(out)), weights\n"
        ),
    },
    "05": {
        "sinusoidal_encoding": (
            "def my_sinusoidal_encoding(max_len, d_model):\n"
            "    pos = torch.arange(max_len, dtype=torch.float64)[:, None]\n"
            "    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)\n"
            "    angle = pos / 10000 ** (two_i / d_model)\n"
            "    pe = torch.zeros(max_len, d_model)\n"
            "    pe[:, 0::2] = torch.sin(angle)\n"
            "    pe[:, 1::2] = torch.cos(angle)\n"
            "    return pe\n"
        ),
        "equivariance_gap": (
            "def my_equivariance_gap(layer, x, perm):\n"
            "    return (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()\n"
        ),
    },
    "06": {
        "encoder_layer": (
            "def my_encoder_layer(layer, x, mask):\n"
            "    h, _ = layer.self_attn(x, x, x, mask)\n"
            "    x = layer.sub_self.norm(x + h)\n"
            "    return layer.sub_ff.norm(x + layer.ff(x))\n"
        ),
        "decoder_mask": (
            "def my_decoder_mask(tgt_in):\n"
            "    T = tgt_in.shape[1]\n"
            "    return (tgt_in != 0)[:, None, None, :] & torch.ones(T, T, dtype=torch.bool).tril()\n"
        ),
        "layer_parameters": (
            "def my_layer_parameters(d_model, d_ff, decoder):\n"
            "    attention = 4 * d_model * d_model + 4 * d_model\n"
            "    ffn = 2 * d_model * d_ff + d_ff + d_model\n"
            "    norm = 2 * d_model\n"
            "    return (2 * attention + ffn + 3 * norm) if decoder else (attention + ffn + 2 * norm)\n"
        ),
    },
    "07": {
        "warmup_lr": (
            "def my_warmup_lr(step, d_model, warmup):\n"
            "    return d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)\n"
        ),
        "smoothed_targets": (
            "def my_smoothed_targets(target, vocab_size, eps):\n"
            "    out = torch.full((len(target), vocab_size), eps / vocab_size)\n"
            "    out[torch.arange(len(target)), target] += 1 - eps\n"
            "    return out\n"
        ),
        "greedy_step": (
            "def my_greedy_step(model, memory, src_mask, tokens):\n"
            "    log_probs, _ = model.step(memory, src_mask, tokens, None)\n"
            "    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1)\n"
        ),
    },
    "08": {
        "previous_token_share": (
            "def my_previous_token_share(weights):\n"
            "    n = min(weights.shape)\n"
            "    if n < 2:\n"
            "        return 0.0\n"
            "    i = torch.arange(1, n)\n"
            "    return float(weights[i, i].mean())\n"
        ),
        "head_ablation": (
            "def my_head_off(n_layers, n_heads, layer, head):\n"
            "    mask = torch.ones(n_layers, n_heads)\n"
            "    mask[layer, head] = 0.0\n"
            '    return Intervention(head_mask={"cross": mask})\n'
        ),
    },
    "09": {
        "layer_cost": (
            "def my_layer_cost(kind, n, d, k):\n"
            '    return {"self_attention": 2 * n * n * d, "recurrent": 2 * n * d * d, "convolutional": '
            "k * n * d * d}[kind]\n"
        ),
        "conv_path_length": ("def my_conv_path_length(n, k):\n    return math.ceil((n - 1) / ((k - 1) // 2))\n"),
    },
    "10": {
        "loss_mask": (
            "def my_loss_mask(src_mask, tgt_out):\n"
            "    return torch.cat([torch.zeros_like(src_mask), tgt_out != 0], dim=1)\n"
        ),
        "top_k": (
            "def my_top_k(logits, k):\n"
            "    kth = logits.topk(k, dim=-1).values[:, -1:]\n"
            '    return logits.masked_fill(logits < kth, float("-inf"))\n'
        ),
        "cached_step": (
            "def my_cached_step(model, memory, src_mask, tokens, state):\n"
            "    log_probs, state = model.step(memory, src_mask, tokens, state)\n"
            "    return torch.cat([tokens, log_probs.argmax(-1, keepdim=True)], dim=1), state\n"
        ),
    },
}
