"""Translated sibling posts: markup kept, originals untouched, CLI end to end offline."""

import re

from nlp.config import Config
from nlp.posts.html import tag_sequence
from nlp.posts.post import parse_post, read_post
from nlp.pipeline.translate import translate as translate_posts

from .conftest import CORPUS, FakeTranslator
from .test_cli import run


def test_siblings_keep_the_tag_structure_of_every_corpus_post(corpus_copy):
    fake = FakeTranslator("en")
    report = translate_posts([corpus_copy], Config(to=("en",)), translators={"en": fake})
    assert report.count("failed") == 0 and report.count("done") == 220
    for original in CORPUS.rglob("*.md"):
        if original.name == "README.md":
            continue
        copy = corpus_copy / original.relative_to(CORPUS)
        assert copy.read_bytes() == original.read_bytes()
        sibling = copy.with_name(copy.stem + ".en.md")
        source, translated = read_post(copy), read_post(sibling)
        assert tag_sequence(translated.body) == tag_sequence(source.body), sibling
        assert translated.meta["lang"] == "en" and translated.meta["translation_of"] == copy.name
        assert translated.meta["title"].startswith("[en]") or not source.title
        for key in ("date", "author", "from", "tags", "categories"):
            assert translated.meta.get(key) == source.meta.get(key)
    # script, style and code are never sent to the model; every sentence is sent once
    assert not any("function(" in s or "{display" in s for s in fake.seen)


def test_inline_markup_is_one_sentence_and_attributes_stay(tmp_path):
    post = tmp_path / "p.md"
    post.write_text(
        '---\ntitle: "标题"\n---\n<p>美国<strong>总统</strong>说<a href="https://x.org/?a=1&amp;b=2" title="链接">今天</a>下雨。</p>'
        "<script>var s = '中文';</script><pre><code>代码 = 1</code></pre><img src=\"a.jpg\" alt=\"图\">\n",
        encoding="utf-8",
    )
    fake = FakeTranslator("en")
    translate_posts([post], Config(to=("en",)), translators={"en": fake})
    body = parse_post((tmp_path / "p.en.md").read_bytes()).body
    # one sentence, one model input; a translator with no alignment fills every element by length
    assert body == ('<p>[en<strong>]美国</strong>总<a href="https://x.org/?a=1&amp;b=2" title="链接">统说今</a>天下雨。</p>'
                    "<script>var s = '中文';</script><pre><code>代码 = 1</code></pre><img src=\"a.jpg\" alt=\"图\">\n")
    assert fake.seen == ["标题", "美国总统说今天下雨。"]


def test_markdown_title_link_keeps_its_url(tmp_path):
    post = tmp_path / "p.md"
    post.write_text('---\ntitle: "标题"\n---\n[标题](https://x.org/a)\n------\n\n<div>正文。</div>\n', encoding="utf-8")
    translate_posts([post], Config(to=("en",)), translators={"en": FakeTranslator("en")})
    body = parse_post((tmp_path / "p.en.md").read_bytes()).body
    assert body == "[[en]标题](https://x.org/a)\n------\n\n<div>[en]正文。</div>\n"


def test_cli_translate_and_enrich_offline_with_tiny_models(capsys, monkeypatch, examples_copy, tiny_models):
    models = ["--model", f"zh-en={tiny_models / 'zh-en'}", "--model", f"zh-ja={tiny_models / 'zh-ja'}"]
    originals = {p: p.read_bytes() for p in examples_copy.iterdir()}
    code, _, err = run(capsys, monkeypatch, "translate", str(examples_copy), "--to", "en,ja", *models)
    assert code == 0 and "3 done, 0 skipped, 0 failed" in err
    for path, data in originals.items():
        assert path.read_bytes() == data
        for lang in ("en", "ja"):
            sibling = path.with_name(f"{path.stem}.{lang}.md")
            translated = read_post(sibling)
            assert tag_sequence(translated.body) == tag_sequence(read_post(path).body)
            assert translated.meta["lang"] == lang and "tiny" not in translated.meta["title"]
    code, _, err = run(capsys, monkeypatch, "translate", str(examples_copy), "--to", "en,ja", *models)
    assert "0 done, 9 skipped" in err  # 3 up to date, 6 translations written by nlp

    code, out, _ = run(capsys, monkeypatch, "translate", "-", "--to", "en", *models, stdin="我们今天去北京。\n2020\n")
    assert code == 0 and len(out.splitlines()) == 2 and out.splitlines()[1] == "2020"

    code, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--to", "en,ja", *models)
    assert code == 0 and "3 done, 6 skipped" in err  # the siblings are skipped as translations
    for path, data in originals.items():
        post = read_post(path)
        assert post.text.startswith(data.decode("utf-8").split("\n---\n")[0])
        assert all(post.meta.get(k) for k in ("title_en", "summary_en", "keywords_en", "title_ja", "summary_ja"))
        assert "zh-en=" in post.meta["nlp"] and "zh-ja=" in post.meta["nlp"]


def test_missing_model_fails_before_any_file_is_touched(capsys, monkeypatch, examples_copy):
    before = {p: p.read_bytes() for p in examples_copy.iterdir()}
    code, out, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--to", "en")
    assert code == 1 and out == ""
    assert re.fullmatch(r"Error: model zh-en \(Helsinki-NLP/opus-mt-zh-en\) is not available: looked in .*"
                        r"HF_HUB_OFFLINE=1\); on a connected machine run `nlp models pull zh-en`\n", err)
    assert {p: p.read_bytes() for p in examples_copy.iterdir()} == before


def test_models_list_and_verify(capsys, monkeypatch, tiny_models):
    code, out, _ = run(capsys, monkeypatch, "models", "list")
    assert code == 0 and re.search(r"^zh-en\s+translation\s+Helsinki-NLP/opus-mt-zh-en\s+CC-BY-4.0\s+\S+ MB\s+missing$", out, re.M)
    code, out, _ = run(capsys, monkeypatch, "models", "verify", "zh-en", "--model", f"zh-en={tiny_models / 'zh-en'}")
    assert code == 1 and out.count("FAIL ") == 3 and "zh-en: 3 of 3 known pairs came out wrong" in out
