"""Images through the remote backends to a real OpenAI-compatible server on 127.0.0.1: the
server decodes each image_url data URL and reports the SHA-256 of the bytes it got."""

from __future__ import annotations

import asyncio
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest

from harness.model import Model, WrappedModel
from harness.plugins.manager import get_manager
from harness.schemas import GenerateConfig, ImagePart, Message


def _png(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (12, 12), color).save(buf, format="PNG")
    return buf.getvalue()


def _model(spec: str, args: dict[str, Any]) -> Model:
    provider, _, name = spec.partition("/")
    cls = get_manager().registry("models").get(provider)
    return cls.create(name, args)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "spec",
    [
        "openai-compatible/fault",
        # litellm's import takes seconds (paid once per CI session, by other tests too)
        pytest.param("litellm/openai/fault", marks=pytest.mark.slow),
    ],
)
def test_images_reach_the_server_as_data_urls(fault_server: Any, tmp_path: Path, spec: str) -> None:
    if spec.startswith("litellm"):
        pytest.importorskip("litellm")
    server = fault_server.start(latency=0)
    red, blue = _png((255, 0, 0)), _png((0, 0, 255))
    (tmp_path / "red.png").write_bytes(red)
    key = {"api_key": "sk-test"}
    args = (
        {"base_url": server.base_url, **key}
        if spec.startswith("openai-compatible")
        else {"api_base": server.base_url, **key}
    )
    model = WrappedModel(_model(spec, args))
    msg = Message(
        role="user",
        content=["Which colours?", ImagePart(path=str(tmp_path / "red.png")), ImagePart(data=blue)],
    )

    async def call() -> Any:
        try:
            return await model.generate([msg], None, GenerateConfig(seed=7, max_tokens=8))
        finally:
            await model.model.aclose()

    reply = asyncio.run(call())
    digests = [hashlib.sha256(b).hexdigest() for b in (red, blue)]
    assert server.get("/stats")["images"] == {d: 1 for d in digests}
    assert reply.text == f"reply seed=7 n=1 images={digests[0][:12]},{digests[1][:12]}"
