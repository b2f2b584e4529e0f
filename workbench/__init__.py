"""Distillation Workbench engine: data, models, the distillation loss, training, evaluation, runs.

It never imports streamlit: the pages in `pages/` build configs and read run folders; everything
that computes lives here and is usable from `python -m workbench`.
"""

__version__ = "0.1.0"
