"""Load an rnn-from-scratch checkpoint (or any safetensors file of CharRNN weights) into PyTorch.

    from load_checkpoint import load
    model, vocab = load('checkpoints/model.safetensors')
    ids = torch.tensor([[vocab.index(ch)] for ch in 'ROMEO:'])   # (T, B = 1)
    logits, state = model(ids)

The model comes back in the file's dtype (our checkpoints are float64; call .float() for float32)
and in eval mode. The file's other tensors (the optimizer's `optim.*`, the carried hidden state
`state.*`) are left out. Metadata we do not know is ignored.
"""
import json
import sys

from safetensors import safe_open
from safetensors.torch import load_file

from charrnn import CharRNN

KINDS = {1: 'rnn', 4: 'lstm', 3: 'gru'}  # gates per layer -> cell


def config_from_shapes(tensors):
    """kind, V, H, L from the weights alone (for files without a `config`, such as PyTorch's own)."""
    gh, h = tensors['rnn.weight_hh_l0'].shape
    layers = 0
    while f'rnn.weight_hh_l{layers}' in tensors:
        layers += 1
    return {'kind': KINDS[gh // h], 'vocabSize': tensors['decoder.weight'].shape[0], 'hiddenSize': h, 'layers': layers}


def load(path, dropout=0.0):
    """Returns (model, vocab): vocab is the list of characters (id -> character), or None if the file has none."""
    with safe_open(path, framework='pt') as f:
        metadata = f.metadata() or {}
    tensors = load_file(path)
    config = json.loads(metadata['config']) if 'config' in metadata else config_from_shapes(tensors)
    vocab = json.loads(metadata['vocab']) if 'vocab' in metadata else None
    model = CharRNN(config['kind'], config['vocabSize'], config['hiddenSize'], config['layers'], dropout)
    names = model.state_dict().keys()
    missing = [n for n in names if n not in tensors]
    if missing:
        raise ValueError(f'{path}: no tensor named {", ".join(missing)}')
    model.to(tensors['decoder.weight'].dtype)
    model.load_state_dict({n: tensors[n] for n in names}, strict=True)
    if vocab is not None and len(vocab) != config['vocabSize']:
        raise ValueError(f'{path}: the vocabulary has {len(vocab)} characters but the model {config["vocabSize"]}')
    return model.eval(), vocab


if __name__ == '__main__':
    model, vocab = load(sys.argv[1])
    print(model)
    print('vocab:', ''.join(vocab) if vocab else None)
