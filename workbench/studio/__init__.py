"""Back-ends of the pages that are not training: the data preview, the temperature explorer, trying a sentence,
uploads, drafts, the Pareto front and the command preview.

Streamlit-free, like the rest of the engine: pages call these and draw what they return.
"""

from workbench.studio.commands import cli_commands
from workbench.studio.drafts import load_draft, save_draft
from workbench.studio.explorer import explain, load_models, logits_for_texts, temperature_curve
from workbench.studio.pareto import pareto_front, student_points
from workbench.studio.preview import label_balance, preview_rows, token_lengths
from workbench.studio.tryout import classify_both, load_run_models
from workbench.studio.uploads import (
    base_name,
    check_columns,
    check_extra_set,
    display_name,
    extra_set_labels,
    read_upload,
    save_upload,
)

__all__ = [
    "base_name",
    "check_columns",
    "check_extra_set",
    "classify_both",
    "cli_commands",
    "display_name",
    "explain",
    "extra_set_labels",
    "label_balance",
    "load_draft",
    "load_models",
    "load_run_models",
    "logits_for_texts",
    "pareto_front",
    "preview_rows",
    "read_upload",
    "save_draft",
    "save_upload",
    "student_points",
    "temperature_curve",
    "token_lengths",
]
