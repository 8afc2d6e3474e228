"""Word classes of the keyword extractor, each defined once with the reason it exists.

The lists are keys in Simplified script (analysis runs on a Simplified copy of a
Traditional post).  What a class means is what the extractor does with it, written
beside it; the extractor imports the names, never retypes the members.
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
