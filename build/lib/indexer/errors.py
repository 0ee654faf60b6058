"""Domain errors that carry a user-facing message and an HTTP status."""

from __future__ import annotations


class ReportSearchError(Exception):
    """Base class: `message` is shown to the user as is; `hint` says what to do next."""

    status = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}（{self.hint}）"


class SourceError(ReportSearchError):
    """A source file cannot be read or understood."""

    status = 422


class QueryError(ReportSearchError):
    """A query string is malformed: unbalanced quote or parenthesis, unknown field, …"""

    status = 400

    def __init__(self, message: str, *, position: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.position = position


class IndexMissingError(ReportSearchError):
    """No document store or search index exists at the given location."""

    status = 503


class NotFoundError(ReportSearchError):
    """A report or passage id that the store does not hold."""

    status = 404
