"""Finding the posts of an archive, and where their outputs go."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .post import TEMP_SUFFIX, remove_stale_temp

POST_SUFFIXES = (".md", ".markdown", ".html", ".htm")
SKIP_DIRS = frozenset({".git", "_site", ".jekyll-cache", "node_modules", ".venv", "__pycache__"})


@dataclass(frozen=True)
class Source:
    """A file to process; ``explicit`` when the user named it (not found in a folder)."""

    path: Path
    root: Path
    explicit: bool


def iter_sources(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Source]:
    """Files named directly, and post files under folders (recursively, sorted).

    Walking a folder also removes temporary files that a killed run left behind.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(filenames):
                    if name.endswith(TEMP_SUFFIX):
                        remove_stale_temp(Path(dirpath) / name)  # left by a killed run
                    elif name.lower().endswith(POST_SUFFIXES) and not name.startswith("."):
                        yield Source(Path(dirpath) / name, path, False)
        else:
            yield Source(path, path.parent, True)


def output_path(source: Source, out: Path | None) -> Path:
    if out is None:
        return source.path
    return out / source.path.relative_to(source.root) if not source.explicit else out / source.path.name
