"""SQLite files that parallel runs share (the translation memory, the run state)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def connect(path: str | os.PathLike[str], **options) -> sqlite3.Connection:
    """A SQLite database that parallel runs share: WAL, a long busy timeout."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60, **options)
    db.execute("PRAGMA busy_timeout = 60000")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db
