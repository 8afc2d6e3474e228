import pytest

from nlp.analysis.boilerplate import classify, fingerprint, label_blocks
from nlp.posts.html import Block, extract_blocks


@pytest.mark.parametrize(
    "text, reason",
    [
        ("© 2020年 德国之声版权声明：本文所有内容受到著作权法保护", "copyright"),
        ("版权声明：日本经济新闻社版权所有，未经授权不得转载或部分复制，违者必究。", "copyright"),
        ("责任编辑：林琮文", "byline"),
        ("（編輯：張三）1090729", "byline"),
        ("延伸閱讀", "related"),
        ("The post 失蹤者 first appeared on Bitter Winter.", "footer"),
        ("点击查看本文英文版。", "footer"),
        ("获取更多RSS：", "footer"),  # the feed aggregator's footer under 21 sample posts
        ("订阅我们的newsletter", "promo"),
        ("本文仅代表作者个人观点", "disclaimer"),
    ],
)
def test_patterns(text, reason):
    assert classify(Block(text)) == reason


def test_dialogue_is_not_a_byline():
    assert classify(Block("记者：“政府拖走遗体不用家属在场吗？”")) == "text"


def test_subscription_business_is_not_promo():
    text = "全面拥抱订阅模式的软件开发商 Adobe 准备推出免费版的 Photoshop 供所有人使用，以吸引更多用户订阅它的服务。" * 2
    assert classify(Block(text)) == "text"


def test_captions_link_lists_and_title():
    blocks = extract_blocks(
        "[标题](http://x)\n------\n<div><img src=a.jpg><p>资料照片：志愿者分发瓶装水</p><p>正文第一句。</p>"
        "<p><a href=1>相关一</a> <a href=2>相关二</a></p></div>"
    )
    roles = [b.role for b in label_blocks(blocks, "标题")]
    assert roles == ["title", "caption", "text", "links"]


def test_everything_after_related_heading_is_furniture():
    blocks = [Block("正文。"), Block("延伸閱讀"), Block("某篇文章标题"), Block("另一篇")]
    assert [b.role for b in label_blocks(blocks)] == ["text", "related", "related", "related"]


def test_link_only_post_keeps_its_links_as_text():
    blocks = extract_blocks("<ul><li><a href=1>新闻一则</a></li><li><a href=2>新闻二则</a></li></ul>")
    assert [b.role for b in label_blocks(blocks)] == ["text", "text"]


def test_teaser_more_link_is_cut_off():
    blocks = label_blocks(extract_blocks("<div>正文很长的一段。<a href=x>...more</a></div>"))
    assert [b.text for b in blocks] == ["正文很长的一段。"]


def test_recurring_blocks_from_the_archive():
    known = frozenset({fingerprint("本台记者 2021 年报道")})
    assert classify(Block("本台记者 2024 年报道"), known=known) == "recurring"
