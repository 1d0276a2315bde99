import torch.nn as nn
import torch.nn.functional as F


class CharRNN(nn.Module):
    """char-rnn's model: one-hot characters -> L stacked RNN (tanh) / LSTM / GRU layers -> linear decoder.
    Time-major, like our batches: ids (T, B) in, logits (T, B, V) out."""

    def __init__(self, kind, vocab_size, hidden_size, layers, dropout=0.0):
        super().__init__()
        self.rnn = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[kind](vocab_size, hidden_size, layers, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.decoder = nn.Linear(hidden_size, vocab_size)

    def forward(self, idx, state=None):
        x = F.one_hot(idx, self.decoder.out_features).to(self.decoder.weight.dtype)  # (T, B, V)
        out, state = self.rnn(x, state)  # (T, B, H); state h (L, B, H), for the LSTM (h, c)
        return self.decoder(self.drop(out)), state
