"""The languages nlp writes: one row each, read by every check that depends on one.

A row says how the language's text is joined (the separator between two translated
sentences), what it is written in (the script test that tells a translation in it from
one that came back in another language), how long a translation into it may be
against its Chinese source, which token a multi-target model reads to choose it, and
whether a source sentence already in Latin letters goes through untranslated.

Adding a language is one row here and a ``zh-XX`` entry in ``models/registry.toml``;
the front matter fields (``title_XX``...), the engines, the output checks and the
prompts all read this table.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .errors import ConfigError

SOURCE = "zh"  # what the archive is written in


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1: what --to takes, and the suffix of the front matter keys (title_en)
    name: str  # in English, as prompts name it
    separator: str  # between two sentences (and two pieces of one) a model translated apart
    script: str  # "latin", "kana", "han" or "hangul": see :func:`written_in`
    # output characters per source character outside which a decoder's answer lost or
    # invented text (it is redone by sentence, so the bounds can be tight)
    ratio: tuple[float, float]
    # above this a seq2seq output is a run-away (retried once, then kept and flagged:
    # only plain garbage should count)
    runaway: float
    opus: str = ""  # the target token of OPUS-MT's multi-target models, without >> <<
    latin_as_is: bool = False  # a source sentence in Latin letters is already in this language


LANGUAGES: dict[str, Language] = {row.code: row for row in (
    Language("en", "English", " ", "latin", (0.5, 8.0), 8.0, "eng", latin_as_is=True),
    Language("ja", "Japanese", "", "kana", (0.4, 3.0), 4.0, "jpn"),
    Language("zh", "Chinese", "", "han", (0.3, 8.0), 4.0, "cmn"),
    Language("fr", "French", " ", "latin", (0.5, 9.0), 9.0, "fra"),
    Language("de", "German", " ", "latin", (0.5, 9.0), 9.0, "deu"),
    Language("es", "Spanish", " ", "latin", (0.5, 9.0), 9.0, "spa"),
    Language("ko", "Korean", " ", "hangul", (0.3, 4.0), 4.0, "kor"),
)}

def language(code: str) -> Language:
    """The row of ``code``; an unknown code is a :class:`ConfigError` naming the known ones."""
    try:
        return LANGUAGES[code]
    except KeyError:
        known = ", ".join(target_codes())
        raise ConfigError(f"unknown language {code!r}: nlp writes {known} (a new one is a row in "
                          "nlp/languages.py and a zh-XX entry in models/registry.toml)") from None


def name_of(code: str) -> str:
    """The language's English name, as prompts say it."""
    return language(code).name


def target_codes() -> tuple[str, ...]:
    """Every language nlp can write fields in (the front matter suffixes it manages)."""
    return tuple(code for code in LANGUAGES if code != SOURCE)


def opus_token(code: str) -> str:
    """``>>jpn<<``: what an OPUS-MT multi-target model reads before its input ("" if none)."""
    row = language(code)
    return f">>{row.opus}<<" if row.opus else ""


# -- scripts


def script_counts(text: str) -> dict[str, int]:
    """Letters of ``text`` by script: han, kana, latin, hangul, other."""
    counts = {"han": 0, "kana": 0, "latin": 0, "hangul": 0, "other": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9D:
            counts["kana"] += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF:
            counts["han"] += 1
        elif 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
            counts["hangul"] += 1
        elif "LATIN" in unicodedata.name(ch, ""):
            counts["latin"] += 1
        else:
            counts["other"] += 1
    return counts


def written_in(text: str, code: str, source: str = "") -> bool:
    """Whether ``text`` is written in language ``code``, by its row's script: a Latin
    language is mostly Latin letters; Japanese has kana (a short source, a name or a
    keyword, may come back all kanji); Chinese is mostly Han without kana; Korean is
    mostly Hangul.  Text without letters passes when its source has none either
    (numbers and punctuation stay as they are)."""
    counts = script_counts(text)
    letters = sum(counts.values())
    if not letters:
        return not any(ch.isalpha() for ch in source)
    script = language(code).script
    if script == "latin":
        return counts["latin"] >= 0.7 * letters
    if script == "kana":
        if counts["latin"] > 0.5 * letters or counts["hangul"] or counts["other"] > 0.2 * letters:
            return False
        return counts["kana"] > 0 or script_counts(source)["han"] < 12
    if script == "han":
        return counts["han"] >= 0.6 * letters and counts["kana"] <= 0.02 * letters and not counts["hangul"]
    if script == "hangul":
        return counts["hangul"] >= 0.5 * letters
    raise ValueError(f"no script test for {script!r}")
