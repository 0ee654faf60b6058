"""File names: stored losslessly, shown readably, recorded relative to their SOURCE."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from indexer.ingest.s1_names import readable, source_name, storable, unstorable


@given(st.binary(max_size=30).filter(lambda b: b"\x00" not in b))
def test_storable_names_restore_the_exact_bytes(data: bytes) -> None:
    name = os.fsdecode(data)
    stored = storable(name)
    stored.encode("utf-8")  # SQLite and JSON accept it
    assert os.fsencode(unstorable(stored)) == data


def test_valid_utf8_names_are_stored_unchanged() -> None:
    assert storable("2023/政府工作报告.txt") == "2023/政府工作报告.txt"


def test_gbk_names_are_stored_with_escapes_and_shown_as_gb18030() -> None:
    name = os.fsdecode("报告".encode("gbk") + b".txt")
    assert storable(name) == "\\xb1\\xa8\\xb8\\xe6.txt"
    assert readable(storable(name)) == readable(name) == "报告.txt"


def test_each_part_of_a_path_is_shown_in_its_own_encoding() -> None:
    name = "政府/" + os.fsdecode("报告".encode("gbk")) + "/" + os.fsdecode(b"\xff\xfe.txt")
    assert readable(name) == "政府/报告/\\xff\\xfe.txt"


def test_a_backslash_in_a_name_survives() -> None:
    assert unstorable(storable("a\\xb1.txt")) == "a\\xb1.txt"
    assert readable(storable("a\\xb1.txt")) == "a\\xb1.txt"


def test_source_is_relative_to_the_source_that_named_it() -> None:
    sources = [Path("corpus"), Path("/data/one.txt")]
    assert source_name(Path("corpus/2023/a.txt"), sources) == "2023/a.txt"
    assert source_name(Path("/data/one.txt"), sources) == "one.txt"
    assert source_name(Path("/elsewhere/b.txt"), sources) == "/elsewhere/b.txt"
