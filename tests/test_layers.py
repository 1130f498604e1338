"""The package's layers (issue 11): core -> notation -> kinds -> audit -> render -> the command.

Every import inside symderiv points down or sideways within its layer, no import cycle, no
function-local import of symderiv modules (except the CLI's lazy `commands`), and importing
symderiv.core loads nothing of the layers above it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symderiv"
LAYER = {"core": 0, "notation": 1, "kinds": 2, "audit": 3, "render": 4}
TOP = 5  # cli, commands, __main__: the command, may import everything
LAZY_ALLOWED = {("symderiv.cli", "symderiv.commands")}  # --help starts without SymPy


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        out[name] = path
    return out


MODULES = _modules()


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The symderiv modules an import statement loads."""
    if isinstance(node, ast.ImportFrom):
        if node.level:
            parts = module.split(".")
            if not MODULES[module].name == "__init__.py":
                parts = parts[:-1]
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join(parts + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
    else:
        candidates = [alias.name for alias in node.names]
    found = set()
    for name in candidates:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name.startswith("symderiv") and name != "symderiv":
            found.add(name)
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) == 1:
        return None  # the package's __init__: lazy attributes only
    return LAYER.get(parts[1], TOP)


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    local: list[tuple[str, str]] = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        local += [(module, t) for t in _targets(module, inner)]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[module] |= {t for t in _targets(module, node) if t != module and not module.startswith(t + ".")}
    return graph, local


def test_imports_point_down() -> None:
    graph, _ = _graph()
    upward = [(a, b) for a, targets in graph.items() for b in targets
              if _layer(a) is not None and _layer(b) is not None and _layer(b) > _layer(a)]
    assert not upward, upward


def test_no_import_cycle() -> None:
    graph, _ = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, cycles[:5]


def test_no_function_local_imports() -> None:
    _, local = _graph()
    assert set(local) <= LAZY_ALLOWED, sorted(set(local) - LAZY_ALLOWED)


def test_core_imports_nothing_above() -> None:
    code = ("import json, sys, symderiv.core, symderiv.core.ops, symderiv.core.backprop, symderiv.core.netproof; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('symderiv.'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    loaded = json.loads(out)
    above = [m for m in loaded if m.split(".")[1] in ("notation", "kinds", "audit", "render", "cli", "commands")]
    assert loaded and not above, above


def test_operations_named_only_in_the_registry() -> None:
    """No operation is special-cased by name outside core/ops (flags say what is special)."""
    offenders = []
    for module, path in MODULES.items():
        if module == "symderiv.core.ops":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ('"relu"', "'relu'", "onehot", '"softmax"', "'softmax'"):
            if needle in text:
                offenders.append((module, needle))
    assert not offenders, offenders


MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 300


def test_modules_and_classes_are_small() -> None:
    """No module over MAX_MODULE_LINES lines, no class over MAX_CLASS_LINES (issue 11)."""
    offenders = []
    for module, path in sorted(MODULES.items()):
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{module}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                offenders.append(f"{module}.{node.name}: class of {node.end_lineno - node.lineno + 1} lines")
    assert not offenders, offenders
