"""What the notebooks measure, one module per question: ``rnn_limits`` (notebook 01: sequential
steps, vanishing gradients, the bottleneck), ``scaling`` (03-05: the 1/sqrt(d_k) scale, softmax
saturation, attention cost, positions), ``stacks`` (06-07: the ``nn.Transformer`` comparison and
gradient norms by layer), ``heads`` (08: alignment error rate, previous-word heads, ablation) and
``complexity`` (09: the paper's Table 1). ``timing`` is the one timing helper they share.

Layering: this package imports the model and the top-level modules, never ``lab``.
"""
