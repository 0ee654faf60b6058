"""Similar passages across reports: found at build time, kept right by incremental builds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from indexer.build import build_index, optimize_index
from indexer.index import similar_sign
from indexer.index.cluster import Manifest, global_folder
from indexer.index.layout import IndexLayout
from indexer.search import similar
from indexer.search.engine import SearchEngine

PLANTED = (
    "全面推行行政执法公示制度、执法全过程记录制度、重大执法决定法制审核制度，"
    "全年组织执法人员培训十二期，行政执法案卷评查合格率达到百分之九十八以上。"
)
UNRELATED = {
    "林业": "完成植树造林三万亩，森林覆盖率提高到百分之六十二，查处破坏森林资源案件四十一起，"
    "开展古树名木普查建档工作。",
    "教育": "新建改扩建中小学校舍十八所，招聘教师三百二十名，开展校园周边环境综合治理，"
    "落实义务教育控辍保学责任。",
    "水利": "加固病险水库九座，治理中小河流六十公里，推行河长制湖长制，"
    "全年未发生因洪涝灾害造成的人员伤亡事故。",
}


def report_text(subject: str, *, planted: bool, year: int = 2023) -> str:
    body = f"(二){PLANTED}" if planted else f"(二){subject}部门按时报送各项统计数据。"
    return textwrap.dedent(
        f"""\
        某县{subject}局{year}年法治政府建设工作报告
        一、主要工作
        (一){UNRELATED[subject]}
        {body}
        二、存在问题
        {subject}工作仍有差距。
        """
    )


def write(folder: Path, subject: str, *, planted: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{subject}.txt"
    path.write_text(report_text(subject, planted=planted), encoding="utf-8")
    return path


def build_planted(tmp_path: Path) -> Path:
    """Index three reports: the planted paragraph in forestry's and education's only."""
    corpus = tmp_path / "corpus"
    write(corpus, "林业", planted=True)
    write(corpus, "教育", planted=True)
    write(corpus, "水利", planted=False)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    return index_dir


def similar_by_title(index_dir: Path) -> dict[str, set[str]]:
    """Return, per report title, the titles of reports with a passage similar to one of its."""
    engine = SearchEngine.open(index_dir)
    found: dict[str, set[str]] = {}
    for record in engine.report_summaries():
        for others in engine.similar.in_report(record.report_id).values():
            found.setdefault(record.metadata.title, set()).update(o.title for o in others)
    return found


def test_signature_equals_datasketch_minhash_over_the_same_shingles():
    codes = similar_sign.shingle_codes(PLANTED)
    reference = MinHash(similar_sign.NUM_PERM, seed=similar_sign.SEED, hashfunc=int)
    reference.update_batch(codes.tolist())
    kept, signed = similar_sign.sign([PLANTED])
    assert kept.tolist() == [0]
    assert np.array_equal(signed[0], reference.hashvalues)


def test_permutations_are_datasketchs_and_signing_in_a_build_does_not_import_it():
    a, b = MinHash(similar_sign.NUM_PERM, seed=similar_sign.SEED).permutations
    drawn = similar_sign._permutations()
    assert [x.dtype for x in drawn] == [np.uint32, np.uint32]
    assert np.array_equal(drawn[0], a) and np.array_equal(drawn[1], b)
    # A fresh process with the build's modules signs a passage as a build's batch does.
    code = "import sys; import indexer.build; from indexer.index.similar_sign import sign; "
    code += "kept, _ = sign([sys.argv[1]]); print(len(kept), 'datasketch' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    ran = subprocess.run(
        [sys.executable, "-c", code, PLANTED],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    assert ran.stdout.split() == ["1", "False"]


def test_passages_shorter_than_30_characters_are_not_signed():
    assert len(similar_sign.shingle_codes("依法行政工作仍有差距。")) == 0
    kept, signed = similar_sign.sign(["依法行政工作仍有差距。", PLANTED, "短", PLANTED[:40]])
    assert kept.tolist() == [1, 3] and signed.shape == (2, similar_sign.NUM_PERM)


def test_folding_makes_traditional_and_full_width_copies_identical():
    variant = PLANTED.replace("执法", "執法").replace("九十八", "９８")
    _, (a, b, same) = similar_sign.sign([PLANTED, variant, PLANTED.replace("执法", "執法")])
    assert (a == b).mean() < 1.0  # ９８ differs from 九十八: a near, not exact, copy
    assert np.array_equal(same, a)


def test_planted_copy_is_similar_and_unrelated_passages_are_not(tmp_path: Path):
    index_dir = build_planted(tmp_path)
    engine = SearchEngine.open(index_dir)
    by_title = {r.metadata.title: r for r in engine.report_summaries()}
    forestry = by_title["某县林业局2023年法治政府建设工作报告"]
    found = engine.similar.in_report(forestry.report_id)
    assert len(found) == 1  # the planted paragraph only
    ((passage_id, others),) = found.items()
    report = engine.report(forestry.report_id)
    text = next(p.text for p in report.passages if p.passage_id == passage_id)
    assert PLANTED in text
    assert [o.title for o in others] == ["某县教育局2023年法治政府建设工作报告"]
    assert others[0].similarity >= similar_sign.THRESHOLD
    water = by_title["某县水利局2023年法治政府建设工作报告"]
    assert engine.similar.in_report(water.report_id) == {}
    pairs = engine.similar.report_pairs()
    assert [
        (p.first.metadata.title[2:4], p.second.metadata.title[2:4], p.shared) for p in pairs
    ] in (
        [("林业", "教育", 1)],
        [("教育", "林业", 1)],
    )


def test_incremental_add_and_remove_keep_similar_passages_right(tmp_path: Path):
    corpus = tmp_path / "corpus"
    forestry = write(corpus, "林业", planted=True)
    education = write(corpus, "教育", planted=True)
    index_dir = tmp_path / "index"
    build_index([forestry, education], index_dir)
    assert similar_by_title(index_dir) == {
        "某县林业局2023年法治政府建设工作报告": {"某县教育局2023年法治政府建设工作报告"},
        "某县教育局2023年法治政府建设工作报告": {"某县林业局2023年法治政府建设工作报告"},
    }
    # Add a third copy: only its passages are signed, the pairs include it.
    water = write(corpus, "水利", planted=True)
    summary = build_index([forestry, education, water], index_dir)
    assert summary.files_unchanged == 2
    assert similar_by_title(index_dir)["某县林业局2023年法治政府建设工作报告"] == {
        "某县教育局2023年法治政府建设工作报告",
        "某县水利局2023年法治政府建设工作报告",
    }
    # Remove one: its passages drop out of every list.
    build_index([forestry, water], index_dir)
    after_remove = similar_by_title(index_dir)
    assert after_remove == {
        "某县林业局2023年法治政府建设工作报告": {"某县水利局2023年法治政府建设工作报告"},
        "某县水利局2023年法治政府建设工作报告": {"某县林业局2023年法治政府建设工作报告"},
    }
    # Change one so its copy is gone: no pair left; same as a fresh build.
    write(corpus, "水利", planted=False)
    build_index([forestry, water], index_dir)
    assert similar_by_title(index_dir) == {}
    fresh = tmp_path / "fresh"
    build_index([forestry, water], fresh)
    assert similar_by_title(fresh) == {}


def test_segments_are_hard_linked_and_rewritten_once_many_rows_are_dead(tmp_path: Path):
    corpus = tmp_path / "corpus"
    paths = [write(corpus, s, planted=True) for s in UNRELATED]
    index_dir = tmp_path / "index"
    build_index(paths[:2], index_dir)
    first = SearchEngine.open(index_dir)
    first_folder = index_dir / first.generation.name / similar_sign.FOLDER
    first_segments = sorted(first_folder.glob("*.signatures.npy"))
    build_index(paths, index_dir)
    second = SearchEngine.open(index_dir)
    folder = index_dir / second.generation.name / similar_sign.FOLDER
    assert len(list(folder.glob("*.signatures.npy"))) == 2
    linked = folder / first_segments[0].name  # the first generation is still open: kept
    assert linked.stat().st_ino == first_segments[0].stat().st_ino
    build_index(paths[2:], index_dir)  # two of three reports gone: rewritten into one
    third = SearchEngine.open(index_dir)
    folder = index_dir / third.generation.name / similar_sign.FOLDER
    segments = list(folder.glob("*.ordinals.npy"))
    assert len(segments) == 1
    assert len(np.load(segments[0])) == np.count_nonzero(third.generation.live & _signed(third))


CLASS_FILES = [
    "class_of.npy", "members.npy", "member_start.npy", "adjacent_from.npy", "adjacent_to.npy",
    "adjacent_similarity.npy", "report_pairs.npy", "rows_hash.npy", "rows_ordinal.npy",
]  # fmt: skip


def write_year(corpus: Path, subject: str, year: int, *, planted: bool) -> Path:
    path = corpus / f"{subject}{year}.txt"
    path.write_text(report_text(subject, planted=planted, year=year), encoding="utf-8")
    return path


def paired_as_from_scratch(index_dir: Path, scratch: Path) -> int:
    """Check that the current generation's classes equal a pairing of its signed passages
    from nothing, file for file; return how many rows the build took from the one before."""
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    folder = pairing_folder(index_dir)
    if layout.is_cluster:
        manifest = Manifest.read(layout.root)
        similar_sign.pair_shards(scratch, manifest.layouts(index_dir), manifest.next_passage)
    else:
        names = [str(folder / n) for n in similar_sign.read_meta(folder)["segments"]]
        scratch.mkdir()
        report_of = np.load(layout.ranking / "passage_report.npy")
        similar_sign._classify(scratch, names, report_of)
    assert len(np.load(scratch / "members.npy")) and len(np.load(scratch / "report_pairs.npy"))
    for name in CLASS_FILES:
        assert (folder / name).read_bytes() == (scratch / name).read_bytes(), name
    return int(similar_sign.read_meta(folder)["rows_reused"])


def pairing_folder(index_dir: Path) -> Path:
    layout = IndexLayout.current(index_dir)
    assert layout is not None
    if layout.is_cluster:
        return global_folder(layout.root) / similar_sign.FOLDER
    return layout.root / similar_sign.FOLDER


@pytest.mark.parametrize("shards", [1, 3])
def test_an_update_pairs_from_the_rows_before_as_from_nothing(tmp_path: Path, shards: int):
    """An update starts from the rows the pairing before left (those still live, the
    others merged in) and finds what pairing every row from nothing finds, after removals,
    additions and segments rewritten; rows it cannot merge in order are all sorted."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_year(corpus, "林业", 2023, planted=True)
    education = write_year(corpus, "教育", 2023, planted=True)
    write_year(corpus, "水利", 2023, planted=False)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, shards=shards, workers=1)
    assert paired_as_from_scratch(index_dir, tmp_path / "first") == 0  # nothing before
    education.unlink()  # one copy gone, others come: rows dropped and merged in
    write_year(corpus, "水利", 2022, planted=True)
    write_year(corpus, "林业", 2022, planted=True)
    build_index([corpus], index_dir, workers=1)
    assert paired_as_from_scratch(index_dir, tmp_path / "update") > 0
    optimize_index(index_dir)  # every segment rewritten: the same rows
    assert paired_as_from_scratch(index_dir, tmp_path / "optimized") > 0
    # Rows left without a copy's first passage: merged in, it would come after its
    # text's later copies, so every row is sorted again.
    folder = pairing_folder(index_dir)
    hashes, ordinals = np.load(folder / "rows_hash.npy"), np.load(folder / "rows_ordinal.npy")
    values, counts = np.unique(hashes, return_counts=True)
    assert counts.max() >= 2
    first = int(np.flatnonzero(hashes == values[counts.argmax()])[0])
    np.save(folder / "rows_hash.npy", np.delete(hashes, first))
    np.save(folder / "rows_ordinal.npy", np.delete(ordinals, first))
    write_year(corpus, "教育", 2021, planted=True)
    build_index([corpus], index_dir, workers=1)
    assert paired_as_from_scratch(index_dir, tmp_path / "unmergeable") == 0


def _signed(engine: SearchEngine) -> np.ndarray:
    texts = engine.generation.store.passages(np.flatnonzero(engine.generation.live).tolist())
    mask = np.zeros(engine.generation.passage_count, dtype=bool)
    for ordinal, record in texts.items():
        mask[ordinal] = len(similar_sign.shingle_codes(record.passage.text)) > 0
    return mask


# web ---------------------------------------------------------------------------------


@pytest.fixture()
def planted_client(tmp_path: Path):
    from webapp import create_app

    index_dir = build_planted(tmp_path)
    engine = SearchEngine.open(index_dir)
    ids = {r.metadata.title[2:4]: r.report_id for r in engine.report_summaries()}
    return create_app({"TESTING": True, "INDEX_DIR": index_dir}).test_client(), ids


def test_api_lists_similar_passages_of_each_passage(planted_client):
    client, ids = planted_client
    data = client.get(f"/api/reports/{ids['林业']}/similar").get_json()
    assert data["report_id"] == ids["林业"]
    (entry,) = data["passages"]
    (other,) = entry["similar"]
    assert other["report_id"] == ids["教育"]
    assert other["title"] == "某县教育局2023年法治政府建设工作报告"
    assert other["url"] == f"/reports/{ids['教育']}#p-{other['passage_id']}"
    assert other["similarity"] >= 0.8
    assert other["year"] == 2023  # with the issuer: same-titled reports stay apart
    assert "issuer" in other
    assert client.get(f"/api/reports/{ids['水利']}/similar").get_json()["passages"] == []
    missing = client.get("/api/reports/0000000000000000/similar")
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_report_page_shows_similar_passages_beside_the_passage(planted_client):
    client, ids = planted_client
    html = client.get(f"/reports/{ids['林业']}").get_data(as_text=True)
    assert "1 篇报告中有相近表述" in html
    assert f'href="/reports/{ids["教育"]}#p-' in html
    assert '<span class="who">（' in html and "2023）</span>" in html
    assert "相近表述" not in client.get(f"/reports/{ids['水利']}").get_data(as_text=True)


def test_similar_page_lists_report_pairs_linked(planted_client):
    client, ids = planted_client
    html = client.get("/similar").get_data(as_text=True)
    assert f'href="/reports/{ids["林业"]}"' in html
    assert f'href="/reports/{ids["教育"]}"' in html
    assert ids["水利"] not in html
    assert client.get("/similar?limit=abc").status_code == 400


def test_an_index_built_before_similar_passages_still_serves(tmp_path: Path):
    import shutil

    from webapp import create_app

    corpus = tmp_path / "corpus"
    write(corpus, "林业", planted=True)
    write(corpus, "教育", planted=True)
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir)
    engine = SearchEngine.open(index_dir)
    shutil.rmtree(engine.generation.root / similar_sign.FOLDER)
    engine.close()
    SearchEngine._cache.clear()
    client = create_app({"TESTING": True, "INDEX_DIR": index_dir}).test_client()
    report_id = SearchEngine.open(index_dir).report_summaries()[0].report_id
    assert client.get(f"/api/reports/{report_id}/similar").get_json()["passages"] == []
    assert "相近表述" not in client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "重新运行" in client.get("/similar").get_data(as_text=True)
    # The next build signs every passage again.
    build_index([corpus], index_dir, incremental=True)
    assert similar_by_title(index_dir)


# classes of identical texts ----------------------------------------------------------

NEAR = PLANTED.replace("十二期", "十三期")  # one character changed: a near, not exact, copy
EXTRA = {
    "交通": "新建农村公路一百二十公里，改造危桥十四座，开通城乡公交线路九条，"
    "全年道路运输安全形势总体平稳。"
}


def write_report(folder: Path, subject: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = {**UNRELATED, **EXTRA}[subject]
    path = folder / f"{subject}.txt"
    path.write_text(
        f"某县{subject}局2023年法治政府建设工作报告\n一、主要工作\n(一){text}\n(二){body}\n"
        f"二、存在问题\n{subject}工作仍有差距。\n",
        encoding="utf-8",
    )
    return path


def test_exact_copies_are_similar_at_one_and_a_near_copy_below(tmp_path: Path):
    corpus = tmp_path / "corpus"
    for subject in UNRELATED:
        write_report(corpus, subject, PLANTED)
    write_report(corpus, "交通", NEAR)
    build_index([corpus], tmp_path / "index")
    engine = SearchEngine.open(tmp_path / "index")
    ids = {r.metadata.title[2:4]: r.report_id for r in engine.report_summaries()}
    _, (planted, near) = similar_sign.sign([PLANTED, NEAR])
    estimate = round(float((planted == near).mean()), 3)
    assert similar_sign.THRESHOLD <= estimate < 1.0
    for subject, report_id in ids.items():
        ((_, others),) = engine.similar.in_report(report_id).items()
        found = {o.title[2:4]: o.similarity for o in others}
        if subject == "交通":
            assert found == dict.fromkeys(UNRELATED, estimate)
        else:
            assert found == {s: 1.0 for s in UNRELATED if s != subject} | {"交通": estimate}
            assert list(found)[-1] == "交通"  # most similar first
    pairs = engine.similar.report_pairs()
    assert len(pairs) == engine.similar.report_pair_count == 6
    assert all(p.shared == 1 for p in pairs)


def test_a_text_in_more_reports_than_a_bucket_holds_pairs_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(similar_sign, "MAX_BUCKET", 3)
    corpus = tmp_path / "corpus"
    paths = [write_report(corpus, s, PLANTED) for s in [*UNRELATED, *EXTRA]]
    build_index(paths[:3], tmp_path / "three")
    assert len(similar_by_title(tmp_path / "three")) == 3
    build_index(paths, tmp_path / "four")
    engine = SearchEngine.open(tmp_path / "four")
    assert similar_by_title(tmp_path / "four") == {}
    assert engine.similar.report_pair_count == 0


def _variants(seed: int) -> tuple[list[str], list[int]]:
    """Return passages and their reports: copies, near copies at several distances, copies
    within one report, short and removed passages."""
    rng = np.random.default_rng(seed)
    bases = [PLANTED, *UNRELATED.values(), *EXTRA.values()]
    texts, reports = [], []
    for base in bases:
        for _ in range(int(rng.integers(2, 6))):
            chars = list(base)
            for at in rng.choice(len(chars), int(rng.choice([0, 0, 1, 2, 4, 8])), replace=False):
                chars[at] = "甲乙丙丁戊己庚辛"[int(rng.integers(8))]
            texts.append("".join(chars))
            reports.append(int(rng.integers(-1, 6)))  # -1: a removed passage
    # Too short; differing in whitespace only; an exact and a near copy in reports of their own.
    texts += ["仍有差距。", texts[0].replace("，", "， "), PLANTED, NEAR]
    reports += [0, int(rng.integers(0, 6)), 6, 7]
    return texts, reports


def _brute_force(texts, reports) -> dict[int, list[tuple[int, float]]]:
    """Every pair of signed live passages in two reports, similar iff the same folded text or
    a candidate at THRESHOLD or more (no bucket or class reaches MAX_BUCKET here)."""
    kept, signatures = similar_sign.sign(texts)
    keys = similar_sign.band_keys(signatures)
    found: dict[int, list[tuple[int, float]]] = {}
    for i, a in enumerate(kept):
        for j, b in enumerate(kept):
            if reports[a] < 0 or reports[b] < 0 or reports[a] == reports[b]:
                continue
            if similar_sign.folded(texts[a]) == similar_sign.folded(texts[b]):
                found.setdefault(int(a), []).append((int(b), 1.0))
                continue
            estimate = round(float((signatures[i] == signatures[j]).mean()), 3)
            if estimate >= similar_sign.THRESHOLD and (keys[:, i] == keys[:, j]).any():
                found.setdefault(int(a), []).append((int(b), estimate))
    return {a: sorted(others, key=lambda t: (-t[1], t[0])) for a, others in found.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_classes_equal_a_brute_force_over_every_passage_pair(tmp_path, monkeypatch, seed):
    import sqlite3
    from types import SimpleNamespace

    from indexer.index.layout import IndexLayout

    texts, reports = _variants(seed)
    layout = IndexLayout(tmp_path / "gen")
    layout.ranking.mkdir(parents=True)
    np.save(layout.ranking / "passage_report.npy", np.asarray(reports, dtype=np.int64))
    with sqlite3.connect(layout.store) as connection:
        connection.execute("CREATE TABLE passages (ordinal INTEGER, text TEXT)")
        connection.executemany("INSERT INTO passages VALUES (?, ?)", enumerate(texts))
    connection.close()
    monkeypatch.setattr(similar_sign, "SEGMENT_CHARACTERS", 300)  # several segments
    similar_sign.update(layout, None)
    generation = SimpleNamespace(passage_report=np.asarray(reports), root=layout.root)
    found = similar.SimilarPassages(generation).of_passages(np.arange(len(texts)))
    expected = _brute_force(texts, reports)
    assert found == expected
    assert any(s == 1.0 for others in expected.values() for _, s in others)  # exact copies
    assert any(s < 1.0 for others in expected.values() for _, s in others)  # near ones
    # Report pairs: per side, the passages with a similar one in the other; the smaller.
    counts: dict[tuple[int, int], int] = {}
    for a, others in expected.items():
        for b in {reports[o] for o, _ in others}:
            counts[reports[a], b] = counts.get((reports[a], b), 0) + 1
    rows = sorted(
        ((a, b, min(n, counts[b, a])) for (a, b), n in counts.items() if a < b),
        key=lambda r: (-r[2], r[0], r[1]),
    )
    table = similar.SimilarPassages(generation).report_pairs_table
    assert np.asarray(table).tolist() == [list(r) for r in rows]


def test_rows_with_the_same_columns_are_alike_and_no_others():
    from scipy import sparse

    from indexer.index.similar_pairs import _alike_rows

    rows = [[1, 4, 9], [], [1, 4], [1, 4, 9], [], [4, 9, 1], [2, 4, 9]]
    matrix = sparse.csr_matrix(
        (np.ones(sum(map(len, rows))), ([r for r, cs in enumerate(rows) for _ in cs],
         [c for cs in rows for c in cs])), shape=(len(rows), 10),
    )  # fmt: skip
    matrix.sum_duplicates()
    alike, firsts = _alike_rows(matrix)
    groups = {frozenset(rows[i]): int(alike[i]) for i in range(len(rows))}
    assert len(set(groups.values())) == len(groups) == 4  # {1,4,9}, {}, {1,4}, {2,4,9}
    assert all(alike[i] == groups[frozenset(rows[i])] for i in range(len(rows)))
    # each number's first row
    assert firsts.tolist() == [alike.tolist().index(g) for g in range(len(firsts))]


def test_report_pairs_order_packed_or_not_is_shared_desc_then_reports():
    from indexer.index.similar_pairs import _most_shared_first

    rng = np.random.default_rng(5)
    first = rng.integers(0, 50, 400)
    second = first + rng.integers(1, 50, 400)
    shared = rng.integers(1, 6, 400)
    expected = sorted(zip(first, second, shared, strict=True), key=lambda r: (-r[2], r[0], r[1]))
    for space in (100, 2**30):  # a key that fits one integer, and one that does not
        table = _most_shared_first(first, second, shared, space)
        assert table.tolist() == [list(map(int, r)) for r in expected]
