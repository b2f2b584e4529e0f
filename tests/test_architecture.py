"""The dependency direction: pages -> ui -> workbench, and inside workbench, subpackages import only downward.

The engine is a stack of subpackages (`LAYERS`, bottom first). A module may import its own subpackage's
modules and the faces (`workbench.PKG`, names in its `__all__`) of the subpackages below it; nothing
outside a subpackage reaches into its modules, except tests. Every check walks the whole tree, so a
new module or subpackage is covered without editing this file.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "workbench"
LAYERS = ["core", "config", "data", "models", "evaluation", "distill", "training", "runs", "sweeps", "studio"]
TOP_LEVEL = {"__init__", "__main__", "cli", "bilstm"}  # the CLI and the `import workbench.bilstm` shim


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for every `from workbench... import names` / `import workbench...` in the file,
    top level or inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "workbench":
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.split(".")[0] == "workbench"]
    return found


def _package_of(path: Path) -> str | None:
    rel = path.relative_to(ENGINE).parts
    return rel[0] if len(rel) > 1 else None


def _targets(module: str, names: list[str]) -> list[str]:
    """The workbench modules an import statement names (`from workbench.models import reuse` names
    workbench.models.reuse when reuse is a module)."""
    out = [module]
    for n in names:
        if (ENGINE / Path(*module.split(".")[1:]) / f"{n}.py").exists():
            out.append(f"{module}.{n}")
    return out


def test_every_engine_module_lives_in_a_subpackage():
    top = {p.stem for p in ENGINE.glob("*.py")}
    assert top <= TOP_LEVEL, f"top-level engine modules outside the layers: {sorted(top - TOP_LEVEL)}"
    packages = {p.name for p in ENGINE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS)


def test_engine_never_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in ENGINE.rglob("*.py")
        if re.search(r"^\s*(import|from)\s+streamlit", p.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert offenders == []


def test_no_shell_true_and_no_remote_code():
    for p in list(ENGINE.rglob("*.py")) + list((ROOT / "pages").rglob("*.py")) + list((ROOT / "ui").rglob("*.py")):
        text = p.read_text(encoding="utf-8")
        assert "shell=True" not in text, p
        assert "trust_remote_code=True" not in text, p


def test_subpackages_import_only_downward():
    upward = []
    for path in ENGINE.rglob("*.py"):
        pkg = _package_of(path)
        if pkg is None:
            continue
        for module, names in _imports(path):
            for target in _targets(module, names):
                parts = target.split(".")
                if len(parts) < 2 or parts[1] not in LAYERS:
                    upward.append(f"{path.relative_to(ROOT)} imports {target} (not a subpackage)")
                elif LAYERS.index(parts[1]) > LAYERS.index(pkg):
                    upward.append(f"{path.relative_to(ROOT)} ({pkg}) imports {target} ({parts[1]} is above)")
    assert upward == []


def test_other_layers_use_the_faces():
    """Outside a subpackage, code imports `workbench.PKG` and only names its `__all__` declares."""
    faces = {}
    for pkg in LAYERS:
        tree = ast.parse((ENGINE / pkg / "__init__.py").read_text(encoding="utf-8"))
        declared = [n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "__all__"]
        assert declared, f"workbench/{pkg}/__init__.py declares no __all__"
        faces[pkg] = set(ast.literal_eval(declared[0].value))
    users = [ROOT / "app.py"] + [p for d in ("ui", "pages", "benchmarks") for p in (ROOT / d).rglob("*.py")]
    users += list(ENGINE.rglob("*.py"))
    inside = []
    for path in users:
        own = _package_of(path) if path.is_relative_to(ENGINE) else None
        for module, names in _imports(path):
            parts = module.split(".")
            if len(parts) < 2 or parts[1] not in LAYERS or parts[1] == own:
                continue
            if len(parts) > 2:
                inside.append(f"{path.relative_to(ROOT)}: {module}")
            else:
                inside += [f"{path.relative_to(ROOT)}: {module}.{n}" for n in names if n not in faces[parts[1]]]
    assert inside == []


def test_faces_export_what_they_declare():
    import importlib

    for pkg in LAYERS:
        face = importlib.import_module(f"workbench.{pkg}")
        missing = [n for n in face.__all__ if not hasattr(face, n)]
        assert missing == [], pkg


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
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
    return cycles


def test_no_import_cycles_in_the_engine():
    graph: dict[str, set[str]] = {}
    for path in ENGINE.rglob("*.py"):
        name = ".".join(("workbench",) + path.relative_to(ENGINE).with_suffix("").parts).removesuffix(".__init__")
        deps = {t for m, ns in _imports(path) for t in _targets(m, ns)}
        # a package face importing its own modules is how faces work, not a cycle
        graph[name] = {d for d in deps if d != name and not (path.stem == "__init__" and d.startswith(name + "."))}
    assert len(graph) > 50
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_planted_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
