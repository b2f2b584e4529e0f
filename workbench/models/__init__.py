"""Models and what is cheap to know about them: loading, students cut or built, the BiLSTM, vocabularies,
sizes, fingerprints, tokenised splits and batched predictions.

It knows nothing of losses or training: a model here is something that maps token ids to logits.
"""

from workbench.models import reuse
from workbench.models.attention_dropout import fast_attention
from workbench.models.bilstm import BiLSTMConfig, BiLSTMForSequenceClassification
from workbench.models.bundled import BUNDLED_MODELS, DEFAULT_BUNDLED, bundled_model_path, bundled_name
from workbench.models.configs import model_layer_count, model_tokenizer
from workbench.models.dropout_masks import fast_dropout
from workbench.models.fingerprints import texts_fingerprint
from workbench.models.first_token import first_token_only
from workbench.models.footprint import accepted_inputs, describe, folder_size, param_breakdown, weight_bytes
from workbench.models.inference import classify, predict_logits, predict_sharded
from workbench.models.layers import default_layers
from workbench.models.loaded import LoadedModel
from workbench.models.loading import load_classifier, load_teacher, load_tokenizer
from workbench.models.locations import resolve_location
from workbench.models.prepared import Prepared, encode_unlabelled, tokenise, truncation_note
from workbench.models.saving import save_model
from workbench.models.sizing import (
    count_texts,
    estimate_params,
    pruned_vocab_size,
    teacher_seconds_per_text,
    transfer_cost,
)
from workbench.models.students import build_student

__all__ = [
    "BUNDLED_MODELS",
    "DEFAULT_BUNDLED",
    "BiLSTMConfig",
    "BiLSTMForSequenceClassification",
    "LoadedModel",
    "Prepared",
    "accepted_inputs",
    "build_student",
    "bundled_model_path",
    "bundled_name",
    "classify",
    "count_texts",
    "default_layers",
    "describe",
    "encode_unlabelled",
    "estimate_params",
    "fast_attention",
    "fast_dropout",
    "folder_size",
    "load_classifier",
    "load_teacher",
    "load_tokenizer",
    "model_layer_count",
    "model_tokenizer",
    "param_breakdown",
    "first_token_only",
    "predict_logits",
    "predict_sharded",
    "pruned_vocab_size",
    "resolve_location",
    "reuse",
    "save_model",
    "teacher_seconds_per_text",
    "texts_fingerprint",
    "tokenise",
    "transfer_cost",
    "truncation_note",
    "weight_bytes",
]
