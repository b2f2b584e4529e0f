"""A BiLSTM text classifier as a Hugging Face model, the small student of Tang et al. 2019.

Tang, Lu, Liu, Mou, Vechtomova & Lin 2019, "Distilling Task-Specific Knowledge from BERT into Simple
Neural Networks" (arXiv:1903.12136): a one-layer BiLSTM over word vectors, a ReLU layer and a linear
classifier, trained on BERT's logits, keeps much of BERT's accuracy with ~100x fewer parameters and
~15x the speed. Here:

    e_t   = E[x_t]                                  word vectors (V, E): the teacher's rows, projected
    h_t   = [LSTM_fwd(e_1..e_t) ; LSTM_bwd(e_t..e_n)]   (2H per token; `num_layers` stacked)
    h     = max_t h_t  over real tokens (attention_mask = 1)
    z     = W_2 ReLU(W_1 h + b_1) + b_2              logits (C)

Max-pooling over time (instead of the final states) and no packed sequences keep the graph plain for
ONNX export. Padding must not change a text's logits (a text is classified alone at batch 1 and in a
padded batch during evaluation), so the backward direction runs over each text reversed *within its
own length* (a per-row gather): padding (on the right, the tokenizer's default) only ever comes after
a text's last token in both directions, and the max-pool skips it.

Importing this module registers the classes with `AutoConfig` / `AutoModelForSequenceClassification`
(model_type "workbench_bilstm"), so a saved BiLSTM folder loads with `trust_remote_code=False`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForSequenceClassification, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

MODEL_TYPE = "workbench_bilstm"


class BiLSTMConfig(PretrainedConfig):
    model_type = MODEL_TYPE
    attribute_map = {"num_hidden_layers": "num_layers"}  # what describe() and the UI read

    def __init__(
        self,
        vocab_size: int = 30522,
        embedding_size: int = 128,
        hidden_size: int = 256,
        num_layers: int = 1,
        dropout: float = 0.1,
        pad_token_id: int = 0,
        **kwargs: Any,
    ) -> None:
        self.vocab_size = vocab_size
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size  # per direction
        self.num_layers = num_layers
        self.dropout = dropout
        super().__init__(pad_token_id=pad_token_id, **kwargs)


class BiLSTMEmbeddings(nn.Module):
    """The word table alone (no positions: the LSTM reads order); named so that `param_breakdown`
    counts it as embeddings and `transfer_embeddings` finds `word_embeddings` as in BERT."""

    def __init__(self, config: BiLSTMConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.embedding_size, padding_idx=config.pad_token_id)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.word_embeddings(input_ids)  # (bs, L, E)


class BiLSTMLayer(nn.Module):
    """One bidirectional layer as two one-directional LSTMs; the backward one reads each row
    reversed within its length, so right padding never reaches a real token's state."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.forward_lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.backward_lstm = nn.LSTM(input_size, hidden_size, batch_first=True)

    def forward(self, x: torch.Tensor, reverse_index: torch.Tensor) -> torch.Tensor:
        # x: (bs, L, D); reverse_index: (bs, L), an involution on each row's first `length` positions
        fwd, _ = self.forward_lstm(x)  # (bs, L, H)
        idx = reverse_index.unsqueeze(-1)  # (bs, L, 1)
        x_rev = x.gather(1, idx.expand(-1, -1, x.shape[-1]))  # (bs, L, D)
        bwd_rev, _ = self.backward_lstm(x_rev)  # (bs, L, H)
        bwd = bwd_rev.gather(1, idx.expand(-1, -1, bwd_rev.shape[-1]))  # (bs, L, H) back in text order
        return torch.cat([fwd, bwd], dim=-1)  # (bs, L, 2H)


def reverse_within_length(mask: torch.Tensor) -> torch.Tensor:
    """(bs, L) index that reverses each row's first `length` positions and leaves padding in place:
    length 3 of L 5 -> [2, 1, 0, 3, 4]. Assumes right padding (mask = 1...1 0...0)."""
    bs, seq = mask.shape
    lengths = mask.long().sum(1, keepdim=True)  # (bs, 1)
    t = torch.arange(seq, device=mask.device).unsqueeze(0).expand(bs, seq)  # (bs, L)
    return torch.where(t < lengths, lengths - 1 - t, t)  # (bs, L)


class BiLSTMPreTrainedModel(PreTrainedModel):
    config_class = BiLSTMConfig
    base_model_prefix = "bilstm"
    main_input_name = "input_ids"

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.1)
            if module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()
        elif isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)


class BiLSTMForSequenceClassification(BiLSTMPreTrainedModel):
    def __init__(self, config: BiLSTMConfig) -> None:
        super().__init__(config)
        self.embeddings = BiLSTMEmbeddings(config)
        sizes = [config.embedding_size] + [2 * config.hidden_size] * (config.num_layers - 1)
        self.layers = nn.ModuleList([BiLSTMLayer(d, config.hidden_size) for d in sizes])
        self.dropout = nn.Dropout(config.dropout)
        width = 2 * config.hidden_size
        self.classifier = nn.Sequential(
            nn.Linear(width, width), nn.ReLU(), nn.Dropout(config.dropout), nn.Linear(width, config.num_labels)
        )
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> SequenceClassifierOutput:
        """input_ids, attention_mask: (bs, L), right-padded; labels: (bs,) -> logits (bs, C).
        Other keyword arguments (token_type_ids, return_dict, ...) are accepted and ignored."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)  # (bs, L)
        mask = attention_mask.bool()  # (bs, L)
        reverse_index = reverse_within_length(mask)  # (bs, L)
        x = self.dropout(self.embeddings(input_ids))  # (bs, L, E)
        for i, layer in enumerate(self.layers):
            x = layer(x if i == 0 else self.dropout(x), reverse_index)  # (bs, L, 2H)
        x = x.masked_fill(~mask.unsqueeze(-1), torch.finfo(x.dtype).min)  # (bs, L, 2H)
        pooled = self.dropout(x.max(dim=1).values)  # (bs, 2H)
        logits = self.classifier(pooled)  # (bs, C)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.float(), labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


AutoConfig.register(MODEL_TYPE, BiLSTMConfig, exist_ok=True)
AutoModelForSequenceClassification.register(BiLSTMConfig, BiLSTMForSequenceClassification, exist_ok=True)
