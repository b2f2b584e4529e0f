"""Tables the pages show go to the browser as Arrow: each column must hold one type.

A column mixing "all" and numbers (the History table's training examples) fails Arrow's
conversion; Streamlit then logs a traceback on the server for every rerun and falls back.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import yaml

from tests.fakeruns import make_finished_distill, make_run
from ui.runview import history_frame
from ui.tables import one_type_per_column
from workbench.runs import list_runs


def test_history_frame_of_mixed_runs_converts_to_arrow(tmp_path):
    make_finished_distill(tmp_path, "20261127-100000-distill-demo")  # 64 training examples
    everything = make_run(tmp_path, "20261127-110000-teacher-all", kind="teacher")
    config = yaml.safe_load((everything / "config.yaml").read_text())
    config["data"]["max_train_examples"] = None  # "all"
    (everything / "config.yaml").write_text(yaml.safe_dump(config))
    make_run(tmp_path, "20261127-120000-distill-broken", state="failed", error="out of memory")
    few = make_run(tmp_path, "20261127-140000-teacher-few", kind="teacher")
    config = yaml.safe_load((few / "config.yaml").read_text())
    config["data"]["labels_per_class"] = 16
    (few / "config.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "20261127-130000-distill-noconfig").mkdir()
    (tmp_path / "20261127-130000-distill-noconfig" / "status.json").write_text('{"state": "failed"}')

    frame = history_frame(list_runs(tmp_path))
    table = pa.Table.from_pandas(frame)  # raised ArrowTypeError/ArrowInvalid on the mixed column
    assert table.num_rows == 5
    examples = dict(zip(frame["run"], frame["train examples"], strict=True))
    assert examples["20261127-110000-teacher-all"] == "all"
    assert examples["20261127-100000-distill-demo"] == "64"
    assert examples["20261127-140000-teacher-few"] == "16 per class"
    assert frame["test accuracy"].dtype.kind == "f"  # numbers stay numbers where they are all numbers


def test_one_type_per_column():
    frame = one_type_per_column(
        pd.DataFrame(
            {
                "mixed": ["all", 12000, 2.5, None],
                "numbers": [1, None, 3, 4],
                "words": ["a", "b", None, "d"],
            }
        )
    )
    assert frame["mixed"].tolist()[:3] == ["all", "12,000", "2.5"] and pd.isna(frame["mixed"].iloc[3])
    assert frame["numbers"].dtype.kind == "f"
    assert frame["words"].tolist()[:2] == ["a", "b"]
    pa.Table.from_pandas(frame)
