"""No import circle in the package: the graph of which digest module imports which has no cycle.

Every import counts, at module level, inside functions and under ``TYPE_CHECKING`` alike: a
circle hidden in a function or a type annotation is still two modules that need each other.
"""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "digest"


def imports_of(path: Path) -> set[str]:
    """The digest modules ``path`` imports (relative or absolute), as module names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from .x import y / from . import x
                names = [base] if base else [alias.name for alias in node.names]
            elif base == "digest" or base.startswith("digest."):
                names = [base.removeprefix("digest").lstrip(".")] if base != "digest" else [a.name for a in node.names]
            else:
                continue
            found.update(name.split(".")[0] for name in names if name)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("digest."))
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return {name for name in found if name in modules and name != path.stem and name != "__init__"}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_cycles_finds_a_circle_and_only_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_of_reads_every_kind_of_import(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nimport numpy\nfrom .segment import words\nfrom . import analysis\n"
        "import digest.stories\nfrom digest.rank import Budget\nif TYPE_CHECKING:\n    from .models import Article\n"
        "def f():\n    from .dedup import near_duplicates\n",
        encoding="utf-8",
    )
    assert imports_of(module) == {"segment", "analysis", "stories", "rank", "models", "dedup"}


def test_no_import_circle_in_the_package():
    graph = {p.stem: imports_of(p) for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert cycles(graph) == [], "an import circle"
