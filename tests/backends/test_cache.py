"""The SQLite response cache: keys, expiry, a second identical run served without model calls,
and `harness cache stats|clear`."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.backends.scripted.model import ScriptedModel
from harness.callpath import CallArgs, default_wrappers
from harness.callpath.cache import CacheWrapper, ResponseCache, cache_key
from harness.model import WrappedModel
from harness.run.runner import Runner
from harness.schemas import GenerateConfig, Message, ModelResponse, RunConfig, ToolSpec


class Counting(ScriptedModel):
    def __init__(self) -> None:
        super().__init__("echo")
        self.calls = 0

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        self.calls += 1
        return await super().generate(messages, tools, config)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(d))
    return d


def test_key_covers_model_messages_tools_config_seed_but_not_timeout() -> None:
    m = [Message(role="user", content="hi")]
    base = cache_key({"model": "a"}, m, None, GenerateConfig(seed=1))
    assert base == cache_key({"model": "a"}, m, None, GenerateConfig(seed=1, timeout=5))
    assert base != cache_key({"model": "b"}, m, None, GenerateConfig(seed=1))
    assert base != cache_key({"model": "a"}, m, None, GenerateConfig(seed=2))
    assert base != cache_key(
        {"model": "a"}, [Message(role="user", content="ho")], None, GenerateConfig(seed=1)
    )
    assert base != cache_key({"model": "a"}, m, [ToolSpec(name="t")], GenerateConfig(seed=1))
    assert base != cache_key({"model": "a"}, m, None, GenerateConfig(seed=1, temperature=1.0))


def test_key_sees_an_image_by_its_content_not_its_path(tmp_path: Path) -> None:
    from harness.schemas import ImagePart, TextPart

    png = bytes.fromhex("89504e470d0a1a0a") + b"first picture"
    path = tmp_path / "picture.png"
    path.write_bytes(png)

    def key(part: ImagePart) -> str:
        msg = Message(role="user", content=[part, TextPart(text="What is in it?")])
        return cache_key({"m": 1}, [msg], None, GenerateConfig())

    by_path = key(ImagePart(path=str(path)))
    assert by_path == key(ImagePart(data=png))  # the same bytes, however they are given
    path.write_bytes(png + b", redrawn")  # the same path, another picture: another question
    assert key(ImagePart(path=str(path))) != by_path


def test_second_identical_run_makes_no_model_calls(cache_dir: Path, tmp_path: Path) -> None:
    cfg = RunConfig(task="sanity", model="scripted/echo", limit=5, epochs=2, cache=True)
    first = Counting()
    run1, _ = Runner(cfg, tmp_path / "runs", model_overrides={"scripted/echo": first}).run()
    assert first.calls == 10  # two epochs: different seeds, different entries
    second = Counting()
    wrappers = default_wrappers(cfg, None)
    run2, _ = Runner(
        cfg,
        tmp_path / "runs",
        wrappers=wrappers,
        model_overrides={"scripted/echo": second},
    ).run()
    assert second.calls == 0
    assert isinstance(wrappers[0], CacheWrapper) and wrappers[0].hits == 10

    def texts(d: Path) -> list[tuple[str, int, str]]:
        recs = [json.loads(x) for x in (d / "samples.jsonl").read_text().splitlines()]
        return sorted((r["sample_id"], r["epoch"], r["output"]["completion"]) for r in recs)

    assert texts(run1) == texts(run2)
    # --no-cache (the default) calls the model again
    third = Counting()
    Runner(
        cfg.model_copy(update={"cache": False}),
        tmp_path / "runs",
        model_overrides={"scripted/echo": third},
    ).run()
    assert third.calls == 10


def test_expiry_and_clear(cache_dir: Path) -> None:
    cache = ResponseCache.open()
    cache.put("k1", "m", ModelResponse(text="old"))
    cache.db.execute(
        "UPDATE responses SET created = ? WHERE key = 'k1'", (time.time() - 3 * 86400,)
    )
    cache.put("k2", "m", ModelResponse(text="new"))
    hit = cache.get("k1")
    assert hit is not None and hit.cached and hit.text == "old"
    assert cache.get("k1", max_age=2 * 86400) is None and cache.get("k2", max_age=86400)
    assert cache.clear(older_than_days=2) == 1
    assert cache.stats()["entries"] == 1
    # the ttl model argument: an expired entry is not served, the model is called again
    model = Counting()
    model.call_args = CallArgs(cache_ttl_days=1)
    wrapper = CacheWrapper(cache)
    msgs = [Message(role="user", content="x")]
    key = cache_key(model.cache_key_fields(), msgs, None, GenerateConfig())
    cache.put(key, model.spec, ModelResponse(text="stale"))
    cache.db.execute(
        "UPDATE responses SET created = ? WHERE key = ?", (time.time() - 2 * 86400, key)
    )
    out = asyncio.run(WrappedModel(model, [wrapper]).generate(msgs, None, GenerateConfig()))
    assert out.text == "x" and not out.cached and model.calls == 1
    out = asyncio.run(WrappedModel(model, [wrapper]).generate(msgs, None, GenerateConfig()))
    assert out.cached and model.calls == 1


def test_cache_command(cache_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HARNESS_CACHE_DIR": str(cache_dir)}

    def harness(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "harness", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    assert "empty" in harness("cache", "stats").stdout
    r = harness(
        "run", "sanity", "--model", "scripted/echo", "--limit", "3", "--cache", "--no-progress"
    )
    assert r.returncode == 0, r.stderr
    stats = harness("cache", "stats")
    assert "entries: 3" in stats.stdout and "scripted/echo: 3" in stats.stdout
    assert (
        "deleted 0 entries older than 1 days"
        in harness("cache", "clear", "--older-than", "1").stdout
    )
    assert "deleted 3 entries" in harness("cache", "clear").stdout
    bad = harness("cache", "clear", "--older-than", "-1")
    assert bad.returncode == 2 and "--older-than" in bad.stderr and "Traceback" not in bad.stderr
