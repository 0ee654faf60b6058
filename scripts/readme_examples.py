"""Write the README's examples (`<!-- example: … -->` blocks) from what the code prints now.

    .venv/bin/python scripts/readme_examples.py          # say which examples are stale
    .venv/bin/python scripts/readme_examples.py --write  # rewrite them in README.md

The sample (data/sample) is built into a temporary index; `search-cli` is the CLI's output
of 行政复议, `search-json` its JSON with lists cut to their first entries and long strings
to their beginning, marked …. tests/test_docs.py checks the README against the code.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.build import build_index  # noqa: E402
from indexer.cli import main  # noqa: E402

README = ROOT / "README.md"
CUT = 40  # characters a long string keeps in the JSON example


def _abridged(value: object, key: str = "") -> object:
    if isinstance(value, dict):
        return {k: _abridged(v, k) for k, v in value.items()}
    if key == "highlights":
        return value[:2]  # type: ignore[index]  # spans stay whole
    if isinstance(value, list):
        return [_abridged(v) for v in value[:1]]
    if isinstance(value, str) and len(value) > CUT and key not in ("section", "url", "source"):
        return value[:CUT] + "…"
    return value


def examples(index: Path) -> dict[str, str]:
    runner = CliRunner()
    cli = runner.invoke(main, ["search", "行政复议", "--limit", "2", "--index", str(index)])
    found = runner.invoke(
        main, ["search", "行政复议", "--json", "--limit", "1", "--index", str(index)]
    )
    data = _abridged(json.loads(found.output))
    return {"search-cli": cli.output.strip(), "search-json": _compact(data)}


def _compact(data: dict) -> str:
    """JSON laid out for reading: a line per top-level key, facet and hit field."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in data.items():
        if key == "facets":
            facets = ",\n  ".join(f"{dump(n)}: {dump(v)}" for n, v in value.items())
            lines.append(f'"facets": {{\n  {facets}}}')
        elif key == "hits":
            hits = ",\n".join(
                "  {" + ",\n   ".join(f"{dump(k)}: {dump(v)}" for k, v in hit.items()) + "}"
                for hit in value
            )
            lines.append(f'"hits": [\n{hits}]')
        else:
            lines.append(f"{dump(key)}: {dump(value)}")
    return "{" + ",\n ".join(lines) + "}"


def main_(write: bool) -> int:
    with tempfile.TemporaryDirectory() as folder:
        index = Path(folder) / "index"
        build_index([ROOT / "data" / "sample"], index)
        wanted = examples(index)
    readme = README.read_text(encoding="utf-8")
    stale = []
    for name, text in wanted.items():
        pattern = re.compile(rf"(<!-- example: {name} -->\n```[a-z]*\n)(.*?)(\n```)", re.DOTALL)
        found = pattern.search(readme)
        if found is None:
            print(f"README.md has no example {name}", file=sys.stderr)
            return 2
        if found.group(2) != text:
            stale.append(name)
            readme = readme[: found.start(2)] + text + readme[found.end(2) :]
    if write and stale:
        README.write_text(readme, encoding="utf-8")
    print(("rewritten: " if write else "stale: ") + (", ".join(stale) or "none"))
    return 1 if stale and not write else 0


if __name__ == "__main__":
    sys.exit(main_("--write" in sys.argv[1:]))
