"""The core's layers: imports go one way (API <- call path <- backends <- plugins <- run <- view
<- cli) and no module imports itself through others. Imports inside functions count; imports under
``if TYPE_CHECKING:`` do not (they never run)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import harness

ROOT = Path(harness.__file__).parent

#: lower number = lower layer; a module may import its own layer or lower ones only
LAYERS = {
    "api": 0,
    "callpath": 1,
    "backends": 2,
    "plugins": 3,
    "run": 4,
    "testing": 5,
    "view": 6,
    "cli": 7,
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "api"  # the package itself
    if parts[1] == "__main__":
        return "cli"
    return parts[1] if parts[1] in LAYERS else "api"


def module_names(root: Path, package: str) -> dict[str, Path]:
    names = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).with_suffix("")
        parts = [package, *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except the bodies of ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """module -> the package's modules it imports (``from a import b`` names module ``a.b`` when
    ``b`` is a module, else ``a``)."""
    names = module_names(root, package)
    graph: dict[str, set[str]] = {m: set() for m in names}
    for module, path in names.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _imports(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = module.split(".")
                    anchor = anchor if is_pkg else anchor[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in names else base)
            for target in targets:
                while target and target not in names and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in names and target != module:
                    graph[module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path (first == last), or None."""
    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        iters = [iter(sorted(graph[start]))]
        state[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(sorted(graph[nxt])))
    return None


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(graph.items()):
        mine = layer_of(module)
        for target in sorted(targets):
            theirs = layer_of(target)
            upward = LAYERS[theirs] > LAYERS[mine]
            if upward:
                bad.append(f"{module} ({mine}) imports {target} ({theirs})")
    return bad


def test_no_import_cycle_in_harness() -> None:
    cycle = find_cycle(import_graph(ROOT, "harness"))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_imports_go_one_way_through_the_layers() -> None:
    assert layer_violations(import_graph(ROOT, "harness")) == []


def test_every_layer_folder_exists() -> None:
    for name in LAYERS:
        if name != "api":
            assert (ROOT / name / "__init__.py").is_file(), name


@pytest.fixture
def fake_package(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    (root / "cli").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "cli" / "__init__.py").write_text("")
    (root / "model.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg.cli import main\n"
        "def f():\n    from pkg import task\n"
    )
    (root / "task.py").write_text("from . import model\n")
    (root / "cli" / "main.py").write_text("import pkg.model\n")
    return root


def test_checker_finds_a_cycle_through_a_function_level_import(fake_package: Path) -> None:
    graph = import_graph(fake_package, "pkg")
    assert graph["pkg.model"] == {"pkg.task"}  # the TYPE_CHECKING import is not an edge
    assert graph["pkg.task"] == {"pkg.model"}
    assert find_cycle(graph) in (
        ["pkg.model", "pkg.task", "pkg.model"],
        ["pkg.task", "pkg.model", "pkg.task"],
    )


def test_checker_finds_an_upward_import(fake_package: Path) -> None:
    (fake_package / "task.py").write_text("from pkg.cli.main import x\n")
    graph = import_graph(fake_package, "pkg")
    assert layer_violations(graph) == ["pkg.task (api) imports pkg.cli.main (cli)"]
