""".zip bundles: each member read as a file, named inside its archive, hostile ones bounded."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.ingest import ingest_path, s1_archive
from indexer.models import Report, Skipped
from indexer.search.engine import SearchEngine
from tests.helpers import nonempty

REPORT = (
    "{place}人民政府{year}年法治政府建设工作报告\n"
    "{year}年，{place}坚持依法行政，建成{place}法律服务中心，办理行政复议案件12件。\n"
    "一、主要工作\n（一）推进严格规范公正文明执法，{place}法律服务中心全年接待群众300人次。\n"
)


def report(place: str, year: int = 2022) -> bytes:
    return REPORT.format(place=place, year=year).encode("utf-8")


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ingest(path: Path, sources: list[Path] | None = None) -> tuple[list[Report], dict[str, str]]:
    """The reports of an archive, and each skipped member's reason by its name inside."""
    reports: list[Report] = []
    skipped: dict[str, str] = {}
    for item in ingest_path(path, sources or [path.parent]):
        if isinstance(item, Skipped):
            skipped[str(item.path.relative_to(path.parent))] = item.reason
        else:
            reports.extend(item)
    return reports, skipped


def test_each_member_is_a_report_named_inside_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(make_zip({"2023/甲县.txt": report("甲县"), "乙县.txt": report("乙县")}))
    reports, skipped = ingest(path)
    assert skipped == {}
    assert [r.source for r in reports] == ["bundle.zip/2023/甲县.txt", "bundle.zip/乙县.txt"]
    assert [r.metadata.title for r in reports] == [
        "甲县人民政府2022年法治政府建设工作报告",
        "乙县人民政府2022年法治政府建设工作报告",
    ]


def test_an_archive_named_as_source_still_names_its_members_inside_it(tmp_path: Path) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(make_zip({"甲县.txt": report("甲县")}))
    reports, _ = ingest(path, [path])
    assert [r.source for r in reports] == ["bundle.zip/甲县.txt"]


def test_a_gbk_member_name_is_decoded(tmp_path: Path) -> None:
    """Chinese Windows tools write GBK names without zip's UTF-8 flag."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.txt", report("甲县"))
    # The name's bytes in the local header and the central directory, same length.
    gbk, ascii_name = "甲县报告.txt".encode("gbk"), b"placeholder.txt"
    assert len(gbk) != len(ascii_name)
    data = buffer.getvalue()
    stretched = gbk[:-4] + b"___.txt"  # "甲县报告___.txt": the same length as the placeholder
    path = tmp_path / "gbk.zip"
    path.write_bytes(data.replace(ascii_name, stretched))
    reports, skipped = ingest(path)
    assert skipped == {}
    assert [r.source for r in reports] == [f"gbk.zip/{stretched.decode('gbk')}"]


def test_unreadable_members_are_skipped_alone_with_their_reason(tmp_path: Path) -> None:
    path = tmp_path / "mixed.zip"
    members = {
        "好.txt": report("甲县"),
        "幻灯片.pptx": b"PK",
        "空.txt": b"",
        "坏.docx": b"PK\x03\x04 not a zip",
        "__MACOSX/._好.txt": b"\x00\x05\x16\x07",
        ".DS_Store": b"\x00",
    }
    path.write_bytes(make_zip(members))
    reports, skipped = ingest(path)
    assert [r.source for r in reports] == ["mixed.zip/好.txt"]
    assert set(skipped) == {"mixed.zip/幻灯片.pptx", "mixed.zip/空.txt", "mixed.zip/坏.docx"}
    assert "不支持的文件类型 .pptx" in skipped["mixed.zip/幻灯片.pptx"]
    assert "文件是空的" in skipped["mixed.zip/空.txt"]
    assert "无法打开 .docx" in skipped["mixed.zip/坏.docx"]


def test_path_traversal_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    path.write_bytes(make_zip({"../../etc/passwd.txt": report("甲县"), "/abs.txt": report("乙县")}))
    reports, skipped = ingest(path)
    assert reports == []
    assert len(nonempty(skipped)) == 2
    assert all("路径不安全" in reason for reason in skipped.values())


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(make_zip({"zeros.txt": b"0" * 20_000_000, "好.txt": report("甲县")}))
    reports, skipped = ingest(path)
    assert [r.source for r in reports] == ["bomb.zip/好.txt"]
    assert "压缩炸弹" in skipped["bomb.zip/zeros.txt"]


def test_nested_archives_are_read_to_a_bounded_depth(tmp_path: Path) -> None:
    inner = make_zip({"丙县.txt": report("丙县")})
    for _ in range(s1_archive.MAX_DEPTH - 1):
        inner = make_zip({"inner.zip": inner})
    deep = make_zip({"deep.zip": inner})  # one level more than allowed
    path = tmp_path / "outer.zip"
    path.write_bytes(
        make_zip({"second.zip": make_zip({"乙县.txt": report("乙县")}), "x.zip": deep})
    )
    reports, skipped = ingest(path)
    assert [r.source for r in reports] == ["outer.zip/second.zip/乙县.txt"]
    (reason,) = nonempty(list(skipped.values()))
    assert f"嵌套超过 {s1_archive.MAX_DEPTH} 层" in reason


def test_total_size_is_bounded_across_nested_archives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nested = make_zip({"b.txt": report("乙县")})
    # Room for a.txt and the nested archive itself, not for what the nested one holds.
    monkeypatch.setattr(s1_archive, "MAX_TOTAL_BYTES", len(report("甲县")) + len(nested) + 10)
    path = tmp_path / "big.zip"
    path.write_bytes(make_zip({"a.txt": report("甲县"), "n.zip": nested, "c.txt": report("丙县")}))
    reports, skipped = ingest(path)
    assert [r.source for r in reports] == ["big.zip/a.txt"]
    assert set(skipped) == {"big.zip/n.zip/b.txt", "big.zip/c.txt"}
    assert all("总计超过" in reason for reason in skipped.values())


def test_an_encrypted_member_is_skipped_with_a_reason(tmp_path: Path) -> None:
    data = bytearray(make_zip({"secret.txt": report("甲县")}, compression=zipfile.ZIP_STORED))
    # Set the encryption flag (bit 0) in the local header and the central directory entry.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x01
    path = tmp_path / "locked.zip"
    path.write_bytes(bytes(data))
    reports, skipped = ingest(path)
    assert reports == []
    assert "已加密" in skipped["locked.zip/secret.txt"]


def test_a_damaged_archive_is_one_skipped_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    reports, skipped = ingest(path)
    assert reports == []
    assert "无法打开压缩包" in skipped["broken.zip"]


def test_a_rebuild_keeps_an_unchanged_archives_reports_and_updates_a_changed_one(
    tmp_path: Path,
) -> None:
    folder, index = tmp_path / "src", tmp_path / "index"
    folder.mkdir()
    path = folder / "bundle.zip"
    path.write_bytes(make_zip({"甲县.txt": report("甲县"), "乙县.txt": report("乙县")}))
    first = build_index([folder], index)
    assert (first.files_read, first.reports_added) == (2, 2)
    again = build_index([folder], index)
    assert (again.files_unchanged, again.files_read, again.reports_added) == (1, 0, 0)
    before = {r.source: r.report_id for r in SearchEngine.open(index).report_summaries()}

    path.write_bytes(make_zip({"甲县.txt": report("甲县"), "丙县.txt": report("丙县")}))
    changed = build_index([folder], index)
    assert (changed.reports_added, changed.reports_removed) == (1, 1)
    after = {r.source: r.report_id for r in SearchEngine.open(index).report_summaries()}
    assert set(after) == {"bundle.zip/甲县.txt", "bundle.zip/丙县.txt"}
    assert after["bundle.zip/甲县.txt"] == before["bundle.zip/甲县.txt"]  # its id survives
