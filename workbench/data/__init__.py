"""Labelled texts: reading files, the bundled and hub data sets, splits, checks, augmentation, batching.

It knows tokenizers only as callables that turn texts into ids; it never loads a model.
"""

from workbench.data import augment
from workbench.data.augment import make_transfer_set, transfer_wanted
from workbench.data.batching import (
    MODEL_INPUTS,
    NO_LABEL,
    Encoded,
    collate,
    encode,
    length_grouped_batches,
    model_inputs,
    shuffled_batches,
    sorted_batches,
    tokenize,
)
from workbench.data.extra_sets import ExtraSet, load_extra_set, load_extra_sets, map_labels, unmatched_labels
from workbench.data.leakage import overlap_notes, teacher_run_folder, teacher_training_overlap
from workbench.data.loading import check_frame, load_data
from workbench.data.readers import read_table
from workbench.data.textdata import SPLITS, TextData

__all__ = [
    "Encoded",
    "ExtraSet",
    "MODEL_INPUTS",
    "NO_LABEL",
    "SPLITS",
    "TextData",
    "augment",
    "check_frame",
    "collate",
    "encode",
    "length_grouped_batches",
    "load_data",
    "load_extra_set",
    "load_extra_sets",
    "map_labels",
    "make_transfer_set",
    "model_inputs",
    "overlap_notes",
    "read_table",
    "shuffled_batches",
    "sorted_batches",
    "teacher_run_folder",
    "teacher_training_overlap",
    "tokenize",
    "transfer_wanted",
    "unmatched_labels",
]
