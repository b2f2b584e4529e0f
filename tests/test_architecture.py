"""The dependency direction: pages -> workbench, never back."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_engine_never_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "workbench").rglob("*.py")
        if re.search(r"^\s*(import|from)\s+streamlit", p.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert offenders == []


def test_no_shell_true_and_no_remote_code():
    for p in list((ROOT / "workbench").rglob("*.py")) + list((ROOT / "pages").rglob("*.py")):
        text = p.read_text(encoding="utf-8")
        assert "shell=True" not in text, p
        assert "trust_remote_code=True" not in text, p
