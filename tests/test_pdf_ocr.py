"""Scanned PDFs: OCR finds the report, says so, shows progress and is not repeated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2
import pytest
from helpers import nonempty

from indexer.build import build_index
from indexer.errors import SourceError
from indexer.index.layout import ocr_cache
from indexer.ingest import s1_ocr
from indexer.ingest.s1_read import read_source
from indexer.search.engine import SearchEngine

# Each build here recognises one page (seconds of CPU): behind the marker CI still runs.
pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data"
SCANNED = DATA / "formats" / "scanned.pdf"
PAGINATED = DATA / "formats" / "paginated.pdf"


def xiuwen_paragraphs() -> list[str]:
    """修文县民政局's report as its source text writes it: what the scan shows."""
    source = DATA / "wild" / "修文县民政局2021年法治政府建设工作情况报告.txt"
    lines = [line for line in source.read_text(encoding="gb18030").splitlines() if line.strip()]
    start = lines.index("修文县民政局2021年法治政府建设工作情况报告")
    return lines[start : lines.index("二○二二年一月十日") + 1]


@pytest.fixture(scope="module")
def scanned_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], object]:
    """(index, build log, summary) of the 200-dpi scan, OCRed once for the module."""
    index = tmp_path_factory.mktemp("scanned") / "index"
    logs: list[str] = []
    summary = build_index([SCANNED], index, log=logs.append)
    return index, logs, summary


def test_the_scan_has_no_text_layer():
    document = pypdfium2.PdfDocument(str(SCANNED))
    pages = nonempty([document[i] for i in range(len(document))], "pages")
    assert all(page.get_textpage().count_chars() == 0 for page in pages)


@pytest.mark.parametrize(
    "phrase",
    [
        "社会救助暂行办法",
        "城乡低保对象1.2万人",
        "发放救助资金8600万元",
        "法治政府建设",
        "民政执法力量薄弱",
    ],
)
def test_ocr_finds_the_scanned_reports_phrases_as_often_as_a_reader_sees_them(
    scanned_index, phrase
):
    expected = sum(phrase in paragraph for paragraph in xiuwen_paragraphs())
    result = SearchEngine.open(scanned_index[0]).search(f'"{phrase}"')
    assert (result.total_passages, result.total_reports) == (expected, 1)
    for hit in nonempty(result.hits()):
        assert hit.metadata.title == xiuwen_paragraphs()[0]
        assert hit.metadata.year == 2021
        assert hit.metadata.text_source == "OCR"


def test_ocr_shows_progress_per_page_and_counts_pages(scanned_index):
    _, logs, summary = scanned_index
    assert "OCR 识别 scanned.pdf：第 1/1 页" in logs
    assert (summary.ocr_pages, summary.ocr_cached) == (1, 0)


def test_a_rebuild_reads_the_ocr_cache_and_recognises_nothing(scanned_index, tmp_path, monkeypatch):
    index = tmp_path / "index"
    shutil.copytree(scanned_index[0], index)
    before = SearchEngine.open(index)
    ids = [report.report_id for report in nonempty(before.report_summaries())]

    def no_ocr(image):
        raise AssertionError("recognised a page again")

    monkeypatch.setattr(s1_ocr, "_recognise", no_ocr)
    summary = build_index([SCANNED], index, incremental=False)  # every file read again
    assert (summary.files_read, summary.ocr_pages, summary.ocr_cached) == (1, 0, 1)
    assert [report.report_id for report in SearchEngine.open(index).report_summaries()] == ids


def test_the_cache_keeps_only_files_still_indexed(scanned_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(scanned_index[0], index)
    assert len(list(ocr_cache(index).glob("*.json"))) == 1
    build_index([PAGINATED], index)  # the scan is no longer among the sources
    assert list(ocr_cache(index).iterdir()) == []


def test_report_page_and_json_say_the_text_came_from_ocr(scanned_index):
    from webapp import create_app

    client = create_app({"TESTING": True, "INDEX_DIR": scanned_index[0]}).test_client()
    [report] = SearchEngine.open(scanned_index[0]).report_summaries()
    data = client.get(f"/api/reports/{report.report_id}").get_json()
    assert data["text_source"] == "OCR"
    assert data["title"] == xiuwen_paragraphs()[0]
    page = client.get(f"/reports/{report.report_id}").get_data(as_text=True)
    assert 'id="text-source"' in page and "OCR 识别" in page


def test_a_scan_of_a_blank_page_is_skipped_saying_ocr_found_nothing(tmp_path):
    from PIL import Image

    Image.new("L", (400, 560), 255).save(tmp_path / "blank.pdf", resolution=50)
    with pytest.raises(SourceError, match=r"^PDF 没有文本层（扫描件），OCR 也没有识别出文字"):
        read_source(tmp_path / "blank.pdf")
