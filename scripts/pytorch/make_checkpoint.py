"""A checkpoint made by PyTorch, to test that ours reads PyTorch's files: test/fixtures/pytorch/

    python3 scripts/pytorch/make_checkpoint.py

writes
    lstm-torch.safetensors          a 2-layer LSTM CharRNN (H = 8, float32) trained briefly on TEXT with
                                    Adam, saved as PyTorch users save one: the state_dict, and the
                                    vocabulary as metadata 'vocab' (JSON array of characters)
    lstm-torch-novocab.safetensors  the same weights, no metadata
    lstm-torch-vocab.json           the vocabulary alone (JSON array)
    lstm-torch-expected.json        TEXT, PRIME, the logits for the character after PRIME and the mean
                                    loss over TEXT, computed with the weights cast to float64 (so a
                                    float64 implementation can match them to ~1e-12)
"""
import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from charrnn import CharRNN  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'pytorch')
TEXT = """A recurrent network reads a text one character at a time.
At every step it keeps a little state, and from that state it guesses
the next character. When the guess is wrong, the error flows back
through time, and the weights move a little. After many steps the
network has learnt which letters follow which, where words end,
and that a line often ends with a full stop.
"""
PRIME = 'the next char'
H, LAYERS, STEPS, LR = 8, 2, 80, 0.05


def main():
    chars = sorted(set(TEXT))  # by code point, as our vocabulary is ordered
    ids = torch.tensor([chars.index(ch) for ch in TEXT]).unsqueeze(1)  # (N, B = 1)
    inputs, targets = ids[:-1], ids[1:]
    torch.manual_seed(7)
    torch.set_num_threads(1)  # float32 sums in one fixed order, whatever the machine
    model = CharRNN('lstm', len(chars), H, LAYERS)
    optim = torch.optim.Adam(model.parameters(), lr=LR)
    for step in range(STEPS):
        logits, _ = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), targets.reshape(-1))
        optim.zero_grad()
        loss.backward()
        optim.step()
        if step % 20 == 0 or step == STEPS - 1:
            print(f'step {step:3d}  loss {loss.item():.4f}')

    os.makedirs(OUT, exist_ok=True)
    weights = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(weights, os.path.join(OUT, 'lstm-torch.safetensors'), metadata={'vocab': json.dumps(chars)})
    save_file(weights, os.path.join(OUT, 'lstm-torch-novocab.safetensors'))
    with open(os.path.join(OUT, 'lstm-torch-vocab.json'), 'w') as f:
        f.write(json.dumps(chars) + '\n')

    # Reference values from the same float32 weights, computed in float64.
    model64 = CharRNN('lstm', len(chars), H, LAYERS).double()
    model64.load_state_dict({k: v.double() for k, v in weights.items()})
    with torch.no_grad():
        prime = torch.tensor([chars.index(ch) for ch in PRIME]).unsqueeze(1)
        logits, _ = model64(prime)  # from the zero state
        all_logits, _ = model64(inputs)
        mean_loss = F.cross_entropy(all_logits.reshape(-1, len(chars)), targets.reshape(-1))
    expected = {
        'header': {'script': 'scripts/pytorch/make_checkpoint.py', 'torch': torch.__version__,
                   'note': 'float32 weights cast to float64; zero initial state; loss = mean over the len(text) - 1 predictions'},
        'text': TEXT, 'prime': PRIME,
        'logits': logits[-1, 0].tolist(),  # (V): for the character after PRIME
        'loss': mean_loss.item(),
    }
    with open(os.path.join(OUT, 'lstm-torch-expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    print(f'V = {len(chars)}, final mean loss (float64) {mean_loss.item():.6f}; wrote {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
