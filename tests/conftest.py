"""Shared fixtures: caches and configuration point at tmp_path; one jieba per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nlp.signature import ModelSignature

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
EXAMPLES = ROOT / "examples" / "posts"


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))


@pytest.fixture(scope="session")
def toolkit():
    from nlp.analysis.analyzer import Toolkit

    return Toolkit()


@pytest.fixture
def corpus_copy(tmp_path):
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture
def examples_copy(tmp_path):
    target = tmp_path / "posts"
    shutil.copytree(EXAMPLES, target)
    return target


def make_post(path: Path, title: str, body: str, extra: str = "") -> Path:
    path.write_text(f'---\nlayout: post\ntitle: "{title}"\n{extra}---\n{body}', encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Tiny random Marian models built once per session by scripts/make_tiny_models.py."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("tiny-models")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_tiny_models.py"), str(out)], check=True,
                   capture_output=True)
    return out


class FakeTranslator:
    """A deterministic stand-in for a model: marks each sentence, counts what it saw."""

    def __init__(self, lang: str = "en") -> None:
        # shaped like a real engine's signature, so that its request can be told apart
        self.signature = str(ModelSignature(f"zh-{lang}", "fake", "0", "fake", "test"))
        self.lang = lang
        self.seen: list[str] = []

    def translate(self, texts):
        self.seen.extend(texts)
        return [f"[{self.lang}]{t.strip()}" if t.strip() else t for t in texts]
