"""Frames for `st.dataframe`: one type per column, so Arrow can convert them.

Streamlit sends tables to the browser as Arrow, where a column has one type. A pandas object
column that mixes words and numbers ("all" beside 12000) fails that conversion: Streamlit logs a
traceback on the server at every rerun and shows a degraded table. Such a column is written out as
text for display (numbers formatted as people read them); columns of one kind are left as they are.
"""

from __future__ import annotations

import numbers

import pandas as pd


def _as_text(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    return f"{value:g}"


def one_type_per_column(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose object columns that mix strings and other values hold strings only."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype != object:
            continue
        kinds = {type(v) for v in column if v is not None and not (isinstance(v, float) and pd.isna(v))}
        if len(kinds) > 1 or (kinds and not kinds <= {str}):
            out[name] = column.map(_as_text).astype(object)
    return out
