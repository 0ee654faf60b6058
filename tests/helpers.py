"""Small assertions and test data shared by the tests."""

from __future__ import annotations

import pickle
import textwrap
from collections.abc import Sequence, Sized
from pathlib import Path
from typing import Any, TypeVar

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


def report_text(subject: str, number: int) -> str:
    """A small report of one subject and year (2000 + `number`), its number in its text."""
    return textwrap.dedent(
        f"""\
        某县{subject}局{2000 + number}年法治政府建设工作报告
        一、主要工作
        (一)推进{subject}专项整治。全年办理{subject}案件{number}件，编号{subject}{number}号。
        二、存在问题
        {subject}工作仍有差距。
        """
    )


def write_reports(folder: Path, numbered: dict[str, int]) -> Path:
    """Write `report_text(subject, number)` as `<subject>.txt` in `folder`, for each."""
    folder.mkdir(parents=True, exist_ok=True)
    for subject, number in numbered.items():
        (folder / f"{subject}.txt").write_text(report_text(subject, number), encoding="utf-8")
    return folder


class ShardsBetween:
    """A `ShardSet` passing every call on to `shards` (`LocalShards`) through `relay`:
    what test doubles of a transport change (a pickle, a shard that does not answer)."""

    def __init__(self, shards: Any) -> None:
        self.shards = shards

    @property
    def total(self) -> int:
        return int(self.shards.total)

    @property
    def hits_ahead(self) -> int:
        return int(self.shards.hits_ahead)

    def ask(self, method: str, args: tuple[Any, ...], shards: Sequence[int]) -> dict[int, Any]:
        return self.ask_each(method, dict.fromkeys(shards, args))

    def ask_each(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        return self.relay(method, args)

    def relay(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        found: dict[int, Any] = self.shards.ask_each(method, args)
        return found

    def close(self) -> None:
        self.shards.close()


class Pickling(ShardsBetween):
    """A `ShardSet` whose calls and answers cross a pickle, as they cross to a Ray actor."""

    def relay(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        answers = super().relay(method, pickle.loads(pickle.dumps(args)))
        crossed: dict[int, Any] = pickle.loads(pickle.dumps(answers))
        return crossed


class SendingAhead(Pickling):
    """Shards that send up to 20 first hits with their first answer, as Ray actors do,
    and a record of the calls made and of how many hits each first answer brought."""

    hits_ahead = 20

    def __init__(self, shards: Any) -> None:
        super().__init__(shards)
        self.calls: list[str] = []
        self.sent: list[int] = []  # hits each shard's answers to "search" brought

    def relay(self, method: str, args: dict[int, tuple[Any, ...]]) -> dict[int, Any]:
        self.calls.append(method)
        answers = super().relay(method, args)
        if method == "search":
            self.sent.extend(len(answer.hits) for answer in answers.values())
        return answers
