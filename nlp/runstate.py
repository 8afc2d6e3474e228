"""What a batch run has finished, kept in SQLite beside the translation memory.

The files stay the source of truth: every written post carries its ``nlp:``
provenance (the signature of what made it and the hash of the content it was made
from), and a post is only skipped when that provenance says so.  This table is the
index that makes a re-run of a large archive cheap: when a post and its outputs
still have the size and modification time recorded after they were written, the
post is skipped without being read.  A record lost to a crash costs one re-read,
never a wrong skip: records are written after the file, and anything that does not
match is checked against the file itself.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Sequence

_VERSION = re.compile(r"^\S+ ")
_REVISION = re.compile(r"@[0-9A-Za-z]+")
_BACKEND = re.compile(r":(?:transformers|ctranslate2)-[\w.]+")


def request_of(signature: str) -> str:
    """What was asked for, without how it was made: the signature less the tool
    version, model revisions and backend.  Two runs that differ only in those wrote the
    same fields with an older (or other) producer; ``--refresh`` redoes them."""
    return _BACKEND.sub("", _REVISION.sub("", _VERSION.sub("", signature, count=1)))


def split_provenance(provenance: str) -> tuple[str, str]:
    """``"SIGNATURE src=HASH"`` -> ``(SIGNATURE, HASH)``."""
    signature, _, source_hash = provenance.rpartition(" src=")
    return signature, source_hash


OLDER = "done with an older signature (--refresh redoes it)"


def combined(reasons: Sequence[str | None]) -> str | None:
    """One reason for a post with several outputs: None if any needs work, the
    older-signature note if any has one."""
    if not reasons or not all(reasons):
        return None
    return OLDER if OLDER in reasons else reasons[0]


def skip_reason(recorded: str | None, signature: str, source_hash: str, refresh: bool) -> str | None:
    """Why a post whose output says ``recorded`` needs no work now (None: it does).

    Content changed: redo.  Same signature: up to date.  Same request made by an older
    producer: skipped unless ``refresh``.  A different request (other options or
    languages): redo.
    """
    if not recorded:
        return None
    old_signature, old_hash = split_provenance(str(recorded))
    if old_hash != source_hash:
        return None
    if old_signature == signature:
        return "up to date"
    if not refresh and request_of(old_signature) == request_of(signature):
        return OLDER
    return None


def stamp(path: str | os.PathLike[str]) -> str:
    """Size and modification time of a file ("" when it is missing)."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def connect(path: str | os.PathLike[str], **options) -> sqlite3.Connection:
    """A SQLite database that parallel runs share: WAL, a long busy timeout."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60, **options)
    db.execute("PRAGMA busy_timeout = 60000")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


class RunState:
    """``(job, post) -> its outputs, the stamps of the post and its outputs, and their
    provenance``."""

    COMMIT_EVERY = 64

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        # A worker pool's feeder thread asks while the main thread records: one lock.
        self.db = connect(self.path, check_same_thread=False)
        self.lock = threading.Lock()
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS posts (job TEXT NOT NULL, post TEXT NOT NULL, outputs TEXT NOT NULL,"
            " stamps TEXT NOT NULL, provenance TEXT NOT NULL, updated REAL NOT NULL, PRIMARY KEY (job, post))"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, job TEXT NOT NULL, started REAL NOT NULL,"
            " finished REAL, done INTEGER, skipped INTEGER, failed INTEGER)"
        )
        self.db.commit()
        self._pending = 0

    @staticmethod
    def _stamps(post: Path, outputs: Sequence[str]) -> str:
        return "|".join(stamp(p) for p in (post, *outputs))

    def recorded(self, job: str, post: Path) -> tuple[list[str], list[str]] | None:
        """``(outputs, provenance)`` recorded for ``post``, if none of these files changed
        (or went missing) since."""
        with self.lock:
            row = self.db.execute("SELECT outputs, stamps, provenance FROM posts WHERE job = ? AND post = ?",
                                  (job, str(post.resolve()))).fetchone()
        if row is None:
            return None
        outputs = row[0].split("\n") if row[0] else []
        if row[1] != self._stamps(post, outputs):
            return None
        return outputs, row[2].split("\n")

    def record(self, job: str, post: Path, outputs: Sequence[str], provenance: Sequence[str]) -> None:
        row = (job, str(post.resolve()), "\n".join(outputs), self._stamps(post, outputs), "\n".join(provenance),
               time.time())
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?)", row)
            self._pending += 1
            if self._pending >= self.COMMIT_EVERY:
                self.db.commit()
                self._pending = 0

    def start(self, job: str) -> int:
        cursor = self.db.execute("INSERT INTO runs (job, started) VALUES (?, ?)", (job, time.time()))
        self.db.commit()
        return int(cursor.lastrowid)

    def end(self, run: int, done: int, skipped: int, failed: int) -> None:
        with self.lock:
            self.db.execute("UPDATE runs SET finished = ?, done = ?, skipped = ?, failed = ? WHERE id = ?",
                            (time.time(), done, skipped, failed, run))
        self.commit()

    def commit(self) -> None:
        with self.lock:
            self.db.commit()
            self._pending = 0

    def close(self) -> None:
        self.commit()
        self.db.close()


def state_for(cache_dir: str | os.PathLike[str]) -> RunState:
    return RunState(Path(cache_dir) / "runs.sqlite3")
