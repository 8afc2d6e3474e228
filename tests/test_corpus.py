"""Golden run over the real archive sample: every original byte survives."""

import re

import pytest

from nlp.analysis.boilerplate import _COMPILED
from nlp.pipeline.enrich import enrich
from nlp.posts.post import parse_post

from .conftest import CORPUS


def test_enrich_keeps_every_original_byte(corpus_copy):
    report = enrich([corpus_copy])
    assert report.count("failed") == 0
    posts = 0
    for original in sorted(CORPUS.rglob("*")):
        if not original.is_file():
            continue
        new = corpus_copy / original.relative_to(CORPUS)
        before, after = original.read_bytes(), new.read_bytes()
        if not before.startswith(b"---"):
            assert after == before, new
            continue
        posts += 1
        old_post, new_post = parse_post(before, original), parse_post(after, new)
        assert new_post.front_matter.startswith(old_post.front_matter), new
        assert new_post.body == old_post.body and after.endswith(old_post.body.encode()), new
        assert after.startswith(before[: len(old_post.text[: old_post.fm_end].encode())]), new
        summary = new_post.meta.get("summary", "")
        for reason, pattern in _COMPILED:
            if reason in ("copyright", "footer", "related"):
                assert not pattern.search(summary), (new, reason, summary)
        if summary:
            assert new_post.meta["keywords"], new
    assert posts == 220
    # posts with text all got a summary (the empty, image-only and title-only ones did not)
    with_summary = sum(1 for p in corpus_copy.rglob("*.md") if re.search(rb"^summary: ", p.read_bytes(), re.M))
    assert with_summary >= 210

    snapshot = {p: p.read_bytes() for p in corpus_copy.rglob("*") if p.is_file()}
    again = enrich([corpus_copy])
    assert again.count("done") == 0 and again.count("failed") == 0
    assert {p: p.read_bytes() for p in corpus_copy.rglob("*") if p.is_file()} == snapshot


@pytest.mark.slow
def test_enrich_with_tiny_translation_models_keeps_every_byte(corpus_copy, tiny_models):
    """The whole sample with both tiny models: every post with text gets title_*/summary_*."""
    from nlp.config import Config

    config = Config(to=("en", "ja"), models={"zh-en": str(tiny_models / "zh-en"), "zh-ja": str(tiny_models / "zh-ja")},
                    cache_dir=corpus_copy.parent / "cache")
    report = enrich([corpus_copy], config)
    # One image-only post's whole text is its title, 每日一语 (每日|一语: a pronoun-led
    # phrase, not a keyword): no summary, no keywords, but its title is translated.
    assert report.count("failed") == 0 and report.count("done") == 220
    title_only = parse_post((corpus_copy / "waimei-recent" / "2024-07-10-每日一语 2024.7.9.md").read_bytes()).meta
    assert title_only["title_en"] and title_only["title_ja"] and "summary" not in title_only and "keywords" not in title_only
    for original in sorted(CORPUS.rglob("*.md")):
        if original.name == "README.md":
            continue
        old_post = parse_post(original.read_bytes(), original)
        new_post = parse_post((corpus_copy / original.relative_to(CORPUS)).read_bytes())
        assert new_post.front_matter.startswith(old_post.front_matter) and new_post.body == old_post.body
        if new_post.meta.get("summary"):
            for key in ("summary_en", "keywords_en", "summary_ja", "keywords_ja"):
                assert new_post.meta.get(key), (original.name, key)
            for key in ("title_en", "title_ja"):
                assert bool(new_post.meta.get(key)) == bool(old_post.title), (original.name, key)
