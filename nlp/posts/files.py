"""Finding the posts of an archive, and where their outputs go."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import ConfigError
from .post import TEMP_SUFFIX, remove_stale_temp

POST_SUFFIXES = (".md", ".markdown", ".html", ".htm")
SKIP_DIRS = frozenset({".git", "_site", ".jekyll-cache", "node_modules", ".venv", "__pycache__"})


@dataclass(frozen=True)
class Source:
    """A file to process; ``explicit`` when the user named it (not found in a folder)."""

    path: Path
    root: Path
    explicit: bool


def iter_sources(paths: Iterable[str | os.PathLike[str]], exclude: str | os.PathLike[str] | None = None) -> Iterator[Source]:
    """Files named directly, and post files under folders (recursively, sorted), less
    the folder ``exclude`` (a run's output folder inside its input).

    Walking a folder also removes temporary files that a killed run left behind.
    """
    skip = Path(exclude).resolve() if exclude is not None else None
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")
                                     and (skip is None or (Path(dirpath) / d).resolve() != skip))
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


def check_inputs(paths: Iterable[str | os.PathLike[str]]) -> None:
    """One error naming every input path that does not exist ("-", standard input, is
    always there); checked before any model is looked for or any post is read."""
    missing = [str(path) for path in paths if str(path) != "-" and not os.path.lexists(path)]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")


def check_writable(path: str | os.PathLike[str], what: str) -> Path:
    """``path`` if a file can be written there, else one clear error naming it (checked
    before a long run, not after)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ConfigError(f"{what} {path} is a folder; give a file name")
    if not folder.is_dir():
        raise ConfigError(f"cannot write {what} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"cannot write {what} {path}: permission denied")
    return path
