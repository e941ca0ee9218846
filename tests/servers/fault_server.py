"""A small fault-injecting OpenAI-compatible server (aiohttp), for tests and benchmarks.

    python tests/servers/fault_server.py --latency 0.05 --fail-rate 0.2 --faults 500,timeout

Every ``POST /v1/chat/completions`` waits ``--latency`` seconds, then, with probability
``--fail-rate`` (seeded RNG), answers with one of ``--faults``: ``429`` (with ``Retry-After:
--retry-after``), ``500``, or ``timeout`` (hangs for ``--hang`` seconds before a 503, so the
client's timeout fires first and the request never counts as answered). Otherwise it answers
``"reply seed=<seed> n=<k>"`` where k counts this sample's successful answers.

The request's ``seed`` names the sample (the harness derives a distinct seed per sample and epoch),
so ``GET /stats`` tells how many requests and successful answers each sample got: the proof that no
sample was lost or answered twice. With ``--tool-args TEXT`` a request carrying tools and no tool
result yet gets a tool call whose raw arguments are TEXT (malformed on purpose). The first line
printed is ``PORT <n>``; the server exits after ``--lifetime`` seconds whatever happens.

Images: every ``image_url`` content part must be a ``data:image/...;base64,`` URL whose bytes
decode (else a 400); the SHA-256 of each image's bytes is counted (``GET /stats``: ``images``) and
named in the reply (``images=<first 12 hex digits>,...``), so a test sees the bytes arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import hashlib
import random
import sys
import time
from collections import Counter
from typing import Any

from aiohttp import web


class State:
    def __init__(self, opts: argparse.Namespace) -> None:
        self.opts = opts
        self.rng = random.Random(opts.seed)
        self.faults = [f for f in opts.faults.split(",") if f]
        self.requests: Counter[str] = Counter()
        self.ok: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.images: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.timeline: list[tuple[float, int]] = []
        self.t0 = time.monotonic()


def image_digests(messages: list[Any]) -> list[str] | None:
    """SHA-256 of every image_url part's bytes; None if one is not a base64 data URL."""
    out = []
    for m in messages:
        content = m.get("content") if isinstance(m, dict) else None
        for part in content if isinstance(content, list) else []:
            if part.get("type") != "image_url":
                continue
            url = str((part.get("image_url") or {}).get("url", ""))
            head, _, payload = url.partition(",")
            if not (head.startswith("data:image/") and head.endswith(";base64")):
                return None
            try:
                data = base64.b64decode(payload, validate=True)
            except binascii.Error:
                return None
            out.append(hashlib.sha256(data).hexdigest())
    return out


async def chat(request: web.Request) -> web.StreamResponse:
    st: State = request.app["state"]
    body = await request.json()
    digests = image_digests(body.get("messages") or [])
    if digests is None:
        return web.json_response(
            {"error": {"message": "an image_url part is not a base64 data URL"}}, status=400
        )
    st.images.update(digests)
    key = str(body.get("seed"))
    st.requests[key] += 1
    st.in_flight += 1
    st.max_in_flight = max(st.max_in_flight, st.in_flight)
    try:
        if st.opts.latency:
            await asyncio.sleep(st.opts.latency)
        if st.faults and st.rng.random() < st.opts.fail_rate:
            fault = st.rng.choice(st.faults)
            st.injected[fault] += 1
            if fault == "429":
                return web.json_response(
                    {"error": {"message": "rate limit exceeded (injected)"}},
                    status=429,
                    headers={"Retry-After": f"{st.opts.retry_after:g}"},
                )
            if fault == "500":
                return web.json_response(
                    {"error": {"message": "internal error (injected)"}}, status=500
                )
            await asyncio.sleep(st.opts.hang)  # "timeout": the client gives up first
            raise web.HTTPServiceUnavailable(text="hung (injected)")
        st.ok[key] += 1
        message: dict[str, Any] = {
            "role": "assistant",
            "content": f"reply seed={key} n={st.ok[key]}"
            + (f" images={','.join(d[:12] for d in digests)}" if digests else ""),
        }
        finish = "stop"
        msgs = body.get("messages") or []
        if (
            st.opts.tool_args is not None
            and body.get("tools")
            and not any(m.get("role") == "tool" for m in msgs)
        ):
            name = body["tools"][0]["function"]["name"]
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{key}",
                        "type": "function",
                        "function": {"name": name, "arguments": st.opts.tool_args},
                    }
                ],
            }
            finish = "tool_calls"
        prompt = sum(len(str(m.get("content") or "")) for m in msgs) // 4
        return web.json_response(
            {
                "id": f"chatcmpl-{key}-{st.ok[key]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fault"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": 4,
                    "total_tokens": prompt + 4,
                },
            }
        )
    finally:
        st.in_flight -= 1


async def models(request: web.Request) -> web.Response:
    return web.json_response({"object": "list", "data": [{"id": "fault", "object": "model"}]})


async def stats(request: web.Request) -> web.Response:
    st: State = request.app["state"]
    return web.json_response(
        {
            "requests": dict(st.requests),
            "ok": dict(st.ok),
            "injected": dict(st.injected),
            "images": dict(st.images),
            "total_requests": sum(st.requests.values()),
            "total_ok": sum(st.ok.values()),
            "max_in_flight": st.max_in_flight,
            "timeline": st.timeline,
        }
    )


async def configure(request: web.Request) -> web.Response:
    """Change the fault settings mid-run, counts kept (``POST /set``: an outage that ends)."""
    _apply(request.app["state"], await request.json() if request.can_read_body else {})
    return web.json_response({"ok": True})


def _apply(st: State, body: dict[str, Any]) -> None:
    for key in ("latency", "fail_rate", "retry_after", "hang"):
        if key in body:
            setattr(st.opts, key, float(body[key]))
    if "faults" in body:
        st.faults = [f for f in str(body["faults"]).split(",") if f]


async def reset(request: web.Request) -> web.Response:
    st: State = request.app["state"]
    _apply(st, await request.json() if request.can_read_body else {})
    st.requests.clear()
    st.ok.clear()
    st.injected.clear()
    st.images.clear()
    st.max_in_flight = 0
    st.timeline.clear()
    st.t0 = time.monotonic()
    return web.json_response({"ok": True})


async def sampler(app: web.Application) -> Any:
    st: State = app["state"]

    async def loop() -> None:
        while True:
            await asyncio.sleep(0.1)
            st.timeline.append((round(time.monotonic() - st.t0, 2), st.in_flight))

    task = asyncio.create_task(loop())
    yield
    task.cancel()


def make_app(opts: argparse.Namespace) -> web.Application:
    app = web.Application()
    app["state"] = State(opts)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    app.router.add_post("/set", configure)
    app.cleanup_ctx.append(sampler)
    return app


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--fail-rate", type=float, default=0.0)
    p.add_argument("--faults", default="500", help="comma list of 429, 500, timeout")
    p.add_argument("--retry-after", type=float, default=0.2)
    p.add_argument("--hang", type=float, default=5.0)
    p.add_argument("--tool-args", default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=600.0)
    return p.parse_args(argv)


async def serve(opts: argparse.Namespace) -> None:
    runner = web.AppRunner(make_app(opts), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", opts.port, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(f"PORT {port}", flush=True)
    try:
        await asyncio.sleep(opts.lifetime)
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(opts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
