"""The special tokens the model and the vocabularies agree on.

The model needs two of them itself: ``<pad>`` (id 0: its embedding row stays zero and
padded positions are masked out) and ``<bos>`` (the first decoder input). The vocabularies
(``transformer_lite.data.Vocab``) put all four first, in this order.
"""

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
