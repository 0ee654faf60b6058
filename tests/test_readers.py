"""The readers of .rtf, .mht, .doc/.wps, spreadsheets and .ofd on hand-made input, and their
reasons for what they cannot read; a build that reads nothing says why for each file."""

from __future__ import annotations

import io
import os
import time
import zipfile
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import openpyxl
import pytest

from indexer.cli import main
from indexer.errors import SourceError
from indexer.ingest import s1_office
from indexer.ingest.s1_read import read_bytes, read_source
from indexer.ingest.s1_sheet import table_lines
from tests.helpers import nonempty

FORMATS = Path(__file__).resolve().parent / "data" / "formats"


def read(name: str, data: bytes) -> str:
    return read_bytes(Path(name), data).text


# --- rtf -----------------------------------------------------------------------------------


def test_rtf_gbk_escapes_are_decoded_by_the_declared_code_page() -> None:
    """As Word and WPS write Chinese RTF: \\ansicpg936 and \\'xx byte pairs."""
    rtf = (
        rb"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 \'cb\'ce\'cc\'e5;}}"
        rb"\f0 \'c7\'e0\'ca\'af\'cf\'d8 2019\'c4\'ea\par"
        rb"\u27861?\u27835?\par}"
    )
    assert read("r.rtf", rtf).split("\n")[:2] == ["青石县 2019年", "法治"]


def test_rtf_that_is_not_rtf_is_skipped_with_a_reason() -> None:
    with pytest.raises(SourceError, match="不是 RTF 文件"):
        read("r.rtf", b"PK\x03\x04")


# --- mht -----------------------------------------------------------------------------------


def web_archive(page: str, charset: str, encoding: str = "quoted-printable") -> bytes:
    archive = MIMEMultipart("related", type="text/html")
    part = MIMEText("", "html", charset)
    part.replace_header("Content-Type", f'text/html; charset="{charset}"')
    payload = page.encode("gb18030" if charset.startswith("gb") else charset)
    if encoding == "quoted-printable":
        import quopri

        part.set_payload(quopri.encodestring(payload).decode("ascii"))
        del part["Content-Transfer-Encoding"]
        part["Content-Transfer-Encoding"] = "quoted-printable"
    archive.attach(part)
    return archive.as_bytes()


def test_a_web_archive_page_is_decoded_by_its_mime_charset() -> None:
    """The page declares no charset itself; only the MIME part says gbk."""
    page = (
        "<html><body><h1>某县2021年法治政府建设工作报告</h1>"
        "<p>我县全面推进依法行政。</p></body></html>"
    )
    text = read("page.mhtml", web_archive(page, "gbk"))
    assert "某县2021年法治政府建设工作报告" in text and "我县全面推进依法行政。" in text


def test_a_web_archive_without_a_page_says_so() -> None:
    archive = MIMEMultipart("related")
    archive.attach(MIMEText("", "css"))
    with pytest.raises(SourceError, match="找不到网页正文"):
        read("page.mht", archive.as_bytes())


# --- .doc and .wps -------------------------------------------------------------------------


def test_a_doc_that_is_no_word_file_is_skipped_before_any_converter_runs() -> None:
    with pytest.raises(SourceError, match="不是 Word 97–2003 或 WPS"):
        read("old.doc", b"just some text, renamed .doc")


def test_a_doc_that_is_rtf_or_a_web_page_renamed_is_read_as_what_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Word's "save as web page" and RTF exports often carry a .doc name; no converter runs."""
    monkeypatch.setattr(s1_office, "find_converter", lambda: None)
    rtf = rb"{\rtf1\ansi\ansicpg936 \'c7\'e0\'ca\'af\'cf\'d8\par}"
    assert read("a.doc", rtf).strip() == "青石县"
    page = "<html><body><p>某县2020年法治政府建设工作报告</p></body></html>".encode("gbk")
    assert "某县2020年法治政府建设工作报告" in read("b.wps", page)
    docx_bytes = (FORMATS / "法治政府建设报告两篇.zip").read_bytes()  # a zip, not a .docx
    with pytest.raises(SourceError, match=r"无法打开 \.docx"):
        read("c.doc", docx_bytes)


def test_without_libreoffice_the_reason_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(s1_office, "find_converter", lambda: None)
    data = (FORMATS / "青石县2019年法治政府建设年度报告.doc").read_bytes()
    with pytest.raises(SourceError) as caught:
        read("old.wps", data)
    assert "需要 LibreOffice" in str(caught.value)
    assert "apt-get install libreoffice-writer-nogui" in str(caught.value)


def test_a_converter_that_hangs_is_ended_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """soffice starts soffice.bin: the time limit must end the whole process group."""
    pids = tmp_path / "pids"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pids}\nsleep 60\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(s1_office, "find_converter", lambda: str(fake))
    monkeypatch.setattr(s1_office, "CONVERT_SECONDS", 0.5)
    data = (FORMATS / "青石县2019年法治政府建设年度报告.doc").read_bytes()
    started = time.monotonic()
    with pytest.raises(SourceError, match="转换超过"):
        read("slow.doc", data)
    assert time.monotonic() - started < 10
    child = int(pids.read_text(encoding="utf-8"))
    for _ in range(50):  # SIGKILL is delivered at once; give the kernel a moment
        if not alive(child):
            break
        time.sleep(0.05)
    assert not alive(child)


def alive(pid: int) -> bool:
    """Whether a process runs: gone, or a zombie its new parent has not reaped, is not."""
    try:
        os.kill(pid, 0)
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except (ProcessLookupError, FileNotFoundError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_converter_that_makes_nothing_gives_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(s1_office, "find_converter", lambda: str(fake))
    data = (FORMATS / "青石县2019年法治政府建设年度报告.doc").read_bytes()
    with pytest.raises(SourceError, match="LibreOffice 无法转换"):
        read("broken.doc", data)


# --- spreadsheets --------------------------------------------------------------------------


def test_rows_carry_headers_and_lone_cells_stand_alone() -> None:
    rows = [["附表"], [], ["单位", "", "数量"], ["甲局", "", "3"], ["乙局", "备注", ""], ["注：无"]]
    assert list(table_lines(rows)) == [
        "附表",
        "单位\u3000数量",
        "单位：甲局\u3000数量：3",
        "单位：乙局\u3000备注",
        "注：无",
    ]


def test_xlsx_values_are_shown_as_the_sheet_shows_them() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "件数", "比例", "说明"])
    import datetime as dt

    sheet.append([dt.datetime(2023, 5, 1), 12.0, 0.5, "多行\n说明 text"])
    sheet["C2"].number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    text = read("t.xlsx", buffer.getvalue())
    assert (
        text.split("\n")[1]
        == "日期：2023-05-01\u3000件数：12\u3000比例：50%\u3000说明：多行说明 text"
    )


@pytest.mark.parametrize("name", ["t.xlsx", "t.xls"])
def test_a_damaged_workbook_is_skipped_with_a_reason(name: str) -> None:
    with pytest.raises(SourceError, match=r"无法打开 \.xls"):
        read(name, b"PK\x03\x04 not a workbook")


# --- ofd -----------------------------------------------------------------------------------


def ofd(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return buffer.getvalue()


def test_an_ofd_without_ofd_xml_is_not_an_ofd() -> None:
    with pytest.raises(SourceError, match=r"没有 OFD\.xml"):
        read("x.ofd", ofd({"Doc_0/Document.xml": "<a/>"}))


def test_an_ofd_with_an_entity_is_not_expanded() -> None:
    """lxml with entities off: a billion-laughs OFD.xml cannot blow up."""
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "哈哈哈哈哈哈哈哈">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    page = (
        '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>'
        '<ofd:TextObject Boundary="20 20 100 6" Size="4"><ofd:TextCode X="0" Y="4">'
        "某县2020年工作报告</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"
    )
    document = (
        '<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Pages>'
        '<ofd:Page ID="1" BaseLoc="Pages/P0.xml"/></ofd:Pages></ofd:Document>'
    )
    text = read(
        "x.ofd",
        ofd({"OFD.xml": laughs, "Doc_0/Document.xml": document, "Doc_0/Pages/P0.xml": page}),
    )
    assert text == "某县2020年工作报告"


# --- a build of nothing readable -----------------------------------------------------------


def test_a_folder_of_only_unreadable_files_lists_each_files_reason(tmp_path: Path, runner) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "幻灯片.pptx").write_bytes(b"PK")
    (folder / "空.txt").write_bytes(b"")
    (folder / "坏.xlsx").write_bytes(b"PK\x03\x04 broken")
    result = runner.invoke(main, ["build", str(folder), "--index", str(tmp_path / "index")])
    assert result.exit_code == 1
    said = result.output
    assert "没有从输入中读到任何报告" in said
    lines = nonempty([line for line in said.splitlines() if line.startswith("  ")])
    assert len(lines) == 3
    assert any("幻灯片.pptx: 不支持的文件类型 .pptx" in line for line in lines)
    assert any("空.txt: 文件是空的" in line for line in lines)
    assert any("坏.xlsx: 无法打开 .xlsx" in line for line in lines)
    assert "unsupported" not in said and "empty file" not in said


def test_every_skip_reason_of_stage_one_is_chinese_first(tmp_path: Path) -> None:
    """No reason starts in English or carries the old half-English asides."""
    cases = {"a.pptx": b"PK", "b.txt": b"", "c.docx": b"PK", "d.doc": b"x", "e.odt": b"x"}
    reasons = []
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(SourceError) as caught:
            read_source(tmp_path / name)
        reasons.append(str(caught.value))
    for reason in nonempty(reasons):
        assert "\u4e00" <= reason[0] <= "\u9fff", reason
        assert not any(word in reason for word in ("unsupported", "corrupt", "empty", "no text"))
