"""The README is tested against the code: commands, query examples, contract fields."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.models import Report
from indexer.query import FIELDS, parse_query
from indexer.query.help import QUERY_EXAMPLES
from tests.helpers import nonempty

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PINNED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+!-]*")


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "scripts/run" in README and "scripts/test" in README
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for script in ("run", "test", "setup"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111, f"{script} is not executable"


@pytest.mark.parametrize("query", [query for query, _ in QUERY_EXAMPLES])
def test_every_query_example_is_in_the_readme_and_parses(query: str) -> None:
    assert f"`{query}`" in README.replace("\\|", "|")
    parse_query(query)


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_field_is_documented(field: str) -> None:
    assert f"`{field}`" in README


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_and_is_in_the_readme(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--index" in result.output
    assert f"python -m indexer {command}" in README


def test_the_web_apps_options_are_in_the_readme(runner: CliRunner) -> None:
    from webapp.cli import main as serve

    assert nonempty(serve.params)
    for option in serve.params:
        assert f"[{option.opts[0]}" in README, option.opts[0]


def canonical_name(name: str) -> str:
    """Return a package name as PyPI compares them (PEP 503): python_docx == python-docx."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines() -> list[tuple[str, str]]:
    """Return (file, requirement) of every requirements file (runtime, dev, Ray), no comments."""
    found = []
    for requirements in ("requirements.txt", "requirements-dev.txt", "requirements-ray.txt"):
        for line in (ROOT / requirements).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line and not line.startswith("-r"):
                found.append((requirements, line))
    return found


def pinned_packages() -> dict[str, str]:
    """Return {package: version} of every requirement."""
    pins = {}
    for _, line in requirement_lines():
        name, _, version = line.partition("==")
        pins[canonical_name(name.strip())] = version.strip()
    return pins


def documented_packages() -> dict[str, str | None]:
    """Return {package: version or None} from the package column of the README's Dependencies.

    A cell names one or more packages by their full PyPI names, joined by "+" or ",",
    each optionally followed by its version: "whoosh-reloaded 2.7.5", "pytest, hypothesis".
    """
    section = README.split("\n## Dependencies\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    packages: dict[str, str | None] = {}
    for row in rows[2:]:  # after the header and its |---| line
        cell = row.strip("|").split("|", 1)[0]
        for entry in re.split(r"[+,]", cell):
            name, *version = entry.split()
            packages[canonical_name(name)] = version[0] if version else None
    return packages


def test_every_requirement_is_pinned_to_an_exact_version() -> None:
    lines = requirement_lines()
    assert lines
    unpinned = [f"{file}: {line}" for file, line in lines if not PINNED.fullmatch(line)]
    assert not unpinned, f"not pinned with ==: {unpinned}"


def test_every_pinned_package_is_in_the_readme_dependencies_table_by_its_full_name() -> None:
    missing = sorted(set(pinned_packages()) - set(documented_packages()))
    assert not missing, f"pinned but not in README.md's Dependencies table: {missing}"


def test_every_package_in_the_readme_dependencies_table_is_pinned() -> None:
    unpinned = sorted(set(documented_packages()) - set(pinned_packages()))
    assert not unpinned, f"in README.md's Dependencies table but not pinned: {unpinned}"


def test_versions_in_the_readme_dependencies_table_are_the_pinned_ones() -> None:
    pins = pinned_packages()
    for name, version in documented_packages().items():
        if version is not None and name in pins:
            assert version == pins[name], f"README says {name} {version}, pinned {pins[name]}"


# --- The README's examples are what the code prints on the sample --------------------------

_TIMING = re.compile(r"\d+(?:\.\d+)? ms")


def readme_example(name: str) -> str:
    """The code block after `<!-- example: name -->` in the README."""
    found = re.search(rf"<!-- example: {name} -->\n```[a-z]*\n(.*?)\n```", README, re.DOTALL)
    assert found, f"no example {name} in the README"
    return found.group(1)


def shown_as(abridged: object, real: object, where: str = "") -> None:
    """Assert the README's abridged JSON shows `real`: lists cut to their first entries,
    strings ending in … cut to their beginning, timings any number; nothing else differs."""
    if isinstance(abridged, dict):
        assert isinstance(real, dict), where
        assert list(abridged) == [k for k in real if k in abridged], where
        for key, value in abridged.items():
            if key != "took_ms":
                shown_as(value, real[key], f"{where}.{key}")
    elif isinstance(abridged, list):
        assert isinstance(real, list) and len(abridged) <= len(real), where
        for i, value in enumerate(abridged):
            shown_as(value, real[i], f"{where}[{i}]")
    elif isinstance(abridged, str) and abridged.endswith("…"):
        assert isinstance(real, str) and real.startswith(abridged[:-1]), where
    else:
        assert abridged == real, where


def test_the_readme_search_json_is_what_the_code_gives(
    runner: CliRunner, sample_index: Path
) -> None:
    args = ["search", "行政复议", "--json", "--limit", "1", "--index", str(sample_index)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    real = json.loads(result.output)
    abridged = json.loads(readme_example("search-json"))
    # Every key of a hit is shown, so the example documents the contract.
    assert list(abridged["hits"][0]) == list(real["hits"][0])
    shown_as(abridged, real)


def test_the_readme_search_output_is_what_the_cli_prints(
    runner: CliRunner, sample_index: Path
) -> None:
    result = runner.invoke(
        main, ["search", "行政复议", "--limit", "2", "--index", str(sample_index)]
    )
    assert result.exit_code == 0, result.output
    printed = _TIMING.sub("… ms", result.output.strip())
    assert _TIMING.sub("… ms", readme_example("search-cli")) == printed


def test_the_readme_library_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_reports: list[Report]
) -> None:
    found = re.search(r"### As a package\n.*?```python\n(.*?)```", README, re.DOTALL)
    assert found, "no library example under 'As a package'"
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sample").symlink_to(ROOT / "data" / "sample")
    monkeypatch.chdir(tmp_path)
    printed: list[tuple[object, ...]] = []
    exec(found.group(1), {"print": lambda *args: printed.append(args)})
    [(reports, texts)] = printed
    in_zhejiang = [
        r for r in sample_reports if r.metadata.province.startswith("浙江") and "行政复议" in r.text
    ]
    assert reports == len(nonempty(in_zhejiang))
    assert texts and all("行政复议" in t for t in texts)
