"""The spool that carries a build's results from its reading workers (`build/spool.py`):
what a worker puts is what the build's process takes, across parts, and a part is
removed once read through, so the spool never holds the whole build."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from indexer.build.spool import Place, SpoolReader, SpoolWriter


def _put_in_a_child(folder: Path, values: list[object], part_bytes: int) -> list[Place]:
    """Put `values` from a forked process, as a reading worker does; their places."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def put_all() -> None:
        spool = SpoolWriter(folder, part_bytes)
        sender.send([spool.put(value) for value in values])
        spool.close()

    child = context.Process(target=put_all)
    child.start()
    places = receiver.recv()
    child.join()
    assert child.exitcode == 0
    return places


def test_what_a_worker_puts_is_taken_in_order_and_each_read_part_is_removed(
    tmp_path: Path,
) -> None:
    texts = (Path(__file__).parent / "data" / "laws").rglob("*.txt")
    values = [{"name": p.name, "text": p.read_text("utf-8")} for p in sorted(texts)[:12]]
    assert len(values) == 12
    places = _put_in_a_child(tmp_path, values, part_bytes=20_000)
    parts = sorted({place.part for place in places})
    assert len(parts) > 2, "small parts: the values span several"
    assert all(place.worker != os.getpid() for place in places)
    with SpoolReader(tmp_path) as reader:
        for place, value in zip(places, values, strict=True):
            assert reader.take(place) == value
            left = {int(path.stem.split("-")[1]) for path in tmp_path.iterdir()}
            assert min(left) == place.part, "the parts before this one are removed"
    assert [path.name for path in tmp_path.iterdir()] == [places[-1].name]


def test_a_part_cut_short_is_an_error_not_a_wrong_result(tmp_path: Path) -> None:
    spool = SpoolWriter(tmp_path)
    place = spool.put(list(range(1000)))
    spool.close()
    with open(tmp_path / place.name, "r+b") as part:
        part.truncate(place.size // 2)
    with SpoolReader(tmp_path) as reader, pytest.raises(OSError, match="ends before"):
        reader.take(place)


def test_a_file_read_comes_back_with_its_path_a_path(tmp_path: Path) -> None:
    from indexer.build.reading import FileRead

    law = sorted((Path(__file__).parent / "data" / "laws").rglob("*.txt"))[0]
    spool = SpoolWriter(tmp_path)
    place = spool.put(FileRead(law, "key", "digest", read=1))
    spool.close()
    with SpoolReader(tmp_path) as reader:
        taken = reader.take(place)
    assert isinstance(taken.path, Path) and taken.path == law
    assert (taken.key, taken.digest, taken.read) == ("key", "digest", 1)
