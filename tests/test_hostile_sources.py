"""Every file is isolated: a hostile corpus indexes every good file and names each bad one."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_sources import SCANNED_PDF, make_docx

from indexer.build import build_index
from indexer.cli import main
from indexer.ingest.s6_cut import MAX_PASSAGE_CHARS
from indexer.search.engine import SearchEngine

REPORT = (
    "关于2023年法治政府建设工作情况的报告\n"
    "一、主要工作\n"
    "今年以来，我局认真贯彻落实上级部署，扎实推进依法行政，取得了明显成效。\n"
    "二、下一步打算\n"
    "我们将继续加强行政复议和应诉工作，{tag}。\n"
)
GBK_NAME = "报告.txt".encode("gbk")  # b"\xb1\xa8\xb8\xe6.txt": no valid UTF-8
GBK_STORED = "\\xb1\\xa8\\xb8\\xe6.txt"  # how the index stores it, losslessly
HUGE_SENTENCE = "我们要坚持以人民为中心的发展思想，推进法治政府建设。"


def report(tag: str) -> str:
    return REPORT.format(tag=tag)


def hostile_corpus(folder: Path) -> Path:
    """Good files mixed with every kind of bad one; return the folder."""
    folder.mkdir()
    (folder / "good.txt").write_text(report("普通文件"), encoding="utf-8")
    with open(os.path.join(os.fsencode(folder), GBK_NAME), "wb") as handle:
        handle.write(report("文件名是国标码").encode("gbk"))
    (folder / "utf16.txt").write_bytes(report("双字节编码").encode("utf-16"))
    controls = report("控制字符\x00\x1b[31m红色\x1b[0m\x07响铃\x7f\x9b").replace("一、", "\f一、")
    (folder / "controls.txt").write_text(controls, encoding="utf-8")
    (folder / "huge.txt").write_text(
        "关于大段文字的报告\n" + HUGE_SENTENCE * 4000 + "\n", encoding="utf-8"
    )
    (folder / "junk.txt").write_bytes(random.Random(10).randbytes(5000))
    (folder / "empty.docx").write_bytes(b"")
    whole = make_docx(folder / "whole.docx.tmp").read_bytes()
    (folder / "whole.docx.tmp").unlink()
    (folder / "truncated.docx").write_bytes(whole[: len(whole) // 2])
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <</Type /Catalog")
    (folder / "scanned.pdf").write_bytes(SCANNED_PDF)
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")  # a folder loop
    return folder


GOOD = {"good.txt", GBK_STORED, "utf16.txt", "controls.txt", "huge.txt"}
BAD = {
    "junk.txt": "无法解码",
    "empty.docx": "空",
    "truncated.docx": "docx",
    "corrupt.pdf": "PDF",
    "scanned.pdf": "OCR",
    "loop.txt": "不是普通文件",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """(corpus, index, build summary) of the hostile corpus, built through the CLI."""
    root = tmp_path_factory.mktemp("hostile")
    corpus, index = hostile_corpus(root / "corpus"), root / "index"
    result = CliRunner().invoke(main, ["build", str(corpus), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    return corpus, index, json.loads(result.stdout)


def test_every_good_file_is_indexed_and_every_bad_one_skipped_with_its_reason(hostile):
    _, index, summary = hostile
    engine = SearchEngine.open(index)
    sources = {record.source for record in engine.report_summaries()}
    assert sources == GOOD
    assert summary["files_read"] == len(GOOD)
    skipped = {Path(item["path"]).name: item["reason"] for item in summary["skipped"]}
    assert set(skipped) == set(BAD)
    for name, reason in BAD.items():
        assert reason in skipped[name], (name, skipped[name])


def test_control_characters_never_reach_the_store(hostile):
    _, index, _ = hostile
    engine = SearchEngine.open(index)
    result = engine.search("控制字符")
    (hit,) = result.hits(0, None)
    assert hit.text == "我们将继续加强行政复议和应诉工作，控制字符[31m红色[0m响铃。"
    record = next(r for r in engine.report_summaries() if r.source == "controls.txt")
    headings = [p.text for p in engine.report(record.report_id).passages if p.is_heading]
    assert "一、主要工作" in headings  # the form feed became a line break


def test_one_huge_paragraph_becomes_passages_within_the_limit(hostile):
    _, index, _ = hostile
    engine = SearchEngine.open(index)
    record = next(r for r in engine.report_summaries() if r.source == "huge.txt")
    passages = engine.report(record.report_id).passages
    body = [p.text for p in passages if HUGE_SENTENCE in p.text]
    assert len(body) > 20
    assert all(len(text) <= MAX_PASSAGE_CHARS for text in body)
    assert all(text.endswith("。") for text in body)
    assert "".join(body) == HUGE_SENTENCE * 4000


def test_utf16_text_is_found(hostile):
    _, index, _ = hostile
    assert SearchEngine.open(index).search("双字节编码").total_reports == 1


def test_non_utf8_name_is_shown_readably_and_survives_a_rebuild(hostile, tmp_path):
    corpus, index, _ = hostile
    runner = CliRunner()
    listing = runner.invoke(main, ["reports", "--index", str(index)])
    assert listing.exit_code == 0
    line = next(line for line in listing.output.splitlines() if "报告.txt" in line)
    report_id = line.split()[0]
    # The title read from the name is readable too.
    engine = SearchEngine.open(index)
    assert engine.report(report_id).source == GBK_STORED

    rebuilt = tmp_path / "rebuilt"
    build_index([corpus], rebuilt, incremental=False)
    build_index([corpus], rebuilt)  # an update that reads nothing keeps it as well
    again = SearchEngine.open(rebuilt).report(report_id)
    assert again.source == GBK_STORED


def test_non_utf8_name_of_a_bad_file_is_reported_not_fatal(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(report("好"), encoding="utf-8")
    bad_name = os.path.join(os.fsencode(corpus), "坏.txt".encode("gbk"))
    with open(bad_name, "wb") as handle:
        handle.write(random.Random(1).randbytes(3000))
    result = CliRunner().invoke(main, ["build", str(corpus), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert "坏.txt: 无法解码" in result.output
    stats = CliRunner().invoke(main, ["stats", "--index", str(tmp_path / "ix")])
    assert "坏.txt" in stats.output


def test_a_file_that_breaks_a_later_stage_is_skipped_and_the_build_goes_on(tmp_path, monkeypatch):
    import indexer.ingest

    def explode(text: str):
        if "爆炸" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return original(text)

    original = indexer.ingest._clean
    monkeypatch.setattr(indexer.ingest, "_clean", explode)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(report("好"), encoding="utf-8")
    (corpus / "b.txt").write_text(report("爆炸"), encoding="utf-8")
    summary = build_index([corpus], tmp_path / "ix")
    assert summary.files_read == 1
    ((path, reason),) = [(s.path.name, s.reason) for s in summary.skipped]
    assert path == "b.txt" and "RecursionError" in reason


def test_source_is_relative_to_the_source_argument(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "2023").mkdir(parents=True)
    (corpus / "2023" / "a.txt").write_text(report("甲"), encoding="utf-8")
    single = tmp_path / "elsewhere" / "b.txt"
    single.parent.mkdir()
    single.write_text(report("乙"), encoding="utf-8")
    build_index([corpus, single], tmp_path / "ix")
    engine = SearchEngine.open(tmp_path / "ix")
    assert {r.source for r in engine.report_summaries()} == {"2023/a.txt", "b.txt"}
    assert {hit.source for hit in engine.search("行政复议").hits(0, None)} == {
        "2023/a.txt",
        "b.txt",
    }
