"""``nlp idf build``: document frequencies of an archive's words, phrases and boilerplate.

The table counts every keyword candidate (words and phrases of up to three words) in
each document once, and the fingerprints of blocks that recur across posts.  Phrases
seen in a single document are dropped: they say nothing about the archive, and
dropping them keeps the table small.  It also holds the archive's new words (names
and terms the dictionary lacks, found by newwords.WordFinder): rows ``w`` that the
segmenter adds to its dictionary, with their document frequency as ``t`` rows.

Rows: ``t TERM DF`` (document frequency), ``b FINGERPRINT DF`` (a recurring block),
``w WORD COUNT`` (a learned word and its occurrences).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..config import Config
from ..errors import ConfigError, PostError
from ..posts.files import check_inputs, check_writable
from ..posts.post import atomic_write
from .analyzer import Toolkit
from .boilerplate import block_fingerprints, recurring_fingerprints
from .inputs import read_inputs
from .keywords import IDF_HEADER, document_terms
from .newwords import WordFinder


@dataclass
class IdfBuild:
    docs: int
    terms: int
    boilerplate: int
    failures: list[PostError]
    words: int = 0


def build_idf(
    paths: Sequence[str],
    output: str | os.PathLike[str],
    *,
    lines: bool = False,
    config: Config | None = None,
    stdin=None,
    on_document: Callable[[], None] | None = None,
) -> IdfBuild:
    """Count the documents under ``paths`` and write the table to ``output``."""
    check_inputs(paths)
    check_writable(output, "the IDF table")
    toolkit = Toolkit(config)
    df: Counter[str] = Counter()
    words: dict[str, int] = {}
    blocks: Counter[str] = Counter()
    docs = 0
    failures: list[PostError] = []
    finder = WordFinder()
    for item in read_inputs(paths, lines, stdin):
        if isinstance(item, PostError):
            failures.append(item)
            continue
        doc = toolkit.from_input(item)
        terms = document_terms(doc.analysis)
        df.update(terms.keys())
        words.update(terms)
        blocks.update(block_fingerprints(doc.blocks))
        finder.add("\n".join(["".join(doc.analysis.title_keys)] + ["".join(s.keys) for s in doc.analysis.sentences]))
        docs += 1
        if on_document:
            on_document()
    if docs == 0:
        raise ConfigError("no documents to count: give posts, folders, or text with --lines")
    recurring = recurring_fingerprints(blocks, docs)
    learned = finder.words(toolkit.segmenter.cut_known)
    for word, _, in_docs in learned:  # a learned word is one word: its DF is its own
        df[word] = max(df.get(word, 0), in_docs)
        words[word] = 1
    rows = [
        f"t\t{term}\t{count}\n"
        for term, count in sorted(df.items())
        if count >= 2 or words[term] == 1
    ]
    rows += [f"b\t{fp}\t{blocks[fp]}\n" for fp in sorted(recurring)]
    rows += [f"w\t{word}\t{count}\n" for word, count, _ in sorted(learned)]
    try:
        atomic_write(Path(output), f"{IDF_HEADER}\tdocs\t{docs}\n" + "".join(rows))
    except OSError as exc:
        raise ConfigError(f"cannot write the IDF table {output}: {exc.strerror or exc}") from None
    return IdfBuild(docs, len(rows) - len(recurring) - len(learned), len(recurring), failures, len(learned))
