"""Text PDFs: paragraphs by layout, page furniture removed by evidence, page breaks joined."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from helpers import nonempty

from indexer.build import build_index
from indexer.ingest.s1_layout import (
    Line,
    Page,
    lines_from_boxes,
    page_number,
    paragraphs,
    remove_furniture,
)
from indexer.ingest.s1_ocr import _round_zeros, _straightened
from indexer.ingest.s1_read import read_source
from indexer.search.engine import SearchEngine

DATA = Path(__file__).resolve().parent / "data"
PAGINATED = DATA / "formats" / "paginated.pdf"
RUNNING_TITLE = "南湖区2023年法治政府建设工作情况报告"


def nanhu_paragraphs() -> list[str]:
    """南湖区's report as its source text writes it, up to its signature (the PDF's text).

    LibreOffice, laying the report out, left off one 、 that fell at a line end (专家论证、
    风险评估): the PDF shows none, so a reader sees none.
    """
    text = (DATA / "wild" / "02_南湖区2023年法治政府建设年度报告.txt").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    lines = lines[: lines.index("2024年1月25日") + 1]
    return [line.replace("专家论证、风险评估", "专家论证风险评估") for line in lines]


# --- the paginated PDF, end to end ---------------------------------------------------------


def test_paginated_pdf_reads_as_exactly_the_reports_paragraphs():
    """Running title, — N — footers gone; title and two page-broken sentences whole."""
    assert read_source(PAGINATED).text.split("\n") == nanhu_paragraphs()


@pytest.fixture(scope="module")
def paginated_engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    index = tmp_path_factory.mktemp("paginated") / "index"
    build_index([PAGINATED], index)
    return SearchEngine.open(index)


@pytest.mark.parametrize(
    "phrase",
    [
        "行政处罚案件3021件",  # broken by the first page break
        "深化“大综合一体化”行政执法改革",  # broken by the second
        "综合纠错率12.3%",
        "习近平法治思想",
        "行政复议",
        "2024年工作打算",
    ],
)
def test_paginated_pdf_phrases_are_found_as_often_as_a_reader_sees_them(paginated_engine, phrase):
    expected = sum(phrase in paragraph for paragraph in nanhu_paragraphs())
    result = paginated_engine.search(f'"{phrase}"')
    assert (result.total_passages, result.total_reports) == (expected, 1)
    for hit in nonempty(result.hits()):
        assert hit.metadata.title == nanhu_paragraphs()[0]
        assert hit.metadata.year == 2023
        assert hit.metadata.text_source == ""


def test_paginated_pdf_furniture_is_in_no_passage(paginated_engine):
    [summary] = paginated_engine.report_summaries()
    passages = nonempty(paginated_engine.report(summary.report_id).passages)
    for passage in passages:
        assert RUNNING_TITLE not in passage.text
        assert page_number(passage.text) is None
        assert "— " not in passage.text


# --- furniture rules on laid-out pages -----------------------------------------------------

CHAR, PITCH, LEFT, WIDTH, HEIGHT = 16.0, 28.0, 80.0, 28, 842.0
BODY = nanhu_paragraphs()[5:]  # the body's paragraphs, each laid out over full lines


def laid_out(paragraph: str, top: float, *, indent: bool = True) -> list[Line]:
    """A paragraph as a word processor sets it: indented by two, full lines, a short last."""
    lines, rest, first = [], paragraph, indent
    while rest:
        room = WIDTH - 2 if first else WIDTH
        text, rest = rest[:room], rest[room:]
        left = LEFT + (2 * CHAR if first else 0)
        lines.append(Line(text, left, top, left + len(text) * CHAR, top + CHAR))
        top += PITCH
        first = False
    return lines


def page(body: list[Line], *, head: str = "", foot: str = "") -> Page:
    lines = list(body)
    if head:
        lines.insert(0, centred(head, 40.0))
    if foot:
        lines.append(centred(foot, 800.0))
    return Page(tuple(lines), LEFT * 2 + WIDTH * CHAR, HEIGHT)


def centred(text: str, top: float) -> Line:
    middle = LEFT + WIDTH * CHAR / 2
    half = len(text) * CHAR / 4  # digits and dashes: half a character wide
    return Line(text, middle - half, top, middle + half, top + CHAR * 0.8)


def body_page(paragraphs_: list[str]) -> list[Line]:
    lines: list[Line] = []
    top = 100.0
    for paragraph in paragraphs_:
        lines.extend(laid_out(paragraph, top))
        top = lines[-1].top + PITCH
    return lines


@pytest.mark.parametrize(
    "footer",
    [
        "— {n} —",
        "- {n} -",
        "－{n}－",
        "第{n}页 共3页",
        "共3页 第{n}页",
        "{n}/3",
        "Page {n} of 3",
        "{n}",
    ],
)
def test_running_title_and_page_numbers_that_count_up_are_furniture(footer):
    pages = [
        page(body_page(BODY[0:2]), foot=footer.format(n=1)),
        page(body_page(BODY[2:4]), head=RUNNING_TITLE, foot=footer.format(n=2)),
        page(body_page(BODY[4:6]), head=RUNNING_TITLE, foot=footer.format(n=3)),
    ]
    kept = remove_furniture(pages)
    assert [p.furniture for p in kept] == [
        (footer.format(n=1),),
        (RUNNING_TITLE, footer.format(n=2)),
        (RUNNING_TITLE, footer.format(n=3)),
    ]
    assert paragraphs(kept) == BODY[0:6]


def test_page_numbers_may_start_later_than_the_first_page():
    pages = [page(body_page([text]), foot=f"— {n} —") for n, text in enumerate(BODY[:3], 5)]
    assert paragraphs(remove_furniture(pages)) == BODY[:3]


def test_body_lines_that_look_like_furniture_stay():
    heading = "一、存在的不足"
    pages = [
        # A number at the foot that does not count up with the pages stays…
        page(body_page([BODY[0], "第2页 共5页"]), foot="3"),
        # …and so does a heading at the top of one page only.
        page(body_page([heading, BODY[1]]), foot="9"),
        # The same heading again, but inside the page, is no running line either.
        page(body_page([BODY[2], heading])),
    ]
    kept = remove_furniture(pages)
    assert [p.furniture for p in kept] == [(), (), ()]
    assert paragraphs(kept) == [
        BODY[0],
        "第2页 共5页",
        "3",
        heading,
        BODY[1],
        "9",
        BODY[2],
        heading,
    ]


def test_one_page_loses_a_decorated_page_number_but_not_a_bare_digit():
    assert remove_furniture([page(body_page(BODY[:1]), foot="— 1 —")])[0].furniture == ("— 1 —",)
    assert remove_furniture([page(body_page(BODY[:1]), foot="1")])[0].furniture == ()


def test_a_sentence_broken_by_a_page_is_joined_and_an_indented_next_page_is_not():
    paragraph = BODY[0]
    lines = laid_out(paragraph, 100.0)
    nonempty(lines[1:], "lines after the first")  # the paragraph must span several lines
    broken = [page(lines[:1], foot="— 1 —"), page(lines[1:], foot="— 2 —")]
    assert paragraphs(remove_furniture(broken)) == [paragraph]
    two = [page(body_page([BODY[1]]), foot="— 1 —"), page(body_page([BODY[2]]), foot="— 2 —")]
    assert paragraphs(remove_furniture(two)) == [BODY[1], BODY[2]]


def test_a_paragraph_broken_by_a_page_after_a_full_stop_is_joined_too():
    """Justified text: a full line ending 。 and a flush-left line go on with one paragraph."""
    paragraph = BODY[0]
    cut = paragraph.index("。") + 1
    right = LEFT + WIDTH * CHAR
    first = Line(paragraph[:cut], LEFT + 2 * CHAR, 100.0, right, 100.0 + CHAR)
    rest = laid_out(paragraph[cut:], 100.0, indent=False)
    pages = [page([first], foot="— 1 —"), page(rest, foot="— 2 —")]
    assert paragraphs(remove_furniture(pages)) == [paragraph]


# --- OCR boxes --------------------------------------------------------------------------------


def test_boxes_on_one_row_make_one_line_read_left_to_right():
    boxes = [
        ("二〇二二年一月十日", 300.0, 702.0, 480.0, 722.0),
        ("修文县民政局", 80.0, 700.0, 200.0, 720.0),
        ("二、存在的问题", 80.0, 650.0, 220.0, 670.0),
    ]
    assert [line.text for line in lines_from_boxes(boxes)] == [
        "二、存在的问题",
        "修文县民政局 二〇二二年一月十日",
    ]


def test_a_page_scanned_a_degree_askew_is_straightened():
    angle = math.radians(1.0)

    def turned(x: float, y: float) -> tuple[float, float]:
        cx, cy = 800.0, 1100.0
        return (
            cx + (x - cx) * math.cos(angle) - (y - cy) * math.sin(angle),
            cy + (x - cx) * math.sin(angle) + (y - cy) * math.cos(angle),
        )

    boxes = []
    for row, text in enumerate(BODY[0][i : i + 28] for i in range(0, 28 * 20, 28)):
        top = 200.0 + 80 * row
        quad = [(160.0, top), (1440.0, top), (1440.0, top + 40), (160.0, top + 40)]
        boxes.append((text, [turned(x, y) for x, y in quad]))
    lines = nonempty(_straightened(boxes, 1600.0, 2200.0))
    assert max(line.left for line in lines) - min(line.left for line in lines) < 1.0


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("二0二二年一月十日", "二〇二二年一月十日"),
        ("二o二二年", "二〇二二年"),
        ("一九五O年", "一九五〇年"),
    ],
)
def test_a_round_zero_read_as_latin_in_a_chinese_year_is_restored(read, meant):
    assert _round_zeros(read) == meant


@pytest.mark.parametrize("text", ["2020年", "第10条", "A20二0年"])
def test_latin_zeros_elsewhere_stay(text):
    assert _round_zeros(text) == text
