"""The word and character classes of analysis, each defined once with the reason it
exists: what the keyword extractor never takes or where it cuts a phrase
(``keywords.py``), where a learned new word may start and end (``newwords.py``), and
what segmentation repairs (``segment.py``).

The lists are keys in Simplified script (analysis runs on a Simplified copy of a
Traditional post).  What a class means is what its reader does with it, written
beside it; the readers import the names, never retype the members.  Classes that
share members build on one another (``FUNCTION_CORE``) instead of repeating them.
"""

from __future__ import annotations

import re

# A count, alone or with its measure word: 12, 十二, 三成, 数十, 2021年, 15国, 8人.  Never a
# keyword, whatever the dictionary calls it (jieba tags 三成 nothing, so it would pass
# as an unknown noun); a number belongs to a fact, not to the topic.
_UNIT = "成倍个位名人次件宗例起家所座台部只头条张年月日号时分秒岁届期国强项轮场波艘架辆元万亿"
NUMERAL = re.compile(
    rf"^(?:[\d０-９.,，%％]+|第?[零〇一二三四五六七八九十百千万亿两]+)[余多]?[{_UNIT}]?$"
    # a vague count: 数十, 数千万, 几个, 多名 (but 数位, digital, and 多元 are words)
    r"|^[数几多半](?:[十百千万亿]+[个名人次件宗例起家年月日届国项轮场]?|[个名人次件宗例起家年月日届国项轮场])$"
)

# Nouns that measure rather than name (价格, 同比, 人数): never a keyword alone, and a
# phrase of one and a verb is a clause about a figure (同比下降, 价格上涨, 人数增加).
COUNT_NOUNS = frozenset("价格 整数 数量 人数 比例 数字 总数 数据 金额 幅度 比重 总量 次数 增幅 跌幅 涨幅".split())

# Comparisons of a figure with an earlier one: adverbials (同比下降), so they end a
# phrase like a function word (物价指数|同比|下降, never 物价指数同比).
COMPARISONS = frozenset("同比 环比 比同期".split())

# What shows that a verb names an event rather than an action (的选举, 这场罢工, 举行公投,
# 罢工行动).  A verb alone is a keyword only when the text uses it so at least once:
# 增加, 出席, 达成, 下跌, 确诊 are what the news says happened to its topic, not the topic.
EVENT_DETERMINERS = frozenset(
    "的 之 这场 那场 一场 此次 这次 本次 该次 上次 这波 一波 此轮 这轮 新一轮 一轮 场 次 项 起 宗 波 轮".split()
)
# Verbs whose object is an event: 发起|罢工, 举行|公投, 爆发|示威, 展开|搜救.
EVENT_VERBS = frozenset(
    "发起 发动 举行 举办 进行 展开 开展 实施 参加 参与 组织 策划 反对 支持 呼吁 号召 宣布 取消 推迟 暂停 停止 结束 "
    "爆发 引发 引起 掀起 酿成 遭到 遭受 面临 应对 调查 谴责 抗议 声援 发生 出现 避免 阻止 防止 禁止 "
    "启动 完成 主导 推动 加强 开始".split()
)
# Nouns an event verb heads (罢工|行动, 爆炸|事件, 示威|期间).
EVENT_HEADS = frozenset("案 案件 事件 事故 活动 行动 运动 潮 浪潮 风波 期间 现场 过程 结果 计划 方案 法案 问题 危机".split())


# Aspect particles: the verb before them is used as a verb (发射了, 达成过).
ASPECT = frozenset("了 着 过".split())


def used_as_event(keys: list[str], at: int, tags: list[str | None]) -> bool:
    """Whether the verb ``keys[at]`` stands where a noun would: after a determiner or a
    count of events (的, 这场, 两次), as the object of an event verb, or before a noun
    it heads."""
    previous = keys[at - 1] if at else ""
    following = keys[at + 1] if at + 1 < len(keys) else ""
    if following in ASPECT:
        return False  # 第一次|发射|了: an action that took place
    if previous in EVENT_DETERMINERS or previous in EVENT_VERBS or following in EVENT_HEADS:
        return True
    return previous[-1:] in "场次项起宗波轮" and tags[at - 1] in ("m", "mq", "q")


# -- jieba's tags and the words a keyword never is or never starts with (keywords.py)

# English words that are never a keyword alone: function words, web debris, months and days.
ENGLISH_STOP = frozenset(
    "a an the of to in on for and or but is are was were be been by with as at from this that "
    "it its he she they we you i his her their our your not no so if than then there here have has "
    "had do does did will would can could should may might must about into over after before "
    "http https www com org net html htm php jpg png gif amp nbsp more read via said says mr ms dr "
    "other others new rising many much some such also only just even still first last own same most less "
    "least very well like one two three year years time times people way ways lot lots any each every "
    "jan feb mar apr jun jul aug sep sept oct nov dec january february march april june july august "
    "gmt utc mon tue wed thu fri sat sun september october november december monday tuesday wednesday thursday friday saturday sunday".split()
)

# l: fixed expressions (自然科学, 对外开放), s: places (海外, 东方), z and zg: what jieba
# tags some nouns and noun suffixes with (湿地, 粘土矿|物).
NOUN_TAGS = frozenset("n nr ns nt nz nrt nrfg ng vn an eng j nw l s z zg".split())
MODIFIER_TAGS = frozenset("a b ad ag m".split())  # m: 九二(共识), 六项(保证)
# Quantifiers, onomatopoeia and interjections never make a keyword, nor do time words
# that point at a day, a season or an hour (今天, 周日, 去年, 月底); other time words
# can lead a term (近代|科学) but are not one alone.
STOP_TAGS = frozenset("tg q mq o e y".split())
DEICTIC_TIME = re.compile(r"[天日号周期拜午晚早夜晨时月年季]|^[今昨明前后去本上下当同每翌这那]")
FUNCTION_CHARS = frozenset("但和与及的而并或把被让")
ADVERBIAL_ENDS = ("之际", "之时", "之下", "以来", "而言", "来说", "之余")
META_ENDS = frozenset("述评 综述 为例 进展 探析 初探 现状 概述".split())

# -- where a term or a word ends

# The function characters every boundary rule starts from: particles, prepositions,
# conjunctions, copulas, demonstratives, quantity and degree words.  No keyword and no
# learned word runs across them; each rule below adds what its own boundary needs.
FUNCTION_CORE = "的了着过是在和与及或而被把将对从向于为以也都就还又并但且之其这那此该各每有无不没很最更所等"

# Characters that stand next to any term without forming a unit with it: function
# words, speech verbs, locatives, measure words.
LOOSE_CHARS = frozenset(FUNCTION_CORE + "地得说称表指谈问道上下中里内外前后间时个位名次家种们")

# A word does not start or end with these (function words, numerals, time units,
# the suffixes of place names: 阳市 is the tail of many cities, not a word).
WORD_EDGE = FUNCTION_CORE + "说称个们吗呢吧啊一二三四五六七八九十百千万亿两零年月日号时分"
NOT_WORD_START = frozenset(WORD_EDGE + "市省县区镇村乡驻因曾已后遭给让到名位次件些至我你他她它会能要可仍才较据用者句样点近控权派社越呈")
NOT_WORD_END = frozenset(WORD_EDGE + "市省县区镇村乡驻因曾已后遭给让到至判会中上里内前想地")
NOT_WORD_INSIDE = frozenset("的了着过是被把在以等")

# -- segmentation repairs (segment.py)

# A character the HMM glues onto an unknown name: a speech verb or locative after it
# (努钦称, 推特上, 房企中), a preposition or verb before it (遭|接番, 驻|成都).
GLUED_TAIL = frozenset("称说谈指道上中里内")
GLUED_HEAD = frozenset("驻在于对向从与据被把将遭")

# A unit or measure word that ends a number (8日, 3月, 5岁, 第113044期, 8人, 18家, 96起, 第2波):
# the HMM glues it onto the unknown word after it (8|日全台|转凉, 8|人被捕, 96|起证券异常交易);
# after a number it is the number's, not the word's.  So are the words a large number's
# 万 or 亿 opens (40|万人, 7|亿元).
NUMBER_UNITS = frozenset("日月年号时点分秒岁届次期人家起名位个件艘架辆波项倍轮场例宗座")
CJK_NUMBER = re.compile(r"^[零〇一二三四五六七八九十百千万两]+$")
