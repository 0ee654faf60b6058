"""Make the files of tests/data/formats: one report in each format the build reads.

Run once, from the repository root, and commit what it writes (the tests read the files,
never this script):

    PYTHONPATH=/path/to/xlwt .venv/bin/python tests/data/formats/make_formats.py

It needs LibreOffice (`soffice`, Debian's libreoffice-writer-nogui) for .doc, .rtf and .odt,
and xlwt 1.3.0 (not a project dependency: only this script writes .xls) for the .xls.
Every report states its title and year and carries one distinctive phrase a known number
of times; MANIFEST.tsv lists them, and tests/test_formats.py checks a build finds them.
"""

from __future__ import annotations

import email.policy
import html
import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import docx
import openpyxl

HERE = Path(__file__).resolve().parent
GAP = "\u3000"  # CELL_GAP: how the readers join a table row's cells


@dataclass(frozen=True)
class Report:
    """A report's title, who issued it, the year it covers, and its distinctive phrase."""

    file: str
    title: str
    issuer: str
    year: int
    phrase: str

    def paragraphs(self) -> list[str | list[list[str]]]:
        """The report's paragraphs; a list of rows is a table. The phrase occurs 3 times."""
        return [
            self.title,
            f"{self.year}年，{self.issuer}坚持以习近平新时代中国特色社会主义思想为指导，"
            f"认真落实法治政府建设各项部署，依托{self.phrase}推进依法行政，现将有关情况报告如下。",
            "一、主要工作及成效",
            f"（一）依法全面履行政府职能。深化“放管服”改革，{self.phrase}全年受理群众诉求"
            f"{self.year % 100 * 37}件，办结率100%。",
            "（二）完善依法行政制度体系。严格落实规范性文件合法性审核机制，全年审核规范性文件12件。",
            [["项目", "数量"], ["行政复议案件", "12件"], [f"{self.phrase}受理诉求", "863件"]],
            "二、存在的问题",
            "一是法治宣传的针对性有待加强；二是基层执法力量相对薄弱。",
            f"三、{self.year + 1}年工作打算",
            "持续深化法治政府建设，推进严格规范公正文明执法。",
            self.issuer,
            f"{self.year + 1}年1月15日",
        ]

    def lines(self) -> list[str]:
        """The paragraphs as the readers give them: a table row on one line."""
        out: list[str] = []
        for block in self.paragraphs():
            if isinstance(block, list):
                out.extend(GAP.join(row) for row in block)
            else:
                out.append(block)
        return out

    def html(self) -> str:
        body = []
        for block in self.paragraphs():
            if isinstance(block, list):
                rows = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                    for row in block
                )
                body.append(f'<table border="1">{rows}</table>')
            else:
                body.append(f"<p>{html.escape(block)}</p>")
        return (
            f'<html><head><meta charset="utf-8"><title>{html.escape(self.title)}</title></head>'
            f"<body>{''.join(body)}</body></html>"
        )


DOC = Report(
    "青石县2019年法治政府建设年度报告.doc",
    "青石县人民政府2019年法治政府建设年度报告",
    "青石县人民政府",
    2019,
    "青石智慧调解云平台",
)
WPS = Report(
    "白沙镇2018年法治政府建设工作报告.wps",
    "白沙镇人民政府2018年法治政府建设工作报告",
    "白沙镇人民政府",
    2018,
    "白沙渔港综合执法站",
)
RTF = Report(
    "临溪市民政局2020年报告.rtf",
    "临溪市民政局2020年法治政府建设工作报告",
    "临溪市民政局",
    2020,
    "临溪婚姻登记云窗口",
)
ODT = Report(
    "云岭县2021年报告.odt",
    "云岭县人民政府2021年法治政府建设年度报告",
    "云岭县人民政府",
    2021,
    "云岭林长制巡护队",
)
OFD = Report(
    "松涛区2022年报告.ofd",
    "松涛区人民政府2022年法治政府建设年度报告",
    "松涛区人民政府",
    2022,
    "松涛政务公开体验区",
)
MHT = Report(
    "东湖区2017年报告.mht",
    "东湖区人民政府2017年法治政府建设工作情况报告",
    "东湖区人民政府",
    2017,
    "东湖社区法律诊所",
)
ZIP_DOCX = Report(
    "2023/北岭县2023年报告.docx",
    "北岭县人民政府2023年法治政府建设年度报告",
    "北岭县人民政府",
    2023,
    "北岭乡村法律明白人",
)
ZIP_TXT = Report(
    "南岭县2016年报告.txt",
    "南岭县人民政府2016年法治政府建设工作报告",
    "南岭县人民政府",
    2016,
    "南岭公共法律服务驿站",
)
ZIP_NAME = "法治政府建设报告两篇.zip"
XLSX_TITLE, XLSX_YEAR, XLSX_PHRASE = "西山县2015年行政执法数据统计表", 2015, "西山农贸市场监管所"
XLS_TITLE, XLS_YEAR, XLS_PHRASE = "东山县2014年行政复议案件统计表", 2014, "东山县自然资源局"


def soffice(html_text: str, target: str, out: Path) -> None:
    """Write `out` from HTML with LibreOffice's Writer (filter `target`, e.g. "doc")."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "in.html").write_text(html_text, encoding="utf-8")
        subprocess.run(
            [
                "soffice",
                "--headless",
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--infilter=HTML (StarWriter)",
                "--convert-to",
                target,
                "--outdir",
                str(work),
                str(work / "in.html"),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        shutil.copyfile(work / f"in.{target.split(':')[0]}", out)


def docx_bytes(report: Report) -> bytes:
    document = docx.Document()
    document.core_properties.title = report.title
    for block in report.paragraphs():
        if isinstance(block, list):
            table = document.add_table(rows=len(block), cols=len(block[0]))
            for row, cells in zip(table.rows, block, strict=True):
                for cell, text in zip(row.cells, cells, strict=True):
                    cell.text = text
        else:
            document.add_paragraph(block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def mht_bytes(report: Report) -> bytes:
    """A web archive as a browser saves it: GBK page with portal clutter, and a picture."""
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>{report.title}_东湖区人民政府门户网站</title></head><body>"
        '<div class="nav">首页 > 政务公开 > 法治政府建设</div>'
        + "".join(
            "<table border=1>"
            + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in b)
            + "</table>"
            if isinstance(b, list)
            else f"<p>{html.escape(b)}</p>"
            for b in report.paragraphs()
        )
        + '<div class="footer">主办单位：东湖区人民政府办公室　网站标识码：3601000001</div>'
        "</body></html>"
    )
    archive = MIMEMultipart("related", type="text/html")
    archive["Subject"] = report.title
    archive["Snapshot-Content-Location"] = (
        "http://www.donghu.example.gov.cn/art/2018/1/16/art_1.html"
    )
    part = MIMEText(page, "html", "gb2312")  # base64 of the GBK bytes, charset in the part
    part["Content-Location"] = "http://www.donghu.example.gov.cn/art/2018/1/16/art_1.html"
    archive.attach(part)
    picture = MIMEImage(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "gif")
    picture["Content-Location"] = "http://www.donghu.example.gov.cn/logo.gif"
    archive.attach(picture)
    return archive.as_bytes(policy=email.policy.compat32)


class _GbkName(zipfile.ZipInfo):
    """A member named in GBK without the UTF-8 flag, as Chinese Windows zip tools write."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # zipfile calls it by this name
        return self.filename.encode("gbk"), self.flag_bits


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{ZIP_NAME[:-4]}/{ZIP_DOCX.file}", docx_bytes(ZIP_DOCX))
        text = "\n".join(ZIP_TXT.lines()).encode("gb18030")
        archive.writestr(_GbkName(f"{ZIP_NAME[:-4]}/{ZIP_TXT.file}"), text)
        archive.writestr("__MACOSX/._x.txt", b"\x00\x05\x16\x07")  # hidden: passed over
    return buffer.getvalue()


# --- OFD (GB/T 33190-2016) ------------------------------------------------------------------

_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


_SIZE = 4.2  # millimetres: a 12-point 仿宋 line, 38 characters across a 160 mm text block
_LEFT, _BLOCK = 25.0, 160.0


def _placed(lines: list[str]) -> list[list[tuple[float, str]]]:
    """Lay lines out as a page does: cells (left, text) of each printed line.

    The first line (the title) is centred, the last two (signature, date) pushed right, a
    table row's cells in columns 80 mm apart; a paragraph's first line is indented two
    characters and it wraps at the block's width (a Chinese character one em, a digit or
    letter half), so its middle lines fill the block.
    """
    placed: list[list[tuple[float, str]]] = []
    for number, line in enumerate(lines):
        if GAP in line:
            placed.append([(_LEFT + 80.0 * i, cell) for i, cell in enumerate(line.split(GAP))])
        elif number == 0:
            placed.append([(105.0 - _width(line) / 2, line)])
        elif number >= len(lines) - 2:
            placed.append([(_LEFT + _BLOCK - _width(line), line)])
        else:
            left, printed = _LEFT + 2 * _SIZE, ""
            for char in line:
                if left + _width(printed + char) > _LEFT + _BLOCK + 0.01:
                    placed.append([(left, printed)])
                    left, printed = _LEFT, ""
                printed += char
            placed.append([(left, printed)])
    return placed


def _width(text: str) -> float:
    return sum(_SIZE if ord(char) > 0x2E7F else _SIZE / 2 for char in text)


def ofd_bytes(report: Report) -> bytes:
    """An OFD package: OFD.xml → Doc_0/Document.xml → two pages of text objects.

    Text objects are written out of reading order on purpose (the signature first), the
    table's cells as separate objects on one baseline, and a page template holding a running
    header the reader must not take for text.
    """
    placed = _placed(report.lines())
    # The page break falls inside a paragraph: before its second printed line.
    split = next(i for i, line in enumerate(placed) if i > 2 and line == [(_LEFT, line[0][1])])
    pages = [placed[:split], placed[split:]]
    ids = iter(range(10, 10_000))
    contents = []
    for page_lines in pages:
        objects = []
        y = 30.0
        for line in page_lines:
            x = 0.0
            for left, cell in line:
                x = left
                # A cell's second half is a TextCode without X: it continues the first.
                half = len(cell) // 2
                codes = f'<ofd:TextCode X="0" Y="5">{html.escape(cell[:half])}</ofd:TextCode>'
                codes += f'<ofd:TextCode Y="5">{html.escape(cell[half:])}</ofd:TextCode>'
                objects.append(
                    f'<ofd:TextObject ID="{next(ids)}" Boundary="{x} {y - 5} 160 7" '
                    f'Font="2" Size="{_SIZE}">{codes}</ofd:TextObject>'
                )
            y += 8.0
        objects.reverse()  # drawing order is not reading order
        contents.append(
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}>'
            '<ofd:Template TemplateID="3"/><ofd:Content><ofd:Layer ID="4">'
            + "".join(objects)
            + "</ofd:Layer></ofd:Content></ofd:Page>"
        )
    ofd = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {_NS} Version="1.0" DocType="OFD">'
        "<ofd:DocBody><ofd:DocInfo><ofd:DocID>6e0fa7b0c1d24f0e9a3b5c7d9e1f2a3b</ofd:DocID>"
        f"<ofd:Title>{report.title}</ofd:Title><ofd:CreationDate>2023-01-15</ofd:CreationDate>"
        "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {_NS}><ofd:CommonData>'
        "<ofd:MaxUnitID>9999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297"
        "</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        '<ofd:TemplatePage ID="3" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
        '<ofd:Pages><ofd:Page ID="5" BaseLoc="Pages/Page_0/Content.xml"/>'
        '<ofd:Page ID="6" BaseLoc="/Doc_0/Pages/Page_1/Content.xml"/></ofd:Pages></ofd:Document>'
    )
    public = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res {_NS} BaseLoc="Res"><ofd:Fonts>'
        '<ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    )
    template = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {_NS}><ofd:Content><ofd:Layer ID="7">'
        '<ofd:TextObject ID="8" Boundary="25 10 160 7" Font="2" Size="3.5">'
        '<ofd:TextCode X="0" Y="5">松涛区人民政府文件（页眉）</ofd:TextCode></ofd:TextObject>'
        "</ofd:Layer></ofd:Content></ofd:Page>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("OFD.xml", ofd)
        package.writestr("Doc_0/Document.xml", document)
        package.writestr("Doc_0/PublicRes.xml", public)
        package.writestr("Doc_0/Tpls/Tpl_0/Content.xml", template)
        for number, content in enumerate(contents):
            package.writestr(f"Doc_0/Pages/Page_{number}/Content.xml", content)
    return buffer.getvalue()


# --- spreadsheets ---------------------------------------------------------------------------


def sheet_rows(title: str, year: int, phrase: str) -> list[list[object]]:
    """An attachment table: a title row, headers, rows (the phrase in 2), a note."""
    return [
        [title],
        ["序号", "执法单位", "检查\n次数", "办结率"],
        [1, phrase, 126, 0.98],
        [2, f"{phrase[:2]}县城市管理局", 87, 1],
        [3, f"{phrase}城南分所", 45, 0.9],
        [f"注：数据截至{year}年12月31日。"],
    ]


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "附表1"
    for row in sheet_rows(XLSX_TITLE, XLSX_YEAR, XLSX_PHRASE):
        sheet.append(row)
    sheet.merge_cells("A1:D1")
    for cell in sheet["D"][2:5]:
        cell.number_format = "0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_bytes() -> bytes:
    import xlwt  # only this script writes .xls

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("附表2")
    for r, row in enumerate(sheet_rows(XLS_TITLE, XLS_YEAR, XLS_PHRASE)):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    soffice(DOC.html(), "doc:MS Word 97", HERE / DOC.file)
    # No Kingsoft WPS runs here: the .wps is Word 97 binary as LibreOffice writes it, which
    # is the format WPS Writer saves .wps in (see s1_office), under the .wps name.
    soffice(WPS.html(), "doc:MS Word 97", HERE / WPS.file)
    soffice(RTF.html(), "rtf", HERE / RTF.file)
    soffice(ODT.html(), "odt", HERE / ODT.file)
    (HERE / OFD.file).write_bytes(ofd_bytes(OFD))
    (HERE / MHT.file).write_bytes(mht_bytes(MHT))
    (HERE / ZIP_NAME).write_bytes(zip_bytes())
    (HERE / f"{XLSX_TITLE}.xlsx").write_bytes(xlsx_bytes())
    (HERE / f"{XLS_TITLE}.xls").write_bytes(xls_bytes())


if __name__ == "__main__":
    main()
