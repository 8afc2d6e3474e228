"""The decoder-only (LLM) tier: output hygiene, block translation with markup and its
fallbacks, checked summaries, with scripted fakes; then the tiny Qwen3 end to end on
both runtimes."""

from __future__ import annotations

import re
import shutil
from types import SimpleNamespace

import pytest

from nlp.analysis.abstractive import LLMSummarizer, numbers, summary_problem
from nlp.analysis.summarize import SummaryOptions
from nlp.config import Backend, Config
from nlp.models.llm import DECODER, SEQ2SEQ, Prompts, model_kind
from nlp.models.hygiene import clean, in_language, problem
from nlp.pipeline.results import FileResult, Report, Status
from nlp.pipeline.translate import translate as translate_posts
from nlp.posts.html import inline_texts, tag_sequence
from nlp.posts.post import parse_post, read_post
from nlp.translation.engine import BlockEngine
from nlp.translation.memory import TranslationMemory

from .conftest import make_post

# -- hygiene


@pytest.mark.parametrize("raw, expected", [
    ("<think>\nThe user wants English.\n</think>\n\nThe president spoke.", "The president spoke."),
    ("<think>\n\n</think>\n\nThe president spoke.", "The president spoke."),
    ("Here is the translation:\nThe president spoke.", "The president spoke."),
    ("Sure! Here's the English translation of the text: The president spoke.", "The president spoke."),
    ("Translation: The president spoke.", "The president spoke."),
    ("以下是翻译：大統領は話した。", "大統領は話した。"),
    ("翻訳：大統領は話した。", "大統領は話した。"),
    ('"The president spoke."', "The president spoke."),
    ("「大統領は話した。」", "大統領は話した。"),
    ("The president spoke.\n\nNote: 总统 can also mean chairman.", "The president spoke."),
    ("The pres\x00ident spoke.\ufffd", "The president spoke."),
])
def test_clean_strips_what_is_not_the_translation(raw, expected):
    assert clean(raw, "总统讲话了。") == expected


def test_clean_keeps_quotes_the_source_has_and_inner_quotes():
    assert clean("「そうだ」", "「是的」") == "「そうだ」"
    assert clean('"A" and "B"', "甲和乙") == '"A" and "B"'


@pytest.mark.parametrize("source, output, target, reason", [
    ("美国总统在白宫发表讲话，谈到了经济问题。", "", "en", "empty"),
    ("美国总统在白宫发表讲话，谈到了经济问题。", "the the the the the the the the", "en", "loop"),
    ("美国总统在白宫发表讲话，谈到了经济问题。", "The president spoke. The president spoke. The president spoke.", "en", "loop"),
    ("美国总统在白宫发表讲话，谈到了经济问题。", "美国总统在白宫发表讲话。", "en", "language"),
    ("美国总统在白宫发表讲话，谈到了经济问题。", "美國總統在白宮發表講話，談到了經濟問題。", "ja", "language"),  # no kana: copied
    ("美国总统在白宫发表讲话，谈到了经济问题。", "The president spoke at the White House.", "ja", "language"),
    ("美国总统在白宫发表讲话，谈到了经济问题，并回答记者提问。", "He spoke.", "en", "length"),
    ("美国总统讲话。", "The US president gave a speech.", "en", ""),
    ("美国总统在白宫发表讲话，谈到了经济问题。", "米大統領はホワイトハウスで演説し、経済問題に触れた。", "ja", ""),
    ("北京", "北京", "ja", ""),  # a short name may come back all kanji
    ("2024", "2024", "en", ""),
])
def test_problem_names_each_rejected_output(source, output, target, reason):
    assert problem(source, output, target) == reason


def test_markers_do_not_count_as_text():
    assert in_language("<x1>The president</x1> <x2>spoke</x2>", "en")


# -- block translation with a scripted model

EN = {"美国": "America's", "总统": "president", "在": "at", "白宫": "the White House", "发表": "gave",
      "讲话": "a speech", "他": "he", "说": "said", "经济": "the economy", "增长": "grows", "放缓": "slowly",
      "。": ".", "，": ","}
_MARK = re.compile(r"(</?x\d+>)")


def glossary(text: str) -> str:
    out, position = [], 0
    while position < len(text):
        for size in (2, 1):
            piece = text[position : position + size]
            if piece in EN:
                out.append(EN[piece])
                position += size
                break
        else:
            out.append(text[position])
            position += 1
    return re.sub(r"\s+([.,])", r"\1", " ".join(w for w in out if w.strip()))


class ScriptedLLM:
    """A decoder-only backend whose output is scripted: the glossary translation with
    the markers kept (``keep``), dropped (``drop``), or an answer in the wrong language
    (``chinese``) for inputs holding ``bad``."""

    name = Backend.transformers
    variant = "scripted"
    kind = DECODER
    max_input_tokens = 200

    def __init__(self, mode: str = "keep", bad: str = "") -> None:
        self.mode, self.bad = mode, bad
        self.model_ref = SimpleNamespace(name="zh-en", ref=f"scripted-{mode}", revision="0")
        self.inputs: list[str] = []

    def count_tokens(self, texts):
        return [len(t) for t in texts]

    def generate(self, texts, repetition_penalty=None):
        self.inputs.extend(texts)
        out = []
        for text in texts:
            if self.bad and self.bad in text:
                out.append(text if self.mode == "chinese" else _MARK.sub("", glossary(text)))
                continue
            parts = _MARK.split(text)
            joined = "".join(p if _MARK.fullmatch(p) else glossary(p) for p in parts)
            out.append(re.sub(r"(</x\d+>)(<x\d+>)(?![.,])", r"\1 \2", joined))  # words apart, as a writer puts them
        return out


def _translate(tmp_path, html: str, engine) -> tuple[str, Report]:
    post = make_post(tmp_path / "p.md", "白宫", html)
    report = translate_posts([post], Config(cache_dir=tmp_path / "cache"), translators={"en": engine})
    return read_post(tmp_path / "p.en.md").body, report


def test_a_block_goes_whole_and_its_elements_get_the_words_between_their_markers(tmp_path):
    backend = ScriptedLLM()
    html = '<p>美国总统<a href="/x">在白宫</a>发表讲话。他说<strong>经济增长放缓</strong>。</p>'
    body, report = _translate(tmp_path, html, BlockEngine(backend, None, "en"))
    assert tag_sequence(body) == tag_sequence(html)
    assert inline_texts(body) == ["at the White House", "the economy grows slowly"]
    # one prompt for the paragraph (two sentences), one for the title
    assert [t for t in backend.inputs if "x1" in t] == ["<x1>美国总统</x1><x2>在白宫</x2><x3>发表讲话。他说</x3>"
                                                        "<x4>经济增长放缓</x4><x5>。</x5>"]
    stats = report.translation["en"]
    assert stats["blocks"] == 2 and stats["block_fallback"] == 0
    assert report.inline()[2] == 0  # nothing placed by length


def test_a_block_whose_markup_comes_back_changed_is_translated_by_sentence_and_counted(tmp_path):
    backend = ScriptedLLM("drop", bad="<x1>")
    html = '<p>美国总统<a href="/x">在白宫</a>发表讲话。他说经济增长放缓。</p>'
    body, report = _translate(tmp_path, html, BlockEngine(backend, None, "en"))
    assert tag_sequence(body) == tag_sequence(html)
    assert inline_texts(body)[0].strip()  # placed by length, never emptied
    assert "美国总统在白宫发表讲话。" in backend.inputs and "他说经济增长放缓。" in backend.inputs  # by sentence
    stats = report.translation["en"]
    assert stats["block_fallback"] == 1 and report.inline()[2] == 3  # its three text nodes placed by length
    assert any(e["problem"] == "block:markup" for e in stats["examples"])
    assert "1 of them redone by sentence" in report.translation_lines()[0]


def test_an_answer_in_the_wrong_language_falls_back_and_is_flagged(tmp_path):
    backend = ScriptedLLM("chinese", bad="经济")
    body, report = _translate(tmp_path, "<p>美国总统发表讲话。他说经济增长放缓。</p>", BlockEngine(backend, None, "en"))
    stats = report.translation["en"]
    assert stats["block_fallback"] == 1
    assert "America's president gave a speech." in body  # the good sentence is kept
    assert stats["degenerate"] == 1  # the bad one, after its retry, is kept and counted


def test_a_block_over_the_prompt_limit_goes_by_sentence(tmp_path):
    backend = ScriptedLLM()
    backend.max_input_tokens = 10
    _, report = _translate(tmp_path, "<p>美国总统讲话。他说经济增长放缓了很多很多。</p>", BlockEngine(backend, None, "en"))
    assert report.translation["en"]["long_blocks"] == 1
    assert "美国总统讲话。" in backend.inputs


def test_blocks_are_remembered_with_their_markup(tmp_path):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    html = '<p>美国总统<a href="/x">在白宫</a>发表讲话。</p>'
    first = ScriptedLLM()
    _translate(tmp_path, html, BlockEngine(first, memory, "en"))
    (tmp_path / "p.en.md").unlink()
    second = ScriptedLLM()
    body, report = _translate(tmp_path, html, BlockEngine(second, memory, "en"))
    assert second.inputs == [] and report.translation["en"]["memory_hits"] == 2
    assert inline_texts(body) == ["at the White House"]


def test_titles_summaries_and_keywords_share_one_call():
    backend = ScriptedLLM()
    engine = BlockEngine(backend, None, "en")
    calls = []
    original = backend.generate
    backend.generate = lambda texts, **kw: calls.append(list(texts)) or original(texts, **kw)
    assert engine.translate(["美国总统", "他说经济增长放缓。", "白宫"]) == ["America's president",
                                                                  "he said the economy grows slowly.", "the White House"]
    assert len(calls) == 1 and len(calls[0]) == 3


# -- summaries


class FakeTokenizer:
    chat_template = None

    def __call__(self, texts, add_special_tokens=False):
        single = isinstance(texts, str)
        ids = [[ord(c) for c in t] for t in ([texts] if single else texts)]
        return {"input_ids": ids[0] if single else ids}


class ScriptedRuntime:
    name = Backend.transformers
    variant = "scripted"
    max_positions = 4096

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.tokenizer = FakeTokenizer()
        self.penalties: list = []

    def encode(self, prompts):
        return self.tokenizer(list(prompts))["input_ids"]

    def generate(self, prompts, caps, repetition_penalty=None, forced=False):
        self.penalties.append(repetition_penalty)
        return [self.answers.pop(0)]


POST = ["市政府今天宣布，2026年将新增120辆电动公交车。", "新车将在三个区投入使用。"]


def _summarize(toolkit, runtime, blocks=POST, max_chars=80):
    doc = toolkit.from_text("\n\n".join(blocks))
    model = SimpleNamespace(signature="scripted@0", ref="scripted", path="scripted")
    summarizer = LLMSummarizer(model, Config(), fallback=SimpleNamespace(summarize=lambda *a: "EXTRACTIVE"), runtime=runtime)
    candidates = list(range(len(doc.analysis.sentences)))
    return summarizer.summarize_noted(doc.analysis, candidates, SummaryOptions(sentences=2, max_chars=max_chars)), summarizer


def test_a_summary_that_passes_its_checks_is_kept(toolkit):
    (summary, note), _ = _summarize(toolkit, ScriptedRuntime("<think></think>摘要：市政府宣布2026年新增120辆电动公交车。"))
    assert (summary, note) == ("市政府宣布2026年新增120辆电动公交车。", "")


def test_an_invented_number_is_asked_again_then_falls_back_to_the_extractive_summary(toolkit):
    runtime = ScriptedRuntime("市政府宣布新增150辆电动公交车。", "市政府宣布新增120辆电动公交车。")
    (summary, note), _ = _summarize(toolkit, runtime)
    assert summary == "市政府宣布新增120辆电动公交车。" and note == "" and runtime.penalties == [None, 1.2]
    (summary, note), summarizer = _summarize(toolkit, ScriptedRuntime("新增150辆。", "新增99辆。"))
    assert (summary, note) == ("EXTRACTIVE", "extractive:number") and summarizer.fallbacks == {"number": 1}


@pytest.mark.parametrize("answers, reason", [
    (("The city will add 120 buses.", "The city will add buses."), "language"),
    (("", ""), "empty"),
    (("新车新车新车新车新车新车新车", "好好好好好好好好好"), "loop"),
])
def test_each_rejected_summary_falls_back_with_its_reason(toolkit, answers, reason):
    (summary, note), _ = _summarize(toolkit, ScriptedRuntime(*answers))
    assert (summary, note) == ("EXTRACTIVE", f"extractive:{reason}")


def test_a_summary_is_in_the_posts_script_and_within_budget(toolkit):
    traditional = ["市政府今天宣佈，2026年將新增120輛電動公車。", "新車將在三個區投入使用。"]
    (summary, _), _ = _summarize(toolkit, ScriptedRuntime("市政府宣布2026年新增120辆电动公交车。"), traditional)
    assert "輛" in summary and "辆" not in summary
    (summary, _), _ = _summarize(toolkit, ScriptedRuntime("市政府宣布新增120辆电动公交车。新车将在三个区投入使用。"), max_chars=20)
    assert summary == "市政府宣布新增120辆电动公交车。"


def test_numbers_are_compared_as_written_in_digits():
    assert numbers("１２０辆，共3,500人，增长2.5%") == {"120", "3500", "2.5"}
    assert summary_problem("增长2.5%", "今年增长2.5%。") == ""


def test_the_report_counts_summary_fallbacks():
    report = Report([FileResult("a.md", Status.done, summary_note="extractive:number"),
                     FileResult("b.md", Status.done), FileResult("c.md", Status.done, summary_note="extractive:number")])
    assert report.as_dict()["summary_fallbacks"] == {"number": 2}
    assert any("2 model summaries rejected" in line for line in report.translation_lines())


# -- the tiny Qwen3, end to end


def test_the_model_kind_comes_from_the_models_own_config(tiny_models):
    assert model_kind(tiny_models / "llm") == DECODER
    assert model_kind(tiny_models / "zh-en") == SEQ2SEQ
    assert model_kind(tiny_models / "summarizer") == SEQ2SEQ


@pytest.mark.parametrize("target", ["en", "ja"])
def test_every_translation_prompt_starts_with_the_opening(tiny_models, target):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_models / "llm")
    prompts = Prompts("chat", tokenizer)
    opening = prompts.translation_opening(target)
    assert len(opening) > 5 and "Translate" in tokenizer.decode(opening)
    for text in ("美国总统在白宫发表讲话。", "<x1>白宫</x1>发言人说", " 前导空格", "\n换行开头", "NASA 宣布", "。"):
        ids = tokenizer(prompts.translation(text, target), add_special_tokens=False)["input_ids"]
        assert ids[: len(opening)] == opening, text


def test_ctranslate2_takes_the_opening_as_its_static_prompt_and_gives_the_same_outputs(tiny_models, tmp_path):
    from nlp.models.llm import CTranslate2LM
    from nlp.models.registry import locate

    model = locate("zh-en", {"zh-en": str(tiny_models / "llm")})
    runtime = CTranslate2LM(model, Config(device="cpu", cache_dir=tmp_path / "cache"))
    calls = []
    generator = runtime.generator

    class Spy:
        def generate_batch(self, tokens, **kwargs):
            calls.append((len(tokens), kwargs.get("static_prompt")))
            return generator.generate_batch(tokens, **kwargs)

    runtime.generator = Spy()
    prompter = Prompts("chat", runtime.tokenizer)
    opening = prompter.translation_opening("en")
    texts = ["美国总统在白宫发表讲话。", "他说经济增长放缓。", "市政府今天宣布新增电动公交车。"]
    prompts = runtime.encode([prompter.translation(t, "en") for t in texts])
    caps = [12, 5, 9]
    plain = runtime.generate(prompts, caps)
    assert calls.pop() == (3, None)
    assert runtime.generate(prompts, caps, opening=opening) == plain  # the static prompt changes no output
    assert calls.pop() == (3, runtime.tokenizer.convert_ids_to_tokens(opening))
    # a prompt without the opening goes in a batch of its own; the order holds
    odd = runtime.encode(["他说经济增长放缓。"])[0]
    mixed = runtime.generate([prompts[0], odd, prompts[2]], [12, 6, 9], opening=opening)
    assert sorted(calls, key=lambda c: c[0]) == [(1, None), (2, runtime.tokenizer.convert_ids_to_tokens(opening))]
    assert mixed[0] == plain[0] and mixed[2] == plain[2]
    assert mixed[1] == runtime.generate([odd], [6])[0]


def test_transformers_runs_an_llm_in_the_float_type_asked_for(tiny_models, tmp_path):
    import torch

    from nlp.models.llm import TransformersLM
    from nlp.models.registry import locate

    model = locate("zh-en", {"zh-en": str(tiny_models / "llm")})
    plain = TransformersLM(model, Config(device="cpu", cache_dir=tmp_path, compute_type="int8"))  # CTranslate2's: not ours
    assert plain.model.dtype == torch.float32 and plain.variant == "fp32"
    half = TransformersLM(model, Config(device="cpu", cache_dir=tmp_path, compute_type="bfloat16"))
    assert half.model.dtype == torch.bfloat16 and half.variant == "bf16"  # and the signature says so
    prompts = half.encode(["<|im_start|>user\n美国总统在白宫发表讲话。<|im_end|>\n"])
    assert len(half.generate(prompts, [6], forced=True)[0]) > 0


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_tiny_qwen3_translates_posts_and_writes_summaries(tiny_models, examples_copy, tmp_path, backend):
    from nlp.pipeline.enrich import enrich
    from nlp.translation.translator import build_translator

    llm = str(tiny_models / "llm")
    config = Config(to=("en", "ja"), backend=Backend(backend), device="cpu", cache_dir=tmp_path / "cache",
                    models={"zh-en": llm, "zh-ja": llm}, summarizer=llm,
                    workers=2)  # prepare stays in this process: CTranslate2's threads do not survive a fork
    engine = build_translator("zh-en", config.models, config)
    assert isinstance(engine, BlockEngine) and f"{backend}-" in engine.signature
    texts = ["美国总统在白宫发表讲话。", "他说经济增长放缓。", "市政府今天宣布新增电动公交车。"]
    together = engine.backend.generate(texts)
    assert together == [engine.backend.generate([t])[0] for t in texts]  # a batch changes no output
    originals = {p: p.read_bytes() for p in examples_copy.glob("*.md")}
    report = enrich([examples_copy], config)
    assert report.count("failed") == 0 and report.count("done") == len(originals)
    for path in originals:
        post = read_post(path)
        assert post.meta["summary"] and post.meta["title_en"] and post.meta["title_ja"]
        assert parse_post(originals[path], path).body == post.body  # the body is untouched
    translated = translate_posts([examples_copy], config)
    assert translated.count("failed") == 0 and translated.count("done") == len(originals)
    for path in originals:
        for lang in ("en", "ja"):
            sibling = read_post(path.with_name(f"{path.stem}.{lang}.md"))
            assert tag_sequence(sibling.body) == tag_sequence(read_post(path).body)
    stats = translated.translation["en"]
    assert stats["blocks"] > 0 and stats["blocks"] >= stats["block_fallback"]
    for again in (enrich([examples_copy], config), translate_posts([examples_copy], config)):  # a rerun skips everything
        assert again.count("done") == 0 and again.count("failed") == 0
    shutil.rmtree(tmp_path / "cache")


def test_a_registry_llm_name_chooses_that_model_for_the_task():
    from nlp.errors import ModelMissingError
    from nlp.models.registry import locate, registry

    with pytest.raises(ModelMissingError) as missing:
        locate("zh-en", {"zh-en": "qwen3-4b"})
    assert "Qwen/Qwen3-4B" in str(missing.value) and "`nlp models pull qwen3-4b`" in str(missing.value)
    # nothing conditional or non-permissive is a default: every default entry is CC-BY or the
    # summarizer, which is only used when asked for; the conditional LLM says so in its note
    assert all(spec.task == "llm" for spec in registry().values() if "conditional" in spec.license)
    assert "EU" in registry()["hy-mt-7b"].note


def test_nlp_summarize_says_when_the_models_summary_was_replaced(tiny_models, capsys, monkeypatch):
    from .test_cli import run

    text = "市政府今天宣布，2026年将新增120辆电动公交车。新车将在三个区投入使用。"
    code, out, err = run(capsys, monkeypatch, "summarize", "-", "--summarizer", str(tiny_models / "llm"), stdin=text)
    # random weights write no Chinese: the summary is the extractive one, and the user is told
    assert code == 0 and out.strip() == text
    assert "the model's summary was rejected (language)" in err and "Traceback" not in err
