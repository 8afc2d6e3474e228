"""Fitting a Jekyll site: the keys its plugins read, the author's own values, links
between languages (issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nlp import __version__
from nlp.config import Config
from nlp.errors import ConfigError
from nlp.pipeline.enrich import enrich
from nlp.pipeline.translate import translate
from nlp.posts.post import read_post
from nlp.posts.site import init_site, permalink_pattern, sibling_keys
from nlp.signature import Provenance

from .conftest import FakeTranslator

BODY = "<p>港务局周一宣布，港口将在三年内扩建两个码头，投资总额为二十亿元。扩建后，港口吞吐量将增加一半。</p>\n"


def write(path, front=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: 港口扩建\n{front}---\n{BODY}", encoding="utf-8")
    return path


def test_summary_and_keywords_go_under_the_keys_the_site_reads(tmp_path):
    post = write(tmp_path / "2024-01-02-port.md")
    config = Config(summary_key="description", keywords_key="tags_zh", to=("en",))
    report = enrich([post], config, translators={"en": FakeTranslator("en")})
    assert report.count("done") == 1
    meta = read_post(post).meta
    assert meta["description"].startswith("港务局") and meta["tags_zh"]
    assert meta["description_en"].startswith("[en]") and meta["tags_zh_en"][0].startswith("[en]")
    assert "summary" not in meta and "keywords" not in meta and "summary_en" not in meta
    assert ":as=description" in meta["nlp"] and ":as=tags_zh" in meta["nlp"]
    # another key name is another request: the keys move, nothing is left behind
    enrich([post], Config())
    meta = read_post(post).meta
    assert "summary" in meta and "description" not in meta and "tags_zh_en" not in meta


def test_an_authors_summary_is_kept_translated_and_reported(tmp_path):
    post = write(tmp_path / "2024-01-02-port.md", "summary: 作者自己写的摘要。\n")
    original = post.read_text(encoding="utf-8")
    fake = FakeTranslator("en")
    report = enrich([post], Config(to=("en",)), translators={"en": fake})
    assert report.count("done") == 1 and report.count("failed") == 0
    assert [r.kept for r in report.results] == [("summary",)]
    assert report.as_dict()["kept"] == [{"path": str(post), "keys": ["summary"]}]
    assert "author's own values kept" in report.line()
    text = post.read_text(encoding="utf-8")
    assert text.startswith(original.split("---\n<p>")[0])  # the original front matter is a prefix
    meta = read_post(post).meta
    assert meta["summary"] == "作者自己写的摘要。" and meta["keywords"]
    assert meta["summary_en"] == "[en]作者自己写的摘要。"  # the author's summary is what gets translated
    assert Provenance.parse(meta["nlp"]).kept == ("summary",)
    # a rerun has nothing to do; --refresh redoes a post of an older version and still keeps the summary
    assert enrich([post], Config(to=("en",)), translators={"en": fake}).count("done") == 0
    post.write_text(text.replace(f'nlp: "{__version__} ', 'nlp: "0.0.9 '), encoding="utf-8")
    assert enrich([post], Config(to=("en",)), translators={"en": fake}).results[0].reason.startswith("done with an older")
    assert enrich([post], Config(to=("en",)), translators={"en": fake}, refresh=True).count("done") == 1
    assert post.read_text(encoding="utf-8") == text
    # the author edits the summary: the post is redone around the new one
    post.write_text(text.replace("作者自己写的摘要。", "作者改过的摘要。"), encoding="utf-8")
    assert enrich([post], Config(to=("en",)), translators={"en": fake}).count("done") == 1
    meta = read_post(post).meta
    assert meta["summary"] == "作者改过的摘要。" and meta["summary_en"] == "[en]作者改过的摘要。"


def test_author_values_under_both_keys_leave_nothing_to_add(tmp_path):
    post = write(tmp_path / "2024-01-02-port.md", "summary: 摘要。\nkeywords: [港口, 码头]\n")
    before = post.read_bytes()
    report = enrich([post], Config())
    assert report.count("skipped") == 1 and report.results[0].kept == ("keywords", "summary")
    assert post.read_bytes() == before


def test_the_project_file_sets_the_keys_and_the_command_line_wins(tmp_path):
    site = tmp_path / "site"
    post = write(site / "_posts" / "2024-01-02-port.md")
    (site / "nlp.toml").write_text('summary-key = "description"\n', encoding="utf-8")
    run = [sys.executable, "-m", "nlp", "enrich", str(post)]
    done = subprocess.run(run, cwd=site, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "description" in read_post(post).meta
    done = subprocess.run(run + ["--summary-key", "excerpt_zh"], cwd=site, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    meta = read_post(post).meta
    assert "excerpt_zh" in meta and "description" not in meta
    (site / "nlp.toml").write_text('summary_key = "x"\n', encoding="utf-8")
    done = subprocess.run(run, cwd=site, capture_output=True, text=True)
    assert done.returncode == 1 and "unknown setting 'summary_key'" in done.stderr and "Traceback" not in done.stderr
    (site / "nlp.toml").unlink()
    (site / "pyproject.toml").write_text('[tool.nlp]\nkeywords-key = "tags_zh"\n', encoding="utf-8")
    assert subprocess.run(run, cwd=site, capture_output=True, text=True).returncode == 0
    assert "tags_zh" in read_post(post).meta


@pytest.mark.parametrize("key", ["title", "nlp", "lang", "has space", ""])
def test_a_key_nlp_cannot_write_is_refused(key):
    with pytest.raises(ConfigError):
        Config(summary_key=key)


def test_siblings_sit_under_the_language_with_the_originals_url(tmp_path):
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("permalink: pretty\n", encoding="utf-8")
    post = write(site / "_posts" / "2024-01-02-港口 扩建.md")
    enrich([post], Config(to=("en",)), translators={"en": FakeTranslator("en")})
    translate([post], Config(to=("en",)), translators={"en": FakeTranslator("en")})
    permalink_pattern.cache_clear()
    sibling = read_post(site / "_posts" / "2024-01-02-港口 扩建.en.md").meta
    assert sibling["lang"] == "en" and sibling["translation_of"] == "2024-01-02-港口 扩建.md"
    assert sibling["slug"] == "港口 扩建" and sibling["permalink"] == "/en/:categories/:year/:month/:day/:title/"
    assert sibling["summary"] == read_post(post).meta["summary_en"]  # what the site shows as its description
    assert sibling["keywords"] == read_post(post).meta["keywords_en"]
    assert sibling_keys(post, {"permalink": "/port/"}, "ja") == {"permalink": "/ja/port/"}
    done = init_site(site)
    assert done.originals == 1 and done.siblings == 1
    assert json.loads(done.data.read_text(encoding="utf-8")) == {"2024-01-02-港口 扩建.md": ["en"]}
    assert "hreflang" in done.include.read_text(encoding="utf-8")


def test_site_init_needs_a_site(tmp_path):
    done = subprocess.run([sys.executable, "-m", "nlp", "site", "init", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 1 and "not a Jekyll site (no _posts folder)" in done.stderr


def test_a_bad_key_on_the_command_line_is_a_usage_error(tmp_path):
    post = write(tmp_path / "2024-01-02-port.md")
    done = subprocess.run([sys.executable, "-m", "nlp", "enrich", str(post), "--summary-key", "title"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "'title' is not a key nlp can write" in done.stderr
    assert "summary" not in read_post(post).meta
