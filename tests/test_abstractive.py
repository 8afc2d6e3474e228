"""Abstractive summaries with a tiny random mT5: limits, chunking, CLI end to end."""

import re

import pytest

from nlp.analysis.analyzer import Toolkit
from nlp.config import Config
from nlp.posts.post import read_post

from .conftest import CORPUS
from .test_cli import run


@pytest.fixture(scope="module")
def abstractive(tiny_models):
    return Toolkit(Config(summarizer=str(tiny_models / "summarizer"), sentences=1))


@pytest.mark.slow
def test_no_model_input_exceeds_the_limit_on_the_longest_posts(abstractive):
    posts = sorted((p for p in CORPUS.rglob("*.md") if p.name != "README.md"), key=lambda p: p.stat().st_size)[-3:]
    summarizer = abstractive.summarizer
    for path in posts:
        doc = abstractive.from_post(read_post(path))
        summary = abstractive.summary(doc)
        assert summary and len(summary) <= abstractive.config.summary_chars
    counts = summarizer.count_tokens(summarizer.inputs)
    assert max(counts) <= summarizer.max_input_tokens == 512
    assert len(summarizer.inputs) > 10  # long posts were cut into many pieces, then combined


def test_boilerplate_never_reaches_the_model(abstractive):
    doc = abstractive.from_text("<p>正文第一句。</p><p>责任编辑：某某</p><p>© 2020 某社 版权所有</p>")
    abstractive.summarizer.inputs.clear()
    abstractive.summary(doc)
    assert abstractive.summarizer.inputs == ["正文第一句。"]


def test_cli_summarize_and_enrich_with_a_model(capsys, monkeypatch, examples_copy, tiny_models):
    model = str(tiny_models / "summarizer")
    code, out, _ = run(capsys, monkeypatch, "summarize", str(examples_copy), "--summarizer", model, "--json")
    assert code == 0 and len(out.splitlines()) == 3
    code, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--summarizer", model)
    assert code == 0 and "3 done" in err
    post = read_post(sorted(examples_copy.glob("*.md"))[0])
    assert post.meta["summary"] and re.search(r"sum=abs:.*summarizer@local-\w+", post.meta["nlp"])


def test_missing_summarizer_model_is_one_clear_error(capsys, monkeypatch, examples_copy):
    before = {p: p.read_bytes() for p in examples_copy.iterdir()}
    code, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--summarizer", "summarizer")
    assert code == 1
    assert err.startswith("Error: model summarizer (csebuetnlp/mT5_multilingual_XLSum) is not available")
    assert "nlp models pull summarizer" in err and err.count("\n") == 1
    assert {p: p.read_bytes() for p in examples_copy.iterdir()} == before
