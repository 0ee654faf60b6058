"""Stage 5, organs: who a report speaks for (我局, 我县) and which department it is.

Departments are type labels from `DEPARTMENTS` ("民政", "教育体育"); a report written as a
government (我县, no 我局) has department "人民政府".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from indexer.normalize import fold

_CJK = "\u4e00-\u9fff"


@dataclass(frozen=True)
class Voice:
    """How a report speaks of its author: 我局 (a department) or 我县 (a government)."""

    level: str = ""  # 省 市 县 区 州 旗 盟, from 我市 / 本县 / 全区; "" when it never says
    organ: str = ""  # 局 厅 委 when it speaks as a department; "" otherwise
    government: bool = False  # it speaks as the government of its level: 我县, and no 我局
    first_person: bool = False  # it speaks of its author as 我局/本局/我县: an author's report


_SELF_LEVEL = re.compile(r"(我|本|全)([省市县区州旗盟])(?![场域级])")
_SELF_ORGAN = re.compile(r"[我本](局|厅|委)(?![员托派屈])")


def find_voice(text: str) -> Voice:
    """Return the level and kind of body a report speaks for.

    The level is the one most often written as 我X / 本X (three votes) or 全X (one vote):
    a city bureau writes 我市 and 全市 but also 全省 for its superior's scope. A report that
    ever says 我局 (我厅, 我委) is a department's, even if it also says 我县; one that says
    我县 (我市, 本区) and never 我局 is a government's. A report that says neither but keeps
    naming one organ at its level (市民政局 … 市民政局 … 市民政局) is that organ's.
    """
    votes: Counter[str] = Counter()
    first_person = 0
    for match in _SELF_LEVEL.finditer(text):
        votes[match.group(2)] += 1 if match.group(1) == "全" else 3
        # 我县 is the author speaking; 本市 is also how laws and rules name their scope.
        first_person += match.group(1) == "我"
    level = votes.most_common(1)[0][0] if votes else ""
    organs = Counter(m.group(1) for m in _SELF_ORGAN.finditer(text))
    if organs:
        return Voice(level, organs.most_common(1)[0][0], first_person=True)
    if first_person:
        return Voice(level, government=True, first_person=True)
    return Voice(level, _third_person_organ(text, level))


def _third_person_organ(text: str, level: str) -> str:
    """Return 局/厅/委 when one organ at the report's level is named three times or more."""
    if not level:
        return ""
    named = Counter(
        (match.group(1), match.group(2))
        for match in ORGAN.finditer(text)
        if text[match.start() - 1 : match.start()] == level
    )
    top = named.most_common(1)
    return top[0][0][1][0] if top and top[0][1] >= 3 else ""


_CULTURE_TOURISM = (
    "文化广电体育和旅游", "文化广电和旅游", "文化广电旅游", "文化体育和旅游", "文化和旅游",
    "文化旅游", "文广旅", "文广新旅", "文体旅游", "文旅",
)  # fmt: skip

# label, how organ names spell the department (局 / 厅 / 委 follow), words that mark its topic.
DEPARTMENTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("教育体育", ("教育和体育", "教育体育", "教体"), "教育和体育|教育体育|教体|体育"),
    ("教育", ("教育",), "教育局|学校|学生|教师|校长|幼儿园|办学|依法治校|教学"),
    ("体育", ("体育",), "体育|运动"),
    ("民政", ("民政",), "民政|社会救助|低保|社会组织|婚姻|收养|殡葬|养老服务|优抚"),
    (
        "应急管理",
        ("应急管理", "安全生产监督管理", "安全生产监管", "安监"),
        "应急管理|安全生产|防灾减灾|安监",
    ),
    ("司法", ("司法",), "司法行政|法律援助|人民调解|社区矫正|公证"),
    ("公安", ("公安",), "公安|治安|警务|交警"),
    (
        "市场监管",
        ("市场监督管理", "市场监管", "工商行政管理"),
        "市场监管|市场监督|食品安全|特种设备|计量",
    ),
    ("生态环境", ("生态环境", "环境保护", "环保"), "生态环境|环境保护|环保|污染"),
    ("交通运输", ("交通运输", "交通"), "交通运输|公路|运输"),
    (
        "卫生健康",
        ("卫生健康体育", "卫生健康", "卫健体", "卫健", "卫生和计划生育", "卫计"),
        "卫生健康|卫健|医疗卫生|疾病预防|医疗机构",
    ),
    ("自然资源", ("自然资源和规划", "自然资源", "国土资源"), "自然资源|国土|不动产|土地"),
    ("住房城乡建设", ("住房和城乡建设", "住房城乡建设", "住建"), "住房|城乡建设|住建|建筑"),
    (
        "人力资源社会保障",
        ("人力资源和社会保障", "人力资源社会保障", "人社"),
        "人力资源|社会保障|社保|劳动",
    ),
    ("财政", ("财政",), "财政|预算|国有资产"),
    ("税务", ("税务",), "税务|税收|纳税"),
    ("农业农村", ("农业农村", "农业"), "农业|农村|农民"),
    ("水利", ("水利", "水务"), "水利|水务|河道|水资源"),
    ("文化旅游", _CULTURE_TOURISM, "文化和旅游|文旅|旅游|文物|广电"),
    ("发展改革", ("发展和改革", "发展改革", "发改"), "发展改革|发改|价格"),
    ("商务", ("商务",), "商务|外贸|招商"),
    ("审计", ("审计",), "审计"),
    ("统计", ("统计",), "统计"),
    ("林业", ("林业和草原", "林业"), "林业|森林|草原"),
    ("医疗保障", ("医疗保障", "医保"), "医疗保障|医保"),
    ("退役军人事务", ("退役军人事务", "退役军人"), "退役军人"),
    ("行政审批", ("行政审批服务", "行政审批"), "行政审批"),
    ("综合行政执法", ("综合行政执法", "综合执法", "城市管理", "城管"), "综合执法|城市管理|城管"),
    ("工业和信息化", ("工业和信息化", "经济和信息化", "工信", "经信"), "工业|信息化"),
    ("科学技术", ("科学技术", "科技"), "科技"),
    ("政务服务", ("政务服务和大数据", "政务服务数据", "政务服务", "大数据"), "政务服务|大数据"),
    ("信访", ("信访",), "信访"),
    ("乡村振兴", ("乡村振兴", "扶贫开发", "扶贫"), "乡村振兴|扶贫"),
    ("民族宗教", ("民族宗教事务", "民族宗教", "民宗"), "民族|宗教"),
)

STEM_LABEL = {stem: label for label, stems, _ in DEPARTMENTS for stem in stems}
_STEMS = "|".join(sorted(STEM_LABEL, key=len, reverse=True))
ORGAN = re.compile(rf"({_STEMS})(总局|分局|委员会|局|厅|委(?![托派屈员]))")
_TOPICS = [(label, re.compile(topic)) for label, _, topic in DEPARTMENTS]
ORGAN_AFTER = re.compile(
    r"\s*(?:人民|政府|人大|政协|党委|委员会|法院|检察院|[省市县区州旗盟]?委(?![托派屈员])"
    r"|第[一二三四五六七八九十]{1,3}届|[省市县区州旗]长"
    rf"|(?:{_STEMS})(?:总局|分局|委员会|局|厅|委)|[{_CJK}]{{1,4}}?(?:镇|乡|街道))"
)


def department_of(organ: str) -> str:
    """Return the department type of an organ's name: 叙永县教育和体育局 → 教育体育.

    A government (…人民政府, …政府) is "人民政府"; a name with no known department is "".
    """
    match = ORGAN.search(organ)
    if match:
        return STEM_LABEL[match.group(1)]
    return "人民政府" if organ.endswith(("人民政府", "政府")) else ""


def find_department(text: str, level: str = "", place: str = "") -> str:
    """Return the department type of the body that wrote a report, or "".

    Organ names written as the report's own (preceded by its place or level: 陆河县教育局,
    县教育局) decide when there are any. Otherwise every organ name scores three and every
    topic word one (民政 … 低保 …; 安全生产 for 应急管理), so a bureau that never writes its
    own name is known by what it talks about.
    """
    own: Counter[str] = Counter()
    score: Counter[str] = Counter()
    for match in ORGAN.finditer(text):
        label = STEM_LABEL[match.group(1)]
        start = match.start()
        if (level and text.endswith(level, 0, start)) or (place and text.endswith(place, 0, start)):
            own[label] += 1
        score[label] += 3
    if own:
        return max(own, key=lambda label: (own[label], score[label]))
    for label, topic in _TOPICS:
        score[label] += len(topic.findall(text))
    best = score.most_common(1)
    return best[0][0] if best and best[0][1] else ""


# "现在，我代表省人民政府，向大会报告政府工作", "我受十二届中央委员会委托，向大会作报告":
# a speech names whom it is given for. Matched in folded text, so 中央委員會 is found too.
_SPEAKS_FOR = re.compile(
    rf"我(?:代表|受)(?P<organ>[{_CJK}]{{0,20}}?"
    r"(?:人民政府|国务院|中央委员会|常务委员会|人民委员会))(?:的)?(?:委托)?[，,、向作]"
)


def spoken_for(paragraphs: list[str]) -> str:
    """Return the organ a speech says it is given for, as written, or "".

    >>> spoken_for(["同志们：", "我受十二届中央委员会委托，向大会作报告。"])
    '十二届中央委员会'
    >>> spoken_for(["現在我代表中央委員會作關於上屆代表會議以來的工作報告。"])
    '中央委員會'
    """
    for paragraph in paragraphs:
        spoken = _SPEAKS_FOR.search(fold(paragraph))  # folding keeps every offset
        if spoken:
            return paragraph[spoken.start("organ") : spoken.end("organ")]
    return ""
