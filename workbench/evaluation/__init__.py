"""Measuring a trained model: metrics, latency, calibration, reports, ONNX export and the model card."""

from workbench.evaluation.export import ONNX_FILE, OnnxClassifier, export_run
from workbench.evaluation.extra_sets import measure_sets, record_extra_eval
from workbench.evaluation.latency import measure_fastest, measure_latency
from workbench.evaluation.metrics import chance_accuracy, classification_metrics, majority_of_confusion
from workbench.evaluation.model_card import CARD_FILE, card_text, usage_lines
from workbench.evaluation.public_names import model_name, public_text, read_config, student_name, teacher_name
from workbench.evaluation.quantize import INT8_FILE, labelled_texts, quantize_run
from workbench.evaluation.report import data_info, distill_report, teacher_report, training_info
from workbench.evaluation.report_file import run_tags

__all__ = [
    "CARD_FILE",
    "INT8_FILE",
    "ONNX_FILE",
    "OnnxClassifier",
    "labelled_texts",
    "measure_fastest",
    "measure_latency",
    "measure_sets",
    "record_extra_eval",
    "quantize_run",
    "card_text",
    "chance_accuracy",
    "classification_metrics",
    "data_info",
    "distill_report",
    "export_run",
    "run_tags",
    "majority_of_confusion",
    "model_name",
    "public_text",
    "read_config",
    "student_name",
    "teacher_name",
    "teacher_report",
    "training_info",
    "usage_lines",
]
