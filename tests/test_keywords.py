import re

from nlp.analysis.analyzer import Toolkit
from nlp.config import Config
from nlp.analysis.idf import build_idf
from nlp.analysis.keywords import IdfTable, stopwords


def kw(toolkit, text, title=""):
    return toolkit.keywords(toolkit.from_text(text, title))


def test_no_stop_words_numbers_punctuation_or_fragments(toolkit, corpus_copy):
    stop = stopwords()
    for path in sorted(corpus_copy.rglob("*.md"))[:80]:
        if path.name == "README.md":
            continue
        from nlp.posts.post import read_post

        words = toolkit.keywords(toolkit.from_post(read_post(path)))
        for word in words:
            assert word not in stop, (path, word)
            assert not re.fullmatch(r"[\d\W_]+", word), (path, word)
            assert not re.fullmatch(r"[a-z]{1,2}", word), (path, word)


def test_names_and_multi_word_terms_come_out_whole(toolkit):
    text = (
        "亚马逊AWS宣布扩大云服务投资。AWS表示，云服务需求持续增长，TikTok也是云服务的大客户。"
        "互联汽车需要云服务支持，互联汽车的数据量很大。"
    )
    words = kw(toolkit, text)
    assert words[:3] == ["云服务", "互联汽车", "AWS"]


def test_traditional_posts_keep_their_script(toolkit):
    words = kw(toolkit, "黨產會委員任期8月底屆滿，行政院發言人表示黨產會人事將公布。黨產會成立於2016年。", "黨產會委員任期屆滿")
    assert any("黨產會" in w for w in words)
    assert not any("党产会" in w for w in words)


def test_idf_build_and_use(tmp_path):
    docs = tmp_path / "docs.txt"
    lines = [f"量子计算机研究取得第{i}项进展。" for i in "一二三"] + [f"今天{d}天气很好。" for d in "东南西北中"]
    lines += ["本台记者报道"] * 3  # a recurring line: boilerplate of this archive
    docs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table_path = tmp_path / "idf.tsv"
    built = build_idf([str(docs)], table_path, lines=True)
    assert built.docs == 11 and built.boilerplate == 1
    table = IdfTable.load(table_path)
    assert table.docs == 11 and table.get("量子") is not None
    assert table.get("天气") < table.get("量子")  # in 5 documents against 3
    toolkit = Toolkit(Config(idf=str(table_path)))
    assert toolkit.idf.source.startswith("idf.tsv:11")
    assert "量子计算机" in kw(toolkit, "量子计算机研究取得进展。量子计算机很快。")
    assert toolkit.from_text("本台记者报道").blocks[0].role == "recurring"


def test_bad_idf_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.tsv"
    bad.write_text("not a table\n")
    import pytest

    from nlp.errors import ConfigError

    with pytest.raises(ConfigError, match="not an IDF table written by `nlp idf build`"):
        IdfTable.load(bad)
