import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.posts.html import extract_blocks, tag_sequence, tokenize


def texts(html):
    return [b.text for b in extract_blocks(html)]


def test_skips_script_style_iframe_video_and_furniture():
    html = (
        "<div><p>正文一。</p><script>var a='<p>x</p>';</script><style>p{}</style>"
        "<iframe src=x>框</iframe><video>视频</video><div class='o-ads in-article-advert'>广告</div>"
        "<figure><img src=a.jpg><figcaption>图说</figcaption></figure><p>正文二。</p></div>"
    )
    assert texts(html) == ["正文一。", "正文二。"]


def test_text_outside_p_and_br_lines_are_blocks():
    assert texts("<div>第一行。<br>第二行。<br/>第三行</div>") == ["第一行。", "第二行。", "第三行"]


def test_inline_tags_do_not_split_a_sentence():
    assert texts("<p>美国<strong>总统</strong>说<a href=x>今天</a>下雨。</p>") == ["美国总统说今天下雨。"]


def test_markdown_title_link_and_rule():
    blocks = extract_blocks("[[國際] 標題](https://x.org/a?b=1)\n------\n\n<div><p>正文。</p></div>")
    assert [b.text for b in blocks] == ["[國際] 標題", "正文。"]
    assert blocks[0].link_density == 1.0


def test_entities_are_decoded_and_ideographic_indent_trimmed():
    assert texts("<p>　　A&amp;B&nbsp;公司</p>") == ["A&B 公司"]


html_soup = st.lists(
    st.sampled_from(["<p>", "</p>", "<div class='a'>", "</div>", "<br>", "<a href='x'>", "</a>", "文字", "。", "<",
                     ">", "&amp;", "&", "<!-- c -->", "<script>", "</script>", "<img src=x>", " ", "\n", "<b", "</"]),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(html_soup)
def test_tokens_cover_the_source_exactly(html):
    tokens = tokenize(html)
    assert "".join(html[t.start : t.end] for t in tokens) == html
    assert all(a.end == b.start for a, b in zip(tokens, tokens[1:]))
    extract_blocks(html)  # never raises


def test_tag_sequence():
    assert tag_sequence("<p>a<br>b</p>") == ["<p>", "<br>", "</p>"]


# Issue 25: captions and the whitespace of removed tags -------------------------------------
def test_a_line_break_or_tag_between_chinese_characters_leaves_no_space():
    html = "<p>\n   连日来局势紧张，原因是\n   <span class=\"markup\">\n    可能导致局势复杂化\n   </span>\n   。 记者\n</p>"
    assert [b.text for b in extract_blocks(html)] == ["连日来局势紧张，原因是可能导致局势复杂化。记者"]


def test_spaces_a_writer_typed_stay():
    html = "<p>城市电动公交车队扩张 充电网络成新瓶颈</p><p>软件开发商 Adobe 准备推出 Photoshop，said “hello” to you.</p>"
    assert [b.text for b in extract_blocks(html)] == ["城市电动公交车队扩张 充电网络成新瓶颈",
                                                       "软件开发商 Adobe 准备推出 Photoshop，said “hello” to you."]


def test_a_caption_that_repeats_the_images_alt_text_is_marked():
    """CNA, VOA: the image's alt text is shown again as its caption, in an unmarked div."""
    alt = "市长林一23日出席志工表扬活动，并与志工合影。"
    html = (f'<div class="wrap"><img src="a.jpg" alt="{alt}"></div><div>{alt}</div>'
            "<p>市长林一昨天出席志工表扬活动。</p>")
    blocks = extract_blocks(html)
    assert [(b.text, b.caption) for b in blocks] == [(alt, True), ("市长林一昨天出席志工表扬活动。", False)]


@pytest.mark.parametrize("html", [
    '<img src="a.jpg"><div class="picinfo">市长林一出席志工表扬活动。</div><p>正文第一段。</p>',
    '<img src="a.jpg"><div><small style="color: #999;">市长林一出席志工表扬活动。</small></div><p>正文第一段。</p>',
    '<p>前言。</p><p class="img-desc">市长林一出席志工表扬活动。</p><p>正文第一段。</p>',
])
def test_a_caption_set_in_caption_markup_is_marked(html):
    captions = [b.text for b in extract_blocks(html) if b.caption]
    assert captions == ["市长林一出席志工表扬活动。"]


def test_text_after_an_image_is_no_caption_by_itself():
    html = '<p><img src="a.jpg">市长林一昨天出席志工表扬活动，宣布明年增加志工补助。</p>'
    assert [b.caption for b in extract_blocks(html)] == [False]
