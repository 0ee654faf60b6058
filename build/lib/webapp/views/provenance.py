"""Where a report's metadata came from, in words a reader understands."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("provenance", __name__)


# Evidence sources (indexer/ingest/s5_describe.py, indexer/corrections.py) → label.
SOURCE_LABELS = {
    "text": "正文",
    "title": "标题",
    "filename": "文件名",
    "html_h1": "网页标题",
    "html_meta": "网页元数据",
    "html_title": "网页 <title>",
    "info_table": "网页信息表",
    "docx_properties": "Word 文档属性",
    "doc_properties": "Word 97–2003/WPS 文档属性",
    "odt_properties": "ODT 文档属性",
    "xlsx_properties": "Excel 文档属性",
    "ofd_properties": "OFD 文档属性",
    "pdf_metadata": "PDF 文档属性",
    "signature": "落款",
    "dateline": "题注日期",
    "opening": "开头语",
    "heading": "一级标题",
    "override": "人工修正",
}


@bp.app_template_filter("source_label")
def source_label(source: str) -> str:
    """Return the label of an evidence source; unknown names are shown as they are."""
    return SOURCE_LABELS.get(source, source)
