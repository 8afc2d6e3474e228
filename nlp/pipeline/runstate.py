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
import threading
import time
from pathlib import Path
from typing import Sequence

from ..signature import Provenance, request_of
from ..store import connect, select_in
from .results import OLDER, UP_TO_DATE


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
    old = Provenance.parse(str(recorded))
    if old.source_hash != source_hash:
        return None
    if old.signature == signature:
        return UP_TO_DATE
    if not refresh and request_of(old.signature) == request_of(signature):
        return OLDER
    return None


def stamp(path: str | os.PathLike[str]) -> str:
    """Size and modification time of a file ("" when it is missing)."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


class RunState:
    """``(job, post) -> its outputs, the stamps of the post and its outputs, and their
    provenance``.

    Each record is committed at once: a run holds the file's write lock for a moment,
    never across a model call, since other runs on the same cache wait for it (a
    commit costs about 0.1 ms in WAL mode, against seconds of model work per chunk).
    """

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
        # outputs written beside or below other posts (--out copies, siblings): where from
        self.db.execute("CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, post TEXT NOT NULL, job TEXT NOT NULL)")
        self.db.commit()

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
        origin = str(post.resolve())
        row = (job, origin, "\n".join(outputs), self._stamps(post, outputs), "\n".join(provenance), time.time())
        elsewhere = [(path, origin, job) for path in (str(Path(o).resolve()) for o in outputs) if path != origin]
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?)", row)
            self.db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?)", elsewhere)
            self.db.commit()

    def origins(self, paths: Sequence[str]) -> dict[str, tuple[str, str]]:
        """``{path: (the post it was written from, the job)}`` for those of ``paths``
        (resolved) that a run wrote from another post."""
        with self.lock:
            rows = list(select_in(self.db, "SELECT path, post, job FROM outputs WHERE path IN ({marks})", paths))
        return {path: (post, job) for path, post, job in rows}

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

    def close(self) -> None:
        self.commit()
        self.db.close()


def state_for(cache_dir: str | os.PathLike[str]) -> RunState:
    return RunState(Path(cache_dir) / "runs.sqlite3")
