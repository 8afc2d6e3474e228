"""The translation memory: source -> target per model, in SQLite (WAL, so parallel runs
can share it)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, Sequence

from ..config import Config
from ..store import connect, select_in


class TranslationMemory:
    """Source -> target per model key, with flags (retried, degenerate)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS memory (model TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
            " flags TEXT NOT NULL DEFAULT '', created REAL NOT NULL, PRIMARY KEY (model, source))"
        )

    @classmethod
    def for_config(cls, config: Config) -> "TranslationMemory":
        return cls(Path(config.cache_dir) / "memory.sqlite3")

    def get(self, model: str, sources: Sequence[str]) -> dict[str, str]:
        query = "SELECT source, target FROM memory WHERE model = ? AND source IN ({marks})"
        return dict(select_in(self.db, query, list(dict.fromkeys(sources)), model))

    def put(self, model: str, items: Iterable[tuple[str, str, str]]) -> None:
        now = time.time()
        rows = [(model, source, target, flags, now) for source, target, flags in items]
        if rows:
            with self.db:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR REPLACE INTO memory VALUES (?, ?, ?, ?, ?)", rows)

    def flagged(self, model: str) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT source, target, flags FROM memory WHERE model = ? AND flags != ''", [model]).fetchall()

    def close(self) -> None:
        self.db.close()
