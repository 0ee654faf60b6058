"""Classes of identical passages and the near-copy pairs between them (`similar.py`).

Given the live signed passages (ordinal, hash of the folded text) and the signature
segments, this finds which classes of identical texts are near-copies of which, a band at a
time, and writes the results a generation reads: `class_of.npy`, `members.npy` with
`member_start.npy`, `adjacent_from.npy`, `adjacent_to.npy`, `adjacent_similarity.npy` and
`report_pairs.npy` (and its rows, `similar_rows.py`). Every step holds arrays of
passages, classes or distinct class pairs, never passage pairs, and reads signatures and
band keys from memory maps a slice at a time, so the memory a stage needs does not grow
with how often a text is copied.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy import sparse

from indexer.index.similar_rows import read_rows, rows_by_class, save_rows
from indexer.spans import compact_ints, concatenated_ranges

# Class pairs verified at once: bounds the transient arrays to tens of megabytes.
PAIRS_PER_CHUNK = 100_000


def classify(
    folder: Path,
    names: list[str],
    report_of: np.ndarray,
    *,
    max_bucket: int,
    threshold: float,
    bands: int,
    global_of: dict[str, np.ndarray] | None = None,
    previous: Path | None = None,
) -> dict[str, int]:
    """Write the class files of the live signed passages into `folder`; return counts.

    `names` are segments in `folder`, or paths of segments elsewhere (a sharded index's
    shards', their ordinals mapped by `global_of`, as `similar_rows.passage_rows` says).
    `previous`: the folder of the pairing before, whose rows this one starts from
    (`similar_rows`); the rows of this one are left in `folder` for the next.
    """
    hashes, ordinals, reused = rows_by_class(folder, names, report_of, global_of, previous)
    report_space = max(int(report_of.max()) + 1 if len(report_of) else 1, 1)
    first = np.r_[True, hashes[1:] != hashes[:-1]] if len(hashes) else np.zeros(0, bool)
    class_of_row = np.cumsum(first) - 1  # rows come by class: the row's class
    class_hashes = hashes[first]
    # Distinct (class, report) with how many passages of the report the class holds.
    codes, counts = _class_reports(class_of_row, report_of[ordinals], report_space)
    spread = np.bincount(codes // report_space, minlength=len(class_hashes))
    included = spread <= max_bucket  # a text in more reports than a bucket holds: boilerplate
    # The one report of a class found in one report only (-1 otherwise).
    single = np.full(len(class_hashes), -1, dtype=np.int64)
    alone = spread[codes // report_space] == 1
    single[codes[alone] // report_space] = codes[alone] % report_space
    segment, row = _signature_rows(folder, names, class_hashes)
    candidates = _candidates(
        folder, names, np.flatnonzero(included), segment, row, max_bucket, bands
    )
    del class_hashes
    left, right = candidates // len(segment), candidates % len(segment)
    apart = (single[left] < 0) | (single[left] != single[right])  # not both in one report
    left, right = left[apart], right[apart]
    similarity = _estimates(folder, names, segment, row, left, right)
    keep = similarity >= threshold
    left, right, similarity = left[keep], right[keep], similarity[keep]
    # Renumber: only classes that can list anything (members in two reports, or a near copy).
    paired = np.bincount(np.r_[left, right], minlength=len(spread)) > 0
    useful = included & ((spread >= 2) | paired)
    renumber = np.cumsum(useful) - 1
    # The rows and members are saved in a thread while the report pairs are counted:
    # numpy's and scipy's work lets go of the interpreter lock, and a sharded build waits
    # for this pairing by then, its second core idle (at 10×: 0.15-0.19 s of 2.1 s).
    with ThreadPoolExecutor(max_workers=1) as saver:
        rows_saved = saver.submit(save_rows, folder, hashes, ordinals)
        saved = saver.submit(
            _save_members,
            folder, ordinals, np.where(useful, renumber, -1)[class_of_row], len(report_of),
        )  # fmt: skip
        signed = len(ordinals)
        del hashes, ordinals, class_of_row  # passage-sized: the saving thread frees them
        sources = np.concatenate([renumber[left], renumber[right]])
        targets = np.concatenate([renumber[right], renumber[left]])
        both = np.concatenate([similarity, similarity])
        order = np.lexsort((targets, -both, sources))
        sources, targets = sources[order], targets[order]
        np.save(folder / "adjacent_from.npy", sources.astype(np.int64))
        np.save(folder / "adjacent_to.npy", targets.astype(np.int64))
        np.save(folder / "adjacent_similarity.npy", both[order].astype(np.float32))
        kept = useful[codes // report_space]
        codes, counts = codes[kept], counts[kept].astype(np.int32)
        member_class = renumber[codes // report_space].astype(np.int32)
        codes %= report_space
        table = report_pairs(member_class, codes, counts, sources, targets, report_space)
        np.save(folder / "report_pairs.npy", compact_ints(table))
        rows_saved.result()  # raises what the thread raised
        classes = saved.result()
    counted = {"signed": signed, "classes": classes, "pairs": len(left)}
    return {**counted, "report_pairs": len(table), "rows_reused": reused}


def _class_reports(
    classes: np.ndarray, reports: np.ndarray, report_space: int
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes class * report_space + report of rows in class order, and how
    many rows each has. Reports are numbered as their passages, so rows by ordinal are by
    report within a class and the codes come sorted; else they are sorted here."""
    codes = classes * report_space + reports.astype(np.int64)
    if len(codes) > 1 and bool((codes[1:] < codes[:-1]).any()):
        found: tuple[np.ndarray, np.ndarray] = np.unique(codes, return_counts=True)
        return found
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    return codes[starts], np.diff(np.r_[starts, len(codes)]).astype(np.int64)


def _save_members(folder: Path, ordinals: np.ndarray, member_class: np.ndarray, space: int) -> int:
    """Save each passage's class and the members of each class; return the class count.
    Rows come by class, then ordinal; `member_class` is each row's class (-1: none)."""
    class_of = np.full(space, -1, dtype=np.int32)
    class_of[ordinals] = member_class
    np.save(folder / "class_of.npy", class_of)
    member = member_class >= 0
    np.save(folder / "members.npy", compact_ints(ordinals[member]))
    classes = int(member_class.max()) + 1 if len(member_class) else 0
    starts = np.searchsorted(member_class[member], np.arange(classes + 1))
    np.save(folder / "member_start.npy", starts.astype(np.int64))
    return classes


def _signature_rows(
    folder: Path, names: list[str], class_hashes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return, per class, the segment and row holding its text's signature."""
    parts = [np.load(folder / f"{n}.signed_hashes.npy") for n in names]
    signed = np.concatenate(parts) if parts else np.empty(0, np.uint64)
    segment_of = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    row_of = np.concatenate([np.arange(len(p)) for p in parts]) if parts else np.empty(0, int)
    order = np.argsort(signed, kind="stable")
    at = np.searchsorted(signed[order], class_hashes)
    if len(class_hashes) and not (
        at.max() < len(signed) and np.array_equal(signed[order[at]], class_hashes)
    ):
        raise RuntimeError("a live passage's text has no signature")  # an index bug
    found = order[at] if len(class_hashes) else np.empty(0, np.int64)
    return segment_of[found].astype(np.int64), row_of[found].astype(np.int64)


def _candidates(
    folder: Path,
    names: list[str],
    classes: np.ndarray,
    segment: np.ndarray,
    row: np.ndarray,
    max_bucket: int,
    bands: int,
) -> np.ndarray:
    """Return class pairs sharing a band bucket of at most `max_bucket` classes, as codes
    low * class_count + high, sorted and distinct; one band is held at a time."""
    class_count = len(segment)
    if len(classes) < 2:
        return np.empty(0, dtype=np.int64)
    # Each segment's classes, by row: read in file order, the same for every band.
    by_segment = []
    for s, name in enumerate(names):
        mine = np.flatnonzero(segment[classes] == s)
        order = np.argsort(row[classes[mine]])
        by_segment.append((folder / f"{name}.bands.npy", mine[order], row[classes[mine]][order]))

    def pairs_of(band: int) -> np.ndarray:
        keys = np.empty(len(classes), dtype=np.uint64)
        for path, mine, rows in by_segment:
            keys[mine] = np.concatenate([*read_rows(path, rows, band), np.empty(0, np.uint64)])
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)]).astype(np.int64)
        run_of = np.repeat(np.arange(len(sizes)), sizes)
        keep = (sizes >= 2) & (sizes <= max_bucket)
        # Every pair within a kept bucket at once: each member with those after it.
        at = np.flatnonzero(keep[run_of])
        after = (starts + sizes)[run_of[at]] - at - 1
        first = classes[order[np.repeat(at, after)]]
        second = classes[order[concatenated_ranges(at + 1, after)]]
        return np.minimum(first, second) * class_count + np.maximum(first, second)

    # Two bands at a time: numpy's sorts let go of the interpreter lock (at 10×: 0.33 → 0.20 s).
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = list(pool.map(pairs_of, range(bands)))
    return np.unique(np.concatenate(found))


def _signatures(
    folder: Path, names: list[str], segment: np.ndarray, row: np.ndarray, classes: np.ndarray
) -> np.ndarray:
    """Return the signatures of the given classes, read from the segments' memory maps."""
    out: np.ndarray | None = None
    for s, name in enumerate(names):
        mine = np.flatnonzero(segment[classes] == s)
        if not len(mine):
            continue
        rows, back = np.unique(row[classes[mine]], return_inverse=True)
        read = np.concatenate(list(read_rows(folder / f"{name}.signatures.npy", rows)))
        if out is None:
            out = np.empty((len(classes), read.shape[1]), dtype=read.dtype)
        out[mine] = read[back.reshape(-1)]
    return out if out is not None else np.empty((0, 0), np.uint32)


def _estimates(
    folder: Path,
    names: list[str],
    segment: np.ndarray,
    row: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
) -> np.ndarray:
    """Return the share of equal signature values of each class pair, in chunks of pairs."""
    estimates = np.empty(len(left), dtype=np.float32)
    for start in range(0, len(left), PAIRS_PER_CHUNK):
        end = start + PAIRS_PER_CHUNK
        pair = np.concatenate([left[start:end], right[start:end]])
        classes, back = np.unique(pair, return_inverse=True)
        signed = _signatures(folder, names, segment, row, classes)
        back = back.reshape(-1)
        half = len(back) // 2
        equal = signed[back[:half]] == signed[back[half:]]
        estimates[start : start + half] = equal.mean(axis=1)
    return estimates


def report_pairs(
    member_class: np.ndarray,
    member_report: np.ndarray,
    member_count: np.ndarray,
    sources: np.ndarray,
    targets: np.ndarray,
    report_space: int,
) -> np.ndarray:
    """Return (first, second, shared) report rows, shared desc, then first, second.

    Inputs: the distinct (class, report, passages of that report in the class) rows, and
    the class adjacency (both directions). A passage of report a in class c is similar to
    something in b ≠ a exactly when b holds a member of c or of a class adjacent to c, so
    a → b = Σ_c m_a(c) · [b near c]: the product of the sparse matrices (reports × classes,
    m) and (classes × reports, near), computed by scipy in C; shared is the smaller of a →
    b and b → a. Its memory is that of the inputs and of the report pairs found, never of
    passage pairs; the same figures as expanding each class's members took 4× the time.

    Classes near the same reports share one column of the product: a report copied into k
    others makes each of its passages' classes near the same k + 1 reports, and summing
    m over those classes first makes the product's work one per distinct set of reports,
    not one per class (on laws copied ten times: 245,000 classes, 8,100 sets).
    """
    classes = int(member_class.max()) + 1 if len(member_class) else 0
    holds = sparse.csr_matrix(
        (np.ones(len(member_class), np.int64), (member_class, member_report)),
        shape=(classes, report_space),
    )
    adjacent = sparse.csr_matrix(
        (np.ones(len(sources), np.int64), (sources, targets)), shape=(classes, classes)
    )
    near = sparse.csr_matrix(holds + adjacent @ holds)
    near.sum_duplicates()  # sorted columns, each once: equal sets are equal rows
    alike, firsts = _alike_rows(near)
    near_sets = near[firsts]
    near_sets.data[:] = 1  # held or adjacent: counted once
    members = sparse.csr_matrix(
        (member_count.astype(np.int64), (member_report, alike[member_class])),
        shape=(report_space, len(firsts)),
    )
    directed = _without_diagonal(sparse.csr_matrix(members @ near_sets))
    both = directed.minimum(directed.T).tocoo()
    upper = (both.row < both.col) & (both.data >= 1)
    first = both.row[upper].astype(np.int64)
    second = both.col[upper].astype(np.int64)
    return _most_shared_first(first, second, both.data[upper].astype(np.int64), report_space)


def _without_diagonal(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """The matrix with its diagonal dropped (a report shares everything with itself),
    filtered as CSR: 0.05 s at 10×, where going through COO and back took 0.13 s."""
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    keep = matrix.indices != rows
    indptr = np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=matrix.shape[0]))]
    return sparse.csr_matrix((matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape)


def _alike_rows(matrix: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Number each row of a canonical CSR matrix by its set of columns, rows with the same
    set alike; return the numbers and each number's first row. Rows are grouped by a
    64-bit hash of their columns, then checked column by column against their group's
    first row; a collision (never seen) leaves every row its own number, which changes
    no result, only its speed."""
    lengths = np.diff(matrix.indptr)
    mixed = (matrix.indices.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)) * np.uint64(
        0xBF58476D1CE4E5B9
    )  # splitmix64's finalizer: wraps, as intended
    mixed ^= mixed >> np.uint64(31)
    mixed *= np.uint64(0x94D049BB133111EB)
    hashes = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    filled = lengths > 0
    if filled.any():
        hashes[filled] += np.add.reduceat(mixed, matrix.indptr[:-1][filled])
    _, first, alike = np.unique(hashes, return_index=True, return_inverse=True)
    alike = alike.reshape(-1)
    like = first[alike]
    same = np.array_equal(lengths, lengths[like]) and np.array_equal(
        matrix.indices[concatenated_ranges(matrix.indptr[:-1], lengths)],
        matrix.indices[concatenated_ranges(matrix.indptr[like], lengths[like])],
    )
    if not same:
        return np.arange(len(lengths)), np.arange(len(lengths))
    return alike, first


def _most_shared_first(
    first: np.ndarray, second: np.ndarray, shared: np.ndarray, report_space: int
) -> np.ndarray:
    """Stack (first, second, shared) rows ordered by shared desc, then first, second: by
    sorting one packed integer key when the three fit in one, else by a lexsort."""
    bits = max(report_space - 1, 1).bit_length()
    most = int(shared.max()) if len(shared) else 0
    if 2 * bits + most.bit_length() > 62:
        order = np.lexsort((second, first, -shared))
        return np.stack([first[order], second[order], shared[order]], axis=1)
    key = ((most - shared) << (2 * bits)) | (first << bits) | second
    key.sort()
    mask = (1 << bits) - 1
    return np.stack([(key >> bits) & mask, key & mask, most - (key >> (2 * bits))], axis=1)


# reading -----------------------------------------------------------------------------


class Classes:
    """A generation's class files, memory-mapped; empty when `folder` is None."""

    def __init__(self, folder: Path | None) -> None:
        def load(name: str, dtype: type, shape: tuple[int, ...] = (0,)) -> np.ndarray:
            path = folder / name if folder is not None else None
            if path is not None and path.exists():
                return np.load(path, mmap_mode="r")
            return np.zeros(shape, dtype)

        self.class_of = load("class_of.npy", np.int32)
        self.members = load("members.npy", np.int64)
        self.member_start = load("member_start.npy", np.int64, (1,))
        self.adjacent_from = load("adjacent_from.npy", np.int64)
        self.adjacent_to = load("adjacent_to.npy", np.int64)
        self.adjacent_similarity = load("adjacent_similarity.npy", np.float32)
        self.report_pairs = load("report_pairs.npy", np.int64, (0, 3))

    def similar_to(self, ordinal: int, report_of: np.ndarray) -> list[tuple[int, float]]:
        """Return a passage's similar passages in other reports, most similar first: its
        class's members at 1.0, then adjacent classes' members at the pair's estimate."""
        others, scores = self.near(ordinal)
        return best_first(others, scores, report_of[others] != report_of[ordinal])

    def near(self, ordinal: int) -> tuple[np.ndarray, np.ndarray]:
        """The members of a passage's class (1.0) and of the adjacent classes (the pair's
        estimate), itself and its report's included; none for a passage of no class."""
        if ordinal >= len(self.class_of) or self.class_of[ordinal] < 0:
            return np.empty(0, np.int64), np.empty(0)
        own = int(self.class_of[ordinal])
        low, high = np.searchsorted(self.adjacent_from, [own, own + 1])
        classes = np.r_[own, self.adjacent_to[low:high]].astype(np.int64)
        similarity = np.r_[1.0, self.adjacent_similarity[low:high]]
        start, end = self.member_start[classes], self.member_start[classes + 1]
        widths = end - start
        rows = concatenated_ranges(start, widths)
        return np.asarray(self.members[rows], dtype=np.int64), np.repeat(similarity, widths)


def best_first(
    others: np.ndarray, scores: np.ndarray, elsewhere: np.ndarray
) -> list[tuple[int, float]]:
    """The passages `elsewhere` keeps (those of other reports), each once at its best
    score, most similar first, ties by ordinal."""
    others, scores = others[elsewhere], scores[elsewhere]
    order = np.lexsort((others, -scores))
    others, scores = others[order], scores[order]
    _, first = np.unique(others, return_index=True)  # a passage once, at its best
    first.sort()
    return [(int(o), round(float(s), 3)) for o, s in zip(others[first], scores[first], strict=True)]
