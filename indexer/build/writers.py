"""The parts a build writes besides the store: literal batches, merges, ranking arrays.

`build.py` drives an update; these are its writers. Also the test of whether an update
can reuse the previous generation at all (`compatible`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from array import array
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from whoosh import index as whoosh_index

from indexer.index.analysis import Entry
from indexer.index.cluster import members
from indexer.index.layout import GENERATION_FORMAT, GLOBAL_PASSAGE, GLOBAL_REPORT, IndexLayout
from indexer.index.literal import LiteralSegment, merge_segments
from indexer.index.schema import PASSAGE, REPORT, SECTION
from indexer.index.similar_sign import Signer
from indexer.index.word_index import index_entries
from indexer.ingest.corrections import Correction
from indexer.ingest.s5_issuers import DEFAULT_ALIASES

# Characters of new passages per literal segment: bounds the build's memory (the segment
# sort holds ~40 bytes per character) while keeping the segment count low.
BATCH_CHARACTERS = 2_000_000
# The merge policy: once this many segments are small (under a quarter of a batch),
# they are merged into one; a segment with more than half its passages removed is
# rewritten.
SMALL_SEGMENTS_TO_MERGE = 4


def corrections_fingerprint(corrections: Sequence[Correction]) -> str:
    """What the corrections and the shipped issuer alias table say, as one hash.

    Both decide stored metadata, so a change of either rebuilds every report.
    """
    said = repr(list(corrections)).encode("utf-8") + DEFAULT_ALIASES.read_bytes()
    return hashlib.sha256(said).hexdigest()


def compatible(previous: IndexLayout, entries: tuple[Entry, ...], corrections: str) -> bool:
    """Tell whether an update can reuse the previous generation.

    Same format (`layout.GENERATION_FORMAT`), dictionary and metadata corrections;
    otherwise everything is rebuilt.
    """
    meta = previous.read_meta()
    if meta.get("format") != GENERATION_FORMAT or meta.get("corrections", "") != corrections:
        return False
    try:
        return index_entries(members(previous)[0]) == entries
    except (OSError, ValueError, KeyError, ImportError, whoosh_index.EmptyIndexError):
        return False


class LiteralBatch:
    """New passages' folded texts, written as one literal segment per `BATCH_CHARACTERS`.

    A full batch is built on a thread of its own while the next one fills: building is
    numpy sorting, which runs outside the interpreter lock, so it takes the time the
    build's process would otherwise spend waiting; so is signing the batch's passages for
    similar passages (`similar_sign.Signer`, numpy too). One batch builds at a time: the
    shards written by one process share a `builder`, so their batches' transient arrays
    (~40 bytes a character) are not held several at once.
    """

    def __init__(
        self,
        layout: IndexLayout,
        signer: Signer | None = None,
        builder: ThreadPoolExecutor | None = None,
    ) -> None:
        """`signer` signs each batch's passages for similar passages, on the same thread;
        `builder`: the thread (shared), else one of its own."""
        self.layout = layout
        self.signer = signer
        self.ordinals: list[int] = []
        self.texts: list[str] = []
        self.characters = 0
        self.written: list[str] = []
        self._own = builder is None
        self._builder = builder or ThreadPoolExecutor(1, thread_name_prefix="literal")
        self._building: Future[str] | None = None

    def extend(self, first: int, folded_texts: list[str]) -> None:
        """Add passages of consecutive ordinals from `first` (a batch is written once it
        holds BATCH_CHARACTERS, as it fills)."""
        for ordinal, text in enumerate(folded_texts, first):
            self.ordinals.append(ordinal)
            self.texts.append(text)
            self.characters += len(text)
            if self.characters >= BATCH_CHARACTERS:
                self._write()

    def _write(self) -> None:
        self._wait()
        if self.texts:
            self._building = self._builder.submit(self._build, self.texts, self.ordinals)
        self.ordinals, self.texts, self.characters = [], [], 0

    def _build(self, texts: list[str], ordinals: list[int]) -> str:
        segment = LiteralSegment.build(texts, ordinals, folded_already=True)
        segment.save(self.layout.literal)
        if self.signer is not None:
            self.signer.sign(ordinals, texts, folded_already=True)
        return segment.name

    def _wait(self) -> None:
        if self._building is not None:
            self.written.append(self._building.result())
            self._building = None

    def flush(self, names: list[str]) -> None:
        self._write()
        self._wait()
        if self._own:
            self._builder.shutdown()
        names.extend(self.written)

    def cancel(self) -> None:
        """Stop building (a failed update): the folder with what was built is removed."""
        if self._building is not None:
            self._building.cancel()
        if self._own:
            self._builder.shutdown(cancel_futures=True)


def merge_literal(
    layout: IndexLayout, names: list[str], live: np.ndarray, *, everything: bool
) -> list[str]:
    """Apply the merge policy (or merge all); return the generation's segment names."""
    folder = layout.literal
    segments = {name: LiteralSegment.load(folder / name) for name in names}
    alive = {name: int(np.count_nonzero(live[s.ordinals])) for name, s in segments.items()}
    if everything:
        groups = [names] if names else []
    else:
        small = [n for n in names if alive[n] * 40 < BATCH_CHARACTERS / 4]
        sparse = [n for n in names if n not in small and alive[n] * 2 < len(segments[n])]
        groups = ([small] if len(small) >= SMALL_SEGMENTS_TO_MERGE else []) + [[n] for n in sparse]
    result = list(names)
    for group in groups:
        merged = merge_segments([segments[n] for n in group], live)
        position = result.index(group[0])
        result = [n for n in result if n not in group]
        if len(merged):
            merged.save(folder)
            result.insert(min(position, len(result)), merged.name)
    for name in set(names) - set(result):
        shutil.rmtree(folder / name, ignore_errors=True)  # our hard links only
    return result


def _typed(code: str, values: np.ndarray) -> array:
    """A typed array of `values`, copied once (not converted, then to bytes, then in)."""
    typed = array(code)
    typed.frombytes(np.ascontiguousarray(values, dtype=np.dtype(code)).data.cast("B"))
    return typed


class RankingArrays:
    """Per-ordinal arrays the engine reads at open: report and section of each passage,
    and the ordinal across the whole index of each passage and report (`generation.py`)."""

    def __init__(
        self,
        passage_report: np.ndarray,
        section_of: np.ndarray,
        sections: list[str],
        global_passage: np.ndarray,
        global_report: np.ndarray,
    ) -> None:
        # Typed arrays, not lists: 4 bytes per passage instead of ~36 (a list of ints)
        # is what keeps the build's own memory flat at millions of passages.
        self.passage_report = _typed("i", passage_report)
        self.section_of = _typed("i", section_of)
        self.sections = sections
        self.section_ids = {s: i for i, s in enumerate(sections)}
        self.global_passage = _typed("q", global_passage)
        self.global_report = _typed("q", global_report)

    @classmethod
    def load(cls, previous: IndexLayout | None) -> RankingArrays:
        if previous is None:
            empty = np.empty(0, np.int64)
            return cls(empty, empty, [], empty, empty)
        folder = previous.ranking
        sections = json.loads((folder / "sections.json").read_text(encoding="utf-8"))
        return cls(
            np.load(folder / "passage_report.npy"),
            np.load(folder / "section_of.npy"),
            sections,
            np.load(folder / GLOBAL_PASSAGE),
            np.load(folder / GLOBAL_REPORT),
        )

    @property
    def space(self) -> int:
        return len(self.passage_report)

    @property
    def live(self) -> np.ndarray:
        return np.frombuffer(self.passage_report, dtype=np.int32) >= 0

    def add_passages(
        self, first: int, report_ordinal: int, sections: list[str], global_first: int
    ) -> list[tuple[int, str]]:
        """Record a report's passages, ordinals from `first` (from `global_first` across
        the whole index), by their section paths; return the new sections (id, path)."""
        holes = first - len(self.passage_report)  # ordinals of skipped-over holes
        if holes > 0:
            self.passage_report.extend([-1] * holes)
            self.section_of.extend([0] * holes)
            self.global_passage.extend([-1] * holes)
        ids, new = self.section_ids, []
        section_of = []
        for section in sections:
            section_id = ids.get(section)
            if section_id is None:
                section_id = ids[section] = len(self.sections)
                self.sections.append(section)
                new.append((section_id, section))
            section_of.append(section_id)
        self.passage_report.extend([report_ordinal] * len(sections))
        self.section_of.extend(section_of)
        self.global_passage.extend(range(global_first, global_first + len(sections)))
        return new

    def add_report(self, report_ordinal: int, global_ordinal: int) -> None:
        """Record the whole index's ordinal of a report."""
        holes = report_ordinal - len(self.global_report)
        if holes > 0:
            self.global_report.extend([-1] * holes)
        self.global_report.append(global_ordinal)

    def live_by_kind(self, report_space: int) -> dict[int, np.ndarray]:
        """Which ids of each Whoosh document kind are in the index (`schema.py`)."""
        live = self.live
        reports = np.zeros(report_space, dtype=bool)
        reports[np.asarray(self.passage_report, dtype=np.int64)[live]] = True
        return {PASSAGE: live, SECTION: np.ones(len(self.sections), dtype=bool), REPORT: reports}

    def remove(self, ordinals: Iterable[int]) -> None:
        for ordinal in ordinals:
            self.passage_report[ordinal] = -1

    def save(self, layout: IndexLayout) -> None:
        folder = layout.ranking
        folder.mkdir(parents=True, exist_ok=True)
        passage_report = np.array(self.passage_report, dtype=np.int32)
        np.save(folder / "passage_report.npy", passage_report)
        np.save(folder / "section_of.npy", np.array(self.section_of, dtype=np.int32))
        np.save(folder / GLOBAL_PASSAGE, np.array(self.global_passage, dtype=np.int64))
        np.save(folder / GLOBAL_REPORT, np.array(self.global_report, dtype=np.int64))
        (folder / "sections.json").write_text(
            json.dumps(self.sections, ensure_ascii=False), encoding="utf-8"
        )
