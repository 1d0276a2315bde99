"""The loss of one of our checkpoints on a text, computed by PyTorch: the check that our files load
in PyTorch and mean the same there. Compare with `rnn eval --batch 1 --seq N` on the same text.

    python3 scripts/pytorch/eval_checkpoint.py checkpoints/model.safetensors some.txt [max_chars]

One stream, from a zero state, every character predicting the next: the mean cross-entropy in
nats per character and bits per character. Characters outside the vocabulary are left out, as
`rnn eval` does.
"""
import math
import sys

import torch
import torch.nn.functional as F

from load_checkpoint import load


def main(path, text_path, max_chars=None):
    model, vocab = load(path)
    if vocab is None:
        sys.exit(f'{path} has no vocabulary in its metadata')
    index = {ch: i for i, ch in enumerate(vocab)}
    text = open(text_path, encoding='utf-8').read()
    ids = [index[ch] for ch in text if ch in index]
    if max_chars is not None:
        ids = ids[: max_chars + 1]
    x = torch.tensor(ids[:-1]).view(-1, 1)  # (T, B = 1)
    y = torch.tensor(ids[1:])
    with torch.no_grad():
        logits, _ = model(x)
        loss = F.cross_entropy(logits.view(-1, len(vocab)), y).item()
    print(f'{len(ids) - 1} characters predicted; loss {loss:.6f} nats/char = {loss / math.log(2):.6f} bits/char')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
