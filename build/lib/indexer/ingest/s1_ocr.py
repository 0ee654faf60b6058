"""OCR of scanned PDF pages: render, recognise, cache by the file's content hash.

Pages are rendered at 200 dpi by PDFium (pypdfium2) and recognised by RapidOCR
(rapidocr-onnxruntime: PP-OCRv4 Chinese detection and recognition models shipped in its
wheel, run by onnxruntime on the CPU). Each text box the detector finds becomes a `Line`
with its box, straightened by the page's skew (measured from the boxes' top edges), so
`s1_layout` can make paragraphs and remove furniture as for a text layer.

OCR costs seconds a page, so results are cached under the file's sha256 (the hash the
build keys files by) in the index folder's `ocr-cache/`, beside the generations: a
rebuild, or a new generation, reads the lines back instead of recognising again. The
cache keeps lines with their boxes, not paragraphs, so a better layout needs no new OCR.

A build opens an `OcrSession` (`using`) to give the cache folder, progress display and
counts; without one, OCR runs uncached and silently (a library caller, a test).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2
from tqdm import tqdm

from indexer.errors import SourceError
from indexer.ingest.s1_layout import Line, Page, lines_from_boxes

DPI = 200
ENGINE = "rapidocr-onnxruntime 1.4.4 PP-OCRv4 ch"
"""Names the recogniser and its settings in each cache entry: another engine re-OCRs."""
MIN_SCORE = 0.5  # RapidOCR's own default: boxes recognised with less confidence are noise
# The round zero of a year in Chinese numerals (二〇二二年) is read as a Latin 0 or O.
_CHINESE_YEAR = re.compile(r"(?<![0-9A-Za-z])[〇○一二三四五六七八九0oOο]{4}(?=年)")
_ZEROS = str.maketrans("0oOο", "〇〇〇〇")


@dataclass
class OcrSession:
    """Where OCR results are cached and how progress is shown, for one build."""

    cache: Path | None = None
    show: bool = False  # a progress bar per file on a terminal
    log: Callable[[str], None] = lambda message: None  # else one line per page
    name: str = ""  # the file being read, for progress
    pages_recognised: int = 0
    files_from_cache: int = 0
    seconds: float = 0.0
    digests: set[str] = field(default_factory=set)  # files OCRed or read from the cache


_SESSION: ContextVar[OcrSession | None] = ContextVar("ocr_session", default=None)


@contextlib.contextmanager
def using(session: OcrSession) -> Iterator[OcrSession]:
    """Make `session` the one OCR reports to while the body runs."""
    token = _SESSION.set(session)
    try:
        yield session
    finally:
        _SESSION.reset(token)


def recognise_pages(data: bytes, document: pypdfium2.PdfDocument) -> list[Page]:
    """Return the OCRed lines of every page of `document` (whose bytes are `data`)."""
    session = _SESSION.get() or OcrSession()
    digest = hashlib.sha256(data).hexdigest()
    session.digests.add(digest)
    cached = _read_cache(session.cache, digest)
    if cached is not None:
        session.files_from_cache += 1
        return cached
    started = time.perf_counter()
    pages = []
    for number, image in _progress(session, _rendered(document), len(document)):
        pages.append(_recognise(image))
        session.pages_recognised += 1
        if not session.show:
            session.log(f"OCR 识别 {session.name}：第 {number}/{len(document)} 页")
    session.seconds += time.perf_counter() - started
    _write_cache(session.cache, digest, pages)
    return pages


def _progress(session: OcrSession, images: Iterator[Any], total: int) -> Iterator[tuple[int, Any]]:
    bar = tqdm(
        total=total,
        desc=f"OCR 识别 {session.name}".strip(),
        unit="页",
        disable=not session.show,
        leave=False,
    )
    try:
        for number, image in enumerate(images, 1):
            yield number, image
            bar.update()
    finally:
        bar.close()


def _rendered(document: pypdfium2.PdfDocument) -> Iterator[Any]:
    """Each page as a grey image at `DPI`, as a numpy array."""
    for index in range(len(document)):
        try:
            bitmap = document[index].render(scale=DPI / 72, grayscale=True)
        except pypdfium2.PdfiumError as exc:
            raise SourceError(f"无法渲染 PDF 第 {index + 1} 页以做 OCR（文件已损坏）") from exc
        yield bitmap.to_numpy()


@functools.cache
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    # A pinned requirement, so this is a broken install: the package, or a shared library
    # opencv-python loads (libGL, GLib), is missing; the error names which.
    except ImportError as exc:
        raise SourceError(
            f"扫描件需要 OCR，但 OCR 组件无法加载（{exc}）",
            hint="运行 scripts/setup 安装依赖；缺 libGL 时 apt-get install libgl1 libglib2.0-0",
        ) from exc
    return RapidOCR(text_score=MIN_SCORE)


def _recognise(image: Any) -> Page:
    height, width = image.shape[:2]
    result, _ = _engine()(image)
    boxes = [
        (_round_zeros(text), [(float(x), float(y)) for x, y in quad])
        for quad, text, _ in result or []
    ]
    return Page(tuple(_straightened(boxes, width, height)), float(width), float(height))


def _round_zeros(text: str) -> str:
    """二0二二年 → 二〇二二年: a year in Chinese numerals with a zero read as Latin."""

    def fix(match: re.Match[str]) -> str:
        year = match.group()
        return year.translate(_ZEROS) if re.search(r"[一二三四五六七八九]", year) else year

    return _CHINESE_YEAR.sub(fix, text)


def _straightened(
    boxes: Sequence[tuple[str, list[tuple[float, float]]]], width: float, height: float
) -> list[Line]:
    """Lines from the detector's four-point boxes, the page's skew turned back.

    A page scanned a degree askew shifts the left edge of its lines by a character over
    its height, enough to hide or fake an indent; the boxes' top edges give the angle.
    """
    slopes = sorted(
        math.atan2(quad[1][1] - quad[0][1], quad[1][0] - quad[0][0])
        for _, quad in boxes
        if quad[1][0] - quad[0][0] > 3 * abs(quad[3][1] - quad[0][1])
    )
    angle = slopes[len(slopes) // 2] if slopes else 0.0
    cos, sin = math.cos(-angle), math.sin(-angle)
    cx, cy = width / 2, height / 2
    straight = []
    for text, quad in boxes:
        xs, ys = [], []
        for x, y in quad:
            xs.append(cx + (x - cx) * cos - (y - cy) * sin)
            ys.append(cy + (x - cx) * sin + (y - cy) * cos)
        straight.append((text, min(xs), min(ys), max(xs), max(ys)))
    return lines_from_boxes(straight)


# --- the cache ---------------------------------------------------------------------------------


def _cache_file(folder: Path, digest: str) -> Path:
    return folder / f"{digest}.json"


def _read_cache(folder: Path | None, digest: str) -> list[Page] | None:
    if folder is None:
        return None
    try:
        entry = json.loads(_cache_file(folder, digest).read_text(encoding="utf-8"))
        if entry.get("engine") != ENGINE or entry.get("dpi") != DPI:
            return None
        return [
            Page(tuple(Line(*line) for line in page["lines"]), page["width"], page["height"])
            for page in entry["pages"]
        ]
    # Missing, half-written by a killed build, or from an older layout: OCR again.
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(folder: Path | None, digest: str, pages: list[Page]) -> None:
    if folder is None:
        return
    entry = {
        "engine": ENGINE,
        "dpi": DPI,
        "pages": [
            {
                "width": page.width,
                "height": page.height,
                "lines": [
                    [line.text, line.left, line.top, line.right, line.bottom] for line in page.lines
                ],
            }
            for page in pages
        ],
    }
    folder.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed: a killed build leaves no half entry under the real name.
    temporary = folder / f".{digest}.tmp-{uuid.uuid4().hex[:8]}"
    temporary.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, _cache_file(folder, digest))


def prune_cache(folder: Path, keep: set[str]) -> int:
    """Delete the entries (and leftovers) of files no longer indexed; return how many."""
    removed = 0
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        digest = path.name.removesuffix(".json")
        if path.name.startswith(".") or (path.suffix == ".json" and digest not in keep):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
