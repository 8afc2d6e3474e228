"""Documents named on a command line: posts, plain text files, folders, standard input."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import PostError
from ..posts.files import iter_sources
from ..posts.post import Post, parse_post


@dataclass(frozen=True)
class Input:
    """One document to analyse: a post, a whole text, or one line of a text."""

    label: str  # path, "-" for stdin, "PATH:LINE" with --lines
    text: str
    is_post: bool
    post: Post | None = None


def read_inputs(paths: Sequence[str], lines: bool = False, stdin=None) -> Iterator[Input | PostError]:
    """Documents named on a command line (``-`` is standard input).

    A file with front matter is a post; a file named on the command line without
    front matter is plain text (or HTML); in folders only posts are read.
    Unreadable files come back as :class:`PostError` values so a batch can go on.
    """
    for raw in paths or ["-"]:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data, label = stream.read(), "-"
            if isinstance(data, str):
                data = data.encode("utf-8")
            sources = [(Path("-"), data, True)]
        else:
            sources = []
            for source in iter_sources([raw]):
                try:
                    sources.append((source.path, source.path.read_bytes(), source.explicit))
                except OSError as exc:
                    yield PostError(source.path, f"cannot read: {exc.strerror or exc}")
        for path, data, explicit in sources:
            label = str(path)
            if not explicit and not data.startswith((b"---", b"\xef\xbb\xbf---")):
                continue  # a folder's README or notes: not a post (as for enrich)
            if data.startswith((b"---", b"\xef\xbb\xbf---")) and not lines:
                try:
                    post = parse_post(data, path)
                except PostError as exc:
                    yield exc
                    continue
                yield Input(label, post.body, True, post)
                continue
            if b"\x00" in data[:8192]:
                yield PostError(path, "binary file, not text")
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield PostError(path, f"not UTF-8 text (byte {exc.start})")
                continue
            if lines:
                for number, line in enumerate(text.splitlines(), 1):
                    if line.strip():
                        yield Input(f"{label}:{number}", line, False)
            else:
                yield Input(label, text, False)
