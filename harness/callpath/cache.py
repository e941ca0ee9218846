"""The response cache: SQLite (WAL) under ``$HARNESS_CACHE_DIR`` or ``~/.cache/harness``.

The key is a SHA-256 over the model's :meth:`~harness.model.Model.cache_key_fields` (provider, name,
backend arguments), the messages, the tools and the sampling config (``timeout`` excluded: it does
not change the answer). The config carries the call's seed, and the runner derives that seed from
(run seed, sample id, epoch) (:func:`harness.run.runner.derive_seed`), so the epoch is part of the
key through it: epoch 2 of a sample is a different entry from epoch 1, and a second identical run
finds every entry. ``-M cache_ttl_days=N`` stops serving older entries (they are replaced when the
call is made again); ``harness cache clear --older-than DAYS`` deletes them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from harness.callpath.args import call_args_of
from harness.errors import UserError
from harness.model import CallNext, Model, ModelWrapper
from harness.paths import cache_dir
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec
from harness.secrets import redact

SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    created REAL NOT NULL,
    response TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS responses_created ON responses(created);
"""


def _message_key(message: Message) -> dict[str, Any]:
    """The message as the key sees it: an image by its content's hash, not by its path (a file
    rewritten in place is a new question) nor its encoding (bytes, data URL or path alike)."""
    from harness.schemas import ImagePart

    out: dict[str, Any] = message.model_dump(mode="json")
    if not isinstance(message.content, str):
        out["content"] = [
            {"type": "image", "sha256": p.digest()}
            if isinstance(p, ImagePart)
            else p.model_dump(mode="json")
            for p in message.content
        ]
    return out


def cache_key(
    model_fields: dict[str, Any],
    messages: list[Message],
    tools: list[ToolSpec] | None,
    config: GenerateConfig,
) -> str:
    payload = {
        "model": redact(model_fields),  # a key never decides an answer, nor enters the cache
        "messages": [_message_key(m) for m in messages],
        "tools": [t.model_dump(mode="json") for t in tools or []],
        "config": config.model_dump(mode="json", exclude={"timeout"}),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ResponseCache:
    """A SQLite file of model responses; one connection, used from the event loop's thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise UserError(
                f"cannot open the response cache at {path}: {exc} "
                "(set HARNESS_CACHE_DIR to a writable folder, or run without --cache)"
            ) from None

    @classmethod
    def open(cls, directory: Path | None = None) -> ResponseCache:
        return cls((directory or cache_dir()) / "responses.sqlite")

    def get(self, key: str, max_age: float | None = None) -> ModelResponse | None:
        row = self.db.execute(
            "SELECT created, response FROM responses WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        if max_age is not None and time.time() - row[0] > max_age:
            return None
        try:
            response = ModelResponse.model_validate_json(row[1])
        except ValueError:
            return None  # an entry from an incompatible version: call the model again
        return response.model_copy(update={"cached": True})

    def put(self, key: str, model: str, response: ModelResponse) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO responses(key, model, created, response) VALUES (?, ?, ?, ?)",
            (key, model, time.time(), response.model_dump_json()),
        )

    def stats(self) -> dict[str, Any]:
        total, oldest, newest = self.db.execute(
            "SELECT COUNT(*), MIN(created), MAX(created) FROM responses"
        ).fetchone()
        by_model = dict(
            self.db.execute(
                "SELECT model, COUNT(*) FROM responses GROUP BY model ORDER BY 2 DESC"
            ).fetchall()
        )
        size = sum(
            p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.exists()
        )
        return {
            "path": str(self.path),
            "entries": total,
            "bytes": size,
            "oldest": oldest,
            "newest": newest,
            "by_model": by_model,
        }

    def clear(self, older_than_days: float | None = None) -> int:
        if older_than_days is None:
            cur = self.db.execute("DELETE FROM responses")
        else:
            cutoff = time.time() - older_than_days * 86400.0
            cur = self.db.execute("DELETE FROM responses WHERE created < ?", (cutoff,))
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cur.rowcount

    def close(self) -> None:
        self.db.close()


class CacheWrapper(ModelWrapper):
    """Serves a call from the cache, or makes it and stores the answer. Counts hits and misses."""

    def __init__(self, cache: ResponseCache) -> None:
        self.cache = cache
        self.hits = 0
        self.misses = 0

    async def __call__(
        self,
        model: Model,
        messages: list[Message],
        tools: list[ToolSpec] | None,
        config: GenerateConfig,
        call_next: CallNext,
    ) -> ModelResponse:
        key = cache_key(model.cache_key_fields(), messages, tools, config)
        ttl = call_args_of(model).cache_ttl_days
        hit = self.cache.get(key, ttl * 86400.0 if ttl else None)
        if hit is not None:
            self.hits += 1
            return hit
        self.misses += 1
        response = await call_next(messages, tools, config)
        self.cache.put(key, model.spec, response)
        return response


def command(args: argparse.Namespace) -> int:
    """``harness cache stats|clear [--older-than DAYS]``."""
    older = getattr(args, "older_than", None)
    if older is not None and older < 0:
        raise UserError("--older-than must be a number of days >= 0")
    path = cache_dir() / "responses.sqlite"
    if args.action == "stats":
        if not path.exists():
            print(f"cache: {path} (empty: no run has used --cache yet)")
            return 0
        cache = ResponseCache(path)
        s = cache.stats()
        cache.close()
        print(f"cache: {s['path']}")
        print(f"entries: {s['entries']}   size: {s['bytes'] / 1e6:.2f} MB")
        if s["entries"]:
            age = (time.time() - s["oldest"]) / 86400.0
            print(
                f"oldest: {age:.2f} days ago   newest: "
                f"{(time.time() - s['newest']) / 86400.0:.2f} days ago"
            )
            for model, n in s["by_model"].items():
                print(f"  {model}: {n}")
        return 0
    if older is not None and args.action != "clear":
        raise UserError("--older-than goes with `harness cache clear`")
    if not path.exists():
        print(f"cache: {path} is empty; nothing to clear")
        return 0
    cache = ResponseCache(path)
    n = cache.clear(older)
    cache.close()
    what = f" older than {older:g} days" if older is not None else ""
    print(f"cache: deleted {n} entries{what} from {path}")
    return 0
