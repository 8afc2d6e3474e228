"""The run state: unchanged posts are skipped unread, older signatures wait for --refresh."""

from __future__ import annotations

import re

import pytest

from nlp.pipeline import enrich as enrich_module
from nlp.config import Config
from nlp.pipeline.enrich import enrich
from nlp.pipeline.results import OLDER
from nlp.pipeline.runstate import skip_reason
from nlp.signature import EnrichSignature, ModelSignature, PivotSignature, Provenance, request_of
from nlp.pipeline.translate import translate as translate_posts

from .conftest import FakeTranslator


def statuses(report):
    return sorted((r.status, r.reason) for r in report.results)


def age_provenance(path, old_version="0.0.1"):
    """Make ``path`` look enriched by an older release (same request, same content)."""
    text = path.read_text(encoding="utf-8")
    aged = re.sub(r"^nlp: (['\"]?)\S+ ", rf"nlp: \g<1>{old_version} ", text, count=1, flags=re.MULTILINE)
    assert aged != text
    path.write_text(aged, encoding="utf-8")


def test_request_ignores_version_revision_and_backend_only():
    a = "0.1.0 kw=phrase-tfidf:k5:idf=jieba sum=textrank:s2:c200 mt=en:zh-en=Helsinki-NLP/opus-mt-zh-en@6b02b2132d97:ctranslate2-int8:bmodel:r2.5"
    b = "0.2.0 kw=phrase-tfidf:k5:idf=jieba sum=textrank:s2:c200 mt=en:zh-en=Helsinki-NLP/opus-mt-zh-en@0123456789ab:transformers-fp32:bmodel:r2.5"
    assert request_of(a) == request_of(b)
    assert request_of(a) != request_of(a.replace(":k5:", ":k8:"))
    assert request_of(a) != request_of(a.replace("mt=en:", "mt=ja:"))
    assert skip_reason(f"{b} src=abc", a, "abc", refresh=False) == OLDER
    assert skip_reason(f"{b} src=abc", a, "abc", refresh=True) is None
    assert skip_reason(f"{a} src=abc", a, "abc", refresh=True) == "up to date"
    assert skip_reason(f"{a} src=abc", a, "def", refresh=False) is None
    assert skip_reason(None, a, "abc", refresh=False) is None


ENRICH = ("0.1.0 kw=phrase-tfidf:k5:idf=jieba sum=abs:csebuetnlp/mT5_multilingual_XLSum@2437a524effd:s2:c200 "
          "mt=en:zh-en=Helsinki-NLP/opus-mt-zh-en@6b02b2132d97:ctranslate2-int8:bmodel:r2.5;"
          "ja:pivot(zh-en=/models/zh-en@local-0a1b2c:transformers-fp32:bmodel:r2.5,"
          "en-ja=Helsinki-NLP/opus-tatoeba-en-ja@0123456789ab:transformers-fp32:bmodel:r2.5)")


def test_signatures_format_what_they_parse():
    parsed = EnrichSignature.parse(ENRICH)
    assert parsed is not None and str(parsed) == ENRICH
    assert parsed.version == "0.1.0" and [lang for lang, _ in parsed.mt] == ["en", "ja"]
    pivot = PivotSignature.parse(dict(parsed.mt)["ja"])
    assert pivot is not None and [p.name for p in pivot.parts] == ["zh-en", "en-ja"]
    assert pivot.parts[0].ref == "/models/zh-en" and pivot.parts[0].backend == "transformers"
    model = ModelSignature.parse(dict(parsed.mt)["en"])
    assert model == ModelSignature("zh-en", "Helsinki-NLP/opus-mt-zh-en", "6b02b2132d97", "ctranslate2", "int8", "bmodel:r2.5")
    provenance = Provenance.parse(f"{ENRICH} src=abc123")
    assert (provenance.signature, provenance.source_hash) == (ENRICH, "abc123") and str(provenance).endswith(" src=abc123")


def test_request_drops_any_backend_and_revision_but_keeps_what_was_asked():
    newer = (ENRICH.replace("0.1.0", "0.3.0").replace("@2437a524effd", "@ffffffffffff")
             .replace("ctranslate2-int8", "vllm-bf16").replace("local-0a1b2c", "local-999999"))
    assert request_of(newer) == request_of(ENRICH)  # a backend this module never heard of
    assert request_of(ENRICH.replace(":c200", ":c150")) != request_of(ENRICH)
    assert request_of(ENRICH.replace("mT5_multilingual_XLSum", "other")) != request_of(ENRICH)
    assert request_of(ENRICH.replace("/models/zh-en", "/models/other")) != request_of(ENRICH)
    assert request_of("not a signature") == "not a signature"


def test_unchanged_posts_are_skipped_without_being_read(examples_copy, monkeypatch):
    first = enrich([examples_copy])
    assert first.count("done") == 3

    def no_reading(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(enrich_module, "read_post", no_reading)
    again = enrich([examples_copy], Config(workers=2))
    assert statuses(again) == [("skipped", "up to date")] * 3


def test_edited_post_is_read_and_redone_and_lost_state_falls_back_to_files(examples_copy, tmp_path):
    enrich([examples_copy])
    post = sorted(examples_copy.glob("*.md"))[0]
    post.write_text(post.read_text(encoding="utf-8").replace("</div>", "<p>补充一句新的内容。</p></div>", 1), encoding="utf-8")
    report = enrich([examples_copy])
    assert [r.path for r in report.results if r.status == "done"] == [str(post)]
    (tmp_path / "cache" / "runs.sqlite3").unlink()
    assert statuses(enrich([examples_copy])) == [("skipped", "up to date")] * 3


@pytest.mark.parametrize("workers", [1, 2])
def test_older_signature_waits_for_refresh_but_a_new_request_does_not(examples_copy, workers):
    enrich([examples_copy])
    posts = sorted(examples_copy.glob("*.md"))
    age_provenance(posts[0])
    report = enrich([examples_copy], Config(workers=workers))
    assert statuses(report) == [("skipped", OLDER)] + [("skipped", "up to date")] * 2
    assert "1 done with an older signature: --refresh redoes them" in report.line()
    refreshed = enrich([examples_copy], Config(workers=workers), refresh=True)
    assert [r.path for r in refreshed.results if r.status == "done"] == [str(posts[0])]
    assert "0.0.1" not in posts[0].read_text(encoding="utf-8")
    other_request = enrich([examples_copy], Config(top_k=3, workers=workers))
    assert other_request.count("done") == 3


def test_translation_siblings_resume_and_refresh(examples_copy):
    translators = {"en": FakeTranslator("en")}
    config = Config(to=("en",))
    first = translate_posts([examples_copy], config, translators=translators)
    assert first.count("done") == 3 and first.as_dict()["sentences"] > 0
    sibling = sorted(examples_copy.glob("*.en.md"))[0]
    sibling.write_text(sibling.read_text(encoding="utf-8").replace("fake@0:", "fake@0ld:", 1), encoding="utf-8")
    again = translate_posts([examples_copy], config, translators=translators)
    reasons = [r.reason for r in again.results if r.status == "skipped"]
    assert reasons.count(OLDER) == 1 and reasons.count("a translation written by nlp") == 3
    refreshed = translate_posts([examples_copy], config, translators=translators, refresh=True)
    assert refreshed.count("done") == 1
    assert "fake@0ld:" not in sibling.read_text(encoding="utf-8")


def test_translate_rerun_reads_neither_posts_nor_siblings(examples_copy, monkeypatch):
    from nlp.pipeline import translate as module

    translators = {"en": FakeTranslator("en")}
    assert translate_posts([examples_copy], Config(to=("en",)), translators=translators).count("done") == 3
    translate_posts([examples_copy], Config(to=("en",)), translators=translators)  # records the siblings too

    def no_reading(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(module, "read_post", no_reading)
    again = translate_posts([examples_copy], Config(to=("en",)), translators=translators)
    assert statuses(again) == [("skipped", "a translation written by nlp")] * 3 + [("skipped", "up to date")] * 3
