"""Stage 1, saved web archives: the page inside a .mht or .mhtml file (MIME, RFC 2557).

A browser's "save as single file" is a MIME message: the page is its text/html part,
encoded base64 or quoted-printable, beside the page's pictures and styles. The standard
library's `email` parser takes it apart; the page then goes through the HTML reader
(`s1_html.read_html`), so portal clutter is removed exactly as from a saved .html, and its
charset is the one the MIME part declares (gb2312 read as GB18030), before the page's own.
"""

from __future__ import annotations

import email
import email.policy
from email.message import Message

from indexer.errors import SourceError
from indexer.ingest.s1_html import read_html
from indexer.ingest.s1_text import decode_text
from indexer.models import FileText


def read_mht(data: bytes) -> FileText:
    """Return the text of the page a web archive holds, and what the page says of itself."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    if message["Content-Type"] is None and data.lstrip()[:1] == b"<":
        return read_html(data)  # a plain page saved under an archive's name
    page = _first_part(message, "text/html")
    if page is not None:
        return read_html(*_payload(page))
    plain = _first_part(message, "text/plain")
    if plain is not None and message.is_multipart():
        text, encoding = decode_text(*_payload(plain))
        return text, encoding, ()
    raise SourceError(
        "网页归档里找不到网页正文（没有 text/html 部分，文件可能已损坏）",
        hint="请在浏览器中打开，另存为“网页，仅 HTML”(.html) 再试",
    )


def _first_part(message: Message, content_type: str) -> Message | None:
    """Return the archive's first part of `content_type` that is not an attachment."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() != content_type:
            continue
        if part.get_content_disposition() == "attachment":
            continue
        return part
    return None


def _payload(part: Message) -> tuple[bytes, str | None]:
    """Return a part's bytes, transfer encoding undone, and the charset it declares."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        raise SourceError(
            "网页归档里的网页是空的（文件可能已损坏）",
            hint="请在浏览器中重新打开原网页并保存",
        )
    return payload, part.get_content_charset()
