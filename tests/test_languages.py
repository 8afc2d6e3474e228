"""The language table: every language check reads one row, and a language other than
English and Japanese is written right (sentences joined, its fields replaced on a re-run)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nlp.config import Backend, Config
from nlp.errors import ConfigError
from nlp.languages import LANGUAGES, SOURCE, language, opus_token, target_codes, written_in
from nlp.models.hygiene import problem
from nlp.models.registry import registry, translation_name
from nlp.models.runtimes import DECODER, RUNTIMES, SEQ2SEQ, runtime_class
from nlp.pipeline.enrich import enrich
from nlp.posts.post import MANAGED_KEYS, OutputKeys, read_post
from nlp.translation.engine import Engine
from nlp.translation.translator import target_prefix

FRENCH = {"第一句。": "Première phrase.", "第二句。": "Deuxième phrase.", "标题": "Titre", "经济": "économie"}


class Dictionary:
    """A backend that looks each input up (prefix removed), and records what it read."""

    name = Backend.transformers
    variant = "fake"
    max_input_tokens = 512

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.model_ref = SimpleNamespace(name="zh-fr", ref="dictionary", revision="0")
        self.inputs: list[str] = []

    def count_tokens(self, texts):
        return [len(t) for t in texts]

    def generate(self, texts, repetition_penalty=None):
        self.inputs.extend(texts)
        return [self.table.get(t.split(">> ")[-1], t) for t in texts]


def test_every_registry_language_has_a_row():
    targets = {spec.target for spec in registry().values() if spec.task == "translation" and spec.target}
    assert targets <= set(LANGUAGES)
    assert SOURCE not in target_codes() and {"en", "ja"} <= set(target_codes())


@pytest.mark.parametrize("code", ["fr", "de", "es"])
def test_sentences_of_a_latin_language_are_joined_with_a_space(code):
    """Before the table, only English got the space: ``Première phrase.Deuxième phrase.``"""
    out = Engine(Dictionary(FRENCH), None, code).translate(["第一句。第二句。", "标题"])
    assert out == ["Première phrase. Deuxième phrase.", "Titre"]


def test_japanese_sentences_are_joined_with_nothing():
    table = {"第一句。": "一文目。", "第二句。": "二文目。"}
    assert Engine(Dictionary(table), None, "ja").translate(["第一句。第二句。"]) == ["一文目。二文目。"]


def test_only_english_passes_latin_sentences_through():
    english = Dictionary({})
    assert Engine(english, None, "en").translate(["Already English."]) == ["Already English."]
    assert english.inputs == []
    french = Dictionary({"Already English.": "Déjà anglais."})
    assert Engine(french, None, "fr").translate(["Already English."]) == ["Déjà anglais."]


def test_an_unknown_language_is_one_clear_error():
    with pytest.raises(ConfigError, match="unknown language 'vi'.*nlp/languages.py"):
        Engine(Dictionary({}), None, "vi")
    with pytest.raises(ConfigError, match="unknown language 'vi'"):
        translation_name("vi", {"zh-vi": "some/model"})
    assert translation_name("fr", {"zh-fr": "some/model"}) == "zh-fr"


def test_script_tests_read_the_row():
    assert written_in("Première phrase.", "fr") and not written_in("第一句。", "fr")
    assert written_in("これは日本語です。", "ja") and not written_in("This is English.", "ja")
    assert written_in("첫 번째 문장입니다.", "ko") and not written_in("第一句。", "ko")
    assert written_in("这是中文。", "zh") and not written_in("これは日本語です。", "zh")


def test_one_check_two_strengths():
    source, long_output = "北京。", "A very long output that goes on and on and on for no reason at all"
    assert problem(source, long_output, "en", strict=False) == "too-long"
    assert problem("我们今天去北京，天气很好，大家都很高兴。", "这是中文。", "en", strict=True) == "language"
    assert problem("我们今天去北京，天气很好，大家都很高兴。", "这是中文。", "en", strict=False) == ""
    # the thresholds are the row's
    assert language("ja").ratio == (0.4, 3.0) and language("en").runaway == 8.0


def test_a_multi_target_model_given_by_folder_gets_its_language_token():
    """The registry's zh-ja entry says ``>>jpn<<``; the same model named by a folder did
    not get it, and translated into whatever language it liked."""
    vocabulary = {">>jpn<<": 1, ">>fra<<": 2, "▁a": 3}
    backend = SimpleNamespace(tokenizer=SimpleNamespace(get_vocab=lambda: vocabulary))
    assert opus_token("ja") == ">>jpn<<"
    assert target_prefix(backend, "ja") == ">>jpn<< " and target_prefix(backend, "fr") == ">>fra<< "
    assert target_prefix(backend, "de") == ""  # not in this model's vocabulary
    assert target_prefix(SimpleNamespace(tokenizer=SimpleNamespace(get_vocab=lambda: {"▁a": 3})), "ja") == ""


def test_every_backend_has_both_runtimes_and_a_missing_one_is_a_clear_error(monkeypatch):
    assert set(RUNTIMES) == set(Backend)
    for backend in Backend:
        assert runtime_class(backend, DECODER).__name__.endswith("LM")
    monkeypatch.delitem(RUNTIMES, Backend.ctranslate2)
    with pytest.raises(ConfigError, match="ctranslate2 backend cannot run seq2seq models"):
        runtime_class(Backend.ctranslate2, SEQ2SEQ)


def test_output_keys_are_declared_once():
    keys = OutputKeys("description", "tags")
    assert keys.translated("summary", "fr") == "description_fr" and keys.key("title") == "title"
    assert {"description", "tags", "title_fr", "description_fr", "tags_ko", "summary_en", "nlp"} <= keys.managed
    assert {"title_fr", "summary_de", "keywords_es"} <= MANAGED_KEYS


POST = "---\ntitle: 经济\nlayout: post\n---\n<p>第一句。第二句。</p>\n"


class French:
    signature = "zh-fr=dictionary@0:transformers:fake:b1"

    def __init__(self):
        self.engine = Engine(Dictionary(FRENCH), None, "fr")

    def translate(self, texts):
        return self.engine.translate(texts)


def test_a_rerun_replaces_a_french_field_instead_of_adding_a_second(tmp_path):
    """Before the table, ``title_fr`` was not known as ours: each re-run added one more."""
    post = tmp_path / "2020-01-01-a.md"
    post.write_text(POST, encoding="utf-8")
    config = Config(to=("fr",), cache_dir=tmp_path / "cache", workers=1)
    first = enrich([post], config, translators={"fr": French()})
    assert first.count("done") == 1, first.failures
    once = post.read_text(encoding="utf-8")
    assert once.count("title_fr:") == 1 and 'title_fr: "économie"' in once
    assert 'summary_fr: "Première phrase. Deuxième phrase."' in once
    again = enrich([post], config, translators={"fr": French()}, refresh=True)
    assert not again.failures
    post.write_text(once.replace("第二句。", "第二句。第一句。"), encoding="utf-8")  # an edit: the post is redone
    enrich([post], config, translators={"fr": French()})
    text = post.read_text(encoding="utf-8")
    assert text.count("title_fr:") == 1 and text.count("summary_fr:") == 1
    assert read_post(post).meta["title_fr"] == "économie"
