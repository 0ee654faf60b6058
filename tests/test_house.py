"""The house rules: families in packages, one-way layers, no cycle, no borrowed privates.

The package docstrings and the README's "How it works" list the same modules, which are
the modules there; no import cycle exists among the project's modules, counting imports
made only for type checking and imports inside functions; no module imports another's
private name; the top of `indexer/` holds the foundation only. (Layers themselves are
import-linter contracts in pyproject.toml, which the test command runs.)
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from tests.helpers import nonempty

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGES = [
    "indexer",
    "indexer.cli",
    "indexer.ingest",
    "indexer.index",
    "indexer.build",
    "indexer.query",
    "indexer.search",
    "indexer.distributed",
    "webapp",
    "webapp.views",
    "webapp.serving",
]


def modules_in(package: str) -> set[str]:
    """The modules and sub-packages of a package, as its tables name them."""
    folder = ROOT / package.replace(".", "/")
    found = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("__")}
    found |= {p.parent.name + "/" for p in folder.glob("*/__init__.py")}
    return found


def docstring_table(package: str) -> set[str]:
    """The names in the first column (after a stage number) of a package docstring's table."""
    doc = importlib.import_module(package).__doc__ or ""
    lines = doc.splitlines()
    bars = [i for i, line in enumerate(lines) if re.match(r"^=+\s+=+", line)]
    assert len(bars) == 3, f"{package}: no table in the docstring"
    names = set()
    for line in lines[bars[1] + 1 : bars[2]]:
        if line and not line.startswith(" "):
            words = [w for w in line.split() if not re.fullmatch(r"[\d–-]+", w)]
            names.add(words[0])
    folder = ROOT / package.replace(".", "/")
    return {n + "/" if (folder / n / "__init__.py").exists() else n for n in names}


def readme_table(package: str) -> set[str]:
    heading = f"#### `{package.replace('.', '/')}/`"
    start = README.index(heading)
    end = README.index("\n#", start + len(heading))
    cells = re.findall(r"^\| `([\w/]+?)(?:\.py)?` \|", README[start:end], re.MULTILINE)
    return set(cells)


@pytest.mark.parametrize("package", PACKAGES)
def test_docstring_readme_and_folder_list_the_same_modules(package: str) -> None:
    there = nonempty(modules_in(package), "modules")
    assert docstring_table(package) == there
    assert readme_table(package) == there


def test_the_top_of_indexer_holds_the_foundation_only() -> None:
    top = [p for p in (ROOT / "indexer").glob("*.py") if not p.stem.startswith("__")]
    packages = [p.parent for p in (ROOT / "indexer").glob("*/__init__.py")]
    assert len(top) <= 12, sorted(p.stem for p in top)
    assert {"ingest", "index", "build", "query", "search"} <= {p.name for p in packages}


# --- the import graph ---------------------------------------------------------------------


def project_modules() -> dict[str, Path]:
    found = {}
    for top in ("indexer", "webapp"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str]]:
    """(module imported, names) of every import in a module: type-only and local ones too."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                as_module = f"{base}.{alias.name}"
                found.append((as_module if as_module in known else base, alias.name))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
    return [(module, what) for module, what in found if module in known]


def test_no_import_cycle_among_the_projects_modules() -> None:
    known = project_modules()
    graph = {
        name: {m for m, _ in imports_of(name, path, known) if m != name}
        for name, path in known.items()
    }
    # The package root re-exports the public API lazily: importing it is no edge back.
    graph["indexer"] = set()
    cycles = []
    state: dict[str, str] = {}  # "open" while visiting, "done" after

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for following in sorted(graph[node]):
            if state.get(following) == "open":
                cycles.append([*trail[trail.index(following) :], following])
            elif following not in state:
                visit(following, [*trail, following])
        state[node] = "done"

    for name in sorted(nonempty(graph)):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_module_imports_another_modules_private_name() -> None:
    known = project_modules()
    borrowed = [
        f"{name} imports {what} from {module}"
        for name, path in known.items()
        for module, what in imports_of(name, path, known)
        if what.startswith("_") and not what.startswith("__") and module != name
    ]
    assert borrowed == []


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_third_party_internals_stay_in_one_module_each() -> None:
    """One module imports the segmenter; only index/whoosh_* read Whoosh's private parts."""
    indexer = nonempty([*(ROOT / "indexer").rglob("*.py")])
    webapp = nonempty([*(ROOT / "webapp").rglob("*.py")])
    for path in [*indexer, *webapp]:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 450, f"{path.relative_to(ROOT)} has {lines} lines"
    for path in webapp:
        assert not _imported_packages(path) & {"whoosh", "rjieba", "jieba", "numpy"}, path
    for path in indexer:
        assert not _imported_packages(path) & {"flask", "webapp"}, path
    segmenters = [p.name for p in indexer if _imported_packages(p) & {"rjieba", "jieba"}]
    assert segmenters == ["analysis.py"]
    # A private name of a third-party package: imported, or read as an attribute.
    private = re.compile(
        r"\bimport\b[^\n]*\b_[a-z]\w*|\._(read_data|data|blocklength|maxid|next_block|byteids|map)\b"
    )
    readers = [p.name for p in [*indexer, *webapp] if private.search(p.read_text("utf-8"))]
    assert nonempty(readers) and all(name.startswith("whoosh_") for name in readers), readers
