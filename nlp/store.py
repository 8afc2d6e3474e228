"""SQLite files that parallel runs share (the translation memory, the run state)."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Iterator, Sequence

IN_CHUNK = 500  # values per query: SQLite limits the variables of one statement
PATIENCE = 60.0  # seconds to wait for another run's lock before giving up
_SLICE = 0.05  # seconds SQLite itself waits at a time


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _patiently(call, *args):
    """``call(*args)``, asked again while another connection holds the lock, for up to
    :data:`PATIENCE` seconds.  SQLite's own busy wait never returns to Python, so a
    Ctrl-C waited out the whole timeout; here SQLite waits a slice at a time and the
    sleeps between are Python's, where a signal ends the wait at once."""
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            return call(*args)
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(_SLICE)


class _SharedConnection(sqlite3.Connection):
    """A connection whose waits for other processes' locks can be interrupted."""

    def execute(self, *args):
        return _patiently(super().execute, *args)

    def executemany(self, *args):
        return _patiently(super().executemany, *args)

    def commit(self):
        return _patiently(super().commit)


def connect(path: str | os.PathLike[str], **options) -> sqlite3.Connection:
    """A SQLite database that parallel runs share: WAL, a minute's patience for another
    run's lock (spent in interruptible slices, see :func:`_patiently`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=_SLICE, factory=_SharedConnection, **options)
    _wal(db)
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _wal(db: sqlite3.Connection) -> None:
    """Switch the file to WAL (a lasting property of the file: only the first opener
    changes it).  SQLite answers "database is locked" at once, without waiting out the
    busy timeout, when two connections switch a new file at the same moment; the
    connection's :func:`_patiently` asks again."""
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode = WAL")


def select_in(db: sqlite3.Connection, query: str, values: Sequence[str], *before: object) -> Iterator[tuple]:
    """The rows of ``query`` (whose ``{marks}`` is the placeholder list of an ``IN``) for
    ``values``, asked in chunks; ``before`` are the parameters that come ahead of them."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = list(values[start : start + IN_CHUNK])
        yield from db.execute(query.format(marks=",".join("?" * len(chunk))), [*before, *chunk])
