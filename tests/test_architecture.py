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


def _workbench_imports() -> dict[str, set[str]]:
    """module -> the workbench modules it imports anywhere (top level or inside functions)."""
    import ast

    graph: dict[str, set[str]] = {}
    for p in (ROOT / "workbench").glob("*.py"):
        deps: set[str] = set()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("workbench"):
                if node.module == "workbench":
                    deps.update(f"workbench.{a.name}" for a in node.names)
                else:
                    deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("workbench."))
        graph[f"workbench.{p.stem}"] = deps - {f"workbench.{p.stem}"}
    return graph


def test_no_import_cycles_in_the_engine():
    graph = _workbench_imports()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep in graph and dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_engine_holds_no_ui_sentences_module():
    """Plain-language wording lives on the UI side (ui/summary.py), not in the engine."""
    assert not (ROOT / "workbench" / "summary.py").exists()
    assert (ROOT / "ui" / "summary.py").exists()
