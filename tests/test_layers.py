"""The package's layers: imports point only downward, with no cycle, at any depth.

    cli -> pipeline -> {analysis, translation} -> {posts, models} -> foundation

(foundation: errors, config, languages, text, store, signature; models: the registry,
conversions, runtimes and output hygiene).  Every import of
an ``nlp`` module counts, also one inside a function: a function-level import may put
off loading an optional or heavy library, never hide a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nlp"

RANKS = {"posts": 1, "models": 1, "analysis": 2, "translation": 2, "pipeline": 3, "cli": 4, "__main__": 5}


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANKS else "foundation"


def rank(module: str) -> int:
    return RANKS.get(layer(module), 0)


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every ``nlp`` module that ``module`` imports, wherever the import statement is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "nlp")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "nlp":
                continue
            for alias in node.names:  # `from package import submodule`
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target)
    return {name for name in found if name != module}


GRAPH = {name: imports(name, path, module_names()) for name, path in module_names().items()}


def test_every_import_points_down_the_layers():
    wrong = []
    for module, targets in GRAPH.items():
        for target in targets:
            same_layer = layer(target) == layer(module)
            if rank(target) > rank(module) or (rank(target) == rank(module) and not same_layer):
                wrong.append(f"{module} ({layer(module)}) imports {target} ({layer(target)})")
    assert wrong == []


def test_the_import_graph_has_no_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(target):] + [target]))
            if target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_every_module_imports_alone_in_a_fresh_interpreter():
    """Each module first, in its own interpreter: no import works only by luck of order."""
    names = sorted(name for name in GRAPH if name != "nlp.__main__")  # that one runs the CLI
    code = ("import subprocess, sys\n"
            "failed = [n for n in sys.argv[1:] if subprocess.run([sys.executable, '-c', 'import ' + n]).returncode]\n"
            "print(' '.join(failed))")
    done = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True)
    assert done.stdout.strip() == "", done.stderr[-2000:]


def test_layer_table_knows_every_subpackage():
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file() and p.name != "data"}
    assert subpackages <= set(RANKS)
