"""A rule for the tests themselves: a loop over a selection must fail when it is empty.

`for hit in result.iter_hits(): assert …` passes when nothing is found, and a loop over
`soup.select(".export a")` passes when the class is renamed. Such a loop wraps its
selection in `tests.helpers.nonempty` (or asserts on it in the statement before).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import nonempty

TESTS = Path(__file__).resolve().parent
# Calls that select what a test then checks one by one.
SELECTING = {"select", "find_all", "iter_hits", "hits", "groups", "suggest", "glob", "rglob"}


def _is_nonempty(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "nonempty"
    )


def _selection(node: ast.expr) -> str | None:
    """The name of the selecting call a loop iterates over directly, if it does."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "nonempty":
            return None
        if node.func.id == "zip":
            # zip(nonempty(a), b, strict=True) fails when either is empty.
            strict = any(k.arg == "strict" for k in node.keywords)
            if strict and any(_is_nonempty(arg) for arg in node.args):
                return None
            return next(filter(None, map(_selection, node.args)), None)
        if node.func.id in ("list", "sorted", "enumerate") and node.args:
            node = node.args[0]
            continue
        return node.func.id if node.func.id in SELECTING else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr if node.func.attr in SELECTING else None
    return None


def _all_over_selection(node: ast.AST) -> str | None:
    """all(… for a in soup.select(…)) is True for nothing, like a loop."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    if node.func.id != "all" or not node.args:
        return None
    generator = node.args[0]
    if not isinstance(generator, ast.GeneratorExp | ast.ListComp):
        return None
    return _selection(generator.generators[0].iter)


def _asserted_before(function: ast.FunctionDef, name: str, line: int) -> bool:
    """Whether an assert on `name` comes before `line` (assert found, assert len(found) == 3)."""
    return any(
        isinstance(node, ast.Assert)
        and node.lineno < line
        and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.test))
        for node in ast.walk(function)
    )


def _unguarded_loops(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test"):
            continue
        # name = soup.select(…) … for a in name: the selection has a name to assert on.
        selected = {
            target.id: name
            for node in ast.walk(function)
            if isinstance(node, ast.Assign) and (name := _selection(node.value))
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(function):
            if name := _all_over_selection(node):
                found.append(f"{path.name}:{node.lineno} all() over {name}(…)")
        for loop in ast.walk(function):
            if not isinstance(loop, ast.For):
                continue
            name = _selection(loop.iter)
            target = loop.iter.id if isinstance(loop.iter, ast.Name) else ""
            if (
                name is None
                and target in selected
                and not _asserted_before(function, target, loop.lineno)
            ):
                name = selected[target]
            if name:
                found.append(f"{path.name}:{loop.lineno} loops over {name}(…)")
    return found


def test_every_loop_over_a_selection_fails_when_the_selection_is_empty() -> None:
    files = nonempty(sorted(TESTS.glob("test_*.py")), "test files")
    unguarded = [loop for path in files for loop in _unguarded_loops(path)]
    assert unguarded == []
