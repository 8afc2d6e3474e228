"""What every model output goes through: cleaning, and the one check of whether it is
acceptable.

:func:`clean` removes what a decoder-only model adds around an answer (a think block, a
preamble, a note, wrapping quotes).  :func:`problem` says why an output is not an
acceptable translation; the thresholds are the target language's row in
:mod:`nlp.languages`.  It has two strengths, chosen by what a rejection costs:

- ``strict`` (a decoder's answer for a whole block; a rejected block is redone by
  sentence, so a doubt is cheap): empty, a loop, the wrong language, or a length outside
  the row's ``ratio`` (for a source of ``STRICT_MIN_SOURCE`` characters or more);
- not strict (a seq2seq model's output; it is retried once with a repetition penalty,
  then kept and flagged, so only plain garbage may count): empty, a loop, or over
  ``RUNAWAY_MIN_OUTPUT`` characters and the row's ``runaway`` times the source.

The LLM summarizer checks its summaries with the same :func:`looping` and
:func:`in_language`.
"""

from __future__ import annotations

import functools
import re

from ..languages import language, written_in

STRICT_MIN_SOURCE = 12  # shorter sources (a name, a keyword) may come back at any length
RUNAWAY_MIN_OUTPUT = 40  # a short output is never a run-away, whatever its source

_THINK = re.compile(r"<think>.*?(?:</think>|$)\s*", re.DOTALL)
_PREAMBLE = re.compile(
    r"^\s*(?:(?:sure|okay|ok|certainly|of course)[,.!]?\s*)?"
    r"(?:here(?:'s| is| are)\s[^:\n：]{0,60}?(?:translation|translated text|summary)[^:\n：]{0,30}[:：]"
    r"|(?:the\s)?(?:english\s|japanese\s)?translation(?:\sis)?\s*[:：]"
    r"|以下(?:是|为|は)[^:\n：]{0,30}[:：]|(?:翻译|翻譯|翻訳|译文|譯文|訳文|摘要|要約|总结|總結)(?:如下)?\s*[:：])\s*",
    re.IGNORECASE)
_NOTE = re.compile(r"\n\s*\n\s*(?:\(?\s*note\b|注[:：意]|※|説明[:：]|说明[:：])", re.IGNORECASE)
_QUOTES = (('"', '"'), ("“", "”"), ("「", "」"), ("『", "』"), ("'", "'"), ("《", "》"))
MARKER = re.compile(r"<(/?)x(\d+)>")  # the inline-element markers of a block prompt
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def clean(output: str, source: str) -> str:
    """``output`` without a think block, a preamble ("Here is the translation:"), a note
    after it, or quotes around it that the source does not have."""
    # control characters and the replacement character of a byte sequence cut mid-character
    text = _CONTROL.sub("", output)
    text = _THINK.sub("", text)
    if "</think>" in text:  # a think block whose opening tag the prompt held
        text = text.rsplit("</think>", 1)[1]
    text = text.strip()
    text = _PREAMBLE.sub("", text, count=1).strip()
    note = _NOTE.search(text)
    if note and "\n\n" not in source:
        text = text[: note.start()].rstrip()
    for opening, closing in _QUOTES:
        inner = text[len(opening) : -len(closing)] if len(text) >= 2 else ""
        if (text.startswith(opening) and text.endswith(closing) and len(text) >= 2
                and opening not in inner and closing not in inner and not source.strip().startswith(opening)):
            text = text[len(opening) : -len(closing)].strip()
            break
    return text


def in_language(text: str, target: str, source: str = "") -> bool:
    """Whether ``text`` (markers aside) is written in ``target``: see
    :func:`nlp.languages.written_in`."""
    return written_in(MARKER.sub("", text), target, MARKER.sub("", source))


def problem(source: str, output: str, target: str, strict: bool = True) -> str:
    """Why ``output`` is not an acceptable translation of ``source`` into ``target`` (""
    when it is); ``strict`` as the module says."""
    row = language(target)
    if strict:
        source, output = MARKER.sub("", source).strip(), MARKER.sub("", output).strip()
    if not output.strip():
        return "empty"
    if looping(output):
        return "loop"
    ratio = len(output) / max(1, len(source))
    if not strict:
        return "too-long" if len(output) > RUNAWAY_MIN_OUTPUT and ratio > row.runaway else ""
    if not in_language(output, target, source):
        return "language"
    low, high = row.ratio
    if len(source) >= STRICT_MIN_SOURCE and not low <= ratio <= high:
        return "length"
    return ""


def markers(text: str) -> list[str]:
    return [m.group(0) for m in MARKER.finditer(text)]


@functools.lru_cache(maxsize=None)
def _loop(repeats: int, unit: int) -> re.Pattern:
    return re.compile(rf"(.{{1,12}}?)\1{{{repeats},}}|(.{{{unit},}}?)(?:\s*\2){{2,}}", re.DOTALL)


def looping(text: str, repeats: int = 5, unit: int = 8) -> bool:
    """A repetition loop: a short piece said more than ``repeats`` times over, or a
    piece of ``unit`` characters or more said three times running."""
    return bool(_loop(repeats, unit).search(text))
