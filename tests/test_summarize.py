from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.analysis.analyzer import Toolkit
from nlp.config import Config
from nlp.analysis.summarize import strip_dateline

NEWS = (
    "<p>（中央社台北29日電）香港政務司長今天表示，國家安全教育對香港發揮重要作用。</p>"
    "<p>他說，政府將加強學生對國家歷史的認識。</p><p>這是第三句，內容比較次要。</p>"
    "<p>責任編輯：某某</p><p>© 2020 中央社 版權所有</p>"
)


def test_in_document_order_and_no_boilerplate(toolkit):
    doc = toolkit.from_text(NEWS, "香港加強國安教育")
    summary = toolkit.summary(doc)
    assert summary.startswith("香港政務司長")  # dateline dropped, script kept
    assert "責任編輯" not in summary and "©" not in summary
    text = "".join(s.text for s in doc.analysis.sentences)
    positions = [text.find(s) for s in ["香港政務司長", "他說"] if s in summary]
    assert positions == sorted(positions)


def test_one_sentence_is_trimmed_to_the_budget():
    toolkit = Toolkit(Config(sentences=1, max_chars=20))
    long = "针对传统方法速度慢的问题，本文提出了一种基于深度学习的图像分割方法，并在三个数据集上验证了其有效性。"
    summary = toolkit.summary(toolkit.from_text(long))
    assert 0 < len(summary) <= 20 and summary in long


def test_dateline_only_at_the_start():
    assert strip_dateline("【大纪元2020年11月23日讯】（大纪元记者李熙采访报导）四川省") == "四川省"
    assert strip_dateline("他说（中央社電）不变") == "他说（中央社電）不变"


sentence = st.text(alphabet=st.sampled_from(list("我们中国经济市场政府发展公司")), min_size=3, max_size=30).map(lambda s: s + "。")


@settings(max_examples=60, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=12), st.integers(1, 3))
def test_summary_is_an_in_order_subset_of_sentences(toolkit, sentences, n):
    tk = Toolkit(Config(sentences=n, max_chars=1000))
    tk.segmenter = toolkit.segmenter
    doc = tk.from_text("\n".join(sentences))
    chosen = tk.summarizer.select(doc.analysis, range(len(doc.analysis.sentences)), tk.summary_options)
    assert chosen == sorted(set(chosen)) and 1 <= len(chosen) <= n
    summary = tk.summary(doc)
    assert summary == "".join(doc.analysis.sentences[i].text for i in chosen)
