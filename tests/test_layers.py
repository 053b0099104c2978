"""The library's layers: no import cycle inside kb/, no UI toolkit in the library, short modules."""

from __future__ import annotations

import ast
from pathlib import Path

KB = Path(__file__).resolve().parent.parent / "kb"
MAX_LINES = 450
UI_PACKAGES = {"streamlit", "altair"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KB.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(KB.rglob("*.py"))}


def _imports(name: str, path: Path, modules: dict[str, Path] | None = None) -> set[str]:
    """Every module this one imports, at the top or lazily inside a function, as absolute names.
    `from pkg import mod` counts as importing pkg.mod, not pkg (a package runs its __init__ first anyway)."""
    modules = modules or {}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in modules else module)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(name, path, modules):
            if imported in modules and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_inside_kb():
    cycles = _cycles(_graph())
    assert not cycles, f"import cycles inside kb/: {cycles}"


def test_the_cycle_check_finds_a_cycle():
    graph = {"kb.a": {"kb.b"}, "kb.b": {"kb.c"}, "kb.c": {"kb.a"}, "kb.d": {"kb.a"}}
    assert _cycles(graph) == [["kb.a", "kb.b", "kb.c"]]


def test_relative_and_lazy_imports_are_seen():
    graph = _graph()
    assert "kb.text" in graph["kb.clean"]  # from .text import … at the top
    assert "kb.backends.local" in graph["kb.backends"]  # from .local import … inside a function
    assert "kb.cli.zh" in graph["kb.cli.compare"]  # from . import zh: the submodule, not the package


def test_no_ui_toolkit_in_the_library():
    offenders = sorted(
        name for name, path in _modules().items()
        if any(imp.split(".")[0] in UI_PACKAGES for imp in _imports(name, path))
    )
    assert not offenders, f"kb/ modules importing {sorted(UI_PACKAGES)}: {offenders}"


def test_no_module_over_the_line_budget():
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES}
    assert not long, f"kb/ modules over {MAX_LINES} lines: {long}"
