"""`import workbench.bilstm`: the name exported model cards print; the BiLSTM lives in `workbench.models.bilstm`.

Importing it registers the BiLSTM config and model with transformers' Auto classes, so a saved BiLSTM
student loads with `AutoModelForSequenceClassification.from_pretrained(folder)`.
"""

from workbench.models import BiLSTMConfig, BiLSTMForSequenceClassification

__all__ = ["BiLSTMConfig", "BiLSTMForSequenceClassification"]
