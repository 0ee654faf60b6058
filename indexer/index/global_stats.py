"""What ranking needs across all shards of a sharded index, computed once they are written.

BM25F takes corpus-wide numbers: per word field, the number of documents and their
average length, and each word's document frequency. A shard alone would score with its
own and rank differently from one index. So after the shards are written one reduce step
sums them (as Sphinx's global IDF and Lucene's distributed frequencies do) into the
cluster generation's `global/` folder, and every shard scores with them
(`GlobalStatistics`, the `word_index.CorpusWide` of a shard):

- `stats.json`: per field the summed document count and total length (the average is
  their quotient, as one index computes it), the whole index's passage ordinal space and
  live passages; a section heading path, one document in one index but one in each
  shard holding it, counts once (`_distinct_sections`);
- `df-<field>.terms` (the words, UTF-8, sorted by their bytes and concatenated),
  `df-<field>.offsets.npy` and `df-<field>.counts.npy`: every word's summed document
  frequency, found by binary search, so a shard holds no dictionary of the vocabulary;
- `issuers.json`: every shard's issuers (folded): `issuer:` naming one selects exactly
  it in every shard, as in one index;
- `similar/`: similar passages paired across shards, by whole-index ordinals
  (`similar_sign.pair_shards`): a copy in another shard is found.

Frequencies are Whoosh's (`doc_frequency`), which count a removed passage until its
segment is merged; summed over shards they are what one index with the same segments
would count.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from indexer.index import similar_sign
from indexer.index.cluster import global_folder
from indexer.index.layout import IndexLayout
from indexer.index.schema import WORD_FIELDS
from indexer.index.store import ReportStore
from indexer.index.word_fields import CountedWordsField
from indexer.index.word_index import index_entries, read_word_stats
from indexer.normalize import fold

STATS = "stats.json"
ISSUERS = "issuers.json"


def write(cluster: IndexLayout, shards: list[IndexLayout], space: int) -> None:
    """Sum the shards' statistics into `cluster`'s global folder; pair similar passages.

    `space` is the whole index's passage ordinal space (its next passage ordinal).
    """
    folder = global_folder(cluster.root)
    folder.mkdir(parents=True)
    documents = dict.fromkeys(WORD_FIELDS, 0)
    lengths = dict.fromkeys(WORD_FIELDS, 0.0)
    live = 0
    frequencies: dict[str, Counter[bytes]] = {field: Counter() for field in WORD_FIELDS}
    for shard in shards:
        for field, counted in read_word_stats(shard).items():
            documents[field] += int(counted["documents"])
            lengths[field] += float(counted["total_length"])
        live += int(np.count_nonzero(np.load(shard.ranking / "passage_report.npy") >= 0))
        ix = whoosh_index.open_dir(str(shard.whoosh))
        with ix.reader() as reader:
            for field in WORD_FIELDS:
                counter = frequencies[field]
                for word, info in reader.iter_field(field):
                    counter[word] += info.doc_frequency()
    # A section heading path is one document per index, but one per shard holding it:
    # its statistics are those of the distinct paths of all shards.
    documents["section"], lengths["section"], frequencies["section"] = _distinct_sections(shards)
    fields = {
        field: {
            "documents": documents[field],
            "average_length": lengths[field] / documents[field] if documents[field] else 1.0,
            "total_length": lengths[field],
        }
        for field in WORD_FIELDS
    }
    stats: dict[str, object] = {"fields": fields, "space": space, "live": live}
    (folder / STATS).write_text(json.dumps(stats), encoding="utf-8")
    for field, counter in frequencies.items():
        _write_frequencies(folder, field, counter)
    issuers = sorted(set().union(*(_issuer_names(shard) for shard in shards)))
    (folder / ISSUERS).write_text(json.dumps(issuers, ensure_ascii=False), encoding="utf-8")
    similar_sign.pair_shards(folder / similar_sign.FOLDER, shards, space)


def _distinct_sections(shards: list[IndexLayout]) -> tuple[int, float, Counter[bytes]]:
    """The count, total length and word document frequencies of the distinct section
    paths of all shards, each path's words counted as the build counted them."""
    lengths: dict[str, float] = {}
    for shard in shards:
        paths = json.loads((shard.ranking / "sections.json").read_text(encoding="utf-8"))
        by_id = np.load(shard.ranking / "length_section.npy")
        for number, path in enumerate(paths):
            lengths.setdefault(path, float(by_id[number]) if number < len(by_id) else 0.0)
    counter = CountedWordsField(index_entries(shards[0])) if shards else None
    frequencies: Counter[bytes] = Counter()
    for path in lengths:
        assert counter is not None
        frequencies.update(word.encode("utf-8") for word in counter.word_counts(path))
    return len(lengths), float(sum(lengths.values())), frequencies


def _issuer_names(shard: IndexLayout) -> set[str]:
    """The folded canonical issuers of a shard's reports (what issuer: names exactly)."""
    store = ReportStore(shard.store)
    try:
        return {fold(r.metadata.issuer) for r in store.report_records() if r.metadata.issuer}
    finally:
        store.close()


def _write_frequencies(folder: Path, field: str, counter: Counter[bytes]) -> None:
    words = sorted(counter)
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    (folder / f"df-{field}.terms").write_bytes(b"".join(words))
    np.save(folder / f"df-{field}.offsets.npy", offsets)
    counts = np.fromiter((counter[w] for w in words), dtype=np.int64, count=len(words))
    np.save(folder / f"df-{field}.counts.npy", counts)


class _Frequencies:
    """One field's summed document frequencies, looked up by binary search."""

    def __init__(self, folder: Path, field: str) -> None:
        self.terms = (folder / f"df-{field}.terms").read_bytes()
        self.offsets = np.load(folder / f"df-{field}.offsets.npy", mmap_mode="r")
        self.counts = np.load(folder / f"df-{field}.counts.npy", mmap_mode="r")

    def _word(self, number: int) -> bytes:
        return self.terms[int(self.offsets[number]) : int(self.offsets[number + 1])]

    def get(self, word: str) -> int:
        wanted = word.encode("utf-8")
        low, high = 0, len(self.counts)
        while low < high:
            middle = (low + high) // 2
            if self._word(middle) < wanted:
                low = middle + 1
            else:
                high = middle
        if low < len(self.counts) and self._word(low) == wanted:
            return int(self.counts[low])
        return 0


class GlobalStatistics:
    """The whole index's statistics as shard `shard` of the cluster generation at
    `cluster_root` scores with them (`word_index.CorpusWide`)."""

    def __init__(self, cluster_root: Path, shard: int) -> None:
        folder = global_folder(cluster_root)
        data = json.loads((folder / STATS).read_text(encoding="utf-8"))
        self.stats: dict[str, dict[str, float]] = data["fields"]
        self.space: int = int(data["space"])
        self.live: int = int(data["live"])
        self._frequencies = {field: _Frequencies(folder, field) for field in WORD_FIELDS}
        names = json.loads((folder / ISSUERS).read_text(encoding="utf-8"))
        self.issuer_names: frozenset[str] = frozenset(names)

    def doc_frequency(self, field: str, word: str) -> int:
        return self._frequencies[field].get(word)
