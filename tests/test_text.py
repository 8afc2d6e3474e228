from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.text import is_traditional, split_long, split_sentences


def test_closing_quotes_stay_with_their_sentence():
    assert split_sentences("他说：“走吧。”然后离开了！真的吗？？没有结尾") == [
        "他说：“走吧。”",
        "然后离开了！",
        "真的吗？？",
        "没有结尾",
    ]


def test_english_and_decimals():
    assert split_sentences("The U.S. said so. Then 3.5% rose... OK") == ["The U.S. said so. ", "Then 3.5% rose... ", "OK"]


def test_ascii_period_between_chinese_sentences():
    assert split_sentences("了解趋势.方法:对64.18%进行分析.") == ["了解趋势.", "方法:对64.18%进行分析."]


def test_long_sentences_split_at_clauses_then_length():
    pieces = split_long("一二三四五，六七八九十一二三四五六七八九十；短句。", 8)
    assert "".join(pieces) == "一二三四五，六七八九十一二三四五六七八九十；短句。"
    assert all(len(p) <= 8 for p in pieces)
    assert pieces[0] == "一二三四五，"


def test_traditional_detection():
    assert is_traditional("黨產會委員任期8月底屆滿 政院探詢續任意願")
    assert not is_traditional("负利率无法挽救负债经济体")


chinese = st.text(alphabet=st.sampled_from(list("我们的中国人。！？，；、“”「」（）…. a1\u3000\n")), max_size=120)


@settings(max_examples=300, deadline=None)
@given(chinese)
def test_splitting_loses_nothing(block):
    assert "".join(split_sentences(block)) == block


@settings(max_examples=200, deadline=None)
@given(chinese, st.integers(1, 30))
def test_split_long_loses_nothing_and_respects_limit(sentence, limit):
    pieces = split_long(sentence, limit)
    assert "".join(pieces) == sentence
    assert all(0 < len(p) <= limit for p in pieces)
