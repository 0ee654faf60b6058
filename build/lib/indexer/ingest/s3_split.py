"""Stage 3: split a cleaned source text into the reports it compiles, saying why.

Download sites paste several bodies' reports one after another, often without titles, and
a long report restarts its numbering (parts, annexes). Numbering alone is therefore never
enough: a boundary needs evidence that a report starts here or that the previous one ended.

* A **title line** ("XX县人民政府关于2023年法治政府建设情况的报告") starts a report when the
  current one has content and either the previous report shows an end (a signature or
  date, a closing paragraph, a closing section such as 下一步工作打算) or the title is a
  report's title (报告/总结/汇报 with a year or a body) followed by a start (salutation,
  dateline, organ line, announcement, opening, first heading). Titles in a 目录 do not.
* A **speech's salutation** (各位代表：, with the dateline or speaker lines above it) right
  after a speech's final call ("让我们…奋斗！", "谢谢大家！") starts a report: speeches are
  pasted one after another without their titles.
* A **restart of top-level numbering** (a "一、" after the current report's own 一、…) is
  never a boundary by itself: long reports restart their numbering in parts and in lists.
  It starts a report at its preamble (`preamble_start`) only with a strong sign — a title,
  a salutation such as 各位代表：, a dateline or "现将…报告如下" in the preamble, or the
  previous report's 落款 — or with two weak ones among an opening in the preamble
  ("2023年,我局…", "为…"; not "为了完成上述任务…", which refers back), a closing
  paragraph or final call before it ("今后,我局将继续…", "让我们…奋斗！") and a closing
  section reached (下一步工作打算). A restart introduced as a list ("…做好以下几项工作。"),
  right after a part line (第二部分, 下篇) or inside an annex (附件1) never does.

A text without numbering, or numbered 一、二、三、 once, is one report. Each report's first
boundary reason is kept (`Chunk.reason`) so that a wrong split can be understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.ingest.lines import (
    ARTICLE,
    SENTENCE,
    announces_report,
    dateline_at,
    has_closing_cue,
    has_opening_cue,
    is_byline,
    is_final_call,
    is_heading_line,
    is_salutation,
    is_signature_line,
    is_title_line,
    parse_heading,
)

# The first item of a numbered list at the two outer levels: 一、 (一) （一）.
_FIRST_ITEM = re.compile(r"一、|[(（]一[)）]")
# A report in parts numbers each part afresh: 第二部分, 下篇.
_PART = re.compile(r"第[一二三四五六七八九十]{1,3}部分|[上中下]篇(?![章幅])")
# The last top-level sections of a report: plans, problems, the formal "nothing else".
_CLOSING_SECTION = re.compile(
    r"下一步|今后|明年|来年|工作(打算|计划|思路|安排|规划|重点)|努力方向|存在(的)?(问题|不足)"
    r"|问题(和|与|及)|意见建议|其他需要报告|其它需要报告"
)
# A report's title (not a section's): its kind, and a body or a year that says whose.
_REPORT_TITLE = re.compile(r"(报告|总结|汇报)([(（][^()（）]{1,10}[)）])?$")
_CONTENTS = re.compile(r"目\s*录|目\s*次")
_CONTENTS_ENTRY_TAIL = re.compile(r"[.．…·\s]{2,}\d{1,4}$")
# "附件", "附件1", "附件二:", "附件:XX县法治政府建设考核细则" on a line of its own.
_ANNEX = re.compile(
    r"(附件|附表|附录)\s*[\d一二三四五六七八九十]*\s*([:：].{0,40})?|附\s*[:：].{0,40}|名词解释"
)
# "…必须做好以下几个方面的工作。": a sentence announcing the list that follows.
_ANNOUNCES_LIST = re.compile(r"(以下|下列|如下|下面)[^。！？!?]{0,12}[。:：]$")
# Words that refer back to what a report said before: "为了完成上述任务".
_REFERS_BACK = re.compile(r"上述|前述|以上|上面|这些|这一|这项|这个")
# Where an opening cue may sit: the start of a paragraph's first or second sentence
# ("依法行政是政府工作的基本准则。2022年以来，XX局坚持…").
_SECOND_SENTENCE = re.compile(r"^[^。！？!?]{4,80}[。！？!?]\s*")


@dataclass(frozen=True)
class Sign:
    """A sign that a report starts or that one ended, as a boundary's reason names it.

    A strong sign (a title, a salutation, a dateline, an announcement, a 落款) is enough with
    a numbering restart; weak ones (an opening, a closing paragraph or final call, a closing
    section) are enough two together.
    """

    said: str
    strong: bool


@dataclass(frozen=True)
class Chunk:
    """One report's paragraphs and why a report was taken to start there."""

    paragraphs: list[str]
    reason: str


def split_reports(paragraphs: list[str]) -> list[list[str]]:
    """Split the paragraphs of one source text into one list per report, in order."""
    return [chunk.paragraphs for chunk in split_explained(paragraphs)]


def split_explained(paragraphs: list[str]) -> list[Chunk]:
    """Split like `split_reports`, keeping each boundary's reason."""
    if not paragraphs:
        return []
    starts = report_starts(paragraphs)
    ends = [start for start, _ in starts[1:]] + [len(paragraphs)]
    chunks = [
        Chunk(paragraphs[start:end], reason)
        for (start, reason), end in zip(starts, ends, strict=True)
    ]
    return _merge_contentless(chunks)


def _merge_contentless(chunks: list[Chunk]) -> list[Chunk]:
    """Join a chunk without a sentence of body text to its neighbour: it is no report.

    Page headers before the first report (or a title in a link list after the last)
    are not reports of their own; they stay with the report they surround, unlost.
    """
    merged: list[Chunk] = []
    pending: list[str] = []  # contentless paragraphs before the first real report
    for chunk in chunks:
        if not _has_content(chunk.paragraphs):
            if merged:
                merged[-1] = Chunk(merged[-1].paragraphs + chunk.paragraphs, merged[-1].reason)
            else:
                pending.extend(chunk.paragraphs)
            continue
        if pending:
            chunk = Chunk(pending + chunk.paragraphs, "文件开头")
            pending = []
        merged.append(chunk)
    if pending:
        merged.append(Chunk(pending, "文件开头"))
    return merged


def report_starts(paragraphs: list[str]) -> list[tuple[int, str]]:
    """Return (index of each report's first paragraph, why); the first is (0, "文件开头")."""
    starts: list[tuple[int, str]] = [(0, "文件开头")]
    top_level = 0  # the outermost heading level the current report has used (0: none yet)
    annexed = False  # the current report has reached its annexes
    in_contents = False  # inside a 目录: its entries are titles of what follows
    last_part_line = -10
    articles = 0  # 第X条 paragraphs in the current report
    for i, paragraph in enumerate(paragraphs):
        current = starts[-1][0]
        heading = parse_heading(paragraph)
        if _CONTENTS.fullmatch(paragraph):
            in_contents = True
            continue
        if in_contents:
            if is_title_line(
                _CONTENTS_ENTRY_TAIL.sub("", paragraph)
            ) or _CONTENTS_ENTRY_TAIL.search(paragraph):
                continue
            in_contents = False
        if _PART.match(paragraph):
            last_part_line = i
        if ARTICLE.match(paragraph):
            articles += 1
        restarts = (
            heading is not None
            and top_level
            and heading.level <= min(top_level, 2)
            and _FIRST_ITEM.match(paragraph)
            and not annexed
            and articles < 2  # in 第一条…第二条… texts, (一) 一、 number clauses' lists
            and i - last_part_line > 2
            and not _introduces_list(paragraphs[i - 1])
        )
        if (
            i > current
            and is_signature_line(paragraphs[i - 1])
            and not is_signature_line(paragraph)
            and _has_content(paragraphs[current:i])
            and (is_salutation(paragraph) or has_opening_cue(paragraph))
            and not _ANNEX.fullmatch(paragraph)
        ):
            starts.append((i, f"上一篇以落款结束，后接开头「{paragraph[:16]}」"))
            top_level, annexed, articles = 0, False, 0
        elif (
            i > current
            and is_final_call(paragraphs[i - 1])
            and _has_content(paragraphs[current:i])
            and _speech_starts(paragraphs, i)
        ):
            said = paragraphs[i - 1][:12]
            starts.append((i, f"上一篇以结束语「{said}」结束，后接演讲开头「{paragraph[:16]}」"))
            top_level, annexed, articles = 0, False, 0
        elif is_title_line(paragraph) and _has_content(paragraphs[current:i]):
            reason = _title_boundary(paragraphs, i, current)
            if reason:
                starts.append((i, reason))
                top_level, annexed, articles = 0, False, 0
        elif restarts:
            start = preamble_start(paragraphs, i, current)
            reason = _restart_boundary(paragraphs, start, i, current)
            if reason:
                starts.append((start, reason))
                top_level, articles = 0, 0
        if heading is not None and heading.level <= 2:
            top_level = min(top_level or heading.level, heading.level)
        annexed = annexed or _ANNEX.fullmatch(paragraph) is not None
    return starts


def _introduces_list(paragraph: str) -> bool:
    """Tell whether a paragraph ends by introducing a list ("…履行下列职责：", "…做好以下
    几项工作。").

    A report's announcement ("现将有关情况报告如下：") and a salutation also end with a
    colon, but they open a report rather than a list.
    """
    if announces_report(paragraph) or is_salutation(paragraph):
        return False
    return paragraph.endswith((":", "：")) or _ANNOUNCES_LIST.search(paragraph) is not None


def _speech_starts(paragraphs: list[str], i: int) -> bool:
    """Tell whether a speech starts at `i`: its salutation, or dateline and speaker lines
    leading to one (各位代表：)."""
    j = i
    while j < min(i + 4, len(paragraphs)):
        if is_salutation(paragraphs[j]):
            return True
        dateline = dateline_at(paragraphs, j)
        if dateline and dateline != paragraphs[j]:
            j += 2  # a dateline broken over two lines
        elif dateline or is_byline(paragraphs[j]):
            j += 1
        else:
            return False
    return False


def _title_boundary(paragraphs: list[str], i: int, current: int) -> str:
    """Return why the title line at `i` starts a report, or "" if it does not.

    A title repeated inside the current report with no start after it is a running
    header; a compilation of one body's yearly reports repeats its title with a new
    dateline each time, which is a start.
    """
    title = paragraphs[i]
    following = _start_sign(paragraphs[i + 1 : i + 5])
    if title in paragraphs[current:i] and following is None:
        return ""
    ended = _end_signs(paragraphs, i, current)
    if ended:
        return f"标题行「{title[:30]}」，且上一篇{ended[0].said}"
    if _REPORT_TITLE.search(title) and following is not None:
        return f"标题行「{title[:30]}」后接{following.said}"
    return ""


def _restart_boundary(paragraphs: list[str], start: int, heading: int, current: int) -> str:
    """Return why the preamble at `start` before a restarting 一、 opens a report, or "".

    A strong sign suffices; weak ones count only two together (`Sign`).
    """
    sign = _start_sign(paragraphs[start:heading])
    ended = _end_signs(paragraphs, start, current)
    if sign is not None and sign.strong:
        return f"编号重新开始，前有{sign.said}"
    strong_end = next((end for end in ended if end.strong), None)
    if strong_end is not None:
        return f"编号重新开始，且上一篇{strong_end.said}"
    reasons = [f"前有{sign.said}"] if sign is not None else []
    reasons += [f"上一篇{end.said}" for end in ended]
    return f"编号重新开始，{'，且'.join(reasons)}" if len(reasons) >= 2 else ""


def _start_sign(preamble: list[str]) -> Sign | None:
    """Return the first sign in `preamble` that a report begins there, or None."""
    for k, paragraph in enumerate(preamble):
        if is_title_line(paragraph):
            return Sign("标题行", strong=True)
        if is_salutation(paragraph):
            return Sign(f"称谓「{paragraph[:20]}」", strong=True)
        if dateline_at(preamble, k):
            return Sign("题注日期", strong=True)
        if announces_report(paragraph):
            return Sign("“报告如下”", strong=True)
        heading = parse_heading(paragraph)
        if heading is not None and heading.level == 1:
            return Sign("一级标题", strong=True)
        if _opens_a_report(paragraph):
            return Sign(f"开头语「{paragraph[:16]}」", strong=False)
        if is_signature_line(paragraph) or is_byline(paragraph):
            continue  # an issuer, speaker or date line under a title: keep looking
        break
    return None


def _opens_a_report(paragraph: str) -> bool:
    """Tell whether a paragraph's first or second sentence opens like a report's opening.

    One that refers back ("为了完成上述任务，…") continues the report it is in.
    """
    if _REFERS_BACK.search(paragraph, 0, 40):
        return False
    if has_opening_cue(paragraph):
        return True
    first = _SECOND_SENTENCE.match(paragraph)
    return first is not None and has_opening_cue(paragraph[first.end() :])


def _end_signs(paragraphs: list[str], before: int, current: int) -> list[Sign]:
    """Return the signs that the report running up to `before` has ended, strongest first."""
    if before <= current:
        return []
    last = paragraphs[before - 1]
    if is_signature_line(last):
        return [Sign("以落款结束", strong=True)]
    signs = []
    # A speech's final call is weak here: a long speech rallies at the end of a part too.
    if has_closing_cue(last) or is_final_call(last):
        signs.append(Sign(f"以结束语「{last[:12]}」结束", strong=False))
    for paragraph in reversed(paragraphs[current:before]):
        heading = parse_heading(paragraph)
        if heading is not None and heading.level == 1:
            if _CLOSING_SECTION.search(heading.label):
                signs.append(Sign(f"已到结尾部分「{heading.label[:16]}」", strong=False))
            break
    return signs


def preamble_start(paragraphs: list[str], first_heading: int, report_start: int) -> int:
    """Return where the report whose "一、" is at `first_heading` begins.

    Walk back from the "一、" over the report's preamble, never reaching `report_start`
    (the previous report keeps at least its first paragraph):

    * a heading stops the walk: it is the previous report's;
    * a title line is the top of the report: take it and stop;
    * a salutation is always an opening: take it; above it only framing lines may follow;
    * issuer and date lines are taken only when a title or salutation lies above them;
      with a body paragraph above they are the previous report's signature;
    * body paragraphs are openings per `_opens`; the first one that is not stops the walk.
    """
    start = first_heading
    addressed = False  # passed a salutation: the preamble's body is behind us
    signed = False  # passed issuer or date lines
    nearest = True
    for j in range(first_heading - 1, report_start, -1):
        paragraph = paragraphs[j]
        if parse_heading(paragraph) is not None:
            break
        if is_title_line(paragraph):
            return j
        if is_salutation(paragraph):
            start, addressed = j, True
        elif is_signature_line(paragraph) or is_byline(paragraph):
            signed = True
        elif addressed or signed or not _opens(paragraphs, j, nearest):
            break
        else:
            start, nearest = j, False
    return start


def _opens(paragraphs: list[str], j: int, nearest: bool) -> bool:
    """Tell whether body paragraph `j`, before a restarting "一、", opens the new report.

    The paragraph right before "一、" is the opening unless it reads as a closing
    ("今后,…" "同时,…" "2023年,我局将继续…"): position is the strongest evidence. But
    a paragraph right after a heading line is that heading's body unless it announces
    the report ("现将…报告如下:"). Paragraphs further back need an opening cue.
    """
    paragraph = paragraphs[j]
    if has_closing_cue(paragraph):
        return False
    if not nearest:
        return has_opening_cue(paragraph)
    if j > 0 and is_heading_line(paragraphs[j - 1]):
        return announces_report(paragraph)
    return True


def _has_content(paragraphs: list[str]) -> bool:
    """Tell whether paragraphs hold body text: a sentence, not only frame or page lines."""
    return any(
        SENTENCE.search(p) and not (is_title_line(p) or is_salutation(p) or is_signature_line(p))
        for p in paragraphs
    )
