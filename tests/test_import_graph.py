"""The project's modules import one another without a cycle.

The graph is built from the code, not by importing it: every module of the project's own packages
(`PACKAGES`, without their migrations) is parsed with `ast`, and every import statement in it counts, at
module level and inside functions, methods, classes and `if` blocks alike (an import inside a function is
still a dependency; hiding one there is how a cycle usually survives). An edge goes from the importing
module to each project module it names:

- `import a.b.c` names `a.b.c`;
- `from a.b import c` names `a.b.c` when that is a module (a file or a package), else `a.b` (c is a name
  defined in a.b or its `__init__`); relative imports are resolved against the importing module first.

Package `__init__` modules: importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` too, but only the
named module counts here, never its parents. Counting the parents would make every module that imports a
sibling through its package (`from cases.services import audit` inside `cases.tracking.services`) look
like a cycle with an `__init__` that imports nothing back. An `__init__` is an ordinary node for what it
imports itself and for imports that name it (`from cases.assessment import assess_many`), so a package
that re-exports a child which imports the package back is a cycle.

Imports by dotted name at run time (`import_string`, Celery's `send_task`, a stored run's `TASK`) are not
imports of the code: that is how a service queues a task without importing the tasks module, which
imports the service.

A module that imports itself (a self-loop) is not a cycle; every cycle of two or more modules (each
strongly connected component, Tarjan) is listed when the test fails.
"""

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cases", "suppliers", "policies", "staletrack")
SKIPPED_DIRS = {"migrations", "__pycache__"}


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Every module of `packages` under `root`, by dotted name (a package by its own name: its __init__)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if SKIPPED_DIRS.intersection(parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _base(module: str, is_package: bool, level: int) -> str:
    """The package a relative import of `level` dots in `module` starts from."""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join(parts)


def imported_modules(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules (of `known`) that `module`, in file `path`, names in any import statement."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _base(module, is_package, node.level)
                source = f"{base}.{node.module}" if node.module and base else (node.module or base)
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in known:
                    found.add(submodule)
                elif source in known:
                    found.add(source)
    return found


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (self-loops left out)."""
    modules = module_files(root, packages)
    known = set(modules)
    return {
        module: imported_modules(module, path, known) - {module} for module, path in sorted(modules.items())
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of `graph` with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def describe(graph: dict[str, set[str]], component: list[str]) -> str:
    """One cycle, with the imports that hold it together."""
    members = set(component)
    edges = [
        f"    {source} -> {target}" for source in component for target in sorted(graph[source] & members)
    ]
    return "\n".join([" <-> ".join(component), *edges])


def test_the_projects_modules_import_one_another_without_a_cycle():
    graph = import_graph(ROOT, PACKAGES)
    found = cycles(graph)
    assert not found, "Import cycles:\n" + "\n".join(describe(graph, component) for component in found)


def test_the_graph_holds_the_projects_modules_and_their_imports():
    graph = import_graph(ROOT, PACKAGES)
    assert "cases.tasks" in graph and "cases.services.assessment" in graph
    assert not any(".migrations" in module for module in graph)
    assert "cases.services.assessment" in graph["cases.tasks"]  # a module-level import
    assert "cases.intake.tasks" in graph["cases.tasks"]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_cycle_held_by_an_import_inside_a_function_is_found(tmp_path):
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/services/__init__.py": "",
            "app/services/work.py": (
                "def queue():\n    from app.tasks import work_task\n\n    work_task.delay()\n"
            ),
            "app/tasks.py": "from app.services import work\n\n\ndef work_task():\n    work.queue()\n",
            "app/migrations/__init__.py": "",
            "app/migrations/0001.py": "from app import tasks\n",
        },
    )
    graph = import_graph(tmp_path, ["app"])
    assert "app.migrations" not in graph
    assert graph["app.tasks"] == {"app.services.work"}  # the submodule, not its package
    assert cycles(graph) == [["app.services.work", "app.tasks"]]


def test_relative_imports_resolve_and_a_package_is_not_a_cycle_with_its_children(tmp_path):
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/kit/__init__.py": "from .rows import chunked\n",
            "app/kit/rows.py": "from . import limits\nfrom .limits import MAX\n",
            "app/kit/limits.py": "import app.kit.rows as rows_again\nMAX = 1\n",
            "app/user.py": (
                "from .kit import chunked\nfrom .kit import rows\n\n\ndef f():\n    import app.kit\n"
            ),
        },
    )
    graph = import_graph(tmp_path, ["app"])
    assert graph["app.kit"] == {"app.kit.rows"}
    assert graph["app.kit.rows"] == {"app.kit.limits"}
    assert graph["app.user"] == {"app.kit", "app.kit.rows"}
    assert cycles(graph) == [["app.kit.limits", "app.kit.rows"]]
    # the string form of a dotted name is no import
    write(tmp_path, {"app/kit/limits.py": "TASK = 'app.kit.rows.x'\nMAX = 1\n"})
    assert cycles(import_graph(tmp_path, ["app"])) == []
