"""The feature packages import each other in one direction only: no cycle between scripted,
wire, http, cassettes and contract (function-level imports count; ``TYPE_CHECKING`` ones do not,
as they never run)."""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

import llm_fakes

FEATURES = ("scripted", "wire", "http", "cassettes", "contract")
ROOT = Path(llm_fakes.__file__).parent

Graph = dict[str, dict[str, list[str]]]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                out.update(id(n) for n in ast.walk(stmt))
    return out


def _imported(node: ast.AST, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: resolve against the importing module's package
            base = module.split(".")[: -node.level]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        # ``from llm_fakes import http`` imports the package ``http``.
        return [target] + [f"{target}.{alias.name}" for alias in node.names]
    return []


def feature_graph() -> Graph:
    """package -> imported package -> the files that import it."""
    graph: Graph = defaultdict(lambda: defaultdict(list))
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if len(parts) < 2 or parts[0] not in FEATURES:
            continue
        module = ".".join(("llm_fakes", *parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            for name in _imported(node, module):
                bits = name.split(".")
                inside = len(bits) > 1 and bits[0] == "llm_fakes" and bits[1] in FEATURES
                if inside and bits[1] != parts[0]:
                    graph[parts[0]][bits[1]].append(str(path.relative_to(ROOT)))
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Every elementary cycle's packages, each found once (from its smallest name)."""
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, {})):
            if nxt == start:
                found.append([*path, start])
            elif nxt > start and nxt not in path:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph: Graph = {"a": {"b": ["x.py"]}, "b": {"c": ["y.py"]}, "c": {"a": ["z.py"]}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": ["x.py"]}}) == []


def test_no_import_cycle_between_the_feature_packages() -> None:
    graph = feature_graph()
    found = cycles(graph)
    detail = [
        " -> ".join(cycle)
        + ": "
        + "; ".join(f"{a}->{b} in {graph[a][b][0]}" for a, b in itertools.pairwise(cycle))
        for cycle in found
    ]
    assert detail == []


def test_the_wire_layer_imports_no_other_feature_package() -> None:
    assert dict(feature_graph().get("wire", {})) == {}
