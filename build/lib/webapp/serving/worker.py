"""The gunicorn worker of `python -m webapp`: gthread, taking a request line in raw UTF-8.

`curl 'http://127.0.0.1:5000/api/search?q=行政复议'` sends the query's UTF-8 bytes as they
are. gunicorn 27 holds the request target to RFC 9112 (printable ASCII only) and answers
any byte over 0x7F with its own English 400 page, "Invalid HTTP request line", before the
app is asked; no setting relaxes that check. Browsers percent-encode, but a person typing
a Chinese query into curl, or a script that does not encode, should get an answer too.

So this worker percent-encodes each byte 0x80–0xFF of the target before gunicorn's parser
checks it: `%E8%A1%8C` means exactly the bytes sent, so the app reads the query the
client meant, decoded as every percent-encoded query is. Nothing else changes: a control
character or a space in the target, a bad method or version are still refused by
gunicorn's own checks.

Hooked in where gunicorn lets a program in: `worker_class` takes a class, a parser's
messages are its `mesg_class`, and the worker gives each new connection its parser before
gthread's `handle` would make the stock one. `http_parser = "python"` keeps gunicorn's
optional C parser (which never calls `parse_request_line`) out of the way.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.http.message import Request  # type: ignore[import-untyped]
from gunicorn.http.parser import RequestParser  # type: ignore[import-untyped]
from gunicorn.workers.gthread import ThreadWorker  # type: ignore[import-untyped]

_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def percent_encode_target(line: bytes) -> bytes:
    """Return the request line with every byte 0x80–0xFF of its target percent-encoded.

    The target is the second of the line's three space-separated parts, as gunicorn
    splits it; a line that does not have three parts is returned unchanged (and refused).
    """
    parts = line.split(b" ", 2)
    if len(parts) != 3:
        return line
    parts[1] = _HIGH_BYTE.sub(lambda byte: b"%%%02X" % byte[0][0], parts[1])
    return b" ".join(parts)


class RawUTF8Request(Request):
    """gunicorn's request, reading a target with raw UTF-8 as its percent-encoded form."""

    def parse_request_line(self, line_bytes: bytes) -> None:
        super().parse_request_line(percent_encode_target(bytes(line_bytes)))


class RawUTF8RequestParser(RequestParser):
    mesg_class = RawUTF8Request


class RawUTF8Worker(ThreadWorker):
    """gunicorn's gthread worker whose connections parse with `RawUTF8RequestParser`."""

    def handle(self, conn: Any) -> None:
        # A new plain-HTTP connection has no parser yet; given one, gthread keeps it.
        if conn.parser is None and not self.cfg.is_ssl:
            conn.parser = RawUTF8RequestParser(self.cfg, conn.sock, conn.client)
        return super().handle(conn)
