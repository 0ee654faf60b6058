"""Small assertions and test data shared by the tests."""

from __future__ import annotations

from collections.abc import Sized
from pathlib import Path
from typing import TypeVar

T = TypeVar("T", bound=Sized)


def nonempty(items: T, what: str = "selection") -> T:
    """Return `items`, failing the test when it is empty.

    A loop over an empty selection passes whatever it asserts: a renamed CSS class or a
    function that returns [] would go unnoticed. Wrap every selection a test loops over.
    """
    assert len(items) > 0, f"expected a non-empty {what}"
    return items


def forget_engine(index_dir: Path) -> None:
    """Close the engine the library keeps for `index_dir` and forget it, so its files are
    closed in the test that opened them, not when a later test lets the cache go."""
    from indexer.search.engine import SearchEngine

    engine = SearchEngine._cache.pop((Path(index_dir).resolve(), None), None)
    if engine is not None:
        engine.close()


# A report as a GBK system saves it: its text and its file name in GBK, no section headings.
PLAIN_REPORT = (
    "嘉兴市南湖区司法局关于行政复议工作情况的报告\n"
    "今年以来，我局认真贯彻落实上级部署，依法办理行政复议案件，全年共收到行政复议申请二十件，"
    "依法受理十八件。\n"
    "我局坚持把化解行政争议作为行政复议工作的重点，通过调解和解方式结案六件，"
    "行政争议实质性化解率明显提高。\n"
    "下一步，我们将继续加强行政复议规范化建设，提升办案质量和效率，更好地保护群众合法权益。\n"
)
# Part of this name's GBK bytes happens to be valid UTF-8 (񱨸): stored, it mixes escapes
# and characters, as the names in issue 18 did.
GBK_FOLDER, GBK_FILE_NAME = "gbkname", "便民服务报告.txt"
