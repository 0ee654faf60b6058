"""The README is tested against the code: commands, query examples, contract fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.query import FIELDS, parse_query
from indexer.query_help import QUERY_EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_names_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert "scripts/run" in README and "scripts/test" in README
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for script in ("run", "test", "setup"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111, f"{script} is not executable"


@pytest.mark.parametrize(("query", "meaning"), QUERY_EXAMPLES)
def test_every_query_example_is_in_the_readme_and_parses(query: str, meaning: str) -> None:
    assert f"`{query}`" in README.replace("\\|", "|")
    parse_query(query)


@pytest.mark.parametrize("field", list(FIELDS))
def test_every_field_is_documented(field: str) -> None:
    assert f"`{field}`" in README


@pytest.mark.parametrize("command", ["build", "reports", "stats", "search"])
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--index" in result.output
    assert f"python -m indexer {command}" in README


def test_every_pinned_requirement_is_explained() -> None:
    for requirements in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / requirements).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith(("#", "-r")):
                name = line.split("==")[0]
                assert "==" in line, f"{name} is not pinned"
                assert name.split("-")[0] in README, f"{name} is not explained in the README"
