"""Which shards answered a call: what `"shards"` in every JSON answer says.

A sharded index's answer is complete only when every shard answered. `Answered` follows
the calls of one result (or one request) and fails them with `ShardsUnavailableError`
(status 503) as soon as a shard is missing, unless the caller accepted a partial answer,
which then says which shards are missing. An unsharded index is one shard that always
answers (`{"total": 1, "answered": 1}`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from indexer.errors import ReportSearchError


class ShardsUnavailableError(ReportSearchError):
    """Some shards did not answer: the result would be partial."""

    status = 503

    def __init__(self, missing: Sequence[int], total: int) -> None:
        names = "、".join(str(k) for k in missing)
        super().__init__(
            f"索引的 {len(missing)}/{total} 个分片没有应答（分片 {names}），结果不完整，未返回",
            hint="稍后重试；或加 partial=1 查看其余分片的结果（会标明不完整）",
        )
        self.missing = list(missing)
        self.total = total

    def as_json(self) -> dict[str, object]:
        """The `"shards"` of the 503 answer: which shards are missing."""
        return {
            "total": self.total,
            "answered": self.total - len(self.missing),
            "missing": self.missing,
        }


@dataclass
class Answered:
    """Which shards answered every call a result (or a request) made."""

    total: int = 1
    partial: bool = False  # accept missing shards (the result says so) instead of failing
    missing: set[int] = field(default_factory=set)

    def check(self, answers: dict[int, Any], asked: Sequence[int]) -> dict[int, Any]:
        """Note the shards of `asked` missing from `answers`; fail unless partial."""
        self.missing |= set(asked) - set(answers)
        if self.missing and not self.partial:
            raise ShardsUnavailableError(sorted(self.missing), self.total)
        return answers

    def require(self, answers: dict[int, Any], shard: int) -> Any:
        """The answer of the one shard that holds what was asked: partial or not, an
        answer without it cannot be given."""
        self.check(answers, [shard])
        if shard not in answers:
            raise ShardsUnavailableError([shard], self.total)
        return answers[shard]

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_json(self) -> dict[str, object]:
        found: dict[str, object] = {"total": self.total, "answered": self.total - len(self.missing)}
        if self.missing:
            found["missing"] = sorted(self.missing)
        return found
