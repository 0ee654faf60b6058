"""Stage 5, citations: the laws a report cites and the document numbers it quotes.

Laws are canonical short names: no 中华人民共和国 prefix, no version marker, full-width
brackets ("行政复议法", "浙江省行政执法全过程记录办法（试行）"). Document numbers are written
as issued: organ abbreviation, bracketed year, number (浙民法〔2023〕45号).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from indexer.ingest.s5_places import find_places

_CJK = "\u4e00-\u9fff"

# Words ending in 法 that name a way of doing, not a law (公司法 and 预算法 are laws, so no
# 司法 or 算法 here).
_NOT_LAW_ENDINGS = (
    "方法", "做法", "工作法", "执法", "普法", "守法", "依法", "违法", "合法",
    "说法", "看法", "想法", "写法", "手法", "书法", "语法", "疗法",
)  # fmt: skip
_LAW_ENDING = re.compile(r"(?:法典|修正案|法|条例|规定|办法|规则|细则|决定|决议|解释|准则|章程)$")
# Bodies whose 决定/决议/解释 are law: the legislatures, the State Council, the top courts.
_LAWMAKER = re.compile(
    r"^(?:全国人民代表大会|全国人大|国务院|最高人民法院|最高人民检察院|"
    rf"[{_CJK}]{{2,12}}(?:人民代表大会常务委员会|人民代表大会|人大常委会))"
)
# An office below the State Council's ministries cannot make rules (国家…总局 can).
_OFFICE = re.compile(r"(?<!总)局|厅|办公室|领导小组")
_DRAFT = re.compile(r"草案|征求意见稿|送审稿|讨论稿")
_VERSION_MARK = re.compile(
    r"（\s*(?:\d{4}\s*年?\s*[^（）]{0,8}?(?:修订|修正|修改)[本版]?|\d{4}\s*年?\s*版?"
    r"|(?:第[一二三四五六七八九十\d]+次)?(?:修订|修正|修改)[本版]?)\s*）"
)
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")


def canonical_law_name(title: str) -> str:
    """Return the canonical short name of a cited law: 中华人民共和国行政复议法 → 行政复议法.

    Spaces go, brackets become full-width, version markers ((2023年修订), （修正）, (2019年版))
    go, and the 中华人民共和国 prefix goes. Other bracketed notes such as （试行） are part of
    the name and stay.
    """
    name = re.sub(r"\s+", "", title).replace("(", "（").replace(")", "）")
    name = _VERSION_MARK.sub("", name)
    return name.removeprefix("中华人民共和国")


def is_law_title(title: str) -> bool:
    """Tell whether a cited title, read alone, names a law or regulation.

    Counted: laws (…法, …法典, …修正案), 条例 of any body (statutes, local and autonomous
    regulations, Party regulations), 决定/决议/解释 of the legislatures, the State Council and
    the top courts, the Party constitution, and rules (规定/办法/规则/细则/准则) unless they
    name an office (六盘水市民政局…办法, 市政府办公室…) or open with a county-level place
    (西平县人民政府…议事规则): neither can make rules. Not counted: drafts, and every plan,
    notice, opinion, programme, catalogue or book (…实施方案, …的通知, …纲要, …汇编).
    `extract_laws` also drops rules the report says it made itself.
    """
    name = canonical_law_name(title)
    if _DRAFT.search(name):
        return False
    head = name
    while _TRAILING_NOTE.search(head):
        head = _TRAILING_NOTE.sub("", head)
    ending = _LAW_ENDING.search(head)
    if not ending or len(head) < 2:
        return False
    kind = ending.group(0)
    if kind == "法":
        return not head.endswith(_NOT_LAW_ENDINGS)
    if kind in ("法典", "修正案", "条例"):
        return True
    if kind == "章程":
        return head in ("中国共产党章程", "党章")
    opening = find_places(head[:16])
    if opening and opening[0].start == 0 and opening[0].rank == 2:
        return False  # a county makes no rules, and its congress's decisions are no law
    if _LAWMAKER.match(head):
        return True
    if kind in ("决定", "决议", "解释"):
        return False
    return not _OFFICE.search(head[: -len(kind)])


_RULE_KINDS = re.compile(r"(?:规定|办法|规则|细则|准则)(?:（[^（）]*）)*$")
# 制定了《A办法》《B规定》和《C规则》: the verb reaches over a run of titles.
_MADE_HERE = re.compile(
    r"(?:制定|制订|出台|印发|起草|修订|修改|下发|编制|拟定)了?\s*(?:《[^《》]*》\s*[、，,和及与]?\s*)*$"
)


def _made_by_reporter(text: str, start: int) -> bool:
    """Tell whether the title opening at `start` is one the report says it made itself."""
    return bool(_MADE_HERE.search(text, max(0, start - 200), start))


def book_spans(text: str) -> Iterator[re.Match[str]]:
    """Yield the 《…》 titles of a text, inner ones first, nested ones included.

    `re` cannot balance brackets, so the outer title of 《关于适用《行政诉讼法》的解释》 comes
    from another pass over the text with the inner titles masked (same length, so the match
    positions are the text's).
    """
    masked = text
    for _ in range(3):  # titles nest a level or two at most
        found = list(_BOOK_TITLE.finditer(masked))
        if not found:
            return
        yield from found
        masked = _BOOK_TITLE.sub(lambda m: "〈" + "＊" * (len(m.group(0)) - 2) + "〉", masked)


def unquoted(text: str) -> str:
    """The text with every 《…》 blanked out (same length): a cited document's words and
    years are not the report's."""
    for match in book_spans(text):
        text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return text


_BOOK_TITLE = re.compile(r"《([^《》\n]{1,100})》")
_INNER_TITLE = re.compile(r"[〈<＜]([^〈〉<>＜＞]{2,80})[〉>＞]")


def extract_laws(text: str) -> list[str]:
    """Return the laws and regulations a text cites in 《…》, canonical, unique, in order.

    A law is what `is_law_title` accepts, less the rules the report says it made itself
    (制定《民政行政执法人员参加行政执法资格考试的规定》): a report's author is a department
    or a local government whose own rules are internal documents. Names are
    `canonical_law_name`, so 《中华人民共和国行政复议法》 and 《行政复议法》 are one law. A title
    quoted inside another (《关于印发<X办法>的通知》) is considered on its own.
    """
    cited: list[tuple[int, str]] = []
    for match in book_spans(text):
        title = text[match.start(1) : match.end(1)]  # the text, not the masked copy
        if _RULE_KINDS.search(canonical_law_name(title)) and _made_by_reporter(text, match.start()):
            continue
        cited.append((match.start(), title))
        cited.extend((match.start(), m.group(1)) for m in _INNER_TITLE.finditer(title))
    laws: dict[str, None] = {}
    for _, title in sorted(cited, key=lambda c: c[0]):
        name = canonical_law_name(title)
        if is_law_title(name):
            laws.setdefault(name, None)
    return list(laws)


# ---------------------------------------------------------------- document numbers

# The bracketed year and serial; the organ before them is read backwards from there, which
# is much faster than a pattern that starts with a run of Chinese characters.
_DOC_NUMBER_TAIL = re.compile(
    r"[〔\[［(（【]\s*((?:19|20)\d\d)\s*[〕\]］)）】]\s*(第?\s*\d{1,5}\s*号)"
)
_ORGAN_BEFORE = re.compile(rf"[{_CJK}]{{1,12}}\s*$")
# Words that end a sentence's lead-in, not start an organ's abbreviation: 以西政办〔2023〕20号.
_LEAD_IN = re.compile(
    r"^.*(?:印发了?|下发了?|转发了?|制定了?|出台了?|发布了?|按照|根据|依据|依照|参照|贯彻|落实|"
    r"执行|见|以|了|的|即|及|与|我[省市县区州旗盟局厅委])"
)


# Every bracket a year is written in, made one, so two spellings of a number compare equal.
_DOC_BRACKETS = str.maketrans("[［(（【]］)）】", "〔〔〔〔〔〕〕〕〕〕")


def doc_number_key(written: str) -> str:
    """What makes two spellings of a document number one: brackets and spaces unified.

    >>> doc_number_key("浙民法 [2023] 45号") == doc_number_key("浙民法〔2023〕45号")
    True
    """
    return re.sub(r"\s+", "", written).translate(_DOC_BRACKETS)


# A number standing alone on a line of the document's head, as under the 发文机关标志:
# "东政〔2023〕5号", "（浙民法〔2023〕45号）".
_HEADER_NUMBER = re.compile(
    rf"[（(]?\s*([{_CJK}]{{1,12}}\s*[〔\[［(（【]\s*(?:19|20)\d\d\s*[〕\]］)）】]\s*第?\s*\d{{1,5}}\s*号)\s*[）)]?"
)


def header_doc_number(head: list[str]) -> str:
    """The report's own document number: one standing alone on a line of its head, or ""."""
    for line in head:
        found = _HEADER_NUMBER.fullmatch(line.strip())
        if found:
            return re.sub(r"\s+", "", found.group(1))
    return ""


def extract_doc_numbers(text: str) -> list[str]:
    """Return official document numbers (浙民法〔2023〕45号), unique, in order of first use.

    A number is an issuing organ's abbreviation (1–12 Chinese characters), a 4-digit year in
    〔〕, [], ［］, (), （） or 【】, and a serial with 号 (optionally 第…号). Lead-in words
    glued to the abbreviation (以西政办〔2023〕20号) are cut off. Numbers are returned as
    written, spaces removed; two spellings that differ only in brackets count once.
    """
    numbers: dict[str, str] = {}
    for match in _DOC_NUMBER_TAIL.finditer(text):
        before = _ORGAN_BEFORE.search(text, max(0, match.start() - 20), match.start())
        organ = _LEAD_IN.sub("", before.group(0).rstrip()) if before else ""
        if not organ:
            continue
        written = re.sub(r"\s+", "", organ + match.group(0))
        serial = re.sub(r"[第\s]", "", match.group(2))
        key = f"{organ}〔{match.group(1)}〕{serial}"
        numbers.setdefault(key, written)
    return list(numbers.values())
