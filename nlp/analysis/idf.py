"""``nlp idf build``: document frequencies of an archive's words, phrases and boilerplate.

The table counts every keyword candidate (words and phrases of up to three words) in
each document once, and the fingerprints of blocks that recur across posts.  Phrases
seen in a single document are dropped: they say nothing about the archive, and
dropping them keeps the table small.
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


@dataclass
class IdfBuild:
    docs: int
    terms: int
    boilerplate: int
    failures: list[PostError]


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
    for item in read_inputs(paths, lines, stdin):
        if isinstance(item, PostError):
            failures.append(item)
            continue
        doc = toolkit.from_input(item)
        terms = document_terms(doc.analysis)
        df.update(terms.keys())
        words.update(terms)
        blocks.update(block_fingerprints(doc.blocks))
        docs += 1
        if on_document:
            on_document()
    if docs == 0:
        raise ConfigError("no documents to count: give posts, folders, or text with --lines")
    recurring = recurring_fingerprints(blocks, docs)
    rows = [
        f"t\t{term}\t{count}\n"
        for term, count in sorted(df.items())
        if count >= 2 or words[term] == 1
    ]
    rows += [f"b\t{fp}\t{blocks[fp]}\n" for fp in sorted(recurring)]
    try:
        atomic_write(Path(output), f"{IDF_HEADER}\tdocs\t{docs}\n" + "".join(rows))
    except OSError as exc:
        raise ConfigError(f"cannot write the IDF table {output}: {exc.strerror or exc}") from None
    return IdfBuild(docs, len(rows) - len(recurring), len(recurring), failures)
