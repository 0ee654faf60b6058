"""Small assertions shared by the tests."""

from __future__ import annotations

from collections.abc import Sized
from typing import TypeVar

T = TypeVar("T", bound=Sized)


def nonempty(items: T, what: str = "selection") -> T:
    """Return `items`, failing the test when it is empty.

    A loop over an empty selection passes whatever it asserts: a renamed CSS class or a
    function that returns [] would go unnoticed. Wrap every selection a test loops over.
    """
    assert len(items) > 0, f"expected a non-empty {what}"
    return items
