"""The translation engine with tiny random models: structure, order, batching, caching."""

from collections import Counter

import pytest

from nlp.config import Config
from nlp.models.registry import locate
from nlp.translation.backends.base import GenerationOptions
from nlp.translation.backends.hf import TransformersBackend
from nlp.models.hygiene import problem
from nlp.translation.engine import Engine
from nlp.translation.memory import TranslationMemory

SENTENCES = ["我们今天去北京。", "经济增长放缓，市场反应积极。", "他说：“我们会继续努力。”", "政府今天宣布新的经济政策。",
             "学生们在图书馆里安静地读书。", "一二三"]


@pytest.fixture(scope="module")
def backend(tiny_models):
    model = locate("zh-en", {"zh-en": str(tiny_models / "zh-en")})
    return TransformersBackend(model, Config(device="cpu"), GenerationOptions(num_beams=1))


class Spy:
    """Wraps a backend and records every model input."""

    def __init__(self, inner):
        self.inner = inner
        self.inputs: list[str] = []
        self.retries: list[str] = []
        self.name = inner.name
        self.variant = inner.variant
        self.model_ref = inner.model_ref
        self.max_input_tokens = inner.max_input_tokens

    def count_tokens(self, texts):
        return self.inner.count_tokens(texts)

    def generate(self, texts, repetition_penalty=None):
        (self.retries if repetition_penalty else self.inputs).extend(texts)
        return self.inner.generate(texts, repetition_penalty)


def test_batched_equals_one_by_one(backend):
    batched = backend.generate(SENTENCES)
    single = [backend.generate([s])[0] for s in SENTENCES]
    assert batched == single
    assert len(set(batched)) > 1  # the outputs depend on the input


def test_outputs_are_in_the_target_script(backend):
    for text in backend.generate(SENTENCES):
        assert text and not any("\u4e00" <= c <= "\u9fff" for c in text)


def test_memory_hit_equals_fresh_and_costs_nothing(backend, tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    first = Engine(backend, memory, "en").translate(SENTENCES)
    spy = Spy(backend)
    second_engine = Engine(spy, memory, "en")
    assert second_engine.translate(SENTENCES) == first
    assert spy.inputs == [] and second_engine.stats.memory_hits == len(SENTENCES)


def test_each_distinct_sentence_reaches_the_model_once(backend):
    spy = Spy(backend)
    engine = Engine(spy, None, "en")
    segments = ["我们今天去北京。经济增长放缓，市场反应积极。", "我们今天去北京。", "  我们今天去北京。  "]
    out = engine.translate(segments)
    engine.translate(["经济增长放缓，市场反应积极。我们今天去北京。"])
    assert Counter(spy.inputs) == Counter({"我们今天去北京。": 1, "经济增长放缓，市场反应积极。": 1})
    assert out[2].startswith("  ") and out[2].endswith("  ")
    assert out[0].startswith(out[1].strip())


def test_numbers_urls_and_english_pass_through(backend):
    spy = Spy(backend)
    out = Engine(spy, None, "en").translate(["2020", "https://example.org/a", "Already English text.", "—"])
    assert out == ["2020", "https://example.org/a", "Already English text.", "—"] and spy.inputs == []


def test_no_model_input_exceeds_the_limit_for_the_longest_corpus_sentences(backend, toolkit, corpus_copy):
    from nlp.posts.post import read_post

    longest = []
    for path in corpus_copy.rglob("*.md"):
        if path.name == "README.md":
            continue
        doc = toolkit.from_post(read_post(path))
        longest += [s.text for s in doc.analysis.sentences if len(s.text) > 400]
    assert max(len(s) for s in longest) > 600
    longest += ["這是一個沒有標點的超長句子" * 300, "長句，" * 1400]  # the archive's longest is 3,892 characters

    class Recorder(Spy):
        def generate(self, texts, repetition_penalty=None):
            self.inputs.extend(texts)
            return ["x" * 10 for _ in texts]

    recorder = Recorder(backend)
    engine = Engine(recorder, None, "ja")
    out = engine.translate(longest)
    counts = backend.count_tokens(recorder.inputs)
    assert max(counts) <= backend.max_input_tokens == 512
    assert engine.stats.split_pieces > 0 and len(out) == len(longest)


def test_degenerate_outputs_are_detected_retried_and_recorded(backend, tmp_path):
    assert problem("我们今天去北京。", "the the the the the the the the", "en", strict=False) == "loop"
    assert problem("北京。", "A very long output that goes on and on and on for no reason at all", "en", strict=False) == "too-long"
    assert problem("我们今天去北京。", "We go to Beijing today.", "en", strict=False) == ""

    class Looping(Spy):
        def generate(self, texts, repetition_penalty=None):
            if repetition_penalty:
                return ["fixed" if "北京" in t else "ha" * 20 for t in texts]
            return ["ha" * 20 for _ in texts]

    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    engine = Engine(Looping(backend), memory, "en")
    assert engine.translate(["我们今天去北京。", "经济增长放缓。"]) == ["fixed", "ha" * 20]
    assert engine.stats.retried == 2 and engine.stats.degenerate == 1
    assert sorted(f for _, _, f in memory.flagged(engine.model_key)) == ["degenerate:loop", "retried"]


def test_memory_survives_parallel_writers(tmp_path):
    import threading

    path = tmp_path / "tm.sqlite3"

    def writer(n):
        memory = TranslationMemory(path)
        for i in range(50):
            memory.put("m", [(f"{n}-{i}", "t", "")])
        memory.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(TranslationMemory(path).get("m", [f"{n}-{i}" for n in range(4) for i in range(50)])) == 200


def test_a_folder_that_is_not_a_model_says_so_and_does_not_offer_our_pull(tmp_path):
    from nlp.errors import ConfigError

    with pytest.raises(ConfigError, match="is not a model folder \\(no config.json in it\\)") as info:
        locate("zh-en", {"zh-en": str(tmp_path)})
    assert "pull" not in str(info.value)
    with pytest.raises(ConfigError, match="no such folder"):
        locate("zh-en", {"zh-en": str(tmp_path / "typo")})


def test_offline_without_cache_names_the_model_and_the_pull_command():
    from nlp.errors import ModelMissingError

    with pytest.raises(ModelMissingError) as info:
        locate("zh-en")
    message = str(info.value)
    assert "Helsinki-NLP/opus-mt-zh-en" in message and "HF_HUB_OFFLINE=1" in message
    assert message.endswith("run `nlp models pull zh-en`") and "\n" not in message


def test_config_uses_registry_names(tmp_path):
    from nlp.errors import ConfigError
    from nlp.models.registry import translation_name

    assert translation_name("ja") == "zh-ja"
    with pytest.raises(ConfigError, match="--to takes: en, ja"):
        translation_name("fr")
    assert Config(to=("en",)).to == ("en",)


def test_ctranslate2_float32_greedy_equals_transformers(tiny_models, tmp_path):
    pytest.importorskip("ctranslate2", reason="install the ct2 extra: pip install -e '.[all]'")
    from nlp.translation.backends.ct2 import CTranslate2Backend

    options = GenerationOptions(num_beams=1)
    config = Config(cache_dir=tmp_path, compute_type="float32")
    for name in ("zh-en", "zh-ja"):  # shared and separate vocabularies
        model = locate(name, {name: str(tiny_models / name)})
        expected = TransformersBackend(model, Config(device="cpu"), options).generate(SENTENCES)
        ct2 = CTranslate2Backend(model, config, options)
        assert ct2.generate(SENTENCES) == expected
        assert sorted(p.name for p in (tmp_path / "ct2").iterdir() if not p.name.startswith("."))
    # the conversion is cached: a second backend does not convert again
    before = {p: p.stat().st_mtime for p in (tmp_path / "ct2").rglob("model.bin")}
    CTranslate2Backend(locate("zh-en", {"zh-en": str(tiny_models / "zh-en")}), config, options)
    assert {p: p.stat().st_mtime for p in (tmp_path / "ct2").rglob("model.bin")} == before


TRADITIONAL = "政府今天宣佈新的經濟政策。學生們在圖書館裡安靜地讀書。"
SIMPLIFIED = "政府今天宣布新的经济政策。学生们在图书馆里安静地读书。"


def test_a_simplified_trained_model_reads_a_traditional_post_as_its_simplified_twin(backend, tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite3")
    seen = {}
    for text in (TRADITIONAL, SIMPLIFIED):
        spy = Spy(backend)
        Engine(spy, None, "en", script="simplified").translate([text])
        seen[text] = spy.inputs
    assert seen[TRADITIONAL] == seen[SIMPLIFIED] == ["政府今天宣布新的经济政策。", "学生们在图书馆里安静地读书。"]
    # the memory keys on what the model read: the twin costs nothing
    first = Engine(backend, memory, "en", script="simplified")
    translated = first.translate([TRADITIONAL])
    spy = Spy(backend)
    twin = Engine(spy, memory, "en", script="simplified")
    assert twin.translate([SIMPLIFIED]) == translated and spy.inputs == []
    assert first.signature.split(":")[1].endswith("+t2s")  # the provenance says the input was converted


def test_a_model_for_any_script_reads_the_post_as_written(backend):
    spy = Spy(backend)
    engine = Engine(spy, None, "en")
    engine.translate([TRADITIONAL])
    assert spy.inputs == ["政府今天宣佈新的經濟政策。", "學生們在圖書館裡安靜地讀書。"]
    assert "+t2s" not in engine.signature


def test_the_registry_says_which_script_each_model_reads():
    from nlp.models.registry import registry

    assert registry()["zh-en"].script == "simplified" and registry()["zh-ja"].script == "any"


def test_ctranslate2_reads_source_pieces_from_the_source_vocabulary(tiny_models, tmp_path):
    """A tc-big model has separate vocabularies: its source ids must not be turned back
    into pieces through the target one (random tiny models translate any input to the
    same garbage, so only the pieces themselves show it)."""
    pytest.importorskip("ctranslate2", reason="install the ct2 extra: pip install -e '.[all]'")
    from nlp.translation.backends.ct2 import CTranslate2Backend

    for name, prefix in (("zh-en", ""), ("zh-ja", ">>jpn<< ")):
        model = locate(name, {name: str(tiny_models / name)})
        ct2 = CTranslate2Backend(model, Config(cache_dir=tmp_path), GenerationOptions(num_beams=1))
        for sentence in SENTENCES:
            ids = ct2.tokenizer([prefix + sentence])["input_ids"][0]
            vocab = ct2.tokenizer.get_vocab()  # the tiny vocabularies lack some pieces: <unk>
            expected = [p if p in vocab else "<unk>" for p in ct2.tokenizer.tokenize(prefix + sentence)] + ["</s>"]
            assert ct2.source_pieces(ids) == expected
            if name == "zh-ja":  # what the backend used to send: the target vocabulary's pieces
                assert ct2.tokenizer.convert_ids_to_tokens(ids) != expected
    assert ct2.memory_epoch == "src-pieces"  # its old memory rows are not reused
