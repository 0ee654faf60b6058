"""Reading source files: every supported format, every encoding we promise, every way to fail."""

from __future__ import annotations

import io
import os
import random
from collections.abc import Iterable, Iterator
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from indexer.errors import SourceError
from indexer.ingest.s1_read import SUPPORTED_SUFFIXES, RealPaths, iter_source_files, read_source
from indexer.models import Evidence, Skipped, SourceText

# Real lines from the sample report.
OPENING = (
    "为积极推进我市依法行政工作,今年来,我局紧紧围绕市委市政府中心工作和建设法治政府目标,"
    "认真组织、强化领导、明确责任、制定计划、狠抓落实。"
)
HEADING = "一、2023年法治政府建设工作情况"
SUBHEADING = "(一)强化组织保障,着力推进法治政府建设。"
CITATION = (
    "一是开展最多跑一次工作。今年,根据浙江省民政厅《关于做好民政系统办事事项“八统一”"
    "梳理成果落地工作的通知》(浙民法〔2023〕45号)文件,逐项检查权力事项库。"
)
REPORT = "\n".join([HEADING, SUBHEADING, OPENING, CITATION])


def read_sources(paths: Iterable[str | Path]) -> Iterator[SourceText | Skipped]:
    """Yield the text of each source file under `paths`, or a Skipped saying why not.

    Never raises for a bad file: the reason goes into the Skipped and reading goes on.
    """
    for item in iter_source_files(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        try:
            yield read_source(item)
        except SourceError as exc:
            yield Skipped(item, str(exc))


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def minimal_pdf(content: bytes) -> bytes:
    """Return a one-page PDF whose page draws `content`, with Helvetica as /F1."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


TEXT_PDF = minimal_pdf(b"BT /F1 12 Tf 72 720 Td (Hello report 2023) Tj ET")
SCANNED_PDF = minimal_pdf(b"0 0 1 rg 72 72 200 200 re f")  # a filled box, no text


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph(HEADING)
    document.add_paragraph(SUBHEADING)
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).text = "事项"
    table.cell(0, 1).text = "数量"
    table.cell(1, 0).text = "行政许可"
    table.cell(1, 1).text = "3项"
    merged = table.cell(2, 0).merge(table.cell(2, 1))
    merged.text = "合计以上"
    document.add_paragraph(OPENING)
    document.save(path)
    return path


def reasons(items: list[SourceText | Skipped]) -> dict[str, str]:
    return {item.path.name: item.reason for item in items if isinstance(item, Skipped)}


def texts(items: list[SourceText | Skipped]) -> dict[str, str]:
    return {item.path.name: item.text for item in items if isinstance(item, SourceText)}


# --- plain text ----------------------------------------------------------------------------


def test_utf8_text_reads_back_exactly(tmp_path):
    source = read_source(write(tmp_path, "r.txt", REPORT))
    assert source == SourceText(tmp_path / "r.txt", REPORT, "txt", "utf-8")


def test_utf8_bom_is_removed(tmp_path):
    source = read_source(write(tmp_path, "r.txt", b"\xef\xbb\xbf" + REPORT.encode()))
    assert source.text == REPORT
    assert source.encoding == "utf-8-sig"


def test_gbk_text_reads_back_exactly(tmp_path):
    source = read_source(write(tmp_path, "r.txt", REPORT.encode("gbk")))
    assert source.text == REPORT
    assert source.encoding == "gb18030"


def test_gb18030_characters_outside_gbk_read_back_exactly(tmp_path):
    text = CITATION + "\n吉野家的“𠮷”和“䶮”不在 GBK 里。"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    source = read_source(write(tmp_path, "r.txt", text.encode("gb18030")))
    assert source.text == text
    assert source.encoding == "gb18030"


def test_whole_sample_as_gb18030_reads_identical_to_utf8(tmp_path, sample_file, sample_text):
    utf8 = read_source(sample_file)
    gb = read_source(write(tmp_path, "sample.txt", sample_text.encode("gb18030")))
    assert utf8.encoding == "utf-8"
    assert gb.encoding == "gb18030"
    assert gb.text == utf8.text


@pytest.mark.parametrize(
    "line",
    [
        "一、",  # charset-normalizer: johab / utf_16_be
        "今年",  # charset-normalizer: big5 first
        "〔2023〕",  # charset-normalizer: euc_jis_2004 / cp932 only
        "民法典》、《优化营商环境条例》。",  # charset-normalizer: euc_jis_2004
        "一是“双随机”抽查运用“互联网+监管”新",  # charset-normalizer: no reading at all
    ],
)
def test_short_gbk_lines_that_confuse_charset_normalizer_read_as_gb18030(tmp_path, line):
    source = read_source(write(tmp_path, "r.txt", line.encode("gbk")))
    assert (source.text, source.encoding) == (line, "gb18030")


def test_long_big5_text_is_not_forced_into_gb18030(tmp_path):
    text = "政府工作報告，過去一年，我們堅持穩中求進工作總基調，經濟社會發展取得新成就。"
    source = read_source(write(tmp_path, "r.txt", text.encode("big5")))
    assert (source.text, source.encoding) == (text, "big5")


def test_utf16_with_bom_reads_back_exactly(tmp_path):
    source = read_source(write(tmp_path, "r.txt", REPORT.encode("utf-16")))
    assert source.text == REPORT


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_crlf_and_cr_newlines_become_lf(tmp_path, encoding):
    data = f"{HEADING}\r\n{SUBHEADING}\r{OPENING}\r\n".encode(encoding)
    source = read_source(write(tmp_path, "r.txt", data))
    assert source.text == f"{HEADING}\n{SUBHEADING}\n{OPENING}\n"


def test_text_is_otherwise_untouched(tmp_path):
    text = "\u3000\u3000一、总体情况  \n\n\n\t（一）工作成效\u00a0\n"
    assert read_source(write(tmp_path, "r.txt", text)).text == text


def test_dot_text_suffix_and_upper_case_suffix_are_text(tmp_path):
    assert read_source(write(tmp_path, "a.text", HEADING)).format == "txt"
    assert read_source(write(tmp_path, "B.TXT", HEADING)).format == "txt"


def test_binary_garbage_is_a_source_error(tmp_path):
    garbage = random.Random(2023).randbytes(4000)
    with pytest.raises(SourceError, match="无法解码文本"):
        read_source(write(tmp_path, "garbage.txt", garbage))


def test_png_renamed_to_txt_is_a_source_error(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(7).randbytes(300)
    with pytest.raises(SourceError, match="无法解码文本"):
        read_source(write(tmp_path, "image.txt", png))


def test_empty_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="空"):
        read_source(write(tmp_path, "empty.txt", b""))


# --- docx ----------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_cells_come_in_document_order(tmp_path):
    source = read_source(make_docx(tmp_path / "r.docx"))
    assert source.format == "docx"
    assert source.encoding is None
    assert source.text.split("\n") == [
        HEADING,
        SUBHEADING,
        "事项\u3000数量",  # a row of one-paragraph cells is one line
        "行政许可\u30003项",
        "合计以上",  # a merged cell is read once
        OPENING,
    ]


def docx_titled(path: Path, title: str) -> Path:
    document = docx.Document()
    document.add_paragraph(OPENING)
    document.core_properties.title = title
    document.save(path)
    return path


def test_docx_core_title_is_evidence_and_its_dates_are_not(tmp_path):
    source = read_source(
        docx_titled(tmp_path / "r.docx", "  六盘水市民政局2023年法治政府建设工作报告 ")
    )
    assert source.text == OPENING
    assert source.evidence == (
        Evidence("title", "六盘水市民政局2023年法治政府建设工作报告", "docx_properties"),
    )


GENERIC_TITLES = [
    "",
    "   ",
    "Microsoft Word - 2023年法治政府建设年度报告.doc",
    "文档",
    "文档1",
    "Document",
    "新建 Microsoft Word 文档",
    "新建 WPS文字 文档",
    "无标题",
    "标题",
    "2023年法治政府建设年度报告.docx",
    "C:\\Users\\admin\\Desktop\\报告",
    "fzzfbg2023",
]


@pytest.mark.parametrize("title", GENERIC_TITLES)
def test_generic_or_file_name_docx_titles_are_no_evidence(tmp_path, title):
    assert read_source(docx_titled(tmp_path / "r.docx", title)).evidence == ()


def test_text_files_say_nothing_about_themselves(tmp_path):
    assert read_source(write(tmp_path, "r.txt", REPORT)).evidence == ()


def test_corrupt_docx_is_a_source_error(tmp_path):
    good = make_docx(tmp_path / "good.docx").read_bytes()
    with pytest.raises(SourceError, match=r"\.docx"):
        read_source(write(tmp_path, "bad.docx", good[: len(good) // 2]))


# --- html ----------------------------------------------------------------------------------

PAGE = f"""<!DOCTYPE html>
<html><head><title>政府网站</title><style>p {{ color: red }}</style>
<script>var tracker = "不要这段";</script></head>
<body>
<header>网站首页</header>
<nav><a href="/">首页</a> | <a href="/gk">政务公开</a></nav>
<div class="content">
  <h1>{HEADING}</h1>
  <p>{SUBHEADING}</p>
  <p>{OPENING}<br>{CITATION}</p>
  <!-- 注释不是正文 -->
  <table><tr><td>事项</td><td>数量</td></tr></table>
  <noscript>请启用脚本</noscript>
</div>
<aside>相关链接</aside>
<form><input name="q"><button>搜索</button></form>
<footer>版权所有 网站标识码</footer>
</body></html>"""


def test_html_reads_only_body_text_one_block_per_line(tmp_path):
    source = read_source(write(tmp_path, "r.html", PAGE))
    assert source.format == "html"
    assert source.text.split("\n") == [
        HEADING,
        SUBHEADING,
        OPENING,
        CITATION,
        "事项\u3000数量",
    ]


def test_gbk_html_with_meta_charset_reads_correctly(tmp_path):
    # 镕 is in GBK but not in the GB2312 the page declares, as on many real sites.
    page = PAGE.replace("<head>", '<head><meta charset="gb2312">').replace(
        SUBHEADING, "朱镕基同志的讲话"
    )
    source = read_source(write(tmp_path, "r.htm", page.encode("gbk")))
    assert source.encoding == "gb18030"
    assert "朱镕基同志的讲话" in source.text.split("\n")


def test_gbk_html_without_meta_charset_reads_correctly(tmp_path):
    source = read_source(write(tmp_path, "r.html", PAGE.encode("gbk")))
    assert source.text.split("\n")[:2] == [HEADING, SUBHEADING]


def test_hard_wrapped_chinese_in_html_gains_no_space(tmp_path):
    page = (
        "<p>为积极推进我市依法行政工作，\n  今年来，我局紧紧围绕中心工作。</p><p>Hello\nreport</p>"
    )
    source = read_source(write(tmp_path, "r.html", page))
    assert source.text.split("\n") == [
        "为积极推进我市依法行政工作，今年来，我局紧紧围绕中心工作。",
        "Hello report",
    ]


def test_article_header_and_footer_are_content_not_page_chrome(tmp_path):
    page = (
        "<body><header>网站首页</header><article><header><h1>2023年法治政府建设工作报告</h1>"
        "</header><p>正文</p><footer>发布日期：2023-03-15</footer></article>"
        "<footer>版权所有</footer></body>"
    )
    source = read_source(write(tmp_path, "r.html", page))
    assert source.text == "2023年法治政府建设工作报告\n正文\n发布日期：2023-03-15"


def test_xhtml_with_xml_declaration_reads_without_warnings(tmp_path):
    page = f'<?xml version="1.0" encoding="utf-8"?>\n<doc><p>{HEADING}</p><p>{OPENING}</p></doc>'
    source = read_source(write(tmp_path, "r.html", page))
    assert source.text == f"{HEADING}\n{OPENING}"


def test_html_without_text_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="没有文字"):
        read_source(write(tmp_path, "r.html", "<html><body><script>x()</script></body></html>"))


# --- pdf -----------------------------------------------------------------------------------


def test_pdf_text_layer_is_read(tmp_path):
    source = read_source(write(tmp_path, "r.pdf", TEXT_PDF))
    assert (source.text, source.format, source.encoding) == ("Hello report 2023", "pdf", None)


def pdf_titled(title: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(TEXT_PDF)))
    writer.add_metadata({"/Title": title, "/CreationDate": "D:20240126000000"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_title_is_evidence(tmp_path):
    source = read_source(
        write(tmp_path, "r.pdf", pdf_titled("绍兴市2023年法治政府建设工作情况的报告"))
    )
    assert source.text == "Hello report 2023"
    assert source.evidence == (
        Evidence("title", "绍兴市2023年法治政府建设工作情况的报告", "pdf_metadata"),
    )


@pytest.mark.parametrize("title", GENERIC_TITLES)
def test_generic_or_file_name_pdf_titles_are_no_evidence(tmp_path, title):
    assert read_source(write(tmp_path, "r.pdf", pdf_titled(title))).evidence == ()


def test_pdf_of_neither_text_nor_images_is_skipped_with_its_reason(tmp_path):
    [item] = read_sources([write(tmp_path, "scan.pdf", SCANNED_PDF)])
    assert isinstance(item, Skipped)
    assert item.reason.startswith("PDF 没有文本层，也没有可做 OCR 的扫描图像")


def test_pdf_with_a_user_password_is_skipped(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    writer.write(tmp_path / "locked.pdf")
    [item] = read_sources([tmp_path / "locked.pdf"])
    assert isinstance(item, Skipped)
    assert "加密" in item.reason


def test_truncated_pdf_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="PDF"):
        read_source(write(tmp_path, "r.pdf", TEXT_PDF[:120]))


# --- folders -------------------------------------------------------------------------------


def test_folder_yields_every_good_file_and_a_skipped_for_each_bad_one(tmp_path):
    write(tmp_path, "a_report.txt", REPORT)
    make_docx(tmp_path / "b_report.docx")
    write(tmp_path, "c_page.html", PAGE)
    write(tmp_path, "d_report.pdf", TEXT_PDF)
    write(tmp_path, "e_garbage.txt", random.Random(1).randbytes(3000))
    write(tmp_path, "f_broken.docx", b"PK\x03\x04 this is not really a zip")
    write(tmp_path, "g_slides.pptx", b"PK\x03\x04")

    items = list(read_sources([tmp_path]))

    assert [item.path.name for item in items] == sorted(p.name for p in tmp_path.iterdir())
    assert set(texts(items)) == {"a_report.txt", "b_report.docx", "c_page.html", "d_report.pdf"}
    bad = reasons(items)
    assert set(bad) == {"e_garbage.txt", "f_broken.docx", "g_slides.pptx"}
    assert "无法解码文本" in bad["e_garbage.txt"]
    assert ".docx" in bad["f_broken.docx"]
    assert ".pptx" in bad["g_slides.pptx"]
    assert all(suffix in bad["g_slides.pptx"] for suffix in SUPPORTED_SUFFIXES)


def test_nested_folders_are_walked_in_sorted_order_skipping_hidden_entries(tmp_path):
    for name in [
        "b/2.txt",
        "b/1.txt",
        "a.txt",
        "c.txt",
        "b/sub/3.txt",
        ".git/config.txt",
        "b/.cache/x.txt",
        "b/.hidden.txt",
        "~$报告.docx",
    ]:
        write(tmp_path, name, HEADING)

    found = list(iter_source_files([tmp_path]))

    assert found == [
        tmp_path / "a.txt",
        tmp_path / "b" / "1.txt",
        tmp_path / "b" / "2.txt",
        tmp_path / "b" / "sub" / "3.txt",
        tmp_path / "c.txt",
    ]


def test_missing_path_is_skipped_and_the_rest_still_read(tmp_path):
    good = write(tmp_path, "r.txt", REPORT)
    items = list(read_sources([tmp_path / "nope", good]))
    assert items[0] == Skipped(tmp_path / "nope", items[0].reason)
    assert items[0].reason.startswith("不存在: ")
    assert items[1].text == REPORT


def test_unsupported_file_named_directly_is_skipped(tmp_path):
    [item] = iter_source_files([write(tmp_path, "data.pptx", b"PK")])
    assert isinstance(item, Skipped)
    assert ".pptx" in item.reason and ".docx" in item.reason


def test_file_named_twice_is_read_once(tmp_path):
    path = write(tmp_path, "r.txt", REPORT)
    assert list(iter_source_files([path, tmp_path, str(path)])) == [path]


def test_read_source_refuses_unsupported_suffix(tmp_path):
    with pytest.raises(SourceError, match=r"\.pptx"):
        read_source(write(tmp_path, "data.pptx", b"PK"))


# --- hostile input -------------------------------------------------------------------------


def test_control_characters_are_removed_and_page_breaks_become_line_breaks(tmp_path):
    text = f"{HEADING}\x00\x1b[31m\x07\x7f\x9b\f{SUBHEADING}\v{OPENING}\t完"
    source = read_source(write(tmp_path, "r.txt", text))
    assert source.text == f"{HEADING}[31m\n{SUBHEADING}\n{OPENING}\t完"


def test_utf16_text_without_a_bom_full_of_nuls_is_no_text(tmp_path):
    with pytest.raises(SourceError):
        read_source(write(tmp_path, "r.txt", "\x00\x00\x00\x00"))


def test_symlink_loops_are_skipped_not_fatal(tmp_path):
    write(tmp_path, "good.txt", REPORT)
    (tmp_path / "loop.txt").symlink_to("loop.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")
    items = list(read_sources([tmp_path]))
    assert set(texts(items)) == {"good.txt"}
    assert reasons(items) == {"loop.txt": "不是普通文件（设备、管道或套接字无法作为报告读取）"}
    (named,) = read_sources([tmp_path / "loop.txt"])
    assert isinstance(named, Skipped) and "符号链接" in named.reason


def test_a_file_name_that_is_not_utf8_is_read(tmp_path):
    name = os.path.join(os.fsencode(tmp_path), "报告.txt".encode("gbk"))
    with open(name, "wb") as handle:
        handle.write(REPORT.encode("gbk"))
    (item,) = read_sources([tmp_path])
    assert isinstance(item, SourceText) and item.text == REPORT


def test_real_paths_are_os_realpaths_through_symlinked_files_and_folders(tmp_path, monkeypatch):
    """The scan resolves each folder once (`RealPaths`): the same answer as resolving
    every file, for links to files, files in linked folders and paths through `..`."""
    real = tmp_path / "真实" / "内层"
    real.mkdir(parents=True)
    (real / "报告.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "链接目录").symlink_to(real, target_is_directory=True)
    (tmp_path / "链接文件.txt").symlink_to(real / "报告.txt")
    monkeypatch.chdir(tmp_path / "真实")
    paths = [
        real / "报告.txt",
        tmp_path / "链接目录" / "报告.txt",
        tmp_path / "链接文件.txt",
        tmp_path / "链接目录" / ".." / "内层" / "报告.txt",
        Path("内层/报告.txt"),
        Path("内层"),
    ]
    resolve = RealPaths()
    for path in paths:
        assert resolve(path) == os.path.realpath(path), path
    assert len({resolve(path) for path in paths[:5]}) == 1


def test_a_symlink_met_in_a_walked_folder_leads_to_its_target_once(tmp_path):
    """A folder's listing says which entries are symlinks (the walk asks nothing more of
    a plain file): a link in one folder to a report in another is that report, read once."""
    first, second = tmp_path / "甲", tmp_path / "乙"
    first.mkdir()
    second.mkdir()
    (first / "报告.txt").write_text(REPORT, encoding="utf-8")
    (second / "链接.txt").symlink_to(first / "报告.txt")
    (second / "另一份.txt").write_text(REPORT + "另一份。", encoding="utf-8")
    found = list(iter_source_files([first, second]))
    assert found == [first / "报告.txt", second / "另一份.txt"]
