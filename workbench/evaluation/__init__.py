"""Measuring a trained model: metrics, latency, calibration, reports, ONNX export and the model card."""

from workbench.evaluation.export import export_run
from workbench.evaluation.metrics import chance_accuracy, classification_metrics, majority_of_confusion
from workbench.evaluation.model_card import CARD_FILE, card_text, usage_lines
from workbench.evaluation.public_names import model_name, public_text, read_config, student_name, teacher_name
from workbench.evaluation.report import data_info, distill_report, teacher_report, training_info

__all__ = [
    "CARD_FILE",
    "card_text",
    "chance_accuracy",
    "classification_metrics",
    "data_info",
    "distill_report",
    "export_run",
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
