"""Word frequencies are read once per Whoosh segment and kept with the generation: summed
over segments they are Whoosh's own, and an update links the segments it kept instead of
reading them again."""

from __future__ import annotations

import shutil
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.build import build_index
from indexer.index.layout import IndexLayout
from indexer.index.word_frequencies import FOLDER, WordFrequencies, word_hashes
from tests.helpers import write_reports


def whoosh_frequencies(layout: IndexLayout, field: str) -> dict[str, int]:
    """Every word of `field` and its document frequency, as Whoosh's reader gives them."""
    with whoosh_index.open_dir(str(layout.whoosh)).reader() as reader:
        words = {w.decode() if isinstance(w, bytes) else w for w, _ in reader.iter_field(field)}
        return {word: reader.doc_frequency(field, word) for word in words}


def test_frequencies_summed_over_segments_are_whooshs(tmp_path: Path, sample_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(sample_dir, corpus)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, workers=1)
    write_reports(corpus, {"海带": 1, "紫菜": 2})
    build_index([corpus], index_dir, workers=1)  # a second segment
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    with whoosh_index.open_dir(str(layout.whoosh)).reader() as reader:
        assert len(list(reader.leaf_readers())) >= 2
    for field in ("content", "title"):
        expected = whoosh_frequencies(layout, field)
        assert len(expected) >= 5 and ("海带" in expected or field == "title")
        found = WordFrequencies(layout, None).of(field)
        assert dict(zip(found.hashes.tolist(), found.counts.tolist(), strict=True)) == dict(
            zip(word_hashes(list(expected)).tolist(), expected.values(), strict=True)
        )
        most = max(expected.values())
        assert found.words_over(most - 1) == sorted(w for w, n in expected.items() if n == most)


def test_an_update_links_the_segments_it_kept_and_reads_only_its_own(tmp_path: Path) -> None:
    corpus = write_reports(tmp_path / "corpus", {"海带": 1, "紫菜": 2, "石花菜": 3})
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, workers=1)
    first = IndexLayout.current(index_dir)
    assert first is not None
    before = {p.name: p.stat().st_ino for p in (first.ranking / FOLDER).iterdir()}
    assert before  # the build saved each segment's frequencies
    write_reports(corpus, {"龙须菜": 4})
    build_index([corpus], index_dir, workers=1)
    second = IndexLayout.current(index_dir)
    assert second is not None and second.root != first.root
    after = {p.name: p.stat().st_ino for p in (second.ranking / FOLDER).iterdir()}
    kept = set(before) & set(after)
    assert kept and all(before[name] == after[name] for name in kept)  # linked, not read
    assert set(after) - set(before)  # the update's own segment, read
    assert WordFrequencies(second, None).of("content").counts.sum() > 0
