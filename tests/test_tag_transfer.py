"""Tag transfer: inline elements land on the words the model aligned with their source
words, through the real engine (sentence splits, prefixes, memory, pivots), with fake
backends whose alignment is known."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from nlp.config import Backend, Config
from nlp.pipeline.translate import translate as translate_posts
from nlp.posts.html import inline_texts, tag_sequence
from nlp.posts.post import parse_post
from nlp.translation.align import char_map, distribute, piece_spans
from nlp.translation.engine import Engine, PivotEngine
from nlp.translation.memory import TranslationMemory

from .conftest import FakeTranslator

EN = {"美国": "America's", "总统": "president", "说": "said", "今天": "today", "下雨": "it rains", "年": "year",
      "政府": "the government", "宣布": "announced", "新": "new", "政策": "policy", "。": ".", "，": ","}
JA = {"美国": "アメリカ", "总统": "大統領", "说": "は言った", "今天": "今日", "下雨": "雨が降る", "年": "年",
      "政府": "政府", "宣布": "発表", "新": "新しい", "政策": "政策", "。": "。", "，": "、"}
_WORD = re.compile(r"[A-Za-z0-9]+|.", re.DOTALL)


class GlossaryBackend:
    """Translates word by word from a glossary (longest match; Latin words and numbers
    are copied), in source order or reversed, and reports which source word each output
    word came from: an alignment known in advance."""

    name = Backend.transformers
    variant = "fake"
    max_input_tokens = 512

    def __init__(self, glossary: dict[str, str], reverse: bool = False, prefix: str = "") -> None:
        self.glossary, self.reverse, self.prefix = glossary, reverse, prefix
        self.model_ref = SimpleNamespace(name="zh-xx", ref=f"glossary{reverse}", revision="0")
        self.inputs: list[str] = []
        self.aligned_inputs: list[str] = []

    def count_tokens(self, texts):
        return [len(t) for t in texts]

    def _words(self, text: str) -> list[tuple[int, str]]:
        """(source start, output word) for each source word."""
        words, position = [], 0
        while position < len(text):
            for size in (2, 1):
                piece = text[position : position + size]
                if piece in self.glossary:
                    words.append((position, self.glossary[piece]))
                    position += size
                    break
            else:
                match = _WORD.match(text, position)
                if not match.group().isspace():
                    words.append((position, match.group()))
                position = match.end()
        return words[::-1] if self.reverse else words

    def generate(self, texts, repetition_penalty=None):
        self.inputs.extend(texts)
        return [text for text, _ in self._translate(texts)]

    def generate_aligned(self, texts, repetition_penalty=None, align=True):
        flags = [align] * len(texts) if isinstance(align, bool) else list(align)
        self.aligned_inputs.extend(t for t, flag in zip(texts, flags) if flag)
        self.inputs.extend(t for t, flag in zip(texts, flags) if not flag)
        return [(text, mapped if flag else None) for (text, mapped), flag in zip(self._translate(texts), flags)]

    def _translate(self, texts):
        out = []
        joiner = "" if self.glossary is JA else " "
        for text in texts:
            assert text.startswith(self.prefix)
            output, mapped = "", []
            for start, word in self._words(text[len(self.prefix):]):
                if output and joiner and word not in ".,":
                    output += joiner
                    mapped.append(-1)
                output += word
                mapped += [start + len(self.prefix)] * len(word)
            out.append((output, mapped))
        return out


class Unaligned:
    """A backend that translates but gives no alignment."""

    def __init__(self, inner: GlossaryBackend) -> None:
        self.inner = inner
        self.name, self.variant, self.model_ref = inner.name, inner.variant, inner.model_ref
        self.max_input_tokens, self.count_tokens, self.generate = inner.max_input_tokens, inner.count_tokens, inner.generate


def _body(tmp_path, html: str, translator) -> str:
    post = tmp_path / "p.md"
    post.write_text(f'---\ntitle: "标题"\n---\n{html}\n', encoding="utf-8")
    for old in tmp_path.glob("p.*.md"):
        old.unlink()
    report = translate_posts([post], Config(to=(translator.target,)), translators={translator.target: translator})
    assert report.count("done") == 1, report.as_dict()
    body = parse_post((tmp_path / f"p.{translator.target}.md").read_bytes()).body
    assert tag_sequence(body) == tag_sequence(html + "\n")
    return body


def en(reverse: bool = False, **kwargs) -> Engine:
    return Engine(GlossaryBackend(EN, reverse, **kwargs), None, "en")


@pytest.mark.parametrize("html, expected", [
    # a link in the middle of a sentence
    ('<p>美国总统说<a href="https://x.org/?a=1&amp;b=2" title="链接">今天</a>下雨。</p>',
     '<p>America\'s president said <a href="https://x.org/?a=1&amp;b=2" title="链接">today</a> it rains.</p>'),
    # nested inline elements
    ("<p><strong>美国<em>总统</em></strong>说今天下雨。</p>",
     "<p><strong>America's <em>president</em></strong> said today it rains.</p>"),
    # adjacent links
    ('<p><a href="/1">美国</a><a href="/2">总统</a>说今天下雨。</p>',
     '<p><a href="/1">America\'s</a><a href="/2"> president</a> said today it rains.</p>'),
    # a link around a whole sentence
    ('<p><a href="/s">美国总统说今天下雨。</a></p>', '<p><a href="/s">America\'s president said today it rains.</a></p>'),
    # an element around a number and one around a Latin name
    ("<p><b>2024</b>年<a href='/who'>WHO</a>说下雨。</p>", "<p><b>2024</b> year <a href='/who'>WHO</a> said it rains.</p>"),
    # a link with no text (an image link) and a <br> inside a sentence
    ('<p><a href="/i"><img src="i.jpg"></a>美国总统<br>说<span class="x">今天</span>下雨。</p>',
     '<p><a href="/i"><img src="i.jpg"></a>America\'s president<br>said <span class="x">today</span> it rains.</p>'),
    # whitespace between two elements stays where it was, once
    ("<p><b>美国</b> <i>总统</i>说。</p>", "<p><b>America's</b> <i>president</i> said.</p>"),
])
def test_inline_elements_land_on_their_aligned_words(tmp_path, html, expected):
    assert _body(tmp_path, html, en()) == expected + "\n"


def test_japanese_words_are_placed_by_character(tmp_path):
    japanese = Engine(GlossaryBackend(JA, prefix=">>jpn<< "), None, "ja", prefix=">>jpn<< ")
    body = _body(tmp_path, '<p>美国总统说<a href="/t">今天</a>下雨。</p>', japanese)
    assert body == '<p>アメリカ大統領は言った<a href="/t">今日</a>雨が降る。</p>\n'


def test_reordered_words_keep_the_element_order_and_no_element_is_empty(tmp_path):
    backend = GlossaryBackend(EN, reverse=True)
    html = '<p>美国<a href="/p">总统</a>说<strong>今天</strong>下雨。</p>'
    body = _body(tmp_path, html, Engine(backend, None, "en"))
    assert all(text.strip() for text in inline_texts(body))
    # reversed, the best in-order placement still gives the link one of its own words
    assert "president" in inline_texts(body)[0] or "today" in inline_texts(body)[1]


def test_only_sentences_that_hold_an_element_ask_for_an_alignment(tmp_path):
    engine = en()
    _body(tmp_path, '<p>政府宣布新政策。美国总统说<a href="/t">今天</a>下雨。</p><p>新政策。</p>', engine)
    assert engine.backend.aligned_inputs == ["美国总统说今天下雨。"]
    assert sorted(engine.backend.inputs) == sorted(["标题", "政府宣布新政策。", "新政策。"])
    assert engine.stats.aligned == 1 and engine.stats.unaligned == 0


def test_a_long_sentence_split_for_the_model_still_places_its_link(tmp_path):
    engine = en()
    engine.limit = 12  # counted in characters by the fake: the sentence is cut at its comma
    body = _body(tmp_path, '<p>政府宣布新政策，美国总统说<a href="/t">今天</a>下雨。</p>', engine)
    assert len(engine.backend.aligned_inputs) > 1 and "".join(engine.backend.aligned_inputs) == "政府宣布新政策，美国总统说今天下雨。"
    assert '<a href="/t">today</a>' in body


def test_memory_keeps_the_alignment_and_an_old_row_is_made_again(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    html = '<p>美国总统说<a href="/t">今天</a>下雨。</p>'
    first = Engine(GlossaryBackend(EN), memory, "en")
    expected = _body(tmp_path, html, first)
    second = Engine(GlossaryBackend(EN), memory, "en")
    assert _body(tmp_path, html, second) == expected
    assert second.backend.aligned_inputs == [] and second.stats.memory_hits == 2
    # a row written without a map (before tag transfer, or not needed then) is translated again once
    memory.put(first.model_key, [("美国总统说今天下雨。", "America's president said today it rains.", "")])
    third = Engine(GlossaryBackend(EN), memory, "en")
    assert _body(tmp_path, html, third) == expected
    assert third.backend.aligned_inputs == ["美国总统说今天下雨。"]


def test_a_memory_from_before_tag_transfer_gains_the_column(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE memory (model TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
               " flags TEXT NOT NULL DEFAULT '', created REAL NOT NULL, PRIMARY KEY (model, source))")
    db.execute("INSERT INTO memory VALUES ('m', '源', 'source', '', 0)")
    db.commit()
    db.close()
    memory = TranslationMemory(path)
    assert memory.get("m", ["源"]) == {"源": "source"}
    assert memory.get_aligned("m", ["源"]) == {"源": ("source", "")}


def test_pivot_maps_compose(tmp_path):
    class Identity(GlossaryBackend):
        """English -> English, word for word: the second step of a pivot."""

        def _words(self, text):
            return [(m.start(), m.group()) for m in re.finditer(r"\S+", text)]

    pivot = PivotEngine([en(), Engine(Identity({}), None, "en")])
    pivot.target = "en"
    body = _body(tmp_path, '<p>美国总统说<a href="/t">今天</a>下雨。</p>', pivot)
    assert '<a href="/t">today</a>' in body


def test_without_alignment_words_are_placed_by_length_and_counted(tmp_path):
    post = tmp_path / "p.md"
    post.write_text('---\ntitle: "标题"\n---\n<p>美国<strong>总统</strong>说<a href="/t">今天</a>下雨。</p>\n',
                    encoding="utf-8")
    for translator in (Engine(Unaligned(GlossaryBackend(EN)), None, "en"), FakeTranslator("en")):
        for old in tmp_path.glob("p.*.md"):
            old.unlink()
        report = translate_posts([post], Config(to=("en",)), translators={"en": translator})
        body = parse_post((tmp_path / "p.en.md").read_bytes()).body
        assert tag_sequence(body) == tag_sequence(post.read_text(encoding="utf-8").split("---\n", 2)[2])
        assert all(text.strip() for text in inline_texts(body))
        assert report.as_dict()["inline"] == {"nodes": 5, "empty": 0, "by_length": 5, "unanchored": 0}
        assert "5 of them by length" in report.translation_lines()[-1]


def test_distribute_gives_every_node_a_piece_when_it_can():
    spans = [(0, 2), (2, 4), (4, 6)]
    pieces, unanchored = distribute("Hi", [0, 5], spans)
    assert pieces == ["H", "", ""] or all(pieces) is False  # two characters cannot fill three nodes
    pieces, unanchored = distribute("a b c d", [0, -1, 0, -1, 4, -1, 4], spans)
    # the middle node has no word of its own: it takes one by order, at the cost of one disagreement
    assert [p.strip() for p in pieces] in (["a b", "c", "d"], ["a", "b", "c d"])
    assert unanchored == 1
    pieces, unanchored = distribute("a b c d", [0, -1, 2, -1, 2, -1, 4], spans)
    assert pieces == ["a ", "b c ", "d"] and unanchored == 0


def test_piece_spans_follow_the_text_through_normalisation_and_unknown_pieces():
    text = "ＡＢ…美国<x>"
    pieces = ["\u2581AB", "...", "<unk>", "国", "<x>", "</s>"]
    assert piece_spans(text, pieces, frozenset({"</s>"})) == [(0, 2), (2, 3), (3, 4), (4, 5), (5, 8), (8, 8)]
    assert char_map("美国", ["\u2581美", "国"], "US A", ["\u2581US", "\u2581A"], [1, 0]) == [1, 1, -1, 0]


@pytest.mark.parametrize("backend_name, beams", [("transformers", 1), ("transformers", 3), ("ctranslate2", 1),
                                                  ("ctranslate2", 3)])
def test_real_backends_align_only_the_rows_asked_in_one_call(tiny_models, tmp_path, backend_name, beams):
    """The tiny models' attention is random: what is checked is the shape of the maps,
    that flagged rows get one and others none, and that the words are the same as
    without alignment (same batches, same decode)."""
    from nlp.models.registry import locate
    from nlp.translation.backends import make_backend
    from nlp.translation.backends.base import GenerationOptions

    if backend_name == "ctranslate2":
        pytest.importorskip("ctranslate2", reason="install the ct2 extra: pip install -e '.[all]'")
    for name, prefix in (("zh-en", ""), ("zh-ja", ">>jpn<< ")):
        model = locate(name, {name: str(tiny_models / name)})
        backend = make_backend(model, Config(device="cpu", cache_dir=tmp_path, backend=Backend(backend_name)),
                               GenerationOptions(num_beams=beams))
        texts = [prefix + s for s in ("美国总统说今天下雨。", "政府宣布新政策，市场反应积极。", "一二三")]
        plain = backend.generate(texts)
        aligned = backend.generate_aligned(texts, align=[True, False, True])
        assert [text for text, _ in aligned] == plain
        assert aligned[1][1] is None
        for source, (text, mapped) in (p for i, p in enumerate(zip(texts, aligned)) if i != 1):
            assert len(mapped) == len(text)
            assert all(-1 <= i < len(source) for i in mapped)


def test_a_space_before_the_first_element_is_not_its_only_text(tmp_path):
    """Corpus case: <p> <strong>名字：</strong>正文</p> with the space outside the element;
    a translator that aligns nothing used to give the element just that space."""
    class Silent(GlossaryBackend):
        def _translate(self, texts):
            return [(text, [-1] * len(text)) for text, _ in super()._translate(texts)]

    body = _body(tmp_path, "<p> <strong>美国总统：</strong>说今天下雨。</p>", Engine(Silent(EN), None, "en"))
    assert all(text.strip() for text in inline_texts(body)) and body.startswith("<p> <strong>")
