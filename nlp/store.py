"""SQLite files that parallel runs share (the translation memory, the run state)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Iterator, Sequence

IN_CHUNK = 500  # values per query: SQLite limits the variables of one statement


def connect(path: str | os.PathLike[str], **options) -> sqlite3.Connection:
    """A SQLite database that parallel runs share: WAL, a long busy timeout."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60, **options)
    db.execute("PRAGMA busy_timeout = 60000")
    _wal(db)
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _wal(db: sqlite3.Connection, patience: float = 60.0) -> None:
    """Switch the file to WAL (a lasting property of the file: only the first opener
    changes it).  SQLite answers "database is locked" at once, without waiting out the
    busy timeout, when two connections switch a new file at the same moment; so wait and
    ask again."""
    deadline = time.monotonic() + patience
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def select_in(db: sqlite3.Connection, query: str, values: Sequence[str], *before: object) -> Iterator[tuple]:
    """The rows of ``query`` (whose ``{marks}`` is the placeholder list of an ``IN``) for
    ``values``, asked in chunks; ``before`` are the parameters that come ahead of them."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        yield from db.execute(query.format(marks=",".join("?" * len(chunk))), [*before, *chunk])
