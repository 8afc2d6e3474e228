"""The translation memory: source -> target per model, in SQLite (WAL, so parallel runs
can share it)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Iterable, Sequence

from ..config import Config
from ..store import connect, select_in


class TranslationMemory:
    """Source -> target per model key, with flags (retried, degenerate) and, for sentences
    that held an inline element, the character map that places it (see
    :mod:`nlp.translation.align`; '' where none was made)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS memory (model TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
            " flags TEXT NOT NULL DEFAULT '', created REAL NOT NULL, align TEXT NOT NULL DEFAULT '',"
            " PRIMARY KEY (model, source))"
        )
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(memory)")}
        if "align" not in columns:  # a memory written before tag transfer keeps its rows
            try:
                self.db.execute("ALTER TABLE memory ADD COLUMN align TEXT NOT NULL DEFAULT ''")
            except sqlite3.OperationalError:  # another process added it first
                pass

    @classmethod
    def for_config(cls, config: Config) -> "TranslationMemory":
        return cls(Path(config.cache_dir) / "memory.sqlite3")

    def get(self, model: str, sources: Sequence[str]) -> dict[str, str]:
        query = "SELECT source, target FROM memory WHERE model = ? AND source IN ({marks})"
        return dict(select_in(self.db, query, list(dict.fromkeys(sources)), model))

    def get_aligned(self, model: str, sources: Sequence[str]) -> dict[str, tuple[str, str]]:
        """source -> (target, stored character map)."""
        query = "SELECT source, target, align FROM memory WHERE model = ? AND source IN ({marks})"
        return {source: (target, align) for source, target, align in select_in(self.db, query, list(dict.fromkeys(sources)), model)}

    def put(self, model: str, items: Iterable[tuple[str, ...]]) -> None:
        """``(source, target, flags[, align])`` rows."""
        now = time.time()
        rows = [(model, source, target, flags, now, align[0] if align else "") for source, target, flags, *align in items]
        if rows:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR REPLACE INTO memory (model, source, target, flags, created, align)"
                                    " VALUES (?, ?, ?, ?, ?, ?)", rows)

    def flagged(self, model: str) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT source, target, flags FROM memory WHERE model = ? AND flags != ''", [model]).fetchall()

    def close(self) -> None:
        self.db.close()
