"""Stage 4: give every paragraph of a report its section path, from its numbered headings."""

from __future__ import annotations

from indexer.ingest.lines import parse_heading


def outline(paragraphs: list[str]) -> list[tuple[tuple[str, ...], bool]]:
    """Return each paragraph's section path and whether it is a heading line only.

    The path runs from the outermost heading label to the innermost and includes the
    paragraph's own heading. A heading at level k closes every deeper level; skipped
    levels are simply absent. An inline 一是 item labels only its own paragraph: the
    paragraphs after an enumeration are back at the enclosing section's level.
    """
    open_labels: dict[int, str] = {}
    result: list[tuple[tuple[str, ...], bool]] = []
    for paragraph in paragraphs:
        heading = parse_heading(paragraph)
        if heading is None:
            result.append((_path(open_labels), False))
            continue
        for deeper in [level for level in open_labels if level >= heading.level]:
            del open_labels[deeper]
        own = {**open_labels, heading.level: heading.label}
        if heading.level < 4:
            open_labels = own
        result.append((_path(own), heading.label == paragraph))
    return result


def _path(labels: dict[int, str]) -> tuple[str, ...]:
    return tuple(labels[level] for level in sorted(labels))
