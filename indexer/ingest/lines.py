"""Recognise what a paragraph is: a heading, a title, a salutation, an opening or a closing.

The outline of a report comes from its numbered headings, four levels deep:

=====  ============================  ==========================================
level  written as                    notes
=====  ============================  ==========================================
1      一、 … 十二、                  Chinese numeral + 、
2      (一) （一）                    ASCII or full-width parentheses
3      1. 1． 1、                     not 2023年…, not 1.5亿元…
4      一是 二是 …                    inline, at the start of a paragraph
=====  ============================  ==========================================

The other recognisers (titles, salutations, signatures, opening and closing cues) let
`clean` and `split` tell paragraphs of different kinds apart without knowing any report.
"""

from __future__ import annotations

import re

from indexer.ingest.s5_dates import DAY_DIGITS, YEAR_DIGITS
from indexer.models import Heading

_NUMERAL = "[一二三四五六七八九十]{1,3}"

# Order matters only for readability: the markers cannot match the same text.
_HEADING_MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (1, re.compile(rf"{_NUMERAL}、\s*(?=\S)")),
    (2, re.compile(rf"[(（]{_NUMERAL}[)）]\s*(?=\S)")),
    # A digit after the dot or 、 means a number ("1.5亿元", "1、2月"), not a heading.
    (3, re.compile(r"\d{1,2}(?:[.．]|、)(?![\d.．])\s*(?=\S)")),
    (4, re.compile(rf"{_NUMERAL}是(?=\S)")),
)

_SENTENCE_END = re.compile(r"[。！？；!?;]")
_COMMA = re.compile(r"[,，]")

# A heading written on a line of its own is its own label, however long
# (the sample has a 58-character one); beyond this it is body text.
HEADING_LINE_MAX = 80
# A heading run into its body text is cut at the last comma within LABEL_MAX characters;
# a clause with no comma there is kept whole up to LABEL_HARD_MAX, so that a label is
# not cut in the middle of a word unless it must be.
LABEL_MAX = 40
LABEL_HARD_MAX = 60


def parse_heading(paragraph: str) -> Heading | None:
    """Return the heading a paragraph starts with, or None.

    The label is the whole paragraph when it is a heading line and nothing else;
    otherwise the heading part up to the first sentence end, without that 。,
    cut at a comma when longer than `LABEL_MAX` characters.

    >>> parse_heading("(六)依法有效化解社会矛盾纠纷")
    Heading(level=2, label='(六)依法有效化解社会矛盾纠纷')
    >>> parse_heading("2.加强行政复议和行政应诉工作。2023年至今,…").label
    '2.加强行政复议和行政应诉工作'
    >>> parse_heading("1.5亿元用于…") is None
    True
    """
    for level, marker in _HEADING_MARKERS:
        found = marker.match(paragraph)
        if found:
            return Heading(level=level, label=_label(paragraph, found.end()))
    return None


def is_heading_line(paragraph: str) -> bool:
    """Tell whether a paragraph is a heading and nothing else.

    A numbered sentence ending with 。 ("(二)针对…加大培训力度。") is content, not a
    heading line: headings standing alone are written without final punctuation.
    """
    heading = parse_heading(paragraph)
    return heading is not None and heading.label == paragraph


def _label(paragraph: str, marker_end: int) -> str:
    end = _SENTENCE_END.search(paragraph, marker_end)
    if end is None and len(paragraph) <= HEADING_LINE_MAX:
        return paragraph
    head = paragraph if end is None else paragraph[: end.start()]
    if len(head) <= LABEL_MAX:
        return head
    commas = [m.start() for m in _COMMA.finditer(head, marker_end, LABEL_MAX + 1)]
    return head[: commas[-1]] if commas else head[:LABEL_HARD_MAX]


# --- Lines that frame a report rather than tell its content -------------------------

_NO_SENTENCE_PUNCTUATION = r"[^。！？；;!?,，:：]"

# "六盘水市民政局2023年法治政府建设工作报告", "XX县人民政府关于…情况的报告".
# The kind word alone is not enough ("主要工作开展情况" is an unnumbered sub-heading):
# a title also names a year, a body, or says 关于.
_TITLE = re.compile(
    rf"{_NO_SENTENCE_PUNCTUATION}{{4,60}}(报告|总结|汇报|情况)"
    r"([(（][^()（）]{1,10}[)）])?"
)
_TITLE_MARK = re.compile(r"关于|\d{4}年|年度|政府|局|委员会|办公室|厅")

# "中共南湖区委、南湖区人民政府:", "各位代表:": a short address ending with a colon.
_SALUTATION = re.compile(r"[^。！？；;!?,，:：]{2,40}[:：]")
_LIST_INTRO = re.compile(r"如下|以下|下列|下述|包括")
_ADDRESSEE = re.compile(r"委|政府|局|办|厅|院|部|会|领导|同志|代表|主任")

# A date alone on a line, as a report's dated signature writes it.
_DATE_LINE = re.compile(
    rf"[(（]?({YEAR_DIGITS})年{DAY_DIGITS}{{1,2}}月({DAY_DIGITS}{{1,3}}日)?[)）]?"
)
# An issuing body alone on a line: "叙永县教育和体育局", "开江县人民政府".
_ISSUER_LINE = re.compile(r"[^\s。！？；;!?,，:：、]{2,30}(政府|局|委员会|委|办公室|厅|院|中心)")


# "湖州市吴兴区市场监督管理局 2023年1月10日": issuer and date on one line.
_SIGNED_AND_DATED = re.compile(rf"(\S.*?)\s+({_DATE_LINE.pattern})")


# A portal's photo caption under the title: "省长赵刚作政府工作报告", "图为市长王某某作报告".
# It says who delivered the report; it is no title, though it ends in 报告.
# The name is that of a person: 作 right after 工 is the noun 工作 ("市长热线工作情况报告").
_CAPTION = re.compile(
    r"(?:图为|图：|图:)?[^。！？；;!?,，:：]{0,20}?"
    r"(?:总理|主席|委员长|省长|市长|县长|区长|州长|旗长|书记|主任|局长|厅长)"
    r"[\u4e00-\u9fff·]{1,4}(?:(?<!工)作|做|代表[^。！？；;!?,，:：]{1,20}作)了?"
    r"[^。！？；;!?,，:：]{0,20}(?:报告|讲话)"
)


def is_caption(paragraph: str) -> bool:
    """Tell whether a paragraph is a caption saying who delivered the report.

    >>> is_caption("省长赵刚作政府工作报告")
    True
    >>> is_caption("广东省人民政府关于2025年法治政府建设情况的报告")
    False
    """
    return _CAPTION.fullmatch(paragraph) is not None


def is_title_line(paragraph: str) -> bool:
    """Tell whether a paragraph is a report's title line (a caption is not)."""
    return (
        parse_heading(paragraph) is None
        and _TITLE.fullmatch(paragraph) is not None
        and _TITLE_MARK.search(paragraph) is not None
        and not is_caption(paragraph)
    )


def is_salutation(paragraph: str) -> bool:
    """Tell whether a paragraph addresses the bodies a report is sent to."""
    return (
        parse_heading(paragraph) is None
        and _SALUTATION.fullmatch(paragraph) is not None
        and _ADDRESSEE.search(paragraph) is not None
        and _LIST_INTRO.search(paragraph) is None
    )


# Under a speech's title: "——2026年1月28日在…会议上", "（2017年10月18日）".
DATELINE = re.compile(
    r"[—－\-]{1,2}.{0,40}?(会议|大会|座谈会|典礼)上|[(（][^()（）]{0,20}日[^()（）]{0,30}[)）]$"
)
# A speaker under the title: "市长 王某某", "国务院总理 李强".
_SPEAKER = re.compile(
    r"[^。！？；;!?,，:：]{0,20}(总理|主席|委员长|省长|市长|县长|区长|州长|旗长|书记|主任)"
    r"\s*[\u4e00-\u9fff][\u4e00-\u9fff\s·]{0,6}"
)
# A numbered clause of a law or rule: 第一条, 第十二条.
ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇]{1,5}条")
# A sentence of body text, not a label or a title.
SENTENCE = re.compile(r"[^。！？!?]{8,}[。！？!?]")


# The first line of a dateline broken over two: "——2026年1月26日在广东省第十四届",
# "（2026年1月26日在广东省第十四届": a dash or an open bracket, then a short run of words.
_DATELINE_HEAD = re.compile(r"(?:[—－\-]{1,2}|[(（])\s*[^。！？；;!?,，()（）]{2,40}")
_BROKEN_DATELINE_TAIL_MAX = 30


def opens_with_dateline(paragraph: str) -> bool:
    """Tell whether a paragraph starts with a speech's dateline."""
    return DATELINE.match(paragraph) is not None


def dateline_at(paragraphs: list[str], i: int) -> str:
    """Return the dateline starting at paragraph `i`, joined if broken over two lines, or "".

    A page or a copy may break "——2026年1月26日在广东省第十四届人民代表大会第五次会议上"
    after 第十四届: the first line alone is no dateline, the two together are.
    """
    paragraph = paragraphs[i]
    if opens_with_dateline(paragraph):
        return paragraph
    if i + 1 < len(paragraphs) and _DATELINE_HEAD.fullmatch(paragraph):
        following = paragraphs[i + 1]
        joined = paragraph + following
        if len(following) <= _BROKEN_DATELINE_TAIL_MAX and is_byline(joined):
            return joined
    return ""


def is_byline(paragraph: str) -> bool:
    """Tell whether a paragraph is a speech's dateline or speaker line under its title."""
    dateline = DATELINE.match(paragraph)
    if dateline is not None and len(paragraph) - dateline.end() <= 10:
        return True  # a dateline, perhaps with a few words after it, and nothing else
    return _SPEAKER.fullmatch(paragraph) is not None


def is_signature_line(paragraph: str) -> bool:
    """Tell whether a paragraph is an issuer's name, a date, or both, on a line of its own."""
    signed = _SIGNED_AND_DATED.fullmatch(paragraph)
    if signed:
        return bool(_ISSUER_LINE.fullmatch(signed.group(1)))
    return bool(_DATE_LINE.fullmatch(paragraph) or _ISSUER_LINE.fullmatch(paragraph))


# --- Cues for where a report begins and ends ------------------------------------------

# Openings set the scene ("为…", "…在市委、市政府的正确领导下", "2023年,我局…",
# "2023年是…") or announce what follows ("现将工作情况报告如下:").
_OPENING_START = re.compile(
    rf"为|近年来|今年以来|一年来|({YEAR_DIGITS})年度?(以来)?[,，是]"
    r"|[^。,，]{0,20}在[^。]{0,30}(领导|指导)下"
)
_ANNOUNCES_REPORT = re.compile(r"如下[:：。]?$")

# Closings look back or ahead: "今后,我局将继续…", "同时,我局将认真对照…",
# "2023年,我局将继续…" (the future tense of a plan).
_CLOSING_START = re.compile(
    r"今后|同时|下一步|下阶段|接下来|总之|总而言之|综上|最后|特此|以上|让我们|各位代表[！!]"
    r"|[^。]{0,30}?将(继续|进一步|持续|着力|认真|不断|全面|加快|深入|努力|紧紧|切实|始终|坚持|严格|大力|积极)"
)


def announces_report(paragraph: str) -> bool:
    """Tell whether a paragraph ends by announcing the report ("…报告如下:")."""
    return _ANNOUNCES_REPORT.search(paragraph) is not None


def has_opening_cue(paragraph: str) -> bool:
    """Tell whether a paragraph reads like a report's opening and not like its closing."""
    if has_closing_cue(paragraph):
        return False
    return bool(_OPENING_START.match(paragraph) or announces_report(paragraph))


def has_closing_cue(paragraph: str) -> bool:
    """Tell whether a paragraph reads like the end of a report: a plan or a summing-up."""
    return _CLOSING_START.match(paragraph) is not None


# A speech ends with a call ("让我们…为…而努力奋斗！", "为…而不懈奋斗！") or thanks.
_FINAL_CALL = re.compile(
    r"(?:.*[。！？!?，,])?\s*(?:让我们[^。！？!?]*|为[^。！？!?]*而[^。！？!?，,]{0,6}(?:奋斗|奋进))[！!]"
)
_THANKS = re.compile(r"谢谢(?:大家|各位)?[！!。.]?")


def is_final_call(paragraph: str) -> bool:
    """Tell whether a paragraph is how a speech ends: a closing call or thanks.

    >>> is_final_call("让我们更加紧密地团结在一起，为谱写新篇章而不懈奋斗！")
    True
    >>> is_final_call("今后,我局将继续推进法治政府建设。")
    False
    """
    return bool(_FINAL_CALL.fullmatch(paragraph) or _THANKS.fullmatch(paragraph))
