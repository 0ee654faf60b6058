"""Make the PDF test files from report texts in tests/data/wild (run once; output committed).

    .venv/bin/python tests/data/formats/make_pdfs.py

- `paginated.pdf`: 南湖区's report laid out as an official document (GB/T 9704-like: A4,
  16 pt, 28 pt lines, two-character indents) by LibreOffice: a running title at the top of
  every page but the first, `— N —` at the foot of every page, sentences broken by pages.
- `scanned.pdf`: 修文县民政局's report on one page, rasterised at 200 dpi (pypdfium2), saved
  as an image-only PDF (grey JPEG, as a scanner writes it): no text layer.
- `scanned_noisy.pdf` (with --noisy, for measuring only, not committed): the same page
  turned by one degree, blurred and saved as a coarse JPEG.

Needs LibreOffice (`soffice`), a Chinese font (fonts-wqy-microhei) and pypdfium2 + Pillow.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
WILD = HERE.parent / "wild"
DPI = 200

_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="WQY" svg:font-family="'WenQuanYi Micro Hei'"/>
 </office:font-face-decls>
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:paragraph-properties fo:line-height="{line}pt"/>
   <style:text-properties style:font-name="WQY" style:font-name-asian="WQY"
    fo:font-size="{size}pt" style:font-size-asian="{size}pt" fo:language="zh"
    fo:country="CN" style:language-asian="zh" style:country-asian="CN"/>
  </style:default-style>
  <style:style style:name="Body" style:family="paragraph">
   <style:paragraph-properties fo:text-indent="{indent}pt" fo:text-align="justify"/>
  </style:style>
  <style:style style:name="Plain" style:family="paragraph"/>
  <style:style style:name="Right" style:family="paragraph">
   <style:paragraph-properties fo:text-align="end" fo:margin-right="{indent}pt"/>
  </style:style>
  <style:style style:name="Centre" style:family="paragraph">
   <style:paragraph-properties fo:text-align="center"/>
   <style:text-properties fo:font-size="12pt" style:font-size-asian="12pt"/>
  </style:style>
 </office:styles>
 <office:automatic-styles>
  <style:style style:name="Title" style:family="paragraph" style:master-page-name="First">
   <style:paragraph-properties fo:text-align="center" fo:margin-bottom="{line}pt"
    fo:line-height="{title_line}pt"/>
   <style:text-properties fo:font-size="{title_size}pt" style:font-size-asian="{title_size}pt"/>
  </style:style>
  <style:page-layout style:name="A4">
   <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"
    fo:margin-top="2.2cm" fo:margin-bottom="1.8cm" fo:margin-left="2.8cm"
    fo:margin-right="2.6cm"/>
   <style:header-style>
    <style:header-footer-properties fo:min-height="0cm" fo:margin-bottom="1cm"/>
   </style:header-style>
   <style:footer-style>
    <style:header-footer-properties fo:min-height="0cm" fo:margin-top="1cm"/>
   </style:footer-style>
  </style:page-layout>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="First" style:page-layout-name="A4"
   style:next-style-name="Standard">
   {header_first}
   {footer}
  </style:master-page>
  <style:master-page style:name="Standard" style:page-layout-name="A4">
   {header}
   {footer}
  </style:master-page>
 </office:master-styles>
 <office:body><office:text>
{body}
 </office:text></office:body>
</office:document>
"""

_FOOTER = (
    '<style:footer><text:p text:style-name="Centre">— '
    '<text:page-number text:select-page="current">1</text:page-number> —</text:p></style:footer>'
)


def _header(text: str) -> str:
    return f'<style:header><text:p text:style-name="Centre">{escape(text)}</text:p></style:header>'


def _paragraph(style: str, text: str) -> str:
    return f'  <text:p text:style-name="{style}">{escape(text)}</text:p>'


def fodt(
    lines: list[str],
    *,
    running_title: str = "",
    size: int = 16,
    line: int = 28,
    footer: bool = True,
    right_aligned: int = 2,
) -> str:
    """A flat ODT of `lines`: the first a title, the last `right_aligned` a signature."""
    title, body, ending = lines[0], lines[1:-right_aligned], lines[-right_aligned:]
    paragraphs = [_paragraph("Title", title)]
    paragraphs += [_paragraph("Body", text) for text in body]
    paragraphs += [_paragraph("Right", text) for text in ending]
    return _FODT.format(
        size=size,
        line=line,
        indent=2 * size,
        title_size=size + 6,
        title_line=line + 8,
        header_first="",
        header=_header(running_title) if running_title else "",
        footer=_FOOTER if footer else "",
        body="\n".join(paragraphs),
    )


def to_pdf(document: str, target: Path) -> None:
    """Lay out a flat ODT with LibreOffice and write the PDF to `target`."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / (target.stem + ".fodt")
        source.write_text(document, encoding="utf-8")
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
            check=True,
            capture_output=True,
            env={"HOME": folder, "PATH": "/usr/bin:/bin"},
        )
        target.write_bytes(source.with_suffix(".pdf").read_bytes())


def scan(pdf: Path, target: Path, *, noisy: bool = False) -> None:
    """Rasterise every page of `pdf` at 200 dpi and save the images as a PDF (no text)."""
    import pypdfium2
    from PIL import Image, ImageFilter

    document = pypdfium2.PdfDocument(str(pdf))
    pages = []
    for page in document:
        image = page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L")
        if noisy:
            image = image.rotate(1.0, resample=Image.Resampling.BICUBIC, fillcolor=255)
            image = image.filter(ImageFilter.GaussianBlur(0.8))
        pages.append(image)
    quality = 35 if noisy else 75
    pages[0].save(target, save_all=True, append_images=pages[1:], resolution=DPI, quality=quality)


def nanhu_lines() -> list[str]:
    text = (WILD / "02_南湖区2023年法治政府建设年度报告.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    # The report up to its signature; the annex is another page's business.
    return lines[: lines.index("2024年1月25日") + 1]


def xiuwen_lines() -> list[str]:
    text = (WILD / "修文县民政局2021年法治政府建设工作情况报告.txt").read_text(encoding="gb18030")
    lines = [line for line in text.splitlines() if line.strip()]
    start = lines.index("修文县民政局2021年法治政府建设工作情况报告")
    return lines[start : lines.index("二○二二年一月十日") + 1]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--noisy", type=Path, help="also write the noisy scan here")
    args = parser.parse_args(argv)
    to_pdf(
        fodt(nanhu_lines(), running_title="南湖区2023年法治政府建设工作情况报告"),
        HERE / "paginated.pdf",
    )
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "xiuwen.pdf"
        to_pdf(fodt(xiuwen_lines(), size=14, line=24, footer=False), page)
        scan(page, HERE / "scanned.pdf")
        if args.noisy:
            scan(page, args.noisy, noisy=True)


if __name__ == "__main__":
    main(sys.argv[1:])
